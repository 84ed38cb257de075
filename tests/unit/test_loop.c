/* tests/unit/test_loop.c - lib/loop: signals, timers, watchers, stop */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/loop.h"
#include "tests/unit/ck_run.h"

struct rec {
	int ev[32];
	int n;
};

static void
rec_add(struct rec *r, int v)
{
	if (r->n < 32)
		r->ev[r->n++] = v;
}

static void
on_sig(struct mdc_loop *l, int sig, void *arg)
{
	(void)l;
	rec_add(arg, sig);
}

static void
on_term(struct mdc_loop *l, int sig, void *arg)
{
	rec_add(arg, sig);
	mdc_loop_stop(l, 0);
}

/* Signals come back as ordinary calls from the loop, each to its handler. */
START_TEST(signals_are_events)
{
	struct mdc_loop *l;
	struct rec r = {0};
	sigset_t cur;

	ck_assert_int_eq(mdc_loop_new(&l), 0);
	ck_assert_int_eq(mdc_loop_signal(l, SIGUSR1, on_sig, &r), 0);
	ck_assert_int_eq(mdc_loop_signal(l, SIGHUP, NULL, NULL), 0);
	ck_assert_int_eq(mdc_loop_signal(l, SIGTERM, on_term, &r), 0);
	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	ck_assert(sigismember(&cur, SIGUSR1) && sigismember(&cur, SIGTERM));
	kill(getpid(), SIGUSR1);
	kill(getpid(), SIGHUP); /* taken and dropped: no handler, no death */
	ck_assert_int_eq(mdc_loop_once(l, 1000), 0);
	ck_assert_int_eq(r.n, 1);
	ck_assert_int_eq(r.ev[0], SIGUSR1);
	ck_assert(!mdc_loop_stopping(l));
	kill(getpid(), SIGTERM);
	ck_assert_int_eq(mdc_loop_run(l), 0);
	ck_assert_int_eq(r.n, 2);
	ck_assert_int_eq(r.ev[1], SIGTERM);
	mdc_loop_free(l);
}
END_TEST

/* The daemon skeleton: SIGINT and SIGTERM both reach stop, SIGPIPE is
 * ignored (a write to a closed pipe fails with EPIPE, nobody dies). */
START_TEST(daemon_skeleton)
{
	struct mdc_loop *l;
	struct rec r = {0};
	int p[2];

	ck_assert_int_eq(mdc_loop_daemon(&l, on_term, &r), 0);
	ck_assert_int_eq(pipe(p), 0);
	close(p[0]);
	ck_assert_int_eq(write(p[1], "x", 1), -1);
	ck_assert_int_eq(errno, EPIPE);
	close(p[1]);
	kill(getpid(), SIGINT);
	ck_assert_int_eq(mdc_loop_run(l), 0);
	ck_assert_int_eq(r.n, 1);
	ck_assert_int_eq(r.ev[0], SIGINT);
	mdc_loop_free(l);
}
END_TEST

struct tstate {
	struct rec r;
	unsigned periodic;
	int ticks;
};

static void
t_rec(struct mdc_loop *l, void *arg, int v)
{
	struct tstate *s = arg;

	(void)l;
	rec_add(&s->r, v);
}

static void
t1(struct mdc_loop *l, void *arg)
{
	t_rec(l, arg, 1);
}

static void
t2(struct mdc_loop *l, void *arg)
{
	t_rec(l, arg, 2);
}

static void
t3(struct mdc_loop *l, void *arg)
{
	t_rec(l, arg, 3);
}

static void
t_never(struct mdc_loop *l, void *arg)
{
	t_rec(l, arg, 99);
}

static void
t_tick(struct mdc_loop *l, void *arg)
{
	struct tstate *s = arg;

	if (++s->ticks == 3)
		ck_assert_int_eq(mdc_loop_cancel(l, s->periodic), 0);
}

static void
t_last(struct mdc_loop *l, void *arg)
{
	t_rec(l, arg, 4);
	mdc_loop_stop(l, 0);
}

