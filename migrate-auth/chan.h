/* migrate-auth/chan.h - the data channel of a live move: several byte
 * streams multiplexed over the agents' GSS session (doc/PROTOCOL.migrate.md,
 * "Data channel") */
#ifndef MDC_MIG_CHAN_H
#define MDC_MIG_CHAN_H

#include <stddef.h>
#include <stdint.h>

#include <gssapi/gssapi.h>

#include "lib/err.h"
#include "migrate-auth/sess.h"

/*
 * After the destination accepted a live move, every frame on the agents'
 * connection is a CHAN frame (outer frame type MDC_MIG_F_CHAN) whose payload
 * is a gss_wrap token around one record:
 *
 *   u8 kind, u8 stream, then per kind:
 *   DATA    1..MDC_CHAN_MAX_DATA bytes of the stream
 *   WINDOW  u32be credit (1..MDC_CHAN_MAX_WINDOW): the receiver drained
 *           that many bytes, the sender may send them again
 *   EOF     nothing: the sender's local end of the stream has closed
 *   ABORT   string (u16be length + printable ASCII): the sender tore the
 *           channel down for this reason (stream is 0)
 *
 * A stream is one local socket on each side (QEMU's end of a socketpair,
 * an NBD server's unix socket, the controller's own socketpair).  Both
 * sides configure the same streams in the same order.
 */
#define MDC_MIG_F_CHAN       5
#define MDC_CHAN_MAX_STREAMS 16
#define MDC_CHAN_MAX_DATA    65280u /* plaintext bytes per DATA record */
#define MDC_CHAN_MAX_WINDOW  (1u << 30)
#define MDC_CHAN_WINDOW      (2u << 20) /* default receive window */
#define MDC_CHAN_WATCHDOG_S  30

enum mdc_chan_kind {
	MDC_CHAN_DATA = 1,
	MDC_CHAN_WINDOW_K = 2,
	MDC_CHAN_EOF = 3,
	MDC_CHAN_ABORT = 4,
};

/* A decoded record; data points into the decoded buffer (not owned). */
struct mdc_chan_rec {
	uint8_t kind;
	uint8_t stream;
	uint32_t credit;                 /* WINDOW */
	const uint8_t *data;             /* DATA */
	size_t len;                      /* DATA */
	char text[MDC_MIG_MAX_TEXT + 1]; /* ABORT */
};

/*
 * Decode one record from (p, n): known kind, stream < nstreams (ABORT: 0),
 * every field in its limits, nothing trailing.  Returns 0, MDC_ETRUNC or
 * MDC_EMALF.
 */
MDC_MUSTCHECK int mdc_chan_rec_decode(const uint8_t *p, size_t n,
                                      size_t nstreams,
                                      struct mdc_chan_rec *out);
/* Encode r into buf (cap bytes); *len_out = bytes used.  Same limits as the
 * decoder (MDC_EINVAL), MDC_ESPACE if cap is too small. */
MDC_MUSTCHECK int mdc_chan_rec_encode(const struct mdc_chan_rec *r,
                                      uint8_t *buf, size_t cap,
                                      size_t *len_out);

/* One stream as configured by its owner (the fd is lent, see run). */
struct mdc_chan_stream {
	int fd;           /* a connected, stream socket (shutdown works) */
	int conf;         /* 1: confidentiality required in both directions */
	int watch;        /* 1: counts for the watchdog while open */
	const char *name; /* for reasons: "migration", "nbd", "control" */
};

/* Counters of one run, per stream and in total. */
struct mdc_chan_stats {
	uint64_t sent[MDC_CHAN_MAX_STREAMS]; /* local -> peer, bytes */
	uint64_t recv[MDC_CHAN_MAX_STREAMS]; /* peer -> local, bytes */
	uint64_t records_out, records_in;
	uint64_t wire_out, wire_in; /* frame bytes on the session */
};

struct mdc_chan_opts {
	int sess_fd;         /* the agents' connection (made non-blocking) */
	gss_ctx_id_t ctx;    /* its established context (lent) */
	int cancel_fd;       /* -1, or readable/hung up = "cancelled" */
	unsigned watchdog_s; /* 0: MDC_CHAN_WATCHDOG_S */
	uint32_t window;     /* 0: MDC_CHAN_WINDOW; receive window per stream */
	size_t nstreams;     /* 1..MDC_CHAN_MAX_STREAMS */
	struct mdc_chan_stream streams[MDC_CHAN_MAX_STREAMS];
	/* NULL, or called once when the run fails, with its reason, before
	 * any local socket is shut down: whoever watches both the relay and
	 * the programs on the local sockets then has the cause before those
	 * programs see its effect (their streams ending) */
	void (*on_fail)(void *arg, const struct mdc_err *e);
	void *fail_arg;
};

/*
 * Relay every stream between its local socket and the peer until all of
 * them have ended in both directions (a local EOF becomes EOF at the peer,
 * which half-closes its local socket after the last byte), in one poll
 * loop with bounded buffers: a stream sends only within the credit the
 * peer granted, and local sockets are read only while the session's
 * output is below a bound.  Any error - a local socket's, the session's,
 * a record that fails gss_unwrap or decoding, a peer's ABORT, cancel_fd,
 * or no byte on any open watched stream for watchdog_s seconds - calls
 * on_fail, sends ABORT with the reason (best effort), shuts every local
 * socket down and returns MDC_E* with e: the peer then does the same.  The
 * local fds and sess_fd stay the caller's to close.  st (may be NULL) receives
 * the counters in either case.  Returns 0 when every stream ended cleanly.
 */
MDC_MUSTCHECK int mdc_chan_run(const struct mdc_chan_opts *o,
                               struct mdc_chan_stats *st, struct mdc_err *e);

#endif
