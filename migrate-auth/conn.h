/* migrate-auth/conn.h - one connection of the agent, and what every
 * request handler needs of it (the client's name, its PAC, a log line) */
#ifndef MDC_MIG_CONN_H
#define MDC_MIG_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <gssapi/gssapi.h>

#include "lib/err.h"
#include "migrate-auth/migrate.h"

struct mdc_mig_sink;
struct mdc_admit;

/* Everything one connection needs; a child of the agent owns one. */
struct mdc_conn {
	const struct mdc_mig_agent_opts *o;
	const char *fqdn; /* this host */
	const char *ip;   /* our listen address: the source's bind address */
	int fd;
	struct sockaddr_storage peer;
	gss_ctx_id_t ctx;
	gss_name_t client;
	gss_cred_id_t deleg;
	char who[512];             /* display name of the client */
	struct mdc_mig_sink *sink; /* destination of an accepted disk copy */
	struct mdc_admit *admit;   /* the agent's table (admit.h) */
};

/* The agent's send and receive timeouts (30 s) on fd. */
void mdc_conn_timeouts(int fd);

/* Connect over TCP to host:port (timeouts set), from bind_ip if not NULL. */
MDC_MUSTCHECK int mdc_conn_connect(const char *host, int port,
                                   const char *bind_ip, int *fd_out,
                                   struct mdc_err *e);

/* One authenticated PAC buffer (attr, e.g. "urn:mspac:logon-info") of
 * name: a malloc'd copy and *len, or NULL if there is none. */
uint8_t *mdc_conn_pac(gss_name_t name, const char *attr, size_t *len);

/* After a failure, let the peer read our RESULT instead of a reset: stop
 * writing, then swallow what is in flight (2 s without a byte ends it). */
void mdc_conn_drain(int fd);

/* c->who from c->client, sanitized for the log ("(unknown)" if none). */
void mdc_conn_who(struct mdc_conn *c);

/* One printf-style line to say at level lvl. */
void mdc_conn_say(mdc_mig_say_fn say, void *arg, enum mdc_mig_say lvl,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
