/* tests/unit/test_netlogon.c - Check suite for dc/netlogon (LDAP ping) and
 * dc/rootdse */
#include "config.h"

#include <check.h>

#include "tests/unit/ck_run.h"
#include <lber.h>
#include <ldap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ad/dcconf.h"
#include "ad/netlogon.h"
#include "dc/rootdse.h"
#include "lib/ad.h"

static const uint8_t test_guid[16] = {0x10, 0x32, 0x54, 0x76, 0x98, 0xba,
                                      0xdc, 0xfe, 0x01, 0x23, 0x45, 0x67,
                                      0x89, 0xab, 0xcd, 0xef};

static void
test_dc(struct mdc_netlogon_dc *dc)
{
	static const uint8_t sid[24] = {1, 4, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0,
	                                1, 0, 0, 0, 2, 0, 0, 0, 3,  0, 0, 0};

	memset(dc, 0, sizeof(*dc));
	dc->forest = "example.com";
	dc->domain = "example.com";
	dc->host_fqdn = "dc1.example.com";
	dc->netbios_domain = "EXAMPLE";
	dc->netbios_host = "DC1";
	dc->site = "Default-First-Site-Name";
	memcpy(dc->domain_guid, test_guid, 16);
	memcpy(dc->domain_sid, sid, sizeof(sid));
	dc->domain_sid_len = sizeof(sid);
	dc->flags = MDC_DS_FLAGS_DEFAULT;
	dc->have_ipv4 = 1;
	dc->ipv4[0] = 127;
	dc->ipv4[1] = 0;
	dc->ipv4[2] = 0;
	dc->ipv4[3] = 40;
}

/* The reference blob of the LDAP ping layout (doc/interop.md) with our flags.
 */
static const uint8_t ref_blob[95] = {
        0x17, 0x00, 0x00, 0x00, 0xbd, 0x11, 0x00, 0xe0, 0x10, 0x32, 0x54, 0x76,
        0x98, 0xba, 0xdc, 0xfe, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
        7,    'e',  'x',  'a',  'm',  'p',  'l',  'e',  3,    'c',  'o',  'm',
        0,    0xc0, 0x18, 3,    'd',  'c',  '1',  0xc0, 0x18, 7,    'E',  'X',
        'A',  'M',  'P',  'L',  'E',  0,    3,    'D',  'C',  '1',  0,    0,
        23,   'D',  'e',  'f',  'a',  'u',  'l',  't',  '-',  'F',  'i',  'r',
        's',  't',  '-',  'S',  'i',  't',  'e',  '-',  'N',  'a',  'm',  'e',
        0,    0xc0, 0x3c, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
};

/* adcli 0.9.1 --domain-controller request, byte-exact from research 1.3. */
static const uint8_t adcli_host_req[] = {
        0x30, 0x40, 0x02, 0x01, 0x01, 0x63, 0x3b, 0x04, 0x00, 0x0a, 0x01,
        0x00, 0x0a, 0x01, 0x00, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x01,
        0x01, 0x00, 0xa0, 0x1c, 0xa3, 0x0d, 0x04, 0x05, 'N',  't',  'V',
        'e',  'r',  0x04, 0x04, 0x06, 0x00, 0x00, 0x00, 0xa3, 0x0b, 0x04,
        0x03, 'A',  'A',  'C',  0x04, 0x04, 0x00, 0x00, 0x00, 0x00, 0x30,
        0x0a, 0x04, 0x08, 'N',  'e',  't',  'L',  'o',  'g',  'o',  'n',
};

static const uint8_t ntver6[4] = {6, 0, 0, 0};

/* Build a request for (&(DnsDomain=domain)(NtVer=ntver)[more]). */
static size_t
build_req(uint8_t *out, size_t cap, const char *domain, uint32_t ntver,
          const struct mdc_cldap_term *more, size_t nmore)
{
	struct mdc_cldap_term t[8];
	uint8_t nv[4] = {(uint8_t)ntver, (uint8_t)(ntver >> 8),
	                 (uint8_t)(ntver >> 16), (uint8_t)(ntver >> 24)};
	size_t n = 0, len = 0;

	if (domain != NULL)
		t[n++] = (struct mdc_cldap_term){"DnsDomain", domain,
		                                 strlen(domain)};
	t[n++] = (struct mdc_cldap_term){"NtVer", nv, 4};
	for (size_t i = 0; i < nmore; i++)
		t[n++] = more[i];
	ck_assert_int_eq(
	        mdc_cldap_request(3, t, n, 0, "NetLogon", out, cap, &len), 0);
	return len;
}

