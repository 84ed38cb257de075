/* migrate-auth/move.c - a live move of a running QEMU VM: source and
 * destination controllers around the data channel (chan.h) */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dirent.h>
#include <jansson.h>

#include "lib/net.h"
#include "lib/util.h"
#include "migrate-auth/chan.h"
#include "migrate-auth/move.h"
#include "migrate-auth/movecold.h"
#include "migrate-auth/policy.h"
#include "migrate-auth/room.h"
#include "migrate-auth/srcaddr.h"
#include "migrate-auth/state.h"
#include "migrate-auth/vmrt.h"

#define QMP_MS          30000
#define POLL_MS         500
#define SWITCH_MS       120000 /* the destination's answer to SWITCH */
#define RELAY_EXIT_MS   15000
#define ROLLBACK_JOB_MS 2000 /* a force-cancelled mirror, its NBD gone */

/* One move's moving parts on either side. */
struct move {
	const struct mdc_live_conn *c;
	struct mdc_vm_env env;
	struct mdc_vm_def def;
	struct mdc_live_req req;
	struct mdc_qmp *q;
	struct mdc_mig_err e;
	int slot_fd; /* the max-migrations slot we hold */
	int max_migrations;
	int ctl;      /* our end of the control stream */
	int relay_st; /* read end: the relay's reason if it fails */
	pid_t relay;
	int marked;         /* set_migrating(1) done */
	int saved;          /* destination: we saved the definition */
	int started;        /* destination: we started its QEMU */
	int cold;           /* the VM is stopped: its disks are copied */
	int check;          /* destination: minidc-migrate check, decide only */
	int switched;       /* source: SWITCH sent, never resume here */
	int resumed;        /* destination: cont sent */
	int marker;         /* destination: STATE/incoming/NAME written */
	char dir[PATH_MAX]; /* destination: --storage-path resolved */
	size_t ndisks;
	int created[MDC_VM_MAX_DISKS]; /* destination: files we created */
	char disks[MDC_VM_MAX_DISKS][MDC_VM_MAX_PATH + 1];
	struct timespec t0;
	uint64_t storage_bytes;
	uint64_t chan_mig, chan_nbd, chan_wire; /* the relay's counters */
	struct timespec sw0; /* switch-over: its first step */
	long sw[4];          /* ms after sw0 at each later step, for the log */
	int hard_exports;    /* destination: exports removed in mode hard */
};

/* Best-effort calls whose failure changes nothing for the caller. */
static void
best_effort(int ret)
{
	(void)ret;
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec t;

	(void)clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Switch-over timing: step 0 starts the clock, 1..3 are read off it. */
static void
sw_mark(struct move *mv, int step)
{
	if (step == 0)
		(void)clock_gettime(CLOCK_MONOTONIC, &mv->sw0);
	else
		mv->sw[step] = ms_since(&mv->sw0);
}

static void
move_init(struct move *mv, const struct mdc_live_conn *c)
{
	struct mdc_mig_state st;
	char err[256];

	memset(mv, 0, sizeof(*mv));
	mv->c = c;
	mv->env.state = c->o->state;
	mv->env.storage = c->o->storage;
	mv->env.accel = MDC_VM_ACCEL_AUTO;
	mv->max_migrations = MDC_LIVE_MAX_MIGRATIONS;
	if (mdc_mig_state_load(c->o->state, &st, err, sizeof(err)) == 0) {
		best_effort(mdc_vm_accel_parse(st.accel, &mv->env.accel));
		mv->max_migrations = st.max_migrations;
	}
	mv->slot_fd = mv->ctl = mv->relay_st = -1;
	(void)clock_gettime(CLOCK_MONOTONIC, &mv->t0);
}

/* Take one of the agent's max-migrations slots (flock on STATE/slots/N). */
static int
take_slot(struct move *mv)
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
	return mdc_mig_seterr(&mv->e, MDC_EAGAIN,
	                      "%s already runs %d moves (max-migrations)",
	                      mv->c->fqdn, mv->max_migrations);
}

/* QMP call with jansson pack arguments; failures keep the first reason. */
#define QMP(mv, cmd, ret_out, ...)                                             \
	mdc_qmp_execf((mv)->q, (cmd), (ret_out), &(mv)->e, __VA_ARGS__)

/* ---- the relay process ---- */

/* In the relay's process: what only the controller may hold (QEMU's
 * monitor serves one client; the CLI's connection; the slot). */
static void
relay_child_fds(struct move *mv, int sess_fd)
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
relay_verdict(void *arg, const struct mdc_mig_err *e)
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
	struct mdc_mig_err e = {"", 0};
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
static int
spawn_relay(struct move *mv, int sess_fd, gss_ctx_id_t ctx, const int *fds,
            size_t n)
{
	struct mdc_chan_opts o;
	int ctl[2], st[2];
	size_t i;
	pid_t pid, parent;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl) != 0)
		return mdc_mig_seterr(&mv->e, MDC_ENOMEM, "socketpair failed");
	if (pipe2(st, O_CLOEXEC) != 0) {
		close(ctl[0]);
		close(ctl[1]);
		return mdc_mig_seterr(&mv->e, MDC_ENOMEM, "pipe failed");
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
		return mdc_mig_seterr(&mv->e, MDC_ENOMEM, "fork failed");
	}
	mv->relay = pid;
	mv->ctl = ctl[0];
	mv->relay_st = st[0];
	return 0;
}

/* The relay's reason, if it has failed (non-blocking): its text, or an
 * end without "ok" (killed, crashed). */
static int
relay_failed(struct move *mv, char *why, size_t len)
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
static void
relay_end(struct move *mv, long limit)
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
			if (ms_since(&t0) >= limit) {
				kill(mv->relay, SIGKILL);
				(void)waitpid(mv->relay, &st, 0);
				break;
			}
			usleep(20000);
		}
	}
	mv->relay = 0;
	relay_failed(mv, why, sizeof(why)); /* consumes its counters */
	if (mv->relay_st >= 0)
		close(mv->relay_st);
	mv->relay_st = -1;
}

static void
move_free(struct move *mv)
{
	relay_end(mv, 0);
	mdc_qmp_close(mv->q);
	mv->q = NULL;
	if (mv->marked)
		best_effort(mdc_vm_set_migrating(&mv->env, mv->def.name, 0));
	if (mv->slot_fd >= 0)
		close(mv->slot_fd);
}

/* A socketpair: QEMU gets a[1] as fdname, we keep a[0]. */
static int
qemu_pair(struct move *mv, const char *fdname, int *ours)
{
	int sv[2], ret;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return mdc_mig_seterr(&mv->e, MDC_ENOMEM, "socketpair failed");
	ret = mdc_qmp_getfd(mv->q, sv[1], fdname, &mv->e);
	close(sv[1]);
	if (ret != 0) {
		close(sv[0]);
		return ret;
	}
	*ours = sv[0];
	return 0;
}

/* ---- progress ---- */

static void
send_info(const struct mdc_live_conn *c, const struct mdc_live_info *i)
{
	static struct mdc_mig_msg m;
	struct mdc_mig_err e = {"", 0};

	memset(&m, 0, sizeof(m));
	m.type = MDC_MIG_LIVE_INFO;
	if (mdc_live_info_encode(i, m.data, sizeof(m.data), &m.datalen) == 0 &&
	    mdc_mig_send_msg(c->fd, c->ctx, &m, &e) != 0)
		return; /* the CLI went away: cancel notices */
}

static uint64_t
jint(const json_t *o, const char *path1, const char *path2)
{
	const json_t *v = json_object_get(o, path1);

	if (path2 != NULL)
		v = json_object_get(v, path2);
	return json_is_integer(v) && json_integer_value(v) > 0
	               ? (uint64_t)json_integer_value(v)
	               : 0;
}

/* The user cancelled: move --cancel (a file), or the CLI went away. */
static int
cancelled(struct move *mv)
{
	struct pollfd p = {mv->c->fd, POLLIN, 0};
	char run[PATH_MAX], f[PATH_MAX + 16];
	struct stat sb;

	if (mdc_vm_rundir(&mv->env, mv->def.name, run, sizeof(run)) == 0) {
		snprintf(f, sizeof(f), "%s/cancel", run);
		if (stat(f, &sb) == 0) {
			(void)unlink(f);
			return mdc_mig_seterr(&mv->e,
			                      mdc_err_from_errno(ECANCELED),
			                      "cancelled (move --cancel)");
		}
	}
	if (poll(&p, 1, 0) > 0)
		return mdc_mig_seterr(&mv->e, mdc_err_from_errno(ECANCELED),
		                      "cancelled: the client went away");
	return 0;
}

