/* tests/unit/test_dns.c - Check suite for the DNS engine (wire, snapshot, fast
 * and slow paths, update) */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ad/dnswire.h"
#include "ad/ldapconn.h"
#include "ad/tsig.h"
#include "dns/dns.h"
#include "dns/msg.h"
#include "dns/query.h"
#include "dns/slow.h"
#include "dns/update.h"
#include "dns/xfracl.h"
#include "dns/zone.h"
#include "lib/net.h"

static const char *const zone_text =
        "$ORIGIN example.com.\n"
        "@ 3600 IN SOA dc1.example.com. hostmaster.example.com. 7 900 600 "
        "86400 3600\n"
        "@ 900 IN NS dc1.example.com.\n"
        "dc1 900 IN A 127.0.0.1\n"
        "_ldap._tcp.dc._msdcs 900 IN SRV 0 100 389 dc1.example.com.\n"
        "www 900 IN CNAME dc1.example.com.\n"
        "big 900 IN TXT "
        "\"01234567890123456789012345678901234567890123456789012345678901234567"
        "89\"\n"
        "big 900 IN TXT "
        "\"11234567890123456789012345678901234567890123456789012345678901234567"
        "89\"\n"
        "big 900 IN TXT "
        "\"21234567890123456789012345678901234567890123456789012345678901234567"
        "89\"\n"
        "big 900 IN TXT "
        "\"31234567890123456789012345678901234567890123456789012345678901234567"
        "89\"\n"
        "big 900 IN TXT "
        "\"41234567890123456789012345678901234567890123456789012345678901234567"
        "89\"\n"
        "big 900 IN TXT "
        "\"51234567890123456789012345678901234567890123456789012345678901234567"
        "89\"\n"
        "big 900 IN TXT "
        "\"61234567890123456789012345678901234567890123456789012345678901234567"
        "89\"\n";

static struct dns_snapshot *
make_snapshot(void)
{
	FILE *f = fmemopen((void *)zone_text, strlen(zone_text), "r");
	ldns_rdf *org = ldns_dname_new_frm_str("example.com.");
	struct dns_snapshot *s = NULL;
	struct dns_entry *ents = NULL;
	ldns_zone *z = NULL;
	size_t n = 0;
	int line = 0;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(ldns_zone_new_frm_fp_l(&z, f, org, 3600,
	                                        LDNS_RR_CLASS_IN, &line),
	                 LDNS_STATUS_OK);
	ck_assert_int_eq(dns_entries_from_zone(z, &ents, &n), 0);
	ck_assert_int_eq(dns_snapshot_build(org, ents, n, &s), 0);
	for (size_t i = 0; i < n; i++)
		dns_entry_clear(&ents[i]);
	free(ents);
	ldns_zone_deep_free(z);
	ldns_rdf_deep_free(org);
	fclose(f);
	return s;
}

/* Build a query for name/type (flags, optional OPT with version/size). */
static size_t
mkquery(uint8_t *q, const char *name, uint16_t type, uint16_t flags, int opt,
        uint8_t version, uint16_t size)
{
	ldns_rdf *d = ldns_dname_new_frm_str(name);
	size_t n = DNS_HDR_LEN;
	struct dns_hdr h = {
	        .id = 0x1234, .flags = flags, .qd = 1, .ar = opt ? 1 : 0};

	dns_hdr_put(q, &h);
	memcpy(q + n, ldns_rdf_data(d), ldns_rdf_size(d));
	n += ldns_rdf_size(d);
	ldns_rdf_deep_free(d);
	q[n++] = type >> 8;
	q[n++] = type & 0xff;
	q[n++] = 0;
	q[n++] = 1;
	if (opt) {
		uint8_t o[11] = {0, 0, 41, size >> 8, size & 0xff, 0, version,
		                 0, 0, 0,  0};
		memcpy(q + n, o, sizeof(o));
		n += sizeof(o);
	}
	return n;
}

/* The server's order: one parse (dns/msg.h), then the slow path. */
static int
slow_handle(struct dns_slow *sl, const struct dns_snapshot *s, const uint8_t *q,
            size_t qlen, const struct sockaddr *peer, int tcp, uint8_t *o,
            size_t cap, size_t *len)
{
	struct dns_msg m;
	int v;

	(void)dns_msg_parse(q, qlen, &m);
	v = dns_slow_handle(sl, s, &m, peer, tcp, o, cap, len);
	dns_msg_clear(&m);
	return v;
}

static int
slow_axfr(const struct dns_snapshot *s, const uint8_t *q, size_t qlen,
          int (*send)(void *, const uint8_t *, size_t), void *ctx)
{
	struct dns_msg m;
	int ret;

	(void)dns_msg_parse(q, qlen, &m);
	ret = dns_slow_axfr(s, &m, send, ctx);
	dns_msg_clear(&m);
	return ret;
}

static uint8_t out[65536];

static ldns_pkt *
ask(const struct dns_snapshot *s, const char *name, uint16_t type, int tcp,
    int opt, uint16_t size, size_t *len_out)
{
	uint8_t q[512];
	size_t qlen = mkquery(q, name, type, 0, opt, 0, size), len = 0;
	ldns_pkt *p = NULL;

	ck_assert_int_eq(
	        dns_query_answer(s, q, qlen, tcp, 0, out, sizeof(out), &len),
	        DNS_SEND);
	ck_assert_int_eq(ldns_wire2pkt(&p, out, len), LDNS_STATUS_OK);
	if (len_out != NULL)
		*len_out = len;
	return p;
}

START_TEST(wire_name_compression_rules)
{
	/* "a" at 12, then a pointer back to it; then a forward pointer. */
	uint8_t m[32] = {0};
	uint8_t name[256];
	struct mdc_rbuf b;
	size_t n;

	m[12] = 1;
	m[13] = 'A';
	m[14] = 0;
	m[15] = 0xc0;
	m[16] = 12;
	m[17] = 0xc0;
	m[18] = 17; /* points at itself: a loop */
	mdc_rbuf_init(&b, m, 19);
	ck_assert_int_eq(mdc_rbuf_seek(&b, 15), 0);
	ck_assert_int_eq(dns_name_get(&b, name, &n, 1), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(name[1], 'a');
	ck_assert_uint_eq(b.pos, 17);
	ck_assert_int_eq(dns_name_get(&b, name, &n, 1), MDC_EMALF);
	mdc_rbuf_init(&b, m, 14);
	ck_assert_int_eq(mdc_rbuf_seek(&b, 12), 0);
	ck_assert_int_eq(dns_name_get(&b, name, &n, 1), MDC_ETRUNC);
}
END_TEST

START_TEST(answer_srv_with_additional_and_case)
{
	struct dns_snapshot *s = make_snapshot();
	ldns_pkt *p = ask(s, "_LDAP._tcp.DC._msdcs.Example.COM.", DNS_T_SRV, 0,
	                  1, 4096, NULL);
	char *q;

	ck_assert(ldns_pkt_aa(p));
	ck_assert_int_eq(ldns_pkt_get_rcode(p), 0);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 1);
	ck_assert_uint_eq(ldns_pkt_arcount(p),
	                  1); /* A of dc1 (ldns counts OPT apart) */
	ck_assert(ldns_pkt_edns(p));
	q = ldns_rdf2str(
	        ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(p), 0)));
	ck_assert_str_eq(q, "_LDAP._tcp.DC._msdcs.Example.COM.");
	free(q);
	ldns_pkt_free(p);
	dns_snapshot_free(s);
}
END_TEST

