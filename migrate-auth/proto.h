/* migrate-auth/proto.h - minidc-migrate wire messages (doc/PROTOCOL.migrate.md)
 */
#ifndef MDC_MIG_PROTO_H
#define MDC_MIG_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/err.h"

/*
 * A frame on the TCP stream is: u32be length of the body (1..MAX_FRAME),
 * then the body: u8 frame type and its payload.  HELLO, TOKEN and ERROR
 * travel in the clear; everything after context establishment is a WRAPPED
 * frame whose payload is a gss_wrap token (integrity and confidentiality)
 * around an inner message (u8 type + fields).  Strings are u16be length +
 * bytes, printable ASCII only, no NUL.
 */
#define MDC_MIG_MAX_FRAME    65536u
#define MDC_MIG_MAX_VM       64
#define MDC_MIG_MAX_HOST     253
#define MDC_MIG_MAX_ADDR     64
#define MDC_MIG_MAX_TEXT     1024
#define MDC_MIG_DEFAULT_PORT 7690
#define MDC_MIG_MAX_PATH     1024   /* MOVE_STORAGE: the source's path */
#define MDC_MIG_MAX_FILE     255    /* a destination file name */
#define MDC_MIG_CHUNK        32768u /* raw bytes per DATA, fixed maximum */
#define MDC_MIG_SHA256_LEN   32
#define MDC_MIG_MAX_BLOB     (MDC_MIG_CHUNK - 512) /* LIVE_* payloads */
#define MDC_MIG_MAX_DEF      8192 /* VM / VM_INFO: a definition's JSON */
#define MDC_MIG_MAX_ACCEL    7
#define MDC_MIG_MAX_VMSTATUS 31
#define MDC_MIG_MAX_EXIT     127

enum mdc_mig_frame {
	MDC_MIG_F_HELLO = 1,   /* agent -> peer: host fqdn (its service name) */
	MDC_MIG_F_TOKEN = 2,   /* GSS context token */
	MDC_MIG_F_WRAPPED = 3, /* gss_wrap(inner message) */
	MDC_MIG_F_ERROR = 4,   /* unauthenticated failure text */
};

enum mdc_mig_type {
	MDC_MIG_MOVE = 16,    /* CLI -> source: vm, dest host, dest addr */
	MDC_MIG_PREPARE = 17, /* source -> destination: vm, source host */
	MDC_MIG_RESULT = 18,  /* answer: status, text */
	/* CLI -> source: vm, dest host, dest addr, source path, dest file
	 * name ("" = the source's base name), flags */
	MDC_MIG_MOVE_STORAGE = 19,
	/* source -> destination: vm, source host, file name, size, flags */
	MDC_MIG_PREPARE_STORAGE = 20,
	/* source -> destination: offset, codec, raw length, payload */
	MDC_MIG_DATA = 21,
	/* source -> destination: logical size, SHA-256 of the content */
	MDC_MIG_DONE = 22,
	/* CLI -> source: vm, dest host, dest address, blob (a live move's
	 * request, migrate-auth/live.h) */
	MDC_MIG_LIVE_MOVE = 23,
	/* source -> destination: vm, source host, blob (the request with the
	 * VM's definition and disk sizes) */
	MDC_MIG_LIVE_PREPARE = 24,
	/* source -> CLI: blob (progress or the final report, live.h) */
	MDC_MIG_LIVE_INFO = 25,
	/* source agent -> destination, as the source host's account: vm,
	 * source host; how did that VM's move end (outgoing.h) */
	MDC_MIG_OUTCOME = 26,
	/* CLI -> agent: VM management (doc/vm.md): op, vm ("" for LIST),
	 * definition JSON (CREATE only, else ""), flags */
	MDC_MIG_VM = 40,
	/* agent -> CLI, before the RESULT of SHOW/LIST, one per VM: vm,
	 * state, QEMU pid, accel, QEMU run state, last exit, definition */
	MDC_MIG_VM_INFO = 41,
};

