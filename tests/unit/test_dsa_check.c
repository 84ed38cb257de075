/* tests/unit/test_dsa_check.c - Check suite for dc/dsa_check: every rule of
 * the dsa's decision, each with a request it refuses and one it allows; and
 * the LDAPMod builder of the write path (ad/mods) */
#include "config.h"

#include <check.h>

#include "tests/unit/ck_run.h"
#include <stdlib.h>
#include <string.h>

#include <ldap.h>

#include "ad/mods.h"
#include "dc/dsa_check.h"
#include "dc/dsa_rules.h"
#include "lib/pwpolicy.h"
#include "lib/util.h"

#define BASE "DC=example,DC=com"
#define U    "CN=Users," BASE
/* "Al1ce-Pass-1", "short" and "N3w-Pass-word9" as unicodePwd values. */
#define PW_GOOD "IgBBAGwAMQBjAGUALQBQAGEAcwBzAC0AMQAiAA=="
#define PW_WEAK "IgBzAGgAbwByAHQAIgA="
#define PW_NEW  "IgBOADMAdwAtAFAAYQBzAHMALQB3AG8AcgBkADkAIgA="

/* Directory state a test hands to the decision. */
struct state {
	unsigned roles;
	const struct mdc_dsa_target *t;
	int sam_taken;
	const char *history;
	const uint8_t *who_sid;
	size_t who_sid_len;
};

/* A new account, group or entry as dc/dsa.c derives it from an ADD. */
static const struct mdc_dsa_target new_user = {.uac = -1, .user = 1};
static const struct mdc_dsa_target new_comp = {.uac = -1, .computer = 1};
static const struct mdc_dsa_target new_group = {.uac = -1, .group = 1};
static const struct mdc_dsa_target new_plain = {.uac = -1};
/* carol: an existing ordinary user (RID 1201). */
static const struct mdc_dsa_target carol = {.exists = 1,
                                            .user = 1,
                                            .uac = 512,
                                            .rid = 1201,
                                            .sam = (char *)"carol"};
/* The domain's Administrator (RID 500, protected). */
static const struct mdc_dsa_target administrator = {
        .exists = 1,
        .user = 1,
        .uac = 512,
        .rid = 500,
        .sam = (char *)"Administrator",
        .privileged = 1};
/* The computer HOST2 with SID bytes {1, 2, 3} (enough to compare). */
static const struct mdc_dsa_target host2 = {
        .exists = 1,
        .computer = 1,
        .uac = 4096,
        .rid = 1300,
        .sid = {1, 2, 3},
        .sid_len = 3,
        .sam = (char *)"HOST2$",
        .fqdn = (char *)"host2.example.com"};
static const uint8_t host2_sid[] = {1, 2, 3};
/* A record under cn=dns. */
static const struct mdc_dsa_target dns_rec = {
        .exists = 1, .uac = -1, .dns = 1, .dns_only = 1};

/* Decide the request text with state st; the verdict's code, reason in v. */
static int
decide(const char *text, const struct state *st, struct mdc_dsa_verdict *v)
{
	struct mdc_sock_req *r = NULL;
	struct mdc_dsa_check_in in = {
	        .roles = st->roles,
	        .t = st->t,
	        .base_norm = "dc=example,dc=com",
	        .dns_norm = "cn=dns,dc=example,dc=com",
	        .dns_domain = "example.com",
	        .sam_taken = st->sam_taken,
	        .pw_history = st->history,
	        .who_sid = st->who_sid,
	        .who_sid_len = st->who_sid_len,
	};

	ck_assert_int_eq(mdc_sock_parse(text, strlen(text), &r), 0);
	in.req = r;
	ck_assert_int_eq(mdc_dsa_check(&in, v), 0);
	mdc_sock_req_free(r);
	return v->code;
}

/* An ADD of dn with attrs (LDIF lines) over a TLS connection. */
static char *
add_req(const char *dn, const char *attrs)
{
	char *s = mdc_strdupf("ADD\nmsgid: 1\nbinddn: cn=x\nssf: 256\n"
	                      "dn: %s\n%s\n",
	                      dn, attrs);

	ck_assert_ptr_nonnull(s);
	return s;
}

