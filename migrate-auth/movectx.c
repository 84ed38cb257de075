/* migrate-auth/movectx.c - a live move's shared state and its relay
 * process (movectx.h) */
#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "migrate-auth/chan.h"
#include "migrate-auth/movectx.h"
#include "migrate-auth/state.h"

long
mdc_mv_ms_since(const struct timespec *t0)
{
	struct timespec t;

	(void)clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Switch-over timing: step 0 starts the clock, 1..3 are read off it. */
void
mdc_mv_sw_mark(struct mdc_move *mv, int step)
{
	if (step == 0)
		(void)clock_gettime(CLOCK_MONOTONIC, &mv->sw0);
	else
		mv->sw[step] = mdc_mv_ms_since(&mv->sw0);
}

void
mdc_mv_init(struct mdc_move *mv, const struct mdc_live_conn *c)
{
	struct mdc_mig_state st;

	memset(mv, 0, sizeof(*mv));
	mv->c = c;
	mv->env.state = c->o->state;
	mv->env.storage = c->o->storage;
	mv->env.accel = MDC_VM_ACCEL_AUTO;
	mv->max_migrations = MDC_LIVE_MAX_MIGRATIONS;
	if (mdc_mig_state_load(c->o->state, &st, NULL) == 0) {
		mdc_mv_best_effort(
		        mdc_vm_accel_parse(st.accel, &mv->env.accel));
		mv->max_migrations = st.max_migrations;
	}
	mv->slot_fd = mv->ctl = mv->relay_st = mv->out_fd = -1;
	(void)clock_gettime(CLOCK_MONOTONIC, &mv->t0);
}

/* Take one of the agent's max-migrations slots (flock on STATE/slots/N). */
int
mdc_mv_take_slot(struct mdc_move *mv)
{
	char dir[PATH_MAX], p[PATH_MAX + 16];
	int i, fd;

	snprintf(dir, sizeof(dir), "%s/slots", mv->env.state);
	(void)mkdir(dir, 0700);
	for (i = 0; i < mv->max_migrations; i++) {
		snprintf(p, sizeof(p), "%s/%d", dir, i);
		fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			mv->slot_fd = fd;
			return 0;
		}
		close(fd);
	}
	return mdc_err_set(&mv->e, MDC_EAGAIN,
	                   "%s already runs %d moves (max-migrations)",
	                   mv->c->fqdn, mv->max_migrations);
}

/* ---- the relay process ---- */

/* In the relay's process: what only the controller may hold (QEMU's
 * monitor serves one client; the CLI's connection; the slot). */
static void
relay_child_fds(struct mdc_move *mv, int sess_fd)
{
	if (mv->q != NULL)
		close(mdc_qmp_fd(mv->q));
	if (mv->c->fd != sess_fd)
		close(mv->c->fd);
	if (mv->slot_fd >= 0)
		close(mv->slot_fd);
}

/* The relay's reason, written before it shuts QEMU's sockets: what QEMU
 * then reports (a mirror's I/O error) is seen after the cause. */
static void
relay_verdict(void *arg, const struct mdc_err *e)
{
	if (write(*(const int *)arg, e->text, strlen(e->text)) < 0)
		_exit(2);
}

/* The relay process: its reason on failure, else "ok" and its counters
 * (migration stream, NBD streams, wire) on fd. */
static int
relay_main(struct mdc_chan_opts *o, int fd)
{
	struct mdc_chan_stats cs;
	struct mdc_err e = {""};
	uint64_t nbd = 0;
	char line[128];
	size_t i;

	o->on_fail = relay_verdict;
	o->fail_arg = &fd;
	if (mdc_chan_run(o, &cs, &e) != 0)
		return 1;
	for (i = 2; i < o->nstreams; i++)
		nbd += cs.sent[i];
	snprintf(line, sizeof(line), "ok %llu %llu %llu",
	         (unsigned long long)cs.sent[1], (unsigned long long)nbd,
	         (unsigned long long)(cs.wire_out + cs.wire_in));
	return write(fd, line, strlen(line)) < 0 ? 2 : 0;
}

/* Fork the relay: it owns sess_fd from now on (we close our copy). */
int
mdc_mv_relay_spawn(struct mdc_move *mv, int sess_fd, gss_ctx_id_t ctx,
                   const int *fds, size_t n)
{
	struct mdc_chan_opts o;
	int ctl[2], st[2];
	size_t i;
	pid_t pid, parent;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl) != 0)
		return mdc_err_set(&mv->e, MDC_ENOMEM, "socketpair failed");
	if (pipe2(st, O_CLOEXEC) != 0) {
		close(ctl[0]);
		close(ctl[1]);
		return mdc_err_set(&mv->e, MDC_ENOMEM, "pipe failed");
	}
	memset(&o, 0, sizeof(o));
	o.sess_fd = sess_fd;
	o.ctx = ctx;
	o.cancel_fd = -1;
	o.watchdog_s = mv->req.watchdog_s;
	o.nstreams = n + 1;
	o.streams[0] = (struct mdc_chan_stream){ctl[1], 1, 0, "control"};
	for (i = 0; i < n; i++)
		o.streams[i + 1] = (struct mdc_chan_stream){
		        fds[i], !(mv->req.flags & MDC_LIVE_FL_PLAIN), 1,
		        i == 0 ? "migration" : "nbd"};
	parent = getpid();
	if ((pid = fork()) == 0) {
		close(ctl[0]);
		close(st[0]);
		relay_child_fds(mv, sess_fd);
		/* the relay ends with its controller, whatever kills it */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 ||
		    getppid() != parent)
			_exit(1);
		_exit(relay_main(&o, st[1]));
	}
	close(ctl[1]);
	close(st[1]);
	if (pid < 0) {
		close(ctl[0]);
		close(st[0]);
		return mdc_err_set(&mv->e, MDC_ENOMEM, "fork failed");
	}
	mv->relay = pid;
	mv->ctl = ctl[0];
	mv->relay_st = st[0];
	return 0;
}