/* Between two polls: the relay alive, no cancel. */
static int
still_ok(struct move *mv)
{
	char why[MDC_MIG_MAX_TEXT + 1];

	if (relay_failed(mv, why, sizeof(why)))
		return mdc_mig_seterr(&mv->e, MDC_ETRUNC, "data channel: %s",
		                      why);
	return cancelled(mv);
}

/*
 * QEMU says one of its streams failed (ret, why in mv->e): if the channel
 * has failed, its reason is the cause.  The relay writes it before it
 * shuts QEMU's sockets, so a mirror or pre-copy that failed because the
 * relay tore the streams down (its watchdog, the peer gone) finds it here,
 * and the user is told why the channel ended, not that a write failed.
 */
static int
channel_first(struct move *mv, int ret)
{
	char why[MDC_MIG_MAX_TEXT + 1];

	if (ret != 0 && relay_failed(mv, why, sizeof(why)))
		return mdc_mig_seterr(&mv->e, MDC_ETRUNC, "data channel: %s",
		                      why);
	return ret;
}

/* ---- source ---- */

/* The user, then the destination's address (srcaddr.h): ip and port
 * get what the connection must use.  Returns 0 or -1 (r says why). */
static int
src_policy(struct move *mv, const struct mdc_mig_msg *m, char *ip, size_t iplen,
           int *port, struct mdc_mig_msg *r)
{
	const struct mdc_live_conn *c = mv->c;
	struct mdc_mig_src_req q;

	memset(&q, 0, sizeof(q));
	q.state = c->o->state;
	q.who = c->who;
	q.logon = c->logon;
	q.logon_len = c->logon_len;
	q.self = c->fqdn;
	q.host = m->host;
	q.addr = m->addr;
	return mdc_mig_src_check(&q, ip, iplen, port, r);
}

/* Reach the destination as the user (S4U2Proxy) and offer the VM. */
static int
src_offer(struct move *mv, const struct mdc_mig_msg *m, const char *ip,
          int port, int *fd, gss_ctx_id_t *dctx, struct mdc_mig_msg *r)
{
	const struct mdc_live_conn *c = mv->c;
	static struct mdc_mig_msg prep;
	char hello[MDC_MIG_MAX_HOST + 1];
	int ret;

	if (mdc_mig_connect(ip, port, c->ip, fd, &mv->e) != 0 ||
	    mdc_mig_recv_hello(*fd, hello, sizeof(hello), &mv->e) != 0 ||
	    mdc_mig_initiate(*fd, c->deleg, m->host, dctx, &mv->e) != 0) {
		mdc_mig_result(r, MDC_MIG_REFUSED, "%s: %s", m->host,
		               mv->e.text);
		return -1;
	}
	memset(&prep, 0, sizeof(prep));
	prep.type = MDC_MIG_LIVE_PREPARE;
	snprintf(prep.vm, sizeof(prep.vm), "%s", m->vm);
	snprintf(prep.host, sizeof(prep.host), "%s", c->fqdn);
	if (mdc_live_req_encode(&mv->req, prep.data, MDC_MIG_MAX_BLOB,
	                        &prep.datalen) != 0) {
		mdc_mig_result(r, MDC_MIG_FAILED,
		               "%s: the request does not encode", c->fqdn);
		return -1;
	}
	ret = mdc_mig_send_msg(*fd, *dctx, &prep, &mv->e);
	if (ret == 0)
		ret = mdc_mig_recv_msg(*fd, *dctx, r, &mv->e);
	if (ret != 0 || r->type != MDC_MIG_RESULT) {
		mdc_mig_result(r,
		               ret == MDC_EDENIED ? MDC_MIG_REFUSED
		                                  : MDC_MIG_FAILED,
		               "%s: %s", m->host,
		               ret ? mv->e.text : "unexpected answer");
		return -1;
	}
	return r->status == MDC_MIG_ACCEPTED ? 0 : -1;
}

/* The definition and the disks' sizes into the request. */
static int
src_describe(struct move *mv, struct mdc_mig_msg *r)
{
	char *json = NULL;
	struct stat sb;
	size_t i;

	for (i = 0; i < mv->def.ndisks; i++) {
		if (stat(mv->def.disks[i], &sb) != 0) {
			mdc_mig_result(r, MDC_MIG_FAILED, "%s: %s: %s",
			               mv->c->fqdn, mv->def.disks[i],
			               strerror(errno));
			return -1;
		}
		mv->req.disk_size[i] = (uint64_t)sb.st_size;
	}
	mv->req.ndisks = mv->ndisks = mv->def.ndisks;
	if (mdc_vm_def_to_json(&mv->def, &json) != 0 ||
	    strlen(json) > MDC_LIVE_MAX_DEF) {
		free(json);
		mdc_mig_result(r, MDC_MIG_FAILED, "%s: cannot describe VM %s",
		               mv->c->fqdn, mv->def.name);
		return -1;
	}
	snprintf(mv->req.def, sizeof(mv->req.def), "%s", json);
	free(json);
	return 0;
}

/* Source streams: migration, then one NBD client per disk. */
static int
src_streams(struct move *mv, int *fds)
{
	char name[32];
	size_t i;
	int ret;

	if ((ret = qemu_pair(mv, "mdcmig", &fds[0])) != 0)
		return ret;
	for (i = 0; i < mv->ndisks; i++) {
		snprintf(name, sizeof(name), "mdcnbd%zu", i);
		if ((ret = qemu_pair(mv, name, &fds[i + 1])) != 0)
			return ret;
	}
	return 0;
}

/* The mirror's pace: --storage-bandwidth, else --bandwidth (the two
 * phases run one after the other, each may use the whole link). */
static uint64_t
mirror_mib(const struct mdc_live_req *q)
{
	return q->storage_mib ? q->storage_mib : q->bandwidth_mib;
}

/* Storage: mirror every disk into the destination's export. */
static int
src_mirror_start(struct move *mv)
{
	char node[32], exp[32], job[32], dev[32];
	size_t i;
	int ret;

	for (i = 0; i < mv->ndisks; i++) {
		snprintf(node, sizeof(node), "mdcnbd%zu", i);
		snprintf(exp, sizeof(exp), "disk%zu", i);
		snprintf(job, sizeof(job), "mdcmirror%zu", i);
		snprintf(dev, sizeof(dev), "disk%zu", i);
		/* discard=unmap: the mirror then writes a hole as one
		 * WRITE_ZEROES (may unmap) and leaves it out of its speed
		 * accounting, so the pace counts the data it sends */
		ret = QMP(mv, "blockdev-add", NULL,
		          "{s:s,s:s,s:s,s:{s:s,s:s},s:s}", "driver", "nbd",
		          "node-name", node, "discard", "unmap", "server",
		          "type", "fd", "str", node, "export", exp);
		if (ret == 0)
			ret = QMP(mv, "blockdev-mirror", NULL,
			          "{s:s,s:s,s:s,s:s,s:I}", "job-id", job,
			          "device", dev, "target", node, "sync", "full",
			          "speed",
			          (json_int_t)mirror_mib(&mv->req) << 20);
		if (ret != 0)
			return ret;
	}
	return 0;
}

/* A mirror job ended before READY: QEMU's reason from its event. */
static int
mirror_failed(struct move *mv, size_t left)
{
	struct mdc_mig_err e = {"", 0};
	char job[32];
	json_t *data = NULL;
	const char *why;
	size_t i;

	for (i = 0; i < mv->ndisks; i++) {
		snprintf(job, sizeof(job), "mdcmirror%zu", i);
		if (mdc_qmp_wait_event(mv->q, "BLOCK_JOB_COMPLETED", "device",
		                       job, 0, &data, &e) != 0)
			continue;
		why = json_string_value(json_object_get(data, "error"));
		if (why != NULL) {
			mdc_mig_seterr(
			        &mv->e, MDC_EINVAL,
			        "the storage mirror of disk%zu failed: %s", i,
			        why);
			json_decref(data);
			return channel_first(mv, MDC_EINVAL);
		}
		json_decref(data);
	}
	return channel_first(
	        mv, mdc_mig_seterr(&mv->e, MDC_EINVAL,
	                           "a storage mirror stopped (%zu of %zu left)",
	                           left, mv->ndisks));
}

