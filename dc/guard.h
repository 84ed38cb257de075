/* dc/guard.h - a service socket whose connections outlive the service */
#ifndef MDC_GUARD_H
#define MDC_GUARD_H

#include "lib/err.h"

/*
 * Some peers take a closed connection for an answer: slapd's sock overlay
 * tells its client "success" when the dsa closes without a RESULT (doc/
 * decisions.md).  A guard makes the death of such a service visible as an
 * error.  The supervisor owns the listening socket and keeps it across the
 * service's restarts (connections wait in its queue instead of being reset),
 * and the service hands the supervisor a copy of every connection it accepts
 * before reading it, then says "done" after answering.  When the service
 * dies, the supervisor writes a fixed reply on every connection it still
 * holds, and on every one that waits while no instance runs.
 *
 * The supervisor side is single-threaded and never blocks; the service side
 * may be called from any thread.
 */

/* ---- supervisor side ---- */
struct mdc_guard;

/*
 * Listen on path (mode 0600) for a service; reply is what an unanswered
 * connection gets (copied).  *g_out is set on success; free with
 * mdc_guard_free().  MDC_EADDRINUSE if something answers on path.
 */
MDC_MUSTCHECK int mdc_guard_new(const char *path, const char *reply,
                                struct mdc_guard **g_out);
/* Answer every connection held or waiting, close, unlink (NULL-safe). */
void mdc_guard_free(struct mdc_guard *g);
/*
 * Before starting an instance: open its channel and set MINIDC_GUARD_FDS
 * in our environment to inheritable copies of the listener and the
 * instance's end.  Call mdc_guard_spawned() right after the fork (either
 * way) to close those copies and unset the variable.
 */
MDC_MUSTCHECK int mdc_guard_arm(struct mdc_guard *g);
void mdc_guard_spawned(struct mdc_guard *g);
/*
 * The fds to poll for reading: the channel while an instance runs (-1 if
 * none), and the listener while none does (-1 while one does).
 */
int mdc_guard_chan_fd(const struct mdc_guard *g);
int mdc_guard_listen_fd(const struct mdc_guard *g);
/* Handle what the instance sent on the channel. */
void mdc_guard_read(struct mdc_guard *g);
/* Answer (with the reply) every connection waiting on the listener;
 * returns how many. */
int mdc_guard_refuse(struct mdc_guard *g);
/* 1 once the running instance said it serves, else 0. */
int mdc_guard_ready(const struct mdc_guard *g);
/*
 * The instance exited: take what it sent last, answer every connection it
 * held and did not finish, close the channel.  Returns how many it answered.
 */
int mdc_guard_gone(struct mdc_guard *g);

/* ---- service side ---- */
/*
 * In a guarded instance: take the listener and the channel named by
 * MINIDC_GUARD_FDS (made close-on-exec; the variable is removed).  Returns
 * MDC_ENOENT when not started by a guard (then listen yourself).
 */
MDC_MUSTCHECK int mdc_guard_child(int *listen_out, int *chan_out);
/* Say the instance serves. */
MDC_MUSTCHECK int mdc_guard_child_ready(int chan);
/* Hand the supervisor a copy of the accepted connection fd (before it is
 * read), and say it was answered (after the last byte was sent, before it
 * is closed). */
MDC_MUSTCHECK int mdc_guard_hold(int chan, int fd);
MDC_MUSTCHECK int mdc_guard_done(int chan, int fd);

#endif
