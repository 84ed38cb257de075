/* migrate-auth/movectx.h - what the source's and the destination's
 * controllers of a live move share: the move's state, its relay process
 * (the data channel, chan.h), the max-migrations slot and the switch-over
 * timing log */
#ifndef MDC_MIG_MOVECTX_H
#define MDC_MIG_MOVECTX_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <gssapi/gssapi.h>

#include "migrate-auth/live.h"
#include "migrate-auth/move.h"
#include "migrate-auth/qmp.h"
#include "migrate-auth/vmrt.h"

#define MDC_MV_QMP_MS        30000
#define MDC_MV_POLL_MS       500
#define MDC_MV_SWITCH_MS     120000 /* an answer during the switch-over */
#define MDC_MV_RELAY_EXIT_MS 15000

/* One move's moving parts on either side (the controller owns it). */
struct mdc_move {
	const struct mdc_live_conn *c;
	struct mdc_vm_env env;
	struct mdc_vm_def def;
	struct mdc_live_req req;
	struct mdc_qmp *q;
	struct mdc_err e;
	int slot_fd; /* the max-migrations slot we hold */
	int max_migrations;
	int ctl;      /* our end of the control stream */
	int relay_st; /* read end: the relay's reason if it fails */
	pid_t relay;
	int marked;         /* set_migrating(1) done */
	int saved;          /* destination: we saved the definition */
	int started;        /* destination: we started its QEMU */
	int cold;           /* the VM is stopped: its disks are copied */
	int check;          /* destination: minidc-migrate check, decide only */
	int switched;       /* source: COMMIT sent, never resume here */
	int resumed;        /* destination: cont sent */
	int marker;         /* destination: STATE/incoming/NAME written */
	int out_fd;         /* source: the lock of STATE/outgoing/NAME */
	char dir[PATH_MAX]; /* destination: --storage-path resolved */
	size_t ndisks;
	int created[MDC_VM_MAX_DISKS]; /* destination: files we created */
	char disks[MDC_VM_MAX_DISKS][MDC_VM_MAX_PATH + 1];
	struct timespec t0;
	uint64_t storage_bytes;
	uint64_t chan_mig, chan_nbd, chan_wire; /* the relay's counters */
	struct timespec sw0; /* switch-over: its first step */
	long sw[4];          /* ms after sw0 at each later step, for the log */
	int hard_exports;    /* destination: exports removed in mode hard */
};

/* Best-effort calls whose failure changes nothing for the caller. */
static inline void
mdc_mv_best_effort(int ret)
{
	(void)ret;
}

/* QMP call with jansson pack arguments; failures keep the first reason. */
#define MDC_MV_QMP(mv, cmd, ret_out, ...)                                      \
	mdc_qmp_execf((mv)->q, (cmd), (ret_out), &(mv)->e, __VA_ARGS__)

/* Milliseconds since t0 (CLOCK_MONOTONIC). */
long mdc_mv_ms_since(const struct timespec *t0);

/* Switch-over timing: step 0 starts the clock, 1..3 are read off it. */
void mdc_mv_sw_mark(struct mdc_move *mv, int step);

/* One line for the agent's log, "VM NAME switch-over, ...". */
void mdc_mv_sw_log(struct mdc_move *mv, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* A fresh move for connection c: the agent's state (accelerator,
 * max-migrations), nothing held, its clock started. */
void mdc_mv_init(struct mdc_move *mv, const struct mdc_live_conn *c);

/* Ends the relay, closes QEMU's monitor, clears the "migrating" mark we
 * set and gives the slot back.  mv itself stays the caller's. */
void mdc_mv_free(struct mdc_move *mv);

/* Take one of the agent's max-migrations slots (flock on STATE/slots/N);
 * MDC_EAGAIN with mv->e when all are held. */
MDC_MUSTCHECK int mdc_mv_take_slot(struct mdc_move *mv);

/* A socketpair: QEMU gets one end as fdname (getfd), *ours the other. */
MDC_MUSTCHECK int mdc_mv_qemu_pair(struct mdc_move *mv, const char *fdname,
                                   int *ours);

/*
 * Fork the relay (mdc_chan_run) over sess_fd, which it owns from now on,
 * with the control stream (mv->ctl, ours) and fds[0..n) (migration, then
 * one per disk; the caller closes its copies).  The relay writes its
 * reason on failure before it shuts any of those sockets, or "ok" and its
 * counters when every stream ended.
 */
MDC_MUSTCHECK int mdc_mv_relay_spawn(struct mdc_move *mv, int sess_fd,
                                     gss_ctx_id_t ctx, const int *fds,
                                     size_t n);

/* Non-blocking: 1 and its reason in why if the relay has failed (its text,
 * or an end without "ok": killed, crashed), once; 0 while it runs or when it
 * ended cleanly (its counters then go to mv->chan_*). */
int mdc_mv_relay_failed(struct mdc_move *mv, char *why, size_t len);

/* Close the control stream, wait up to limit ms for the relay to end by
 * itself, then kill it; its counters are read. */
void mdc_mv_relay_end(struct mdc_move *mv, long limit);

/*
 * ret with mv->e: what QEMU reported as a failure of one of its streams.
 * If the channel has failed, its reason replaces it ("data channel: ..."):
 * the relay gives it before it shuts QEMU's sockets, so a mirror, pre-copy
 * or incoming migration that failed because the relay tore its streams
 * down (the watchdog, the peer gone) is reported with the cause.
 */
MDC_MUSTCHECK int mdc_mv_channel_first(struct mdc_move *mv, int ret);

#endif