/* Sum of the mirrors' progress; *ready = every job is READY. */
static int
src_mirror_poll(struct move *mv, uint64_t *done, uint64_t *total, int *ready)
{
	json_t *jobs = NULL, *j;
	size_t i, n = 0;
	int ret;

	*done = *total = 0;
	*ready = 1;
	if ((ret = QMP(mv, "query-block-jobs", &jobs, NULL)) != 0)
		return ret;
	json_array_foreach(jobs, i, j)
	{
		const char *id =
		        json_string_value(json_object_get(j, "device"));
		if (id == NULL || strncmp(id, "mdcmirror", 9) != 0)
			continue;
		n++;
		*done += jint(j, "offset", NULL);
		*total += jint(j, "len", NULL);
		if (!json_is_true(json_object_get(j, "ready")))
			*ready = 0;
	}
	json_decref(jobs);
	if (n != mv->ndisks)
		return mirror_failed(mv, n);
	return 0;
}

static int
src_mirror_wait(struct move *mv)
{
	struct mdc_live_info pi = {MDC_LIVE_PROGRESS, MDC_LIVE_MIRROR, {0}};
	uint64_t done, total, last = 0;
	int ready = mv->ndisks == 0, ret;

	while (!ready) {
		if ((ret = src_mirror_poll(mv, &done, &total, &ready)) ||
		    (ret = still_ok(mv)))
			return ret;
		pi.v[MDC_LIVE_P_DONE] = done;
		pi.v[MDC_LIVE_P_TOTAL] = total;
		pi.v[MDC_LIVE_P_RATE] = (done - last) * 1000 / POLL_MS;
		pi.v[MDC_LIVE_P_REMAIN] = total - done;
		last = done;
		mv->storage_bytes = done;
		send_info(mv->c, &pi);
		if (!ready)
			best_effort(mdc_qmp_pump(mv->q, POLL_MS, &mv->e));
	}
	return 0;
}

static int
src_migrate_start(struct move *mv)
{
	const struct mdc_live_req *q = &mv->req;
	int ret;

	/* events: QEMU says "completed" at once (the guest is paused from
	 * then until the destination resumes it: no poll interval there) */
	ret = QMP(mv, "migrate-set-capabilities", NULL,
	          "{s:[{s:s,s:b},{s:s,s:b}]}", "capabilities", "capability",
	          "auto-converge", "state", !(q->flags & MDC_LIVE_FL_NOCONV),
	          "capability", "events", "state", 1);
	if (ret == 0)
		ret = QMP(
		        mv, "migrate-set-parameters", NULL, "{s:I,s:I}",
		        "downtime-limit", (json_int_t)q->downtime_ms,
		        "max-bandwidth",
		        (json_int_t)(q->bandwidth_mib
		                             ? (uint64_t)q->bandwidth_mib << 20
		                             : (uint64_t)1 << 40));
	if (ret == 0)
		ret = QMP(mv, "migrate", NULL, "{s:s}", "uri", "fd:mdcmig");
	return ret;
}

/* Progress from query-migrate's "ram" into pi. */
static void
ram_progress(const json_t *st, struct mdc_live_info *pi)
{
	const json_t *ram = json_object_get(st, "ram");

	pi->v[MDC_LIVE_P_DONE] = jint(ram, "transferred", NULL);
	pi->v[MDC_LIVE_P_TOTAL] = jint(ram, "total", NULL);
	pi->v[MDC_LIVE_P_RATE] =
	        (uint64_t)(json_number_value(json_object_get(ram, "mbps")) *
	                   1e6 / 8);
	pi->v[MDC_LIVE_P_DIRTY] = jint(ram, "dirty-pages-rate", NULL) *
	                          jint(ram, "page-size", NULL);
	pi->v[MDC_LIVE_P_REMAIN] = jint(ram, "remaining", NULL);
	pi->v[MDC_LIVE_P_ROUNDS] = jint(ram, "dirty-sync-count", NULL);
}

/* Until QEMU's next MIGRATION event (a state change), at most POLL_MS;
 * the pass counter's events are dropped. */
static void
migrate_nap(struct move *mv)
{
	struct mdc_mig_err e = {"", 0};
	int ret;

	ret = mdc_qmp_wait_event(mv->q, "MIGRATION", NULL, NULL, POLL_MS, NULL,
	                         &e);
	if (ret != 0 && ret != MDC_ETIMEDOUT)
		return;
	while (mdc_qmp_wait_event(mv->q, "MIGRATION_PASS", NULL, NULL, 0, NULL,
	                          &e) == 0)
		;
}

/* Poll query-migrate until completed; *st_out its last answer. */
static int
src_migrate_wait(struct move *mv, json_t **st_out)
{
	struct mdc_live_info pi = {MDC_LIVE_PROGRESS, MDC_LIVE_PRECOPY, {0}};
	json_t *st = NULL;
	const char *s;
	int ret;

	for (;;) {
		json_decref(st);
		st = NULL;
		if ((ret = QMP(mv, "query-migrate", &st, NULL)) != 0 ||
		    (ret = still_ok(mv)) != 0)
			break;
		s = json_string_value(json_object_get(st, "status"));
		s = s ? s : "?";
		if (strcmp(s, "completed") == 0) {
			sw_mark(mv, 0);
			*st_out = st;
			return 0;
		}
		if (strcmp(s, "failed") == 0 || strcmp(s, "cancelled") == 0) {
			const char *d = json_string_value(
			        json_object_get(st, "error-desc"));
			ret = channel_first(
			        mv, mdc_mig_seterr(&mv->e, MDC_EINVAL,
			                           "memory pre-copy %s%s%s", s,
			                           d ? ": " : "", d ? d : ""));
			break;
		}
		ram_progress(st, &pi);
		send_info(mv->c, &pi);
		migrate_nap(mv);
	}
	json_decref(st);
	return ret;
}

/*
 * The end of job (event BLOCK_JOB_COMPLETED or _CANCELLED), within
 * limit_ms, in slices that look at the relay: a channel that failed ends
 * the wait at once (the guest is paused during a switch-over).
 */
static int
job_end(struct move *mv, const char *ev, const char *job, long limit_ms)
{
	struct mdc_mig_err e = {"", 0};
	struct timespec t0;
	json_t *data = NULL;
	const char *why;
	int ret;

	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		ret = mdc_qmp_wait_event(mv->q, ev, "device", job, 100, &data,
		                         &e);
		if (ret == 0)
			break;
		if (ret != MDC_ETIMEDOUT)
			return mdc_mig_seterr(&mv->e, ret, "%s", e.text);
		if ((ret = still_ok(mv)) != 0)
			return ret;
		if (ms_since(&t0) >= limit_ms)
			return mdc_mig_seterr(&mv->e, MDC_ETIMEDOUT,
			                      "%s: no %s in %ld ms", job, ev,
			                      limit_ms);
	}
	why = json_string_value(json_object_get(data, "error"));
	ret = why == NULL
	              ? 0
	              : channel_first(mv, mdc_mig_seterr(&mv->e, MDC_EINVAL,
	                                                 "%s: %s", job, why));
	json_decref(data);
	return ret;
}

/* Switch-over, source part: the READY mirrors complete, NBD nodes go. */
static int
src_mirror_finish(struct move *mv)
{
	char job[32], node[32];
	size_t i;
	int ret;

	for (i = 0; i < mv->ndisks; i++) {
		snprintf(job, sizeof(job), "mdcmirror%zu", i);
		if ((ret = QMP(mv, "block-job-cancel", NULL, "{s:s}", "device",
		               job)) != 0 ||
		    (ret = job_end(mv, "BLOCK_JOB_COMPLETED", job, QMP_MS)) !=
		            0)
			return ret;
	}
	for (i = 0; i < mv->ndisks; i++) {
		snprintf(node, sizeof(node), "mdcnbd%zu", i);
		if ((ret = QMP(mv, "blockdev-del", NULL, "{s:s}", "node-name",
		               node)) != 0)
			return ret;
	}
	return 0;
}

