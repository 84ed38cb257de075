/* ad/ldapconn.h - an LDAP connection bound by SASL EXTERNAL or GSSAPI */
#ifndef MDC_AD_LDAPCONN_H
#define MDC_AD_LDAPCONN_H

#include <ldap.h>
#include <stddef.h>

#include "lib/err.h"

/*
 * How the connection authenticates: EXTERNAL over ldapi (slapd takes the
 * peer's uid/gid from the socket) or GSSAPI with the process's Kerberos
 * credentials (KRB5CCNAME / KRB5_CLIENT_KTNAME, set by the caller).
 */
enum mdc_ad_ldap_mech {
	MDC_AD_LDAP_EXTERNAL,
	MDC_AD_LDAP_GSSAPI,
};

struct mdc_ad_ldap_how {
	enum mdc_ad_ldap_mech mech;
	/*
	 * Seconds for the connect and for every synchronous call (libldap's
	 * NETWORK_TIMEOUT and TIMEOUT).  0 sets none: a connection that waits
	 * on a persistent search with ldap_result(NULL timeout) needs that.
	 */
	int timeout_s;
};

/*
 * Open uri and bind as how says.  Every connection gets LDAPv3 and no
 * referral chasing (a referral would be followed anonymously); GSSAPI
 * also gets SASL_NOCANON, so the service ticket is for the host named in
 * uri and not for whatever its address resolves back to.
 * Returns 0 and the bound handle in *ld_out (the caller unbinds it), or
 * MDC_EINVAL (bad URI), MDC_ENOMEM, MDC_EDENIED (insufficient access) or
 * MDC_ELDAP, with a one-line reason in err ("Can't contact LDAP server",
 * with slapd's diagnostic message in parentheses when it sent one).
 */
int mdc_ad_ldap_connect(const char *uri, const struct mdc_ad_ldap_how *how,
                        LDAP **ld_out, struct mdc_err *err);

/*
 * The same options and bind on a handle the caller made (ldap_init_fd()
 * over a socket it connected itself).  The handle stays the caller's on
 * failure too.  Returns and fills err as mdc_ad_ldap_connect().
 */
int mdc_ad_ldap_bind(LDAP *ld, const struct mdc_ad_ldap_how *how,
                     struct mdc_err *err);

#endif
