/* migrate-auth/agentid.c - the agent's identity and credentials (agentid.h) */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>

#include "migrate-auth/agentid.h"
#include "migrate-auth/proto.h"
#include "migrate-auth/policy.h"

/* Find the keytab's migrate/<fqdn>@REALM principal (the first one). */
static int
keytab_principal(const char *kt, char *out, size_t outlen, struct mdc_err *e)
{
	krb5_context k = NULL;
	krb5_keytab id = NULL;
	krb5_kt_cursor cur;
	krb5_keytab_entry ent;
	char *name;
	int ret = mdc_err_set(e, MDC_ENOENT,
	                      "%s: no migrate/<fqdn> key "
	                      "(join the host first)",
	                      kt);

	if (krb5_init_context(&k) != 0)
		return mdc_err_set(e, MDC_EKRB5, "krb5_init_context failed");
	if (krb5_kt_resolve(k, kt, &id) != 0 ||
	    krb5_kt_start_seq_get(k, id, &cur) != 0) {
		ret = mdc_err_set(e, MDC_EACCES,
		                  "%s: cannot read the "
		                  "keytab",
		                  kt);
		goto out;
	}
	while (ret != 0 && krb5_kt_next_entry(k, id, &ent, &cur) == 0) {
		if (krb5_unparse_name(k, ent.principal, &name) == 0) {
			if (strncmp(name, "migrate/", 8) == 0 &&
			    strchr(name, '.') != NULL &&
			    strchr(name, '.') < strchr(name, '@') &&
			    strlen(name) < outlen) {
				memcpy(out, name, strlen(name) + 1);
				ret = 0;
			}
			krb5_free_unparsed_name(k, name);
		}
		krb5_free_keytab_entry_contents(k, &ent);
	}
	(void)krb5_kt_end_seq_get(k, id, &cur);
out:
	if (id != NULL)
		krb5_kt_close(k, id);
	krb5_free_context(k);
	return ret;
}

/* The realm of princ, or the default realm if it names none. */
static int
realm_of(const char *princ, char *out, size_t outlen, struct mdc_err *e)
{
	const char *at = strchr(princ, '@');
	krb5_context k = NULL;
	char *def = NULL;
	int ret = 0;

	if (at != NULL) {
		snprintf(out, outlen, "%s", at + 1);
		return 0;
	}
	if (krb5_init_context(&k) != 0 || krb5_get_default_realm(k, &def))
		ret = mdc_err_set(e, MDC_EKRB5, "no default realm for %s",
		                  princ);
	else
		snprintf(out, outlen, "%s", def);
	if (def != NULL)
		krb5_free_default_realm(k, def);
	if (k != NULL)
		krb5_free_context(k);
	return ret;
}

/*
 * GSS_C_BOTH from the keytab (also as client_keytab) and a private MEMORY
 * ccache: what S4U2Proxy needs (doc/PROTOCOL.migrate.md).  princ is the
 * host's computer account (HOST1$@REALM): it accepts tickets to the
 * account's SPNs (migrate/<fqdn>) and, as the initiator, is the name the
 * KDC records as the transited service in the destination's PAC.
 */
int
mdc_agentid_cred(const struct mdc_mig_agent_opts *o, const char *princ,
                 gss_cred_id_t *cred, struct mdc_err *e)
{
	gss_key_value_element_desc el[3] = {
	        {"keytab", o->keytab},
	        {"client_keytab", o->keytab},
	        {"ccache", "MEMORY:minidc-migrate"}};
	gss_key_value_set_desc store = {3, el};
	gss_buffer_desc b = {strlen(princ), (void *)princ};
	gss_name_t name = GSS_C_NO_NAME;
	OM_uint32 major, minor;

	major = gss_import_name(&minor, &b, (gss_OID)GSS_KRB5_NT_PRINCIPAL_NAME,
	                        &name);
	if (GSS_ERROR(major))
		return mdc_mig_gsserr(e, princ, major, minor);
	major = gss_acquire_cred_from(&minor, name, GSS_C_INDEFINITE,
	                              GSS_C_NO_OID_SET, GSS_C_BOTH, &store,
	                              cred, NULL, NULL);
	(void)gss_release_name(&minor, &name);
	if (GSS_ERROR(major))
		return mdc_mig_gsserr(e, "acquiring the host's credentials",
		                      major, minor);
	return 0;
}

/* From --principal or the keytab: the migrate/<fqdn> name, the fqdn and
 * the host's account HOST$@REALM. */
int
mdc_agentid_resolve(const struct mdc_mig_agent_opts *o, char *princ,
                    size_t plen, char *fqdn, size_t flen, char *account,
                    size_t alen, struct mdc_err *e)
{
	char realm[256];
	const char *s, *at;
	int ret;

	if (o->principal != NULL) {
		if (strlen(o->principal) >= plen)
			return mdc_err_set(e, MDC_EINVAL, "principal too long");
		memcpy(princ, o->principal, strlen(o->principal) + 1);
	} else if ((ret = keytab_principal(o->keytab, princ, plen, e)) != 0) {
		return ret;
	}
	if (strncmp(princ, "migrate/", 8) != 0)
		return mdc_err_set(e, MDC_EINVAL,
		                   "%s: not a migrate/<fqdn> "
		                   "principal",
		                   princ);
	s = princ + 8;
	at = strchr(s, '@');
	if (!at)
		at = s + strlen(s);
	if ((size_t)(at - s) >= flen)
		return mdc_err_set(e, MDC_EINVAL, "%s: name too long", princ);
	memcpy(fqdn, s, (size_t)(at - s));
	fqdn[at - s] = '\0';
	if (!mdc_mig_host_ok(fqdn) || strchr(fqdn, '.') == NULL)
		return mdc_err_set(e, MDC_EINVAL,
		                   "%s: not a migrate/<fqdn> "
		                   "principal",
		                   princ);
	if ((ret = realm_of(princ, realm, sizeof(realm), e)) != 0)
		return ret;
	if (mdc_mig_host_account(fqdn, realm, account, alen) != 0)
		return mdc_err_set(e, MDC_EINVAL, "%s: name too long", princ);
	return 0;
}
