/* dc/kdb/kdb_map.h - mapping between Kerberos principals and AD entries */
#ifndef MDC_KDB_MAP_H
#define MDC_KDB_MAP_H

#include <stdint.h>
#include <time.h>

#include <krb5.h>

#include "ad/schema.h"
#include "lib/err.h"

/* Default ticket lifetimes when an entry has none (AD's defaults). */
#define MDC_KDB_DEFAULT_MAX_LIFE  (10 * 3600)
#define MDC_KDB_DEFAULT_MAX_RENEW (7 * 24 * 3600)

/*
 * Build the LDAP filter that finds the entry of principal p (any case):
 *   krbtgt/REALM            -> sAMAccountName=krbtgt (or a special entry)
 *   NAME (one component)    -> sAMAccountName, userPrincipalName=NAME@REALM
 *                              (or NAME itself for enterprise names with @),
 *                              minidcKrbPrincipalName
 *   a/b[/c]                 -> servicePrincipalName, minidcKrbPrincipalName
 * Values are escaped (RFC 4515).  realm is ours; a principal of another realm
 * gives MDC_ENOENT.  *filter_out is the caller's (free()).  *name_out
 * (optional) gets the unparsed name without realm, the key for comparisons.
 */
MDC_MUSTCHECK int mdc_kdb_filter(krb5_context ctx, krb5_const_principal p,
                                 const char *realm, char **filter_out,
                                 char **name_out);

/*
 * KRB5_KDB_* attribute bits for an AD account with userAccountControl uac.
 * has_spn: the account has a servicePrincipalName (accounts without one are
 * not servers, as in AD); pwd_last_set: the pwdLastSet value (0 = must
 * change at next logon unless DONT_EXPIRE_PASSWORD).
 */
krb5_flags mdc_kdb_uac_to_flags(uint32_t uac, int has_spn,
                                int64_t pwd_last_set);
/*
 * The userAccountControl that results from kadmin changing an account's
 * flags from old_flags (what uac mapped to) to new_flags: only the bits
 * whose krb5 counterpart changed are touched.
 */
uint32_t mdc_kdb_flags_to_uac(uint32_t uac, krb5_flags old_flags,
                              krb5_flags new_flags);

/* NT time (100 ns since 1601) from Unix time, and back (0 stays 0). */
int64_t mdc_kdb_nttime(time_t t);
time_t mdc_kdb_unix_time(int64_t nt);

/*
 * RFC 4514 escaping of one attribute value for use in a DN; new string or
 * NULL on allocation failure.
 */
char *mdc_kdb_dn_escape(const char *value);

/* Parse a decimal LDAP integer value fully; MDC_EINVAL if not one. */
MDC_MUSTCHECK int mdc_kdb_parse_int(const char *s, size_t len, int64_t *v);

#endif
