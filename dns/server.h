/* dns/server.h - the DNS daemon: sockets, worker threads, snapshot publication
 */
#ifndef DNS_SERVER_H
#define DNS_SERVER_H

/* `minidc dns-serve --dir DIR` (or --zone FILE --origin O --listen IP:PORT). */
int dns_cmd_serve(int argc, char **argv);

#endif