START_TEST(answer_negative_and_ent)
{
	struct dns_snapshot *s = make_snapshot();
	ldns_pkt *p;

	p = ask(s, "nosuch.example.com.", DNS_T_A, 0, 0, 0, NULL);
	ck_assert_int_eq(ldns_pkt_get_rcode(p), DNS_R_NXDOMAIN);
	ck_assert_uint_eq(ldns_pkt_nscount(p), 1);
	ck_assert_int_eq(
	        ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_authority(p), 0)),
	        LDNS_RR_TYPE_SOA);
	ldns_pkt_free(p);
	p = ask(s, "dc._msdcs.example.com.", DNS_T_A, 0, 0, 0, NULL);
	ck_assert_int_eq(ldns_pkt_get_rcode(p), 0); /* ENT: NODATA */
	ck_assert_uint_eq(ldns_pkt_ancount(p), 0);
	ck_assert_uint_eq(ldns_pkt_nscount(p), 1);
	ldns_pkt_free(p);
	p = ask(s, "dc1.example.com.", DNS_T_AAAA, 0, 0, 0, NULL);
	ck_assert_int_eq(ldns_pkt_get_rcode(p), 0);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);
	/* CNAME to an in-zone name: the target's A follows in the answer. */
	p = ask(s, "www.example.com.", DNS_T_A, 0, 0, 0, NULL);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 2);
	ck_assert_int_eq(
	        ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(p), 0)),
	        LDNS_RR_TYPE_CNAME);
	ck_assert_int_eq(
	        ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(p), 1)),
	        LDNS_RR_TYPE_A);
	ldns_pkt_free(p);
	/* ... and only the CNAME when the target has no such type. */
	p = ask(s, "www.example.com.", DNS_T_MX, 0, 0, 0, NULL);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);
	p = ask(s, "www.example.com.", DNS_T_CNAME, 0, 0, 0, NULL);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);
	p = ask(s, "example.org.", DNS_T_A, 0, 0, 0, NULL);
	ck_assert_int_eq(ldns_pkt_get_rcode(p), DNS_R_REFUSED);
	ck_assert(!ldns_pkt_aa(p));
	ldns_pkt_free(p);
	dns_snapshot_free(s);
}
END_TEST

START_TEST(answer_truncation_and_edns)
{
	struct dns_snapshot *s = make_snapshot();
	ldns_pkt *p;
	uint8_t q[512];
	size_t len, qlen;

	p = ask(s, "big.example.com.", DNS_T_TXT, 0, 0, 0, &len);
	ck_assert(ldns_pkt_tc(p));
	ck_assert_uint_le(len, 512);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);
	p = ask(s, "big.example.com.", DNS_T_TXT, 0, 1, 1232, &len);
	ck_assert(!ldns_pkt_tc(p));
	ck_assert_uint_eq(ldns_pkt_ancount(p), 7);
	ldns_pkt_free(p);
	p = ask(s, "big.example.com.", DNS_T_TXT, 1, 0, 0, &len);
	ck_assert(!ldns_pkt_tc(p));
	ck_assert_uint_eq(ldns_pkt_ancount(p), 7);
	ldns_pkt_free(p);
	/* EDNS version 1: BADVERS (extended rcode 1 in the OPT). */
	qlen = mkquery(q, "example.com.", DNS_T_SOA, 0, 1, 1, 1232);
	ck_assert_int_eq(
	        dns_query_answer(s, q, qlen, 0, 0, out, sizeof(out), &len),
	        DNS_SEND);
	ck_assert_int_eq(out[3] & 0xf, 0);
	ck_assert_int_eq(out[len - 6], 1); /* OPT TTL byte 0: ext rcode */
	ck_assert_int_eq(out[7], 0);       /* no answer */
	dns_snapshot_free(s);
}
END_TEST

START_TEST(fast_path_hands_over)
{
	struct dns_snapshot *s = make_snapshot();
	uint8_t q[512];
	size_t qlen, len;

	qlen = mkquery(q, "example.com.", DNS_T_SOA, DNS_OP_UPDATE << 11, 0, 0,
	               0);
	ck_assert_int_eq(
	        dns_query_answer(s, q, qlen, 0, 0, out, sizeof(out), &len),
	        DNS_SLOW);
	qlen = mkquery(q, "example.com.", DNS_T_AXFR, 0, 0, 0, 0);
	ck_assert_int_eq(
	        dns_query_answer(s, q, qlen, 1, 0, out, sizeof(out), &len),
	        DNS_SLOW);
	qlen = mkquery(q, "example.com.", DNS_T_SOA, DNS_F_QR, 0, 0, 0);
	ck_assert_int_eq(
	        dns_query_answer(s, q, qlen, 0, 0, out, sizeof(out), &len),
	        DNS_DROP);
	ck_assert_int_eq(
	        dns_query_answer(s, q, 5, 0, 0, out, sizeof(out), &len),
	        DNS_DROP);
	/* Zone not loaded yet: SERVFAIL. */
	qlen = mkquery(q, "example.com.", DNS_T_SOA, 0, 0, 0, 0);
	ck_assert_int_eq(
	        dns_query_answer(NULL, q, qlen, 0, 0, out, sizeof(out), &len),
	        DNS_SEND);
	ck_assert_int_eq(out[3] & 0xf, DNS_R_SERVFAIL);
	dns_snapshot_free(s);
}
END_TEST

START_TEST(slow_path_errors)
{
	struct dns_snapshot *s = make_snapshot();
	struct dns_slow sl = {0};
	struct sockaddr_storage peer = {.ss_family = AF_INET};
	uint8_t q[512];
	size_t qlen, len;

	ck_assert_int_eq(dns_slow_config(&sl, "", "127.0.0.0/8"), 0);
	qlen = mkquery(q, "example.com.", DNS_T_SOA, 15 << 11, 0, 0, 0);
	ck_assert_int_eq(slow_handle(&sl, s, q, qlen, (struct sockaddr *)&peer,
	                             0, out, sizeof(out), &len),
	                 DNS_SEND);
	ck_assert_int_eq(out[3] & 0xf, DNS_R_NOTIMP);
	/* QDCOUNT 2: FORMERR. */
	qlen = mkquery(q, "example.com.", DNS_T_SOA, 0, 0, 0, 0);
	q[5] = 2;
	ck_assert_int_eq(slow_handle(&sl, s, q, qlen, (struct sockaddr *)&peer,
	                             0, out, sizeof(out), &len),
	                 DNS_SEND);
	ck_assert_int_eq(out[3] & 0xf, DNS_R_FORMERR);
	/* Unsigned UPDATE of our zone: REFUSED; of another: NOTAUTH. */
	qlen = mkquery(q, "example.com.", DNS_T_SOA, DNS_OP_UPDATE << 11, 0, 0,
	               0);
	slow_handle(&sl, s, q, qlen, (struct sockaddr *)&peer, 0, out,
	            sizeof(out), &len);
	ck_assert_int_eq(out[3] & 0xf, DNS_R_REFUSED);
	qlen = mkquery(q, "example.org.", DNS_T_SOA, DNS_OP_UPDATE << 11, 0, 0,
	               0);
	slow_handle(&sl, s, q, qlen, (struct sockaddr *)&peer, 0, out,
	            sizeof(out), &len);
	ck_assert_int_eq(out[3] & 0xf, DNS_R_NOTAUTH);
	/* AXFR over UDP refused, over TCP from 127.0.0.1 streamed. */
	qlen = mkquery(q, "example.com.", DNS_T_AXFR, 0, 0, 0, 0);
	((struct sockaddr_in *)&peer)->sin_addr.s_addr = htonl(0x7f000001);
	slow_handle(&sl, s, q, qlen, (struct sockaddr *)&peer, 0, out,
	            sizeof(out), &len);
	ck_assert_int_eq(out[3] & 0xf, DNS_R_REFUSED);
	ck_assert_int_eq(slow_handle(&sl, s, q, qlen, (struct sockaddr *)&peer,
	                             1, out, sizeof(out), &len),
	                 DNS_AXFR);
	((struct sockaddr_in *)&peer)->sin_addr.s_addr = htonl(0x0a000001);
	slow_handle(&sl, s, q, qlen, (struct sockaddr *)&peer, 1, out,
	            sizeof(out), &len);
	ck_assert_int_eq(out[3] & 0xf, DNS_R_REFUSED);
	dns_snapshot_free(s);
}
END_TEST

