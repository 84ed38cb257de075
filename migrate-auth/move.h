/* migrate-auth/move.h - a live move of a running QEMU VM: the source's
 * controller, and what every controller gets from the agent (the
 * destination's: movedst.h; doc/PROTOCOL.migrate.md, "Live move") */
#ifndef MDC_MIG_MOVE_H
#define MDC_MIG_MOVE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <gssapi/gssapi.h>

#include "migrate-auth/live.h"
#include "migrate-auth/migrate.h"
#include "migrate-auth/proto.h"
#include "migrate-auth/sess.h"

#define MDC_LIVE_MAX_MIGRATIONS 2 /* moves at once per agent (default) */

/* What a controller gets from the agent's connection (nothing owned). */
struct mdc_live_conn {
	const struct mdc_mig_agent_opts *o;
	const char *fqdn; /* this host */
	const char *ip;   /* our listen address: where we connect from */
	const char *who;  /* the user, "alice@EXAMPLE.COM" */
	int fd;           /* the connection (CLI, resp. source agent) */
	gss_ctx_id_t ctx;
	gss_cred_id_t deleg;  /* source: the user's delegated credential */
	const uint8_t *logon; /* the user's PAC logon-info, or NULL */
	size_t logon_len;
	mdc_mig_say_fn say;
	void *arg;
};

/*
 * Source: LIVE_MOVE m from the CLI (the agent already checked the
 * forwardable ticket and that migration is enabled).  Sends LIVE_INFO
 * progress on c->fd while it runs; *r is the final RESULT for the CLI.
 * Any failure leaves the VM running here.
 */
void mdc_live_source(const struct mdc_live_conn *c, const struct mdc_mig_msg *m,
                     struct mdc_mig_msg *r);

#endif
