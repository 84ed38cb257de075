/* migrate-auth/vmsvc.c - the agent's VM commands over an authenticated
 * session, and how the CLI prints their answers */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "migrate-auth/sess.h"
#include "migrate-auth/vmsvc.h"

#define STOP_TIMEOUT_MS 30000

/* A failure: refusals (bad input, not allowed) vs. failures. */
static void
fail(struct mdc_mig_msg *r, int ret, const char *self, const struct mdc_err *e)
{
	int refused = ret == MDC_EINVAL || ret == MDC_EDENIED ||
	              ret == MDC_EEXIST || ret == MDC_ENOENT;

	mdc_mig_result(r, refused ? MDC_MIG_REFUSED : MDC_MIG_FAILED, "%s: %s",
	               self, e->text);
}

static void
vm_create(const struct mdc_vm_env *env, const char *self,
          const struct mdc_mig_msg *m, struct mdc_mig_msg *r)
{
	struct mdc_err e = {""};
	struct mdc_vm_def *d = calloc(1, sizeof(*d));
	int ret;

	if (d == NULL) {
		mdc_mig_result(r, MDC_MIG_FAILED, "%s: out of memory", self);
		return;
	}
	ret = mdc_vm_def_from_json(m->def, m->deflen, d, &e);
	if (ret == 0 && strcmp(d->name, m->vm) != 0)
		ret = mdc_err_set(&e, MDC_EINVAL,
		                  "the definition names "
		                  "another VM");
	if (ret == 0)
		ret = mdc_vm_resolve_def(env, d, &e);
	if (ret == 0)
		ret = mdc_vm_def_save(env->state, d, 0, &e);
	if (ret != 0)
		fail(r, ret, self, &e);
	else
		mdc_mig_result(
		        r, MDC_MIG_ACCEPTED,
		        "VM %s defined on %s: %u MiB, %zu disk(s), %zu NIC(s), "
		        "cpu %s%s",
		        d->name, self, d->memory_mib, d->ndisks, d->nnics,
		        d->cpu, d->compat ? " (compatibility mode)" : "");
	free(d);
}

static void
vm_start(const struct mdc_vm_env *env, const char *self,
         const struct mdc_mig_msg *m, struct mdc_mig_msg *r)
{
	struct mdc_vm_start_opts o = {0, 0};
	struct mdc_err e = {""};
	struct mdc_vm_status st;
	int ret;

	o.paused = (m->flags & MDC_MIG_VMFL_PAUSED) != 0;
	ret = mdc_vm_start(env, m->vm, &o, &st, &e);
	if (ret != 0)
		fail(r, ret, self, &e);
	else
		mdc_mig_result(
		        r, MDC_MIG_ACCEPTED,
		        "VM %s started on %s: QEMU pid %ld, accel %s, %s%s%s",
		        m->vm, self, (long)st.pid, st.accel, st.status,
		        st.cpu_missing[0] ? "; CPU features this host lacks: "
		                          : "",
		        st.cpu_missing);
}

static void
vm_stop(const struct mdc_vm_env *env, const char *self,
        const struct mdc_mig_msg *m, struct mdc_mig_msg *r)
{
	struct mdc_err e = {""};
	struct mdc_vm_def d;
	int ret;

	ret = mdc_vm_def_load(env->state, m->vm, &d, &e);
	if (ret == 0)
		ret = mdc_vm_stop(env, m->vm, STOP_TIMEOUT_MS, 0, &e);
	if (ret != 0)
		fail(r, ret, self, &e);
	else
		mdc_mig_result(r, MDC_MIG_ACCEPTED, "VM %s stopped on %s",
		               m->vm, self);
}

static void
vm_rm(const struct mdc_vm_env *env, const char *self,
      const struct mdc_mig_msg *m, struct mdc_mig_msg *r)
{
	struct mdc_err e = {""};
	struct mdc_vm_status st;
	struct mdc_vm_def d;
	char run[4096];
	int ret;

	ret = mdc_vm_def_load(env->state, m->vm, &d, &e);
	if (ret == 0)
		ret = mdc_vm_status_get(env, m->vm, &st, &e);
	if (ret == 0 && st.state != MDC_VM_STOPPED)
		ret = mdc_err_set(&e, MDC_EDENIED,
		                  "VM %s is %s (vm stop it first)", m->vm,
		                  mdc_vm_state_name(st.state));
	if (ret == 0)
		ret = mdc_vm_def_remove(env->state, m->vm, &e);
	if (ret != 0) {
		fail(r, ret, self, &e);
		return;
	}
	if (mdc_vm_rundir(env, m->vm, run, sizeof(run)) == 0) {
		(void)mdc_rm_rf(run);
		if (strlen(run) + 6 < sizeof(run)) {
			memcpy(run + strlen(run), ".exit", 6);
			(void)mdc_rm_rf(run);
		}
	}
	mdc_mig_result(r, MDC_MIG_ACCEPTED,
	               "VM %s removed from %s (its disks are kept)", m->vm,
	               self);
}

