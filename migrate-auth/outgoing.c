/* migrate-auth/outgoing.c - the end of a live move whose source controller
 * is gone (outgoing.h) */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gssapi/gssapi.h>

#include "lib/util.h"
#include "migrate-auth/agentid.h"
#include "migrate-auth/conn.h"
#include "migrate-auth/outgoing.h"
#include "migrate-auth/policy.h"
#include "migrate-auth/qmp.h"
#include "migrate-auth/vmdef.h"
#include "migrate-auth/vmrt.h"

#define OUT_RETRY_S 2 /* between two questions to a destination */
#define OUT_MAX     64

/* A mark whose failure changes nothing for the caller. */
static void
best_effort(int ret)
{
	(void)ret;
}

static int
out_path(const char *state, const char *vm, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/outgoing/%s", state, vm);

	return n < 0 || (size_t)n >= len ? MDC_ESPACE : 0;
}

int
mdc_out_begin(const char *state, const char *vm, const char *fqdn,
              const char *ip, int port, int *fd_out, struct mdc_err *e)
{
	char dir[PATH_MAX], tmp[PATH_MAX + 80], p[PATH_MAX + 80];
	int fd, n;

	/* written under a dot name and renamed once locked: the agent's
	 * resolver never sees a record that no controller holds yet */
	n = snprintf(dir, sizeof(dir), "%s/outgoing", state);
	if (n < 0 || (size_t)n >= sizeof(dir) ||
	    out_path(state, vm, p, sizeof(p)) != 0)
		return mdc_err_set(e, MDC_ESPACE, "state path too long");
	snprintf(tmp, sizeof(tmp), "%s/.%s.%ld", dir, vm, (long)getpid());
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return mdc_err_set(e, mdc_err_from_errno(errno), "%s: %s", dir,
		                   strerror(errno));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return mdc_err_set(e, mdc_err_from_errno(errno), "%s: %s", tmp,
		                   strerror(errno));
	if (flock(fd, LOCK_EX) != 0 ||
	    dprintf(fd, "%s %s %d\n", fqdn, ip, port) < 0 || fsync(fd) != 0 ||
	    rename(tmp, p) != 0) {
		n = errno;
		(void)unlink(tmp);
		close(fd);
		return mdc_err_set(e, mdc_err_from_errno(n), "%s: %s", p,
		                   strerror(n));
	}
	*fd_out = fd;
	return 0;
}

void
mdc_out_end(const char *state, const char *vm, int fd)
{
	char p[PATH_MAX + 80];

	if (out_path(state, vm, p, sizeof(p)) == 0)
		(void)unlink(p);
	if (fd >= 0)
		close(fd);
}