/* A fake directory for the update engine. */
struct fake {
	int privileged, writes, users_create;
	const char *host; /* the sender's dNSHostName, "" for a user */
	size_t nchanges;
	size_t last_rrs;
};

static int
fake_who(void *ctx, const struct dns_snapshot *s, const ldns_rdf *origin,
         const char *principal, struct dns_who *who)
{
	struct fake *f = ctx;

	memset(who, 0, sizeof(*who));
	who->privileged = f->privileged;
	who->users_create = f->users_create;
	snprintf(who->host, sizeof(who->host), "%s", f->host);
	return 0;
}

static int
fake_write(void *ctx, const struct dns_snapshot *s, const struct dns_change *ch,
           size_t n, const char *principal)
{
	struct fake *f = ctx;

	f->writes++;
	f->nchanges = n;
	f->last_rrs = ldns_rr_list_rr_count(ch[n - 1].rrs);
	return 0;
}

static const struct dns_update_ops fake_ops = {fake_who, fake_write};

/* A prerequisite RR without RDATA: name, class, type. */
static ldns_rr *
mkprereq(const char *name, ldns_rr_class cls, ldns_rr_type type)
{
	ldns_rr *rr = ldns_rr_new();

	ldns_rr_set_owner(rr, ldns_dname_new_frm_str(name));
	ldns_rr_set_class(rr, cls);
	ldns_rr_set_type(rr, type);
	ldns_rr_set_ttl(rr, 0);
	ldns_rr_set_question(rr, false);
	return rr;
}

static ldns_pkt *
mkupdate(ldns_rr *prereq, const char *update)
{
	ldns_rdf *zone = ldns_dname_new_frm_str("example.com.");
	ldns_rr_list *pr = ldns_rr_list_new(), *up = ldns_rr_list_new();
	ldns_pkt *p;
	ldns_rr *rr;

	if (prereq != NULL)
		ldns_rr_list_push_rr(pr, prereq);
	if (strstr(update, " ANY SOA") != NULL) {
		rr = mkprereq("example.com.", LDNS_RR_CLASS_ANY,
		              LDNS_RR_TYPE_SOA);
	} else {
		ck_assert_int_eq(
		        ldns_rr_new_frm_str(&rr, update, 0, NULL, NULL),
		        LDNS_STATUS_OK);
	}
	ldns_rr_list_push_rr(up, rr);
	p = ldns_update_pkt_new(zone, LDNS_RR_CLASS_IN, pr, up, NULL);
	ldns_rr_list_deep_free(pr); /* the packet holds clones */
	ldns_rr_list_deep_free(up);
	return p;
}

START_TEST(update_may)
{
	struct dns_upd_facts f = {0};
	ldns_rdf *o = ldns_dname_new_frm_str("example.com.");
	const char *const reserved[] = {
	        "example.com.",
	        "wpad.example.com.",
	        "ISATAP.example.com.",
	        "gc._msdcs.example.com.",
	        "x._sites.example.com.",
	        "_ldap._tcp.example.com.",
	        "_kerberos._udp.example.com.",
	};
	const char *const plain[] = {"host2.example.com.", "wpad2.example.com.",
	                             "a.wpad.example.com."};

	ck_assert_int_eq(dns_update_may(&f), DNS_UPD_CREATE);
	f.users_create = 1;
	ck_assert_int_eq(dns_update_may(&f), DNS_UPD_OK);
	f.users_create = 0;
	f.own_host = 1;
	ck_assert_int_eq(dns_update_may(&f), DNS_UPD_OK);
	f.exists = 1; /* own host name, but someone else's entry */
	ck_assert_int_eq(dns_update_may(&f), DNS_UPD_OWNED);
	f.owned = 1;
	ck_assert_int_eq(dns_update_may(&f), DNS_UPD_OK);
	f.reserved = 1; /* even an owner may not hold a reserved name */
	ck_assert_int_eq(dns_update_may(&f), DNS_UPD_RESERVED);
	f.privileged = 1;
	ck_assert_int_eq(dns_update_may(&f), DNS_UPD_OK);
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		ldns_rdf *n = ldns_dname_new_frm_str(reserved[i]);

		ck_assert_msg(dns_name_reserved(o, n), "%s", reserved[i]);
		ldns_rdf_deep_free(n);
	}
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		ldns_rdf *n = ldns_dname_new_frm_str(plain[i]);

		ck_assert_msg(!dns_name_reserved(o, n), "%s", plain[i]);
		ldns_rdf_deep_free(n);
	}
	ldns_rdf_deep_free(o);
}
END_TEST

START_TEST(tsig_slots)
{
	struct dns_tsig_slot f[6] = {0};

	/* Free slots first. */
	ck_assert_uint_eq(dns_tsig_slot_pick(f, 6, 2), 0);
	/* bob holds 2 of 2 (made 1, 2), alice 1: bob replaces his oldest. */
	f[0] = (struct dns_tsig_slot){1, 1, "bob", 1};
	f[1] = (struct dns_tsig_slot){1, 0, "alice", 2};
	f[2] = (struct dns_tsig_slot){1, 1, "bob", 3};
	ck_assert_uint_eq(dns_tsig_slot_pick(f, 6, 2), 0);
	/* Below his limit: a free slot. */
	ck_assert_uint_eq(dns_tsig_slot_pick(f, 6, 3), 3);
	/* Full: bob replaces his own, never alice's. */
	for (size_t i = 3; i < 6; i++)
		f[i] = (struct dns_tsig_slot){1, 1, "bob", 10 + i};
	ck_assert_uint_eq(dns_tsig_slot_pick(f, 6, 8), 0);
	/* Full, carol has none: the oldest of the biggest holder (bob). */
	for (size_t i = 0; i < 6; i++)
		f[i].mine = 0;
	ck_assert_uint_eq(dns_tsig_slot_pick(f, 6, 8), 0);
	f[0].owner = "dave";
	ck_assert_uint_eq(dns_tsig_slot_pick(f, 6, 8), 2);
}
END_TEST

