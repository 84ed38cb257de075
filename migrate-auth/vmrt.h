/* migrate-auth/vmrt.h - the VM runtime: QEMU processes of an agent */
#ifndef MDC_MIG_VMRT_H
#define MDC_MIG_VMRT_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/err.h"
#include "migrate-auth/qmp.h"
#include "migrate-auth/sess.h"
#include "migrate-auth/vmdef.h"
#include "migrate-auth/vmhost.h"

/*
 * The agent runs each VM as a QEMU process (doc/vm.md).  Whatever process
 * of the agent starts it, QEMU ends up the agent's child: the agent is a
 * child subreaper (mdc_vm_become_reaper), so when the connection child
 * that started QEMU exits, QEMU is reparented to the agent, which reaps it
 * and reports the exit (mdc_vm_reaped); nothing is ever restarted.
 *
 * A running VM has STATE/run/NAME/ (0700): qmp.sock and qmps.sock (QMP),
 * console.log (serial), qemu.log (QEMU's stderr), run.json (pid, accel,
 * cpu model, start time), and "migrating" while a move holds it.
 */

/* Where an agent keeps things and how it runs QEMU (nothing owned). */
struct mdc_vm_env {
	const char *state;   /* the agent's state directory */
	const char *storage; /* --storage-dir: disks, kernels, initrds must
	                      * resolve inside it; NULL: no VM may be defined */
	const char *qemu;    /* NULL: /usr/bin/qemu-system-x86_64 */
	enum mdc_vm_accel accel;
};

/*
 * Resolve a path given by a user for a disk, kernel or initrd: relative
 * paths are taken from env->storage, the result (realpath) must be inside
 * env->storage and exist.  out gets the absolute path.  Returns 0,
 * MDC_EDENIED (outside), MDC_ENOENT, MDC_EINVAL with e->text.
 */
MDC_MUSTCHECK int mdc_vm_resolve_path(const struct mdc_vm_env *env,
                                      const char *path, char *out,
                                      size_t outlen, struct mdc_err *e);
/* Resolve every path of d in place (mdc_vm_resolve_path). */
MDC_MUSTCHECK int mdc_vm_resolve_def(const struct mdc_vm_env *env,
                                     struct mdc_vm_def *d, struct mdc_err *e);

/* What a VM is doing, as vm list shows it. */
enum mdc_vm_state {
	MDC_VM_STOPPED = 0,
	MDC_VM_RUNNING = 1,
	MDC_VM_MIGRATING = 2,
};
/* "stopped", "running", "migrating". */
const char *mdc_vm_state_name(enum mdc_vm_state s);

/* A VM's runtime facts. */
struct mdc_vm_status {
	enum mdc_vm_state state;
	pid_t pid;             /* 0 when stopped */
	char accel[8];         /* "kvm"/"tcg" when running, else "-" */
	char status[32];       /* QEMU's run state when it answered ("running",
	                        * "paused", "inmigrate", ...), else "-" */
	char last_exit[128];   /* how the previous QEMU ended, or "" */
	char cpu_missing[256]; /* mdc_vm_start only: features of the CPU
	                        * model this host could not give the VM
	                        * (QEMU warns and runs without them), "" */
};

/* Start options. */
struct mdc_vm_start_opts {
	int paused;   /* leave the vCPU stopped (-S, no "cont") */
	int incoming; /* a migration destination: -incoming defer, paused */
};

/*
 * Start the VM defined as name: resolve the accelerator, create the run
 * directory, open and bridge the NICs' taps, fork and exec QEMU (own
 * session, stdio to qemu.log, only the tap fds inherited), wait up to
 * 60 s for its QMP socket, check "query-status" and the CPU model's
 * unavailable features (st_out->cpu_missing), then "cont" unless
 * paused or incoming.  A QEMU that fails on the way is killed and its
 * last qemu.log line is the error.  MDC_EEXIST if already running.
 * *st_out (may be NULL) gets the status.
 */
MDC_MUSTCHECK int mdc_vm_start(const struct mdc_vm_env *env, const char *name,
                               const struct mdc_vm_start_opts *o,
                               struct mdc_vm_status *st_out, struct mdc_err *e);
/*
 * Stop it: QMP "quit", wait up to timeout_ms for QEMU to exit, then
 * SIGTERM, then SIGKILL (each bounded).  The run directory is removed.
 * MDC_ENOENT if it is not running.  A VM that is migrating is refused
 * (MDC_EDENIED) unless force.
 */
MDC_MUSTCHECK int mdc_vm_stop(const struct mdc_vm_env *env, const char *name,
                              int timeout_ms, int force, struct mdc_err *e);
/* The VM's status (never fails for a defined VM; QMP asked with a short
 * timeout on qmps.sock). */
MDC_MUSTCHECK int mdc_vm_status_get(const struct mdc_vm_env *env,
                                    const char *name, struct mdc_vm_status *out,
                                    struct mdc_err *e);
/* Mark or unmark the VM as migrating (vm list shows it; stop refuses). */
MDC_MUSTCHECK int mdc_vm_set_migrating(const struct mdc_vm_env *env,
                                       const char *name, int on);
/*
 * Connect to the VM's main QMP monitor (qmp.sock).  QEMU serves one
 * client per monitor: hold it only for the duration of an operation.
 */
MDC_MUSTCHECK int mdc_vm_qmp_open(const struct mdc_vm_env *env,
                                  const char *name, int timeout_ms,
                                  struct mdc_qmp **q_out, struct mdc_err *e);
/* The run directory of name into out (MDC_ESPACE if too long). */
MDC_MUSTCHECK int mdc_vm_rundir(const struct mdc_vm_env *env, const char *name,
                                char *out, size_t outlen);

/* Make the calling process a child subreaper (prctl); 0 or -errno. */
MDC_MUSTCHECK int mdc_vm_become_reaper(void);
/*
 * The agent reaped pid with wait status: if it was a VM's QEMU, record
 * how it ended (last_exit), remove its run record, fill name_out and a
 * one-line report in text, return 1; else return 0.
 */
int mdc_vm_reaped(const struct mdc_vm_env *env, pid_t pid, int wstatus,
                  char *name_out, size_t namelen, char *text, size_t textlen);
/* Stop every running VM (agent shutdown); returns how many. */
int mdc_vm_stop_all(const struct mdc_vm_env *env, int timeout_ms);

/*
 * CPU compatibility (the destination's check before a move) with a probe
 * QEMU of its own: mdc_vm_cpu_missing (vmhost.h) on a QEMU with -machine
 * none, the resolved accelerator and QMP in a temporary directory under
 * STATE/run, stopped before returning.
 */
MDC_MUSTCHECK int mdc_vm_cpu_probe(const struct mdc_vm_env *env,
                                   const char *model, char *missing,
                                   size_t missinglen, struct mdc_err *e);
#endif
