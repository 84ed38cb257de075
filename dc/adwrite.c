/* dc/adwrite.c - ldapi access for the admin CLI, with the KDC cache stamp */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ad/filter.h"
#include "ad/ldapconn.h"
#include "dc/adwrite.h"
#include "dc/dsa_rules.h"
#include "dc/slapdconf.h"
#include "dc/slapdrun.h"
#include "dc/sockproto.h"
#include "lib/net.h"
#include "lib/util.h"

struct mdc_adw {
	LDAP *ld;
	int system;
	char *dsa_sock; /* the running dsa's socket (system writes) */
	char *base;
	char *stamp;
	char error[512];
};

/* Bind: SASL EXTERNAL (ldapi, root) or GSSAPI (the caller's ccache). */
static int
adw_bind(struct mdc_adw *w, const char *uri, struct mdc_err *err)
{
	/* No timeout: a write waits for the dsa and the KDB as long as they
	 * take, as ldapmodify would. */
	const struct mdc_ad_ldap_how how = {
	        w->system ? MDC_AD_LDAP_EXTERNAL : MDC_AD_LDAP_GSSAPI, 0};
	struct mdc_err why = {""};
	int ret;

	ret = mdc_ad_ldap_connect(uri, &how, &w->ld, &why);
	if (ret == 0)
		return 0;
	if (ret == MDC_EINVAL)
		mdc_err_set(err, MDC_EINVAL, "bad directory URI %s", uri);
	else if (w->system)
		mdc_err_set(err, MDC_ELDAP,
		            "cannot bind to the directory at %s: %s "
		            "(is the DC running, and are you root?)",
		            uri, why.text);
	else
		mdc_err_set(err, MDC_ELDAP,
		            "cannot bind to %s with Kerberos: %s "
		            "(kinit as a domain admin first)",
		            uri, why.text);
	return MDC_ELDAP;
}

int
mdc_adw_open(const struct mdc_dcconf *c, int kerberos, struct mdc_adw **w_out,
             struct mdc_err *err)
{
	struct mdc_adw *w = calloc(1, sizeof(*w));
	char *uri = NULL;
	int ret = MDC_ENOMEM;

	if (w == NULL)
		goto out;
	w->system = !kerberos;
	uri = kerberos ? mdc_strdupf("ldap://%s:%ld", c->fqdn, c->port_ldap)
	               : mdc_dc_ldapi_uri(c);
	w->base = strdup(c->base_dn);
	w->stamp = mdc_dc_path(c, "run/kdb.stamp");
	if (uri == NULL || w->base == NULL || w->stamp == NULL)
		goto out;
	/* As the DC, writes go to the running dsa's socket (dsa_write). */
	if (w->system && (w->dsa_sock = mdc_dc_path(c, MDC_DSA_SOCKET)) == NULL)
		goto out;
	ret = adw_bind(w, uri, err);
	if (ret != 0)
		goto out;
	*w_out = w;
	w = NULL;
out:
	if (ret == MDC_ENOMEM)
		mdc_err_set(err, ret, "out of memory");
	free(uri);
	mdc_adw_close(w);
	return ret;
}

int
mdc_adw_is_system(const struct mdc_adw *w)
{
	return w->system;
}

void
mdc_adw_close(struct mdc_adw *w)
{
	if (w == NULL)
		return;
	if (w->ld != NULL)
		ldap_unbind_ext_s(w->ld, NULL, NULL);
	free(w->dsa_sock);
	free(w->base);
	free(w->stamp);
	free(w);
}

LDAP *
mdc_adw_ld(struct mdc_adw *w)
{
	return w->ld;
}

const char *
mdc_adw_error(const struct mdc_adw *w)
{
	return w->error;
}

int
mdc_adw_search(struct mdc_adw *w, const char *base, int scope,
               const char *filter, char *const *attrs, LDAPMessage **res_out)
{
	int rc;

	*res_out = NULL;
	rc = ldap_search_ext_s(w->ld, base, scope, filter, (char **)attrs, 0,
	                       NULL, NULL, NULL, 0, res_out);
	if (rc == LDAP_SUCCESS)
		return 0;
	snprintf(w->error, sizeof(w->error), "%s", ldap_err2string(rc));
	ldap_msgfree(*res_out);
	*res_out = NULL;
	return rc == LDAP_NO_SUCH_OBJECT ? MDC_ENOENT : MDC_ELDAP;
}

/* Let krb5kdc/kadmind drop cached entries now (see dc/kdb). */
static void
touch_stamp(struct mdc_adw *w)
{
	int fd = open(w->stamp, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return;
	(void)futimens(fd, NULL);
	close(fd);
}

/* Turn an LDAP result code into a status, remembering the reason. */
static int
result(struct mdc_adw *w, int rc)
{
	char *diag = NULL;

	if (rc == LDAP_SUCCESS) {
		if (w->system)
			touch_stamp(w);
		return 0;
	}
	ldap_get_option(w->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	snprintf(w->error, sizeof(w->error), "%s%s%s", ldap_err2string(rc),
	         diag != NULL && diag[0] != '\0' ? ": " : "",
	         diag != NULL ? diag : "");
	ldap_memfree(diag);
	if (rc == LDAP_ALREADY_EXISTS)
		return MDC_EEXIST;
	if (rc == LDAP_NO_SUCH_OBJECT)
		return MDC_ENOENT;
	return MDC_ELDAP;
}

/* Read the dsa's answer (through its empty line) into buf. */
static int
read_answer(int fd, char *buf, size_t cap, size_t *len_out)
{
	size_t len = 0;
	ssize_t n;

	while (len + 1 < cap) {
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "\n\n") != NULL)
			break;
	}
	*len_out = len;
	return len > 0 ? 0 : MDC_ETRUNC;
}

