/* lib/loop.c - the daemons' event loop: signals, fd watchers, timers, stop */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "lib/loop.h"
#include "lib/proc.h"

#define LOOP_MAX_SIGS 8

struct watcher {
	int fd, events, dead;
	mdc_loop_fd_fn fn;
	void *arg;
};

struct timer {
	unsigned id;
	long long due, period;
	mdc_loop_timer_fn fn;
	void *arg;
};

struct sighandler {
	int sig;
	mdc_loop_sig_fn fn;
	void *arg;
};

struct mdc_loop {
	int sfd; /* signalfd, -1 until a signal is asked for */
	int efd; /* eventfd: another thread's stop or end of work */
	sigset_t set;
	struct sighandler sigs[LOOP_MAX_SIGS];
	int nsigs;
	struct watcher *w;
	size_t nw, capw;
	struct timer *t;
	size_t nt, capt;
	unsigned next_id;
	int dispatching, accept_dropped;
	atomic_int stop, work;
	_Atomic long long deadline;
};

int
mdc_loop_new(struct mdc_loop **l_out)
{
	struct mdc_loop *l = calloc(1, sizeof(*l));

	*l_out = NULL;
	if (l == NULL)
		return MDC_ENOMEM;
	l->sfd = -1;
	l->next_id = 1;
	sigemptyset(&l->set);
	l->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (l->efd < 0) {
		int ret = mdc_err_from_errno(errno);

		free(l);
		return ret;
	}
	*l_out = l;
	return 0;
}

void
mdc_loop_free(struct mdc_loop *l)
{
	if (l == NULL)
		return;
	if (l->sfd >= 0)
		close(l->sfd);
	close(l->efd);
	free(l->w);
	free(l->t);
	free(l);
}

