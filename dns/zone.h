/* dns/zone.h - immutable zone snapshots with pre-rendered answers */
#ifndef DNS_ZONE_H
#define DNS_ZONE_H

#include <ldns/ldns.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

/*
 * One owner name as stored in the directory (one idnsRecord entry) or read
 * from a zone file.  All fields owned by the struct (dns_entry_clear).
 */
struct dns_entry {
	char *dn;          /* LDAP DN, NULL for zone-file data */
	char *owner;       /* principal that created the name, NULL: static */
	ldns_rdf *name;    /* absolute owner name */
	ldns_rr_list *rrs; /* its records (SOA included for the apex) */
	char *xfr_allow;   /* a zone apex's idnsAllowTransfer, NULL: none */
};
void dns_entry_clear(struct dns_entry *e);
/* Deep copy src into dst; 0 or MDC_ENOMEM. */
MDC_MUSTCHECK int dns_entry_copy(struct dns_entry *dst,
                                 const struct dns_entry *src);

struct dns_set {
	uint16_t type, an, ns, ar;
	uint32_t off, len; /* blob in the arena: answer + additional RRs */
	uint32_t alen;     /* bytes of the answer part (additional follows) */
};

struct dns_node {
	uint32_t name_off; /* lower-case wire name in the arena */
	uint16_t name_len;
	uint16_t nsets;
	uint32_t first_set; /* index into sets[] */
	int32_t cname_set;  /* index into sets[] or -1 */
	int32_t any_set;    /* all RRsets, for QTYPE ANY; -1 if ENT */
	int32_t entry;      /* index into ents[] or -1 (empty non-terminal) */
};

/* One zone of a snapshot: an entry with a SOA at its own name. */
struct dns_zone {
	uint8_t apex[256]; /* lower-case wire name */
	size_t apex_len;
	ldns_rdf *origin;
	uint32_t serial;
	uint8_t *neg; /* SOA RR after its owner name (negative TTL) */
	size_t neg_len;
	ldns_rr_list *axfr; /* SOA, every other RR of the zone, SOA */
};

/*
 * What the query workers read.  Built once, never modified, published by
 * pointer swap (dns/server.c) and freed when no worker uses it any more.
 */
struct dns_snapshot {
	struct dns_zone *zones; /* zones[0] is the primary (the domain) */
	size_t nzones;
	uint8_t *arena;
	size_t arena_len, arena_cap;
	struct dns_set *sets;
	size_t nsets, sets_cap;
	struct dns_node *nodes;
	size_t nnodes, nodes_cap;
	uint32_t *table; /* open addressing: node index + 1, 0 = empty */
	size_t table_mask;
	struct dns_entry *ents; /* sorted by nothing; node->entry points here */
	size_t nents;
};

/*
 * Build a snapshot from n entries (copied, the caller keeps its own).  The
 * primary zone is origin, whose entry must hold its SOA; every other entry
 * with a SOA at its own name is a zone too (e.g. a reverse zone).  Records
 * outside every zone are ignored.  Returns 0 and the new snapshot in *out,
 * MDC_EMALF without the primary SOA, MDC_ENOMEM.
 */
MDC_MUSTCHECK int dns_snapshot_build(const ldns_rdf *origin,
                                     const struct dns_entry *ents, size_t n,
                                     struct dns_snapshot **out);
void dns_snapshot_free(struct dns_snapshot *s);
/*
 * The zone holding lower-case wire name (the longest apex that is a suffix
 * of it), or NULL; *apex_off_out (may be NULL) gets the apex's offset in it.
 */
const struct dns_zone *dns_snapshot_zone(const struct dns_snapshot *s,
                                         const uint8_t *name, size_t len,
                                         size_t *apex_off_out);
/* The zone whose apex is exactly name (any case), or NULL. */
const struct dns_zone *dns_snapshot_zone_at(const struct dns_snapshot *s,
                                            const ldns_rdf *name);
/* Find the node of a lower-case wire name, or NULL. */
const struct dns_node *dns_snapshot_find(const struct dns_snapshot *s,
                                         const uint8_t *name, size_t len);
/* The entry holding name (case-insensitive), or NULL. */
const struct dns_entry *dns_snapshot_entry(const struct dns_snapshot *s,
                                           const ldns_rdf *name);
/* Group the RRs of an ldns zone (file) into entries; caller frees each. */
MDC_MUSTCHECK int dns_entries_from_zone(const ldns_zone *z,
                                        struct dns_entry **ents_out,
                                        size_t *n_out);
/*
 * The size rule for stored DNS data: every record, with its owner name
 * written in full after a question for that name, the header and an OPT
 * record, must fit one DNS message (DNS_MSG_MAX), and so must every RRset
 * answered as a whole (owner compressed).  Anything bigger could be stored
 * but never served.  dns_rrs_fit() returns 0, or MDC_ERANGE with a one-line
 * reason in why (may be NULL) naming the first record that breaks the rule.
 */
MDC_MUSTCHECK int dns_rrs_fit(const ldns_rr_list *rrs, struct mdc_err *why);
/*
 * Remove (and free) the records of rrs that break the size rule, in order:
 * a record too big alone, or one its RRset has no room left for.  Returns
 * how many were removed; why (may be NULL) gets the reason for the first.
 */
size_t dns_rrs_drop_oversized(ldns_rr_list *rrs, struct mdc_err *why);
/* 32-bit FNV-1a of a lower-case name (used by the table). */
uint32_t dns_name_hash(const uint8_t *name, size_t len);

#endif