START_TEST(update_rules)
{
	struct dns_snapshot *s = make_snapshot();
	struct fake f = {.host = ""};
	ldns_pkt *p;

	/* A new name: a user creates nothing unless the zone allows it. */
	p = mkupdate(NULL, "host2.example.com. 300 IN A 10.0.0.2");
	ck_assert_int_eq(
	        dns_update_apply(s, p, "u@EXAMPLE.COM", &fake_ops, &f, NULL),
	        DNS_R_REFUSED);
	ck_assert_int_eq(f.writes, 0);
	/* ... a computer its own dNSHostName. */
	f.host = "HOST2.example.com";
	ck_assert_int_eq(
	        dns_update_apply(s, p, "H$@EXAMPLE.COM", &fake_ops, &f, NULL),
	        0);
	ck_assert_int_eq(f.writes, 1);
	ck_assert_uint_eq(f.last_rrs, 1);
	f.host = "";
	f.users_create = 1;
	ck_assert_int_eq(
	        dns_update_apply(s, p, "u@EXAMPLE.COM", &fake_ops, &f, NULL),
	        0);
	f.users_create = 0;
	ldns_pkt_free(p);
	/* A static name (no owner): privileged only. */
	p = mkupdate(NULL, "dc1.example.com. 300 IN A 10.0.0.3");
	ck_assert_int_eq(
	        dns_update_apply(s, p, "u@EXAMPLE.COM", &fake_ops, &f, NULL),
	        DNS_R_REFUSED);
	f.privileged = 1;
	ck_assert_int_eq(
	        dns_update_apply(s, p, "a@EXAMPLE.COM", &fake_ops, &f, NULL),
	        0);
	ck_assert_uint_eq(f.last_rrs, 2);
	ldns_pkt_free(p);
	/* Out of zone: NOTZONE; unsupported type: REFUSED. */
	p = mkupdate(NULL, "x.example.org. 300 IN A 10.0.0.3");
	ck_assert_int_eq(
	        dns_update_apply(s, p, "a@EXAMPLE.COM", &fake_ops, &f, NULL),
	        DNS_R_NOTZONE);
	ldns_pkt_free(p);
	p = mkupdate(NULL, "x.example.com. 300 IN HINFO a b");
	ck_assert_int_eq(
	        dns_update_apply(s, p, "a@EXAMPLE.COM", &fake_ops, &f, NULL),
	        DNS_R_REFUSED);
	ldns_pkt_free(p);
	/* Prerequisite: the RRset dc1/A exists (class ANY) or not (NONE). */
	p = mkupdate(
	        mkprereq("dc1.example.com.", LDNS_RR_CLASS_ANY, LDNS_RR_TYPE_A),
	        "x.example.com. 300 IN A 10.0.0.4");
	ck_assert_int_eq(
	        dns_update_apply(s, p, "a@EXAMPLE.COM", &fake_ops, &f, NULL),
	        0);
	ldns_pkt_free(p);
	p = mkupdate(mkprereq("dc1.example.com.", LDNS_RR_CLASS_NONE,
	                      LDNS_RR_TYPE_A),
	             "x.example.com. 300 IN A 10.0.0.4");
	ck_assert_int_eq(
	        dns_update_apply(s, p, "a@EXAMPLE.COM", &fake_ops, &f, NULL),
	        DNS_R_YXRRSET);
	ldns_pkt_free(p);
	p = mkupdate(mkprereq("nosuch.example.com.", LDNS_RR_CLASS_ANY,
	                      LDNS_RR_TYPE_ANY),
	             "x.example.com. 300 IN A 10.0.0.4");
	ck_assert_int_eq(
	        dns_update_apply(s, p, "a@EXAMPLE.COM", &fake_ops, &f, NULL),
	        DNS_R_NXDOMAIN);
	ldns_pkt_free(p);
	/* The apex SOA cannot be deleted: nothing to write. */
	f.writes = 0;
	p = mkupdate(NULL, "example.com. 0 ANY SOA");
	ck_assert_int_eq(
	        dns_update_apply(s, p, "a@EXAMPLE.COM", &fake_ops, &f, NULL),
	        0);
	ck_assert_int_eq(f.writes, 0);
	ldns_pkt_free(p);
	/* Adding A to a CNAME name is ignored (RFC 2136 3.4.2.2). */
	p = mkupdate(NULL, "www.example.com. 300 IN A 10.0.0.5");
	ck_assert_int_eq(
	        dns_update_apply(s, p, "a@EXAMPLE.COM", &fake_ops, &f, NULL),
	        0);
	ck_assert_int_eq(f.writes, 0);
	ldns_pkt_free(p);
	dns_snapshot_free(s);
}
END_TEST

START_TEST(tsig_find_rules)
{
	uint8_t q[512];
	size_t qlen = mkquery(q, "example.com.", DNS_T_SOA, 0, 0, 0, 0);
	struct dns_tsig_rr t;
	static const uint8_t tsig[] = {
	        3,  'k', 'e', 'y', 0,   0,   250, 0,    255,  0,   0, 0, 0, 0,
	        26, 8,   'g', 's', 's', '-', 't', 's',  'i',  'g', 0, 0, 0, 0,
	        0,  0,   1,   1,   44,  0,   0,   0x12, 0x34, 0,   0, 0, 0};

	ck_assert_int_eq(dns_tsig_find(q, qlen, &t), 0);
	memcpy(q + qlen, tsig, sizeof(tsig));
	q[11] = 1;
	ck_assert_int_eq(dns_tsig_find(q, qlen + sizeof(tsig), &t), 1);
	ck_assert_uint_eq(t.off, qlen);
	ck_assert_uint_eq(t.fudge, 300);
	ck_assert_uint_eq(t.time_signed, 1);
	ck_assert_uint_eq(t.orig_id, 0x1234);
	/* A TSIG that is not the last record is malformed. */
	memcpy(q + qlen + sizeof(tsig), tsig, sizeof(tsig));
	q[11] = 2;
	q[qlen + sizeof(tsig) + 6] = 1; /* second one is type 1 */
	ck_assert_int_eq(dns_tsig_find(q, qlen + 2 * sizeof(tsig), &t),
	                 MDC_EMALF);
	/* Truncated RDATA. */
	q[11] = 1;
	ck_assert_int_eq(dns_tsig_find(q, qlen + sizeof(tsig) - 3, &t),
	                 MDC_EMALF);
}
END_TEST

/*
 * The one parse (dns/msg.h): the records in ldns form, the TSIG found where
 * the join tool's walker (dns_tsig_find) finds it, the TKEY's fields.
 */
START_TEST(msg_parse_once)
{
	uint8_t q[512];
	size_t qlen = mkquery(q, "Example.COM.", DNS_T_SOA, 0, 0, 0, 0);
	struct dns_tsig_rr w;
	struct dns_msg m;
	static const uint8_t tsig[] = {
	        3,   'K', 'e',  'y',  0,    0,    250, 0,   255, 0,   0,
	        0,   0,   0,    28,   8,    'g',  's', 's', '-', 't', 's',
	        'i', 'g', 0,    0,    0,    0,    0,   0,   1,   1,   44,
	        0,   2,   0xab, 0xcd, 0x12, 0x34, 0,   0,   0,   0};
	static const uint8_t tkey[] = {
	        3, 'k', 'e', 'y', 0,   0,   249, 0,   255, 0, 0, 0, 0, 0, 30,
	        8, 'g', 's', 's', '-', 't', 's', 'i', 'g', 0, 0, 0, 0, 1, 0,
	        0, 0,   2,   0,   3,   0,   0,   0,   4,   9, 8, 7, 6, 0, 0};

	/* Header and question only. */
	ck_assert_int_eq(dns_msg_parse(q, qlen, &m), 0);
	ck_assert_uint_eq(m.qend, qlen);
	ck_assert_uint_eq(m.qi.qtype, DNS_T_SOA);
	ck_assert_mem_eq(m.qname, "\7example\3com", 13);
	ck_assert_int_eq(m.tsig, 0);
	ck_assert_uint_eq(ldns_pkt_qdcount(m.pkt), 1);
	dns_msg_clear(&m);
	/* A TSIG at the end: the same as the walker's, names lower-cased. */
	memcpy(q + qlen, tsig, sizeof(tsig));
	q[11] = 1;
	ck_assert_int_eq(dns_tsig_find(q, qlen + sizeof(tsig), &w), 1);
	ck_assert_int_eq(dns_msg_parse(q, qlen + sizeof(tsig), &m), 0);
	ck_assert_int_eq(m.tsig, 1);
	ck_assert_uint_eq(m.t.off, qlen);
	ck_assert_uint_eq(m.t.off, w.off);
	ck_assert_uint_eq(m.t.name_len, 5);
	ck_assert_mem_eq(m.t.name, "\3key", 5);
	ck_assert_mem_eq(m.t.name, w.name, w.name_len);
	ck_assert_mem_eq(m.t.alg, w.alg, w.alg_len);
	ck_assert_uint_eq(m.t.time_signed, 1);
	ck_assert_uint_eq(m.t.fudge, 300);
	ck_assert_uint_eq(m.t.mac_len, 2);
	ck_assert_mem_eq(m.t.mac, "\xab\xcd", 2);
	ck_assert_uint_eq(m.t.orig_id, 0x1234);
	ck_assert_uint_eq(m.t.other_len, 0);
	ck_assert_ptr_nonnull(ldns_pkt_tsig(m.pkt));
	ck_assert_uint_eq(ldns_pkt_arcount(m.pkt), 0); /* TSIG taken out */
	dns_msg_clear(&m);
	/* A class other than ANY is no TSIG. */
	q[qlen + 8] = 1;
	ck_assert_int_eq(dns_msg_parse(q, qlen + sizeof(tsig), &m), MDC_EMALF);
	ck_assert_ptr_null(m.pkt);
	dns_msg_clear(&m);
	q[qlen + 8] = 255;
	/* Two TSIGs: the first is not last (and nothing leaks). */
	memcpy(q + qlen + sizeof(tsig), tsig, sizeof(tsig));
	q[11] = 2;
	ck_assert_int_eq(dns_msg_parse(q, qlen + 2 * sizeof(tsig), &m),
	                 MDC_EMALF);
	dns_msg_clear(&m);
	/* RDATA longer than a TSIG's fields (ldns would not notice). */
	q[11] = 1;
	q[qlen + 14]++;
	q[qlen + sizeof(tsig)] = 0;
	ck_assert_int_eq(dns_msg_parse(q, qlen + sizeof(tsig) + 1, &m),
	                 MDC_EMALF);
	dns_msg_clear(&m);
	q[qlen + 14]--;
	/* Truncated RDATA; no header at all. */
	q[11] = 1;
	ck_assert_int_eq(dns_msg_parse(q, qlen + sizeof(tsig) - 3, &m),
	                 MDC_EMALF);
	dns_msg_clear(&m);
	ck_assert_int_eq(dns_msg_parse(q, DNS_HDR_LEN - 1, &m), MDC_ETRUNC);
	dns_msg_clear(&m);
	/* A TKEY query: mode and token as sent, owner lower-case. */
	qlen = mkquery(q, "key.", DNS_T_TKEY, 0, 0, 0, 0);
	memcpy(q + qlen, tkey, sizeof(tkey));
	q[11] = 1;
	ck_assert_int_eq(dns_msg_parse(q, qlen + sizeof(tkey), &m), 0);
	ck_assert_int_eq(m.tkey, 1);
	ck_assert_uint_eq(m.k.mode, 3);
	ck_assert_uint_eq(m.k.key_len, 4);
	ck_assert_mem_eq(m.k.key, "\x09\x08\x07\x06", 4);
	ck_assert_mem_eq(m.k.alg, "\10gss-tsig", 10);
	ck_assert_uint_eq(m.qend, qlen);
	dns_msg_clear(&m);
}
END_TEST

