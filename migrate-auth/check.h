/* migrate-auth/check.h - minidc-migrate check: a move's preflight */
#ifndef MDC_MIG_CHECK_H
#define MDC_MIG_CHECK_H

#include "migrate-auth/migrate.h"

struct mdc_mig_check_req {
	const char *vm, *to, *via; /* required */
	const char *dest_addr;     /* NULL: the source resolves --to */
	const char *storage_path;  /* the move's --storage-path, or NULL */
};

/*
 * Check each prerequisite of "move VM --to TO --via VIA" without moving
 * anything, printing (MDC_MIG_OUT) "ok WHAT", "MISSING WHAT" then
 * "  fix: COMMAND", "unchecked WHAT" for what an earlier missing one
 * hides, or "n/a WHAT" for what the move of a VM the source does not
 * define never meets.  The caller's ticket is read from its ccache; the
 * rest is the agents' own decisions: vm show at the source (is the VM
 * defined there, its definition), then LIVE_MOVE with the check flag
 * (doc/PROTOCOL.migrate.md, "Preflight"): the source decides as for a move
 * (its address rule included), the destination too (policy, the VM's CPU
 * model by a probe QEMU, the storage directory and its free space), and
 * nothing is created; the refusal is mapped to the prerequisite it names.
 * Returns 0 if none is missing, MDC_EDENIED if one is (e->text says how
 * many), MDC_EINVAL for a usage error.
 */
int mdc_mig_check(const struct mdc_mig_check_req *q, mdc_mig_say_fn say,
                  void *arg, struct mdc_err *e);

#endif
