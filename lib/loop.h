/* lib/loop.h - the daemons' event loop: signals, fd watchers, timers, stop */
#ifndef MDC_LOOP_H
#define MDC_LOOP_H

#include <poll.h>

#include "lib/err.h"

/*
 * One loop per daemon, run by one thread (the main one).  Signals the
 * daemon asks for are blocked and read from a signalfd, so a handler is an
 * ordinary function called from the loop, never from signal context.  Other
 * threads may only call the functions marked thread-safe.
 *
 * Watchers are keyed by fd (one per fd).  Adding or removing a watcher or a
 * timer from a callback is allowed: a removed one is not called again, an
 * added one waits for the next poll.  Timers use the monotonic clock; those
 * due in the same pass fire in order of due time, then of creation.
 */

/* Watcher events (also what a callback gets, with POLLHUP/POLLERR). */
#define MDC_LOOP_IN  POLLIN
#define MDC_LOOP_OUT POLLOUT
/* A listening socket: the loop stops watching it when a stop begins. */
#define MDC_LOOP_ACCEPT 0x10000

struct mdc_loop;

typedef void (*mdc_loop_fd_fn)(struct mdc_loop *l, int fd, int revents,
                               void *arg);
typedef void (*mdc_loop_sig_fn)(struct mdc_loop *l, int sig, void *arg);
typedef void (*mdc_loop_timer_fn)(struct mdc_loop *l, void *arg);

/* A new loop (no signal, watcher or timer yet). */
MDC_MUSTCHECK int mdc_loop_new(struct mdc_loop **l_out);
/*
 * The daemon skeleton every daemon starts with: a new loop in which SIGTERM
 * and SIGINT call stop (the daemon decides how gracefully) and SIGPIPE is
 * ignored (a peer that went away is an error on the write, not a death).
 * Call it before starting threads, as mdc_loop_signal says.
 */
MDC_MUSTCHECK int mdc_loop_daemon(struct mdc_loop **l_out, mdc_loop_sig_fn stop,
                                  void *arg);
/*
 * Close the loop's fds and free it (NULL-safe).  The signals it took stay
 * blocked: one arriving late must not kill a daemon that is finishing.
 */
void mdc_loop_free(struct mdc_loop *l);

/*
 * Deliver sig to fn (NULL: take it and drop it).  Blocks sig in the calling
 * thread, so call it before starting threads: they inherit the mask, and a
 * thread without it would take the signal's default action.
 */
MDC_MUSTCHECK int mdc_loop_signal(struct mdc_loop *l, int sig,
                                  mdc_loop_sig_fn fn, void *arg);
/* Ignore sig in the whole process (SIGPIPE: peers that went away). */
MDC_MUSTCHECK int mdc_loop_ignore(struct mdc_loop *l, int sig);
/*
 * In a child after fork(): close the loop's fds and unblock its signals,
 * so that the child (and what it execs) takes them as usual.  The child
 * must not use the loop afterwards (its memory is the parent's copy).
 */
void mdc_loop_child(struct mdc_loop *l);

/*
 * Call fn when fd has any of events (MDC_LOOP_IN/OUT, plus MDC_LOOP_ACCEPT).
 * MDC_EEXIST if fd is watched already.  The caller keeps the fd.
 */
MDC_MUSTCHECK int mdc_loop_watch(struct mdc_loop *l, int fd, int events,
                                 mdc_loop_fd_fn fn, void *arg);
/* Stop watching fd; 0 or MDC_ENOENT. */
int mdc_loop_unwatch(struct mdc_loop *l, int fd);

/*
 * Call fn in delay_ms, then every period_ms (0: once).  *id_out (may be
 * NULL) names it for mdc_loop_cancel (ids are never 0).
 */
MDC_MUSTCHECK int mdc_loop_timer(struct mdc_loop *l, long long delay_ms,
                                 long long period_ms, mdc_loop_timer_fn fn,
                                 void *arg, unsigned *id_out);
/* Cancel a timer; 0 or MDC_ENOENT (a one-shot that fired is gone). */
int mdc_loop_cancel(struct mdc_loop *l, unsigned id);

/*
 * Wait up to timeout_ms (-1: no limit; sooner if a timer is due) and
 * dispatch what happened: signals, then fds, then timers.  0, or the
 * poll error; MDC_EINVAL if called from one of the loop's callbacks.
 */
MDC_MUSTCHECK int mdc_loop_once(struct mdc_loop *l, int timeout_ms);
/*
 * Dispatch until a stop: then return 0 once no work is in flight, or
 * MDC_ETIMEDOUT if some still is at the stop's deadline.  A poll error
 * ends it at once (that error).
 */
MDC_MUSTCHECK int mdc_loop_run(struct mdc_loop *l);
/*
 * Begin a graceful stop (thread-safe): the loop stops watching its
 * MDC_LOOP_ACCEPT fds, goes on dispatching the rest, and mdc_loop_run
 * returns when the work in flight is done or after grace_ms.  Only the
 * first call counts.
 */
void mdc_loop_stop(struct mdc_loop *l, long long grace_ms);
/* 1 once a stop began, else 0 (thread-safe). */
int mdc_loop_stopping(struct mdc_loop *l);

/*
 * Count work in flight, e.g. a request a worker thread serves: a stop waits
 * for it (thread-safe).  begin returns how many were in flight before.
 */
int mdc_loop_work_begin(struct mdc_loop *l);
void mdc_loop_work_end(struct mdc_loop *l);

#endif
