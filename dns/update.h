/* dns/update.h - RFC 2136 dynamic update: prerequisites, owner rule, apply */
#ifndef DNS_UPDATE_H
#define DNS_UPDATE_H

#include <ldns/ldns.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/msg.h"
#include "dns/slow.h"
#include "dns/zone.h"

/* The new complete RRset of one owner name touched by an update. */
struct dns_change {
	ldns_rdf *name;              /* absolute owner name (owned) */
	const ldns_rdf *origin;      /* the zone it belongs to */
	const struct dns_entry *old; /* its entry in the snapshot, or NULL */
	ldns_rr_list *rrs;           /* every RR the name keeps (owned) */
};

/* Who sends an update, as far as the owner rule cares. */
struct dns_who {
	int privileged;   /* DCs, Domain/Enterprise Admins, DnsAdmins: decided
	                   * by the SIDs of the domain's real groups */
	char host[256];   /* a computer's dNSHostName (no final dot), or "" */
	int users_create; /* the zone lets any authenticated user create names
	                   * (idnsAllowDynUpdate TRUE on the zone; off by
	                   * default) */
};

/* The facts one name of an update is judged on (dns_update_may). */
struct dns_upd_facts {
	int privileged;   /* dns_who.privileged */
	int reserved;     /* dns_name_reserved, or the RR is NS or SOA */
	int exists;       /* the name has an entry now */
	int owned;        /* ... created by this principal (mdcDnsOwner) */
	int own_host;     /* the name is the sender's dNSHostName, or a PTR to
	                   * it in a reverse (.arpa) zone */
	int users_create; /* dns_who.users_create */
};

/* Verdicts of dns_update_may. */
enum {
	DNS_UPD_OK = 0,
	DNS_UPD_RESERVED, /* DC locator, apex, NS/SOA, wpad/isatap */
	DNS_UPD_OWNED,    /* the name belongs to another principal (or none) */
	DNS_UPD_CREATE,   /* new names: own host name only */
};

/*
 * The owner rule: privileged senders change anything; nobody else
 * reserved names; an existing name only by its owner; a new name only a
 * computer's own host name (and its PTR), or anyone where the zone allows
 * it.  Returns DNS_UPD_OK or the reason it is refused.
 */
int dns_update_may(const struct dns_upd_facts *f);

/* Text for a dns_update_may verdict. */
const char *dns_update_reason(int verdict);

/*
 * True if name (absolute) in zone origin is reserved for DCs and DNS
 * admins: the apex, anything with an _msdcs, _sites, _tcp or _udp label,
 * and AD's global query block list (first label wpad or isatap).
 */
int dns_name_reserved(const ldns_rdf *origin, const ldns_rdf *name);

/* Where accepted updates go (the directory, dns/ldapdns.h; a fake in tests). */
struct dns_update_ops {
	/*
	 * Fill *out for principal sending an update to zone origin.  0, or a
	 * negative MDC_E* (the update is then REFUSED).
	 */
	int (*who)(void *ctx, const struct dns_snapshot *s,
	           const ldns_rdf *origin, const char *principal,
	           struct dns_who *out);
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
 * is REFUSED; nothing is written).  When a rule refuses, its reason is
 * copied into why when why != NULL.
 * Returns the DNS rcode to answer.
 */
int dns_update_apply(const struct dns_snapshot *s, const ldns_pkt *pkt,
                     const char *principal, const struct dns_update_ops *ops,
                     void *ctx, struct mdc_err *why);

/*
 * Handle an UPDATE message m (parsed once, dns/msg.h) end to end: zone
 * section, GSS-TSIG check, dns_update_apply over m's records, signed
 * response.  Returns the response length in out (0: nothing to send).
 */
size_t dns_update_handle(struct dns_slow *sl, const struct dns_snapshot *s,
                         const struct dns_msg *m, long long now, uint8_t *out,
                         size_t cap);

#endif