static int axfr_msgs, axfr_rrs;

static int
count_axfr(void *ctx, const uint8_t *msg, size_t len)
{
	axfr_msgs++;
	axfr_rrs += msg[6] << 8 | msg[7];
	return len >= DNS_HDR_LEN ? 0 : -1;
}

START_TEST(second_zone)
{
	static const char *const rev[] = {
	        "0.10.in-addr.arpa. 3600 IN SOA dc1.example.com. "
	        "h.example.com. 3 900 600 86400 300",
	        "5.1.0.10.in-addr.arpa. 900 IN PTR dc1.example.com.",
	};
	struct dns_entry e[2] = {{0}};
	ldns_rdf *org = ldns_dname_new_frm_str("example.com.");
	struct dns_snapshot *s0 = make_snapshot(), *s;
	struct dns_entry *all;
	struct dns_slow sl = {0};
	struct sockaddr_in peer = {.sin_family = AF_INET,
	                           .sin_addr.s_addr = htonl(0x7f000001)};
	uint8_t q[512];
	size_t n = s0->nents, qlen, len;
	ldns_pkt *p;

	for (int i = 0; i < 2; i++) {
		ldns_rr *rr;
		ck_assert_int_eq(
		        ldns_rr_new_frm_str(&rr, rev[i], 0, NULL, NULL),
		        LDNS_STATUS_OK);
		e[i].name = ldns_rdf_clone(ldns_rr_owner(rr));
		e[i].rrs = ldns_rr_list_new();
		ldns_rr_list_push_rr(e[i].rrs, rr);
	}
	all = calloc(n + 2, sizeof(*all));
	memcpy(all, s0->ents, n * sizeof(*all));
	all[n] = e[0];
	all[n + 1] = e[1];
	ck_assert_int_eq(dns_snapshot_build(org, all, n + 2, &s), 0);
	ck_assert_uint_eq(s->nzones, 2);
	p = ask(s, "5.1.0.10.in-addr.arpa.", DNS_T_PTR, 0, 0, 0, NULL);
	ck_assert(ldns_pkt_aa(p));
	ck_assert_uint_eq(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);
	/* A negative answer carries the SOA of the zone it is in. */
	p = ask(s, "9.9.0.10.in-addr.arpa.", DNS_T_PTR, 0, 0, 0, NULL);
	ck_assert_int_eq(ldns_pkt_get_rcode(p), DNS_R_NXDOMAIN);
	ck_assert_int_eq(ldns_dname_compare(ldns_rr_owner(ldns_rr_list_rr(
	                                            ldns_pkt_authority(p), 0)),
	                                    s->zones[1].origin),
	                 0);
	ck_assert_uint_eq(
	        ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_authority(p), 0)), 300);
	ldns_pkt_free(p);
	p = ask(s, "1.0.11.in-addr.arpa.", DNS_T_PTR, 0, 0, 0, NULL);
	ck_assert_int_eq(ldns_pkt_get_rcode(p), DNS_R_REFUSED);
	ldns_pkt_free(p);
	/* Each zone transfers its own records only. */
	ck_assert_int_eq(dns_slow_config(&sl, "", "127.0.0.0/8"), 0);
	qlen = mkquery(q, "0.10.in-addr.arpa.", DNS_T_AXFR, 0, 0, 0, 0);
	ck_assert_int_eq(slow_handle(&sl, s, q, qlen, (struct sockaddr *)&peer,
	                             1, out, sizeof(out), &len),
	                 DNS_AXFR);
	axfr_msgs = axfr_rrs = 0;
	ck_assert_int_eq(slow_axfr(s, q, qlen, count_axfr, NULL), 0);
	ck_assert_int_eq(axfr_rrs, 3); /* SOA, PTR, SOA */
	dns_entry_clear(&e[0]);
	dns_entry_clear(&e[1]);
	free(all);
	ldns_rdf_deep_free(org);
	dns_snapshot_free(s);
	dns_snapshot_free(s0);
}
END_TEST

/* The shape of issue 8: a 183-character owner (a 185-byte wire name). */
#define LONG_OWNER_REL                                                         \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."     \
	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb."     \
	"ccccccccccccccccccccccccccccccccccccccccccc"
#define LONG_OWNER LONG_OWNER_REL ".example.com."

/*
 * A TXT record at owner with nstr strings of 254 bytes, unquoted (ldns
 * reads at most 65535 characters of RDATA text: quoted, 255 strings fit).
 */
static ldns_rr *
mktxt(const char *owner, int nstr)
{
	size_t cap = strlen(owner) + 32 + (size_t)nstr * 255;
	char *line = malloc(cap), *p = line;
	ldns_rr *rr = NULL;

	p += snprintf(p, cap, "%s 900 IN TXT", owner);
	for (int i = 0; i < nstr; i++) {
		*p++ = ' ';
		memset(p, 'a' + i % 26, 254);
		p += 254;
	}
	*p = '\0';
	ck_assert_int_eq(ldns_rr_new_frm_str(&rr, line, 0, NULL, NULL),
	                 LDNS_STATUS_OK);
	free(line);
	return rr;
}

