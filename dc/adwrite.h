/* dc/adwrite.h - the admin CLI's directory access: a client of the dsa */
#ifndef MDC_ADWRITE_H
#define MDC_ADWRITE_H

#include <stddef.h>

#include <ldap.h>

#include "ad/dcconf.h"
#include "lib/err.h"

/*
 * Every directory read and write of `minidc user|group|computer|delegation`
 * goes through here, over DIR/run/ldap/ldapi as the DC system identity (SASL
 * EXTERNAL as root).  Adds, modifies and deletes run through the dsa's
 * rules (dc/dsa.h mdc_dsa_exec as MDC_DSA_SYSTEM): the same validation and
 * completion LDAP clients get, without their authorization.  Callers send
 * what the user asked for, as an ldapadd would; the dsa alone completes new
 * objects (SID from its RID allocator, GUID, times, account type, keys).
 * Each successful write touches DIR/run/kdb.stamp so krb5kdc and kadmind
 * drop their cached entries at once (see dc/kdb/kdb_int.h).
 */
struct mdc_adw;

/*
 * Connect and bind; on failure a one-line reason is in err.  kerberos = 0:
 * as the DC system identity over DIR/run/ldap/ldapi (root only); kerberos = 1:
 * over ldap://<fqdn>:<port> with SASL GSSAPI as the caller's Kerberos
 * identity (default ccache), so the dsa authorizes and completes writes.
 */
MDC_MUSTCHECK int mdc_adw_open(const struct mdc_dcconf *conf, int kerberos,
                               struct mdc_adw **w_out, struct mdc_err *err);
/* True if w writes as the DC system identity (no authorization). */
int mdc_adw_is_system(const struct mdc_adw *w);
void mdc_adw_close(struct mdc_adw *w);
/* The LDAP handle, for reading results of mdc_adw_search(). */
LDAP *mdc_adw_ld(struct mdc_adw *w);

/* Search; *res_out is the caller's (ldap_msgfree). */
MDC_MUSTCHECK int mdc_adw_search(struct mdc_adw *w, const char *base, int scope,
                                 const char *filter, char *const *attrs,
                                 LDAPMessage **res_out);
/*
 * Add, modify or delete.  MDC_ELDAP on refusal, with the server's reason in
 * mdc_adw_error(); MDC_EEXIST if the entry exists (add), MDC_ENOENT if not.
 */
MDC_MUSTCHECK int mdc_adw_add(struct mdc_adw *w, const char *dn,
                              LDAPMod **mods);
MDC_MUSTCHECK int mdc_adw_modify(struct mdc_adw *w, const char *dn,
                                 LDAPMod **mods);
MDC_MUSTCHECK int mdc_adw_delete(struct mdc_adw *w, const char *dn);
/* Text of the last refusal (static storage of w). */
const char *mdc_adw_error(const struct mdc_adw *w);

/*
 * Find the DN of the entry matching the filter components `what` (e.g.
 * "(objectClass=group)") whose sAMAccountName is sam; new string in
 * *dn_out.  MDC_ENOENT if none.
 */
MDC_MUSTCHECK int mdc_adw_find(struct mdc_adw *w, const char *what,
                               const char *sam, char **dn_out);
#endif
