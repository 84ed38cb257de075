/* join/locate.h - find a DC: DNS SRV/A with c-ares, then the LDAP ping */
#ifndef MDC_JOIN_LOCATE_H
#define MDC_JOIN_LOCATE_H

#include "join/join.h"

#define MDC_JOIN_ADDR_MAX 64

/* A DC found for a domain. */
struct mdc_join_dc {
	char addr[MDC_JOIN_ADDR_MAX];     /* numeric IPv4 address */
	char name[MDC_JOIN_NAME_MAX + 1]; /* dc1.example.com (LDAP ping) */
	char netbios[16];                 /* EXAMPLE */
	unsigned flags;                   /* MDC_DS_* of the ping reply */
};

/*
 * Locate a writable KDC+LDAP DC of o->domain: o->server (an IPv4 address
 * or a name resolved with c-ares) or the SRV records
 * _ldap._tcp.dc._msdcs.<domain> (lowest priority first), then A of the
 * target, then a CLDAP LDAP ping (UDP 389) that must answer for the
 * domain.  The system resolver configuration (resolv.conf) is c-ares'.
 * Returns 0 or MDC_E* with e filled.
 */
MDC_MUSTCHECK int mdc_join_locate(const struct mdc_join_opts *o,
                                  struct mdc_join_dc *dc, struct mdc_err *e);

#endif
