/* dns/sync.h - keep the zone current from the directory (RFC 4533
 * refreshAndPersist) */
#ifndef DNS_SYNC_H
#define DNS_SYNC_H

#include "dns/conf.h"
#include "dns/slow.h"
#include "dns/zone.h"

struct dns_sync;

/*
 * Where the sync thread delivers (the server, dns/server.c, implements it;
 * the sync knows nothing of the server's threads).  Both are called from the
 * sync thread, publish also from dns_sync_open.
 */
struct dns_sync_sink {
	void *ctx;
	/* Make s the snapshot the server answers from (takes ownership). */
	void (*publish)(void *ctx, struct dns_snapshot *s);
	/* The directory connection is lost: stop with a failure status. */
	void (*fail)(void *ctx);
};

/*
 * Connect to the directory (sync and write connections, before privileges
 * are dropped), load the GSS acceptor keytab conf->keytab into memory
 * and fill sl's update backend.  conf must outlive the sync.  0 or MDC_E*.
 */
MDC_MUSTCHECK int dns_sync_open(const struct dns_conf *conf,
                                const struct dns_sync_sink *sink,
                                struct dns_slow *sl, struct dns_sync **out);
/* Start the thread that follows the directory and publishes snapshots. */
MDC_MUSTCHECK int dns_sync_start(struct dns_sync *y);
/* Stop the thread (within about a second) and free. */
void dns_sync_close(struct dns_sync *y);

#endif
