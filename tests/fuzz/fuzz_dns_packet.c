/* tests/fuzz/fuzz_dns_packet.c - libFuzzer: every DNS message path of the
 * server */
#include "config.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ad/dnswire.h"
#include "ad/tsig.h"
#include "dns/msg.h"
#include "dns/query.h"
#include "dns/slow.h"
#include "dns/zone.h"

static const char zone_text[] =
        "$ORIGIN example.com.\n"
        "@ 3600 IN SOA dc1.example.com. hostmaster.example.com. 7 900 600 "
        "86400 3600\n"
        "@ 900 IN NS dc1.example.com.\n"
        "dc1 900 IN A 127.0.0.1\n"
        "dc1 900 IN AAAA ::1\n"
        "_ldap._tcp.dc._msdcs 900 IN SRV 0 100 389 dc1.example.com.\n"
        "www 900 IN CNAME dc1.example.com.\n"
        "mx 900 IN MX 10 dc1.example.com.\n"
        "t 900 IN TXT \"x\" \"y\"\n";

/*
 * The record shape of issue 8: a 183-character owner and a TXT of nstr
 * unquoted strings of 254 bytes (257: 65535 bytes of RDATA, more than a
 * message holds; 255: just under the size rule).  Zone big.test holds the
 * oversized one as an old directory could (no loader drops it here), so
 * an AXFR of it reaches the writer's bound; example.com the other, so its
 * AXFR takes several messages.
 */
static ldns_rr *
long_txt(const char *zone, int nstr)
{
	static char line[70000];
	char *p = line;
	ldns_rr *rr = NULL;

	p += snprintf(line, sizeof(line), "%063d.%063d.%0*d.%s 900 IN TXT", 0,
	              0, (int)(183 - 128 - strlen(zone)), 0, zone);
	for (int i = 0; i < nstr; i++) {
		*p++ = ' ';
		memset(p, 'a' + i % 26, 254);
		p += 254;
	}
	*p = '\0';
	if (ldns_rr_new_frm_str(&rr, line, 0, NULL, NULL) != LDNS_STATUS_OK)
		abort();
	return rr;
}

/* Append an entry holding rr (owned) to *ents. */
static void
push_entry(struct dns_entry **ents, size_t *n, ldns_rr *rr)
{
	struct dns_entry *e = realloc(*ents, (*n + 1) * sizeof(*e));

	if (e == NULL)
		abort();
	*ents = e;
	e = &e[(*n)++];
	memset(e, 0, sizeof(*e));
	e->name = ldns_rdf_clone(ldns_rr_owner(rr));
	e->rrs = ldns_rr_list_new();
	if (e->name == NULL || e->rrs == NULL ||
	    !ldns_rr_list_push_rr(e->rrs, rr))
		abort();
}

static void
add_big_records(struct dns_entry **ents, size_t *n)
{
	ldns_rr *soa = NULL;

	if (ldns_rr_new_frm_str(&soa,
	                        "big.test. 3600 IN SOA dc1.example.com. "
	                        "h.example.com. 1 900 600 86400 300",
	                        0, NULL, NULL) != LDNS_STATUS_OK)
		abort();
	push_entry(ents, n, soa);
	push_entry(ents, n, long_txt("big.test.", 257));
	push_entry(ents, n, long_txt("example.com.", 255));
}

static struct dns_snapshot *snap;
static struct dns_slow slow;
static uint8_t out[65536];

static int
sink(void *ctx, const uint8_t *msg, size_t len)
{
	(void)ctx;
	return len <= 65535 && msg != NULL ? 0 : -1;
}

static void
init(void)
{
	FILE *f = fmemopen((void *)zone_text, sizeof(zone_text) - 1, "r");
	ldns_rdf *org = ldns_dname_new_frm_str("example.com.");
	struct dns_entry *ents = NULL;
	ldns_zone *z = NULL;
	size_t n = 0;

	setenv("KRB5_KTNAME", "FILE:/nonexistent/keytab", 1);
	if (f == NULL || org == NULL ||
	    ldns_zone_new_frm_fp(&z, f, org, 3600, LDNS_RR_CLASS_IN) !=
	            LDNS_STATUS_OK ||
	    dns_entries_from_zone(z, &ents, &n) != 0)
		abort();
	add_big_records(&ents, &n);
	if (dns_snapshot_build(org, ents, n, &snap) != 0 ||
	    dns_slow_config(&slow, "", "127.0.0.0/8") != 0 ||
	    dns_tsig_keys_new_empty(&slow.keys) != 0)
		abort();
	for (size_t i = 0; i < n; i++)
		dns_entry_clear(&ents[i]);
	free(ents);
	ldns_zone_deep_free(z);
	ldns_rdf_deep_free(org);
	fclose(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_in peer = {.sin_family = AF_INET,
	                           .sin_addr.s_addr = htonl(0x7f000001)};
	struct dns_msg m;
	size_t len;
	int v;

	if (snap == NULL)
		init();
	for (int tcp = 0; tcp < 2; tcp++) {
		v = dns_query_answer(snap, data, size, tcp, 0, out,
		                     tcp ? sizeof(out) : 4096, &len);
		if (v != DNS_SLOW)
			goto check;
		/* As the server does: one parse for the whole slow path. */
		(void)dns_msg_parse(data, size, &m);
		v = dns_slow_handle(&slow, snap, &m, (struct sockaddr *)&peer,
		                    tcp, out, tcp ? sizeof(out) : 4096, &len);
		if (v == DNS_AXFR)
			dns_slow_axfr(snap, &m, sink, NULL);
		dns_msg_clear(&m);
	check:
		if (v == DNS_SEND && (len < DNS_HDR_LEN || len > sizeof(out)))
			abort(); /* every reply has at least a header */
	}
	v = dns_query_answer(NULL, data, size, 0, 0, out, 4096, &len);
	return 0;
}
