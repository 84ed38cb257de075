/* migrate-auth/srcaddr.h - the source's decision before it connects: the
 * user first, then the destination's address, resolved once */
#ifndef MDC_MIG_SRCADDR_H
#define MDC_MIG_SRCADDR_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "migrate-auth/proto.h"

/* What the source knows about a move request (nothing is owned). */
struct mdc_mig_src_req {
	const char *state;    /* the agent's state directory */
	const char *who;      /* the user, "alice@EXAMPLE.COM" */
	const uint8_t *logon; /* the user's PAC logon-info, or NULL */
	size_t logon_len;
	const char *self; /* this host's fqdn */
	const char *host; /* the destination's fqdn (--to) */
	const char *addr; /* --dest-addr, or "" for the host's name */
};

/*
 * Every path that makes the source connect to a destination calls this
 * first.  In order: the user is a Migration Operator (nothing is resolved
 * for anyone else), the address parses (a name is resolved once, and ip
 * gets the numeric address the connection must use), and it is one of
 * the destination host's registered addresses or inside a migration
 * network of this host (mdc_mig_src_decide).  Returns 0 (ip, *port set),
 * or -1 with r the RESULT to answer: REFUSED with the refusal, FAILED when
 * the state or the address cannot be read.
 */
MDC_MUSTCHECK int mdc_mig_src_check(const struct mdc_mig_src_req *q, char *ip,
                                    size_t iplen, int *port,
                                    struct mdc_mig_msg *r);

#endif
