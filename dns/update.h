/* dns/update.h - RFC 2136 dynamic update: prerequisites, owner rule, apply */
#ifndef DNS_UPDATE_H
#define DNS_UPDATE_H

#include <ldns/ldns.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/slow.h"
#include "dns/zone.h"

/* The new complete RRset of one owner name touched by an update. */
struct dns_change {
	ldns_rdf *name;              /* absolute owner name (owned) */
	const ldns_rdf *origin;      /* the zone it belongs to */
	const struct dns_entry *old; /* its entry in the snapshot, or NULL */
	ldns_rr_list *rrs;           /* every RR the name keeps (owned) */
};

/* Where accepted updates go (the directory, dns/ldapdns.h; a fake in tests). */
struct dns_update_ops {
	/* 1 if principal may change any name (admins, DnsAdmins, DCs), else 0.
	 */
	int (*privileged)(void *ctx, const char *principal);
	/*
	 * Store the changes; a name without an entry is created with
	 * owner = principal.  Returns 0 or a negative MDC_E*.
	 */
	int (*write)(void *ctx, const struct dns_snapshot *s,
	             const struct dns_change *ch, size_t n,
	             const char *principal);
	/*
	 * Optional: fill *out with name (in zone origin) as stored now, so an
	 * update sees the previous one even before the snapshot does.  0,
	 * MDC_ENOENT if the name has no entry, another MDC_E* on failure.
	 */
	int (*lookup)(void *ctx, const struct dns_snapshot *s,
	              const ldns_rdf *origin, const ldns_rdf *name,
	              struct dns_entry *out);
};

/*
 * Check and apply the update in pkt (already authenticated as principal)
 * against snapshot s: RFC 2136 sections 3.2-3.4, the owner rule, and the
 * size rule (dns_rrs_fit: a name whose records would not fit a DNS message
 * is REFUSED, its reason in why when why != NULL; nothing is written).
 * Returns the DNS rcode to answer.
 */
int dns_update_apply(const struct dns_snapshot *s, const ldns_pkt *pkt,
                     const char *principal, const struct dns_update_ops *ops,
                     void *ctx, char *why, size_t whylen);

/*
 * Handle an UPDATE message end to end: zone section, GSS-TSIG check,
 * dns_update_apply, signed response.  Returns the response length in out
 * (0: nothing to send).
 */
size_t dns_update_handle(struct dns_slow *sl, const struct dns_snapshot *s,
                         const uint8_t *q, size_t qlen, long long now,
                         uint8_t *out, size_t cap);

#endif
