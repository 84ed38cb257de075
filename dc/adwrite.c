/* dc/adwrite.c - ldapi access for the admin CLI, with the KDC cache stamp */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ad/filter.h"
#include "ad/ldapconn.h"
#include "dc/adwrite.h"
#include "dc/dsa.h"
#include "dc/dsa_rules.h"
#include "lib/util.h"

struct mdc_adw {
	LDAP *ld;
	int system;
	struct mdc_dsa *dsa; /* the write rules every LDAP client gets too */
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
	/* As the DC, writes get the dsa's rules in-process (dsa_write). */
	if (w->system) {
		ret = mdc_dsa_new(c, &w->dsa);
		if (ret != 0)
			goto out;
	}
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
	mdc_dsa_free(w->dsa);
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

/*
 * Writes go through the dsa's rules (dc/dsa.h) as the DC system identity:
 * the same validation and completion as LDAP clients get, without the
 * authorization (the CLI runs as root on the DC).
 */
static int
dsa_write(struct mdc_adw *w, enum mdc_sock_op op, const char *dn,
          LDAPMod **mods)
{
	struct mdc_dsa_who who = {.roles = MDC_DSA_SYSTEM};
	struct mdc_sock_req *req = NULL;
	struct mdc_dsa_res res;
	int ret;

	ret = mdc_dsa_req_from_mods(op, dn, mods, &req);
	if (ret == 0)
		ret = mdc_dsa_exec(w->dsa, w->ld, req, &who, &res);
	mdc_sock_req_free(req);
	if (ret != 0) {
		snprintf(w->error, sizeof(w->error), "%s", mdc_strerror(ret));
		return ret;
	}
	if (res.code == LDAP_SUCCESS)
		return 0; /* the dsa touched the KDC's stamp */
	snprintf(w->error, sizeof(w->error), "%s%s%.400s",
	         ldap_err2string(res.code), res.info[0] != '\0' ? ": " : "",
	         res.info);
	if (res.code == LDAP_ALREADY_EXISTS)
		return MDC_EEXIST;
	return res.code == LDAP_NO_SUCH_OBJECT ? MDC_ENOENT : MDC_ELDAP;
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