int
mdc_loop_signal(struct mdc_loop *l, int sig, mdc_loop_sig_fn fn, void *arg)
{
	sigset_t one;
	int i, fd;

	for (i = 0; i < l->nsigs && l->sigs[i].sig != sig; i++)
		;
	if (i == LOOP_MAX_SIGS)
		return MDC_ERANGE;
	sigemptyset(&one);
	if (sigaddset(&one, sig) != 0)
		return MDC_EINVAL;
	if (pthread_sigmask(SIG_BLOCK, &one, NULL) != 0)
		return MDC_EINVAL;
	sigaddset(&l->set, sig);
	/* On an existing signalfd this replaces its set. */
	fd = signalfd(l->sfd, &l->set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return mdc_err_from_errno(errno);
	l->sfd = fd;
	l->sigs[i] = (struct sighandler){sig, fn, arg};
	if (i == l->nsigs)
		l->nsigs++;
	return 0;
}

int
mdc_loop_ignore(struct mdc_loop *l, int sig)
{
	(void)l;
	return signal(sig, SIG_IGN) == SIG_ERR ? MDC_EINVAL : 0;
}

int
mdc_loop_daemon(struct mdc_loop **l_out, mdc_loop_sig_fn stop, void *arg)
{
	int ret = mdc_loop_new(l_out);

	if (ret == 0)
		ret = mdc_loop_signal(*l_out, SIGTERM, stop, arg);
	if (ret == 0)
		ret = mdc_loop_signal(*l_out, SIGINT, stop, arg);
	if (ret == 0)
		ret = mdc_loop_ignore(*l_out, SIGPIPE);
	return ret;
}

void
mdc_loop_child(struct mdc_loop *l)
{
	if (l->sfd >= 0)
		close(l->sfd);
	close(l->efd);
	l->sfd = l->efd = -1;
	pthread_sigmask(SIG_UNBLOCK, &l->set, NULL);
}

static struct watcher *
find_watcher(struct mdc_loop *l, int fd)
{
	for (size_t i = 0; i < l->nw; i++)
		if (l->w[i].fd == fd && !l->w[i].dead)
			return &l->w[i];
	return NULL;
}

int
mdc_loop_watch(struct mdc_loop *l, int fd, int events, mdc_loop_fd_fn fn,
               void *arg)
{
	if (fd < 0 || fn == NULL)
		return MDC_EINVAL;
	if (find_watcher(l, fd) != NULL)
		return MDC_EEXIST;
	if (l->nw == l->capw) {
		size_t cap = l->capw == 0 ? 8 : l->capw * 2;
		struct watcher *nw = realloc(l->w, cap * sizeof(*nw));

		if (nw == NULL)
			return MDC_ENOMEM;
		l->w = nw;
		l->capw = cap;
	}
	l->w[l->nw++] = (struct watcher){fd, events, 0, fn, arg};
	return 0;
}

/* Drop removed watchers (never while dispatching: indices must hold). */
static void
compact(struct mdc_loop *l)
{
	size_t k = 0;

	for (size_t i = 0; i < l->nw; i++)
		if (!l->w[i].dead)
			l->w[k++] = l->w[i];
	l->nw = k;
}

int
mdc_loop_unwatch(struct mdc_loop *l, int fd)
{
	struct watcher *w = find_watcher(l, fd);

	if (w == NULL)
		return MDC_ENOENT;
	w->dead = 1;
	if (!l->dispatching)
		compact(l);
	return 0;
}

int
mdc_loop_timer(struct mdc_loop *l, long long delay_ms, long long period_ms,
               mdc_loop_timer_fn fn, void *arg, unsigned *id_out)
{
	if (fn == NULL || delay_ms < 0 || period_ms < 0)
		return MDC_EINVAL;
	if (l->nt == l->capt) {
		size_t cap = l->capt == 0 ? 4 : l->capt * 2;
		struct timer *nt = realloc(l->t, cap * sizeof(*nt));

		if (nt == NULL)
			return MDC_ENOMEM;
		l->t = nt;
		l->capt = cap;
	}
	l->t[l->nt++] = (struct timer){l->next_id, mdc_now_ms() + delay_ms,
	                               period_ms, fn, arg};
	if (id_out != NULL)
		*id_out = l->next_id;
	/* Skip 0 on wrap-around: it means "no timer" to callers. */
	l->next_id = l->next_id == UINT32_MAX ? 1 : l->next_id + 1;
	return 0;
}

int
mdc_loop_cancel(struct mdc_loop *l, unsigned id)
{
	for (size_t i = 0; i < l->nt; i++) {
		if (l->t[i].id != id)
			continue;
		l->t[i] = l->t[--l->nt];
		return 0;
	}
	return MDC_ENOENT;
}

/* The earliest timer due by now and created before this pass (or -1). */
static long
next_due(const struct mdc_loop *l, long long now, unsigned before)
{
	long best = -1;

	for (size_t i = 0; i < l->nt; i++) {
		const struct timer *t = &l->t[i];

		if (t->due > now || t->id >= before)
			continue;
		if (best < 0 || t->due < l->t[best].due ||
		    (t->due == l->t[best].due && t->id < l->t[best].id))
			best = (long)i;
	}
	return best;
}

/*
 * Fire what is due, in order.  A periodic timer fires at most once a pass
 * and one created by a callback waits for the next, so a pass ends.
 */
static void
run_timers(struct mdc_loop *l)
{
	long long now = mdc_now_ms();
	unsigned before = l->next_id;
	long i;

	while ((i = next_due(l, now, before)) >= 0) {
		struct timer t = l->t[i];

		if (t.period > 0) {
			l->t[i].due += t.period;
			if (l->t[i].due <= now)
				l->t[i].due = now + t.period;
		} else {
			l->t[i] = l->t[--l->nt];
		}
		t.fn(l, t.arg);
	}
}

/* Milliseconds to wait: the caller's limit, the next timer, the deadline. */
static long long
earlier(long long ms, long long d)
{
	if (d < 0)
		d = 0;
	return ms < 0 || d < ms ? d : ms;
}

static int
wait_ms(struct mdc_loop *l, int timeout_ms)
{
	long long now = mdc_now_ms(), ms = timeout_ms < 0 ? -1 : timeout_ms;

	for (size_t i = 0; i < l->nt; i++)
		ms = earlier(ms, l->t[i].due - now);
	if (atomic_load(&l->stop))
		ms = earlier(ms, atomic_load(&l->deadline) - now);
	return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

static void
read_signals(struct mdc_loop *l)
{
	struct signalfd_siginfo si;

	while (read(l->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		for (int i = 0; i < l->nsigs; i++)
			if (l->sigs[i].sig == (int)si.ssi_signo &&
			    l->sigs[i].fn != NULL)
				l->sigs[i].fn(l, (int)si.ssi_signo,
				              l->sigs[i].arg);
}

/* Once a stop began: no more accepting. */
static void
drop_accept(struct mdc_loop *l)
{
	if (l->accept_dropped || !atomic_load(&l->stop))
		return;
	l->accept_dropped = 1;
	for (size_t i = 0; i < l->nw; i++)
		if (l->w[i].events & MDC_LOOP_ACCEPT)
			l->w[i].dead = 1;
}

/* Call the watchers whose fds poll reported, by index (the array may grow
 * under us). */
static void
run_watchers(struct mdc_loop *l, const struct pollfd *p, const size_t *idx,
             size_t n)
{
	for (size_t k = 0; k < n; k++) {
		struct watcher *w = &l->w[idx[k]];

		if (p[k].revents == 0 || w->dead)
			continue;
		if (atomic_load(&l->stop) && (w->events & MDC_LOOP_ACCEPT))
			continue;
		w->fn(l, w->fd, p[k].revents, w->arg);
	}
}

static void
dispatch(struct mdc_loop *l, struct pollfd *p, const size_t *idx, size_t n)
{
	uint64_t v;

	l->dispatching = 1;
	if (p[0].revents != 0)
		(void)!read(l->efd, &v, sizeof(v));
	if (l->sfd >= 0 && p[1].revents != 0)
		read_signals(l);
	drop_accept(l);
	run_watchers(l, p + 2, idx, n);
	run_timers(l);
	drop_accept(l);
	l->dispatching = 0;
	compact(l);
}

int
mdc_loop_once(struct mdc_loop *l, int timeout_ms)
{
	struct pollfd *p;
	size_t *idx, n = 0;
	int ret = 0, r;

	if (l->dispatching)
		return MDC_EINVAL;
	drop_accept(l);
	compact(l);
	p = calloc(l->nw + 2, sizeof(*p));
	idx = calloc(l->nw + 1, sizeof(*idx));
	if (p == NULL || idx == NULL) {
		ret = MDC_ENOMEM;
		goto out;
	}
	p[0] = (struct pollfd){l->efd, POLLIN, 0};
	p[1] = (struct pollfd){l->sfd, POLLIN, 0};
	for (size_t i = 0; i < l->nw; i++) {
		p[2 + n] = (struct pollfd){
		        l->w[i].fd,
		        (short)(l->w[i].events & (POLLIN | POLLOUT)), 0};
		idx[n++] = i;
	}
	r = poll(p, n + 2, wait_ms(l, timeout_ms));
	if (r < 0 && errno != EINTR)
		ret = mdc_err_from_errno(errno);
	else if (r >= 0)
		dispatch(l, p, idx, n);
out:
	free(p);
	free(idx);
	return ret;
}

int
mdc_loop_run(struct mdc_loop *l)
{
	int ret;

	for (;;) {
		if (atomic_load(&l->stop)) {
			if (atomic_load(&l->work) <= 0)
				return 0;
			if (mdc_now_ms() >= atomic_load(&l->deadline))
				return MDC_ETIMEDOUT;
		}
		ret = mdc_loop_once(l, -1);
		if (ret != 0)
			return ret;
	}
}

static void
wake(struct mdc_loop *l)
{
	uint64_t one = 1;

	(void)!write(l->efd, &one, sizeof(one));
}

void
mdc_loop_stop(struct mdc_loop *l, long long grace_ms)
{
	int no = 0;
	long long now = mdc_now_ms();

	/* The deadline is written before the flag other threads test. */
	if (atomic_load(&l->stop))
		return;
	atomic_store(&l->deadline, now + (grace_ms > 0 ? grace_ms : 0));
	if (atomic_compare_exchange_strong(&l->stop, &no, 1))
		wake(l);
}

int
mdc_loop_stopping(struct mdc_loop *l)
{
	return atomic_load(&l->stop);
}

int
mdc_loop_work_begin(struct mdc_loop *l)
{
	return atomic_fetch_add(&l->work, 1);
}

void
mdc_loop_work_end(struct mdc_loop *l)
{
	if (atomic_fetch_sub(&l->work, 1) == 1 && atomic_load(&l->stop))
		wake(l);
}
