/* tests/unit/test_join.c - Check suite for join/: arguments, names, salt */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "join/dnsmsg.h"
#include "join/join.h"
#include "lib/util.h"
#include "tests/unit/ck_run.h"

#define ARGV(...) ((char *[]){"minidc-join", __VA_ARGS__, NULL})

static int
parse(char **argv, struct mdc_join_opts *o, struct mdc_err *e)
{
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	memset(e, 0, sizeof(*e));
	return mdc_join_parse(argc, argv, o, e);
}

START_TEST(test_parse_join)
{
	struct mdc_join_opts o;
	struct mdc_err e;

	ck_assert_int_eq(parse(ARGV("join", "--domain", "Example.COM.",
	                            "--server=127.0.0.5", "--host-fqdn",
	                            "host2.example.com", "-U", "admin2",
	                            "--stdin-password", "--keytab", "/k",
	                            "--krb5-conf-out", "/c"),
	                       &o, &e),
	                 0);
	ck_assert_int_eq(o.cmd, MDC_JOIN_CMD_JOIN);
	ck_assert_str_eq(o.server, "127.0.0.5");
	ck_assert_str_eq(o.user, "admin2");
	ck_assert_int_eq(o.stdin_password, 1);
	ck_assert_int_eq(o.no_dns, 0);
	ck_assert_str_eq(o.keytab, "/k");
	ck_assert_str_eq(o.krb5_conf_out, "/c");
	ck_assert_int_eq(mdc_join_derive(&o, "ignored", &e), 0);
	ck_assert_str_eq(o.domain, "example.com");
	ck_assert_str_eq(o.realm, "EXAMPLE.COM");
	ck_assert_str_eq(o.fqdn, "host2.example.com");
	ck_assert_str_eq(o.shortname, "HOST2");
	ck_assert_str_eq(o.sam, "HOST2$");
}
END_TEST

START_TEST(test_parse_defaults)
{
	struct mdc_join_opts o;
	struct mdc_err e;

	ck_assert_int_eq(
	        parse(ARGV("status", "--domain", "example.com"), &o, &e), 0);
	ck_assert_int_eq(o.cmd, MDC_JOIN_CMD_STATUS);
	ck_assert_str_eq(o.keytab, "/etc/krb5.keytab");
	ck_assert_ptr_null(o.server);
	/* A bare host name gets the domain. */
	ck_assert_int_eq(mdc_join_derive(&o, "Web7", &e), 0);
	ck_assert_str_eq(o.fqdn, "web7.example.com");
	ck_assert_str_eq(o.sam, "WEB7$");
	ck_assert_int_eq(parse(ARGV("join", "--domain", "example.com"), &o, &e),
	                 0);
	ck_assert_str_eq(o.user, "Administrator");
	ck_assert_int_eq(parse(ARGV("leave", "--domain", "example.com",
	                            "--no-dns-update"),
	                       &o, &e),
	                 0);
	ck_assert_int_eq(o.no_dns, 1);
	ck_assert_int_eq(parse(ARGV("--help"), &o, &e), 0);
	ck_assert_int_eq(o.help, 1);
}
END_TEST

/* Every bad command line is refused with a reason, never a crash. */
START_TEST(test_parse_errors)
{
	struct mdc_join_opts o;
	struct mdc_err e;

	ck_assert_int_eq(mdc_join_parse(1, ARGV("x"), &o, &e), MDC_EINVAL);
	ck_assert_int_eq(parse(ARGV("frobnicate"), &o, &e), MDC_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.text, "unknown command"));
	ck_assert_int_eq(parse(ARGV("join"), &o, &e), MDC_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.text, "--domain"));
	ck_assert_int_eq(parse(ARGV("join", "--domain"), &o, &e), MDC_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.text, "needs a value"));
	ck_assert_int_eq(parse(ARGV("join", "--domain="), &o, &e), MDC_EINVAL);
	ck_assert_int_eq(
	        parse(ARGV("join", "--domain", "a.b", "--bogus"), &o, &e),
	        MDC_EINVAL);
	/* Passwords never come from argv. */
	ck_assert_int_eq(
	        parse(ARGV("join", "--domain", "a.b", "--password=secret"), &o,
	              &e),
	        MDC_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.text, "never taken from arguments"));
	ck_assert_ptr_null(strstr(e.text, "secret"));
	ck_assert_int_eq(
	        parse(ARGV("join", "--domain", "a.b", "--password", "secret"),
	              &o, &e),
	        MDC_EINVAL);
	ck_assert_int_eq(
	        parse(ARGV("join", "--domain", "a.b", "--stdin-password",
	                   "--password-file", "/f"),
	              &o, &e),
	        MDC_EINVAL);
	ck_assert_int_eq(
	        parse(ARGV("status", "--domain", "a.b", "--stdin-password"), &o,
	              &e),
	        MDC_EINVAL);
	ck_assert_int_eq(parse(ARGV("rotate", "--domain", "a.b",
	                            "--krb5-conf-out", "/x"),
	                       &o, &e),
	                 MDC_EINVAL);
}
END_TEST