/* Answer req with the test DC; returns whether an entry came. */
static int
answer(const uint8_t *req, size_t len, struct mdc_cldap_resp *resp)
{
	struct mdc_netlogon_dc dc;
	uint8_t out[4096];
	size_t outlen = 0;
	int entry = -1;

	test_dc(&dc);
	ck_assert_int_eq(mdc_cldap_reply(&dc, req, len, out, sizeof(out),
	                                 &outlen, &entry),
	                 0);
	ck_assert_int_eq(mdc_cldap_parse_reply(out, outlen, resp), 0);
	ck_assert(resp->have_done);
	ck_assert_int_eq(resp->result, LDAP_SUCCESS);
	ck_assert_int_eq(resp->have_blob, entry);
	return entry;
}

START_TEST(encode_matches_reference_blob)
{
	struct mdc_netlogon_dc dc;
	uint8_t out[MDC_NETLOGON_BLOB_MAX];
	size_t len = 0;

	test_dc(&dc);
	ck_assert_uint_eq(MDC_DS_FLAGS_DEFAULT, 0xe00011bd);
	ck_assert_int_eq(
	        mdc_netlogon_encode(&dc, 0x6, NULL, out, sizeof(out), &len), 0);
	ck_assert_uint_eq(len, sizeof(ref_blob));
	ck_assert_mem_eq(out, ref_blob, sizeof(ref_blob));
	/* 0x14 (sssd): no NextClosestSiteName, like Samba: same bytes. */
	ck_assert_int_eq(
	        mdc_netlogon_encode(&dc, 0x14, NULL, out, sizeof(out), &len),
	        0);
	ck_assert_mem_eq(out, ref_blob, sizeof(ref_blob));
}
END_TEST

START_TEST(encode_with_ip_and_user_decodes)
{
	struct mdc_netlogon_dc dc;
	struct mdc_netlogon_resp r;
	uint8_t out[MDC_NETLOGON_BLOB_MAX];
	size_t len = 0;

	test_dc(&dc);
	ck_assert_int_eq(
	        mdc_netlogon_encode(&dc, 0xe, "HOST2$", out, sizeof(out), &len),
	        0);
	ck_assert_int_eq(mdc_netlogon_decode(out, len, &r), 0);
	ck_assert_uint_eq(r.opcode, 23);
	ck_assert_uint_eq(r.flags, MDC_DS_FLAGS_DEFAULT);
	ck_assert_uint_eq(r.flags & MDC_DS_WRITABLE_FLAG, MDC_DS_WRITABLE_FLAG);
	ck_assert_mem_eq(r.domain_guid, test_guid, 16);
	ck_assert_str_eq(r.forest, "example.com");
	ck_assert_str_eq(r.domain, "example.com");
	ck_assert_str_eq(r.host, "dc1.example.com");
	ck_assert_str_eq(r.netbios_domain, "EXAMPLE");
	ck_assert_str_eq(r.netbios_host, "DC1");
	ck_assert_str_eq(r.user, "HOST2$");
	ck_assert_str_eq(r.dc_site, "Default-First-Site-Name");
	ck_assert_str_eq(r.client_site, "Default-First-Site-Name");
	ck_assert(r.have_ipv4);
	ck_assert_mem_eq(r.ipv4, "\x7f\x00\x00\x28", 4);
	ck_assert_uint_eq(r.nt_version, 0xd);
	ck_assert_uint_eq(r.lmnt_token, 0xffff);
	ck_assert_uint_eq(r.lm20_token, 0xffff);
	/* Without an IPv4 address the optional field and its bit go away. */
	dc.have_ipv4 = 0;
	ck_assert_int_eq(
	        mdc_netlogon_encode(&dc, 0xe, NULL, out, sizeof(out), &len), 0);
	ck_assert_int_eq(mdc_netlogon_decode(out, len, &r), 0);
	ck_assert(!r.have_ipv4);
	ck_assert_uint_eq(r.nt_version, 0x5);
}
END_TEST

