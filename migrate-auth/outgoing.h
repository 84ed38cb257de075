/* migrate-auth/outgoing.h - how a live move that lost its source ends: the
 * record of an outgoing move, the source agent's question to the
 * destination (OUTCOME) and its answer (doc/PROTOCOL.migrate.md, "A source
 * that dies in the switch-over") */
#ifndef MDC_MIG_OUTGOING_H
#define MDC_MIG_OUTGOING_H

#include <sys/types.h>

#include "migrate-auth/migrate.h"
#include "migrate-auth/proto.h"
#include "migrate-auth/sess.h"

/*
 * Source: STATE/outgoing/NAME ("FQDN IP PORT", the destination), written
 * when a live move starts and held with flock(LOCK_EX) by its controller
 * for as long as it runs.  *fd_out is the lock; MDC_E* with e->text.
 */
MDC_MUSTCHECK int mdc_out_begin(const char *state, const char *vm,
                                const char *fqdn, const char *ip, int port,
                                int *fd_out, struct mdc_err *e);
/* The move ended and the VM is in one place: the record goes. */
void mdc_out_end(const char *state, const char *vm, int fd);

/* True if a record exists that no controller holds (flock test). */
int mdc_out_orphaned(const char *state);

/* Who the agent is, for the resolver's questions. */
struct mdc_out_self {
	const struct mdc_mig_agent_opts *o;
	const char *fqdn;    /* this host */
	const char *ip;      /* our listen address: where we connect from */
	const char *account; /* HOST1$@REALM, our credential */
};

/*
 * The agent's resolver (a child process): every record that no controller
 * holds names a VM whose move ended without its controller.  A VM that
 * runs here (the move failed before its switch-over) keeps running; one
 * paused here is the destination's question: OUTCOME as this host's
 * account.  Runs there: the copy here is stopped and its definition
 * removed.  Not there: resumed here.  No answer: it stays paused and
 * marked migrating, the log says so with the command that resumes it
 * (move --cancel), and the resolver asks again every few seconds.
 * Returns when no record is left that it could resolve.
 */
void mdc_out_resolve(const struct mdc_out_self *self, mdc_mig_say_fn say,
                     void *arg);

/*
 * Destination: the answer to OUTCOME m from the peer who (the initiator's
 * name), which must be the account of m->host.  ACCEPTED: VM m->vm runs
 * here (its move committed: defined, no STATE/incoming marker); REFUSED:
 * it is not here; FAILED: its move has not ended here yet (ask again), or
 * who is not that host.
 */
void mdc_out_answer(const char *state, const char *self_fqdn, const char *who,
                    const struct mdc_mig_msg *m, struct mdc_mig_msg *r);

#endif