/* Timers fire by due time, equal ones by creation; cancel works. */
START_TEST(timers_fire_in_order)
{
	struct mdc_loop *l;
	struct tstate s = {0};
	unsigned never;

	ck_assert_int_eq(mdc_loop_new(&l), 0);
	ck_assert_int_eq(mdc_loop_timer(l, 40, 0, t3, &s, NULL), 0);
	ck_assert_int_eq(mdc_loop_timer(l, 0, 0, t1, &s, NULL), 0);
	ck_assert_int_eq(mdc_loop_timer(l, 0, 0, t2, &s, NULL), 0);
	ck_assert_int_eq(mdc_loop_timer(l, 20, 0, t_never, &s, &never), 0);
	ck_assert_int_eq(mdc_loop_timer(l, 1, 1, t_tick, &s, &s.periodic), 0);
	ck_assert_int_eq(mdc_loop_timer(l, 80, 0, t_last, &s, NULL), 0);
	ck_assert_int_eq(mdc_loop_cancel(l, never), 0);
	ck_assert_int_eq(mdc_loop_cancel(l, never), MDC_ENOENT);
	ck_assert_int_eq(mdc_loop_run(l), 0);
	ck_assert_int_eq(s.r.n, 4);
	ck_assert_int_eq(s.r.ev[0], 1);
	ck_assert_int_eq(s.r.ev[1], 2);
	ck_assert_int_eq(s.r.ev[2], 3);
	ck_assert_int_eq(s.r.ev[3], 4);
	ck_assert_int_eq(s.ticks, 3);
	/* A fired one-shot is gone. */
	ck_assert_int_eq(mdc_loop_cancel(l, s.periodic), MDC_ENOENT);
	mdc_loop_free(l);
}
END_TEST

struct wstate {
	struct rec r;
	int a[2], b[2], c[2];
};

static void
w_b(struct mdc_loop *l, int fd, int revents, void *arg)
{
	struct wstate *s = arg;

	(void)l;
	(void)fd;
	(void)revents;
	rec_add(&s->r, 'b');
}

static void
w_c(struct mdc_loop *l, int fd, int revents, void *arg)
{
	struct wstate *s = arg;

	(void)revents;
	rec_add(&s->r, 'c');
	ck_assert_int_eq(mdc_loop_unwatch(l, fd), 0);
}

/* a removes b and itself, and adds c: none of them runs again this pass. */
static void
w_a(struct mdc_loop *l, int fd, int revents, void *arg)
{
	struct wstate *s = arg;

	ck_assert(revents & MDC_LOOP_IN);
	rec_add(&s->r, 'a');
	ck_assert_int_eq(mdc_loop_unwatch(l, s->b[0]), 0);
	ck_assert_int_eq(mdc_loop_unwatch(l, fd), 0);
	ck_assert_int_eq(mdc_loop_watch(l, s->c[0], MDC_LOOP_IN, w_c, s), 0);
	/* Many more: the loop's table grows during the pass. */
	for (int i = 0; i < 20; i++)
		ck_assert_int_eq(
		        mdc_loop_watch(l, 100 + i, MDC_LOOP_IN, w_b, s), 0);
	for (int i = 0; i < 20; i++)
		ck_assert_int_eq(mdc_loop_unwatch(l, 100 + i), 0);
}

START_TEST(watchers_change_during_dispatch)
{
	struct mdc_loop *l;
	struct wstate s = {0};

	ck_assert_int_eq(pipe(s.a), 0);
	ck_assert_int_eq(pipe(s.b), 0);
	ck_assert_int_eq(pipe(s.c), 0);
	ck_assert_int_eq(write(s.a[1], "x", 1), 1);
	ck_assert_int_eq(write(s.b[1], "x", 1), 1);
	ck_assert_int_eq(write(s.c[1], "x", 1), 1);
	ck_assert_int_eq(mdc_loop_new(&l), 0);
	ck_assert_int_eq(mdc_loop_watch(l, s.a[0], MDC_LOOP_IN, w_a, &s), 0);
	ck_assert_int_eq(mdc_loop_watch(l, s.b[0], MDC_LOOP_IN, w_b, &s), 0);
	ck_assert_int_eq(mdc_loop_watch(l, s.a[0], MDC_LOOP_IN, w_b, &s),
	                 MDC_EEXIST);
	ck_assert_int_eq(mdc_loop_once(l, 1000), 0);
	ck_assert_int_eq(s.r.n, 1);
	ck_assert_int_eq(s.r.ev[0], 'a');
	/* Next pass: only c, which removes itself. */
	ck_assert_int_eq(mdc_loop_once(l, 1000), 0);
	ck_assert_int_eq(mdc_loop_once(l, 0), 0);
	ck_assert_int_eq(s.r.n, 2);
	ck_assert_int_eq(s.r.ev[1], 'c');
	ck_assert_int_eq(mdc_loop_unwatch(l, s.b[0]), MDC_ENOENT);
	mdc_loop_free(l);
}
END_TEST