START_TEST(encode_rejects_bad_input)
{
	struct mdc_netlogon_dc dc;
	uint8_t out[MDC_NETLOGON_BLOB_MAX];
	char label64[70];
	size_t len;

	test_dc(&dc);
	ck_assert_int_eq(
	        mdc_netlogon_encode(&dc, 0x2, NULL, out, sizeof(out), &len),
	        MDC_EINVAL);
	ck_assert_int_eq(
	        mdc_netlogon_encode(&dc, 0x6, "a..b", out, sizeof(out), &len),
	        MDC_EINVAL);
	ck_assert_int_eq(
	        mdc_netlogon_encode(&dc, 0x6, "a.", out, sizeof(out), &len),
	        MDC_EINVAL);
	memset(label64, 'x', 64);
	label64[64] = '\0';
	ck_assert_int_eq(
	        mdc_netlogon_encode(&dc, 0x6, label64, out, sizeof(out), &len),
	        MDC_EINVAL);
	ck_assert_int_eq(mdc_netlogon_encode(&dc, 0x6, NULL, out, 60, &len),
	                 MDC_ESPACE);
}
END_TEST

START_TEST(decode_rejects_bad_blobs)
{
	struct mdc_netlogon_resp r;
	uint8_t b[sizeof(ref_blob)];

	/* Every truncation fails cleanly. */
	for (size_t n = 0; n < sizeof(ref_blob); n++)
		ck_assert_int_ne(mdc_netlogon_decode(ref_blob, n, &r), 0);
	ck_assert_int_eq(mdc_netlogon_decode(ref_blob, sizeof(ref_blob), &r),
	                 0);
	/* A pointer to itself or forwards (a loop) is refused. */
	memcpy(b, ref_blob, sizeof(b));
	b[38] = 0x25; /* domain: c0 25 points at itself */
	ck_assert_int_eq(mdc_netlogon_decode(b, sizeof(b), &r), MDC_EMALF);
	memcpy(b, ref_blob, sizeof(b));
	b[24] = 0x40; /* reserved label type */
	ck_assert_int_ne(mdc_netlogon_decode(b, sizeof(b), &r), 0);
}
END_TEST

START_TEST(parse_adcli_host_mode_request)
{
	struct mdc_cldap_req req;
	struct mdc_cldap_resp resp;
	struct mdc_netlogon_resp r;

	ck_assert_int_eq(
	        mdc_cldap_parse(adcli_host_req, sizeof(adcli_host_req), &req),
	        0);
	ck_assert_int_eq(req.msgid, 1);
	ck_assert(req.is_ping);
	ck_assert_uint_eq(req.have, MDC_PING_NTVER | MDC_PING_AAC);
	ck_assert_uint_eq(req.ntver, 6);
	ck_assert_uint_eq(req.aac, 0);
	ck_assert(answer(adcli_host_req, sizeof(adcli_host_req), &resp));
	ck_assert_int_eq(resp.msgid, 1);
	ck_assert_uint_eq(resp.bloblen, sizeof(ref_blob));
	ck_assert_mem_eq(resp.blob, ref_blob, sizeof(ref_blob));
	ck_assert_int_eq(mdc_netlogon_decode(resp.blob, resp.bloblen, &r), 0);
}
END_TEST

