/* join/sess.c - minidc-join session: private krb5.conf, ccache, kpasswd */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "join/sess.h"
#include "lib/ad.h"
#include "lib/util.h"

#define PW_MAX 1024

int
mdc_join_kfail(struct mdc_join_sess *s, krb5_error_code code, const char *what,
               struct mdc_err *e)
{
	const char *msg = krb5_get_error_message(s->ctx, code);

	mdc_err_set(e, MDC_EKRB5, "%s: %s", what, msg);
	krb5_free_error_message(s->ctx, msg);
	return MDC_EKRB5;
}

static int
write_conf(struct mdc_join_sess *s, struct mdc_err *e)
{
	char *text = mdc_join_krb5_conf(s->o, s->dc.addr);
	int ret;

	snprintf(s->tmpdir, sizeof(s->tmpdir), "/tmp/minidc-join.XXXXXX");
	if (text == NULL)
		return mdc_err_set(e, MDC_ENOMEM, "setup: out of memory");
	if (mkdtemp(s->tmpdir) == NULL) {
		s->tmpdir[0] = '\0';
		free(text);
		return mdc_err_set(e, -errno, "setup: mkdtemp: %s",
		                   strerror(errno));
	}
	snprintf(s->conf, sizeof(s->conf), "%s/krb5.conf", s->tmpdir);
	ret = mdc_file_write(s->conf, text, strlen(text), 0600);
	free(text);
	if (ret != 0)
		return mdc_err_set(e, ret, "setup: %s: %s", s->conf,
		                   mdc_strerror(ret));
	/* libkrb5 and the SASL GSSAPI plugin read it in this process. */
	if (setenv("KRB5_CONFIG", s->conf, 1) != 0)
		return mdc_err_set(e, MDC_ENOMEM, "setup: setenv");
	return 0;
}

static int
open_krb(struct mdc_join_sess *s, struct mdc_err *e)
{
	const struct mdc_join_opts *o = s->o;
	char *name = NULL;
	krb5_error_code k;

	k = krb5_init_context(&s->ctx);
	if (k != 0) {
		s->ctx = NULL;
		return mdc_err_set(e, MDC_EKRB5,
		                   "Kerberos: cannot initialize libkrb5 (%d)",
		                   (int)k);
	}
	k = krb5_cc_new_unique(s->ctx, "MEMORY", NULL, &s->cc);
	if (k != 0)
		return mdc_join_kfail(s, k, "Kerberos", e);
	k = krb5_cc_get_full_name(s->ctx, s->cc, &name);
	if (k != 0)
		return mdc_join_kfail(s, k, "Kerberos", e);
	/* For the SASL GSSAPI plugin (never a file: nothing left behind). */
	if (setenv("KRB5CCNAME", name, 1) != 0) {
		krb5_free_string(s->ctx, name);
		return mdc_err_set(e, MDC_ENOMEM, "setup: setenv");
	}
	krb5_free_string(s->ctx, name);
	k = krb5_build_principal(s->ctx, &s->me, strlen(o->realm), o->realm,
	                         o->sam, (char *)NULL);
	if (k != 0)
		return mdc_join_kfail(s, k, "Kerberos", e);
	return 0;
}

int
mdc_join_sess_open(struct mdc_join_sess *s, const struct mdc_join_opts *o,
                   const struct mdc_join_dc *dc, struct mdc_err *e)
{
	int ret;

	memset(s, 0, sizeof(*s));
	s->o = o;
	s->dc = *dc;
	ret = mdc_domain_to_dn(o->domain, &s->base);
	if (ret != 0)
		return mdc_err_set(e, ret, "setup: base DN of %s: %s",
		                   o->domain, mdc_strerror(ret));
	ret = write_conf(s, e);
	if (ret == 0)
		ret = open_krb(s, e);
	return ret;
}

void
mdc_join_sess_close(struct mdc_join_sess *s)
{
	if (s->ld != NULL)
		ldap_unbind_ext_s(s->ld, NULL, NULL);
	if (s->ctx != NULL) {
		if (s->cc != NULL)
			krb5_cc_destroy(s->ctx, s->cc);
		krb5_free_principal(s->ctx, s->me);
		krb5_free_context(s->ctx);
	}
	if (s->tmpdir[0] != '\0')
		mdc_rm_rf(s->tmpdir);
	free(s->base);
	memset(s, 0, sizeof(*s));
}