/* After a failure before the switch: the VM keeps running here. */
static void
src_rollback(struct move *mv)
{
	struct mdc_mig_err keep = mv->e;
	int cancelling[MDC_VM_MAX_DISKS] = {0};
	char job[32], node[32];
	json_t *st = NULL;
	const char *s;
	size_t i;

	/* the relay killed closes every NBD socket: a mirror request in
	 * flight fails at once instead of holding the guest's I/O */
	relay_end(mv, 0); /* the destination tears its side down */
	if (mv->q == NULL)
		goto out;
	best_effort(QMP(mv, "migrate_cancel", NULL, NULL));
	/* force: no last copy to a peer that is gone */
	for (i = 0; i < mv->ndisks; i++) {
		snprintf(job, sizeof(job), "mdcmirror%zu", i);
		cancelling[i] = QMP(mv, "block-job-cancel", NULL, "{s:s,s:b}",
		                    "device", job, "force", 1) == 0;
	}
	/* a guest paused for the switch-over runs again before anything
	 * else is waited for; after SWITCH the destination may run it: a
	 * human decides */
	if (!mv->switched && QMP(mv, "query-status", &st, NULL) == 0) {
		s = json_string_value(json_object_get(st, "status"));
		if (s != NULL && strcmp(s, "running") != 0)
			best_effort(QMP(mv, "cont", NULL, NULL));
	}
	json_decref(st);
	for (i = 0; i < mv->ndisks; i++) {
		snprintf(job, sizeof(job), "mdcmirror%zu", i);
		if (cancelling[i])
			best_effort(mdc_qmp_wait_event(
			        mv->q, "BLOCK_JOB_CANCELLED", "device", job,
			        ROLLBACK_JOB_MS, NULL, &mv->e));
	}
	for (i = 0; i < mv->ndisks; i++) {
		snprintf(node, sizeof(node), "mdcnbd%zu", i);
		best_effort(QMP(mv, "blockdev-del", NULL, "{s:s}", "node-name",
		                node));
	}
out:
	mv->e = keep;
}

static void
src_report(struct move *mv, const json_t *st, const struct mdc_chan_stats *cs)
{
	struct mdc_live_info ri = {MDC_LIVE_REPORT, MDC_LIVE_DONE, {0}};
	const json_t *ram = json_object_get(st, "ram");
	uint64_t total = (uint64_t)ms_since(&mv->t0);

	(void)cs;
	ri.v[MDC_LIVE_R_TOTAL_MS] = total;
	ri.v[MDC_LIVE_R_DOWNTIME_MS] = jint(st, "downtime", NULL);
	/* bytes that crossed the channel (QEMU's mirror offset counts the
	 * holes it skipped, its ram counter its own framing) */
	ri.v[MDC_LIVE_R_STORAGE] = mv->chan_nbd;
	ri.v[MDC_LIVE_R_MEMORY] = mv->chan_mig;
	ri.v[MDC_LIVE_R_WIRE] = mv->chan_wire;
	ri.v[MDC_LIVE_R_ROUNDS] = jint(ram, "dirty-sync-count", NULL);
	ri.v[MDC_LIVE_R_THROUGHPUT] = total ? mv->chan_wire * 1000 / total : 0;
	ri.v[MDC_LIVE_R_ZERO_PAGES] = jint(ram, "duplicate", NULL);
	ri.v[MDC_LIVE_R_SETUP_MS] = jint(st, "setup-time", NULL);
	send_info(mv->c, &ri);
}