/* Fill a VM_INFO for name. */
static int
info_of(const struct mdc_vm_env *env, const char *name, struct mdc_mig_msg *i,
        char **json, struct mdc_err *e)
{
	struct mdc_vm_def *d = calloc(1, sizeof(*d));
	struct mdc_vm_status st;
	int ret;

	if (d == NULL)
		return mdc_err_set(e, MDC_ENOMEM, "out of memory");
	if ((ret = mdc_vm_def_load(env->state, name, d, e)) != 0 ||
	    (ret = mdc_vm_status_get(env, name, &st, e)) != 0)
		goto out;
	if ((ret = mdc_vm_def_to_json(d, json)) != 0) {
		ret = mdc_err_set(e, ret, "VM %s: bad definition", name);
		goto out;
	}
	memset(i, 0, sizeof(*i));
	i->type = MDC_MIG_VM_INFO;
	snprintf(i->vm, sizeof(i->vm), "%s", name);
	i->vmstate = (uint8_t)st.state;
	i->pid = (uint32_t)st.pid;
	mdc_mig_sanitize(st.accel, i->accel, sizeof(i->accel));
	mdc_mig_sanitize(st.status, i->vmstatus, sizeof(i->vmstatus));
	mdc_mig_sanitize(st.last_exit, i->last_exit, sizeof(i->last_exit));
	/* i->def points into *json (the caller's), at most the field's
	 * limit as when it was a copy */
	i->def = *json;
	i->deflen = strlen(*json);
	if (i->deflen > MDC_MIG_MAX_DEF)
		i->deflen = MDC_MIG_MAX_DEF;
out:
	free(d);
	return ret;
}

/* SHOW (one name) or LIST (all): VM_INFO messages, then r. */
static void
vm_report(int fd, gss_ctx_id_t ctx, const struct mdc_vm_env *env,
          const char *self, const struct mdc_mig_msg *m, struct mdc_mig_msg *r)
{
	struct mdc_err e = {""};
	struct mdc_mig_msg *i = calloc(1, sizeof(*i));
	char **names = NULL, *one[1];
	size_t n = 0, k;
	int ret = 0;

	if (i == NULL) {
		mdc_mig_result(r, MDC_MIG_FAILED, "%s: out of memory", self);
		return;
	}
	one[0] = (char *)m->vm;
	if (m->op == MDC_MIG_VM_LIST)
		ret = mdc_vm_def_list(env->state, &names, &n, &e);
	for (k = 0; ret == 0 && k < (m->op == MDC_MIG_VM_LIST ? n : 1); k++) {
		char *json = NULL;

		ret = info_of(env, m->op == MDC_MIG_VM_LIST ? names[k] : one[0],
		              i, &json, &e);
		if (ret == 0)
			ret = mdc_mig_send_msg(fd, ctx, i, &e);
		free(json);
	}
	if (ret != 0)
		fail(r, ret, self, &e);
	else
		mdc_mig_result(r, MDC_MIG_ACCEPTED, "%zu VM(s) on %s",
		               m->op == MDC_MIG_VM_LIST ? n : (size_t)1, self);
	mdc_vm_names_free(names, n);
	free(i);
}

void
mdc_vm_serve(int fd, gss_ctx_id_t ctx, const struct mdc_vm_env *env,
             const char *self, const struct mdc_mig_msg *m,
             struct mdc_mig_msg *r)
{
	switch (m->op) {
	case MDC_MIG_VM_CREATE:
		vm_create(env, self, m, r);
		break;
	case MDC_MIG_VM_START:
		vm_start(env, self, m, r);
		break;
	case MDC_MIG_VM_STOP:
		vm_stop(env, self, m, r);
		break;
	case MDC_MIG_VM_RM:
		vm_rm(env, self, m, r);
		break;
	case MDC_MIG_VM_SHOW:
	case MDC_MIG_VM_LIST:
		vm_report(fd, ctx, env, self, m, r);
		break;
	default:
		mdc_mig_result(r, MDC_MIG_FAILED, "%s: unknown VM operation",
		               self);
	}
}

