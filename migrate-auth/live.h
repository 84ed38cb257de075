/* migrate-auth/live.h - the messages of a live move: the request, the
 * controllers' messages on the channel's control stream, progress and the
 * final report (doc/PROTOCOL.migrate.md, "Live move") */
#ifndef MDC_MIG_LIVE_H
#define MDC_MIG_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "migrate-auth/proto.h"

/* Request flags */
#define MDC_LIVE_FL_STORAGE 0x01u /* --include-storage */
#define MDC_LIVE_FL_PLAIN   0x02u /* --no-encrypt: data integrity only */
#define MDC_LIVE_FL_NOCONV  0x04u /* --no-auto-converge */
#define MDC_LIVE_FL_ZSTD    0x08u /* multifd compression zstd */
#define MDC_LIVE_FL_CANCEL  0x10u /* move --cancel NAME */
#define MDC_LIVE_FL_STOPPED                                                    \
	0x20u /* source -> destination: the VM is                              \
	       * stopped, its disks follow as DATA */
#define MDC_LIVE_FL_CHECK                                                      \
	0x40u /* check only (minidc-migrate check): both agents decide,        \
	       * nothing is created, started or copied */
#define MDC_LIVE_FL_ALL 0x7fu

#define MDC_LIVE_MAX_MULTIFD  8
#define MDC_LIVE_MAX_DISKS    8
#define MDC_LIVE_MAX_DEF      8192
#define MDC_LIVE_DOWNTIME_MS  300
#define MDC_LIVE_MAX_DOWNTIME 60000

/* A live move's parameters; def/disk sizes only source -> destination. */
struct mdc_live_req {
	uint8_t flags;
	uint32_t bandwidth_mib; /* MiB/s, 0: unlimited */
	uint32_t storage_mib;   /* the mirror's MiB/s, 0: unlimited */
	uint32_t downtime_ms;   /* 1..MDC_LIVE_MAX_DOWNTIME */
	uint16_t watchdog_s;    /* 1..3600 */
	uint8_t multifd;        /* 0 (off) or 2..MDC_LIVE_MAX_MULTIFD */
	char storage_path[MDC_MIG_MAX_PATH + 1]; /* the destination's DIR */
	size_t ndisks;
	uint64_t disk_size[MDC_LIVE_MAX_DISKS];
	char def[MDC_LIVE_MAX_DEF + 1]; /* the VM's definition (JSON), or "" */
};

/* The largest encoded request (fixed fields, the path, 8 sizes, the
 * definition): what a sender's buffer for the LIVE_* blob needs. */
#define MDC_LIVE_MAX_REQ                                                       \
	(1 + 4 + 4 + 4 + 2 + 1 + 2 + MDC_MIG_MAX_PATH + 1 +                    \
	 8 * MDC_LIVE_MAX_DISKS + 2 + MDC_LIVE_MAX_DEF)
/* The encoded LIVE_INFO: kind, phase, the values. */
#define MDC_LIVE_INFO_LEN (2 + 8 * MDC_LIVE_NVAL)

/* Set the defaults (downtime 300 ms, watchdog 30 s, the rest 0/""). */
void mdc_live_req_init(struct mdc_live_req *r);
/* Encode into buf (cap bytes); MDC_EINVAL outside the limits, MDC_ESPACE. */
MDC_MUSTCHECK int mdc_live_req_encode(const struct mdc_live_req *r,
                                      uint8_t *buf, size_t cap,
                                      size_t *len_out);
/* Decode exactly one request: flags known, values in their limits, paths
 * and the definition printable ASCII.  Returns 0, MDC_ETRUNC, MDC_EMALF. */
MDC_MUSTCHECK int mdc_live_req_decode(const uint8_t *p, size_t n,
                                      struct mdc_live_req *out);

/* Phases a move goes through (progress, report). */
enum mdc_live_phase {
	MDC_LIVE_PREPARE = 1,
	MDC_LIVE_MIRROR = 2,
	MDC_LIVE_PRECOPY = 3,
	MDC_LIVE_SWITCH = 4,
	MDC_LIVE_DONE = 5,
};
/* "prepare", "mirror", "pre-copy", "switch-over", "done". */
const char *mdc_live_phase_name(uint8_t phase);