START_TEST(reply_framing_is_samba_s)
{
	struct mdc_netlogon_dc dc;
	uint8_t out[4096], want[200];
	size_t outlen = 0, n = 0;
	static const uint8_t head[] = {0x30, 0x78, 0x02, 0x01, 0x01, 0x64, 0x73,
	                               0x04, 0x00, 0x30, 0x6f, 0x30, 0x6d, 0x04,
	                               0x08, 'n',  'e',  't',  'l',  'o',  'g',
	                               'o',  'n',  0x31, 0x61, 0x04, 0x5f};
	static const uint8_t done[] = {0x30, 0x0c, 0x02, 0x01, 0x01,
	                               0x65, 0x07, 0x0a, 0x01, 0x00,
	                               0x04, 0x00, 0x04, 0x00};
	int entry = 0;

	memcpy(want, head, sizeof(head));
	n = sizeof(head);
	memcpy(want + n, ref_blob, sizeof(ref_blob));
	n += sizeof(ref_blob);
	memcpy(want + n, done, sizeof(done));
	n += sizeof(done);
	test_dc(&dc);
	ck_assert_int_eq(mdc_cldap_reply(&dc, adcli_host_req,
	                                 sizeof(adcli_host_req), out,
	                                 sizeof(out), &outlen, &entry),
	                 0);
	ck_assert(entry);
	ck_assert_uint_eq(outlen, n);
	ck_assert_mem_eq(out, want, n);
	ck_assert_int_eq(mdc_cldap_reply(&dc, adcli_host_req,
	                                 sizeof(adcli_host_req), out, 50,
	                                 &outlen, &entry),
	                 MDC_ESPACE);
}
END_TEST

START_TEST(domain_matching)
{
	struct mdc_cldap_resp resp;
	uint8_t req[512];
	size_t len;

	len = build_req(req, sizeof(req), "example.com", 6, NULL, 0);
	ck_assert(answer(req, len, &resp));
	ck_assert_int_eq(resp.msgid, 3);
	len = build_req(req, sizeof(req), "EXAMPLE.COM.", 6, NULL, 0);
	ck_assert(answer(req, len, &resp));
	len = build_req(req, sizeof(req), "other.com", 6, NULL, 0);
	ck_assert(!answer(req, len, &resp));
	len = build_req(req, sizeof(req), "example.com.evil", 6, NULL, 0);
	ck_assert(!answer(req, len, &resp));
	len = build_req(req, sizeof(req), "sub.example.com", 6, NULL, 0);
	ck_assert(!answer(req, len, &resp));
	/* sssd's NtVer 0x14; NtVer without V5EX gets nothing. */
	len = build_req(req, sizeof(req), "example.com", 0x14, NULL, 0);
	ck_assert(answer(req, len, &resp));
	len = build_req(req, sizeof(req), "example.com", 0x2, NULL, 0);
	ck_assert(!answer(req, len, &resp));
}
END_TEST

START_TEST(guid_sid_user_terms)
{
	static const uint8_t sid[24] = {1, 4, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0,
	                                1, 0, 0, 0, 2, 0, 0, 0, 3,  0, 0, 0};
	uint8_t other[16] = {0}, badsid[24];
	struct mdc_cldap_term t[3];
	struct mdc_cldap_resp resp;
	struct mdc_netlogon_resp r;
	uint8_t req[512];
	size_t len;

	t[0] = (struct mdc_cldap_term){"domainguid", test_guid, 16};
	t[1] = (struct mdc_cldap_term){"DomainSid", sid, sizeof(sid)};
	t[2] = (struct mdc_cldap_term){"User", "HOST2$", 6};
	len = build_req(req, sizeof(req), NULL, 6, t, 3);
	ck_assert(answer(req, len, &resp));
	ck_assert_int_eq(mdc_netlogon_decode(resp.blob, resp.bloblen, &r), 0);
	ck_assert_str_eq(r.user, "HOST2$");
	t[0].value = other;
	len = build_req(req, sizeof(req), NULL, 6, t, 1);
	ck_assert(!answer(req, len, &resp));
	memcpy(badsid, sid, sizeof(sid));
	badsid[23] = 9;
	t[1].value = badsid;
	len = build_req(req, sizeof(req), NULL, 6, t + 1, 1);
	ck_assert(!answer(req, len, &resp));
	/* A GUID of the wrong size is malformed: no entry. */
	t[0].len = 15;
	len = build_req(req, sizeof(req), "example.com", 6, t, 1);
	ck_assert(!answer(req, len, &resp));
	/* Unknown terms are ignored. */
	t[0] = (struct mdc_cldap_term){"Whatever", "x", 1};
	len = build_req(req, sizeof(req), "example.com", 6, t, 1);
	ck_assert(answer(req, len, &resp));
}
END_TEST

