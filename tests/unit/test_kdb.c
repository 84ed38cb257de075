/* tests/unit/test_kdb.c - Check suite for the KDB plugin's encodings and name
 * mapping */
#include "config.h"

#include <check.h>
#include <crypt.h>
#include <stdlib.h>
#include <string.h>

#include <kdb.h>

#include "ad/salt.h"
#include "dc/acctname.h"
#include "dc/kdb/kdb_enc.h"
#include "dc/kdb/kdb_keys.h"
#include "dc/kdb/kdb_map.h"
#include "ad/pac.h"
#include "lib/pwpolicy.h"

static krb5_context ctx;

static void
setup(void)
{
	ck_assert_int_eq(krb5_init_context(&ctx), 0);
}

static void
teardown(void)
{
	krb5_free_context(ctx);
}

START_TEST(keys_roundtrip)
{
	uint8_t k0[] = {0, 32, 1, 2, 3, 4, 5}, s1[] = "EXAMPLE.COMalice";
	krb5_key_data kd[2], *out = NULL;
	uint8_t *enc = NULL;
	size_t len = 0;
	int n = 0;

	memset(kd, 0, sizeof(kd));
	kd[0].key_data_ver = 2;
	kd[0].key_data_kvno = 7;
	kd[0].key_data_type[0] = 18;
	kd[0].key_data_length[0] = sizeof(k0);
	kd[0].key_data_contents[0] = k0;
	kd[0].key_data_type[1] = KRB5_KDB_SALTTYPE_SPECIAL;
	kd[0].key_data_length[1] = sizeof(s1) - 1;
	kd[0].key_data_contents[1] = s1;
	kd[1].key_data_ver = 1;
	kd[1].key_data_kvno = 6;
	kd[1].key_data_type[0] = 17;
	ck_assert_int_eq(mdc_kdb_keys_encode(kd, 2, &enc, &len), 0);
	ck_assert_int_eq(enc[0], MDC_KDB_ENC_VERSION);
	ck_assert_int_eq(mdc_kdb_keys_decode(enc, len, &out, &n), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(out[0].key_data_kvno, 7);
	ck_assert_int_eq(out[0].key_data_type[1], KRB5_KDB_SALTTYPE_SPECIAL);
	ck_assert_mem_eq(out[0].key_data_contents[0], k0, sizeof(k0));
	ck_assert_mem_eq(out[0].key_data_contents[1], s1, sizeof(s1) - 1);
	ck_assert_int_eq(out[1].key_data_ver, 1);
	ck_assert_ptr_null(out[1].key_data_contents[0]);
	mdc_kdb_keys_free(out, n);
	free(enc);
}
END_TEST

START_TEST(keys_malformed)
{
	const uint8_t bad_version[] = {2, 0, 0};
	const uint8_t truncated[] = {1, 0, 1, 0, 2, 0, 1, 0, 18, 0, 9, 1};
	const uint8_t trailing[] = {1, 0, 0, 42};
	const uint8_t bad_ver[] = {1, 0, 1, 0, 3, 0, 1};
	const uint8_t too_many[] = {1, 0xff, 0xff};
	krb5_key_data *kd = NULL;
	int n = -1;

	ck_assert_int_eq(mdc_kdb_keys_decode(bad_version, 3, &kd, &n),
	                 MDC_EMALF);
	ck_assert_int_eq(
	        mdc_kdb_keys_decode(truncated, sizeof(truncated), &kd, &n),
	        MDC_ETRUNC);
	ck_assert_int_eq(mdc_kdb_keys_decode(trailing, 4, &kd, &n), MDC_EMALF);
	ck_assert_int_eq(mdc_kdb_keys_decode(bad_ver, 7, &kd, &n), MDC_EMALF);
	ck_assert_int_eq(mdc_kdb_keys_decode(too_many, 3, &kd, &n), MDC_EMALF);
	ck_assert_int_eq(mdc_kdb_keys_decode(NULL, 0, &kd, &n), MDC_ETRUNC);
	ck_assert_ptr_null(kd);
	ck_assert_int_eq(n, -1);
}
END_TEST

START_TEST(tl_roundtrip)
{
	uint8_t a[] = {9, 8, 7};
	krb5_tl_data t2 = {NULL, KRB5_TL_MKVNO, 0, NULL};
	krb5_tl_data t1 = {&t2, KRB5_TL_LAST_PWD_CHANGE, 3, a};
	krb5_tl_data *out = NULL;
	uint8_t *enc = NULL;
	size_t len = 0;

	ck_assert_int_eq(mdc_kdb_tl_encode(&t1, &enc, &len), 0);
	ck_assert_int_eq(mdc_kdb_tl_decode(enc, len, &out), 0);
	ck_assert_int_eq(out->tl_data_type, KRB5_TL_LAST_PWD_CHANGE);
	ck_assert_mem_eq(out->tl_data_contents, a, 3);
	ck_assert_int_eq(out->tl_data_next->tl_data_type, KRB5_TL_MKVNO);
	ck_assert_ptr_null(out->tl_data_next->tl_data_next);
	ck_assert_int_eq(mdc_kdb_tl_decode(enc, len - 1, &out) != 0, 1);
	mdc_kdb_tl_free(out);
	free(enc);
	ck_assert_int_eq(mdc_kdb_tl_encode(NULL, &enc, &len), 0);
	ck_assert_int_eq(len, 3);
	ck_assert_int_eq(mdc_kdb_tl_decode(enc, len, &out), 0);
	ck_assert_ptr_null(out);
	free(enc);
}
END_TEST

/* The filter for name (parsed in realm EXAMPLE.COM unless it names one). */
static char *
filter_of(const char *name, int *ret)
{
	krb5_principal p = NULL;
	char *f = NULL;

	ck_assert_int_eq(krb5_parse_name(ctx, name, &p), 0);
	*ret = mdc_kdb_filter(ctx, p, "EXAMPLE.COM", &f, NULL);
	krb5_free_principal(ctx, p);
	return f;
}

START_TEST(name_mapping)
{
	krb5_principal ent = NULL;
	char *f;
	int ret;

	f = filter_of("alice@EXAMPLE.COM", &ret);
	ck_assert_int_eq(ret, 0);
	ck_assert_str_eq(f,
	                 "(|(sAMAccountName=alice)(userPrincipalName="
	                 "alice@EXAMPLE.COM)(minidcKrbPrincipalName=alice))");
	free(f);
	f = filter_of("HOST2$@EXAMPLE.COM", &ret);
	ck_assert_ptr_nonnull(strstr(f, "(sAMAccountName=HOST2$)"));
	free(f);
	f = filter_of("host/host2.example.com@EXAMPLE.COM", &ret);
	ck_assert_str_eq(f, "(|(servicePrincipalName=host/host2.example.com)"
	                    "(minidcKrbPrincipalName=host/host2.example.com))");
	free(f);
	f = filter_of("krbtgt/EXAMPLE.COM@EXAMPLE.COM", &ret);
	ck_assert_ptr_nonnull(strstr(f, "(sAMAccountName=krbtgt)"));
	free(f);
	f = filter_of("a*b)(x=y@EXAMPLE.COM", &ret); /* escaped, RFC 4515 */
	ck_assert_ptr_nonnull(strstr(f, "(sAMAccountName=a\\2Ab\\29\\28x=y)"));
	free(f);
	/* enterprise names: the UPN, or the implicit UPN sam@REALM */
	ck_assert_int_eq(
	        krb5_parse_name_flags(ctx, "alice@example.com@EXAMPLE.COM",
	                              KRB5_PRINCIPAL_PARSE_ENTERPRISE, &ent),
	        0);
	ck_assert_int_eq(mdc_kdb_filter(ctx, ent, "EXAMPLE.COM", &f, NULL), 0);
	ck_assert_str_eq(f, "(|(userPrincipalName=alice@example.com)"
	                    "(sAMAccountName=alice)"
	                    "(minidcKrbPrincipalName=alice@example.com))");
	free(f);
	krb5_free_principal(ctx, ent);
	ck_assert_int_eq(
	        krb5_parse_name_flags(ctx, "alice@corp.example.org@EXAMPLE.COM",
	                              KRB5_PRINCIPAL_PARSE_ENTERPRISE, &ent),
	        0);
	ck_assert_int_eq(mdc_kdb_filter(ctx, ent, "EXAMPLE.COM", &f, NULL), 0);
	ck_assert_ptr_null(strstr(f, "sAMAccountName"));
	free(f);
	krb5_free_principal(ctx, ent);
	f = filter_of("alice@OTHER.ORG", &ret);
	ck_assert_int_eq(ret, MDC_ENOENT);
	ck_assert_ptr_null(f);
}
END_TEST

START_TEST(uac_flags)
{
	krb5_flags f;

	f = mdc_kdb_uac_to_flags(MDC_UAC_NORMAL_ACCOUNT, 0, 1);
	ck_assert_int_eq(f, KRB5_KDB_REQUIRES_PRE_AUTH | KRB5_KDB_DISALLOW_SVR);
	f = mdc_kdb_uac_to_flags(MDC_UAC_ACCOUNTDISABLE |
	                                 MDC_UAC_NOT_DELEGATED |
	                                 MDC_UAC_DONT_REQ_PREAUTH |
	                                 MDC_UAC_TRUSTED_FOR_DELEGATION,
	                         1, 1);
	ck_assert_int_eq(f, KRB5_KDB_DISALLOW_ALL_TIX |
	                            KRB5_KDB_DISALLOW_FORWARDABLE |
	                            KRB5_KDB_OK_AS_DELEGATE);
	/* pwdLastSet 0: must change, unless the password never expires */
	f = mdc_kdb_uac_to_flags(MDC_UAC_NORMAL_ACCOUNT, 1, 0);
	ck_assert_int_ne(f & KRB5_KDB_REQUIRES_PWCHANGE, 0);
	f = mdc_kdb_uac_to_flags(MDC_UAC_DONT_EXPIRE_PASSWORD, 1, 0);
	ck_assert_int_eq(f & KRB5_KDB_REQUIRES_PWCHANGE, 0);
	f = mdc_kdb_uac_to_flags(MDC_UAC_TRUSTED_TO_AUTH_FOR_DELEGATION, 1, 1);
	ck_assert_int_ne(f & KRB5_KDB_OK_TO_AUTH_AS_DELEGATE, 0);
	/* kadmin -allow_tix: only ACCOUNTDISABLE changes, and LOCKOUT goes */
	ck_assert_uint_eq(
	        mdc_kdb_flags_to_uac(0x212 | MDC_UAC_NOT_DELEGATED,
	                             KRB5_KDB_DISALLOW_ALL_TIX |
	                                     KRB5_KDB_DISALLOW_FORWARDABLE |
	                                     KRB5_KDB_REQUIRES_PRE_AUTH,
	                             KRB5_KDB_DISALLOW_FORWARDABLE |
	                                     KRB5_KDB_REQUIRES_PRE_AUTH),
	        0x200 | MDC_UAC_NOT_DELEGATED);
	ck_assert_uint_eq(
	        mdc_kdb_flags_to_uac(0x200, KRB5_KDB_REQUIRES_PRE_AUTH, 0),
	        0x200 | MDC_UAC_DONT_REQ_PREAUTH);
}
END_TEST

START_TEST(salts_times_dns)
{
	char *s;

	s = mdc_ad_salt("EXAMPLE.COM", "Example.COM", "HOST2$");
	ck_assert_str_eq(s, "EXAMPLE.COMhosthost2.example.com");
	free(s);
	s = mdc_ad_salt("EXAMPLE.COM", "example.com", "Alice");
	ck_assert_str_eq(s, "EXAMPLE.COMAlice");
	free(s);
	ck_assert(mdc_kdb_nttime(0) == 116444736000000000LL);
	ck_assert(mdc_kdb_unix_time(mdc_kdb_nttime(1700000000)) == 1700000000);
	ck_assert(mdc_kdb_unix_time(0) == 0);
	s = mdc_kdb_dn_escape("#a,b+c\\ ");
	ck_assert_str_eq(s, "\\#a\\,b\\+c\\\\\\ ");
	free(s);
}
END_TEST

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

START_TEST(pac_logon_info)
{
	/* S-1-5-21-1-2-3-1105 */
	const uint8_t sid[] = {1, 5, 0, 0, 0, 0, 0, 5, 21, 0, 0,    0, 1, 0,
	                       0, 0, 2, 0, 0, 0, 3, 0, 0,  0, 0x51, 4, 0, 0};
	uint32_t groups[] = {512, 1103}, back[4];
	struct mdc_pac_user u;
	struct mdc_pac_logon l;
	uint8_t *b = NULL;
	size_t len = 0;

	memset(&u, 0, sizeof(u));
	ck_assert_int_eq(mdc_pac_split_sid(sid, sizeof(sid), &u.dom, &u.rid),
	                 0);
	ck_assert_uint_eq(u.rid, 1105);
	ck_assert_uint_eq(u.dom.nsub, 4);
	ck_assert_uint_eq(u.dom.sub[3], 3);
	ck_assert_int_eq(
	        mdc_pac_split_sid(sid, sizeof(sid) - 1, &l.dom, &l.rid),
	        MDC_EMALF);
	u.account = "alice";
	u.logon_server = "DC1";
	u.domain = "EXAMPLE";
	u.primary_gid = 513;
	u.groups = groups;
	u.ngroups = 2;
	ck_assert_int_eq(mdc_pac_logon_info(&u, &b, &len), 0);
	/* NDR type serialization 1 headers; object length a multiple of 8 */
	ck_assert_uint_eq(b[0], 1);
	ck_assert_uint_eq(b[1], 0x10);
	ck_assert_uint_eq(le32(b + 4), 0xcccccccc);
	ck_assert_uint_eq(le32(b + 8), len - 16);
	ck_assert_uint_eq((len - 16) % 8, 0);
	/* referent, 6 FILETIMEs, 6 strings, 2 counts, then the ids */
	ck_assert_uint_ne(le32(b + 16), 0);
	ck_assert_uint_eq(b[68], 10); /* EffectiveName length: "alice" */
	ck_assert_uint_eq(le32(b + 120), 1105);
	ck_assert_uint_eq(le32(b + 124), 513);
	ck_assert_uint_eq(le32(b + 128), 3);
	ck_assert_ptr_nonnull(memmem(b, len, "a\0l\0i\0c\0e\0", 10));
	ck_assert_ptr_nonnull(memmem(b, len, "\x4f\x04\0\0\x07\0\0\0", 8));
	/* what the agents' decoder reads back is what was written */
	ck_assert_int_eq(mdc_pac_logon_decode(b, len, &l, back, 4), 0);
	ck_assert_uint_eq(l.rid, 1105);
	ck_assert_uint_eq(l.primary, 513);
	ck_assert_uint_eq(l.ngroups, 3);
	ck_assert_uint_eq(back[0], 513);
	ck_assert_uint_eq(back[1], 512);
	ck_assert_uint_eq(back[2], 1103);
	ck_assert_mem_eq(&l.dom, &u.dom, sizeof(l.dom));
	free(b);
	u.ngroups = MDC_PAC_MAX_GROUPS + 1;
	ck_assert_int_eq(mdc_pac_logon_info(&u, &b, &len), MDC_EINVAL);
}
END_TEST

START_TEST(cli_names)
{
	ck_assert(mdc_sam_valid("alice", 0));
	ck_assert(mdc_sam_valid("HOST2$", 1));
	ck_assert(!mdc_sam_valid("HOST2", 1));
	ck_assert(!mdc_sam_valid("a/b", 0));
	ck_assert(!mdc_sam_valid("a,b", 0));
	ck_assert(!mdc_sam_valid("", 0));
	ck_assert(!mdc_sam_valid("...", 0));
	ck_assert(!mdc_sam_valid("abcdefghijklmnopqrstu", 0));
	ck_assert(mdc_spn_valid("host/h2.example.com"));
	ck_assert(mdc_spn_valid("MSSQLSvc/h2.example.com:1433"));
	ck_assert(!mdc_spn_valid("host"));
	ck_assert(!mdc_spn_valid("/h2"));
	ck_assert(!mdc_spn_valid("host/a b"));
	ck_assert(!mdc_spn_valid("host/h2@EXAMPLE.COM"));
}
END_TEST

/*
 * The one derivation: each key, decrypted with the master key, is MIT's
 * string-to-key of the password with the AD salt; the salt is stored with
 * it (special), the kvno is the one asked for, a repeated enctype is
 * skipped, and the encoding the directory holds decodes to the same keys.
 */
START_TEST(derive_keys)
{
	static const krb5_key_salt_tuple ks[] = {
	        {ENCTYPE_AES256_CTS_HMAC_SHA1_96, KRB5_KDB_SALTTYPE_NORMAL},
	        {ENCTYPE_AES128_CTS_HMAC_SHA1_96, KRB5_KDB_SALTTYPE_NORMAL},
	        {ENCTYPE_AES256_CTS_HMAC_SHA1_96, KRB5_KDB_SALTTYPE_NORMAL}};
	krb5_data pw = {0, 9, "Secret-42"}, salt = {0, 16, "EXAMPLE.COMalice"};
	krb5_keyblock mkey, want, got;
	krb5_keysalt ksalt;
	krb5_key_data kd[3], *dec = NULL;
	uint8_t *enc = NULL;
	size_t len = 0;
	int n = 0, ndec = 0;

	memset(kd, 0, sizeof(kd));
	ck_assert_int_eq(krb5_c_make_random_key(
	                         ctx, ENCTYPE_AES256_CTS_HMAC_SHA1_96, &mkey),
	                 0);
	ck_assert_int_eq(mdc_kdb_derive_keys(ctx, &mkey, ks, 3, pw.data, &salt,
	                                     1, 7, kd, &n),
	                 0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(mdc_kdb_max_kvno(kd, n), 7);
	ck_assert_int_eq(mdc_kdb_keys_encode(kd, n, &enc, &len), 0);
	ck_assert_int_eq(mdc_kdb_keys_decode(enc, len, &dec, &ndec), 0);
	ck_assert_int_eq(ndec, 2);
	for (int i = 0; i < n; i++) {
		ck_assert_int_eq(dec[i].key_data_kvno, 7);
		ck_assert_int_eq(dec[i].key_data_type[0], ks[i].ks_enctype);
		ck_assert_int_eq(krb5_dbe_def_decrypt_key_data(
		                         ctx, &mkey, &dec[i], &got, &ksalt),
		                 0);
		ck_assert_int_eq(ksalt.type, KRB5_KDB_SALTTYPE_SPECIAL);
		ck_assert_int_eq(ksalt.data.length, salt.length);
		ck_assert_mem_eq(ksalt.data.data, salt.data, salt.length);
		ck_assert_int_eq(krb5_c_string_to_key(ctx, ks[i].ks_enctype,
		                                      &pw, &salt, &want),
		                 0);
		ck_assert_int_eq(got.length, want.length);
		ck_assert_mem_eq(got.contents, want.contents, want.length);
		krb5_free_keyblock_contents(ctx, &got);
		krb5_free_keyblock_contents(ctx, &want);
		krb5_free_data_contents(ctx, &ksalt.data);
	}
	for (int i = 0; i < n; i++)
		krb5_dbe_free_key_data_contents(ctx, &kd[i]);
	mdc_kdb_keys_free(dec, ndec);
	free(enc);
	krb5_free_keyblock_contents(ctx, &mkey);
	ck_assert_int_eq(mdc_kdb_max_kvno(NULL, 0), 0);
}
END_TEST

/* The simple-bind hash is a SHA-512 crypt that verifies the password. */
START_TEST(pw_hash)
{
	char *h = mdc_kdb_pw_hash("Secret-42", NULL), *made;
	struct crypt_data cd;

	ck_assert_ptr_nonnull(h);
	ck_assert(strncmp(h, "{CRYPT}$6$", 10) == 0);
	memset(&cd, 0, sizeof(cd));
	ck_assert_str_eq(crypt_r("Secret-42", h + 7, &cd), h + 7);
	memset(&cd, 0, sizeof(cd));
	ck_assert_str_ne(crypt_r("Secret-43", h + 7, &cd), h + 7);
	free(h);
	/* The history's hash is taken as it is: one hash per password. */
	made = mdc_pwpolicy_hash("Secret-42");
	ck_assert_ptr_nonnull(made);
	h = mdc_kdb_pw_hash("Secret-42", made);
	ck_assert_ptr_nonnull(h);
	ck_assert_str_eq(h + 7, made);
	free(h);
	ck_assert_ptr_null(mdc_kdb_pw_hash("Secret-42", "plain"));
	free(made);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("kdb");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int nf;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, keys_roundtrip);
	tcase_add_test(tc, keys_malformed);
	tcase_add_test(tc, tl_roundtrip);
	tcase_add_test(tc, name_mapping);
	tcase_add_test(tc, uac_flags);
	tcase_add_test(tc, salts_times_dns);
	tcase_add_test(tc, pac_logon_info);
	tcase_add_test(tc, cli_names);
	tcase_add_test(tc, derive_keys);
	tcase_add_test(tc, pw_hash);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
