/* tests/unit/test_dsa.c - Check suite for dc/sockproto and dc/dsa_rules */
#include "config.h"

#include <check.h>

#include "tests/unit/ck_run.h"
#include <stdlib.h>
#include <string.h>

#include "dc/dsa_rules.h"
#include "dc/sockproto.h"
#include "lib/util.h"

static struct mdc_sock_req *
parse_ok(const char *text)
{
	struct mdc_sock_req *r = NULL;
	int ret = mdc_sock_parse(text, strlen(text), &r);

	ck_assert_msg(ret == 0, "parse failed: %s", mdc_strerror(ret));
	ck_assert_ptr_nonnull(r);
	return r;
}

static int
parse_err(const char *text)
{
	struct mdc_sock_req *r = NULL;
	int ret = mdc_sock_parse(text, strlen(text), &r);

	ck_assert_ptr_null(r);
	return ret;
}

START_TEST(t_add)
{
	struct mdc_sock_req *r =
	        parse_ok("ADD\nmsgid: 2\nbinddn: cn=admin,dc=example,dc=com\n"
	                 "peername: IP=127.0.0.1:4242\nssf: 256\n"
	                 "suffix: DC=example,DC=com\n"
	                 "dn: CN=HOST2,CN=Computers,DC=example,DC=com\n"
	                 "objectClass: computer\nsAMAccountName: HOST2$\n"
	                 "servicePrincipalName: host/HOST2\n"
	                 "servicePrincipalName: host/host2.exa\n mple.com\n"
	                 "unicodePwd:: IgBhACIA\n\n");
	const struct mdc_sock_attr *a;

	ck_assert_int_eq(r->op, MDC_SOCK_ADD);
	ck_assert_int_eq(r->msgid, 2);
	ck_assert_int_eq(r->ssf, 256);
	ck_assert_str_eq(r->binddn, "cn=admin,dc=example,dc=com");
	ck_assert_str_eq(r->dn, "CN=HOST2,CN=Computers,DC=example,DC=com");
	ck_assert_uint_eq(r->nattrs, 4);
	a = mdc_sock_attr_get(r, "serviceprincipalname");
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(a->nvals, 2);
	ck_assert_str_eq(a->vals[1].data, "host/host2.example.com");
	a = mdc_sock_attr_get(r, "unicodePwd");
	ck_assert_uint_eq(a->vals[0].len, 6);
	ck_assert_int_eq(memcmp(a->vals[0].data, "\"\0a\0\"\0", 6), 0);
	mdc_sock_req_free(r);
}
END_TEST

START_TEST(t_modify_modrdn_delete)
{
	struct mdc_sock_req *r = parse_ok(
	        "MODIFY\nmsgid: 4\nbinddn: cn=h\nsuffix: DC=x\n"
	        "dn: CN=H,DC=x\nreplace: servicePrincipalName\n"
	        "servicePrincipalName: host/H\n-\ndelete: description\n-\n\n");

	ck_assert_uint_eq(r->nattrs, 2);
	ck_assert_int_eq(r->attrs[0].op, MDC_SOCK_MOD_REPLACE);
	ck_assert_int_eq(r->attrs[1].op, MDC_SOCK_MOD_DELETE);
	ck_assert_uint_eq(r->attrs[1].nvals, 0);
	ck_assert_int_eq(r->ssf, -1);
	mdc_sock_req_free(r);
	r = parse_ok("MODRDN\nmsgid: 5\nbinddn: cn=a\ndn: CN=u1,DC=x\n"
	             "newrdn: CN=u2\ndeleteoldrdn: 1\nnewSuperior: DC=y\n\n");
	ck_assert_str_eq(r->newrdn, "CN=u2");
	ck_assert_int_eq(r->deleteoldrdn, 1);
	ck_assert_str_eq(r->newsup, "DC=y");
	mdc_sock_req_free(r);
	r = parse_ok("DELETE\nmsgid: 6\nbinddn: \ndn: CN=x,DC=x\n\n");
	ck_assert_str_eq(r->binddn, "");
	mdc_sock_req_free(r);
}
END_TEST

