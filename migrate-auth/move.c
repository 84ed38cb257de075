/* migrate-auth/move.c - a live move of a running QEMU VM: the source's
 * controller (the destination's is movedst.c, what both share movectx.c) */
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
#include "migrate-auth/conn.h"
#include "migrate-auth/move.h"
#include "migrate-auth/movectx.h"
#include "migrate-auth/outgoing.h"
#include "migrate-auth/movecold.h"
#include "migrate-auth/policy.h"
#include "migrate-auth/room.h"
#include "migrate-auth/srcaddr.h"
#include "migrate-auth/state.h"
#include "migrate-auth/vmrt.h"

#define ROLLBACK_JOB_MS 2000 /* a force-cancelled mirror, its NBD gone */

/* ---- progress ---- */

static void
send_info(const struct mdc_live_conn *c, const struct mdc_live_info *i)
{
	struct mdc_mig_msg m;
	struct mdc_err e = {""};
	uint8_t blob[MDC_LIVE_INFO_LEN];

	memset(&m, 0, sizeof(m));
	m.type = MDC_MIG_LIVE_INFO;
	m.data = blob;
	if (mdc_live_info_encode(i, blob, sizeof(blob), &m.datalen) == 0 &&
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
cancelled(struct mdc_move *mv)
{
	struct pollfd p = {mv->c->fd, POLLIN, 0};
	char run[PATH_MAX], f[PATH_MAX + 16];
	struct stat sb;

	if (mdc_vm_rundir(&mv->env, mv->def.name, run, sizeof(run)) == 0) {
		snprintf(f, sizeof(f), "%s/cancel", run);
		if (stat(f, &sb) == 0) {
			(void)unlink(f);
			return mdc_err_set(&mv->e,
			                   mdc_err_from_errno(ECANCELED),
			                   "cancelled (move --cancel)");
		}
	}
	if (poll(&p, 1, 0) > 0)
		return mdc_err_set(&mv->e, mdc_err_from_errno(ECANCELED),
		                   "cancelled: the client went away");
	return 0;
}

/* Between two polls: the relay alive, no cancel. */
static int
still_ok(struct mdc_move *mv)
{
	char why[MDC_MIG_MAX_TEXT + 1];

	if (mdc_mv_relay_failed(mv, why, sizeof(why)))
		return mdc_err_set(&mv->e, MDC_ETRUNC, "data channel: %s", why);
	return cancelled(mv);
}

/* ---- source ---- */

/* The user, then the destination's address (srcaddr.h): ip and port
 * get what the connection must use.  Returns 0 or -1 (r says why). */
static int
src_policy(struct mdc_move *mv, const struct mdc_mig_msg *m, char *ip,
           size_t iplen, int *port, struct mdc_mig_msg *r)
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
src_offer(struct mdc_move *mv, const struct mdc_mig_msg *m, const char *ip,
          int port, int *fd, gss_ctx_id_t *dctx, struct mdc_mig_msg *r)
{
	const struct mdc_live_conn *c = mv->c;
	struct mdc_mig_msg prep;
	uint8_t blob[MDC_LIVE_MAX_REQ];
	char hello[MDC_MIG_MAX_HOST + 1];
	int ret;

	if (mdc_conn_connect(ip, port, c->ip, fd, &mv->e) != 0 ||
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
	prep.data = blob;
	if (mdc_live_req_encode(&mv->req, blob, sizeof(blob), &prep.datalen) !=
	    0) {
		mdc_mig_result(r, MDC_MIG_FAILED,
		               "%s: the request does not encode", c->fqdn);
		return -1;
	}
	ret = mdc_mig_send_msg(*fd, *dctx, &prep, &mv->e);
	if (ret == 0)
		ret = mdc_mig_recv_msg(*fd, *dctx, r, &mv->e);
	if (ret != 0 || r->type != MDC_MIG_RESULT) {
		if (ret == 0)
			mdc_mig_msg_clear(r); /* a payload instead */
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
src_describe(struct mdc_move *mv, struct mdc_mig_msg *r)
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
src_streams(struct mdc_move *mv, int *fds)
{
	char name[32];
	size_t i;
	int ret;

	if ((ret = mdc_mv_qemu_pair(mv, "mdcmig", &fds[0])) != 0)
		return ret;
	for (i = 0; i < mv->ndisks; i++) {
		snprintf(name, sizeof(name), "mdcnbd%zu", i);
		if ((ret = mdc_mv_qemu_pair(mv, name, &fds[i + 1])) != 0)
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
src_mirror_start(struct mdc_move *mv)
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
		ret = MDC_MV_QMP(mv, "blockdev-add", NULL,
		                 "{s:s,s:s,s:s,s:{s:s,s:s},s:s}", "driver",
		                 "nbd", "node-name", node, "discard", "unmap",
		                 "server", "type", "fd", "str", node, "export",
		                 exp);
		if (ret == 0)
			ret = MDC_MV_QMP(mv, "blockdev-mirror", NULL,
			                 "{s:s,s:s,s:s,s:s,s:I}", "job-id", job,
			                 "device", dev, "target", node, "sync",
			                 "full", "speed",
			                 (json_int_t)mirror_mib(&mv->req)
			                         << 20);
		if (ret != 0)
			return ret;
	}
	return 0;
}

/* A mirror job ended before READY: QEMU's reason from its event. */
static int
mirror_failed(struct mdc_move *mv, size_t left)
{
	struct mdc_err e = {""};
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
			mdc_err_set(&mv->e, MDC_EINVAL,
			            "the storage mirror of disk%zu failed: %s",
			            i, why);
			json_decref(data);
			return mdc_mv_channel_first(mv, MDC_EINVAL);
		}
		json_decref(data);
	}
	return mdc_mv_channel_first(
	        mv, mdc_err_set(&mv->e, MDC_EINVAL,
	                        "a storage mirror stopped (%zu of %zu left)",
	                        left, mv->ndisks));
}

/* Sum of the mirrors' progress; *ready = every job is READY. */
static int
src_mirror_poll(struct mdc_move *mv, uint64_t *done, uint64_t *total,
                int *ready)
{
	json_t *jobs = NULL, *j;
	size_t i, n = 0;
	int ret;

	*done = *total = 0;
	*ready = 1;
	if ((ret = MDC_MV_QMP(mv, "query-block-jobs", &jobs, NULL)) != 0)
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
src_mirror_wait(struct mdc_move *mv)
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
		pi.v[MDC_LIVE_P_RATE] = (done - last) * 1000 / MDC_MV_POLL_MS;
		pi.v[MDC_LIVE_P_REMAIN] = total - done;
		last = done;
		mv->storage_bytes = done;
		send_info(mv->c, &pi);
		if (!ready)
			mdc_mv_best_effort(
			        mdc_qmp_pump(mv->q, MDC_MV_POLL_MS, &mv->e));
	}
	return 0;
}

static int
src_migrate_start(struct mdc_move *mv)
{
	const struct mdc_live_req *q = &mv->req;
	int ret;

	/* events: QEMU says "completed" at once (the guest is paused from
	 * then until the destination resumes it: no poll interval there) */
	ret = MDC_MV_QMP(mv, "migrate-set-capabilities", NULL,
	                 "{s:[{s:s,s:b},{s:s,s:b}]}", "capabilities",
	                 "capability", "auto-converge", "state",
	                 !(q->flags & MDC_LIVE_FL_NOCONV), "capability",
	                 "events", "state", 1);
	if (ret == 0)
		ret = MDC_MV_QMP(
		        mv, "migrate-set-parameters", NULL, "{s:I,s:I}",
		        "downtime-limit", (json_int_t)q->downtime_ms,
		        "max-bandwidth",
		        (json_int_t)(q->bandwidth_mib
		                             ? (uint64_t)q->bandwidth_mib << 20
		                             : (uint64_t)1 << 40));
	if (ret == 0)
		ret = MDC_MV_QMP(mv, "migrate", NULL, "{s:s}", "uri",
		                 "fd:mdcmig");
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

/* Until QEMU's next MIGRATION event (a state change), at most MDC_MV_POLL_MS;
 * the pass counter's events are dropped. */
static void
migrate_nap(struct mdc_move *mv)
{
	struct mdc_err e = {""};
	int ret;

	ret = mdc_qmp_wait_event(mv->q, "MIGRATION", NULL, NULL, MDC_MV_POLL_MS,
	                         NULL, &e);
	if (ret != 0 && ret != MDC_ETIMEDOUT)
		return;
	while (mdc_qmp_wait_event(mv->q, "MIGRATION_PASS", NULL, NULL, 0, NULL,
	                          &e) == 0)
		;
}

/* Poll query-migrate until completed; *st_out its last answer. */
static int
src_migrate_wait(struct mdc_move *mv, json_t **st_out)
{
	struct mdc_live_info pi = {MDC_LIVE_PROGRESS, MDC_LIVE_PRECOPY, {0}};
	json_t *st = NULL;
	const char *s;
	int ret;

	for (;;) {
		json_decref(st);
		st = NULL;
		if ((ret = MDC_MV_QMP(mv, "query-migrate", &st, NULL)) != 0 ||
		    (ret = still_ok(mv)) != 0)
			break;
		s = json_string_value(json_object_get(st, "status"));
		s = s ? s : "?";
		if (strcmp(s, "completed") == 0) {
			mdc_mv_sw_mark(mv, 0);
			*st_out = st;
			return 0;
		}
		if (strcmp(s, "failed") == 0 || strcmp(s, "cancelled") == 0) {
			const char *d = json_string_value(
			        json_object_get(st, "error-desc"));
			ret = mdc_mv_channel_first(
			        mv, mdc_err_set(&mv->e, MDC_EINVAL,
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
job_end(struct mdc_move *mv, const char *ev, const char *job, long limit_ms)
{
	struct mdc_err e = {""};
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
			return mdc_err_set(&mv->e, ret, "%s", e.text);
		if ((ret = still_ok(mv)) != 0)
			return ret;
		if (mdc_mv_ms_since(&t0) >= limit_ms)
			return mdc_err_set(&mv->e, MDC_ETIMEDOUT,
			                   "%s: no %s in %ld ms", job, ev,
			                   limit_ms);
	}
	why = json_string_value(json_object_get(data, "error"));
	ret = why == NULL ? 0
	                  : mdc_mv_channel_first(
	                            mv, mdc_err_set(&mv->e, MDC_EINVAL,
	                                            "%s: %s", job, why));
	json_decref(data);
	return ret;
}

/* Switch-over, source part: the READY mirrors complete, NBD nodes go. */
static int
src_mirror_finish(struct mdc_move *mv)
{
	char job[32], node[32];
	size_t i;
	int ret;

	for (i = 0; i < mv->ndisks; i++) {
		snprintf(job, sizeof(job), "mdcmirror%zu", i);
		if ((ret = MDC_MV_QMP(mv, "block-job-cancel", NULL, "{s:s}",
		                      "device", job)) != 0 ||
		    (ret = job_end(mv, "BLOCK_JOB_COMPLETED", job,
		                   MDC_MV_QMP_MS)) != 0)
			return ret;
	}
	for (i = 0; i < mv->ndisks; i++) {
		snprintf(node, sizeof(node), "mdcnbd%zu", i);
		if ((ret = MDC_MV_QMP(mv, "blockdev-del", NULL, "{s:s}",
		                      "node-name", node)) != 0)
			return ret;
	}
	return 0;
}

/* After a failure before the switch: the VM keeps running here. */
static void
src_rollback(struct mdc_move *mv)
{
	struct mdc_err keep = mv->e;
	int cancelling[MDC_VM_MAX_DISKS] = {0};
	char job[32], node[32];
	json_t *st = NULL;
	const char *s;
	size_t i;

	/* the relay killed closes every NBD socket: a mirror request in
	 * flight fails at once instead of holding the guest's I/O */
	mdc_mv_relay_end(mv, 0); /* the destination tears its side down */
	if (mv->q == NULL)
		goto out;
	mdc_mv_best_effort(MDC_MV_QMP(mv, "migrate_cancel", NULL, NULL));
	/* force: no last copy to a peer that is gone */
	for (i = 0; i < mv->ndisks; i++) {
		snprintf(job, sizeof(job), "mdcmirror%zu", i);
		cancelling[i] =
		        MDC_MV_QMP(mv, "block-job-cancel", NULL, "{s:s,s:b}",
		                   "device", job, "force", 1) == 0;
	}
	/* a guest paused for the switch-over runs again before anything
	 * else is waited for; after SWITCH the destination may run it: a
	 * human decides */
	if (!mv->switched && MDC_MV_QMP(mv, "query-status", &st, NULL) == 0) {
		s = json_string_value(json_object_get(st, "status"));
		if (s != NULL && strcmp(s, "running") != 0)
			mdc_mv_best_effort(MDC_MV_QMP(mv, "cont", NULL, NULL));
	}
	json_decref(st);
	for (i = 0; i < mv->ndisks; i++) {
		snprintf(job, sizeof(job), "mdcmirror%zu", i);
		if (cancelling[i])
			mdc_mv_best_effort(mdc_qmp_wait_event(
			        mv->q, "BLOCK_JOB_CANCELLED", "device", job,
			        ROLLBACK_JOB_MS, NULL, &mv->e));
	}
	for (i = 0; i < mv->ndisks; i++) {
		snprintf(node, sizeof(node), "mdcnbd%zu", i);
		mdc_mv_best_effort(MDC_MV_QMP(mv, "blockdev-del", NULL, "{s:s}",
		                              "node-name", node));
	}
out:
	mv->e = keep;
}

static void
src_report(struct mdc_move *mv, const json_t *st,
           const struct mdc_chan_stats *cs)
{
	struct mdc_live_info ri = {MDC_LIVE_REPORT, MDC_LIVE_DONE, {0}};
	const json_t *ram = json_object_get(st, "ram");
	uint64_t total = (uint64_t)mdc_mv_ms_since(&mv->t0);

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

/* The destination's next control message, or why there is none. */
static int
src_answer(struct mdc_move *mv, struct mdc_live_ctl *ans)
{
	int ret = mdc_live_ctl_recv(mv->ctl, MDC_MV_SWITCH_MS, ans);

	if (ret != 0)
		return mdc_mv_channel_first(
		        mv, mdc_err_set(&mv->e, ret,
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
src_switch(struct mdc_move *mv)
{
	struct mdc_live_ctl ctl = {MDC_LIVE_C_SWITCH, 0, ""}, ans;
	int ret;

	if ((ret = mdc_live_ctl_send(mv->ctl, &ctl)) != 0)
		return mdc_mv_channel_first(
		        mv, mdc_err_set(&mv->e, ret, "data channel closed"));
	mdc_mv_sw_log(mv, "source: SWITCH sent, waiting for the destination");
	if ((ret = src_answer(mv, &ans)) != 0)
		return ret;
	if (ans.type == MDC_LIVE_C_PREPARED) {
		ctl.type = MDC_LIVE_C_COMMIT;
		mv->switched = 1;
		/* a COMMIT the relay never took cannot reach it */
		if ((ret = mdc_live_ctl_send(mv->ctl, &ctl)) != 0) {
			mv->switched = 0;
			return mdc_mv_channel_first(
			        mv, mdc_err_set(&mv->e, ret,
			                        "data channel closed"));
		}
		mdc_mv_sw_log(mv, "source: COMMIT sent, waiting for DONE");
		if ((ret = src_answer(mv, &ans)) != 0)
			return ret;
	}
	/* a DONE failed comes before the destination's cont only */
	if (ans.type == MDC_LIVE_C_DONE && ans.status != MDC_MIG_ACCEPTED)
		mv->switched = 0;
	if (ans.type != MDC_LIVE_C_DONE || ans.status != MDC_MIG_ACCEPTED)
		return mdc_err_set(&mv->e, MDC_EINVAL, "%s", ans.text);
	return 0;
}

/* Everything from the accepted offer to the destination running. */
static int
src_run(struct mdc_move *mv, int sess, gss_ctx_id_t dctx, json_t **st)
{
	int fds[1 + MDC_VM_MAX_DISKS], ret;
	size_t i, n = 1 + mv->ndisks;

	for (i = 0; i < n; i++)
		fds[i] = -1;
	ret = src_streams(mv, fds);
	if (ret == 0)
		ret = mdc_mv_relay_spawn(mv, sess, dctx, fds, n);
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
		mdc_mv_sw_mark(mv, 1);
	}
	return ret;
}

/* The VM must be defined and running here. */
static int
src_vm(struct mdc_move *mv, const char *name, struct mdc_mig_msg *r)
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
		if (mdc_mv_take_slot(mv) != 0) {
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
	if (mdc_mv_take_slot(mv) != 0 ||
	    mdc_vm_set_migrating(&mv->env, name, 1)) {
		mdc_mig_result(
		        r, MDC_MIG_REFUSED, "refused by %s: %s", mv->c->fqdn,
		        mv->e.text[0] ? mv->e.text : "cannot mark the VM");
		return -1;
	}
	mv->marked = 1;
	if (mdc_vm_qmp_open(&mv->env, name, MDC_MV_QMP_MS, &mv->q, &mv->e) !=
	    0) {
		mdc_mig_result(r, MDC_MIG_FAILED, "%s: %s", mv->c->fqdn,
		               mv->e.text);
		return -1;
	}
	return src_describe(mv, r);
}

/*
 * STATE/outgoing/NAME names the destination, locked while we run: if this
 * controller dies (its agent killed) or loses the destination after the
 * switch-over began, the agent's resolver asks the destination how the
 * move ended (outgoing.h).  Not for a stopped VM (nothing is paused).
 */
static int
src_record(struct mdc_move *mv, const struct mdc_mig_msg *m, const char *ip,
           int port, struct mdc_mig_msg *r)
{
	if (mv->cold || mdc_out_begin(mv->env.state, m->vm, m->host, ip, port,
	                              &mv->out_fd, &mv->e) == 0)
		return 0;
	mdc_mig_result(r, MDC_MIG_FAILED, "%s: cannot record the move: %s",
	               mv->c->fqdn, mv->e.text);
	return -1;
}

/* The move ended with the VM in one place: the record goes. */
static void
src_unrecord(struct mdc_move *mv)
{
	if (mv->out_fd < 0)
		return;
	mdc_out_end(mv->env.state, mv->def.name, mv->out_fd);
	mv->out_fd = -1;
}

/* check: the VM defined here and not moving; nothing taken or marked. */
static int
src_vm_check(struct mdc_move *mv, const char *name, struct mdc_mig_msg *r)
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
src_cancel(struct mdc_move *mv, const char *name, struct mdc_mig_msg *r)
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
src_cold(struct mdc_move *mv, int sess, gss_ctx_id_t dctx,
         struct mdc_mig_msg *r)
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
src_release(struct mdc_move *mv, const json_t *st, struct mdc_mig_msg *r)
{
	struct mdc_err e = {""};
	const char *name = mv->def.name;

	mdc_qmp_close(mv->q);
	mv->q = NULL;
	/* every stream has ended: let the channel close cleanly */
	mdc_mv_relay_end(mv, MDC_MV_RELAY_EXIT_MS);
	src_report(mv, st, NULL);
	mdc_mv_sw_log(mv,
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
		        name, mv->c->fqdn, mdc_mv_ms_since(&mv->t0),
		        (unsigned long long)jint(st, "downtime", NULL));
	mv->marked = 0;
}

void
mdc_live_source(const struct mdc_live_conn *c, const struct mdc_mig_msg *m,
                struct mdc_mig_msg *r)
{
	struct mdc_move *mv = calloc(1, sizeof(*mv));
	gss_ctx_id_t dctx = GSS_C_NO_CONTEXT;
	char ip[MDC_MIG_MAX_ADDR + 1];
	OM_uint32 minor;
	json_t *st = NULL;
	int sess = -1, port, ret;

	if (mv == NULL) {
		mdc_mig_result(r, MDC_MIG_FAILED, "out of memory");
		return;
	}
	mdc_mv_init(mv, c);
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
	if (src_vm(mv, m->vm, r) != 0 || src_record(mv, m, ip, port, r) != 0 ||
	    src_offer(mv, m, ip, port, &sess, &dctx, r) != 0)
		goto out;
	if (mv->cold) {
		src_cold(mv, sess, dctx, r);
		goto out;
	}
	ret = src_run(mv, sess, dctx, &st);
	sess = -1; /* the relay's now (closed by spawn or here below) */
	if (ret == 0 && (ret = src_switch(mv)) == 0)
		mdc_mv_sw_mark(mv, 2);
	if (ret != 0) {
		src_rollback(mv);
		if (mv->switched) {
			/* the record and the mark stay: the agent asks */
			mv->marked = 0;
			mdc_mig_result(
			        r, MDC_MIG_FAILED,
			        "move of VM %s: no word from %s after the "
			        "switch-over (%s); the VM is paused on %s and "
			        "may run on %s: %s's agent asks %s and resumes "
			        "it here or removes this copy (its log says "
			        "which)",
			        m->vm, m->host, mv->e.text, c->fqdn, m->host,
			        c->fqdn, m->host);
		} else
			mdc_mig_result(
			        r, MDC_MIG_FAILED,
			        "move of VM %s failed, it keeps running on %s: "
			        "%s",
			        m->vm, c->fqdn, mv->e.text);
	} else
		src_release(mv, st, r);
out:
	if (!mv->switched || r->status == MDC_MIG_ACCEPTED)
		src_unrecord(mv);
	json_decref(st);
	if (sess >= 0)
		close(sess);
	if (dctx != GSS_C_NO_CONTEXT)
		(void)gss_delete_sec_context(&minor, &dctx, GSS_C_NO_BUFFER);
	mdc_mv_free(mv);
	free(mv);
}