START_TEST(size_rule)
{
	ldns_rr_list *l = ldns_rr_list_new();
	struct mdc_err why = {""};

	/* 257 strings: 65535 bytes of RDATA, more than any message holds. */
	ldns_rr_list_push_rr(l, mktxt(LONG_OWNER, 257));
	ck_assert_uint_eq(ldns_rdf_size(ldns_rr_owner(ldns_rr_list_rr(l, 0))),
	                  185);
	ck_assert_int_eq(dns_rrs_fit(l, &why), MDC_ERANGE);
	ck_assert_ptr_nonnull(strstr(why.text, "TXT: a record of 65535 bytes"));
	ck_assert_ptr_nonnull(strstr(why.text, "room for 65128"));
	ck_assert_uint_eq(dns_rrs_drop_oversized(l, NULL), 1);
	ck_assert_uint_eq(ldns_rr_list_rr_count(l), 0);
	/* 255 strings (65025 bytes) fit; a second one of them does not. */
	ldns_rr_list_push_rr(l, mktxt(LONG_OWNER, 255));
	ck_assert_int_eq(dns_rrs_fit(l, &why), 0);
	ldns_rr_list_push_rr(l, mktxt(LONG_OWNER, 2));
	ck_assert_int_eq(dns_rrs_fit(l, &why), MDC_ERANGE);
	ck_assert_ptr_nonnull(strstr(why.text, "records of this type"));
	/* Another type at the name is its own RRset. */
	ldns_rr *a = NULL;
	ck_assert_int_eq(ldns_rr_new_frm_str(&a,
	                                     LONG_OWNER " 900 IN A 10.0.0.1", 0,
	                                     NULL, NULL),
	                 LDNS_STATUS_OK);
	ldns_rr_list_push_rr(l, a);
	ck_assert_uint_eq(dns_rrs_drop_oversized(l, &why), 1);
	ck_assert_uint_eq(ldns_rr_list_rr_count(l), 2);
	ck_assert_int_eq(ldns_rr_get_type(ldns_rr_list_rr(l, 1)),
	                 LDNS_RR_TYPE_A);
	ck_assert_int_eq(dns_rrs_fit(l, NULL), 0);
	ldns_rr_list_deep_free(l);
}
END_TEST

static int axfr_big, axfr_last_rcode;

static int
check_axfr(void *ctx, const uint8_t *msg, size_t len)
{
	ldns_pkt *p = NULL;

	ck_assert_uint_le(len, DNS_MSG_MAX);
	ck_assert_int_eq(ldns_wire2pkt(&p, msg, len), LDNS_STATUS_OK);
	axfr_msgs++;
	axfr_rrs += ldns_pkt_ancount(p);
	axfr_last_rcode = ldns_pkt_get_rcode(p);
	for (size_t i = 0; i < ldns_pkt_ancount(p); i++)
		axfr_big +=
		        ldns_rr_get_type(ldns_rr_list_rr(
		                ldns_pkt_answer(p), i)) == LDNS_RR_TYPE_TXT &&
		        ldns_rdf_size(ldns_rr_rdf(
		                ldns_rr_list_rr(ldns_pkt_answer(p), i), 0)) ==
		                255;
	ldns_pkt_free(p);
	return 0;
}

/* The zone of make_snapshot plus one entry holding rr; AXFR of it. */
static int
axfr_with(ldns_rr *rr)
{
	ldns_rdf *org = ldns_dname_new_frm_str("example.com.");
	struct dns_snapshot *s0 = make_snapshot(), *s;
	struct dns_entry *all = calloc(s0->nents + 1, sizeof(*all));
	uint8_t q[512];
	size_t n = s0->nents, qlen;
	int ret;

	memcpy(all, s0->ents, n * sizeof(*all));
	all[n].name = ldns_rdf_clone(ldns_rr_owner(rr));
	all[n].rrs = ldns_rr_list_new();
	ldns_rr_list_push_rr(all[n].rrs, rr);
	ck_assert_int_eq(dns_snapshot_build(org, all, n + 1, &s), 0);
	qlen = mkquery(q, "example.com.", DNS_T_AXFR, 0, 0, 0, 0);
	axfr_msgs = axfr_rrs = axfr_big = 0;
	ret = slow_axfr(s, q, qlen, check_axfr, NULL);
	dns_entry_clear(&all[n]);
	free(all);
	ldns_rdf_deep_free(org);
	dns_snapshot_free(s);
	dns_snapshot_free(s0);
	return ret;
}

START_TEST(axfr_bounded)
{
	/* Issue 8: this record used to be copied past the 64 KiB buffer. */
	ck_assert_int_eq(axfr_with(mktxt(LONG_OWNER, 257)), MDC_ERANGE);
	ck_assert_int_eq(axfr_last_rcode, DNS_R_SERVFAIL);
	/* Just under the size rule: a message of its own, all records sent. */
	ck_assert_int_eq(axfr_with(mktxt(LONG_OWNER, 255)), 0);
	ck_assert_int_ge(axfr_msgs, 2);
	ck_assert_int_eq(axfr_rrs, 14); /* SOA, 11 records, the TXT, SOA */
	ck_assert_int_eq(axfr_big, 1);
	ck_assert_int_eq(axfr_last_rcode, DNS_R_NOERROR);
}
END_TEST

/* An UPDATE adding rr (consumed) to example.com. */
static int
update_add(const struct dns_snapshot *s, struct fake *f, ldns_rr *rr,
           struct mdc_err *why)
{
	ldns_rr_list *pr = ldns_rr_list_new(), *up = ldns_rr_list_new();
	ldns_pkt *p;
	int rc;

	ldns_rr_list_push_rr(up, rr);
	p = ldns_update_pkt_new(ldns_dname_new_frm_str("example.com."),
	                        LDNS_RR_CLASS_IN, pr, up, NULL);
	rc = dns_update_apply(s, p, "a@EXAMPLE.COM", &fake_ops, f, why);
	ldns_pkt_free(p);
	ldns_rr_list_deep_free(pr);
	ldns_rr_list_deep_free(up);
	return rc;
}

START_TEST(update_size_rule)
{
	struct dns_snapshot *s = make_snapshot();
	struct fake f = {.privileged = 1};
	struct mdc_err why = {""};

	ck_assert_int_eq(
	        update_add(s, &f, mktxt("host3.example.com.", 200), &why),
	        DNS_R_NOERROR);
	ck_assert_int_eq(f.writes, 1);
	ck_assert_str_eq(why.text, "");
	/* Too big alone: refused, nothing written, the reason given. */
	ck_assert_int_eq(update_add(s, &f, mktxt(LONG_OWNER, 256), &why),
	                 DNS_R_REFUSED);
	ck_assert_int_eq(f.writes, 1);
	ck_assert_ptr_nonnull(strstr(why.text, "TXT: a record of 65280 bytes"));
	/* Fits alone, not with the 7 TXT records big already has. */
	ck_assert_int_eq(
	        update_add(s, &f, mktxt("big.example.com.", 256), &why),
	        DNS_R_REFUSED);
	ck_assert_int_eq(f.writes, 1);
	ck_assert_ptr_nonnull(
	        strstr(why.text, "big.example.com. TXT: the records"));
	dns_snapshot_free(s);
}
END_TEST

/* n unquoted strings of 254 bytes (a tXTRecord value); caller frees. */
static char *
txt_value(int n)
{
	char *v = malloc((size_t)n * 255), *p = v;

	for (int i = 0; i < n; i++) {
		memset(p, 'x', 254);
		p += 254;
		*p++ = i + 1 < n ? ' ' : '\0';
	}
	return v;
}

START_TEST(ldap_values_fit)
{
	const char *base = "DC=example,DC=com";
	const char *dn = "idnsName=" LONG_OWNER_REL
	                 ",idnsName=example.com,cn=dns,DC=example,DC=com";
	char *big = txt_value(257), *near = txt_value(255);
	struct mdc_err why = {""};
	struct dns_ldap_val v[3] = {
	        {"tXTRecord", big, strlen(big)},
	        {"aRecord", "10.0.0.1", 8},
	        {"description", "not a record", 12},
	};

	ck_assert(dns_ldap_is_record_attr("TXTrecord"));
	ck_assert(dns_ldap_is_record_attr("aRecord;x-opt"));
	ck_assert(!dns_ldap_is_record_attr("description"));
	ck_assert_int_eq(dns_ldap_values_fit(base, dn, v, 3, &why), MDC_ERANGE);
	ck_assert_ptr_nonnull(
	        strstr(why.text, LONG_OWNER " TXT: a record of 65535"));
	/* Not laid out as zone data: the server never reads it. */
	ck_assert_int_eq(
	        dns_ldap_values_fit(base, "cn=x,DC=example,DC=com", v, 3, &why),
	        0);
	v[0].val = near;
	v[0].len = strlen(near);
	ck_assert_int_eq(dns_ldap_values_fit(base, dn, v, 3, &why), 0);
	/* A value that does not parse is skipped, as the loader skips it. */
	v[1].val = "not-an-address";
	v[1].len = 14;
	ck_assert_int_eq(dns_ldap_values_fit(base, dn, v, 3, &why), 0);
	free(big);
	free(near);
}
END_TEST

