/* migrate-auth/check.h - minidc-migrate check: a move's preflight */
#ifndef MDC_MIG_CHECK_H
#define MDC_MIG_CHECK_H

#include "migrate-auth/migrate.h"

struct mdc_mig_check_req {
	const char *vm, *to, *via; /* required */
	const char *dest_addr;     /* NULL: the source resolves --to */
};

/*
 * Check each prerequisite of "move VM --to TO --via VIA" without moving
 * anything, printing (MDC_MIG_OUT) "ok WHAT", "MISSING WHAT" then
 * "  fix: COMMAND", or "unchecked WHAT" for what an earlier missing one
 * hides.  The caller's ticket is read from its ccache; the rest is the
 * agents' own decisions: the policy round trip of a move (source then
 * destination, the MOVE message of doc/PROTOCOL.migrate.md, which copies
 * nothing), its refusal mapped to the prerequisite it names.  Returns 0
 * if all are ok, MDC_EDENIED if one is missing (e->text says how many),
 * MDC_EINVAL for a usage error.
 */
int mdc_mig_check(const struct mdc_mig_check_req *q, mdc_mig_say_fn say,
                  void *arg, struct mdc_mig_err *e);

#endif
