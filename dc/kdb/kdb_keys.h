/* dc/kdb/kdb_keys.h - the one derivation of Kerberos keys from a password */
#ifndef MDC_KDB_KEYS_H
#define MDC_KDB_KEYS_H

#include <kdb.h>

/*
 * The realm's key types (kdc.conf supported_enctypes, rendered from
 * MDC_KDB_ENCTYPES_CONF): what kadmind derives for kpasswd and kadmin cpw,
 * and what the dsa derives for unicodePwd.
 */
#define MDC_KDB_ENCTYPES_CONF                                                  \
	"aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal"
#define MDC_KDB_NENCTYPES 2
extern const krb5_key_salt_tuple mdc_kdb_enctypes[MDC_KDB_NENCTYPES];

/*
 * Derive the keys of passwd for the nks key types ks (duplicates skipped)
 * with salt, each encrypted in mkey as kvno, into kd (room for nks; *n_out
 * set to how many were written, also on failure, for the caller to free
 * with krb5_dbe_free_key_data_contents).  special: store salt with the key
 * (the AD salt) rather than as the principal's normal salt.  Uses
 * krb5_c_string_to_key and libkdb5's krb5_dbe_def_encrypt_key_data (what
 * krb5_dbe_encrypt_key_data calls for our plugin, which keeps the default).
 * Both kadmind's change_pwd and the dsa's unicodePwd call this.
 */
krb5_error_code mdc_kdb_derive_keys(krb5_context ctx, const krb5_keyblock *mkey,
                                    const krb5_key_salt_tuple *ks, int nks,
                                    const char *passwd, const krb5_data *salt,
                                    int special, int kvno, krb5_key_data *kd,
                                    int *n_out);

/* Highest key version in kd[0..n) (0 without keys). */
int mdc_kdb_max_kvno(const krb5_key_data *kd, int n);

/*
 * "{CRYPT}" + the SHA-512 crypt of passwd, the userPassword value for LDAP
 * simple binds (new string; free with mdc_secret_free), or NULL.  made:
 * the hash already made for the password history (mdc_pwpolicy_hash), used
 * as it is; NULL: a hash is made here.
 */
char *mdc_kdb_pw_hash(const char *passwd, const char *made);

#endif
