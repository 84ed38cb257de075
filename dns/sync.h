/* dns/sync.h - keep the zone current from the directory (RFC 4533
 * refreshAndPersist) */
#ifndef DNS_SYNC_H
#define DNS_SYNC_H

#include "ad/dcconf.h"
#include "dns/server.h"
#include "dns/slow.h"

struct dns_sync;

/*
 * Connect to the directory (sync and write connections, before privileges
 * are dropped), load the GSS acceptor keytab DIR/krb5/dc.keytab into memory
 * and fill sl's update backend.  conf must outlive the sync.  0 or MDC_E*.
 */
MDC_MUSTCHECK int dns_sync_open(const struct mdc_dcconf *conf,
                                struct dns_server *srv, struct dns_slow *sl,
                                struct dns_sync **out);
/* Start the thread that follows the directory and publishes snapshots. */
MDC_MUSTCHECK int dns_sync_start(struct dns_sync *y);
/* Stop the thread (after dns_server_stopping() became true) and free. */
void dns_sync_close(struct dns_sync *y);

#endif