/* One line for the agent's log: where the switch-over's time went. */
static void sw_log(struct move *mv, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void
sw_log(struct move *mv, const char *fmt, ...)
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

/* The destination's next control message, or why there is none. */
static int
src_answer(struct move *mv, struct mdc_live_ctl *ans)
{
	int ret = mdc_live_ctl_recv(mv->ctl, SWITCH_MS, ans);

	if (ret != 0)
		return channel_first(
		        mv,
		        mdc_mig_seterr(&mv->e, ret,
		                       "no answer from the destination to the "
		                       "switch-over: %s",
		                       mdc_strerror(ret)));
	return 0;
}

/*
 * SWITCH; the destination's PREPARED (its migration completed, its exports
 * gone); COMMIT; its DONE.  The destination resumes the VM on COMMIT only,
 * so until we send it, a destination that fails or vanishes has not run the
 * VM: the rollback resumes it here.  From COMMIT on it may run there
 * (switched: a human decides if no DONE comes).
 */
static int
src_switch(struct move *mv)
{
	struct mdc_live_ctl ctl = {MDC_LIVE_C_SWITCH, 0, ""}, ans;
	int ret;

	if ((ret = mdc_live_ctl_send(mv->ctl, &ctl)) != 0)
		return channel_first(
		        mv, mdc_mig_seterr(&mv->e, ret, "data channel closed"));
	sw_log(mv, "source: SWITCH sent, waiting for the destination");
	if ((ret = src_answer(mv, &ans)) != 0)
		return ret;
	if (ans.type == MDC_LIVE_C_PREPARED) {
		ctl.type = MDC_LIVE_C_COMMIT;
		mv->switched = 1;
		/* a COMMIT the relay never took cannot reach it */
		if ((ret = mdc_live_ctl_send(mv->ctl, &ctl)) != 0) {
			mv->switched = 0;
			return channel_first(
			        mv, mdc_mig_seterr(&mv->e, ret,
			                           "data channel closed"));
		}
		if ((ret = src_answer(mv, &ans)) != 0)
			return ret;
	}
	/* a DONE failed comes before the destination's cont only */
	if (ans.type == MDC_LIVE_C_DONE && ans.status != MDC_MIG_ACCEPTED)
		mv->switched = 0;
	if (ans.type != MDC_LIVE_C_DONE || ans.status != MDC_MIG_ACCEPTED)
		return mdc_mig_seterr(&mv->e, MDC_EINVAL, "%s", ans.text);
	return 0;
}

/* Everything from the accepted offer to the destination running. */
static int
src_run(struct move *mv, int sess, gss_ctx_id_t dctx, json_t **st)
{
	int fds[1 + MDC_VM_MAX_DISKS], ret;
	size_t i, n = 1 + mv->ndisks;

	for (i = 0; i < n; i++)
		fds[i] = -1;
	ret = src_streams(mv, fds);
	if (ret == 0)
		ret = spawn_relay(mv, sess, dctx, fds, n);
	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (ret == 0)
		ret = src_mirror_start(mv);
	if (ret == 0)
		ret = src_mirror_wait(mv);
	if (ret == 0)
		ret = src_migrate_start(mv);
	if (ret == 0)
		ret = src_migrate_wait(mv, st);
	if (ret == 0) {
		struct mdc_live_info pi = {
		        MDC_LIVE_PROGRESS, MDC_LIVE_SWITCH, {0}};
		send_info(mv->c, &pi);
		ret = src_mirror_finish(mv);
		sw_mark(mv, 1);
	}
	return ret;
}

/* The VM must be defined and running here. */
static int
src_vm(struct move *mv, const char *name, struct mdc_mig_msg *r)
{
	struct mdc_vm_status vs;

	if (mdc_vm_def_load(mv->env.state, name, &mv->def, &mv->e) != 0 ||
	    mdc_vm_status_get(&mv->env, name, &vs, &mv->e) != 0) {
		mdc_mig_result(r, MDC_MIG_FAILED, "%s: %s", mv->c->fqdn,
		               mv->e.text);
		return -1;
	}
	if (vs.state == MDC_VM_STOPPED) {
		/* a stopped VM moves by the storage copy */
		mv->cold = 1;
		mv->req.flags |= MDC_LIVE_FL_STOPPED;
		if (take_slot(mv) != 0) {
			mdc_mig_result(r, MDC_MIG_REFUSED, "refused by %s: %s",
			               mv->c->fqdn, mv->e.text);
			return -1;
		}
		return src_describe(mv, r);
	}
	if (vs.state != MDC_VM_RUNNING) {
		mdc_mig_result(r, MDC_MIG_FAILED, "%s: VM %s is %s",
		               mv->c->fqdn, name, mdc_vm_state_name(vs.state));
		return -1;
	}
	if (take_slot(mv) != 0 || mdc_vm_set_migrating(&mv->env, name, 1)) {
		mdc_mig_result(
		        r, MDC_MIG_REFUSED, "refused by %s: %s", mv->c->fqdn,
		        mv->e.text[0] ? mv->e.text : "cannot mark the VM");
		return -1;
	}
	mv->marked = 1;
	if (mdc_vm_qmp_open(&mv->env, name, QMP_MS, &mv->q, &mv->e) != 0) {
		mdc_mig_result(r, MDC_MIG_FAILED, "%s: %s", mv->c->fqdn,
		               mv->e.text);
		return -1;
	}
	return src_describe(mv, r);
}

/* check: the VM defined here and not moving; nothing taken or marked. */
static int
src_vm_check(struct move *mv, const char *name, struct mdc_mig_msg *r)
{
	struct mdc_vm_status vs;

	if (mdc_vm_def_load(mv->env.state, name, &mv->def, &mv->e) != 0 ||
	    mdc_vm_status_get(&mv->env, name, &vs, &mv->e) != 0) {
		mdc_mig_result(r, MDC_MIG_FAILED, "%s: %s", mv->c->fqdn,
		               mv->e.text);
		return -1;
	}
	if (vs.state != MDC_VM_STOPPED && vs.state != MDC_VM_RUNNING) {
		mdc_mig_result(r, MDC_MIG_REFUSED, "refused by %s: VM %s is %s",
		               mv->c->fqdn, name, mdc_vm_state_name(vs.state));
		return -1;
	}
	return src_describe(mv, r);
}

/* A cancel request: mark the moving VM's run directory. */
static void
src_cancel(struct move *mv, const char *name, struct mdc_mig_msg *r)
{
	char run[PATH_MAX], f[PATH_MAX + 16], why[MDC_MIG_MAX_TEXT + 1];
	struct mdc_vm_status vs;

	/* a cancel is a move's business: the same operators only */
	if (mdc_mig_src_user_decide(mv->c->who, mv->c->logon, mv->c->logon_len,
	                            mv->c->fqdn, why, sizeof(why)) != 0) {
		mdc_mig_result(r, MDC_MIG_REFUSED, "%s", why);
		return;
	}
	if (mdc_vm_status_get(&mv->env, name, &vs, &mv->e) != 0 ||
	    vs.state != MDC_VM_MIGRATING ||
	    mdc_vm_rundir(&mv->env, name, run, sizeof(run)) != 0) {
		mdc_mig_result(r, MDC_MIG_FAILED, "%s: VM %s is not moving",
		               mv->c->fqdn, name);
		return;
	}
	snprintf(f, sizeof(f), "%s/cancel", run);
	if (mdc_file_printf(f, 0600, "%s\n", mv->c->who) != 0)
		mdc_mig_result(r, MDC_MIG_FAILED, "%s: cannot cancel",
		               mv->c->fqdn);
	else
		mdc_mig_result(r, MDC_MIG_ACCEPTED, "cancel of VM %s requested",
		               name);
}

/* A stopped VM: copy its disks; the definition goes once they are in. */
static void
src_cold(struct move *mv, int sess, gss_ctx_id_t dctx, struct mdc_mig_msg *r)
{
	const char *paths[MDC_VM_MAX_DISKS];
	char text[MDC_MIG_MAX_TEXT + 1];
	size_t i;

	for (i = 0; i < mv->def.ndisks; i++)
		paths[i] = mv->def.disks[i];
	if (mdc_cold_send(sess, dctx, paths, mv->def.ndisks,
	                  (mv->req.flags & MDC_LIVE_FL_PLAIN) != 0, r,
	                  &mv->e) != 0) {
		mdc_mig_result(r, MDC_MIG_FAILED,
		               "copying the disks of VM %s: %s", mv->def.name,
		               mv->e.text);
		return;
	}
	if (r->status != MDC_MIG_ACCEPTED)
		return;
	memcpy(text, r->text, sizeof(text));
	if (mdc_vm_def_remove(mv->env.state, mv->def.name, &mv->e) != 0)
		mdc_mig_result(r, MDC_MIG_ACCEPTED, "%s; removing it on %s: %s",
		               text, mv->c->fqdn, mv->e.text);
	else
		mdc_mig_result(r, MDC_MIG_ACCEPTED, "%s (its disks stay on %s)",
		               text, mv->c->fqdn);
}

/* The last step: the source lets go of its QEMU and the definition. */
static void
src_release(struct move *mv, const json_t *st, struct mdc_mig_msg *r)
{
	struct mdc_mig_err e = {"", 0};
	const char *name = mv->def.name;

	mdc_qmp_close(mv->q);
	mv->q = NULL;
	/* every stream has ended: let the channel close cleanly */
	relay_end(mv, RELAY_EXIT_MS);
	src_report(mv, st, NULL);
	sw_log(mv,
	       "source: QEMU completed, mirrors done +%ld ms, the "
	       "destination resumed +%ld ms",
	       mv->sw[1], mv->sw[2]);
	if (mdc_vm_stop(&mv->env, name, 10000, 1, &e) != 0 ||
	    mdc_vm_def_remove(mv->env.state, name, &e) != 0)
		mdc_mig_result(r, MDC_MIG_ACCEPTED,
		               "VM %s runs on %s; releasing it here: %s", name,
		               mv->c->fqdn, e.text);
	else
		mdc_mig_result(
		        r, MDC_MIG_ACCEPTED,
		        "VM %s moved live from %s in %ld ms (downtime %llu ms)",
		        name, mv->c->fqdn, ms_since(&mv->t0),
		        (unsigned long long)jint(st, "downtime", NULL));
	mv->marked = 0;
}

void
mdc_live_source(const struct mdc_live_conn *c, const struct mdc_mig_msg *m,
                struct mdc_mig_msg *r)
{
	struct move *mv = calloc(1, sizeof(*mv));
	gss_ctx_id_t dctx = GSS_C_NO_CONTEXT;
	char ip[MDC_MIG_MAX_ADDR + 1];
	OM_uint32 minor;
	json_t *st = NULL;
	int sess = -1, port, ret;

	if (mv == NULL) {
		mdc_mig_result(r, MDC_MIG_FAILED, "out of memory");
		return;
	}
	move_init(mv, c);
	if (mdc_live_req_decode(m->data, m->datalen, &mv->req) != 0) {
		mdc_mig_result(r, MDC_MIG_FAILED, "malformed request");
		goto out;
	}
	if (mv->req.flags & MDC_LIVE_FL_CANCEL) {
		src_cancel(mv, m->vm, r);
		goto out;
	}
	/* no connection before the user and the address are checked */
	if (src_policy(mv, m, ip, sizeof(ip), &port, r) != 0)
		goto out;
	if (mv->req.flags & MDC_LIVE_FL_CHECK) {
		if (src_vm_check(mv, m->vm, r) == 0)
			(void)src_offer(mv, m, ip, port, &sess, &dctx, r);
		goto out;
	}
	if (src_vm(mv, m->vm, r) != 0 ||
	    src_offer(mv, m, ip, port, &sess, &dctx, r) != 0)
		goto out;
	if (mv->cold) {
		src_cold(mv, sess, dctx, r);
		goto out;
	}
	ret = src_run(mv, sess, dctx, &st);
	sess = -1; /* the relay's now (closed by spawn or here below) */
	if (ret == 0 && (ret = src_switch(mv)) == 0)
		sw_mark(mv, 2);
	if (ret != 0) {
		src_rollback(mv);
		if (mv->switched)
			mdc_mig_result(
			        r, MDC_MIG_FAILED,
			        "move of VM %s: no word from %s after the "
			        "switch-over (%s); the VM is paused on %s and "
			        "may "
			        "run on %s: check it there before resuming",
			        m->vm, m->host, mv->e.text, c->fqdn, m->host);
		else
			mdc_mig_result(
			        r, MDC_MIG_FAILED,
			        "move of VM %s failed, it keeps running on %s: "
			        "%s",
			        m->vm, c->fqdn, mv->e.text);
		goto out;
	}
	src_release(mv, st, r);
out:
	json_decref(st);
	if (sess >= 0)
		close(sess);
	if (dctx != GSS_C_NO_CONTEXT)
		(void)gss_delete_sec_context(&minor, &dctx, GSS_C_NO_BUFFER);
	move_free(mv);
	free(mv);
}

/* ---- destination ---- */

/* True if path resolves (realpath) inside root (n bytes); rp gets it. */
static int
inside(const char *path, const char *root, size_t n, char *rp)
{
	return realpath(path, rp) != NULL && strncmp(rp, root, n) == 0 &&
	       (rp[n] == '/' || rp[n] == '\0');
}

/*
 * DIR of --storage-path: absolute or relative to the storage directory,
 * never outside it, not even on the way (no "..", its parent must resolve
 * inside before DIR is created, 0700; DIR itself is checked again after).
 */
static int
dst_dir(struct move *mv, int create, char *dir_out, size_t outlen)
{
	char root[PATH_MAX], want[PATH_MAX * 2], rp[PATH_MAX], *slash;
	const char *p = mv->req.storage_path[0] ? mv->req.storage_path : ".";
	size_t n;
	int ok = 0;

	if (mv->env.storage == NULL || realpath(mv->env.storage, root) == NULL)
		return mdc_mig_seterr(&mv->e, MDC_ENOENT,
		                      "it has no storage directory "
		                      "(agent --storage-dir)");
	n = strlen(root);
	snprintf(want, sizeof(want), "%s%s%s", p[0] == '/' ? "" : root,
	         p[0] == '/' ? "" : "/", p);
	if (strstr(p, "..") != NULL || strncmp(want, root, n) != 0 ||
	    (want[n] != '/' && want[n] != '\0'))
		goto out;
	if ((slash = strrchr(want, '/')) != NULL && slash > want + n) {
		*slash = '\0';
		if (!inside(want, root, n, rp))
			goto out;
		*slash = '/';
	}
	if (create)
		(void)mkdir(want, 0700);
	else if (access(want, F_OK) != 0 && slash != NULL && slash >= want + n)
		*slash = '\0'; /* check: where the move would create DIR */
	if (!inside(want, root, n, rp) || strlen(rp) >= outlen)
		goto out;
	memcpy(dir_out, rp, strlen(rp) + 1);
	ok = 1;
out:
	if (!ok)
		return mdc_mig_seterr(&mv->e, MDC_EDENIED,
		                      "%s is not inside its storage directory",
		                      p);
	return 0;
}

/* The disks' paths under DIR, named like the source's. */
static int
dst_paths(struct move *mv)
{
	const char *base;
	size_t i;

	if (mv->req.ndisks != mv->def.ndisks)
		return mdc_mig_seterr(&mv->e, MDC_EINVAL,
		                      "disk count mismatch");
	mv->ndisks = mv->def.ndisks;
	for (i = 0; i < mv->ndisks; i++) {
		base = strrchr(mv->def.disks[i], '/');
		base = base ? base + 1 : mv->def.disks[i];
		if ((size_t)snprintf(mv->disks[i], sizeof(mv->disks[i]),
		                     "%s/%s", mv->dir,
		                     base) >= sizeof(mv->disks[i]))
			return mdc_mig_seterr(&mv->e, MDC_ERANGE,
			                      "path too long");
	}
	return 0;
}

/* Sparse disks of the same sizes under DIR (a live move). */
static int
dst_disks(struct move *mv)
{
	size_t i;
	int fd;

	for (i = 0; i < mv->ndisks; i++) {
		fd = open(mv->disks[i], O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
		          0600);
		if (fd < 0)
			return mdc_mig_seterr(&mv->e, mdc_err_from_errno(errno),
			                      "%s: %s", mv->disks[i],
			                      strerror(errno));
		mv->created[i] = 1;
		if (ftruncate(fd, (off_t)mv->req.disk_size[i]) != 0) {
			close(fd);
			return mdc_mig_seterr(&mv->e, mdc_err_from_errno(errno),
			                      "%s: %s", mv->disks[i],
			                      strerror(errno));
		}
		close(fd);
	}
	return 0;
}

/* The definition with the disks' new paths, saved here. */
static int
dst_save(struct move *mv)
{
	size_t i;
	int ret;

	for (i = 0; i < mv->ndisks; i++)
		snprintf(mv->def.disks[i], sizeof(mv->def.disks[i]), "%s",
		         mv->disks[i]);
	if ((ret = mdc_vm_def_save(mv->env.state, &mv->def, 0, &mv->e)) == 0)
		mv->saved = 1;
	return ret;
}

/* STATE/incoming/NAME: what this move creates, for mdc_live_recover. */
static int
marker_path(const char *state, const char *name, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/incoming/%s", state, name);

	return n < 0 || (size_t)n >= len ? MDC_ERANGE : 0;
}

static int
marker_write(struct move *mv)
{
	char p[PATH_MAX], dir[PATH_MAX], body[(MDC_VM_MAX_DISKS + 1) * 600];
	size_t i, n = 0;

	snprintf(dir, sizeof(dir), "%s/incoming", mv->env.state);
	(void)mkdir(dir, 0700);
	if (marker_path(mv->env.state, mv->def.name, p, sizeof(p)) != 0)
		return mdc_mig_seterr(&mv->e, MDC_ERANGE, "path too long");
	body[0] = '\0';
	for (i = 0; i < mv->ndisks; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "%s\n",
		                      mv->disks[i]);
	if (mdc_file_printf(p, 0600, "%s", body) != 0)
		return mdc_mig_seterr(&mv->e, MDC_EACCES, "%s: cannot write",
		                      p);
	mv->marker = 1;
	return 0;
}

static void
marker_remove(struct move *mv)
{
	char p[PATH_MAX];

	if (mv->marker &&
	    marker_path(mv->env.state, mv->def.name, p, sizeof(p)) == 0)
		(void)unlink(p);
	mv->marker = 0;
}

/*
 * check: the storage directory exists, DIR would be inside it, and it has
 * room for the disks; mv->e.text is then the acceptance.  Creates nothing.
 */
static int
dst_room(struct move *mv)
{
	char dir[PATH_MAX], text[MDC_MIG_MAX_TEXT + 1], rp[PATH_MAX];
	const char *self = mv->c->fqdn;
	int ret;

	if (mv->env.storage == NULL)
		return mdc_mig_seterr(&mv->e, MDC_EDENIED,
		                      "it has no storage directory; fix: set "
		                      "storage-dir = DIR in [agent] of "
		                      "migrate.conf (or agent --storage-dir "
		                      "DIR) and restart the agent   (on %s)",
		                      self);
	if (realpath(mv->env.storage, rp) == NULL)
		return mdc_mig_seterr(
		        &mv->e, MDC_EDENIED,
		        "its storage directory %.300s does not "
		        "exist; fix: mkdir -p -m 0700 %.300s   (on "
		        "%s)",
		        mv->env.storage, mv->env.storage, self);
	if ((ret = dst_dir(mv, 0, dir, sizeof(dir))) != 0) {
		snprintf(text, sizeof(text), "%s", mv->e.text);
		return mdc_mig_seterr(&mv->e, ret,
		                      "%.300s; fix: --storage-path a directory "
		                      "inside the storage directory %.300s",
		                      text, rp);
	}
	if (mdc_mig_room(dir, self, mv->req.disk_size, mv->req.ndisks, text,
	                 sizeof(text)) != 0)
		return mdc_mig_seterr(&mv->e, MDC_EDENIED, "%s", text);
	return mdc_mig_seterr(&mv->e, 0,
	                      "VM %s can move to %s: CPU model %s offered, "
	                      "storage directory %s",
	                      mv->def.name, self, mv->def.cpu, text);
}

/* The VM's definition, CPU check, disks, saved definition. */
static int
dst_define(struct move *mv, const char *name)
{
	char err[256], missing[1024];
	struct mdc_vm_def old;
	int ret;

	if (mdc_vm_def_from_json(mv->req.def, strlen(mv->req.def), &mv->def,
	                         err, sizeof(err)) != 0 ||
	    strcmp(mv->def.name, name) != 0)
		return mdc_mig_seterr(&mv->e, MDC_EMALF,
		                      "a bad VM definition: %s", err);
	if (mdc_vm_def_load(mv->env.state, name, &old, &mv->e) == 0)
		return mdc_mig_seterr(&mv->e, MDC_EEXIST,
		                      "a VM named %s is already defined here",
		                      name);
	ret = mdc_vm_cpu_probe(&mv->env, mv->def.cpu, missing, sizeof(missing),
	                       &mv->e);
	if (ret != 0 && ret != MDC_ENOENT)
		return ret;
	if (ret == MDC_ENOENT || missing[0] != '\0') {
		mdc_vm_cpu_refusal(mv->c->fqdn, mv->def.cpu,
		                   ret == MDC_ENOENT ? NULL : missing,
		                   mv->e.text, sizeof(mv->e.text));
		return MDC_EDENIED;
	}
	if (mv->req.flags & MDC_LIVE_FL_CHECK)
		return dst_room(mv);
	if ((ret = take_slot(mv)) != 0 ||
	    (ret = dst_dir(mv, 1, mv->dir, sizeof(mv->dir))) != 0 ||
	    (ret = dst_paths(mv)) != 0 || (ret = marker_write(mv)) != 0 ||
	    mv->cold)
		return ret;
	if ((ret = dst_disks(mv)) != 0)
		return ret;
	return dst_save(mv);
}

/* QEMU -incoming defer, the NBD export, the incoming migration fd. */
static int
dst_qemu(struct move *mv, int *fds)
{
	struct mdc_vm_start_opts so = {0, 1};
	char run[PATH_MAX], sock[PATH_MAX + 16], id[32], node[32];
	size_t i;
	int ret;

	if ((ret = mdc_vm_start(&mv->env, mv->def.name, &so, NULL, &mv->e)))
		return ret;
	mv->started = 1;
	if ((ret = mdc_vm_set_migrating(&mv->env, mv->def.name, 1)) != 0)
		return mdc_mig_seterr(&mv->e, ret, "cannot mark the VM");
	mv->marked = 1;
	if ((ret = mdc_vm_qmp_open(&mv->env, mv->def.name, QMP_MS, &mv->q,
	                           &mv->e)) != 0 ||
	    (ret = mdc_vm_rundir(&mv->env, mv->def.name, run, sizeof(run))))
		return ret;
	snprintf(sock, sizeof(sock), "%s/nbd.sock", run);
	/* nbd-server-start takes the legacy form {type, data: {...}} */
	if ((ret = QMP(mv, "nbd-server-start", NULL, "{s:{s:s,s:{s:s}}}",
	               "addr", "type", "unix", "data", "path", sock)) != 0)
		return ret;
	for (i = 0; i < mv->ndisks; i++) {
		snprintf(id, sizeof(id), "mdcexp%zu", i);
		snprintf(node, sizeof(node), "disk%zu", i);
		if ((ret = QMP(mv, "block-export-add", NULL,
		               "{s:s,s:s,s:s,s:b,s:s}", "type", "nbd", "id", id,
		               "node-name", node, "writable", 1, "name",
		               node)) != 0)
			return ret;
	}
	if ((ret = qemu_pair(mv, "mdcmig", &fds[0])) != 0 ||
	    (ret = QMP(mv, "migrate-incoming", NULL, "{s:s}", "uri",
	               "fd:mdcmig")) != 0)
		return ret;
	for (i = 0; i < mv->ndisks; i++)
		if ((ret = mdc_net_connect_unix(sock, &fds[i + 1])) != 0)
			return mdc_mig_seterr(&mv->e, ret, "%s: %s", sock,
			                      mdc_strerror(ret));
	return 0;
}

/* Poll the incoming side until QEMU says the migration completed. */
static int
dst_wait_completed(struct move *mv)
{
	json_t *st = NULL;
	const char *s;
	long t;
	int ret = 0;

	for (t = 0; t < SWITCH_MS; t += 100) {
		json_decref(st);
		st = NULL;
		if ((ret = QMP(mv, "query-migrate", &st, NULL)) != 0)
			break;
		s = json_string_value(json_object_get(st, "status"));
		if (s != NULL && strcmp(s, "completed") == 0)
			break;
		if (s != NULL && strcmp(s, "failed") == 0) {
			ret = channel_first(
			        mv, mdc_mig_seterr(&mv->e, MDC_EINVAL,
			                           "the incoming migration "
			                           "failed"));
			break;
		}
		usleep(100000);
	}
	if (ret == 0 && t >= SWITCH_MS)
		ret = mdc_mig_seterr(&mv->e, MDC_ETIMEDOUT,
		                     "the incoming migration did not complete");
	json_decref(st);
	return ret;
}

/*
 * PREPARED, then the source's COMMIT: only then may this side resume the
 * VM.  Without it (the source or the channel gone) the source may resume
 * its own copy, so this one must never run.
 */
static int
dst_prepared(struct move *mv)
{
	struct mdc_live_ctl ctl = {MDC_LIVE_C_PREPARED, 0, ""};
	int ret;

	if ((ret = mdc_live_ctl_send(mv->ctl, &ctl)) == 0)
		ret = mdc_live_ctl_recv(mv->ctl, SWITCH_MS, &ctl);
	if (ret == 0 && ctl.type != MDC_LIVE_C_COMMIT)
		ret = MDC_EMALF;
	if (ret != 0)
		return channel_first(
		        mv, mdc_mig_seterr(&mv->e, ret,
		                           "no COMMIT from the source: %s",
		                           mdc_strerror(ret)));
	return 0;
}

/*
 * Remove an export.  The source's mirror has completed (every write
 * acknowledged) and its NBD node is gone before it sends SWITCH, but the
 * disconnect may still be on its way through the channel: "still in use"
 * then means a client with nothing pending, and the export is removed
 * hard at once (waiting for it would keep the guest paused).
 */
static int
export_del(struct move *mv, const char *id)
{
	struct mdc_mig_err e = {"", 0};

	if (mdc_qmp_execf(mv->q, "block-export-del", NULL, &e, "{s:s}", "id",
	                  id) == 0)
		return 0;
	mv->hard_exports++;
	return QMP(mv, "block-export-del", NULL, "{s:s,s:s}", "id", id, "mode",
	           "hard");
}

/* Switch-over, destination part: exports go, the VM runs here. */
static int
dst_switch(struct move *mv)
{
	struct mdc_live_ctl ctl;
	char id[32];
	size_t i;
	int ret;

	ret = mdc_live_ctl_recv(mv->ctl, -1, &ctl);
	if (ret != 0 || ctl.type != MDC_LIVE_C_SWITCH)
		return channel_first(mv, mdc_mig_seterr(&mv->e, MDC_ETRUNC,
		                                        "the source gave up"));
	sw_mark(mv, 0);
	if ((ret = dst_wait_completed(mv)) != 0)
		return ret;
	sw_mark(mv, 1);
	for (i = 0; i < mv->ndisks; i++) {
		snprintf(id, sizeof(id), "mdcexp%zu", i);
		if ((ret = export_del(mv, id)) != 0)
			return ret;
	}
	if ((ret = QMP(mv, "nbd-server-stop", NULL, NULL)) != 0)
		return ret;
	sw_mark(mv, 2);
	if ((ret = dst_prepared(mv)) != 0)
		return ret;
	/* from here on the VM lives here: no recovery may remove it */
	marker_remove(mv);
	mv->resumed = 1;
	if ((ret = QMP(mv, "cont", NULL, NULL)) != 0)
		return ret;
	sw_mark(mv, 3);
	best_effort(QMP(mv, "announce-self", NULL, "{s:I,s:I,s:I,s:I}",
	                "initial", (json_int_t)50, "max", (json_int_t)550,
	                "rounds", (json_int_t)5, "step", (json_int_t)100));
	return 0;
}

/* The switch-over failed before cont: the source may resume safely. */
static void
dst_refuse_switch(struct move *mv)
{
	struct mdc_live_ctl no = {MDC_LIVE_C_DONE, MDC_MIG_FAILED, ""};

	snprintf(no.text, sizeof(no.text), "%s: %s", mv->c->fqdn, mv->e.text);
	if (mv->ctl >= 0 && mdc_live_ctl_send(mv->ctl, &no) == 0)
		relay_end(mv, 5000); /* it carries the answer, then ends */
}

/* Remove what this move created here: QEMU, disks, definition. */
static void
dst_rollback(struct move *mv)
{
	struct mdc_mig_err e = {"", 0};
	char run[PATH_MAX];
	size_t i;

	relay_end(mv, 0);
	mdc_qmp_close(mv->q);
	mv->q = NULL;
	if (mv->started) {
		best_effort(mdc_vm_stop(&mv->env, mv->def.name, 5000, 1, &e));
		/* a QEMU that died leaves its run directory (last exit) */
		if (mdc_vm_rundir(&mv->env, mv->def.name, run, sizeof(run)) ==
		    0)
			best_effort(mdc_rm_rf(run));
	}
	if (mv->saved)
		best_effort(mdc_vm_def_remove(mv->env.state, mv->def.name, &e));
	mv->marked = 0; /* the run directory is gone with it */
	for (i = 0; i < MDC_VM_MAX_DISKS; i++)
		if (mv->created[i])
			(void)unlink(mv->disks[i]);
	marker_remove(mv);
}

/* After a failure: stop writing, swallow what is in flight (2 s), so the
 * source reads our RESULT instead of a reset. */
static void
drain(int fd)
{
	uint8_t buf[65536];
	struct pollfd p = {fd, POLLIN, 0};
	int i;

	(void)shutdown(fd, SHUT_WR);
	for (i = 0; i < 8192 && poll(&p, 1, 2000) > 0; i++)
		if (read(fd, buf, sizeof(buf)) <= 0)
			break;
}

/* A stopped VM: its disks arrive as DATA/DONE, then the definition. */
static int
dst_cold(struct move *mv, struct mdc_mig_msg *r)
{
	const struct mdc_live_conn *c = mv->c;
	const char *names[MDC_VM_MAX_DISKS];
	size_t i;
	int ret;

	for (i = 0; i < mv->ndisks; i++)
		names[i] = strrchr(mv->disks[i], '/') + 1;
	ret = mdc_cold_recv(c->fd, c->ctx, mv->dir, names, mv->req.disk_size,
	                    mv->ndisks,
	                    (mv->req.flags & MDC_LIVE_FL_PLAIN) != 0, &mv->e);
	for (i = 0; ret == 0 && i < mv->ndisks; i++)
		mv->created[i] = 1;
	if (ret == 0)
		ret = dst_save(mv);
	if (ret == 0)
		mdc_mig_result(
		        r, MDC_MIG_ACCEPTED,
		        "VM %s (stopped) stored on %s: %zu disk(s) under %s",
		        mv->def.name, c->fqdn, mv->ndisks, mv->dir);
	else
		mdc_mig_result(r, MDC_MIG_FAILED, "failed on %s: %s", c->fqdn,
		               mv->e.text);
	if (mdc_mig_send_msg(c->fd, c->ctx, r, &mv->e) != 0 && ret == 0)
		ret = MDC_ETRUNC;
	if (ret != 0)
		drain(c->fd);
	return ret;
}

/* Set up everything, then answer accepted and start the relay. */
static int
dst_prepare(struct move *mv, const struct mdc_mig_msg *m, struct mdc_mig_msg *r)
{
	const struct mdc_live_conn *c = mv->c;
	char acc[MDC_MIG_MAX_TEXT + 1];
	int fds[1 + MDC_VM_MAX_DISKS], ret;
	size_t i;

	for (i = 0; i < 1 + MDC_VM_MAX_DISKS; i++)
		fds[i] = -1;
	memcpy(acc, r->text, sizeof(acc));
	ret = mdc_live_req_decode(m->data, m->datalen, &mv->req);
	mv->cold = (mv->req.flags & MDC_LIVE_FL_STOPPED) != 0;
	ret = ret != 0 ? mdc_mig_seterr(&mv->e, MDC_EMALF, "malformed request")
	               : dst_define(mv, m->vm);
	mv->check = (mv->req.flags & MDC_LIVE_FL_CHECK) != 0;
	if (ret == 0 && !mv->cold && !mv->check)
		ret = dst_qemu(mv, fds);
	if (ret != 0)
		mdc_mig_result(r,
		               ret == MDC_EDENIED || ret == MDC_EEXIST ||
		                               ret == MDC_EAGAIN
		                       ? MDC_MIG_REFUSED
		                       : MDC_MIG_FAILED,
		               "%s by %s: %s",
		               ret == MDC_EDENIED || ret == MDC_EEXIST ||
		                               ret == MDC_EAGAIN
		                       ? "refused"
		                       : "failed",
		               c->fqdn, mv->e.text);
	else
		mdc_mig_result(r, MDC_MIG_ACCEPTED, "%s",
		               mv->check ? mv->e.text : acc);
	if (mdc_mig_send_msg(c->fd, c->ctx, r, &mv->e) != 0 && ret == 0)
		ret = MDC_ETRUNC;
	if (ret == 0 && !mv->cold && !mv->check)
		ret = spawn_relay(mv, c->fd, c->ctx, fds, 1 + mv->ndisks);
	for (i = 0; i < 1 + MDC_VM_MAX_DISKS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return ret;
}

void
mdc_live_dest(const struct mdc_live_conn *c, const struct mdc_mig_msg *m,
              struct mdc_mig_msg *r)
{
	struct mdc_live_ctl done = {MDC_LIVE_C_DONE, MDC_MIG_ACCEPTED, ""};
	struct move *mv = calloc(1, sizeof(*mv));
	int ret;

	if (mv == NULL) {
		mdc_mig_result(r, MDC_MIG_FAILED, "out of memory");
		return;
	}
	move_init(mv, c);
	ret = dst_prepare(mv, m, r);
	if (mv->check)
		goto out; /* nothing was created */
	if (mv->cold) {
		if (ret == 0 && r->status == MDC_MIG_ACCEPTED)
			ret = dst_cold(mv, r);
		if (ret != 0)
			dst_rollback(mv); /* r holds what the source was told */
		goto out;
	}
	if (ret == 0 && r->status == MDC_MIG_ACCEPTED &&
	    (ret = dst_switch(mv)) != 0 && !mv->resumed)
		dst_refuse_switch(mv);
	if (ret == 0 || r->status != MDC_MIG_ACCEPTED) {
		snprintf(done.text, sizeof(done.text), "VM %s runs on %s",
		         m->vm, c->fqdn);
		if (ret == 0 && mdc_live_ctl_send(mv->ctl, &done) == 0)
			mdc_mig_result(r, MDC_MIG_ACCEPTED, "%s", done.text);
	}
	if (ret != 0) {
		dst_rollback(mv);
		if (r->status == MDC_MIG_ACCEPTED)
			mdc_mig_result(
			        r, MDC_MIG_FAILED,
			        "move of VM %s from %s failed, nothing left on "
			        "%s: %s",
			        m->vm, m->host, c->fqdn, mv->e.text);
	} else {
		sw_log(mv,
		       "destination: SWITCH, incoming completed +%ld ms, "
		       "exports removed +%ld ms (%d hard), resumed +%ld ms",
		       mv->sw[1], mv->sw[2], mv->hard_exports, mv->sw[3]);
		relay_end(mv, RELAY_EXIT_MS);
	}
out:
	marker_remove(mv); /* after a rollback, or the VM is ours now */
	move_free(mv);
	free(mv);
}

/* Remove one interrupted incoming VM named by its marker file. */
static void
recover_one(const struct mdc_vm_env *env, const char *name, mdc_mig_say_fn say,
            void *arg)
{
	struct mdc_mig_err e = {"", 0};
	char p[PATH_MAX], run[PATH_MAX], *body = NULL, *line, *save = NULL;
	char text[MDC_MIG_MAX_TEXT + 64];
	size_t len = 0;

	if (!mdc_mig_vm_ok(name) ||
	    marker_path(env->state, name, p, sizeof(p)) != 0)
		return;
	best_effort(mdc_vm_stop(env, name, 5000, 1, &e));
	if (mdc_vm_rundir(env, name, run, sizeof(run)) == 0)
		best_effort(mdc_rm_rf(run));
	best_effort(mdc_vm_def_remove(env->state, name, &e));
	if (mdc_file_read(p, 65536, &body, &len) == 0)
		for (line = strtok_r(body, "\n", &save); line != NULL;
		     line = strtok_r(NULL, "\n", &save))
			(void)unlink(line);
	free(body);
	(void)unlink(p);
	snprintf(text, sizeof(text),
	         "removed VM %s of an interrupted incoming move", name);
	say(arg, MDC_MIG_INFO, text);
}

/*
 * No move runs when the agent starts (its controllers die with the agent
 * before it): a "migrating" mark left on a VM is stale.  The VM itself is
 * not touched: a destination that had resumed it runs it, a source paused
 * after its switch-over waits for a human (the move's RESULT said so).
 */
static void
unmark_all(const struct mdc_vm_env *env, mdc_mig_say_fn say, void *arg)
{
	char dir[PATH_MAX], f[PATH_MAX + 300], text[MDC_MIG_MAX_TEXT + 64];
	struct dirent *d;
	struct stat sb;
	DIR *dp;

	snprintf(dir, sizeof(dir), "%s/run", env->state);
	if ((dp = opendir(dir)) == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		if (!mdc_mig_vm_ok(d->d_name))
			continue;
		snprintf(f, sizeof(f), "%s/%s/migrating", dir, d->d_name);
		if (stat(f, &sb) != 0 ||
		    mdc_vm_set_migrating(env, d->d_name, 0) != 0)
			continue;
		snprintf(text, sizeof(text),
		         "VM %s: its move ended with the last agent, no longer "
		         "marked migrating",
		         d->d_name);
		say(arg, MDC_MIG_INFO, text);
	}
	closedir(dp);
}

void
mdc_live_recover(const struct mdc_mig_agent_opts *o, mdc_mig_say_fn say,
                 void *arg)
{
	struct mdc_vm_env env;
	char dir[PATH_MAX];
	struct dirent *d;
	DIR *dp;

	memset(&env, 0, sizeof(env));
	env.state = o->state;
	env.storage = o->storage;
	snprintf(dir, sizeof(dir), "%s/incoming", o->state);
	if ((dp = opendir(dir)) != NULL) {
		while ((d = readdir(dp)) != NULL)
			if (d->d_name[0] != '.')
				recover_one(&env, d->d_name, say, arg);
		closedir(dp);
	}
	unmark_all(&env, say, arg);
}