/* Requests built with liblber directly: shapes mdc_cldap_request cannot make.
 */
static size_t
raw_req(uint8_t *out, size_t cap, const char *base, int scope, const char *attr,
        int filter_kind)
{
	BerElement *ber = ber_alloc_t(LBER_USE_DER);
	struct berval bv;
	size_t len;

	ck_assert_ptr_nonnull(ber);
	ck_assert_int_ne(ber_printf(ber, "{it{seeiib", 9, LDAP_REQ_SEARCH, base,
	                            scope, 0, 0, 0, 0),
	                 -1);
	if (filter_kind == 0) /* (&(DnsDomain=example.com)(NtVer=\06...)) */
		ber_printf(ber, "t{t{ss}t{so}}", LDAP_FILTER_AND,
		           LDAP_FILTER_EQUALITY, "DnsDomain", "example.com",
		           LDAP_FILTER_EQUALITY, "NtVer", ntver6, (ber_len_t)4);
	else if (filter_kind == 1) /* (&(NtVer=..)(objectClass=*)) */
		ber_printf(ber, "t{t{so}ts}", LDAP_FILTER_AND,
		           LDAP_FILTER_EQUALITY, "NtVer", ntver6, (ber_len_t)4,
		           LDAP_FILTER_PRESENT, "objectClass");
	else if (filter_kind == 2) /* (&(&(NtVer=..))) */
		ber_printf(ber, "t{t{t{so}}}", LDAP_FILTER_AND, LDAP_FILTER_AND,
		           LDAP_FILTER_EQUALITY, "NtVer", ntver6, (ber_len_t)4);
	else /* (&) */
		ber_printf(ber, "t{}", LDAP_FILTER_AND);
	ck_assert_int_ne(ber_printf(ber, "{s}}}", attr), -1);
	ck_assert_int_eq(ber_flatten2(ber, &bv, 0), 0);
	ck_assert_uint_le(bv.bv_len, cap);
	memcpy(out, bv.bv_val, bv.bv_len);
	len = bv.bv_len;
	ber_free(ber, 1);
	return len;
}

START_TEST(only_flat_and_of_equality_on_rootdse)
{
	struct mdc_cldap_term t[2];
	struct mdc_cldap_resp resp;
	struct mdc_cldap_req req;
	uint8_t buf[512];
	size_t len;

	len = raw_req(buf, sizeof(buf), "", 0, "netlogon", 0);
	ck_assert(answer(buf, len, &resp));
	ck_assert_int_eq(resp.msgid, 9);
	for (int kind = 1; kind <= 3; kind++) {
		len = raw_req(buf, sizeof(buf), "", 0, "netlogon", kind);
		ck_assert(!answer(buf, len, &resp));
	}
	len = raw_req(buf, sizeof(buf), "DC=example,DC=com", 0, "netlogon", 0);
	ck_assert(!answer(buf, len, &resp));
	len = raw_req(buf, sizeof(buf), "", 2, "netlogon", 0);
	ck_assert(!answer(buf, len, &resp));
	len = raw_req(buf, sizeof(buf), "", 0, "defaultNamingContext", 0);
	ck_assert(!answer(buf, len, &resp));
	/* An OR of the same terms. */
	t[0] = (struct mdc_cldap_term){"DnsDomain", "example.com", 11};
	t[1] = (struct mdc_cldap_term){"NtVer", ntver6, 4};
	ck_assert_int_eq(mdc_cldap_request(4, t, 2, 1, "NetLogon", buf,
	                                   sizeof(buf), &len),
	                 0);
	ck_assert_int_eq(mdc_cldap_parse(buf, len, &req), 0);
	ck_assert(!req.is_ping);
	ck_assert(!answer(buf, len, &resp));
	ck_assert_int_eq(resp.msgid, 4);
}
END_TEST