START_TEST(t_bad)
{
	ck_assert_int_eq(parse_err("SEARCH\nmsgid: 1\ndn: x\n\n"), MDC_EMALF);
	/* A second binddn line (smuggled in a value) is refused. */
	ck_assert_int_eq(parse_err("ADD\nmsgid: 1\nbinddn: cn=a\nbinddn: "
	                           "cn=b\ndn: cn=x\n\n"),
	                 MDC_EMALF);
	ck_assert_int_eq(parse_err("ADD\nmsgid: 1\npeername: x\nbinddn: "
	                           "cn=b\ndn: cn=x\n\n"),
	                 MDC_EMALF);
	ck_assert_int_eq(parse_err("ADD\nmsgid: 1\ndn: cn=x\nattr:: a=b=\n\n"),
	                 MDC_EMALF);
	ck_assert_int_eq(parse_err("ADD\nmsgid: 1\ndn: cn=x\nat tr: v\n\n"),
	                 MDC_EMALF);
	ck_assert_int_eq(parse_err("MODIFY\nmsgid: 1\ndn: cn=x\nreplace: cn\n"
	                           "sn: y\n-\n\n"),
	                 MDC_EMALF);
	ck_assert_int_eq(parse_err("ADD\nmsgid: 1\ndn: cn=x\ncn: y\n"),
	                 MDC_ETRUNC);
	ck_assert_int_eq(parse_err("ADD\nmsgid: x\ndn: cn=x\n\n"), MDC_EMALF);
	ck_assert_int_eq(parse_err("DELETE\nmsgid: 1\ndn:: AGE=\n\n"),
	                 MDC_EMALF);
	ck_assert_int_eq(parse_err("DELETE\nmsgid: 1\ndn: x\n\nextra"),
	                 MDC_EMALF);
}
END_TEST

START_TEST(t_framing_result)
{
	char *out = NULL;

	ck_assert_uint_eq(mdc_sock_req_complete("ADD\nmsgid: 1\n", 13), 0);
	ck_assert_uint_eq(mdc_sock_req_complete("DELETE\n\nX", 9), 8);
	ck_assert_int_eq(mdc_sock_result(50, NULL, "no\nway", &out), 0);
	ck_assert_str_eq(out, "RESULT\ncode: 50\ninfo: no way\n\n");
	free(out);
	ck_assert_int_eq(mdc_sock_result(0, "", "", &out), 0);
	ck_assert_str_eq(out, "RESULT\ncode: 0\n\n");
	free(out);
}
END_TEST

START_TEST(t_unicodepwd)
{
	/* "Pässw€rd𝄞" in UTF-16LE with quotes. */
	static const uint8_t v[] = {'"', 0, 'P',  0,    0xe4, 0,    's', 0,
	                            's', 0, 'w',  0,    0xac, 0x20, 'r', 0,
	                            'd', 0, 0x34, 0xd8, 0x1e, 0xdd, '"', 0};
	static const uint8_t lone[] = {'"', 0, 0x34, 0xd8, '"', 0};
	static const uint8_t ctrl[] = {'"', 0, '\n', 0, '"', 0};
	char *pw = NULL;

	ck_assert_int_eq(mdc_dsa_unicodepwd(v, sizeof(v), &pw), 0);
	ck_assert_int_eq(
	        strcmp(pw, "P\xc3\xa4ssw\xe2\x82\xacrd\xf0\x9d\x84\x9e"), 0);
	mdc_secret_free(pw, 0);
	ck_assert_int_eq(mdc_dsa_unicodepwd(lone, sizeof(lone), &pw),
	                 MDC_EMALF);
	ck_assert_int_eq(mdc_dsa_unicodepwd(ctrl, sizeof(ctrl), &pw),
	                 MDC_EMALF);
	ck_assert_int_eq(mdc_dsa_unicodepwd("\"\0\"\0", 4, &pw), MDC_EMALF);
	ck_assert_int_eq(mdc_dsa_unicodepwd("a\0b\0c\0", 6, &pw), MDC_EMALF);
	ck_assert_int_eq(mdc_dsa_unicodepwd("\"\0a\0\"", 5, &pw), MDC_EMALF);
}
END_TEST

