/* dns/query.h - the query fast path: answer from a snapshot without allocating
 */
#ifndef DNS_QUERY_H
#define DNS_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "dns/zone.h"

enum dns_verdict {
	DNS_DROP = 0, /* send nothing (a response, or no header) */
	DNS_SEND = 1, /* *outlen bytes in out are the answer */
	DNS_SLOW = 2, /* not a plain query: hand it to dns/slow.h */
};

/* Per-query facts the fast path found (for the slow path and logging). */
struct dns_qinfo {
	size_t qname_len; /* wire length of QNAME */
	uint16_t qtype, qclass;
	int edns;          /* an OPT record was present */
	uint16_t udp_size; /* client's EDNS buffer size */
	int do_bit;
};

/*
 * Answer query q (qlen bytes) from snapshot s (NULL: zone not loaded yet,
 * SERVFAIL) into out (cap >= DNS_MSG_MAX).  tcp selects the size limit.
 * forward != 0 makes out-of-zone names DNS_SLOW instead of REFUSED.
 * Never allocates; reads q only through lib/buf.h.
 */
enum dns_verdict dns_query_answer(const struct dns_snapshot *s,
                                  const uint8_t *q, size_t qlen, int tcp,
                                  int forward, uint8_t *out, size_t cap,
                                  size_t *outlen);

/*
 * Write a response carrying only the header and question (and OPT when the
 * query had EDNS) with rcode (an extended rcode > 15 goes into the OPT).
 * Used by both paths.  Returns the length or 0 if out is too small.
 */
size_t dns_query_short(const uint8_t *q, const struct dns_qinfo *qi,
                       uint16_t qflags, int aa, int rcode, uint8_t *out,
                       size_t cap);

#endif