START_TEST(garbage_gets_no_answer)
{
	struct mdc_netlogon_dc dc;
	struct mdc_cldap_req req;
	uint8_t out[4096], buf[sizeof(adcli_host_req)];
	size_t outlen;
	int entry, ret;

	test_dc(&dc);
	ck_assert_int_eq(mdc_cldap_parse("", 0, &req), MDC_EMALF);
	ck_assert_int_eq(mdc_cldap_parse("hello world", 11, &req), MDC_EMALF);
	/* A bind request (0x60) is LDAP but not a search: no answer. */
	ck_assert_int_eq(mdc_cldap_parse("\x30\x0c\x02\x01\x01\x60\x07\x02\x01"
	                                 "\x03\x04\x00\x80\x00",
	                                 14, &req),
	                 MDC_EMALF);
	/* Every truncation of a good ping: no crash, no entry. */
	for (size_t n = 0; n < sizeof(adcli_host_req); n++) {
		ret = mdc_cldap_reply(&dc, adcli_host_req, n, out, sizeof(out),
		                      &outlen, &entry);
		ck_assert(ret == MDC_EMALF || (ret == 0 && !entry));
	}
	/* A length byte pointing past the end of the filter. */
	memcpy(buf, adcli_host_req, sizeof(buf));
	buf[27] = 0x7f;
	ret = mdc_cldap_reply(&dc, buf, sizeof(buf), out, sizeof(out), &outlen,
	                      &entry);
	ck_assert(ret == MDC_EMALF || (ret == 0 && !entry));
	/* Every single-byte change: no crash. */
	for (size_t i = 0; i < sizeof(buf); i++) {
		memcpy(buf, adcli_host_req, sizeof(buf));
		buf[i] ^= 0xff;
		ret = mdc_cldap_reply(&dc, buf, sizeof(buf), out, sizeof(out),
		                      &outlen, &entry);
		ck_assert(ret == 0 || ret == MDC_EMALF);
	}
}
END_TEST

START_TEST(cldap_v2_user_field_is_skipped)
{
	/* RFC 1798 puts an LDAPDN between messageID and the operation. */
	uint8_t buf[sizeof(adcli_host_req) + 2];
	struct mdc_cldap_resp resp;

	buf[0] = 0x30;
	buf[1] = 0x42;
	memcpy(buf + 2, adcli_host_req + 2, 3);
	buf[5] = 0x04;
	buf[6] = 0x00;
	memcpy(buf + 7, adcli_host_req + 5, sizeof(adcli_host_req) - 5);
	ck_assert(answer(buf, sizeof(buf), &resp));
}
END_TEST

static void
test_conf(struct mdc_dcconf *c)
{
	memset(c, 0, sizeof(*c));
	c->dir = "/nonexistent";
	c->dns_domain = "example.com";
	c->realm = "EXAMPLE.COM";
	c->netbios = "EXAMPLE";
	c->base_dn = "DC=example,DC=com";
	c->domain_sid = "S-1-5-21-1-2-3";
	c->domain_guid = "76543210-ba98-fedc-0123-456789abcdef";
	c->host_name = "dc1";
	c->fqdn = "dc1.example.com";
	c->address = "127.0.0.40";
	c->site = "Default-First-Site-Name";
}

START_TEST(dc_init_from_conf)
{
	struct mdc_netlogon_dc dc, want;
	struct mdc_dcconf c;

	test_conf(&c);
	ck_assert_int_eq(mdc_netlogon_dc_init(&c, &dc), 0);
	test_dc(&want);
	ck_assert_str_eq(dc.netbios_host, "DC1");
	ck_assert_str_eq(dc.host_fqdn, "dc1.example.com");
	ck_assert_mem_eq(dc.domain_guid, want.domain_guid, 16);
	ck_assert_uint_eq(dc.domain_sid_len, want.domain_sid_len);
	ck_assert_mem_eq(dc.domain_sid, want.domain_sid, want.domain_sid_len);
	ck_assert(dc.have_ipv4);
	ck_assert_mem_eq(dc.ipv4, want.ipv4, 4);
	c.domain_guid = "not-a-guid";
	ck_assert_int_eq(mdc_netlogon_dc_init(&c, &dc), MDC_ECONF);
	test_conf(&c);
	c.domain_sid = NULL;
	ck_assert_int_eq(mdc_netlogon_dc_init(&c, &dc), MDC_ECONF);
}
END_TEST