struct job {
	struct mdc_loop *l;
	int go[2];
};

/* Work in flight that ends when told to (by a byte on go). */
static void *
worker(void *arg)
{
	struct job *j = arg;
	char c;

	if (read(j->go[0], &c, 1) != 1)
		return NULL;
	mdc_loop_work_end(j->l);
	return NULL;
}

static void
s_accept(struct mdc_loop *l, int fd, int revents, void *arg)
{
	(void)l;
	(void)fd;
	(void)revents;
	rec_add(arg, 'A');
}

static void
s_stop(struct mdc_loop *l, void *arg)
{
	struct job *j = arg;

	mdc_loop_stop(l, 60000);
	/* The work ends after the stop began: run waits for it. */
	ck_assert_int_eq(write(j->go[1], "x", 1), 1);
}

/* A stop stops accepting, waits for work in flight, ends by its deadline. */
START_TEST(stop_waits_then_deadline)
{
	struct mdc_loop *l;
	struct job j;
	struct rec r = {0};
	pthread_t th;
	int lsn[2];

	ck_assert_int_eq(mdc_loop_new(&l), 0);
	j.l = l;
	ck_assert_int_eq(pipe(j.go), 0);
	ck_assert_int_eq(pipe(lsn), 0);
	ck_assert_int_eq(write(lsn[1], "x", 1), 1);
	ck_assert_int_eq(mdc_loop_watch(l, lsn[0],
	                                MDC_LOOP_IN | MDC_LOOP_ACCEPT, s_accept,
	                                &r),
	                 0);
	ck_assert_int_eq(mdc_loop_work_begin(l), 0);
	ck_assert_int_eq(pthread_create(&th, NULL, worker, &j), 0);
	ck_assert_int_eq(mdc_loop_timer(l, 0, 0, s_stop, &j, NULL), 0);
	/* First pass: the listener is readable, and the stop timer fires. */
	ck_assert_int_eq(mdc_loop_run(l), 0);
	pthread_join(th, NULL);
	ck_assert_int_eq(r.n, 1); /* accepted once, before the stop */
	mdc_loop_free(l);

	/* Work that never ends: the deadline. */
	ck_assert_int_eq(mdc_loop_new(&l), 0);
	ck_assert_int_eq(mdc_loop_watch(l, lsn[0],
	                                MDC_LOOP_IN | MDC_LOOP_ACCEPT, s_accept,
	                                &r),
	                 0);
	ck_assert_int_eq(mdc_loop_work_begin(l), 0);
	ck_assert_int_eq(mdc_loop_work_begin(l), 1);
	mdc_loop_stop(l, 20);
	ck_assert(mdc_loop_stopping(l));
	ck_assert_int_eq(mdc_loop_run(l), MDC_ETIMEDOUT);
	ck_assert_int_eq(r.n, 1); /* readable, but no longer accepting */
	mdc_loop_free(l);
}
END_TEST

/* A forked child gets its signals back (and its exec'd programs too). */
START_TEST(child_unblocks)
{
	struct mdc_loop *l;
	pid_t pid;
	int st;

	ck_assert_int_eq(mdc_loop_new(&l), 0);
	ck_assert_int_eq(mdc_loop_signal(l, SIGTERM, NULL, NULL), 0);
	ck_assert_int_eq(mdc_loop_signal(l, SIGCHLD, NULL, NULL), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		mdc_loop_child(l);
		raise(SIGTERM);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	mdc_loop_free(l);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("loop");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, signals_are_events);
	tcase_add_test(tc, daemon_skeleton);
	tcase_add_test(tc, timers_fire_in_order);
	tcase_add_test(tc, watchers_change_during_dispatch);
	tcase_add_test(tc, stop_waits_then_deadline);
	tcase_add_test(tc, child_unblocks);
	suite_add_tcase(s, tc);
	return mdc_ck_run(s);
}
