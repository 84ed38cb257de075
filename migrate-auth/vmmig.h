/* migrate-auth/vmmig.h - memory pre-copy of a micro-VM over a stream socket */
#ifndef MDC_MIG_VMMIG_H
#define MDC_MIG_VMMIG_H

#include <stdint.h>

#include "migrate-auth/vm.h"
#include "migrate-auth/vmwire.h"

/*
 * Transport: plain frames (vmwire.h) over a connected stream fd, here a
 * local socketpair between two processes.  NOT yet the agent's
 * GSS-authenticated session (doc/vm.md, "not done").
 */
struct mdc_vmmig_opts {
	unsigned mem_mb;
	uint64_t delay;       /* guest busy-loop per increment */
	uint64_t bw_mbps;     /* pace the sender to this (0 = unpaced) */
	uint64_t downtime_ms; /* convergence target */
	unsigned max_rounds;
	unsigned warmup_ms;  /* guest runs alone before the migration */
	unsigned dst_run_ms; /* destination runs this long after resume */
	int skip_final_sync; /* negative control only: must make it FAIL */
};

struct mdc_vmmig_stats {
	unsigned rounds;
	int converged; /* 1 fits the budget, 0 round cap */
	uint64_t pages_sent;
	uint64_t final_pages;  /* copied while paused */
	long long total_ms;    /* dirty logging on -> destination resumed */
	double downtime_ms;    /* kick -> destination KVM_RUN, minus checks */
	uint64_t src_check_ns; /* the source's SHA-256 (excluded from it) */
	uint64_t src_counter;  /* guest counter at the stop point */
	uint64_t src_last_out;
	uint64_t src_nouts;
	uint64_t src_bad_outs;
	uint8_t src_sha[32];
	struct mdc_vmw_result dst;
};

/* Send one frame; 0 or -errno. */
int mdc_vmmig_send(int fd, uint32_t type, const void *payload, uint32_t len);

/*
 * Receive one frame into buf (cap >= MDC_VMW_HDR + MDC_VMW_MAX_PAYLOAD);
 * the payload starts at buf.  0, MDC_EMALF/MDC_ETRUNC, or -errno.
 */
int mdc_vmmig_recv(int fd, uint8_t *buf, size_t cap, uint32_t *type_out,
                   uint32_t *len_out);

/*
 * Live-migrate the running guest of vm (vCPU in thread runner) to the peer
 * on fd; fills st.  The source vCPU is stopped on return.
 */
int mdc_vmmig_source(struct mdc_vm *vm, pthread_t runner, int fd,
                     const struct mdc_vmmig_opts *o,
                     struct mdc_vmmig_stats *st);

/* Receive a guest on fd into vm (opened, not loaded), run it, report. */
int mdc_vmmig_dest(struct mdc_vm *vm, int fd, const struct mdc_vmmig_opts *o);

#endif