static struct sockaddr_storage
peer_of(const char *ip)
{
	struct sockaddr_storage ss = {0};
	socklen_t len;

	ck_assert_int_eq(mdc_net_addr(ip, 0, &ss, &len), 0);
	return ss;
}

static int
xmatch(const char *list, const char *ip)
{
	struct sockaddr_storage ss = peer_of(ip);

	return dns_xacl_match(list, (struct sockaddr *)&ss);
}

START_TEST(xfr_acl_rules)
{
	const char *l = "127.0.0.1;10.0.0.0/8;!192.0.2.5;192.0.2.0/24;"
	                "2001:db8::/32;";
	char buf[256];

	/* Nothing listed, nothing allowed (AD's default). */
	ck_assert_int_eq(xmatch(NULL, "127.0.0.1"), 0);
	ck_assert_int_eq(xmatch("", "127.0.0.1"), 0);
	ck_assert_int_eq(xmatch("none;", "127.0.0.1"), 0);
	ck_assert_int_eq(xmatch("any;", "192.0.2.77"), 1);
	ck_assert_int_eq(xmatch(l, "127.0.0.1"), 1);
	ck_assert_int_eq(xmatch(l, "127.0.0.2"), 0); /* a host, not /8 */
	ck_assert_int_eq(xmatch(l, "10.200.3.4"), 1);
	ck_assert_int_eq(xmatch(l, "11.0.0.1"), 0);
	/* First match decides: the negated host inside the allowed /24. */
	ck_assert_int_eq(xmatch(l, "192.0.2.5"), 0);
	ck_assert_int_eq(xmatch(l, "192.0.2.6"), 1);
	ck_assert_int_eq(xmatch(l, "2001:db8::53"), 1);
	ck_assert_int_eq(xmatch(l, "2001:db9::53"), 0);
	ck_assert_int_eq(xmatch(l, "::1"), 0);
	/* An IPv4-mapped peer is its IPv4 address. */
	ck_assert_int_eq(xmatch(l, "::ffff:127.0.0.1"), 1);
	ck_assert_int_eq(xmatch("::1", "::1"), 1);
	/* Separators of [dns] axfr_allow; what we do not know never grants. */
	ck_assert_int_eq(xmatch("127.0.0.0/8 ::1", "127.9.9.9"), 1);
	ck_assert_int_eq(xmatch("key k1;127.0.0.9/33;", "127.0.0.9"), 0);
	ck_assert_int_eq(xmatch("!key;127.0.0.9;", "127.0.0.9"), 1);
	ck_assert_int_eq(dns_xacl_check("127.0.0.0/8 ::1, any;"), 0);
	ck_assert_int_eq(dns_xacl_check("127.0.0.1/33"), MDC_EINVAL);
	ck_assert_int_eq(dns_xacl_check("localnets;"), MDC_EINVAL);
	/* Canonical forms: host bits cleared, a full prefix dropped. */
	ck_assert_int_eq(dns_xacl_norm("10.1.2.3/8", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "10.0.0.0/8");
	ck_assert_int_eq(dns_xacl_norm("127.0.0.1/32", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "127.0.0.1");
	ck_assert_int_eq(dns_xacl_norm("2001:DB8:0::1", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "2001:db8::1");
	ck_assert_int_eq(dns_xacl_norm("ANY", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "any");
	ck_assert_int_eq(dns_xacl_norm("!1.2.3.4", buf, sizeof(buf)),
	                 MDC_EINVAL);
	ck_assert_int_eq(dns_xacl_norm("1.2.3.4;5.6.7.8", buf, sizeof(buf)),
	                 MDC_EINVAL);
	ck_assert_int_eq(dns_xacl_norm("example.com", buf, sizeof(buf)),
	                 MDC_EINVAL);
	ck_assert_int_eq(dns_xacl_norm("1.2.3.4", buf, 4), MDC_ERANGE);
	/* Editing: add once, remove by any spelling, other elements kept. */
	ck_assert_int_eq(dns_xacl_edit(NULL, "127.0.0.1", 1, buf, sizeof(buf)),
	                 0);
	ck_assert_str_eq(buf, "127.0.0.1;");
	ck_assert_int_eq(dns_xacl_edit("127.0.0.1;", "127.0.0.1/32", 1, buf,
	                               sizeof(buf)),
	                 0);
	ck_assert_str_eq(buf, "127.0.0.1;");
	ck_assert_int_eq(dns_xacl_edit("key k;127.0.0.1;", "10.9.0.0/16", 1,
	                               buf, sizeof(buf)),
	                 0);
	ck_assert_str_eq(buf, "key;k;127.0.0.1;10.9.0.0/16;");
	ck_assert_int_eq(dns_xacl_edit("127.0.0.1;10.9.0.0/16;", "10.9.1.1/16",
	                               0, buf, sizeof(buf)),
	                 0);
	ck_assert_str_eq(buf, "127.0.0.1;");
	ck_assert_int_eq(
	        dns_xacl_edit("127.0.0.1;", "127.0.0.1", 0, buf, sizeof(buf)),
	        0);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(
	        dns_xacl_edit("127.0.0.1;", "127.0.0.2", 0, buf, sizeof(buf)),
	        MDC_ENOENT);
	ck_assert_int_eq(dns_xacl_edit("", "bogus", 1, buf, sizeof(buf)),
	                 MDC_EINVAL);
	ck_assert_int_eq(dns_xacl_edit("127.0.0.1;", "10.0.0.1", 1, buf, 12),
	                 MDC_ERANGE);
}
END_TEST

/* An IXFR query for name with the client's SOA (serial) in authority. */
static size_t
mkixfr(uint8_t *q, const char *name, uint32_t serial, uint16_t type)
{
	size_t n = mkquery(q, name, DNS_T_IXFR, 0, 0, 0, 0);
	uint8_t rr[12 + 22] = {0xc0, 12, type >> 8, type & 0xff, 0, 1};

	q[9] = 1; /* NSCOUNT */
	rr[11] = 22;
	/* MNAME and RNAME: the root; then the serial and four counters. */
	rr[14] = serial >> 24;
	rr[15] = (serial >> 16) & 0xff;
	rr[16] = (serial >> 8) & 0xff;
	rr[17] = serial & 0xff;
	memcpy(q + n, rr, sizeof(rr));
	return n + sizeof(rr);
}

static int
slow(struct dns_slow *sl, const struct dns_snapshot *s, const uint8_t *q,
     size_t qlen, const char *ip, int tcp, size_t *len)
{
	struct sockaddr_storage ss = peer_of(ip);

	return slow_handle(sl, s, q, qlen, (struct sockaddr *)&ss, tcp, out,
	                   sizeof(out), len);
}

START_TEST(zone_transfer_rules)
{
	struct dns_snapshot *s = make_snapshot();
	ldns_rdf *org = ldns_dname_new_frm_str("example.com.");
	struct dns_entry *apex = (struct dns_entry *)dns_snapshot_entry(s, org);
	struct dns_slow sl = {0};
	uint8_t q[512];
	size_t qlen, len;
	ldns_pkt *p;

	ck_assert_int_eq(dns_slow_config(&sl, "", ""), 0);
	ck_assert_int_eq(dns_slow_config(&sl, "", "127.0.0.1/40"), MDC_EINVAL);
	ck_assert_int_eq(dns_slow_config(&sl, "", ""), 0);
	/* Refused by default, AXFR and IXFR, over TCP and UDP. */
	qlen = mkquery(q, "example.com.", DNS_T_AXFR, 0, 0, 0, 0);
	ck_assert_int_eq(slow(&sl, s, q, qlen, "127.0.0.1", 1, &len), DNS_SEND);
	ck_assert_int_eq(out[3] & 0xf, DNS_R_REFUSED);
	qlen = mkixfr(q, "example.com.", 1, DNS_T_SOA);
	ck_assert_int_eq(slow(&sl, s, q, qlen, "127.0.0.1", 1, &len), DNS_SEND);
	ck_assert_int_eq(out[3] & 0xf, DNS_R_REFUSED);
	ck_assert_int_eq(slow(&sl, s, q, qlen, "127.0.0.1", 0, &len), DNS_SEND);
	ck_assert_int_eq(out[3] & 0xf, DNS_R_REFUSED);
	/* The zone's own list lets 127.0.0.1 in, and no one else. */
	apex->xfr_allow = strdup("127.0.0.1;");
	qlen = mkquery(q, "example.com.", DNS_T_AXFR, 0, 0, 0, 0);
	ck_assert_int_eq(slow(&sl, s, q, qlen, "127.0.0.1", 1, &len), DNS_AXFR);
	ck_assert_int_eq(slow(&sl, s, q, qlen, "127.0.0.2", 1, &len), DNS_SEND);
	ck_assert_int_eq(out[3] & 0xf, DNS_R_REFUSED);
	ck_assert_int_eq(slow(&sl, s, q, qlen, "127.0.0.1", 0, &len), DNS_SEND);
	ck_assert_int_eq(out[3] & 0xf, DNS_R_REFUSED); /* AXFR needs TCP */
	/* IXFR from an older serial over TCP: the zone in AXFR form. */
	qlen = mkixfr(q, "example.com.", 1, DNS_T_SOA);
	ck_assert_int_eq(slow(&sl, s, q, qlen, "127.0.0.1", 1, &len), DNS_AXFR);
	ck_assert_int_eq(slow(&sl, s, q, qlen, "127.0.0.2", 1, &len), DNS_SEND);
	ck_assert_int_eq(out[3] & 0xf, DNS_R_REFUSED);
	/* ... over UDP: our SOA alone, telling the client to use TCP. */
	ck_assert_int_eq(slow(&sl, s, q, qlen, "127.0.0.1", 0, &len), DNS_SEND);
	ck_assert_int_eq(ldns_wire2pkt(&p, out, len), LDNS_STATUS_OK);
	ck_assert_int_eq(ldns_pkt_get_rcode(p), 0);
	ck_assert(ldns_pkt_aa(p));
	ck_assert_uint_eq(ldns_pkt_ancount(p), 1);
	ck_assert_int_eq(
	        ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(p), 0)),
	        LDNS_RR_TYPE_SOA);
	ck_assert_int_eq(
	        ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(p), 0)),
	        LDNS_RR_TYPE_IXFR);
	ldns_pkt_free(p);
	/* The client is current (7) or ahead (8): one SOA.  0x90000000 is
	 * behind 7 in RFC 1982 arithmetic: the whole zone. */
	qlen = mkixfr(q, "example.com.", 7, DNS_T_SOA);
	ck_assert_int_eq(slow(&sl, s, q, qlen, "127.0.0.1", 1, &len), DNS_SEND);
	ck_assert_uint_eq(out[7], 1);
	qlen = mkixfr(q, "example.com.", 0x90000000u, DNS_T_SOA);
	ck_assert_int_eq(slow(&sl, s, q, qlen, "127.0.0.1", 1, &len), DNS_AXFR);
	qlen = mkixfr(q, "example.com.", 8, DNS_T_SOA);
	ck_assert_int_eq(slow(&sl, s, q, qlen, "127.0.0.1", 1, &len), DNS_SEND);
	ck_assert_uint_eq(out[7], 1);
	/* An authority record that is not a SOA, or on another query. */
	qlen = mkixfr(q, "example.com.", 1, DNS_T_A);
	slow(&sl, s, q, qlen, "127.0.0.1", 1, &len);
	ck_assert_int_eq(out[3] & 0xf, DNS_R_FORMERR);
	qlen = mkixfr(q, "example.com.", 1, DNS_T_SOA);
	q[DNS_HDR_LEN + 13] = DNS_T_AXFR;
	slow(&sl, s, q, qlen, "127.0.0.1", 1, &len);
	ck_assert_int_eq(out[3] & 0xf, DNS_R_FORMERR);
	/* A name below the apex is no zone to transfer. */
	qlen = mkquery(q, "www.example.com.", DNS_T_AXFR, 0, 0, 0, 0);
	slow(&sl, s, q, qlen, "127.0.0.1", 1, &len);
	ck_assert_int_eq(out[3] & 0xf, DNS_R_REFUSED);
	/* The server-wide list ([dns] axfr_allow) adds to the zone's. */
	ck_assert_int_eq(dns_slow_config(&sl, "", "127.0.0.0/8"), 0);
	qlen = mkquery(q, "example.com.", DNS_T_AXFR, 0, 0, 0, 0);
	ck_assert_int_eq(slow(&sl, s, q, qlen, "127.0.0.2", 1, &len), DNS_AXFR);
	ldns_rdf_deep_free(org);
	dns_snapshot_free(s);
}
END_TEST