/* MDC_MIG_VM operations */
enum mdc_mig_vm_op {
	MDC_MIG_VM_CREATE = 1,
	MDC_MIG_VM_START = 2,
	MDC_MIG_VM_STOP = 3,
	MDC_MIG_VM_SHOW = 4,
	MDC_MIG_VM_RM = 5,
	MDC_MIG_VM_LIST = 6,
};
/* MDC_MIG_VM flags */
#define MDC_MIG_VMFL_PAUSED 0x01u /* START: leave the vCPU stopped */
#define MDC_MIG_VMFL_ALL    0x01u
/* VM_INFO states: enum mdc_vm_state (0 stopped, 1 running, 2 migrating) */
#define MDC_MIG_VM_MAX_STATE 2

/* MOVE_STORAGE / PREPARE_STORAGE flags */
#define MDC_MIG_FL_ZSTD  0x01u /* DATA payloads may be zstd frames */
#define MDC_MIG_FL_PLAIN 0x02u /* DATA wrapped with integrity only */
#define MDC_MIG_FL_ALL   0x03u

/* DATA codecs */
enum mdc_mig_codec { MDC_MIG_RAW = 0, MDC_MIG_ZSTD = 1 };

enum mdc_mig_status {
	MDC_MIG_ACCEPTED = 0,
	MDC_MIG_REFUSED = 1,
	MDC_MIG_FAILED = 2,
};

/*
 * One inner message, every type: the short fields (names, the reason, a
 * path) are NUL-terminated copies, about 3 KiB in all, so a message lives
 * on the stack; the long ones (a DATA payload, a LIVE_* blob, a VM
 * definition) are bounded pointers, never copied: into the bytes the
 * message was decoded from (a received message keeps its own copy in
 * frame, released by mdc_mig_msg_clear), or on the sending side into the
 * sender's buffer.
 */
struct mdc_mig_msg {
	uint8_t type;
	uint8_t status;                     /* RESULT */
	char vm[MDC_MIG_MAX_VM + 1];        /* MOVE, PREPARE */
	char host[MDC_MIG_MAX_HOST + 1];    /* MOVE: dest; PREPARE: source */
	char addr[MDC_MIG_MAX_ADDR + 1];    /* MOVE: dest ADDR:PORT or "" */
	char text[MDC_MIG_MAX_TEXT + 1];    /* RESULT */
	char path[MDC_MIG_MAX_PATH + 1];    /* MOVE_STORAGE: source path */
	char name[MDC_MIG_MAX_FILE + 1];    /* *_STORAGE: dest file name */
	uint8_t flags;                      /* *_STORAGE: MDC_MIG_FL_* */
	uint64_t size;                      /* PREPARE_STORAGE, DONE */
	uint64_t offset;                    /* DATA */
	uint8_t codec;                      /* DATA: enum mdc_mig_codec */
	uint32_t rawlen;                    /* DATA: 1..MDC_MIG_CHUNK */
	const uint8_t *data;                /* DATA: payload; LIVE_*: blob */
	size_t datalen;                     /* <= MDC_MIG_CHUNK, resp. BLOB */
	uint8_t digest[MDC_MIG_SHA256_LEN]; /* DONE */
	uint8_t op;                         /* VM: enum mdc_mig_vm_op */
	uint8_t vmstate;                    /* VM_INFO */
	uint32_t pid;                       /* VM_INFO: 0 when stopped */
	char accel[MDC_MIG_MAX_ACCEL + 1];  /* VM_INFO: "kvm", "tcg", "-" */
	char vmstatus[MDC_MIG_MAX_VMSTATUS + 1]; /* VM_INFO: QEMU's */
	char last_exit[MDC_MIG_MAX_EXIT + 1];    /* VM_INFO */
	const char *def; /* VM (CREATE), VM_INFO: JSON, not NUL-terminated */
	size_t deflen;   /* <= MDC_MIG_MAX_DEF; 0: none */
	uint8_t *frame;  /* a received message's bytes (data, def point in) */
};
/* Largest encoded inner message (a full DATA). */
#define MDC_MIG_MAX_MSG (MDC_MIG_CHUNK + 64)
/* (a VM_INFO is at most MDC_MIG_MAX_DEF + 300 bytes: below it) */

/* Free what a received message owns (frame); data and def become NULL.
 * For a message filled by mdc_mig_recv_msg (or zeroed): safe twice. */
