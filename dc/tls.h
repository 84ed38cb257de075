/* dc/tls.h - the domain's TLS CA and the DC certificate (LDAPS, StartTLS) */
#ifndef MDC_TLS_H
#define MDC_TLS_H

#include "lib/err.h"

/*
 * Create in dir: ca.crt, ca.key (0600), dc.crt, dc.key (0600).  The CA is
 * "<realm> minidc CA" (10 years); the DC certificate names fqdn (CN and
 * DNS SAN), the domain name (DNS SAN) and ip (IP SAN), 5 years, serverAuth.
 * Keys are EC P-256.  Returns 0 or MDC_ECRYPTO / an I/O MDC_E*.
 */
MDC_MUSTCHECK int mdc_tls_provision(const char *dir, const char *realm,
                                    const char *domain, const char *fqdn,
                                    const char *ip);

#endif
