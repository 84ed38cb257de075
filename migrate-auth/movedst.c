/* migrate-auth/movedst.c - a live move of a running QEMU VM: the
 * destination's controller and the recovery at agent start (movedst.h) */
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
#include "migrate-auth/movectx.h"
#include "migrate-auth/movedst.h"
#include "migrate-auth/movecold.h"
#include "migrate-auth/policy.h"
#include "migrate-auth/room.h"
#include "migrate-auth/srcaddr.h"
#include "migrate-auth/state.h"
#include "migrate-auth/vmrt.h"

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
dst_dir(struct mdc_move *mv, int create, char *dir_out, size_t outlen)
{
	char root[PATH_MAX], want[PATH_MAX * 2], rp[PATH_MAX], *slash;
	const char *p = mv->req.storage_path[0] ? mv->req.storage_path : ".";
	size_t n;
	int ok = 0;

	if (mv->env.storage == NULL || realpath(mv->env.storage, root) == NULL)
		return mdc_err_set(&mv->e, MDC_ENOENT,
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
		return mdc_err_set(&mv->e, MDC_EDENIED,
		                   "%s is not inside its storage directory", p);
	return 0;
}

/* The disks' paths under DIR, named like the source's. */
static int
dst_paths(struct mdc_move *mv)
{
	const char *base;
	size_t i;

	if (mv->req.ndisks != mv->def.ndisks)
		return mdc_err_set(&mv->e, MDC_EINVAL, "disk count mismatch");
	mv->ndisks = mv->def.ndisks;
	for (i = 0; i < mv->ndisks; i++) {
		base = strrchr(mv->def.disks[i], '/');
		base = base ? base + 1 : mv->def.disks[i];
		if ((size_t)snprintf(mv->disks[i], sizeof(mv->disks[i]),
		                     "%s/%s", mv->dir,
		                     base) >= sizeof(mv->disks[i]))
			return mdc_err_set(&mv->e, MDC_ERANGE, "path too long");
	}
	return 0;
}

/* Sparse disks of the same sizes under DIR (a live move). */
static int
dst_disks(struct mdc_move *mv)
{
	size_t i;
	int fd;

	for (i = 0; i < mv->ndisks; i++) {
		fd = open(mv->disks[i], O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
		          0600);
		if (fd < 0)
			return mdc_err_set(&mv->e, mdc_err_from_errno(errno),
			                   "%s: %s", mv->disks[i],
			                   strerror(errno));
		mv->created[i] = 1;
		if (ftruncate(fd, (off_t)mv->req.disk_size[i]) != 0) {
			close(fd);
			return mdc_err_set(&mv->e, mdc_err_from_errno(errno),
			                   "%s: %s", mv->disks[i],
			                   strerror(errno));
		}
		close(fd);
	}
	return 0;
}

/* The definition with the disks' new paths, saved here. */
static int
dst_save(struct mdc_move *mv)
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
marker_write(struct mdc_move *mv)
{
	char p[PATH_MAX], dir[PATH_MAX], body[(MDC_VM_MAX_DISKS + 1) * 600];
	size_t i, n = 0;

	snprintf(dir, sizeof(dir), "%s/incoming", mv->env.state);
	(void)mkdir(dir, 0700);
	if (marker_path(mv->env.state, mv->def.name, p, sizeof(p)) != 0)
		return mdc_err_set(&mv->e, MDC_ERANGE, "path too long");
	body[0] = '\0';
	for (i = 0; i < mv->ndisks; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "%s\n",
		                      mv->disks[i]);
	if (mdc_file_printf(p, 0600, "%s", body) != 0)
		return mdc_err_set(&mv->e, MDC_EACCES, "%s: cannot write", p);
	mv->marker = 1;
	return 0;
}

static void
marker_remove(struct mdc_move *mv)
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
dst_room(struct mdc_move *mv)
{
	char dir[PATH_MAX], text[MDC_MIG_MAX_TEXT + 1], rp[PATH_MAX];
	const char *self = mv->c->fqdn;
	int ret;

	if (mv->env.storage == NULL)
		return mdc_err_set(&mv->e, MDC_EDENIED,
		                   "it has no storage directory; fix: set "
		                   "storage-dir = DIR in [agent] of "
		                   "migrate.conf (or agent --storage-dir "
		                   "DIR) and restart the agent   (on %s)",
		                   self);
	if (realpath(mv->env.storage, rp) == NULL)
		return mdc_err_set(&mv->e, MDC_EDENIED,
		                   "its storage directory %.300s does not "
		                   "exist; fix: mkdir -p -m 0700 %.300s   (on "
		                   "%s)",
		                   mv->env.storage, mv->env.storage, self);
	if ((ret = dst_dir(mv, 0, dir, sizeof(dir))) != 0) {
		snprintf(text, sizeof(text), "%s", mv->e.text);
		return mdc_err_set(&mv->e, ret,
		                   "%.300s; fix: --storage-path a directory "
		                   "inside the storage directory %.300s",
		                   text, rp);
	}
	if (mdc_mig_room(dir, self, mv->req.disk_size, mv->req.ndisks, text,
	                 sizeof(text)) != 0)
		return mdc_err_set(&mv->e, MDC_EDENIED, "%s", text);
	return mdc_err_set(&mv->e, 0,
	                   "VM %s can move to %s: CPU model %s offered, "
	                   "storage directory %s",
	                   mv->def.name, self, mv->def.cpu, text);
}

/* The VM's definition, CPU check, disks, saved definition. */
static int
dst_define(struct mdc_move *mv, const char *name)
{
	char missing[1024];
	struct mdc_err why = {""};
	struct mdc_vm_def old;
	int ret;

	if (mdc_vm_def_from_json(mv->req.def, strlen(mv->req.def), &mv->def,
	                         &why) != 0 ||
	    strcmp(mv->def.name, name) != 0)
		return mdc_err_set(&mv->e, MDC_EMALF, "a bad VM definition: %s",
		                   why.text);
	if (mdc_vm_def_load(mv->env.state, name, &old, &mv->e) == 0)
		return mdc_err_set(&mv->e, MDC_EEXIST,
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
	if ((ret = mdc_mv_take_slot(mv)) != 0 ||
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
dst_qemu(struct mdc_move *mv, int *fds)
{
	struct mdc_vm_start_opts so = {0, 1};
	char run[PATH_MAX], sock[PATH_MAX + 16], id[32], node[32];
	size_t i;
	int ret;

	if ((ret = mdc_vm_start(&mv->env, mv->def.name, &so, NULL, &mv->e)))
		return ret;
	mv->started = 1;
	if ((ret = mdc_vm_set_migrating(&mv->env, mv->def.name, 1)) != 0)
		return mdc_err_set(&mv->e, ret, "cannot mark the VM");
	mv->marked = 1;
	if ((ret = mdc_vm_qmp_open(&mv->env, mv->def.name, MDC_MV_QMP_MS,
	                           &mv->q, &mv->e)) != 0 ||
	    (ret = mdc_vm_rundir(&mv->env, mv->def.name, run, sizeof(run))))
		return ret;
	snprintf(sock, sizeof(sock), "%s/nbd.sock", run);
	/* nbd-server-start takes the legacy form {type, data: {...}} */
	if ((ret = MDC_MV_QMP(mv, "nbd-server-start", NULL, "{s:{s:s,s:{s:s}}}",
	                      "addr", "type", "unix", "data", "path", sock)) !=
	    0)
		return ret;
	for (i = 0; i < mv->ndisks; i++) {
		snprintf(id, sizeof(id), "mdcexp%zu", i);
		snprintf(node, sizeof(node), "disk%zu", i);
		if ((ret = MDC_MV_QMP(mv, "block-export-add", NULL,
		                      "{s:s,s:s,s:s,s:b,s:s}", "type", "nbd",
		                      "id", id, "node-name", node, "writable",
		                      1, "name", node)) != 0)
			return ret;
	}
	if ((ret = mdc_mv_qemu_pair(mv, "mdcmig", &fds[0])) != 0 ||
	    (ret = MDC_MV_QMP(mv, "migrate-incoming", NULL, "{s:s}", "uri",
	                      "fd:mdcmig")) != 0)
		return ret;
	for (i = 0; i < mv->ndisks; i++)
		if ((ret = mdc_net_connect_unix(sock, &fds[i + 1])) != 0)
			return mdc_err_set(&mv->e, ret, "%s: %s", sock,
			                   mdc_strerror(ret));
	return 0;
}

/* Poll the incoming side until QEMU says the migration completed. */
static int
dst_wait_completed(struct mdc_move *mv)
{
	json_t *st = NULL;
	const char *s;
	long t;
	int ret = 0;

	for (t = 0; t < MDC_MV_SWITCH_MS; t += 100) {
		json_decref(st);
		st = NULL;
		if ((ret = MDC_MV_QMP(mv, "query-migrate", &st, NULL)) != 0)
			break;
		s = json_string_value(json_object_get(st, "status"));
		if (s != NULL && strcmp(s, "completed") == 0)
			break;
		if (s != NULL && strcmp(s, "failed") == 0) {
			ret = mdc_mv_channel_first(
			        mv, mdc_err_set(&mv->e, MDC_EINVAL,
			                        "the incoming migration "
			                        "failed"));
			break;
		}
		usleep(100000);
	}
	if (ret == 0 && t >= MDC_MV_SWITCH_MS)
		ret = mdc_err_set(&mv->e, MDC_ETIMEDOUT,
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
dst_prepared(struct mdc_move *mv)
{
	struct mdc_live_ctl ctl = {MDC_LIVE_C_PREPARED, 0, ""};
	int ret;

	if ((ret = mdc_live_ctl_send(mv->ctl, &ctl)) == 0)
		ret = mdc_live_ctl_recv(mv->ctl, MDC_MV_SWITCH_MS, &ctl);
	if (ret == 0 && ctl.type != MDC_LIVE_C_COMMIT)
		ret = MDC_EMALF;
	if (ret != 0)
		return mdc_mv_channel_first(
		        mv, mdc_err_set(&mv->e, ret,
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
export_del(struct mdc_move *mv, const char *id)
{
	struct mdc_err e = {""};

	if (mdc_qmp_execf(mv->q, "block-export-del", NULL, &e, "{s:s}", "id",
	                  id) == 0)
		return 0;
	mv->hard_exports++;
	return MDC_MV_QMP(mv, "block-export-del", NULL, "{s:s,s:s}", "id", id,
	                  "mode", "hard");
}

/* Switch-over, destination part: exports go, the VM runs here. */
static int
dst_switch(struct mdc_move *mv)
{
	struct mdc_live_ctl ctl;
	char id[32];
	size_t i;
	int ret;

	ret = mdc_live_ctl_recv(mv->ctl, -1, &ctl);
	if (ret != 0 || ctl.type != MDC_LIVE_C_SWITCH)
		return mdc_mv_channel_first(
		        mv,
		        mdc_err_set(&mv->e, MDC_ETRUNC, "the source gave up"));
	mdc_mv_sw_mark(mv, 0);
	if ((ret = dst_wait_completed(mv)) != 0)
		return ret;
	mdc_mv_sw_mark(mv, 1);
	for (i = 0; i < mv->ndisks; i++) {
		snprintf(id, sizeof(id), "mdcexp%zu", i);
		if ((ret = export_del(mv, id)) != 0)
			return ret;
	}
	if ((ret = MDC_MV_QMP(mv, "nbd-server-stop", NULL, NULL)) != 0)
		return ret;
	mdc_mv_sw_mark(mv, 2);
	if ((ret = dst_prepared(mv)) != 0)
		return ret;
	/* from here on the VM lives here: no recovery may remove it */
	marker_remove(mv);
	mv->resumed = 1;
	if ((ret = MDC_MV_QMP(mv, "cont", NULL, NULL)) != 0)
		return ret;
	mdc_mv_sw_mark(mv, 3);
	mdc_mv_best_effort(
	        MDC_MV_QMP(mv, "announce-self", NULL, "{s:I,s:I,s:I,s:I}",
	                   "initial", (json_int_t)50, "max", (json_int_t)550,
	                   "rounds", (json_int_t)5, "step", (json_int_t)100));
	return 0;
}

/* The switch-over failed before cont: the source may resume safely. */
static void
dst_refuse_switch(struct mdc_move *mv)
{
	struct mdc_live_ctl no = {MDC_LIVE_C_DONE, MDC_MIG_FAILED, ""};

	snprintf(no.text, sizeof(no.text), "%s: %s", mv->c->fqdn, mv->e.text);
	if (mv->ctl >= 0 && mdc_live_ctl_send(mv->ctl, &no) == 0)
		mdc_mv_relay_end(mv,
		                 5000); /* it carries the answer, then ends */
}

/* Remove what this move created here: QEMU, disks, definition. */
static void
dst_rollback(struct mdc_move *mv)
{
	struct mdc_err e = {""};
	char run[PATH_MAX];
	size_t i;

	mdc_mv_relay_end(mv, 0);
	mdc_qmp_close(mv->q);
	mv->q = NULL;
	if (mv->started) {
		mdc_mv_best_effort(
		        mdc_vm_stop(&mv->env, mv->def.name, 5000, 1, &e));
		/* a QEMU that died leaves its run directory (last exit) */
		if (mdc_vm_rundir(&mv->env, mv->def.name, run, sizeof(run)) ==
		    0)
			mdc_mv_best_effort(mdc_rm_rf(run));
	}
	if (mv->saved)
		mdc_mv_best_effort(
		        mdc_vm_def_remove(mv->env.state, mv->def.name, &e));
	mv->marked = 0; /* the run directory is gone with it */
	for (i = 0; i < MDC_VM_MAX_DISKS; i++)
		if (mv->created[i])
			(void)unlink(mv->disks[i]);
	marker_remove(mv);
}

/* A stopped VM: its disks arrive as DATA/DONE, then the definition. */
static int
dst_cold(struct mdc_move *mv, struct mdc_mig_msg *r)
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
		mdc_conn_drain(c->fd);
	return ret;
}

/* Set up everything, then answer accepted and start the relay. */
static int
dst_prepare(struct mdc_move *mv, const struct mdc_mig_msg *m,
            struct mdc_mig_msg *r)
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
	ret = ret != 0 ? mdc_err_set(&mv->e, MDC_EMALF, "malformed request")
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
		ret = mdc_mv_relay_spawn(mv, c->fd, c->ctx, fds,
		                         1 + mv->ndisks);
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
	struct mdc_move *mv = calloc(1, sizeof(*mv));
	int ret;

	if (mv == NULL) {
		mdc_mig_result(r, MDC_MIG_FAILED, "out of memory");
		return;
	}
	mdc_mv_init(mv, c);
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
		mdc_mv_sw_log(
		        mv,
		        "destination: SWITCH, incoming completed +%ld ms, "
		        "exports removed +%ld ms (%d hard), resumed +%ld ms",
		        mv->sw[1], mv->sw[2], mv->hard_exports, mv->sw[3]);
		mdc_mv_relay_end(mv, MDC_MV_RELAY_EXIT_MS);
	}
out:
	marker_remove(mv); /* after a rollback, or the VM is ours now */
	mdc_mv_free(mv);
	free(mv);
}

/* Remove one interrupted incoming VM named by its marker file. */
static void
recover_one(const struct mdc_vm_env *env, const char *name, mdc_mig_say_fn say,
            void *arg)
{
	struct mdc_err e = {""};
	char p[PATH_MAX], run[PATH_MAX], *body = NULL, *line, *save = NULL;
	char text[MDC_MIG_MAX_TEXT + 64];
	size_t len = 0;

	if (!mdc_mig_vm_ok(name) ||
	    marker_path(env->state, name, p, sizeof(p)) != 0)
		return;
	mdc_mv_best_effort(mdc_vm_stop(env, name, 5000, 1, &e));
	if (mdc_vm_rundir(env, name, run, sizeof(run)) == 0)
		mdc_mv_best_effort(mdc_rm_rf(run));
	mdc_mv_best_effort(mdc_vm_def_remove(env->state, name, &e));
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
 * not touched: a destination that had resumed it runs it; a source paused
 * by an unfinished outgoing move keeps its mark for the resolver.
 */
static void
unmark_all(const struct mdc_vm_env *env, mdc_mig_say_fn say, void *arg)
{
	char dir[PATH_MAX], f[PATH_MAX + 300], text[MDC_MIG_MAX_TEXT + 64];
	char o[PATH_MAX + 300];
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
		snprintf(o, sizeof(o), "%s/outgoing/%s", env->state, d->d_name);
		/* an unfinished outgoing move: the resolver's (outgoing.h) */
		if (stat(f, &sb) != 0 || mdc_path_exists(o) ||
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