/* A record's lock if nobody holds it (fd), else -1. */
static int
out_grab(const char *state, const char *vm)
{
	char p[PATH_MAX + 80];
	int fd;

	if (out_path(state, vm, p, sizeof(p)) != 0 ||
	    (fd = open(p, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int
mdc_out_orphaned(const char *state)
{
	char dir[PATH_MAX];
	struct dirent *d;
	DIR *dp;
	int fd, found = 0;

	snprintf(dir, sizeof(dir), "%s/outgoing", state);
	if ((dp = opendir(dir)) == NULL)
		return 0;
	while (!found && (d = readdir(dp)) != NULL) {
		if (!mdc_mig_vm_ok(d->d_name) ||
		    (fd = out_grab(state, d->d_name)) < 0)
			continue;
		close(fd);
		found = 1;
	}
	closedir(dp);
	return found;
}

/* ---- the resolver ---- */

struct out_held {
	char vm[MDC_MIG_MAX_VM + 1];
	char fqdn[MDC_MIG_MAX_HOST + 1], ip[MDC_MIG_MAX_ADDR + 1];
	int port;
	int fd;   /* the record's lock */
	int told; /* the log said it waits */
};

/* The destination h's record names; 0, or -1 if it does not parse. */
static int
out_read(const char *state, struct out_held *h)
{
	char p[PATH_MAX + 80], *body = NULL, *save = NULL, *f[3], *end;
	size_t len = 0, i;
	long port = 0;
	int ok = 1;

	if (out_path(state, h->vm, p, sizeof(p)) != 0 ||
	    mdc_file_read(p, 1024, &body, &len) != 0)
		return -1;
	for (i = 0; i < 3; i++)
		if ((f[i] = strtok_r(i ? NULL : body, " \n", &save)) == NULL)
			ok = 0;
	if (ok) {
		port = strtol(f[2], &end, 10);
		ok = *end == '\0' && port > 0 && port < 65536 &&
		     mdc_mig_host_ok(f[0]) && strlen(f[1]) <= MDC_MIG_MAX_ADDR;
	}
	if (ok) {
		snprintf(h->fqdn, sizeof(h->fqdn), "%s", f[0]);
		snprintf(h->ip, sizeof(h->ip), "%s", f[1]);
		h->port = (int)port;
	}
	free(body);
	return ok ? 0 : -1;
}

static void
out_collect(const char *state, struct out_held *h, size_t *n)
{
	char dir[PATH_MAX];
	struct dirent *d;
	size_t i;
	DIR *dp;
	int fd;

	snprintf(dir, sizeof(dir), "%s/outgoing", state);
	if ((dp = opendir(dir)) == NULL)
		return;
	while (*n < OUT_MAX && (d = readdir(dp)) != NULL) {
		if (!mdc_mig_vm_ok(d->d_name))
			continue;
		for (i = 0; i < *n && strcmp(h[i].vm, d->d_name) != 0; i++)
			;
		if (i < *n || (fd = out_grab(state, d->d_name)) < 0)
			continue;
		memset(&h[*n], 0, sizeof(h[*n]));
		snprintf(h[*n].vm, sizeof(h[*n].vm), "%.64s", d->d_name);
		h[*n].fd = fd;
		if (out_read(state, &h[*n]) != 0) {
			mdc_out_end(state, d->d_name, fd); /* not ours */
			continue;
		}
		(*n)++;
	}
	closedir(dp);
}

/* OUTCOME to the destination as this host's account: its RESULT in *r. */
static int
out_ask(const struct mdc_out_self *self, const struct out_held *h,
        struct mdc_mig_msg *r, struct mdc_err *e)
{
	struct mdc_mig_msg q;
	gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
	gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
	char hello[MDC_MIG_MAX_HOST + 1];
	OM_uint32 minor;
	int fd = -1, ret;

	memset(&q, 0, sizeof(q));
	memset(r, 0, sizeof(*r));
	q.type = MDC_MIG_OUTCOME;
	snprintf(q.vm, sizeof(q.vm), "%s", h->vm);
	snprintf(q.host, sizeof(q.host), "%s", self->fqdn);
	if ((ret = mdc_agentid_cred(self->o, self->account, &cred, e)) == 0 &&
	    (ret = mdc_conn_connect(h->ip, h->port, self->ip, &fd, e)) == 0 &&
	    (ret = mdc_mig_recv_hello(fd, hello, sizeof(hello), e)) == 0 &&
	    (ret = mdc_mig_initiate(fd, cred, h->fqdn, &ctx, e)) == 0 &&
	    (ret = mdc_mig_send_msg(fd, ctx, &q, e)) == 0 &&
	    (ret = mdc_mig_recv_msg(fd, ctx, r, e)) == 0 &&
	    r->type != MDC_MIG_RESULT)
		ret = mdc_err_set(e, MDC_EMALF, "unexpected answer");
	mdc_mig_msg_clear(r); /* a RESULT keeps nothing of the frame */
	if (fd >= 0)
		close(fd);
	if (ctx != GSS_C_NO_CONTEXT)
		(void)gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
	(void)gss_release_cred(&minor, &cred);
	return ret;
}

/* The paused guest runs again here. */
static int
out_resume(const struct mdc_vm_env *env, const char *vm, struct mdc_err *e)
{
	struct mdc_qmp *q = NULL;
	int ret;

	if ((ret = mdc_vm_qmp_open(env, vm, 5000, &q, e)) != 0)
		return ret;
	ret = mdc_qmp_execf(q, "cont", NULL, e, NULL);
	mdc_qmp_close(q);
	if (ret == 0)
		best_effort(mdc_vm_set_migrating(env, vm, 0));
	return ret;
}

/* Asked, or cancelled by hand: 0 when the VM is in one place. */
static int
out_decide(const struct mdc_out_self *self, const struct mdc_vm_env *env,
           struct out_held *h, mdc_mig_say_fn say, void *arg)
{
	struct mdc_mig_msg r;
	struct mdc_err e = {""};
	char run[PATH_MAX], f[PATH_MAX + 16];
	int ret;

	if (mdc_vm_rundir(env, h->vm, run, sizeof(run)) == 0) {
		snprintf(f, sizeof(f), "%s/cancel", run);
		if (mdc_path_exists(f)) {
			(void)unlink(f);
			if (out_resume(env, h->vm, &e) != 0)
				goto fail;
			mdc_conn_say(
			        say, arg, MDC_MIG_INFO,
			        "VM %s: resumed here on move --cancel (its "
			        "move to %s had no end)",
			        h->vm, h->fqdn);
			return 0;
		}
	}
	if (out_ask(self, h, &r, &e) != 0 || r.status == MDC_MIG_FAILED) {
		if (e.text[0] == '\0')
			mdc_err_set(&e, MDC_EAGAIN, "%s", r.text);
		goto wait;
	}
	if (r.status == MDC_MIG_ACCEPTED) {
		ret = mdc_vm_stop(env, h->vm, 10000, 1, &e);
		if (ret != 0 && ret != MDC_ENOENT)
			goto fail;
		if (mdc_vm_def_remove(env->state, h->vm, &e) != 0)
			goto fail;
		mdc_conn_say(
		        say, arg, MDC_MIG_INFO,
		        "VM %s: %s answers \"%s\": its move committed there, "
		        "the paused copy here is removed",
		        h->vm, h->fqdn, r.text);
		return 0;
	}
	if (out_resume(env, h->vm, &e) != 0)
		goto fail;
	mdc_conn_say(say, arg, MDC_MIG_INFO,
	             "VM %s: %s answers \"%s\": its move did not commit there, "
	             "resumed here",
	             h->vm, h->fqdn, r.text);
	return 0;
fail:
	mdc_conn_say(say, arg, MDC_MIG_ERR, "VM %s: %s", h->vm, e.text);
	return 1;
wait:
	best_effort(mdc_vm_set_migrating(env, h->vm, 1));
	if (!h->told)
		mdc_conn_say(
		        say, arg, MDC_MIG_ERR,
		        "VM %s is paused here: its move to %s ended without "
		        "a word from it, and %s cannot tell yet whether it "
		        "runs the VM (%s); asking again every %d s.  If %s "
		        "does not run it: minidc-migrate move --cancel %s "
		        "--via %s resumes it here",
		        h->vm, h->fqdn, h->fqdn, e.text, OUT_RETRY_S, h->fqdn,
		        h->vm, self->o->listen ? self->o->listen : self->ip);
	h->told = 1;
	return 1;
}

/* 0 when the record can go, 1 to ask again later. */
static int
out_one(const struct mdc_out_self *self, struct out_held *h, mdc_mig_say_fn say,
        void *arg)
{
	struct mdc_vm_env env;
	struct mdc_vm_status vs;
	struct mdc_err e = {""};

	memset(&env, 0, sizeof(env));
	env.state = self->o->state;
	env.storage = self->o->storage;
	if (mdc_vm_status_get(&env, h->vm, &vs, &e) != 0 ||
	    vs.state == MDC_VM_STOPPED)
		return 0; /* nothing here to resume or remove */
	if (strcmp(vs.status, "running") == 0) {
		/* the move ended before its switch-over paused the guest */
		best_effort(mdc_vm_set_migrating(&env, h->vm, 0));
		mdc_conn_say(say, arg, MDC_MIG_INFO,
		             "VM %s runs here: its move to %s ended before the "
		             "switch-over",
		             h->vm, h->fqdn);
		return 0;
	}
	return out_decide(self, &env, h, say, arg);
}

void
mdc_out_resolve(const struct mdc_out_self *self, mdc_mig_say_fn say, void *arg)
{
	static struct out_held h[OUT_MAX];
	size_t n = 0, i;

	for (;;) {
		out_collect(self->o->state, h, &n);
		for (i = 0; i < n;) {
			if (out_one(self, &h[i], say, arg) != 0) {
				i++;
				continue;
			}
			mdc_out_end(self->o->state, h[i].vm, h[i].fd);
			h[i] = h[--n];
		}
		if (n == 0)
			return;
		sleep(OUT_RETRY_S);
	}
}

/* ---- the destination's answer ---- */

void
mdc_out_answer(const char *state, const char *self_fqdn, const char *who,
               const struct mdc_mig_msg *m, struct mdc_mig_msg *r)
{
	static struct mdc_vm_def d;
	struct mdc_err e = {""};
	char want[512], p[PATH_MAX + 80];
	const char *at = strchr(who, '@');
	int ret;

	/* only the source host itself asks; an unknown asker gets no
	 * answer it could act on (FAILED: the source never acts on it) */
	if (at == NULL ||
	    mdc_mig_host_account(m->host, at + 1, want, sizeof(want)) != 0 ||
	    strcasecmp(who, want) != 0) {
		mdc_mig_result(r, MDC_MIG_FAILED,
		               "refused by %s: %s is not the account of %s",
		               self_fqdn, who, m->host);
		return;
	}
	snprintf(p, sizeof(p), "%s/incoming/%s", state, m->vm);
	if (mdc_path_exists(p)) {
		mdc_mig_result(
		        r, MDC_MIG_FAILED,
		        "VM %s is still arriving on %s: its move has not "
		        "ended here",
		        m->vm, self_fqdn);
		return;
	}
	ret = mdc_vm_def_load(state, m->vm, &d, &e);
	if (ret == 0)
		mdc_mig_result(r, MDC_MIG_ACCEPTED, "VM %s runs on %s", m->vm,
		               self_fqdn);
	else if (ret == MDC_ENOENT)
		mdc_mig_result(r, MDC_MIG_REFUSED, "VM %s is not on %s", m->vm,
		               self_fqdn);
	else
		mdc_mig_result(r, MDC_MIG_FAILED, "%s: %s", self_fqdn, e.text);
}