static char *
mod_req(const char *dn, const char *changes)
{
	char *s = mdc_strdupf("MODIFY\nmsgid: 2\nbinddn: cn=x\nssf: 256\n"
	                      "dn: %s\n%s\n",
	                      dn, changes);

	ck_assert_ptr_nonnull(s);
	return s;
}

/* Expect code for an ADD of dn (attrs) with roles on target t. */
static void
expect_add(int code, unsigned roles, const struct mdc_dsa_target *t,
           const char *dn, const char *attrs, const char *reason)
{
	struct state st = {.roles = roles, .t = t};
	struct mdc_dsa_verdict v;
	char *req = add_req(dn, attrs);

	ck_assert_msg(decide(req, &st, &v) == code,
	              "add %s: code %d (%s), expected %d", dn, v.code, v.reason,
	              code);
	if (reason != NULL)
		ck_assert_msg(strstr(v.reason, reason) != NULL,
		              "reason '%s' lacks '%s'", v.reason, reason);
	free(req);
}

static void
expect_mod(int code, const struct state *st, const char *dn,
           const char *changes, const char *reason)
{
	struct mdc_dsa_verdict v;
	char *req = mod_req(dn, changes);

	ck_assert_msg(decide(req, st, &v) == code,
	              "modify %s: code %d (%s), expected %d", dn, v.code,
	              v.reason, code);
	if (reason != NULL)
		ck_assert_msg(strstr(v.reason, reason) != NULL,
		              "reason '%s' lacks '%s'", v.reason, reason);
	free(req);
}

#define USER_OC "objectClass: user\n"

START_TEST(t_authorization)
{
	struct state st = {.roles = 0, .t = &carol};

	/* An ordinary account may not add users; admins and Account
	 * Operators may. */
	expect_add(LDAP_INSUFFICIENT_ACCESS, 0, &new_user, "CN=u1," U, USER_OC,
	           "insufficient rights to ADD");
	expect_add(0, MDC_DSA_ADMIN, &new_user, "CN=u1," U, USER_OC, "");
	expect_add(0, MDC_DSA_ACCTOP, &new_user, "CN=u1," U, USER_OC, "");
	expect_add(0, MDC_DSA_SYSTEM, &new_user, "CN=u1," U, USER_OC, "");
	/* Account Operators: not on protected accounts. */
	st.roles = MDC_DSA_ACCTOP;
	st.t = &administrator;
	expect_mod(LDAP_INSUFFICIENT_ACCESS, &st, "CN=Administrator," U,
	           "replace: description\ndescription: x\n-\n",
	           "protected account");
	st.t = &carol;
	expect_mod(0, &st, "CN=carol," U,
	           "replace: description\ndescription: x\n-\n", "");
	/* DnsAdmins: DNS objects under cn=dns only. */
	expect_add(LDAP_INSUFFICIENT_ACCESS, MDC_DSA_DNSADMIN, &new_user,
	           "CN=u1," U, USER_OC, "insufficient rights");
	st.roles = MDC_DSA_DNSADMIN;
	st.t = &dns_rec;
	expect_mod(0, &st, "idnsName=www,idnsName=example.com,cn=dns," BASE,
	           "replace: aRecord\naRecord: 192.0.2.1\n-\n", "");
	expect_mod(LDAP_INSUFFICIENT_ACCESS, &st,
	           "idnsName=www,idnsName=example.com,cn=dns," BASE,
	           "add: objectClass\nobjectClass: user\n-\n",
	           "DnsAdmins may only write DNS objects");
}
END_TEST