START_TEST(t_rules)
{
	int priv = 0;
	char *s = NULL;

	ck_assert_int_eq(mdc_dsa_attr_kind("entryUUID"),
	                 MDC_DSA_ATTR_OPERATIONAL);
	ck_assert_int_eq(mdc_dsa_attr_kind("objectsid"), MDC_DSA_ATTR_SYSTEM);
	ck_assert_int_eq(mdc_dsa_attr_kind("mdcIncomplete"),
	                 MDC_DSA_ATTR_SYSTEM);
	ck_assert_int_eq(mdc_dsa_attr_kind("minidcKrbKeyData"),
	                 MDC_DSA_ATTR_SYSTEM);
	ck_assert_int_eq(mdc_dsa_attr_kind("unicodePwd"),
	                 MDC_DSA_ATTR_PASSWORD);
	ck_assert_int_eq(mdc_dsa_attr_kind("description"), MDC_DSA_ATTR_NORMAL);
	ck_assert(mdc_dsa_attr_self_writable("servicePrincipalName"));
	ck_assert(!mdc_dsa_attr_self_writable("userAccountControl"));
	ck_assert_int_eq(mdc_dsa_uac_check(69632, 1, &priv), 0);
	ck_assert_int_eq(priv, 0);
	ck_assert_int_eq(mdc_dsa_uac_check(593920, 1, &priv), 0);
	ck_assert_int_eq(priv, 1);
	ck_assert_int_eq(mdc_dsa_uac_check(512, 1, &priv), MDC_EINVAL);
	ck_assert_int_eq(mdc_dsa_uac_check(4096, 0, &priv), MDC_EINVAL);
	ck_assert_int_eq(mdc_dsa_uac_check(512 | 4096, 1, &priv), MDC_EINVAL);
	ck_assert_int_eq(mdc_dsa_uac_check(514, 0, &priv), 0);
	ck_assert_int_eq(mdc_dsa_rdn_cn("CN=HOST2,CN=Computers,DC=x", &s), 0);
	ck_assert_str_eq(s, "HOST2");
	free(s);
	ck_assert_int_eq(mdc_dsa_rdn_cn("OU=x,DC=x", &s), MDC_EINVAL);
	ck_assert_int_eq(mdc_dsa_rdn_cn("CN=a+SN=b,DC=x", &s), MDC_EINVAL);
	ck_assert_int_eq(mdc_dsa_dn_norm("CN=A, DC=Example,DC=com", &s), 0);
	ck_assert_str_eq(s, "cn=a,dc=example,dc=com");
	ck_assert(mdc_dsa_dn_under(s, "dc=example,dc=com"));
	ck_assert(!mdc_dsa_dn_under(s, "dc=com,dc=example"));
	ck_assert(!mdc_dsa_dn_under("cn=a,xdc=example,dc=com",
	                            "dc=example,dc=com"));
	free(s);
	ck_assert(mdc_dsa_spn_is_own("host/HOST2", "host2", NULL));
	ck_assert(mdc_dsa_spn_is_own("RestrictedKrbHost/host2.example.com",
	                             "host2", "HOST2.example.com"));
	ck_assert(mdc_dsa_spn_is_own("ldap/host2.example.com:389/x", "h",
	                             "host2.example.com"));
	ck_assert(!mdc_dsa_spn_is_own("host/dc1.example.com", "host2",
	                              "host2.example.com"));
	ck_assert(mdc_dsa_dnshostname_ok("host2.example.com", "HOST2"));
	ck_assert(!mdc_dsa_dnshostname_ok("dc1.example.com", "HOST2"));
	ck_assert(!mdc_dsa_dnshostname_ok("host2", "HOST2"));
	ck_assert_int_eq(mdc_dsa_group_sat(-2147483646), 268435456);
	ck_assert_int_eq(mdc_dsa_group_sat(-2147483644), 536870912);
	ck_assert_int_eq(mdc_dsa_group_sat(2), 268435457);
}
END_TEST

