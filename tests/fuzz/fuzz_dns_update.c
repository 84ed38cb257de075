/* tests/fuzz/fuzz_dns_update.c - libFuzzer: UPDATE and TKEY processing, TSIG
 * parsing */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ad/dnswire.h"
#include "ad/tsig.h"
#include "dns/msg.h"
#include "dns/slow.h"
#include "dns/update.h"
#include "dns/zone.h"

static const char zone_text[] = "$ORIGIN example.com.\n"
                                "@ 3600 IN SOA dc1.example.com. "
                                "hostmaster.example.com. 7 900 600 86400 3600\n"
                                "@ 900 IN NS dc1.example.com.\n"
                                "dc1 900 IN A 127.0.0.1\n"
                                "host2 900 IN A 10.0.0.2\n"
                                "host2 900 IN TXT \"x\"\n"
                                "www 900 IN CNAME dc1.example.com.\n";

static struct dns_snapshot *snap;
static struct dns_tsig_keys *keys;
static uint8_t out[65536];
static int privileged, users_create;

static int
fake_who(void *ctx, const struct dns_snapshot *s, const ldns_rdf *origin,
         const char *principal, struct dns_who *who)
{
	memset(who, 0, sizeof(*who));
	who->privileged = privileged;
	who->users_create = users_create;
	snprintf(who->host, sizeof(who->host), "%s", "host2.example.com");
	return 0;
}

/* Check the shape of what would be written to the directory. */
static int
fake_write(void *ctx, const struct dns_snapshot *s, const struct dns_change *ch,
           size_t n, const char *principal)
{
	for (size_t i = 0; i < n; i++)
		if (ch[i].name == NULL || ch[i].rrs == NULL)
			abort();
	return n % 2 == 0 ? 0 : MDC_ELDAP; /* exercise both outcomes */
}

static const struct dns_update_ops ops = {fake_who, fake_write};

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
	    dns_tsig_keys_new_empty(&keys) != 0)
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
	struct dns_slow sl = {.keys = NULL, .ops = &ops};
	struct dns_tsig_rr t;
	struct dns_msg m;
	size_t len;

	if (snap == NULL)
		init();
	if (size < DNS_HDR_LEN)
		return 0;
	privileged = data[0] & 1;
	users_create = (data[0] >> 1) & 1;
	/* The one parse the server makes of every message it passes on. */
	(void)dns_msg_parse(data, size, &m);
	if (m.tsig && (m.t.off >= size || m.t.off < m.qend))
		abort();
	/* The whole UPDATE message path (unsigned or with an unknown key). */
	sl.keys = keys;
	len = dns_update_handle(&sl, snap, &m, 1000, out, sizeof(out));
	if (len > sizeof(out))
		abort();
	/* The update engine on every message that parses. */
	if (m.err == 0)
		dns_update_apply(snap, m.pkt, "u@EXAMPLE.COM", &ops, NULL,
		                 NULL);
	/* The TKEY step and the (failing) GSS negotiation. */
	if (m.tkey &&
	    dns_tkey_handle(keys, data, m.qend, &m.k, 1000, out, sizeof(out),
	                    &len) == 0 &&
	    len > sizeof(out))
		abort();
	dns_msg_clear(&m);
	/* The join tool's TSIG finder (answers it verifies). */
	if (dns_tsig_find(data, size, &t) == 1 && t.off >= size)
		abort();
	return 0;
}
