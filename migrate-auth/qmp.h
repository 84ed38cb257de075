/* migrate-auth/qmp.h - a QMP (QEMU Machine Protocol) client on a unix socket
 */
#ifndef MDC_MIG_QMP_H
#define MDC_MIG_QMP_H

#include <stddef.h>

#include <jansson.h>

#include "lib/err.h"
#include "migrate-auth/sess.h"

/*
 * QMP is one JSON object per line in both directions (doc/vm.md).  This
 * client reads with a line limit (MDC_QMP_MAX_LINE), parses with jansson,
 * matches each reply to its command by "id", and queues the asynchronous
 * events it reads meanwhile (at most MDC_QMP_MAX_EVENTS: beyond that the
 * oldest are dropped and counted).  Every wait has a timeout.  A client is
 * used by one thread; several clients may talk to one QEMU only if it has
 * several QMP monitors (the runtime gives each VM two, doc/vm.md).
 */
#define MDC_QMP_MAX_LINE   (1024 * 1024)
#define MDC_QMP_MAX_EVENTS 256
#define MDC_QMP_TIMEOUT_MS 30000 /* default per-command timeout */

/* What one line from QEMU is. */
enum mdc_qmp_kind {
	MDC_QMP_GREETING = 1, /* {"QMP": {...}} */
	MDC_QMP_RETURN = 2,   /* {"return": ..., "id": ...} */
	MDC_QMP_ERROR = 3,    /* {"error": {"class","desc"}, "id": ...} */
	MDC_QMP_EVENT = 4,    /* {"event": NAME, "data": {...}, ...} */
};

/* One decoded line.  json is owned by the message (mdc_qmp_msg_clear). */
struct mdc_qmp_msg {
	enum mdc_qmp_kind kind;
	long long id;    /* RETURN/ERROR: our numeric id, -1 if absent */
	char name[128];  /* EVENT: its name */
	char eclass[64]; /* ERROR: the QMP error class */
	char desc[512];  /* ERROR: its description, sanitized */
	json_t *json;    /* RETURN: the value; EVENT: data (or an empty
	                  * object); GREETING: the "QMP" object */
};

/*
 * Decode one line (len bytes, no NUL needed, trailing "\r\n" allowed): a
 * JSON object that is exactly one of the four kinds.  Pure; this is the
 * reader the fuzz target drives.  Returns 0 (out filled, the caller clears
 * it) or MDC_EMALF (out untouched).
 */
MDC_MUSTCHECK int mdc_qmp_parse(const char *line, size_t len,
                                struct mdc_qmp_msg *out);
/* Release what a message owns; NULL-safe, idempotent. */
void mdc_qmp_msg_clear(struct mdc_qmp_msg *m);

struct mdc_qmp;

/*
 * Connect to the QMP socket at path, read the greeting and negotiate
 * (qmp_capabilities), all within timeout_ms.  *q_out is the caller's
 * (mdc_qmp_close).  Returns 0 or MDC_E* with e->text.
 */
MDC_MUSTCHECK int mdc_qmp_connect(const char *path, int timeout_ms,
                                  struct mdc_qmp **q_out, struct mdc_err *e);
/*
 * The same over an already connected stream socket fd (e.g. one end of a
 * socketpair whose other end QEMU got as "-chardev socket,fd=N"); fd is
 * the client's from then on, also on failure (closed).
 */
MDC_MUSTCHECK int mdc_qmp_attach(int fd, int timeout_ms, struct mdc_qmp **q_out,
                                 struct mdc_err *e);
/* Close the connection and free the queue; NULL-safe. */
void mdc_qmp_close(struct mdc_qmp *q);
/* Set the per-command timeout used by mdc_qmp_exec* (ms, > 0). */
void mdc_qmp_set_timeout(struct mdc_qmp *q, int timeout_ms);
/* The socket, for poll() in a caller's loop (then mdc_qmp_pump). */
int mdc_qmp_fd(const struct mdc_qmp *q);

/*
 * Execute cmd with args (a JSON object or NULL; the reference is stolen
 * even on failure) and wait for its reply.  On RETURN, *ret_out (if not
 * NULL) is the returned value, the caller's to json_decref.  On a QMP
 * error, MDC_EINVAL with e->text "CMD: CLASS: DESC" (one line).  Other
 * failures: MDC_ETIMEDOUT, MDC_ETRUNC (QEMU closed), MDC_EMALF.
 */
MDC_MUSTCHECK int mdc_qmp_exec(struct mdc_qmp *q, const char *cmd, json_t *args,
                               json_t **ret_out, struct mdc_err *e);
/*
 * Same with the arguments built by jansson's json_pack(fmt, ...), e.g.
 * mdc_qmp_execf(q, "migrate", NULL, e, "{s:s}", "uri", "fd:mig").
 * fmt NULL: no arguments.
 */
MDC_MUSTCHECK int mdc_qmp_execf(struct mdc_qmp *q, const char *cmd,
                                json_t **ret_out, struct mdc_err *e,
                                const char *fmt, ...);
/*
 * Pass fd to QEMU under fdname (QMP getfd, the fd travels as SCM_RIGHTS
 * with the command).  The caller keeps its own fd.  Returns as exec.
 */
MDC_MUSTCHECK int mdc_qmp_getfd(struct mdc_qmp *q, int fd, const char *fdname,
                                struct mdc_err *e);

/*
 * Wait up to timeout_ms for event `name` whose data matches `key` =
 * `value` (a string member of data; key NULL: any), taking it from the
 * queue if it already arrived.  *data_out (if not NULL) is the event's
 * data, the caller's to json_decref.  Events that do not match stay
 * queued.  Returns 0, MDC_ETIMEDOUT, MDC_ETRUNC (QEMU closed).
 */
MDC_MUSTCHECK int mdc_qmp_wait_event(struct mdc_qmp *q, const char *name,
                                     const char *key, const char *value,
                                     int timeout_ms, json_t **data_out,
                                     struct mdc_err *e);
/*
 * Read whatever QEMU has sent, waiting up to timeout_ms (0: do not wait)
 * for the first byte; events are queued.  Returns 0 or MDC_ETRUNC/MDC_EMALF.
 */
MDC_MUSTCHECK int mdc_qmp_pump(struct mdc_qmp *q, int timeout_ms,
                               struct mdc_err *e);
/*
 * Take the oldest queued event: *name_out (NUL-terminated, namelen bytes)
 * and *data_out (caller's json_decref; may be NULL).  MDC_ENOENT if none.
 */
MDC_MUSTCHECK int mdc_qmp_next_event(struct mdc_qmp *q, char *name_out,
                                     size_t namelen, json_t **data_out);
/* Events dropped because the queue was full (since connect). */
unsigned long mdc_qmp_dropped(const struct mdc_qmp *q);

#endif
