/* dc/kdb/kdb_keys.c - the one derivation of Kerberos keys from a password */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dc/kdb/kdb_keys.h"
#include "lib/pwpolicy.h"
#include "lib/util.h"

const krb5_key_salt_tuple mdc_kdb_enctypes[MDC_KDB_NENCTYPES] = {
        {ENCTYPE_AES256_CTS_HMAC_SHA1_96, KRB5_KDB_SALTTYPE_NORMAL},
        {ENCTYPE_AES128_CTS_HMAC_SHA1_96, KRB5_KDB_SALTTYPE_NORMAL},
};

int
mdc_kdb_max_kvno(const krb5_key_data *kd, int n)
{
	int i, k = 0;

	for (i = 0; i < n; i++)
		if (kd[i].key_data_kvno > k)
			k = kd[i].key_data_kvno;
	return k;
}

/* True if enctype already has a key at index < n. */
static int
have_enctype(const krb5_key_data *kd, int n, krb5_enctype et)
{
	int i;

	for (i = 0; i < n; i++)
		if (kd[i].key_data_type[0] == et)
			return 1;
	return 0;
}

krb5_error_code
mdc_kdb_derive_keys(krb5_context ctx, const krb5_keyblock *mkey,
                    const krb5_key_salt_tuple *ks, int nks, const char *passwd,
                    const krb5_data *salt, int special, int kvno,
                    krb5_key_data *kd, int *n_out)
{
	krb5_data pw = {0};
	krb5_keyblock key;
	krb5_keysalt ksalt;
	krb5_error_code kret = 0;
	int i, n = 0;

	pw.data = (char *)passwd;
	pw.length = (unsigned)strlen(passwd);
	memset(&ksalt, 0, sizeof(ksalt));
	ksalt.type =
	        special ? KRB5_KDB_SALTTYPE_SPECIAL : KRB5_KDB_SALTTYPE_NORMAL;
	if (special)
		ksalt.data = *salt;
	for (i = 0; i < nks && kret == 0; i++) {
		if (have_enctype(kd, n, ks[i].ks_enctype))
			continue;
		kret = krb5_c_string_to_key(ctx, ks[i].ks_enctype, &pw, salt,
		                            &key);
		if (kret != 0)
			break;
		kret = krb5_dbe_def_encrypt_key_data(ctx, mkey, &key, &ksalt,
		                                     kvno, &kd[n]);
		krb5_free_keyblock_contents(ctx, &key); /* zeroes the key */
		if (kret == 0)
			n++;
	}
	*n_out = n;
	return kret;
}

char *
mdc_kdb_pw_hash(const char *passwd, const char *made)
{
	char *own = made == NULL ? mdc_pwpolicy_hash(passwd) : NULL, *r;

	if (made == NULL)
		made = own;
	r = made != NULL && made[0] == '$' ? mdc_strdupf("{CRYPT}%s", made)
	                                   : NULL;
	free(own);
	return r;
}
