/* dc/cldap.h - the CLDAP responder: LDAP pings over UDP 389 */
#ifndef MDC_CLDAP_H
#define MDC_CLDAP_H

#include "ad/dcconf.h"
#include "dc/service.h"
#include "lib/err.h"

/*
 * `minidc cldap-serve --dir DIR`: read DIR/minidc.conf, bind UDP
 * conf->address:conf->port_cldap, drop root (to nobody) and answer LDAP
 * pings (ad/netlogon.h) in the foreground until SIGTERM or SIGINT; logs to
 * stderr as "cldap".
 * Returns the exit status (0 after a signal, 1 on a startup failure,
 * 2 on a usage error).
 */
int mdc_cmd_cldap_serve(int argc, char **argv);

/*
 * Send one LDAP ping for conf's domain to conf->address:conf->port_cldap
 * over UDP and wait up to timeout_ms for an answer carrying a netlogon
 * entry.  Returns 0 if it came, MDC_ETIMEDOUT if nothing (valid) did,
 * another MDC_E* on a local failure.  Used as the service's readiness
 * probe.
 */
MDC_MUSTCHECK int mdc_cldap_probe(const struct mdc_dcconf *conf,
                                  int timeout_ms);

/* The supervisor's entry for "cldap" (listed in dc/services.c). */
extern const struct mdc_service mdc_service_cldap;

#endif
