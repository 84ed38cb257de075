/* ad/ldapconn.c - an LDAP connection bound by SASL EXTERNAL or GSSAPI */
#include "config.h"

#include <stdio.h>
#include <sys/time.h>

#include "ad/ldapconn.h"
#include "lib/err.h"

/* SASL interaction callback: EXTERNAL and GSSAPI ask nothing. */
static int
sasl_quiet(LDAP *ld, unsigned flags, void *defaults, void *in)
{
	(void)ld;
	(void)flags;
	(void)defaults;
	(void)in;
	return LDAP_SUCCESS;
}

/* The reason rc failed, with slapd's diagnostic message if it sent one. */
static int
bind_fail(LDAP *ld, int rc, struct mdc_err *err)
{
	int code = rc == LDAP_NO_MEMORY             ? MDC_ENOMEM
	           : rc == LDAP_INSUFFICIENT_ACCESS ? MDC_EDENIED
	                                            : MDC_ELDAP;
	char *diag = NULL;

	ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	mdc_err_set(err, code, "%s%s%.200s%s", ldap_err2string(rc),
	            diag != NULL && diag[0] != '\0' ? " (" : "",
	            diag != NULL ? diag : "",
	            diag != NULL && diag[0] != '\0' ? ")" : "");
	ldap_memfree(diag);
	return code;
}

int
mdc_ad_ldap_bind(LDAP *ld, const struct mdc_ad_ldap_how *how,
                 struct mdc_err *err)
{
	struct timeval tv = {how->timeout_s, 0};
	int v3 = LDAP_VERSION3, gss = how->mech == MDC_AD_LDAP_GSSAPI, rc;

	if (ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3) !=
	            LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) !=
	            LDAP_OPT_SUCCESS)
		return bind_fail(ld, LDAP_LOCAL_ERROR, err);
	if (gss)
		ldap_set_option(ld, LDAP_OPT_X_SASL_NOCANON, LDAP_OPT_ON);
	if (how->timeout_s > 0) {
		ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
		ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
	}
	rc = ldap_sasl_interactive_bind_s(ld, NULL, gss ? "GSSAPI" : "EXTERNAL",
	                                  NULL, NULL, LDAP_SASL_QUIET,
	                                  sasl_quiet, NULL);
	return rc == LDAP_SUCCESS ? 0 : bind_fail(ld, rc, err);
}

int
mdc_ad_ldap_connect(const char *uri, const struct mdc_ad_ldap_how *how,
                    LDAP **ld_out, struct mdc_err *err)
{
	LDAP *ld = NULL;
	int ret;

	*ld_out = NULL;
	if (uri == NULL || ldap_initialize(&ld, uri) != LDAP_SUCCESS) {
		ret = mdc_err_set(err, MDC_EINVAL, "bad LDAP URI %s",
		                  uri != NULL ? uri : "(none)");
		goto out;
	}
	ret = mdc_ad_ldap_bind(ld, how, err);
	if (ret == 0) {
		*ld_out = ld;
		ld = NULL;
	}
out:
	if (ld != NULL)
		ldap_unbind_ext_s(ld, NULL, NULL);
	return ret;
}