START_TEST(t_may)
{
	struct mdc_dsa_facts f = {.account = 1, .exists = 1};

	ck_assert(!mdc_dsa_may(&f)); /* a plain user: nothing */
	f.roles = MDC_DSA_ADMIN;
	f.privileged = f.wellknown = 1;
	ck_assert(mdc_dsa_may(&f)); /* admins: even privileged accounts */
	f.roles = MDC_DSA_ACCTOP;
	ck_assert(!mdc_dsa_may(&f));
	f.privileged = 0;
	ck_assert(!mdc_dsa_may(&f)); /* well-known (krbtgt, Administrator) */
	f.wellknown = 0;
	ck_assert(mdc_dsa_may(&f));
	f.account = 0;
	ck_assert(!mdc_dsa_may(&f)); /* groups, containers: not theirs */
	f.roles = MDC_DSA_DNSADMIN;
	ck_assert(!mdc_dsa_may(&f));
	f.dns = 1;
	ck_assert(!mdc_dsa_may(&f)); /* under cn=dns, but not a DNS object */
	f.dns_only = 1;
	ck_assert(mdc_dsa_may(&f));
	f.rename = 1; /* a move out of cn=dns */
	ck_assert(!mdc_dsa_may(&f));
	f.dest_dns = 1;
	ck_assert(mdc_dsa_may(&f));
	f.dns = 0; /* a move into cn=dns from elsewhere */
	ck_assert(!mdc_dsa_may(&f));
	f = (struct mdc_dsa_facts){
	        .roles = MDC_DSA_COMPUTER, .account = 1, .exists = 1};
	ck_assert(!mdc_dsa_may(&f));
	f.self_change = 1;
	ck_assert(mdc_dsa_may(&f));
	f.roles = 0; /* a user may not use the computer's self-writes */
	ck_assert(!mdc_dsa_may(&f));
	f.roles = MDC_DSA_SYSTEM;
	ck_assert(mdc_dsa_may(&f));
}
END_TEST

/* A SID of domain dom with rid (binary); rid 0: BUILTIN b. */
static size_t
sid_bin(const struct mdc_sid *dom, uint32_t rid, uint32_t b, uint8_t *out)
{
	struct mdc_sid s = *dom;
	size_t len = 0;

	if (rid == 0)
		ck_assert_int_eq(mdc_sid_parse("S-1-5-32", &s), 0);
	ck_assert_int_eq(mdc_sid_append(&s, rid != 0 ? rid : b), 0);
	ck_assert_int_eq(mdc_sid_to_bin(&s, out, MDC_SID_BIN_LEN(15), &len), 0);
	return len;
}