START_TEST(t_rename_delete)
{
	struct state st = {.roles = MDC_DSA_ADMIN, .t = &dns_rec};
	struct mdc_dsa_verdict v;

	/* DnsAdmins may not move a record out of cn=dns. */
	st.roles = MDC_DSA_DNSADMIN;
	ck_assert_int_eq(
	        decide("MODRDN\nmsgid: 3\nbinddn: cn=x\n"
	               "dn: idnsName=www,idnsName=example.com,cn=dns," BASE
	               "\nnewrdn: idnsName=w2\ndeleteoldrdn: 1\n"
	               "newSuperior: " U "\n\n",
	               &st, &v),
	        LDAP_INSUFFICIENT_ACCESS);
	ck_assert(strstr(v.reason, "may not move DNS objects") != NULL);
	ck_assert_int_eq(
	        decide("MODRDN\nmsgid: 3\nbinddn: cn=x\n"
	               "dn: idnsName=www,idnsName=example.com,cn=dns," BASE
	               "\nnewrdn: idnsName=w2\ndeleteoldrdn: 1\n\n",
	               &st, &v),
	        0);
	/* Accounts keep a CN= RDN. */
	st.roles = MDC_DSA_ADMIN;
	st.t = &carol;
	ck_assert_int_eq(decide("MODRDN\nmsgid: 3\nbinddn: cn=x\n"
	                        "dn: CN=carol," U "\nnewrdn: OU=carol\n"
	                        "deleteoldrdn: 1\n\n",
	                        &st, &v),
	                 LDAP_NAMING_VIOLATION);
	ck_assert_int_eq(decide("MODRDN\nmsgid: 3\nbinddn: cn=x\n"
	                        "dn: CN=carol," U "\nnewrdn: CN=carol2\n"
	                        "deleteoldrdn: 1\n\n",
	                        &st, &v),
	                 0);
	/* Well-known accounts and standard containers stay, but for the DC. */
	st.t = &administrator;
	ck_assert_int_eq(decide("DELETE\nmsgid: 4\nbinddn: cn=x\n"
	                        "dn: CN=Administrator," U "\n\n",
	                        &st, &v),
	                 LDAP_UNWILLING_TO_PERFORM);
	ck_assert(strstr(v.reason, "critical system object") != NULL);
	st.roles = MDC_DSA_SYSTEM;
	ck_assert_int_eq(decide("DELETE\nmsgid: 4\nbinddn: cn=x\n"
	                        "dn: CN=Administrator," U "\n\n",
	                        &st, &v),
	                 0);
	st.roles = MDC_DSA_ADMIN;
	st.t = &carol;
	ck_assert_int_eq(decide("DELETE\nmsgid: 4\nbinddn: cn=x\n"
	                        "dn: " U "\n\n",
	                        &st, &v),
	                 LDAP_UNWILLING_TO_PERFORM);
	ck_assert_int_eq(decide("DELETE\nmsgid: 4\nbinddn: cn=x\n"
	                        "dn: CN=carol," U "\n\n",
	                        &st, &v),
	                 0);
	/* Nothing is decided on an entry that is not there. */
	st.t = &new_plain;
	ck_assert_int_eq(decide("DELETE\nmsgid: 4\nbinddn: cn=x\n"
	                        "dn: CN=nobody," U "\n\n",
	                        &st, &v),
	                 LDAP_NO_SUCH_OBJECT);
}
END_TEST