/* What the source tells the CLI (LIVE_INFO): progress, or the report. */
enum mdc_live_info_kind { MDC_LIVE_PROGRESS = 1, MDC_LIVE_REPORT = 2 };
#define MDC_LIVE_NVAL 10
struct mdc_live_info {
	uint8_t kind;
	uint8_t phase;
	/* PROGRESS: done, total, rate B/s, dirty rate B/s, remaining bytes,
	 *           rounds, 0...
	 * REPORT: total ms, downtime ms, storage bytes, memory bytes, rounds,
	 *         throughput B/s, zero pages, wire bytes, setup ms, 0 */
	uint64_t v[MDC_LIVE_NVAL];
};
enum {
	MDC_LIVE_P_DONE = 0,
	MDC_LIVE_P_TOTAL,
	MDC_LIVE_P_RATE,
	MDC_LIVE_P_DIRTY,
	MDC_LIVE_P_REMAIN,
	MDC_LIVE_P_ROUNDS,
};
enum {
	MDC_LIVE_R_TOTAL_MS = 0,
	MDC_LIVE_R_DOWNTIME_MS,
	MDC_LIVE_R_STORAGE,
	MDC_LIVE_R_MEMORY,
	MDC_LIVE_R_ROUNDS,
	MDC_LIVE_R_THROUGHPUT,
	MDC_LIVE_R_ZERO_PAGES,
	MDC_LIVE_R_WIRE,
	MDC_LIVE_R_SETUP_MS,
};
/* u8 kind, u8 phase, MDC_LIVE_NVAL x u64be.  Encode: MDC_EINVAL/ESPACE. */
/*
 * The CLI's progress line for PROGRESS info pi, into out: phase, bar,
 * percent, done / total, rate, dirty rate, remaining.  A mirror that
 * has counted nothing yet (total 0: QEMU's first pass, which zeroes the
 * destination) is "mirror      preparing the destination disk", not
 * "0 B / 0 B".
 */
void mdc_live_progress_line(const struct mdc_live_info *pi, char *out,
                            size_t outlen);
MDC_MUSTCHECK int mdc_live_info_encode(const struct mdc_live_info *i,
                                       uint8_t *buf, size_t cap,
                                       size_t *len_out);
MDC_MUSTCHECK int mdc_live_info_decode(const uint8_t *p, size_t n,
                                       struct mdc_live_info *out);

/*
 * The controllers' messages on the channel's control stream (stream 0):
 * u32be length (1..MDC_LIVE_MAX_CTL) of a body: u8 type, u8 status, string.
 */
#define MDC_LIVE_MAX_CTL (MDC_MIG_MAX_TEXT + 8)
enum mdc_live_ctl_type {
	MDC_LIVE_C_READY = 1,    /* destination -> source: disks, QEMU, NBD
	                          * export and incoming migration are set up */
	MDC_LIVE_C_SWITCH = 2,   /* source -> destination: the source has
	                          * completed, its mirrors are done: finish */
	MDC_LIVE_C_DONE = 3,     /* destination -> source: status, text */
	MDC_LIVE_C_PREPARED = 4, /* destination -> source: its migration
	                          * completed, exports gone; it resumes the
	                          * VM on COMMIT only */
	MDC_LIVE_C_COMMIT = 5,   /* source -> destination: resume it; the
	                          * source will not any more */
};
struct mdc_live_ctl {
	uint8_t type;
	uint8_t status; /* enum mdc_mig_status */
	char text[MDC_MIG_MAX_TEXT + 1];
};
/* Body codec (without the length). */
MDC_MUSTCHECK int mdc_live_ctl_encode(const struct mdc_live_ctl *c,
                                      uint8_t *buf, size_t cap,
                                      size_t *len_out);
MDC_MUSTCHECK int mdc_live_ctl_decode(const uint8_t *p, size_t n,
                                      struct mdc_live_ctl *out);
/* Send one message on fd (blocking). */
MDC_MUSTCHECK int mdc_live_ctl_send(int fd, const struct mdc_live_ctl *c);
/* Receive one within timeout_ms (< 0: no limit): 0, MDC_ETIMEDOUT,
 * MDC_ETRUNC (the stream ended), MDC_EMALF. */
MDC_MUSTCHECK int mdc_live_ctl_recv(int fd, int timeout_ms,
                                    struct mdc_live_ctl *out);

#endif