/*
 * Send req to the running dsa on its socket and read its answer.  The dsa
 * knows us by our peer credentials (root: the DC system identity) and
 * performs the write itself, as every other; 0 with its result in *code,
 * or MDC_E* with the reason in w->error.
 */
static int
dsa_call(struct mdc_adw *w, const struct mdc_sock_req *req, int *code,
         char *info, size_t infolen)
{
	char *text = NULL, ans[1024];
	size_t len = 0;
	int fd = -1, ret;

	ret = mdc_sock_format(req, &text);
	if (ret != 0) {
		snprintf(w->error, sizeof(w->error), "%s", mdc_strerror(ret));
		return ret;
	}
	ret = mdc_net_connect_unix(w->dsa_sock, &fd);
	if (ret != 0) {
		snprintf(w->error, sizeof(w->error),
		         "the DC is not running (no directory agent at %s)",
		         w->dsa_sock);
		mdc_secret_free(text, 0);
		return MDC_ELDAP;
	}
	ret = mdc_net_send_all(fd, text, strlen(text));
	mdc_secret_free(text, 0);
	if (ret == 0)
		ret = read_answer(fd, ans, sizeof(ans), &len);
	if (ret == 0)
		ret = mdc_sock_result_parse(ans, len, code, info, infolen);
	close(fd);
	if (ret != 0)
		snprintf(w->error, sizeof(w->error),
		         "no answer from the directory agent at %s (%s)",
		         w->dsa_sock, mdc_strerror(ret));
	return ret;
}

/*
 * Writes go to the running dsa as the DC system identity: the same
 * validation and completion as LDAP clients get, without the authorization
 * (the CLI runs as root on the DC), and one writer of the directory.
 */
static int
dsa_write(struct mdc_adw *w, enum mdc_sock_op op, const char *dn,
          LDAPMod **mods)
{
	struct mdc_sock_req *req = NULL;
	char info[512] = "";
	int ret, code = 0;

	ret = mdc_dsa_req_from_mods(op, dn, mods, &req);
	if (ret == 0 && (req->binddn = strdup(MDC_ROOT_AUTHZ_DN)) == NULL)
		ret = MDC_ENOMEM;
	if (ret != 0) {
		mdc_sock_req_free(req);
		snprintf(w->error, sizeof(w->error), "%s", mdc_strerror(ret));
		return ret;
	}
	ret = dsa_call(w, req, &code, info, sizeof(info));
	mdc_sock_req_free(req);
	if (ret != 0)
		return ret;
	if (code == LDAP_SUCCESS)
		return 0; /* the dsa touched the KDC's stamp */
	snprintf(w->error, sizeof(w->error), "%s%s%.400s",
	         ldap_err2string(code), info[0] != '\0' ? ": " : "", info);
	if (code == LDAP_ALREADY_EXISTS)
		return MDC_EEXIST;
	return code == LDAP_NO_SUCH_OBJECT ? MDC_ENOENT : MDC_ELDAP;
}

/*
 * As a Kerberos admin, writes go over LDAP: slapd's sock overlay hands them
 * to the dsa with our identity, which authorizes them.
 */
int
mdc_adw_add(struct mdc_adw *w, const char *dn, LDAPMod **mods)
{
	if (!w->system)
		return result(w, ldap_add_ext_s(w->ld, dn, mods, NULL, NULL));
	return dsa_write(w, MDC_SOCK_ADD, dn, mods);
}

int
mdc_adw_modify(struct mdc_adw *w, const char *dn, LDAPMod **mods)
{
	if (!w->system)
		return result(w,
		              ldap_modify_ext_s(w->ld, dn, mods, NULL, NULL));
	return dsa_write(w, MDC_SOCK_MODIFY, dn, mods);
}

int
mdc_adw_delete(struct mdc_adw *w, const char *dn)
{
	if (!w->system)
		return result(w, ldap_delete_ext_s(w->ld, dn, NULL, NULL));
	return dsa_write(w, MDC_SOCK_DELETE, dn, NULL);
}

int
mdc_adw_find(struct mdc_adw *w, const char *what, const char *sam,
             char **dn_out)
{
	static char *const attrs[] = {"1.1", NULL};
	LDAPMessage *res = NULL, *e;
	char *esc, *filter = NULL, *dn;
	int ret = MDC_ENOMEM;

	if ((esc = mdc_ad_filter_escape(sam)) == NULL)
		return MDC_ENOMEM;
	filter = mdc_strdupf("(&%s(sAMAccountName=%s))", what, esc);
	if (filter == NULL)
		goto out;
	ret = mdc_adw_search(w, w->base, LDAP_SCOPE_SUBTREE, filter, attrs,
	                     &res);
	if (ret != 0)
		goto out;
	e = ldap_first_entry(w->ld, res);
	ret = MDC_ENOENT;
	if (e == NULL || (dn = ldap_get_dn(w->ld, e)) == NULL)
		goto out;
	*dn_out = strdup(dn);
	ldap_memfree(dn);
	ret = *dn_out == NULL ? MDC_ENOMEM : 0;
out:
	free(esc);
	ldap_msgfree(res);
	free(filter);
	return ret;
}
