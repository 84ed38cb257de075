/* tests/unit/test_replica.c - Check suite for the second DC's pure parts:
 * replication.conf, the slapd.conf lines it renders, RID pool entries */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ad/dcconf.h"
#include "dc/replica.h"
#include "dc/ridpool.h"
#include "lib/util.h"
#include "tests/unit/ck_run.h"

static char tmpl[] = "/tmp/test-replica.XXXXXX";

static void
conf_in(struct mdc_dcconf *c, const char *dir)
{
	memset(c, 0, sizeof(*c));
	c->dir = (char *)dir;
	c->base_dn = "DC=example,DC=com";
	c->port_kdc = 88;
}

START_TEST(file_round_trip)
{
	char *dir = mkdtemp(strdup(tmpl));
	struct mdc_dcconf c;
	struct mdc_replica r = {.self_sid = 2, .n = 1}, back;

	ck_assert_ptr_nonnull(dir);
	conf_in(&c, dir);
	ck_assert_int_eq(mdc_replica_load(&c, &back), 0);
	ck_assert_int_eq(back.self_sid, 0); /* no file: a single DC */
	ck_assert_int_eq(back.n, 0);
	r.p[0] = (struct mdc_replica_peer){1, "DC1", "127.0.0.5", 389};
	ck_assert_int_eq(mdc_replica_save(&c, &r), 0);
	ck_assert_int_eq(mdc_replica_load(&c, &back), 0);
	ck_assert_int_eq(back.self_sid, 2);
	ck_assert_int_eq(back.n, 1);
	ck_assert_int_eq(back.p[0].sid, 1);
	ck_assert_str_eq(back.p[0].name, "DC1");
	ck_assert_str_eq(back.p[0].addr, "127.0.0.5");
	ck_assert_int_eq(back.p[0].port, 389);
	ck_assert_int_eq(mdc_rm_rf(dir), 0);
	free(dir);
}
END_TEST

START_TEST(bad_lines_are_refused)
{
	static const char *const bad[] = {
	        "self 2\npeer 0 DC1 127.0.0.5 389\n", /* sid out of range */
	        "self 2\npeer 1 DC1 127.0.0.5\n",     /* field missing */
	        "self 2\npeer 1 DC1 127.0.0.5 70000\n",
	        "self 1000\n",
	        "self 2\nsyncrepl rid=1\n",
	        "self 2\npeer 1 DC1 127.0.0.5 389 extra\n",
	};
	char *dir = mkdtemp(strdup(tmpl)), *path;
	struct mdc_dcconf c;
	struct mdc_replica r;

	conf_in(&c, dir);
	path = mdc_dc_path(&c, "replication.conf");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(
		        mdc_file_write(path, bad[i], strlen(bad[i]), 0644), 0);
		ck_assert_int_eq(mdc_replica_load(&c, &r), MDC_EMALF);
	}
	free(path);
	ck_assert_int_eq(mdc_rm_rf(dir), 0);
	free(dir);
}
END_TEST

/* The rendered slapd.conf lines of a DC with one peer. */
START_TEST(slapd_lines)
{
	char *dir = mkdtemp(strdup(tmpl)), *text = NULL, *kdc;
	struct mdc_dcconf c;
	struct mdc_replica r = {.self_sid = 2, .n = 1};
	size_t len = 0;
	FILE *f;

	conf_in(&c, dir);
	f = open_memstream(&text, &len);
	mdc_replica_slapd_global(&c, f);
	mdc_replica_slapd_db(&c, f);
	fflush(f);
	ck_assert_ptr_null(strstr(text, "serverID")); /* a single DC */
	ck_assert_ptr_null(strstr(text, "syncrepl"));
	ck_assert_ptr_nonnull(strstr(text, "limits dn.children=\"OU=Domain "
	                                   "Controllers,DC=example,DC=com\""));
	fclose(f);
	free(text);
	text = NULL;
	r.p[0] = (struct mdc_replica_peer){1, "DC1", "127.0.0.5", 389};
	ck_assert_int_eq(mdc_replica_save(&c, &r), 0);
	f = open_memstream(&text, &len);
	mdc_replica_slapd_global(&c, f);
	mdc_replica_slapd_db(&c, f);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, "serverID 2\n"));
	ck_assert_ptr_nonnull(strstr(text, "syncrepl rid=001 "
	                                   "provider=ldap://127.0.0.5:389/ "
	                                   "bindmethod=sasl saslmech=GSSAPI "
	                                   "secprops=minssf=56"));
	ck_assert_ptr_nonnull(strstr(text, "\nmultiprovider on\n"));
	kdc = mdc_replica_kdc_lines(&c);
	ck_assert_str_eq(kdc, "\t\tkdc = 127.0.0.5:88\n");
	free(kdc);
	free(text);
	ck_assert_int_eq(mdc_rm_rf(dir), 0);
	free(dir);
}
END_TEST

START_TEST(dc_entries)
{
	const char *b = "DC=example,DC=com";
	char *dn = mdc_rid_dc_dn(b, "dc2");

	ck_assert_str_eq(dn, "CN=DC2,OU=Domain Controllers,DC=example,DC=com");
	free(dn);
	ck_assert_int_eq(mdc_rid_is_dc_entry(b,
	                                     "CN=DC2,OU=Domain "
	                                     "Controllers,DC=example,DC=com"),
	                 1);
	ck_assert_int_eq(mdc_rid_is_dc_entry(b,
	                                     "cn=dc3,ou=domain "
	                                     "controllers,dc=example,dc=com"),
	                 1);
	ck_assert_int_eq(mdc_rid_is_dc_entry(b, "CN=HOST2,CN=Computers,DC="
	                                        "example,DC=com"),
	                 0);
	ck_assert_int_eq(mdc_rid_is_dc_entry(b,
	                                     "CN=X,CN=DC2,OU=Domain "
	                                     "Controllers,DC=example,DC=com"),
	                 0);
	ck_assert_int_eq(mdc_rid_is_dc_entry(b, "OU=Domain Controllers,DC="
	                                        "example,DC=com"),
	                 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("replica");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, file_round_trip);
	tcase_add_test(tc, bad_lines_are_refused);
	tcase_add_test(tc, slapd_lines);
	tcase_add_test(tc, dc_entries);
	suite_add_tcase(s, tc);
	return mdc_ck_run(s);
}