/* The disks joined by ',' into out. */
static void
disk_list(const struct mdc_vm_def *d, char *out, size_t outlen)
{
	size_t i, used = 0;
	int n;

	out[0] = '\0';
	for (i = 0; i < d->ndisks; i++) {
		n = snprintf(out + used, outlen - used, "%s%s", i ? "," : "",
		             d->disks[i]);
		if (n < 0 || (size_t)n >= outlen - used)
			return;
		used += (size_t)n;
	}
	if (d->ndisks == 0)
		snprintf(out, outlen, "-");
}

static int
info_def(const struct mdc_mig_msg *info, struct mdc_vm_def *d)
{
	if (info->type != MDC_MIG_VM_INFO ||
	    mdc_vm_def_from_json(info->def, info->deflen, d, NULL) != 0)
		return MDC_EMALF;
	return 0;
}

int
mdc_vm_info_line(const struct mdc_mig_msg *info, char *out, size_t outlen)
{
	struct mdc_vm_def *d = calloc(1, sizeof(*d));
	char disks[MDC_VM_MAX_DISKS * (MDC_VM_MAX_PATH + 1) + 2], pid[16];
	int ret, n;

	if (d == NULL)
		return MDC_ENOMEM;
	if ((ret = info_def(info, d)) == 0) {
		disk_list(d, disks, sizeof(disks));
		snprintf(pid, sizeof(pid), "%lu", (unsigned long)info->pid);
		n = snprintf(out, outlen,
		             "%s %s memory=%uMiB disks=%s cpu=%s pid=%s "
		             "accel=%s",
		             info->vm, mdc_vm_state_name(info->vmstate),
		             d->memory_mib, disks, d->cpu,
		             info->pid ? pid : "-", info->accel);
		ret = (n < 0 || (size_t)n >= outlen) ? MDC_ESPACE : 0;
	}
	free(d);
	return ret;
}

/* The NICs as "bridge=BR,mac=MAC ..." into out. */
static void
nic_list(const struct mdc_vm_def *d, char *out, size_t outlen)
{
	size_t i, used = 0;
	int n;

	snprintf(out, outlen, "-");
	for (i = 0; i < d->nnics; i++) {
		n = snprintf(out + used, outlen - used, "%sbridge=%s,mac=%s",
		             i ? " " : "", d->nics[i].bridge, d->nics[i].mac);
		if (n < 0 || (size_t)n >= outlen - used)
			return;
		used += (size_t)n;
	}
}

int
mdc_vm_info_show(const struct mdc_mig_msg *info, char *out, size_t outlen)
{
	struct mdc_vm_def *d = calloc(1, sizeof(*d));
	char disks[MDC_VM_MAX_DISKS * (MDC_VM_MAX_PATH + 1) + 2], nics[256];
	int ret, n;

	if (d == NULL)
		return MDC_ENOMEM;
	if ((ret = info_def(info, d)) == 0) {
		disk_list(d, disks, sizeof(disks));
		nic_list(d, nics, sizeof(nics));
		n = snprintf(out, outlen,
		             "name: %s\nstate: %s\nqemu-status: %s\n"
		             "pid: %lu\naccel: %s\nmemory: %u MiB\n"
		             "disks: %s\nkernel: %s\ninitrd: %s\nappend: %s\n"
		             "nics: %s\ncpu: %s%s\nlast-exit: %s",
		             info->vm, mdc_vm_state_name(info->vmstate),
		             info->vmstatus, (unsigned long)info->pid,
		             info->accel, d->memory_mib, disks,
		             d->kernel[0] ? d->kernel : "-",
		             d->initrd[0] ? d->initrd : "-",
		             d->append[0] ? d->append : "-", nics, d->cpu,
		             d->compat ? " (compat)" : "",
		             info->last_exit[0] ? info->last_exit : "-");
		ret = (n < 0 || (size_t)n >= outlen) ? MDC_ESPACE : 0;
	}
	free(d);
	return ret;
}