START_TEST(t_add_attributes)
{
	const unsigned a = MDC_DSA_ADMIN;

	/* System-only attributes: the DC's alone. */
	expect_add(LDAP_UNWILLING_TO_PERFORM, a, &new_user, "CN=u1," U,
	           USER_OC "objectSid:: AQUAAAAAAAUVAAAA\n",
	           "00002012: objectSid is system-only");
	expect_add(0, MDC_DSA_SYSTEM, &new_user, "CN=u1," U,
	           USER_OC "objectSid:: AQUAAAAAAAUVAAAA\n", "");
	/* Delegation targets: domain admins only. */
	expect_add(LDAP_INSUFFICIENT_ACCESS, MDC_DSA_ACCTOP, &new_user,
	           "CN=u1," U, USER_OC "msDS-AllowedToDelegateTo: host/a\n",
	           "only domain admins may set");
	expect_add(0, a, &new_user, "CN=u1," U,
	           USER_OC "msDS-AllowedToDelegateTo: host/a\n", "");
	/* Values: SPNs, dNSHostName, encryption types. */
	expect_add(LDAP_CONSTRAINT_VIOLATION, a, &new_comp, "CN=h3," U,
	           "objectClass: computer\nservicePrincipalName: bad spn\n",
	           "invalid servicePrincipalName");
	expect_add(LDAP_CONSTRAINT_VIOLATION, a, &new_comp, "CN=h3," U,
	           "objectClass: computer\nservicePrincipalName: krbtgt/X\n",
	           "belong to the KDC alone");
	expect_add(0, a, &new_comp, "CN=h3," U,
	           "objectClass: computer\nservicePrincipalName: host/h3\n",
	           "");
	expect_add(LDAP_CONSTRAINT_VIOLATION, a, &new_comp, "CN=h3," U,
	           "objectClass: computer\ndNSHostName: a..b\n",
	           "invalid dNSHostName");
	expect_add(LDAP_INVALID_SYNTAX, a, &new_comp, "CN=h3," U,
	           "objectClass: computer\n"
	           "msDS-SupportedEncryptionTypes: many\n",
	           "not an integer");
	expect_add(0, a, &new_comp, "CN=h3," U,
	           "objectClass: computer\n"
	           "msDS-SupportedEncryptionTypes: 24\n",
	           "");
	/* Object classes outside the AD chain, and the RDN. */
	expect_add(LDAP_OBJECT_CLASS_VIOLATION, a, &new_user, "CN=u1," U,
	           USER_OC "objectClass: inetOrgPerson\n",
	           "objectClass inetOrgPerson is not allowed here");
	expect_add(0, MDC_DSA_SYSTEM, &new_user, "CN=u1," U,
	           USER_OC "objectClass: minidcKrbPrincipalAux\n", "");
	expect_add(LDAP_NAMING_VIOLATION, a, &new_user, "OU=u1," U, USER_OC,
	           "the RDN must be CN=<name>");
}
END_TEST

START_TEST(t_add_names_and_flags)
{
	const unsigned a = MDC_DSA_ADMIN;
	struct state st = {.roles = a, .t = &new_user, .sam_taken = 1};
	struct mdc_dsa_verdict v;
	char *req;

	/* sAMAccountName: one, valid, unused. */
	expect_add(LDAP_CONSTRAINT_VIOLATION, a, &new_user, "CN=u1," U,
	           USER_OC "sAMAccountName: u1\nsAMAccountName: u2\n",
	           "sAMAccountName takes one value");
	expect_add(LDAP_CONSTRAINT_VIOLATION, a, &new_user, "CN=u1," U,
	           USER_OC "sAMAccountName: a/b\n",
	           "invalid sAMAccountName 'a/b'");
	req = add_req("CN=u1," U, USER_OC);
	ck_assert_int_eq(decide(req, &st, &v), LDAP_ALREADY_EXISTS);
	ck_assert_str_eq(v.reason, "00000524: sAMAccountName u1 is in use");
	free(req);
	/* A computer's name is derived from its CN: upper case, '$'. */
	st.t = &new_comp;
	req = add_req("CN=h3,CN=Computers," BASE, "objectClass: computer\n");
	ck_assert_int_eq(decide(req, &st, &v), LDAP_ALREADY_EXISTS);
	ck_assert_str_eq(v.reason, "00000524: sAMAccountName H3$ is in use");
	free(req);
	/* userAccountControl fits the class; privileged bits for admins. */
	expect_add(LDAP_UNWILLING_TO_PERFORM, a, &new_user, "CN=u1," U,
	           USER_OC "userAccountControl: 4096\n",
	           "userAccountControl 4096 does not fit the object");
	expect_add(LDAP_INSUFFICIENT_ACCESS, MDC_DSA_ACCTOP, &new_user,
	           "CN=u1," U, USER_OC "userAccountControl: 524800\n",
	           "only domain admins may set these");
	expect_add(0, a, &new_user, "CN=u1," U,
	           USER_OC "userAccountControl: 524800\n", "");
	/* primaryGroupID follows the account type (but for the DC). */
	expect_add(LDAP_UNWILLING_TO_PERFORM, a, &new_user, "CN=u1," U,
	           USER_OC "primaryGroupID: 512\n",
	           "primaryGroupID must be 513");
	expect_add(0, a, &new_comp, "CN=h3,CN=Computers," BASE,
	           "objectClass: computer\nprimaryGroupID: 515\n", "");
	expect_add(0, MDC_DSA_SYSTEM, &new_user, "CN=u1," U,
	           USER_OC "primaryGroupID: 512\n", "");
	/* pwdLastSet: 0 or -1 only. */
	expect_add(LDAP_UNWILLING_TO_PERFORM, a, &new_user, "CN=u1," U,
	           USER_OC "pwdLastSet: 5\n", "pwdLastSet may only be set");
	expect_add(0, a, &new_user, "CN=u1," U, USER_OC "pwdLastSet: -1\n", "");
	/* groupType is an integer. */
	expect_add(LDAP_INVALID_SYNTAX, a, &new_group, "CN=g1," U,
	           "objectClass: group\ngroupType: global\n",
	           "groupType: not an integer");
	expect_add(0, a, &new_group, "CN=g1," U,
	           "objectClass: group\ngroupType: -2147483646\n", "");
}
END_TEST