START_TEST(rootdse_ldif_content)
{
	struct mdc_dcconf c;
	char *text = NULL, *b64;
	size_t len = 0;
	FILE *out;

	test_conf(&c);
	out = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(mdc_rootdse_ldif(&c, out), 0);
	fclose(out);
	ck_assert_ptr_nonnull(strstr(text, "\ndn:\n"));
	ck_assert_ptr_nonnull(
	        strstr(text, "\ndefaultNamingContext: DC=example,DC=com\n"));
	ck_assert_ptr_nonnull(strstr(text,
	                             "\nconfigurationNamingContext: "
	                             "CN=Configuration,DC=example,DC=com\n"));
	ck_assert_ptr_nonnull(
	        strstr(text, "\nrootDomainNamingContext: DC=example,DC=com\n"));
	ck_assert_ptr_nonnull(strstr(text,
	                             "\nschemaNamingContext: "
	                             "CN=Schema,CN=Configuration,DC=example,"
	                             "DC=com\n"));
	ck_assert_ptr_nonnull(strstr(text, "\ndnsHostName: dc1.example.com\n"));
	ck_assert_ptr_nonnull(strstr(text,
	                             "\nserverName: CN=dc1,CN=Servers,"
	                             "CN=Default-First-Site-Name,CN=Sites,"
	                             "CN=Configuration,DC=example,DC=com\n"));
	ck_assert_ptr_nonnull(strstr(
	        text, "\nsupportedCapabilities: 1.2.840.113556.1.4.1935\n"));
	ck_assert_ptr_nonnull(strstr(
	        text, "\nsupportedCapabilities: 1.2.840.113556.1.4.800\n"));
	ck_assert_ptr_nonnull(strstr(text, "\ndomainFunctionality: 4\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nisSynchronized: TRUE\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nDnsDomain: example.com\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nDnsDomain: example.com.\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nNtVer:: BgAAAA==\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nNtVer:: FAAAAA==\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nAAC:: AAAAAA==\n"));
	ck_assert_ptr_null(strstr(text, "supportedSASLMechanisms"));
	b64 = mdc_base64(test_guid, sizeof(test_guid));
	ck_assert_ptr_nonnull(b64);
	ck_assert_ptr_nonnull(strstr(text, b64));
	free(b64);
	ck_assert_ptr_nonnull(strstr(
	        text, "\nDomainSid:: AQQAAAAAAAUVAAAAAQAAAAIAAAADAAAA\n"));
	b64 = mdc_base64(ref_blob, sizeof(ref_blob));
	ck_assert_ptr_nonnull(b64);
	ck_assert_ptr_nonnull(strstr(text, b64));
	free(b64);
	free(text);
	c.base_dn = NULL;
	out = open_memstream(&text, &len);
	ck_assert_int_eq(mdc_rootdse_ldif(&c, out), MDC_ECONF);
	fclose(out);
	free(text);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("netlogon");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, encode_matches_reference_blob);
	tcase_add_test(tc, encode_with_ip_and_user_decodes);
	tcase_add_test(tc, encode_rejects_bad_input);
	tcase_add_test(tc, decode_rejects_bad_blobs);
	tcase_add_test(tc, parse_adcli_host_mode_request);
	tcase_add_test(tc, reply_framing_is_samba_s);
	tcase_add_test(tc, domain_matching);
	tcase_add_test(tc, guid_sid_user_terms);
	tcase_add_test(tc, only_flat_and_of_equality_on_rootdse);
	tcase_add_test(tc, garbage_gets_no_answer);
	tcase_add_test(tc, cldap_v2_user_field_is_skipped);
	tcase_add_test(tc, dc_init_from_conf);
	tcase_add_test(tc, rootdse_ldif_content);
	suite_add_tcase(s, tc);
	return mdc_ck_run(s);
}
