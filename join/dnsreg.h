/* join/dnsreg.h - the host's A record by GSS-TSIG dynamic update */
#ifndef MDC_JOIN_DNSREG_H
#define MDC_JOIN_DNSREG_H

#include "join/sess.h"

/*
 * Replace (add != 0) or delete (add == 0) the A record of o->fqdn in the
 * zone o->domain on the DC's DNS server (TCP 53), signed with GSS-TSIG
 * (RFC 3645: TKEY negotiation for DNS/<dc name>, then a TSIG whose MAC is
 * a GSS MIC) with the credentials in s->cc.  The address is the one this
 * host uses to reach the DC; it goes into ip_out (cap bytes).  The
 * response must be NOERROR and carry a valid TSIG.  Returns 0 or MDC_E*
 * with e filled.
 */
MDC_MUSTCHECK int mdc_join_dns_update(struct mdc_join_sess *s, int add,
                                      char *ip_out, size_t cap,
                                      struct mdc_join_err *e);

#endif
