/* dns/slow.h - the slow path: odd queries, TKEY, UPDATE, AXFR, forwarding */
#ifndef DNS_SLOW_H
#define DNS_SLOW_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dns/query.h"
#include "dns/zone.h"

#define DNS_AXFR    3 /* verdict: stream the zone (dns_slow_axfr) */
#define DNS_FORWARD 4 /* verdict: relay it (dns_slow_forward) */

struct dns_update_ops; /* dns/update.h */
struct dns_tsig_keys;  /* ad/tsig.h */
struct dns_msg;        /* dns/msg.h */

/* Everything the slow path needs; owned by the server. */
struct dns_slow {
	struct sockaddr_storage forwarders[4];
	socklen_t fwd_len[4];
	int nforwarders;
	/* Peers that may transfer every zone ([dns] axfr_allow), on top of
	 * each zone's own list (dns/xfracl.h syntax); "" by default. */
	char axfr_allow[1024];
	struct dns_tsig_keys *keys; /* NULL: no GSS-TSIG (zone file mode) */
	const struct dns_update_ops *ops; /* NULL: updates REFUSED */
	void *ops_ctx;
	long long (*now)(void); /* seconds since the epoch */
	char event[640]; /* set by TKEY/UPDATE handling: one line to log */
};

/*
 * Handle a message the fast path passed on, parsed once by dns_msg_parse
 * (its m->err decides FORMERR).  Serialised by the caller (one slow path at
 * a time: GSS contexts are not thread-safe).  Returns a verdict like
 * dns_query_answer(); DNS_FORWARD asks the caller to call dns_slow_forward
 * (after letting go of the lock and the snapshot); DNS_AXFR asks a TCP
 * caller to call dns_slow_axfr with the same m.
 */
int dns_slow_handle(struct dns_slow *sl, const struct dns_snapshot *s,
                    const struct dns_msg *m, const struct sockaddr *peer,
                    int tcp, uint8_t *out, size_t cap, size_t *outlen);

/*
 * Whether peer may transfer zone z of s: the server-wide list of sl or the
 * zone's own (its apex entry's idnsAllowTransfer).  1 or 0.
 */
int dns_slow_xfr_allowed(const struct dns_slow *sl,
                         const struct dns_snapshot *s, const struct dns_zone *z,
                         const struct sockaddr *peer);

/*
 * Render the zone transfer for query q (parsed) as one or more messages (about
 * 16 KiB each, never more than DNS_MSG_MAX), calling send(ctx, msg, len)
 * for each; 0 or a negative MDC_E* (send's own failure as it returned it).
 * A record too big for any message (the zone loaders drop those, see
 * dns_rrs_drop_oversized) ends the transfer with a SERVFAIL message:
 * MDC_ERANGE.
 */
int dns_slow_axfr(const struct dns_snapshot *s, const struct dns_msg *q,
                  int (*send)(void *ctx, const uint8_t *msg, size_t len),
                  void *ctx);

/*
 * Relay query q to the configured forwarders (each tried once, 1.5 s) and
 * put the first answer, or a SERVFAIL, into out; returns its length (0:
 * send nothing).  Blocks: call it without holding the slow-path lock or a
 * snapshot.  Thread-safe (reads sl only).
 */
size_t dns_slow_forward(const struct dns_slow *sl, const uint8_t *q,
                        size_t qlen, uint8_t *out, size_t cap);

/*
 * Parse "ip[:port] ..." (forwarders) into sl and check and keep the
 * server-wide transfer list (dns/xfracl.h); 0 or MDC_EINVAL.
 */
MDC_MUSTCHECK int dns_slow_config(struct dns_slow *sl, const char *forwarders,
                                  const char *axfr_allow);

#endif