/* One line from stdin (a pipe or a file) into a new buffer. */
static int
read_stdin(char **pw_out, size_t *len_out)
{
	char *buf = calloc(1, PW_MAX + 1);
	size_t len = 0;
	ssize_t n;

	if (buf == NULL)
		return MDC_ENOMEM;
	while (len < PW_MAX && memchr(buf, '\n', len) == NULL) {
		n = read(STDIN_FILENO, buf + len, PW_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	len = strcspn(buf, "\n");
	memset(buf + len, 0, PW_MAX + 1 - len); /* nothing left behind */
	*pw_out = buf;
	*len_out = PW_MAX;
	return 0;
}

/* The admin password from --password-file (0600) or stdin; NULL *pw_out
 * means: let libkrb5 prompt. */
static int
read_password(const struct mdc_join_opts *o, char **pw_out, struct mdc_err *e)
{
	struct stat st;
	size_t len;
	int ret;

	*pw_out = NULL;
	if (o->password_file != NULL) {
		if (stat(o->password_file, &st) != 0)
			return mdc_err_set(e, -errno, "password file: %s: %s",
			                   o->password_file, strerror(errno));
		if ((st.st_mode & 077) != 0)
			return mdc_err_set(
			        e, MDC_EACCES,
			        "password file: %s: readable by others (need "
			        "0600)",
			        o->password_file);
		ret = mdc_file_read(o->password_file, PW_MAX, pw_out, &len);
	} else if (o->stdin_password) {
		ret = read_stdin(pw_out, &len);
	} else {
		return 0;
	}
	if (ret != 0)
		return mdc_err_set(e, ret, "password: cannot read it: %s",
		                   mdc_strerror(ret));
	mdc_str_chomp(*pw_out);
	if ((*pw_out)[0] == '\0') {
		mdc_secret_free(*pw_out, len);
		*pw_out = NULL;
		return mdc_err_set(e, MDC_EINVAL, "password: empty");
	}
	return 0;
}

/* -U NETBIOS\NAME names this domain only: NETBIOS must be the DC's
 * NetBIOS domain name (any case), which the LDAP ping told us. */
static int
check_netbios(const struct mdc_join_sess *s, struct mdc_err *e)
{
	const char *u = s->o->user, *bs = u != NULL ? strchr(u, '\\') : NULL;
	size_t n = strlen(s->dc.netbios);

	if (bs == NULL || n == 0 ||
	    ((size_t)(bs - u) == n && strncasecmp(u, s->dc.netbios, n) == 0))
		return 0;
	return mdc_err_set(
	        e, MDC_EINVAL,
	        "arguments: -U '%.64s': %.*s is not the NetBIOS name of "
	        "%.64s (%s)",
	        u, (int)(bs - u), u, s->o->domain, s->dc.netbios);
}

int
mdc_join_login_password(struct mdc_join_sess *s, struct mdc_err *e)
{
	krb5_get_init_creds_opt *gic = NULL;
	krb5_principal admin = NULL;
	krb5_creds creds;
	krb5_error_code k;
	char what[160], *pw = NULL;
	int ret;

	memset(&creds, 0, sizeof(creds));
	snprintf(what, sizeof(what), "admin login %.64s@%.64s",
	         s->o->admin_name, s->o->realm);
	ret = check_netbios(s, e);
	if (ret != 0)
		return ret;
	ret = read_password(s->o, &pw, e);
	if (ret != 0)
		return ret;
	k = krb5_build_principal(s->ctx, &admin, strlen(s->o->realm),
	                         s->o->realm, s->o->admin_name, (char *)NULL);
	if (k == 0)
		k = krb5_get_init_creds_opt_alloc(s->ctx, &gic);
	if (k == 0)
		k = krb5_get_init_creds_opt_set_out_ccache(s->ctx, gic, s->cc);
	if (k == 0)
		k = krb5_get_init_creds_password(s->ctx, &creds, admin, pw,
		                                 krb5_prompter_posix, NULL, 0,
		                                 NULL, gic);
	if (k == KRB5KDC_ERR_PREAUTH_FAILED ||
	    k == KRB5KRB_AP_ERR_BAD_INTEGRITY)
		ret = mdc_err_set(e, MDC_EDENIED,
		                  "%s: wrong password (the KDC refused it)",
		                  what);
	else
		ret = k == 0 ? 0 : mdc_join_kfail(s, k, what, e);
	if (pw != NULL)
		mdc_secret_free(pw, 0);
	krb5_free_cred_contents(s->ctx, &creds);
	krb5_get_init_creds_opt_free(s->ctx, gic);
	krb5_free_principal(s->ctx, admin);
	return ret;
}

int
mdc_join_login_keytab(struct mdc_join_sess *s, const char *service,
                      krb5_creds *creds, struct mdc_err *e)
{
	krb5_get_init_creds_opt *gic = NULL;
	krb5_keytab kt = NULL;
	krb5_creds local;
	krb5_error_code k;
	char *ktname, what[160];

	snprintf(what, sizeof(what), "login as %s@%.60s with %.60s", s->o->sam,
	         s->o->realm, s->o->keytab);
	ktname = mdc_strdupf("FILE:%s", s->o->keytab);
	if (ktname == NULL)
		return mdc_err_set(e, MDC_ENOMEM, "%s: out of memory", what);
	if (creds == NULL)
		creds = &local;
	memset(creds, 0, sizeof(*creds));
	k = krb5_kt_resolve(s->ctx, ktname, &kt);
	free(ktname);
	if (k == 0)
		k = krb5_get_init_creds_opt_alloc(s->ctx, &gic);
	if (k == 0 && service == NULL)
		k = krb5_get_init_creds_opt_set_out_ccache(s->ctx, gic, s->cc);
	if (k == 0)
		k = krb5_get_init_creds_keytab(s->ctx, creds, s->me, kt, 0,
		                               service, gic);
	if (creds == &local)
		krb5_free_cred_contents(s->ctx, &local);
	krb5_get_init_creds_opt_free(s->ctx, gic);
	if (kt != NULL)
		krb5_kt_close(s->ctx, kt);
	return k == 0 ? 0 : mdc_join_kfail(s, k, what, e);
}

/* A kpasswd result: 0, or the server's reason in e. */
static int
kpasswd_result(struct mdc_join_sess *s, const char *what, int code,
               krb5_data *code_str, krb5_data *result, struct mdc_err *e)
{
	int ret = 0;

	if (code != 0)
		ret = mdc_err_set(
		        e, MDC_EDENIED, "%s: %.*s%s%.*s", what,
		        (int)code_str->length, code_str->data,
		        result->length > 0 ? ": " : "",
		        (int)(result->length < 200 ? result->length : 200),
		        result->data);
	krb5_free_data_contents(s->ctx, code_str);
	krb5_free_data_contents(s->ctx, result);
	return ret;
}

int
mdc_join_set_password(struct mdc_join_sess *s, const char *pw,
                      struct mdc_err *e)
{
	krb5_data code_str = {0}, result = {0};
	krb5_error_code k;
	int code = 0;

	k = krb5_set_password_using_ccache(s->ctx, s->cc, pw, s->me, &code,
	                                   &code_str, &result);
	if (k != 0)
		return mdc_join_kfail(s, k, "kpasswd set-password", e);
	return kpasswd_result(s, "kpasswd set-password", code, &code_str,
	                      &result, e);
}

int
mdc_join_change_password(struct mdc_join_sess *s, krb5_creds *creds,
                         const char *pw, struct mdc_err *e)
{
	krb5_data code_str = {0}, result = {0};
	krb5_error_code k;
	int code = 0;

	k = krb5_change_password(s->ctx, creds, pw, &code, &code_str, &result);
	if (k != 0)
		return mdc_join_kfail(s, k, "kpasswd change-password", e);
	return kpasswd_result(s, "kpasswd change-password", code, &code_str,
	                      &result, e);
}
