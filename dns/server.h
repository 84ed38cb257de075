/* dns/server.h - the DNS daemon: sockets, worker threads, snapshot publication
 */
#ifndef DNS_SERVER_H
#define DNS_SERVER_H

#include "dns/dns.h"

/*
 * `minidc dns-serve --dir DIR` (settings from load) or --zone FILE
 * --origin O --listen IP --port N (tests, benchmarks).
 */
int dns_cmd_serve(int argc, char **argv, dns_conf_loader load);

#endif