void mdc_mig_msg_clear(struct mdc_mig_msg *m);

/*
 * Decode an inner message from (data, len): the whole buffer must be one
 * message with every field inside its limits (vm names [A-Za-z0-9._-],
 * host names [A-Za-z0-9.-], no trailing bytes).  Returns 0, MDC_ETRUNC or
 * MDC_EMALF.  out->data and out->def point into data (out->frame NULL).
 */
MDC_MUSTCHECK int mdc_mig_msg_decode(const uint8_t *data, size_t len,
                                     struct mdc_mig_msg *out);
/* Encode m into buf (cap bytes); *len_out = bytes used.  Checks the same
 * limits as the decoder (MDC_EINVAL). */
MDC_MUSTCHECK int mdc_mig_msg_encode(const struct mdc_mig_msg *m, uint8_t *buf,
                                     size_t cap, size_t *len_out);
/* Decode a HELLO or ERROR payload: one string (host name, resp. text). */
MDC_MUSTCHECK int mdc_mig_str_decode(const uint8_t *data, size_t len,
                                     int is_host, char *out, size_t outlen);
/* Encode one string payload for HELLO/ERROR; *len_out = bytes used. */
MDC_MUSTCHECK int mdc_mig_str_encode(const char *s, uint8_t *buf, size_t cap,
                                     size_t *len_out);
/*
 * The one string codec of the migration wire (proto.c, live.c, chan.c):
 * u16be length of at most max bytes, then printable ASCII (0x20-0x7e).
 * get: out has max + 1 bytes, NUL-terminated; MDC_ETRUNC or MDC_EMALF.
 * put: MDC_EINVAL outside the limits, MDC_ESPACE.
 */
struct mdc_rbuf;
struct mdc_wbuf;
MDC_MUSTCHECK int mdc_mig_get_str(struct mdc_rbuf *r, char *out, size_t max);
MDC_MUSTCHECK int mdc_mig_put_str(struct mdc_wbuf *w, const char *s,
                                  size_t max);
/* Check a frame header (4 bytes): *len_out = body length.  MDC_EMALF when 0
 * or above MDC_MIG_MAX_FRAME. */
MDC_MUSTCHECK int mdc_mig_frame_len(const uint8_t hdr[4], size_t *len_out);

/* True if s is a valid VM name, resp. host name. */
int mdc_mig_vm_ok(const char *s);
int mdc_mig_host_ok(const char *s);
/* True if s is a plain file name: 1..255 of [A-Za-z0-9._-], not starting
 * with '.' or '-' (so never "..", never a path). */
int mdc_mig_file_ok(const char *s);
/* Make r a RESULT with status and the formatted text, sanitized (it
 * travels back to a terminal). */
void mdc_mig_result(struct mdc_mig_msg *r, uint8_t status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Copy s into out replacing anything non-printable by '?' (for reasons
 * that travel back to a terminal). */
void mdc_mig_sanitize(const char *s, char *out, size_t outlen);

/* An address range: family AF_INET/AF_INET6, network bytes, prefix. */
struct mdc_mig_cidr {
	int family;
	uint8_t addr[16];
	int prefix;
};
/* Parse "a.b.c.d/n" or "x::y/n" (a bare address is a /32 or /128);
 * host bits must be zero.  Returns 0 or MDC_EINVAL. */
MDC_MUSTCHECK int mdc_mig_cidr_parse(const char *s, struct mdc_mig_cidr *out);
/* Canonical text of c into out (INET6_ADDRSTRLEN + 4 bytes is enough). */
void mdc_mig_cidr_format(const struct mdc_mig_cidr *c, char *out,
                         size_t outlen);
/* True if the socket address sa (IPv4, IPv6, v4-mapped IPv6) is inside c. */
int mdc_mig_cidr_match(const struct mdc_mig_cidr *c, const struct sockaddr *sa);
/* Split "ADDR:PORT" or "[ADDR]:PORT" into ip (numeric) and port; a missing
 * port is defport.  Returns 0 or MDC_EINVAL. */
MDC_MUSTCHECK int mdc_mig_hostport(const char *s, int defport, char *ip,
                                   size_t iplen, int *port);

#endif