/*
 * The shared ldapi/GSSAPI connect (ad/ldapconn.h): a socket nobody
 * listens on, with either mechanism, with and without a timeout, gives
 * MDC_ELDAP, a one-line reason and no handle; a bad URI gives MDC_EINVAL.
 */
START_TEST(ldapconn_errors)
{
	char dir[] = "/tmp/test_dns.XXXXXX", uri[128];
	struct mdc_err err;
	struct mdc_ad_ldap_how how = {MDC_AD_LDAP_EXTERNAL, 5};
	LDAP *ld = (LDAP *)&how;
	int i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(uri, sizeof(uri), "ldapi://%%2Ftmp%%2F%s%%2Fnone.sock",
	         dir + strlen("/tmp/"));
	for (i = 0; i < 4; i++) {
		how.mech = i < 2 ? MDC_AD_LDAP_EXTERNAL : MDC_AD_LDAP_GSSAPI;
		how.timeout_s = i % 2 ? 0 : 5;
		err.text[0] = '\0';
		ck_assert_int_eq(mdc_ad_ldap_connect(uri, &how, &ld, &err),
		                 MDC_ELDAP);
		ck_assert_ptr_null(ld);
		ck_assert_str_eq(err.text, "Can't contact LDAP server");
	}
	ck_assert_int_eq(mdc_ad_ldap_connect("nosuch://x", &how, &ld, &err),
	                 MDC_EINVAL);
	ck_assert_ptr_null(ld);
	ck_assert_str_eq(err.text, "bad LDAP URI nosuch://x");
	/* A caller's handle is the caller's to free after a failed bind. */
	ck_assert_int_eq(ldap_initialize(&ld, uri), LDAP_SUCCESS);
	ck_assert_int_eq(mdc_ad_ldap_bind(ld, &how, &err), MDC_ELDAP);
	ck_assert_str_eq(err.text, "Can't contact LDAP server");
	ldap_unbind_ext_s(ld, NULL, NULL);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

static Suite *
dns_suite(void)
{
	Suite *s = suite_create("dns");
	TCase *tc = tcase_create("engine");

	tcase_add_test(tc, wire_name_compression_rules);
	tcase_add_test(tc, answer_srv_with_additional_and_case);
	tcase_add_test(tc, answer_negative_and_ent);
	tcase_add_test(tc, answer_truncation_and_edns);
	tcase_add_test(tc, fast_path_hands_over);
	tcase_add_test(tc, slow_path_errors);
	tcase_add_test(tc, update_rules);
	tcase_add_test(tc, update_may);
	tcase_add_test(tc, tsig_slots);
	tcase_add_test(tc, tsig_find_rules);
	tcase_add_test(tc, msg_parse_once);
	tcase_add_test(tc, second_zone);
	tcase_add_test(tc, size_rule);
	tcase_add_test(tc, axfr_bounded);
	tcase_add_test(tc, update_size_rule);
	tcase_add_test(tc, ldap_values_fit);
	tcase_add_test(tc, xfr_acl_rules);
	tcase_add_test(tc, zone_transfer_rules);
	tcase_add_test(tc, ldapconn_errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(dns_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
