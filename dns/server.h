/* dns/server.h - the DNS daemon: sockets, worker threads, snapshot publication
 */
#ifndef DNS_SERVER_H
#define DNS_SERVER_H

#include "dns/zone.h"

struct dns_server;

/*
 * Make s the snapshot every worker answers from (takes ownership) and free
 * the previous one once no worker still reads it.  Thread-safe; called by
 * the LDAP sync thread.
 */
void dns_server_publish(struct dns_server *srv, struct dns_snapshot *s);
/*
 * Stop the daemon with a failure status (the supervisor restarts it), e.g.
 * when the directory connection is lost.  Thread-safe.
 */
void dns_server_fail(struct dns_server *srv);
/* True once SIGTERM/SIGINT asked the daemon to stop. */
int dns_server_stopping(const struct dns_server *srv);

/* `minidc dns-serve --dir DIR` (or --zone FILE --origin O --listen IP:PORT). */
int dns_cmd_serve(int argc, char **argv);

#endif