START_TEST(test_derive_errors)
{
	struct mdc_join_opts o;
	struct mdc_err e;

	ck_assert_int_eq(parse(ARGV("join", "--domain", "nodots"), &o, &e), 0);
	ck_assert_int_eq(mdc_join_derive(&o, "h", &e), MDC_EINVAL);
	ck_assert_int_eq(
	        parse(ARGV("join", "--domain", "example.com", "--host-fqdn",
	                   "averyveryverylongname.example.com"),
	              &o, &e),
	        0);
	ck_assert_int_eq(mdc_join_derive(&o, NULL, &e), MDC_EINVAL);
	ck_assert_int_eq(parse(ARGV("join", "--domain", "example.com",
	                            "--host-fqdn", "bad_name.example.com"),
	                       &o, &e),
	                 0);
	ck_assert_int_eq(mdc_join_derive(&o, NULL, &e), MDC_EINVAL);
	ck_assert_int_eq(parse(ARGV("join", "--domain", "example.com"), &o, &e),
	                 0);
	ck_assert_int_eq(mdc_join_derive(&o, NULL, &e), MDC_EINVAL);
}
END_TEST

START_TEST(test_salt)
{
	char buf[128];

	ck_assert_int_eq(mdc_join_salt("EXAMPLE.COM", "HOST2$", "example.com",
	                               buf, sizeof(buf)),
	                 0);
	ck_assert_str_eq(buf, "EXAMPLE.COMhosthost2.example.com");
	/* The realm keeps its case, the rest is lower-cased. */
	ck_assert_int_eq(
	        mdc_join_salt("AD.TEST", "Web-7$", "AD.Test", buf, sizeof(buf)),
	        0);
	ck_assert_str_eq(buf, "AD.TESThostweb-7.ad.test");
	ck_assert_int_eq(mdc_join_salt("EXAMPLE.COM", "HOST2", "example.com",
	                               buf, sizeof(buf)),
	                 MDC_EINVAL);
	ck_assert_int_eq(mdc_join_salt("EXAMPLE.COM", "$", "example.com", buf,
	                               sizeof(buf)),
	                 MDC_EINVAL);
	ck_assert_int_eq(
	        mdc_join_salt("EXAMPLE.COM", "HOST2$", "example.com", buf, 10),
	        MDC_ESPACE);
}
END_TEST

START_TEST(test_spns_conf)
{
	struct mdc_join_opts o;
	struct mdc_err e;
	char *spns[MDC_JOIN_NSPN], *conf;

	ck_assert_int_eq(parse(ARGV("join", "--domain", "example.com",
	                            "--host-fqdn", "host2.example.com"),
	                       &o, &e),
	                 0);
	ck_assert_int_eq(mdc_join_derive(&o, NULL, &e), 0);
	ck_assert_int_eq(mdc_join_spns(&o, spns), 0);
	ck_assert_str_eq(spns[0], "host/HOST2");
	ck_assert_str_eq(spns[1], "host/host2.example.com");
	ck_assert_str_eq(spns[2], "RestrictedKrbHost/HOST2");
	ck_assert_str_eq(spns[3], "RestrictedKrbHost/host2.example.com");
	ck_assert_str_eq(spns[4], "migrate/HOST2");
	ck_assert_str_eq(spns[5], "migrate/host2.example.com");
	mdc_join_spns_free(spns);
	ck_assert_ptr_null(spns[0]);
	conf = mdc_join_krb5_conf(&o, "127.0.0.9");
	ck_assert_ptr_nonnull(conf);
	ck_assert_ptr_nonnull(strstr(conf, "default_realm = EXAMPLE.COM\n"));
	ck_assert_ptr_nonnull(strstr(conf, "kdc = 127.0.0.9:88\n"));
	ck_assert_ptr_nonnull(strstr(conf, "kpasswd_server = 127.0.0.9:464\n"));
	ck_assert_ptr_nonnull(strstr(conf, "dns_lookup_kdc = false\n"));
	ck_assert_ptr_nonnull(strstr(conf, ".example.com = EXAMPLE.COM\n"));
	free(conf);
}
END_TEST

