/* join/dnsreg.h - the host's A record by GSS-TSIG dynamic update */
#ifndef MDC_JOIN_DNSREG_H
#define MDC_JOIN_DNSREG_H

#include "join/sess.h"

/* What an update did. */
struct mdc_join_dns_res {
	char ip[64];  /* the host's address (A data) */
	char ptr[80]; /* d.c.b.a.in-addr.arpa */
	int ptr_done; /* 1: PTR changed; 0: the DC serves no reverse zone */
};

/*
 * Replace (add != 0) or delete (add == 0) the A record of o->fqdn in the
 * zone o->domain on the DC's DNS server (TCP 53), then the PTR record of
 * the address in the deepest reverse zone (/24, /16, /8) the DC serves,
 * signed with GSS-TSIG (RFC 3645: TKEY negotiation for DNS/<dc name>, then
 * TSIGs whose MAC is a GSS MIC) with the credentials in s->cc.  The
 * address is the one this host uses to reach the DC.  Every change must
 * be answered NOERROR with a valid TSIG (a reverse zone the DC does not
 * serve is skipped).  Returns 0 or MDC_E* with e filled; res is filled as
 * far as the update got.
 */
MDC_MUSTCHECK int mdc_join_dns_update(struct mdc_join_sess *s, int add,
                                      struct mdc_join_dns_res *res,
                                      struct mdc_err *e);

#endif
