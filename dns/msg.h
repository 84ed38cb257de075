/* dns/msg.h - the one parse of a message the fast path passes on */
#ifndef DNS_MSG_H
#define DNS_MSG_H

#include <ldns/ldns.h>
#include <stddef.h>
#include <stdint.h>

#include "ad/dnswire.h"
#include "ad/tsig.h"
#include "dns/query.h"

/*
 * A message parsed once, with ldns, for every layer of the slow path (the
 * odd queries, TKEY, UPDATE, the zone transfer), as Knot hands its parsed
 * packet to its layers: none of them reads the wire again.  Plain queries
 * never get here: the fast path (dns/query.h) answers them from its own
 * allocation-free scan.
 */
struct dns_msg {
	const uint8_t *wire; /* the message as received (not owned) */
	size_t len;
	int err; /* 0; MDC_EMALF: malformed past the header (only h is
	          * valid: FORMERR); MDC_ETRUNC: no header */
	struct dns_hdr h;
	ldns_pkt *pkt; /* all records but OPT and TSIG (owned), or NULL */
	size_t qend;   /* offset of the end of the question section */
	uint8_t qname[DNS_NAME_MAX + 1]; /* the first question, lower-case */
	struct dns_qinfo qi;  /* its length, type and class; edns: one OPT */
	int nopt;             /* OPT records in the additional section */
	int tsig;             /* 1: t is the TSIG RR, the message's last */
	struct dns_tsig_rr t; /* pointers into pkt; t.off into wire */
	int tkey;             /* 1: k is the first TKEY RR after the question */
	struct dns_tkey_rr k; /* pointers into pkt */
};

/*
 * Parse q (len bytes, referenced by m until dns_msg_clear) into m.  Returns
 * m->err: 0; MDC_EMALF for a record ldns refuses, a TSIG that is not the
 * last record or has a class, TTL or RDATA no TSIG has, a TKEY without its
 * 7 fields; MDC_ETRUNC; MDC_ENOMEM.  Bytes after the last record are
 * ignored.  Call dns_msg_clear(m) in every case.
 */
int dns_msg_parse(const uint8_t *q, size_t len, struct dns_msg *m);

/* Free what m owns (NULL-safe on a cleared or failed m). */
void dns_msg_clear(struct dns_msg *m);

#endif