START_TEST(t_add_password)
{
	const unsigned a = MDC_DSA_ADMIN;
	struct state st = {.roles = a, .t = &new_user};
	struct mdc_dsa_verdict v;

	/* Only over an encrypted connection (but from the DC itself). */
	ck_assert_int_eq(decide("ADD\nmsgid: 1\nbinddn: cn=x\nssf: 0\n"
	                        "dn: CN=u1," U "\n" USER_OC
	                        "unicodePwd:: " PW_GOOD "\n\n",
	                        &st, &v),
	                 LDAP_UNWILLING_TO_PERFORM);
	ck_assert(strstr(v.reason, "0000001F") != NULL);
	st.roles = MDC_DSA_SYSTEM;
	ck_assert_int_eq(decide("ADD\nmsgid: 1\nbinddn: cn=x\nssf: 0\n"
	                        "dn: CN=u1," U "\n" USER_OC
	                        "unicodePwd:: " PW_GOOD "\n\n",
	                        &st, &v),
	                 0);
	/* A quoted UTF-16LE value; the policy for users, not machines. */
	expect_add(LDAP_CONSTRAINT_VIOLATION, a, &new_user, "CN=u1," U,
	           USER_OC "unicodePwd: plain\n", "0000052D: unicodePwd must");
	expect_add(LDAP_CONSTRAINT_VIOLATION, a, &new_user, "CN=u1," U,
	           USER_OC "unicodePwd:: " PW_WEAK "\n", "0000052D: ");
	expect_add(0, a, &new_user, "CN=u1," U,
	           USER_OC "unicodePwd:: " PW_GOOD "\n", "");
	expect_add(0, a, &new_comp, "CN=h3,CN=Computers," BASE,
	           "objectClass: computer\nunicodePwd:: " PW_WEAK "\n", "");
	/* Passwords belong to accounts. */
	expect_add(LDAP_UNWILLING_TO_PERFORM, a, &new_plain, "CN=x," BASE,
	           "objectClass: container\nunicodePwd:: " PW_GOOD "\n",
	           "unicodePwd belongs to user and computer objects");
	expect_add(0, a, &new_plain, "CN=x," BASE, "objectClass: container\n",
	           "");
}
END_TEST

