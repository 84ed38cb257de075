/* migrate-auth/movedst.h - a live move of a running QEMU VM: the
 * destination's controller, and the recovery of interrupted incoming moves
 * at agent start */
#ifndef MDC_MIG_MOVEDST_H
#define MDC_MIG_MOVEDST_H

#include "migrate-auth/move.h"

/*
 * Destination: LIVE_PREPARE m that the policy accepted (*r holds the
 * acceptance).  Sets the VM up, answers the source itself, carries the
 * move to its end; returns with *r the line for the log.  Any failure
 * removes what it created.
 */
void mdc_live_dest(const struct mdc_live_conn *c, const struct mdc_mig_msg *m,
                   struct mdc_mig_msg *r);

/*
 * At agent start: remove what an interrupted incoming move left (the
 * destination's controller was killed before it could clean up): its
 * QEMU, run directory, disks and definition, from the marker
 * STATE/incoming/NAME written before anything was created; and the
 * "migrating" mark of any other VM (no move outlives its agent).  Says one
 * line per VM.
 */
void mdc_live_recover(const struct mdc_mig_agent_opts *o, mdc_mig_say_fn say,
                      void *arg);

#endif
