/* lib/net.h - socket helpers: addresses, binding, readiness probes */
#ifndef MDC_NET_H
#define MDC_NET_H

#include <netinet/in.h>
#include <sys/socket.h>

#include "lib/err.h"

/* Parse a numeric IPv4/IPv6 address and port into ss; returns 0 or MDC_EINVAL.
 */
MDC_MUSTCHECK int mdc_net_addr(const char *ip, int port,
                               struct sockaddr_storage *ss, socklen_t *len);
/*
 * Check whether ip:port can be bound for the given socket type (SOCK_STREAM
 * or SOCK_DGRAM) right now.  Returns 0 if free, MDC_EADDRINUSE if taken,
 * another MDC_E* if the address is not usable.
 */
MDC_MUSTCHECK int mdc_net_port_free(const char *ip, int port, int type);
/* Try to connect to ip:port over TCP within timeout_ms; 0 if it accepted. */
MDC_MUSTCHECK int mdc_net_tcp_probe(const char *ip, int port, int timeout_ms);
/* Try to connect to a unix socket path; 0 if something accepted. */
MDC_MUSTCHECK int mdc_net_unix_probe(const char *path);
/*
 * Create a bound socket (type SOCK_STREAM listens with backlog 128) with
 * SO_REUSEADDR, close-on-exec and non-blocking; *fd_out owned by caller.
 */
MDC_MUSTCHECK int mdc_net_listen(const char *ip, int port, int type,
                                 int reuseport, int *fd_out);
/* Create a listening unix stream socket at path (unlinking a stale one). */
MDC_MUSTCHECK int mdc_net_listen_unix(const char *path, int *fd_out);
/* Connect to a unix stream socket at path (blocking); *fd_out owned by caller.
 */
/* Send all len bytes of buf on a stream socket, retrying short sends and
 * EINTR; MSG_NOSIGNAL, so a peer that went away is MDC_ETRUNC, not SIGPIPE. */
MDC_MUSTCHECK int mdc_net_send_all(int fd, const void *buf, size_t len);
MDC_MUSTCHECK int mdc_net_connect_unix(const char *path, int *fd_out);

#endif