START_TEST(t_modify_account)
{
	struct state st = {.roles = MDC_DSA_ACCTOP, .t = &carol};
	char *hash = mdc_pwpolicy_hash("Al1ce-Pass-1");
	char *history =
	        hash != NULL ? mdc_pwpolicy_history_push(NULL, hash) : NULL;

	ck_assert_ptr_nonnull(history);
	expect_mod(LDAP_UNWILLING_TO_PERFORM, &st, "CN=carol," U,
	           "add: objectClass\nobjectClass: computer\n-\n",
	           "00002012: objectClass cannot be changed");
	expect_mod(LDAP_UNWILLING_TO_PERFORM, &st, "CN=carol," U,
	           "replace: primaryGroupID\nprimaryGroupID: 512\n-\n",
	           "cannot be changed");
	expect_mod(LDAP_UNWILLING_TO_PERFORM, &st, "CN=carol," U,
	           "add: sAMAccountName\nsAMAccountName: c2\n-\n",
	           "can only be replaced by one value");
	expect_mod(LDAP_CONSTRAINT_VIOLATION, &st, "CN=carol," U,
	           "replace: sAMAccountName\nsAMAccountName: c/2\n-\n",
	           "invalid sAMAccountName");
	expect_mod(0, &st, "CN=carol," U,
	           "replace: sAMAccountName\nsAMAccountName: carol2\n-\n", "");
	st.sam_taken = 1;
	expect_mod(LDAP_ALREADY_EXISTS, &st, "CN=carol," U,
	           "replace: sAMAccountName\nsAMAccountName: carol2\n-\n",
	           "00000524: sAMAccountName carol2 is in use");
	st.sam_taken = 0;
	expect_mod(LDAP_UNWILLING_TO_PERFORM, &st, "CN=carol," U,
	           "replace: userAccountControl\nuserAccountControl: 4096\n-\n",
	           "one value that fits the object");
	expect_mod(LDAP_INSUFFICIENT_ACCESS, &st, "CN=carol," U,
	           "replace: userAccountControl\n"
	           "userAccountControl: 524800\n-\n",
	           "only domain admins may set these");
	expect_mod(0, &st, "CN=carol," U,
	           "replace: userAccountControl\nuserAccountControl: 514\n-\n",
	           "");
	expect_mod(LDAP_UNWILLING_TO_PERFORM, &st, "CN=carol," U,
	           "replace: pwdLastSet\npwdLastSet: 7\n-\n",
	           "pwdLastSet may only be set to 0 or -1");
	expect_mod(0, &st, "CN=carol," U,
	           "replace: pwdLastSet\npwdLastSet: 0\n-\n", "");
	/* Passwords: resets only, against the policy and the history. */
	expect_mod(LDAP_UNWILLING_TO_PERFORM, &st, "CN=carol," U,
	           "delete: unicodePwd\nunicodePwd:: " PW_GOOD "\n-\n",
	           "password changes go through kpasswd");
	st.history = history;
	expect_mod(LDAP_CONSTRAINT_VIOLATION, &st, "CN=carol," U,
	           "replace: unicodePwd\nunicodePwd:: " PW_GOOD "\n-\n",
	           "0000052D: ");
	expect_mod(0, &st, "CN=carol," U,
	           "replace: unicodePwd\nunicodePwd:: " PW_NEW "\n-\n", "");
	free(history);
	free(hash);
}
END_TEST

/* AD's unlock: lockoutTime replaced by 0, by whoever manages the account
 * (the rule of a password reset); any other value or change is refused. */
