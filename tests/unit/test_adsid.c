/* tests/unit/test_adsid.c - Check suite for dc/slapo/adsid (the AD overlay's
 * SID, objectCategory and USN helpers) */
#include "config.h"

#include <check.h>
#include <string.h>

#include "dc/slapo/adsid.h"
#include "tests/unit/ck_run.h"

START_TEST(sid_domain_rid)
{
	static const uint8_t want[] = {1,    5,    0,    0,    0,    0,    0,
	                               5,    21,   0,    0,    0,    0x15, 0xcd,
	                               0x5b, 0x07, 0xff, 0xff, 0xff, 0xff, 1,
	                               0,    0,    0,    0x01, 0x02, 0,    0};
	const char *s = "S-1-5-21-123456789-4294967295-1-513";
	uint8_t out[MDC_ADSID_MAX];

	ck_assert_uint_eq(mdc_adsid_parse(s, strlen(s), out), sizeof(want));
	ck_assert_mem_eq(out, want, sizeof(want));
}
END_TEST

START_TEST(sid_well_known)
{
	static const uint8_t want[] = {1,  2, 0, 0, 0,    0,    0, 5,
	                               32, 0, 0, 0, 0x20, 0x02, 0, 0};
	uint8_t out[MDC_ADSID_MAX];

	ck_assert_uint_eq(mdc_adsid_parse("s-1-5-32-544", 12, out), 16);
	ck_assert_mem_eq(out, want, sizeof(want));
	ck_assert_uint_eq(mdc_adsid_parse("S-1-5", 5, out), 8);
	ck_assert_uint_eq(out[1], 0);
}
END_TEST

START_TEST(sid_bad)
{
	static const char *const bad[] = {
	        "",
	        "S-",
	        "S-1",
	        "S-1-",
	        "S-1-5-",
	        "S-1-5--1",
	        "S-256-5-1",
	        "S-1-5-4294967296",
	        "X-1-5-21",
	        "S-1-5-21-a",
	        "S-1-5-21 ",
	        "S-1-281474976710656",
	        "\x01\x05\x00",
	        "S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16",
	};
	uint8_t out[MDC_ADSID_MAX];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(mdc_adsid_parse(bad[i], strlen(bad[i]), out) == 0,
		              "accepted %s", bad[i]);
	/* Not NUL-terminated: only len bytes count. */
	ck_assert_uint_eq(mdc_adsid_parse("S-1-5-32-544xyz", 12, out), 16);
}
END_TEST

START_TEST(category_names)
{
	ck_assert_str_eq(mdc_adsid_category("user"), "Person");
	ck_assert_str_eq(mdc_adsid_category("PERSON"), "Person");
	ck_assert_str_eq(mdc_adsid_category("Computer"), "Computer");
	ck_assert_str_eq(mdc_adsid_category("organizationalUnit"),
	                 "Organizational-Unit");
	ck_assert_str_eq(mdc_adsid_category("msDS-Other"), "msDS-Other");
}
END_TEST

START_TEST(usn_from_csn)
{
	const char *csn = "20261202061500.123456Z#000000#000#000000";

	ck_assert_uint_eq(mdc_adsid_usn(csn, strlen(csn)),
	                  1796192100ULL * 1000000ULL + 123456ULL);
	ck_assert_uint_eq(mdc_adsid_usn("19700101000001Z", 15), 1000000ULL);
	ck_assert_uint_eq(mdc_adsid_usn("2026120206150", 13), 0);
	ck_assert_uint_eq(mdc_adsid_usn("2026120206150xZ", 15), 0);
}
END_TEST

START_TEST(usn_bounds)
{
	uint64_t usn = 1796192100ULL * 1000000ULL + 123456ULL;
	char b[48];

	ck_assert_int_eq(mdc_adsid_usn_bound(usn, 1, 0, b), 1);
	ck_assert_str_eq(b, "20261202061500.123456Z#000000#000#000000");
	ck_assert_int_eq(mdc_adsid_usn_bound(usn, 1, 1, b), 1);
	ck_assert_str_eq(b, "20261202061500.123456Z#ffffff#fff#ffffff");
	ck_assert_int_eq(mdc_adsid_usn_bound(usn, 0, 0, b), 1);
	ck_assert_str_eq(b, "20261202061501Z");
	ck_assert_int_eq(mdc_adsid_usn_bound(usn, 0, 1, b), 1);
	ck_assert_str_eq(b, "20261202061500Z");
	ck_assert_int_eq(
	        mdc_adsid_usn_bound(1796192100ULL * 1000000ULL, 0, 0, b), 1);
	ck_assert_str_eq(b, "20261202061500Z");
	ck_assert_uint_eq(mdc_adsid_usn(b, strlen(b)),
	                  1796192100ULL * 1000000ULL);
	ck_assert_int_eq(mdc_adsid_usn_bound(UINT64_MAX, 1, 0, b), 0);
}
END_TEST

START_TEST(guid_forms)
{
	static const uint8_t want[16] = {0x10, 0xba, 0xe4, 0x6a, 0xe4, 0x02,
	                                 0x4d, 0x4c, 0x92, 0xbd, 0x10, 0x00,
	                                 0xd6, 0xe3, 0xa2, 0xf1};
	uint8_t g[16];

	ck_assert_int_eq(mdc_adsid_guid_parse(
	                         "6ae4ba10-02e4-4c4d-92bd-1000d6e3a2f1", 36, g),
	                 1);
	ck_assert_mem_eq(g, want, 16);
	ck_assert_int_eq(
	        mdc_adsid_guid_parse("10BAE46AE4024D4C92BD1000D6E3A2F1", 32, g),
	        1);
	ck_assert_mem_eq(g, want, 16);
	ck_assert_int_eq(
	        mdc_adsid_guid_parse("10bae46ae4024d4c92bd1000d6e3a2fx", 32, g),
	        0);
	ck_assert_int_eq(mdc_adsid_guid_parse(
	                         "6ae4ba10+02e4-4c4d-92bd-1000d6e3a2f1", 36, g),
	                 0);
	ck_assert_int_eq(mdc_adsid_guid_parse("10bae46a", 8, g), 0);
}
END_TEST

START_TEST(ad_forms)
{
	ck_assert_int_eq(mdc_adsid_is_ad_form("<GUID=00>", 9, 512), 1);
	ck_assert_int_eq(mdc_adsid_is_ad_form("alice@example.com", 17, 512), 1);
	ck_assert_int_eq(mdc_adsid_is_ad_form("EXAMPLE\\alice", 13, 512), 1);
	ck_assert_int_eq(mdc_adsid_is_ad_form("cn=a@b,dc=x", 11, 512), 0);
	ck_assert_int_eq(mdc_adsid_is_ad_form("", 0, 512), 0);
	ck_assert_int_eq(mdc_adsid_is_ad_form("<unterminated", 13, 512), 0);
	ck_assert_int_eq(mdc_adsid_is_ad_form("alice", 5, 512), 0);
	ck_assert_int_eq(mdc_adsid_is_ad_form("alice@example.com", 17, 10), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("adsid");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, sid_domain_rid);
	tcase_add_test(tc, sid_well_known);
	tcase_add_test(tc, sid_bad);
	tcase_add_test(tc, category_names);
	tcase_add_test(tc, usn_from_csn);
	tcase_add_test(tc, usn_bounds);
	tcase_add_test(tc, guid_forms);
	tcase_add_test(tc, ad_forms);
	suite_add_tcase(s, tc);
	return mdc_ck_run(s);
}
