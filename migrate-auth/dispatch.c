/* migrate-auth/dispatch.c - one connection's request (dispatch.h) */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <gssapi/gssapi.h>

#include "migrate-auth/admit.h"
#include "migrate-auth/agentid.h"
#include "migrate-auth/dispatch.h"
#include "migrate-auth/live.h"
#include "migrate-auth/move.h"
#include "migrate-auth/movedst.h"
#include "migrate-auth/outgoing.h"
#include "migrate-auth/policy.h"
#include "migrate-auth/roles.h"
#include "migrate-auth/state.h"
#include "migrate-auth/storage.h"
#include "migrate-auth/vmdef.h"
#include "migrate-auth/vmsvc.h"

static void
live_conn(struct mdc_conn *c, struct mdc_live_conn *lc, mdc_mig_say_fn say,
          void *arg)
{
	memset(lc, 0, sizeof(*lc));
	lc->o = c->o;
	lc->fqdn = c->fqdn;
	lc->ip = c->ip;
	lc->who = c->who;
	lc->fd = c->fd;
	lc->ctx = c->ctx;
	lc->deleg = c->deleg;
	lc->say = say;
	lc->arg = arg;
}

/*
 * A LIVE_MOVE of a VM this agent does not define is today's move: the
 * policy round trip, or the copy of one disk file (--storage-path is then
 * the source's file).  Fills *lm and returns 1 in that case.
 */
static int
legacy_of(struct mdc_conn *c, const struct mdc_mig_msg *m,
          struct mdc_mig_msg *lm)
{
	struct mdc_live_req q;
	struct mdc_vm_def *d = calloc(1, sizeof(*d));
	struct mdc_err e = {""};
	int known;

	if (d == NULL || mdc_live_req_decode(m->data, m->datalen, &q) != 0 ||
	    (q.flags & MDC_LIVE_FL_CANCEL)) {
		free(d);
		return 0;
	}
	known = mdc_vm_def_load(c->o->state, m->vm, d, &e) != MDC_ENOENT;
	free(d);
	if (known)
		return 0;
	memset(lm, 0, sizeof(*lm));
	lm->type = q.flags & MDC_LIVE_FL_STORAGE ? MDC_MIG_MOVE_STORAGE
	                                         : MDC_MIG_MOVE;
	memcpy(lm->vm, m->vm, sizeof(lm->vm));
	memcpy(lm->host, m->host, sizeof(lm->host));
	memcpy(lm->addr, m->addr, sizeof(lm->addr));
	snprintf(lm->path, sizeof(lm->path), "%s", q.storage_path);
	if (q.flags & MDC_LIVE_FL_PLAIN)
		lm->flags |= MDC_MIG_FL_PLAIN;
	return 1;
}

/* A live move: the source's checks of today first, then move.c. */
static int
serve_live(struct mdc_conn *c, const struct mdc_mig_msg *m,
           struct mdc_mig_msg *r, mdc_mig_say_fn say, void *arg,
           struct mdc_err *e)
{
	struct mdc_live_conn lc;
	size_t len = 0;
	int src = m->type == MDC_MIG_LIVE_MOVE, ret = 0;
	struct mdc_mig_msg lm;

	live_conn(c, &lc, say, arg);
	if (src && legacy_of(c, m, &lm)) {
		mdc_role_source(c, &lm, r);
		ret = mdc_mig_send_msg(c->fd, c->ctx, r, e);
	} else if (src) {
		if (mdc_role_source_precheck(c, r) == 0) {
			lc.logon = mdc_conn_pac(c->client,
			                        "urn:mspac:logon-info", &len);
			lc.logon_len = len;
			mdc_live_source(&lc, m, r);
			free((void *)lc.logon);
		}
		ret = mdc_mig_send_msg(c->fd, c->ctx, r, e);
	} else {
		mdc_role_dest(c, m, r);
		if (r->status == MDC_MIG_ACCEPTED)
			mdc_live_dest(&lc, m, r); /* it answers itself */
		else
			ret = mdc_mig_send_msg(c->fd, c->ctx, r, e);
	}
	mdc_conn_say(say, arg, r->status ? MDC_MIG_ERR : MDC_MIG_INFO,
	             "%s %s VM %s (%s): %s", c->who, src ? "moves" : "offers",
	             m->vm, m->host, r->text);
	return ret;
}

static const char *const vm_ops[] = {"?",    "create", "start", "stop",
                                     "show", "rm",     "list"};

/* The VM environment of this agent (accel from migrate.conf). */
static int
vm_env(const struct mdc_conn *c, struct mdc_vm_env *env, struct mdc_err *e)
{
	struct mdc_mig_state st;

	memset(env, 0, sizeof(*env));
	env->state = c->o->state;
	env->storage = c->o->storage;
	if (mdc_mig_state_load(c->o->state, &st, e) != 0)
		return MDC_ECONF;
	return mdc_vm_accel_parse(st.accel, &env->accel);
}