/* A captured answer of the DC's DNS server (tests/fuzz/corpus/join). */
static uint8_t *
seed(const char *name, size_t *len)
{
	const char *top = getenv("top_srcdir");
	char *path, *data = NULL;

	path = mdc_strdupf("%s/tests/fuzz/corpus/join/%s",
	                   top != NULL ? top : ".", name);
	ck_assert_ptr_nonnull(path);
	ck_assert_int_eq(mdc_file_read(path, 65535, &data, len), 0);
	free(path);
	return (uint8_t *)data;
}

START_TEST(test_tkey_answer)
{
	const uint8_t *tok;
	uint8_t *m;
	size_t len, toklen;
	uint16_t err = 99;

	m = seed("tkey_answer", &len);
	ck_assert_int_eq(mdc_join_tkey_answer(m, len, &err, &tok, &toklen), 0);
	ck_assert_int_eq(err, 0);
	ck_assert_uint_eq(toklen, 156); /* the AP-REP */
	ck_assert(tok > m && tok + toklen <= m + len);
	ck_assert_int_eq(tok[0], 0x60); /* GSS framing */
	free(m);
	m = seed("tkey_refused", &len);
	ck_assert_int_eq(mdc_join_tkey_answer(m, len, &err, &tok, &toklen),
	                 MDC_EDENIED);
	free(m);
	m = seed("tkey_truncated", &len);
	ck_assert_int_eq(mdc_join_tkey_answer(m, len, &err, &tok, &toklen),
	                 MDC_EMALF);
	free(m);
}
END_TEST

START_TEST(test_answer_digest)
{
	static const uint8_t key[] = "\x08"
	                             "1a2a0698\x0bminidc-join";
	static const uint8_t reqmac[4] = {1, 2, 3, 4};
	const uint8_t *mac;
	uint8_t *m, *d = NULL;
	size_t len, dlen, maclen;

	m = seed("update_answer", &len);
	ck_assert_int_eq(mdc_join_answer_digest(reqmac, 4, key, sizeof(key), m,
	                                        len, &d, &dlen, &mac, &maclen),
	                 0);
	ck_assert_uint_eq(maclen, 28);
	/* u16 length, the request MAC, then the answer's header with
	 * ARCOUNT 0 (the TSIG itself is not covered). */
	ck_assert_int_eq(d[0], 0);
	ck_assert_int_eq(d[1], 4);
	ck_assert_mem_eq(d + 2, reqmac, 4);
	ck_assert_int_eq(d[6 + 10], 0);
	ck_assert_int_eq(d[6 + 11], 0);
	free(d);
	free(m);
	m = seed("update_badsig", &len);
	ck_assert_int_eq(mdc_join_answer_digest(reqmac, 4, key, sizeof(key), m,
	                                        len, &d, &dlen, &mac, &maclen),
	                 MDC_EDENIED);
	free(m);
	m = seed("update_truncated", &len);
	ck_assert_int_eq(mdc_join_answer_digest(reqmac, 4, key, sizeof(key), m,
	                                        len, &d, &dlen, &mac, &maclen),
	                 MDC_EMALF);
	free(m);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("join");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parse_join);
	tcase_add_test(tc, test_parse_defaults);
	tcase_add_test(tc, test_parse_errors);
	tcase_add_test(tc, test_derive_errors);
	tcase_add_test(tc, test_salt);
	tcase_add_test(tc, test_spns_conf);
	tcase_add_test(tc, test_tkey_answer);
	tcase_add_test(tc, test_answer_digest);
	suite_add_tcase(s, tc);
	return mdc_ck_run(s);
}