START_TEST(t_sid_rules)
{
	struct mdc_sid dom, other;
	uint8_t b[MDC_SID_BIN_LEN(15)];
	size_t n;

	ck_assert_int_eq(mdc_sid_parse("S-1-5-21-1-2-3", &dom), 0);
	ck_assert_int_eq(mdc_sid_parse("S-1-5-21-9-9-9", &other), 0);
	n = sid_bin(&dom, 512, 0, b);
	ck_assert_uint_eq(mdc_dsa_sid_roles(&dom, b, n), MDC_DSA_ADMIN);
	ck_assert(mdc_dsa_sid_protected(&dom, b, n));
	/* The same RID in another domain grants nothing. */
	ck_assert_uint_eq(mdc_dsa_sid_roles(&other, b, n), 0);
	ck_assert(!mdc_dsa_sid_protected(&other, b, n));
	n = sid_bin(&dom, 1101, 0, b);
	ck_assert_uint_eq(mdc_dsa_sid_roles(&dom, b, n), MDC_DSA_DNSADMIN);
	ck_assert(!mdc_dsa_sid_protected(&dom, b, n));
	n = sid_bin(&dom, 516, 0, b);
	ck_assert_uint_eq(mdc_dsa_sid_roles(&dom, b, n), 0);
	ck_assert(mdc_dsa_sid_protected(&dom, b, n));
	n = sid_bin(&dom, 1500, 0, b); /* an ordinary group (Tier0) */
	ck_assert_uint_eq(mdc_dsa_sid_roles(&dom, b, n), 0);
	ck_assert(!mdc_dsa_sid_protected(&dom, b, n));
	n = sid_bin(&dom, 0, 548, b);
	ck_assert_uint_eq(mdc_dsa_sid_roles(&dom, b, n), MDC_DSA_ACCTOP);
	ck_assert(mdc_dsa_sid_protected(&dom, b, n));
	n = sid_bin(&dom, 0, 544, b);
	ck_assert_uint_eq(mdc_dsa_sid_roles(&dom, b, n), MDC_DSA_ADMIN);
	n = sid_bin(&dom, 0, 545, b); /* BUILTIN\Users */
	ck_assert(!mdc_dsa_sid_protected(&dom, b, n));
	ck_assert(!mdc_dsa_sid_protected(&dom, b, 0));
	ck_assert(mdc_dsa_rid_protected(512));
	ck_assert(!mdc_dsa_rid_protected(513));
}
END_TEST

START_TEST(t_name_rules)
{
	ck_assert(mdc_dsa_dns_class("idnsRecord"));
	ck_assert(mdc_dsa_dns_class("TOP"));
	ck_assert(!mdc_dsa_dns_class("user"));
	ck_assert(!mdc_dsa_dns_class("group"));
	ck_assert(mdc_dsa_spn_reserved("krbtgt/HOST2"));
	ck_assert(mdc_dsa_spn_reserved("KADMIN/admin"));
	ck_assert(mdc_dsa_spn_reserved("K/M"));
	ck_assert(mdc_dsa_spn_reserved("changepw/kerberos"));
	ck_assert(!mdc_dsa_spn_reserved("host/host2.example.com"));
	ck_assert(!mdc_dsa_spn_reserved("krbtgtx/a"));
	ck_assert(mdc_dsa_name_in_domain("host2.example.com", "example.com"));
	ck_assert(mdc_dsa_name_in_domain("HOST2.Example.COM.", "example.com"));
	ck_assert(
	        !mdc_dsa_name_in_domain("host2.attacker.test", "example.com"));
	ck_assert(
	        !mdc_dsa_name_in_domain("host2.badexample.com", "example.com"));
	ck_assert(!mdc_dsa_name_in_domain("example.com", "example.com"));
}
END_TEST

START_TEST(t_req_from_mods)
{
	char *v1[] = {"computer", NULL};
	struct berval b = {3, "a\0b"}, *bv[] = {&b, NULL};
	LDAPMod m1 = {LDAP_MOD_ADD, "objectClass", {.modv_strvals = v1}};
	LDAPMod m2 = {LDAP_MOD_ADD | LDAP_MOD_BVALUES, "x", {.modv_bvals = bv}};
	LDAPMod *mods[] = {&m1, &m2, NULL};
	struct mdc_sock_req *r = NULL;

	ck_assert_int_eq(
	        mdc_dsa_req_from_mods(MDC_SOCK_ADD, "CN=x,DC=y", mods, &r), 0);
	ck_assert_uint_eq(r->nattrs, 2);
	ck_assert_str_eq(r->attrs[0].vals[0].data, "computer");
	ck_assert_uint_eq(r->attrs[1].vals[0].len, 3);
	ck_assert_int_eq(r->attrs[1].op, LDAP_MOD_ADD);
	mdc_sock_req_free(r);
}
END_TEST

