/* dc/dsa_keys.h - the dsa turns a password into Kerberos keys, in process */
#ifndef MDC_DSA_KEYS_H
#define MDC_DSA_KEYS_H

#include <stddef.h>

#include <ldap.h>

#include "lib/err.h"

struct mdc_mods;

/*
 * Key state of one dsa: a krb5 context and the realm master key, read
 * from the stash file (which must be 0600 and ours) at the first password
 * and then held (locked in memory, wiped on free).  Thread-safe.
 */
struct mdc_dsa_keys;

/*
 * A new key state for realm (AD DNS domain dns_domain) whose master key is
 * in stash; nothing is read yet.  Returns 0 or MDC_ENOMEM.
 */
MDC_MUSTCHECK int mdc_dsa_keys_new(const char *stash, const char *realm,
                                   const char *dns_domain,
                                   struct mdc_dsa_keys **k_out);
/* Wipe the master key and free k (NULL-safe). */
void mdc_dsa_keys_free(struct mdc_dsa_keys *k);
/*
 * Load the master key now (else at the first password): the dsa does so
 * as root, before it drops privileges (dc/dsa_priv.h).  0 or MDC_E* with
 * one line in err.
 */
MDC_MUSTCHECK int mdc_dsa_keys_load(struct mdc_dsa_keys *k,
                                    struct mdc_err *err);

/*
 * Append to ms the modifications that give account sam (entry dn) the keys
 * of password pw, as kadmind's change_pwd would store them
 * (mdc_kdb_derive_keys: the realm's key types, the AD salt, kvno one more
 * than the entry's keys, encrypted in the master key): minidcKrbKeyData,
 * minidcKrbTlData (last password change, master key version, modifier),
 * msDS-KeyVersionNumber, pwdLastSet (now), userPassword ({CRYPT}) and the
 * Kerberos auxiliary class if missing.  fresh: dn was just added and has
 * no keys (nothing is read); else its keys are read over ld.  hash: pw's
 * crypt hash when the history already has one (mdc_pwpolicy_hash), for
 * userPassword; NULL: one is made.  Returns 0,
 * or MDC_EKRB5 / MDC_ELDAP / MDC_EACCES / MDC_ENOMEM with a one-line reason
 * in err (never the password).
 */
MDC_MUSTCHECK int mdc_dsa_keys_mods(struct mdc_dsa_keys *k, LDAP *ld,
                                    const char *dn, const char *sam,
                                    const char *pw, const char *hash, int fresh,
                                    struct mdc_mods *ms, struct mdc_err *err);

#endif