START_TEST(t_unlock)
{
	struct state st = {.roles = MDC_DSA_ACCTOP, .t = &carol};
	const char *unlock = "replace: lockoutTime\nlockoutTime: 0\n-\n";

	expect_mod(0, &st, "CN=carol," U, unlock, "");
	st.roles = 0;
	expect_mod(LDAP_INSUFFICIENT_ACCESS, &st, "CN=carol," U, unlock,
	           "insufficient rights to MODIFY");
	st.roles = MDC_DSA_ACCTOP;
	st.t = &administrator;
	expect_mod(LDAP_INSUFFICIENT_ACCESS, &st, "CN=Administrator," U, unlock,
	           "protected account");
	st.roles = MDC_DSA_ADMIN;
	expect_mod(0, &st, "CN=Administrator," U, unlock, "");
	/* A computer does not unlock itself (not one of its own writes). */
	st.roles = MDC_DSA_COMPUTER;
	st.t = &host2;
	st.who_sid = host2_sid;
	st.who_sid_len = sizeof(host2_sid);
	expect_mod(LDAP_INSUFFICIENT_ACCESS, &st, "CN=HOST2,CN=Computers," BASE,
	           unlock, "insufficient rights");
	st.who_sid = NULL;
	st.who_sid_len = 0;
	/* Only 0, only by replace, not even from the system identity. */
	st.roles = MDC_DSA_ACCTOP;
	st.t = &carol;
	expect_mod(LDAP_UNWILLING_TO_PERFORM, &st, "CN=carol," U,
	           "replace: lockoutTime\nlockoutTime: 5\n-\n",
	           "00002035: lockoutTime may only be replaced by 0");
	expect_mod(LDAP_UNWILLING_TO_PERFORM, &st, "CN=carol," U,
	           "replace: lockoutTime\nlockoutTime: x\n-\n",
	           "lockoutTime may only be replaced by 0");
	expect_mod(LDAP_UNWILLING_TO_PERFORM, &st, "CN=carol," U,
	           "delete: lockoutTime\n-\n",
	           "lockoutTime may only be replaced by 0");
	expect_mod(LDAP_UNWILLING_TO_PERFORM, &st, "CN=carol," U,
	           "add: lockoutTime\nlockoutTime: 0\n-\n",
	           "lockoutTime may only be replaced by 0");
	st.roles = MDC_DSA_SYSTEM;
	expect_mod(LDAP_UNWILLING_TO_PERFORM, &st, "CN=carol," U,
	           "replace: lockoutTime\nlockoutTime: 1\n-\n",
	           "lockoutTime may only be replaced by 0");
	expect_mod(0, &st, "CN=carol," U, unlock, "");
	/* badPwdCount itself stays the KDC's. */
	st.roles = MDC_DSA_ADMIN;
	expect_mod(LDAP_UNWILLING_TO_PERFORM, &st, "CN=carol," U,
	           "replace: badPwdCount\nbadPwdCount: 0\n-\n",
	           "badPwdCount is system-only");
	/* An add: lockoutTime 0 or nothing. */
	expect_add(LDAP_UNWILLING_TO_PERFORM, MDC_DSA_ADMIN, &new_user,
	           "CN=u1," U, USER_OC "lockoutTime: 9\n",
	           "lockoutTime may only be 0");
}
END_TEST

START_TEST(t_computer_self)
{
	struct state st = {.roles = MDC_DSA_COMPUTER,
	                   .t = &host2,
	                   .who_sid = host2_sid,
	                   .who_sid_len = sizeof(host2_sid)};
	const char *dn = "CN=HOST2,CN=Computers," BASE;

	expect_mod(0, &st, dn,
	           "replace: dNSHostName\ndNSHostName: host2.example.com\n-\n",
	           "");
	expect_mod(LDAP_INSUFFICIENT_ACCESS, &st, dn,
	           "replace: dNSHostName\ndNSHostName: host2.evil.test\n-\n",
	           "is outside the domain example.com");
	expect_mod(LDAP_INSUFFICIENT_ACCESS, &st, dn,
	           "replace: dNSHostName\ndNSHostName: dc1.example.com\n-\n",
	           "may only name itself HOST2.<domain>");
	expect_mod(0, &st, dn,
	           "add: servicePrincipalName\n"
	           "servicePrincipalName: HTTP/host2.example.com\n-\n",
	           "");
	expect_mod(LDAP_INSUFFICIENT_ACCESS, &st, dn,
	           "add: servicePrincipalName\n"
	           "servicePrincipalName: HTTP/dc1.example.com\n-\n",
	           "does not name this computer");
	/* Anything else of its own entry, or another's, is not its own. */
	expect_mod(LDAP_INSUFFICIENT_ACCESS, &st, dn,
	           "replace: description\ndescription: x\n-\n",
	           "insufficient rights to MODIFY");
	st.t = &carol;
	expect_mod(LDAP_INSUFFICIENT_ACCESS, &st, "CN=carol," U,
	           "replace: dNSHostName\ndNSHostName: host2.example.com\n-\n",
	           "insufficient rights");
}
END_TEST

