/* migrate-auth/roles.h - the source and destination of a one-request
 * move: MOVE/PREPARE (the policy round trip) and MOVE_STORAGE/
 * PREPARE_STORAGE (that, then the copy of one disk file) */
#ifndef MDC_MIG_ROLES_H
#define MDC_MIG_ROLES_H

#include "lib/err.h"
#include "migrate-auth/conn.h"
#include "migrate-auth/proto.h"

/*
 * Source, before anything is opened or connected: the user's ticket must
 * be forwardable (or no S4U2Proxy) and migration enabled on this host.
 * 0, or -1 with r the RESULT to send.
 */
int mdc_role_source_precheck(struct mdc_conn *c, struct mdc_mig_msg *r);

/*
 * Source of MOVE / MOVE_STORAGE m: the checks, then reach the destination
 * as the user (constrained delegation) and relay its answer; for a disk,
 * stream it once accepted.  r = the RESULT to send the CLI.
 */
void mdc_role_source(struct mdc_conn *c, const struct mdc_mig_msg *m,
                     struct mdc_mig_msg *r);

/*
 * Destination of PREPARE / PREPARE_STORAGE (or LIVE_PREPARE) m: the
 * policy (policy.h) on the client's PAC and this host's state; r = the
 * verdict.  An accepted PREPARE_STORAGE leaves c->sink open for
 * mdc_role_disk.
 */
void mdc_role_dest(struct mdc_conn *c, const struct mdc_mig_msg *m,
                   struct mdc_mig_msg *r);

/*
 * Destination, once the acceptance is sent: receive the disk into
 * c->sink (closed and freed here), log and send the verdict r.  0, or the
 * send's error (e).
 */
int mdc_role_disk(struct mdc_conn *c, const struct mdc_mig_msg *m,
                  struct mdc_mig_msg *r, mdc_mig_say_fn say, void *arg,
                  struct mdc_err *e);

#endif