/* VM management: Migration Operators or Domain Admins, from the PAC. */
static void
vm_role(struct mdc_conn *c, const struct mdc_mig_msg *m, struct mdc_mig_msg *r)
{
	struct mdc_vm_env env;
	char text[MDC_MIG_MAX_TEXT + 1];
	struct mdc_err e = {""};
	size_t len = 0;
	uint8_t *logon = mdc_conn_pac(c->client, "urn:mspac:logon-info", &len);
	int ret;

	ret = mdc_mig_vm_admin_decide(c->who, logon, len, text, sizeof(text));
	free(logon);
	if (ret != 0) {
		mdc_mig_result(r, MDC_MIG_REFUSED, "refused by %s: %s", c->fqdn,
		               text);
		return;
	}
	if (vm_env(c, &env, &e) != 0) {
		mdc_mig_result(r, MDC_MIG_FAILED, "%s: %s", c->fqdn, e.text);
		return;
	}
	mdc_vm_serve(c->fd, c->ctx, &env, c->fqdn, m, r);
}

/* The agent's log line for one request. */
static void
log_request(struct mdc_conn *c, const struct mdc_mig_msg *m,
            const struct mdc_mig_msg *r, mdc_mig_say_fn say, void *arg)
{
	if (m->type == MDC_MIG_VM)
		mdc_conn_say(say, arg, r->status ? MDC_MIG_ERR : MDC_MIG_INFO,
		             "%s vm %s %s: %s", c->who, vm_ops[m->op], m->vm,
		             r->text);
	else if (m->type == MDC_MIG_OUTCOME)
		mdc_conn_say(say, arg, MDC_MIG_INFO,
		             "%s asks how the move of VM %s ended: %s", c->who,
		             m->vm, r->text);
	else
		mdc_conn_say(say, arg, r->status ? MDC_MIG_ERR : MDC_MIG_INFO,
		             "%s %s VM %s (%s): %s", c->who,
		             m->type == MDC_MIG_MOVE ||
		                             m->type == MDC_MIG_MOVE_STORAGE
		                     ? "moves"
		                     : "offers",
		             m->vm, m->host, r->text);
}

/* Before any GSS work: is the peer's address one the agent talks to? */
static int
admit_peer(struct mdc_conn *c, mdc_mig_say_fn say, void *arg)
{
	struct sockaddr_storage local;
	socklen_t sl = sizeof(local);
	struct mdc_admit_peer p = {(const struct sockaddr *)&c->peer,
	                           (const struct sockaddr *)&local, c->fqdn,
	                           c->o->state};
	char text[MDC_MIG_MAX_TEXT + 1];

	memset(&local, 0, sizeof(local));
	(void)getsockname(c->fd, (struct sockaddr *)&local, &sl);
	if (mdc_admit_peer_check(&p, text, sizeof(text)) == 0)
		return 0;
	mdc_mig_send_error(c->fd, text);
	mdc_conn_say(say, arg, MDC_MIG_ERR, "connection %s", text);
	return -1;
}

/* One connection, in a child: hello, accept, one request, one answer.
 */
int
mdc_dispatch_serve(struct mdc_conn *c, const char *princ, mdc_mig_say_fn say,
                   void *arg)
{
	struct mdc_mig_msg m = {.frame = NULL}, r;
	struct mdc_err e = {""};
	gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
	OM_uint32 minor;
	int ret;

	if (admit_peer(c, say, arg) != 0)
		return MDC_EDENIED;
	if ((ret = mdc_agentid_cred(c->o, princ, &cred, &e)) != 0) {
		mdc_mig_send_error(c->fd, "the agent cannot use its keytab");
		goto out;
	}
	if ((ret = mdc_mig_send_hello(c->fd, c->fqdn)) ||
	    (ret = mdc_mig_accept(c->fd, cred, &c->ctx, &c->client, &c->deleg,
	                          &e)))
		goto out;
	mdc_conn_who(c);
	if ((ret = mdc_mig_recv_msg(c->fd, c->ctx, &m, &e)) != 0)
		goto out;
	mdc_admit_passed(c->admit);
	if (m.type == MDC_MIG_LIVE_MOVE || m.type == MDC_MIG_LIVE_PREPARE) {
		ret = serve_live(c, &m, &r, say, arg, &e);
		goto out;
	}
	if (m.type == MDC_MIG_MOVE || m.type == MDC_MIG_MOVE_STORAGE)
		mdc_role_source(c, &m, &r);
	else if (m.type == MDC_MIG_PREPARE || m.type == MDC_MIG_PREPARE_STORAGE)
		mdc_role_dest(c, &m, &r);
	else if (m.type == MDC_MIG_VM)
		vm_role(c, &m, &r);
	else if (m.type == MDC_MIG_OUTCOME)
		mdc_out_answer(c->o->state, c->fqdn, c->who, &m, &r);
	else
		mdc_mig_result(&r, MDC_MIG_FAILED, "unexpected request");
	log_request(c, &m, &r, say, arg);
	ret = mdc_mig_send_msg(c->fd, c->ctx, &r, &e);
	if (ret == 0 && c->sink != NULL)
		ret = mdc_role_disk(c, &m, &r, say, arg, &e);
out:
	if (c->sink != NULL) { /* the RESULT could not be sent */
		mdc_mig_sink_close(c->sink);
		free(c->sink);
		c->sink = NULL;
	}
	if (ret != 0)
		mdc_conn_say(say, arg, MDC_MIG_ERR, "connection: %s", e.text);
	(void)gss_release_cred(&minor, &cred);
	mdc_mig_msg_clear(&m);
	return ret;
}