START_TEST(t_check_sam)
{
	struct mdc_sock_req *r = NULL;
	const char *t1 = "ADD\nmsgid: 1\nbinddn: cn=x\n"
	                 "dn: CN=a-very-long-computer-name,CN=Computers," BASE
	                 "\nobjectClass: computer\n\n";
	char *sam = NULL;

	ck_assert_int_eq(mdc_sock_parse(t1, strlen(t1), &r), 0);
	ck_assert_int_eq(mdc_dsa_check_sam(r, &new_comp, &sam), 0);
	ck_assert_str_eq(sam, "A-VERY-LONG-COM$");
	free(sam);
	ck_assert_int_eq(mdc_dsa_check_sam(r, &new_plain, &sam), 0);
	ck_assert_ptr_null(sam);
	ck_assert(!mdc_dsa_check_has_pw(r));
	mdc_sock_req_free(r);
}
END_TEST

/* The one LDAPMod builder (ad/mods.h) the dsa completes entries with. */
START_TEST(t_mods)
{
	struct mdc_mods ms = {0};

	mdc_mods_str(&ms, LDAP_MOD_ADD, "objectClass", "top");
	mdc_mods_str(&ms, LDAP_MOD_ADD, "objectclass", "user");
	mdc_mods_int(&ms, LDAP_MOD_ADD, "groupType", -2147483646);
	mdc_mods_str(&ms, LDAP_MOD_REPLACE, "member", "CN=a");
	mdc_mods_next(&ms, "CN=b", 4);
	mdc_mods_str(&ms, LDAP_MOD_REPLACE, "member", "CN=c");
	mdc_mods_none(&ms, LDAP_MOD_DELETE, "mdcIncomplete");
	mdc_mods_str(&ms, LDAP_MOD_REPLACE, "description", NULL);
	mdc_mods_bin(&ms, LDAP_MOD_ADD, "objectSid", "\1\0\2", 3);
	ck_assert_int_eq(ms.err, 0);
	ck_assert_uint_eq(ms.n, 7);
	ck_assert_ptr_null(ms.m[7]);
	/* Consecutive adds of one attribute share a modification... */
	ck_assert_int_eq(ms.m[0]->mod_op, LDAP_MOD_ADD | LDAP_MOD_BVALUES);
	ck_assert_str_eq(ms.m[0]->mod_bvalues[1]->bv_val, "user");
	ck_assert_ptr_null(ms.m[0]->mod_bvalues[2]);
	ck_assert_str_eq(ms.m[1]->mod_bvalues[0]->bv_val, "-2147483646");
	/* ... replaces do not, but mdc_mods_next adds to the last one. */
	ck_assert_str_eq(ms.m[2]->mod_bvalues[1]->bv_val, "CN=b");
	ck_assert_str_eq(ms.m[3]->mod_bvalues[0]->bv_val, "CN=c");
	ck_assert_ptr_null(ms.m[4]->mod_bvalues[0]);
	ck_assert_ptr_null(ms.m[5]->mod_bvalues[0]);
	ck_assert_uint_eq(ms.m[6]->mod_bvalues[0]->bv_len, 3);
	ck_assert_int_eq(ms.m[6]->mod_bvalues[0]->bv_val[1], 0);
	mdc_mods_free(&ms);
	ck_assert_uint_eq(ms.n, 0);
	ck_assert_ptr_null(ms.m);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("dsa_check");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, t_authorization);
	tcase_add_test(tc, t_rename_delete);
	tcase_add_test(tc, t_add_attributes);
	tcase_add_test(tc, t_add_names_and_flags);
	tcase_add_test(tc, t_add_password);
	tcase_add_test(tc, t_modify_account);
	tcase_add_test(tc, t_unlock);
	tcase_add_test(tc, t_computer_self);
	tcase_add_test(tc, t_check_sam);
	tcase_add_test(tc, t_mods);
	suite_add_tcase(s, tc);
	return mdc_ck_run(s);
}