/* The relay's reason, if it has failed (non-blocking): its text, or an
 * end without "ok" (killed, crashed). */
int
mdc_mv_relay_failed(struct mdc_move *mv, char *why, size_t len)
{
	struct pollfd p = {mv->relay_st, POLLIN, 0};
	char *end;
	ssize_t r;

	why[0] = '\0';
	if (mv->relay_st < 0 || poll(&p, 1, 0) <= 0)
		return 0;
	r = read(mv->relay_st, why, len - 1);
	why[r > 0 ? r : 0] = '\0';
	close(mv->relay_st);
	mv->relay_st = -1;
	if (strncmp(why, "ok ", 3) == 0) {
		/* ended cleanly: its counters */
		mv->chan_mig = strtoull(why + 3, &end, 10);
		mv->chan_nbd = strtoull(end, &end, 10);
		mv->chan_wire = strtoull(end, &end, 10);
		return 0;
	}
	if (why[0] == '\0')
		snprintf(why, len, "the relay ended without a reason");
	return 1;
}

/* Stop the relay: wait for it to end by itself (limit ms), then kill. */
void
mdc_mv_relay_end(struct mdc_move *mv, long limit)
{
	char why[MDC_MIG_MAX_TEXT + 1];
	struct timespec t0;
	int st;

	if (mv->ctl >= 0)
		close(mv->ctl);
	mv->ctl = -1;
	if (mv->relay > 0) {
		(void)clock_gettime(CLOCK_MONOTONIC, &t0);
		while (waitpid(mv->relay, &st, WNOHANG) == 0) {
			if (mdc_mv_ms_since(&t0) >= limit) {
				kill(mv->relay, SIGKILL);
				(void)waitpid(mv->relay, &st, 0);
				break;
			}
			usleep(20000);
		}
	}
	mv->relay = 0;
	mdc_mv_relay_failed(mv, why, sizeof(why)); /* consumes its counters */
	if (mv->relay_st >= 0)
		close(mv->relay_st);
	mv->relay_st = -1;
}

void
mdc_mv_free(struct mdc_move *mv)
{
	mdc_mv_relay_end(mv, 0);
	mdc_qmp_close(mv->q);
	mv->q = NULL;
	if (mv->marked)
		mdc_mv_best_effort(
		        mdc_vm_set_migrating(&mv->env, mv->def.name, 0));
	if (mv->slot_fd >= 0)
		close(mv->slot_fd);
	if (mv->out_fd >= 0) /* the record stays: the agent's resolver's */
		close(mv->out_fd);
}

/* A socketpair: QEMU gets a[1] as fdname, we keep a[0]. */
int
mdc_mv_qemu_pair(struct mdc_move *mv, const char *fdname, int *ours)
{
	int sv[2], ret;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return mdc_err_set(&mv->e, MDC_ENOMEM, "socketpair failed");
	ret = mdc_qmp_getfd(mv->q, sv[1], fdname, &mv->e);
	close(sv[1]);
	if (ret != 0) {
		close(sv[0]);
		return ret;
	}
	*ours = sv[0];
	return 0;
}

/*
 * QEMU says one of its streams failed (ret, why in mv->e): if the channel
 * has failed, its reason is the cause.  The relay writes it before it
 * shuts QEMU's sockets, so a mirror or pre-copy that failed because the
 * relay tore the streams down (its watchdog, the peer gone) finds it here,
 * and the user is told why the channel ended, not that a write failed.
 */
int
mdc_mv_channel_first(struct mdc_move *mv, int ret)
{
	char why[MDC_MIG_MAX_TEXT + 1];

	if (ret != 0 && mdc_mv_relay_failed(mv, why, sizeof(why)))
		return mdc_err_set(&mv->e, MDC_ETRUNC, "data channel: %s", why);
	return ret;
}

/* One line for the agent's log: where the switch-over's time went. */
void
mdc_mv_sw_log(struct mdc_move *mv, const char *fmt, ...)
{
	char steps[200], line[MDC_MIG_MAX_TEXT + 1];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(steps, sizeof(steps), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "VM %s switch-over, %s", mv->def.name,
	         steps);
	if (mv->c->say != NULL)
		mv->c->say(mv->c->arg, MDC_MIG_INFO, line);
}
