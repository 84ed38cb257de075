/* tests/fuzz/fuzz_dns_packet.c - libFuzzer: every DNS message path of the
 * server */
#include "config.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/query.h"
#include "dns/slow.h"
#include "dns/tsig.h"
#include "dns/wire.h"
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
	    dns_entries_from_zone(z, &ents, &n) != 0 ||
	    dns_snapshot_build(org, ents, n, &snap) != 0 ||
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
	size_t len;
	int v;

	if (snap == NULL)
		init();
	for (int tcp = 0; tcp < 2; tcp++) {
		v = dns_query_answer(snap, data, size, tcp, 0, out,
		                     tcp ? sizeof(out) : 4096, &len);
		if (v == DNS_SLOW)
			v = dns_slow_handle(&slow, snap, data, size,
			                    (struct sockaddr *)&peer, tcp, out,
			                    tcp ? sizeof(out) : 4096, &len);
		if (v == DNS_AXFR)
			dns_slow_axfr(snap, data, size, sink, NULL);
		if (v == DNS_SEND && (len < DNS_HDR_LEN || len > sizeof(out)))
			abort(); /* every reply has at least a header */
	}
	v = dns_query_answer(NULL, data, size, 0, 0, out, 4096, &len);
	return 0;
}
