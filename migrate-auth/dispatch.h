/* migrate-auth/dispatch.h - one connection's request, in the agent's child:
 * who may talk to us, authentication, then the request to its handler */
#ifndef MDC_MIG_DISPATCH_H
#define MDC_MIG_DISPATCH_H

#include "migrate-auth/conn.h"

/*
 * Serve connection c: the peer's address (admit.h) before any GSS work,
 * hello, accept as princ (the host's account), read one request and
 * hand it to the source or destination (roles.h, live.h) or to the VM
 * service (vmsvc.h); log it and answer.  0, or MDC_E* (logged).
 */
int mdc_dispatch_serve(struct mdc_conn *c, const char *princ,
                       mdc_mig_say_fn say, void *arg);

#endif