/* The admin CLI's direction: a request formatted and parsed back, and
 * the dsa's answers read. */
START_TEST(t_format_answer)
{
	char *v1[] = {"user", NULL}, *text = NULL, info[16];
	struct berval b = {3, "a\0b"}, *bv[] = {&b, NULL};
	LDAPMod m1 = {LDAP_MOD_ADD, "objectClass", {.modv_strvals = v1}};
	LDAPMod m2 = {LDAP_MOD_REPLACE | LDAP_MOD_BVALUES,
	              "unicodePwd",
	              {.modv_bvals = bv}};
	LDAPMod *mods[] = {&m1, &m2, NULL};
	struct mdc_sock_req *r = NULL, *back;
	int code = -1;

	for (int op = MDC_SOCK_ADD; op <= MDC_SOCK_MODIFY; op++) {
		ck_assert_int_eq(
		        mdc_dsa_req_from_mods(op, "CN=a\\,b,DC=y", mods, &r),
		        0);
		r->binddn = strdup("cn=root");
		ck_assert_int_eq(mdc_sock_format(r, &text), 0);
		back = parse_ok(text);
		ck_assert_int_eq(back->op, op);
		ck_assert_str_eq(back->dn, "CN=a\\,b,DC=y");
		ck_assert_str_eq(back->binddn, "cn=root");
		ck_assert_uint_eq(back->nattrs, 2);
		ck_assert_uint_eq(back->attrs[1].vals[0].len, 3);
		ck_assert_mem_eq(back->attrs[1].vals[0].data, "a\0b", 3);
		if (op == MDC_SOCK_MODIFY)
			ck_assert_int_eq(back->attrs[1].op,
			                 MDC_SOCK_MOD_REPLACE);
		mdc_sock_req_free(back);
		mdc_sock_req_free(r);
		free(text);
	}
	text = "RESULT\ncode: 19\ninfo: 0000052D: too short\n\n";
	ck_assert_int_eq(mdc_sock_result_parse(text, strlen(text), &code, info,
	                                       sizeof(info)),
	                 0);
	ck_assert_int_eq(code, 19);
	ck_assert_str_eq(info, "0000052D: too s"); /* cut to infolen */
	ck_assert_int_eq(mdc_sock_result_parse("RESULT\ncode: 0\n\n", 17, &code,
	                                       NULL, 0),
	                 0);
	ck_assert_int_eq(code, 0);
	ck_assert_int_eq(mdc_sock_result_parse("CONTINUE\n", 9, &code, NULL, 0),
	                 MDC_EMALF);
	ck_assert_int_eq(mdc_sock_result_parse("RESULT\ninfo: x\n\n", 16, &code,
	                                       NULL, 0),
	                 MDC_EMALF);
	ck_assert_int_eq(
	        mdc_sock_result_parse("RESULT\ncode: 1", 14, &code, NULL, 0),
	        MDC_ETRUNC);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("dsa");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, t_add);
	tcase_add_test(tc, t_modify_modrdn_delete);
	tcase_add_test(tc, t_bad);
	tcase_add_test(tc, t_framing_result);
	tcase_add_test(tc, t_unicodepwd);
	tcase_add_test(tc, t_rules);
	tcase_add_test(tc, t_may);
	tcase_add_test(tc, t_req_from_mods);
	tcase_add_test(tc, t_format_answer);
	tcase_add_test(tc, t_sid_rules);
	tcase_add_test(tc, t_name_rules);
	suite_add_tcase(s, tc);
	return mdc_ck_run(s);
}
