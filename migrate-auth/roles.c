/* migrate-auth/roles.c - a one-request move's source and destination
 * (roles.h) */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>

#include "migrate-auth/beneath.h"
#include "migrate-auth/policy.h"
#include "migrate-auth/roles.h"
#include "migrate-auth/srcaddr.h"
#include "migrate-auth/state.h"
#include "migrate-auth/storage.h"

#define VERIFY_TIMEOUT_S 600 /* destination's final hash + fsync of a disk */

/* The user's ticket to us must be forwardable, or no S4U2Proxy. */
static int
evidence_forwardable(struct mdc_conn *c)
{
	OM_uint32 minor;
	krb5_flags flags = 0;

	if (c->deleg == GSS_C_NO_CREDENTIAL)
		return 0;
	if (GSS_ERROR(gss_krb5_get_tkt_flags(&minor, c->ctx, &flags)))
		return 0;
	return (flags & TKT_FLG_FORWARDABLE) != 0;
}

/* Source: can we act for the user, may this host send VMs at all? */
int
mdc_role_source_precheck(struct mdc_conn *c, struct mdc_mig_msg *r)
{
	struct mdc_mig_state st;
	struct mdc_err why = {""};

	if (!evidence_forwardable(c)) {
		mdc_mig_result(r, MDC_MIG_REFUSED,
		               "the ticket of %s to migrate/%s is "
		               "not forwardable (kinit -f): %s cannot act for "
		               "the user",
		               c->who, c->fqdn, c->fqdn);
		return -1;
	}
	if (mdc_mig_state_load(c->o->state, &st, &why) != 0) {
		mdc_mig_result(r, MDC_MIG_FAILED, "%s: %s", c->fqdn, why.text);
		return -1;
	}
	if (!st.enabled) {
		/* Enable-VMMigration governs both directions */
		mdc_mig_result(
		        r, MDC_MIG_REFUSED,
		        "refused by %s: migration is disabled on %s (the "
		        "source)",
		        c->fqdn, c->fqdn);
		return -1;
	}
	return 0;
}

/*
 * The source's disk: path must resolve inside the agent's storage
 * directory (relative paths are taken from there), so that a Migration
 * Operator cannot have the agent read arbitrary files of the host.  One
 * open that cannot leave the directory (beneath.h): no check-then-open
 * race with a symlink swapped in between.
 */
static int
source_path(struct mdc_conn *c, const char *path, int *fd,
            struct mdc_mig_msg *r)
{
	int dir_failed = 0;

	*fd = c->o->storage == NULL
	              ? -ENOENT
	              : mdc_mig_open_in(c->o->storage, path,
	                                O_RDONLY | O_NONBLOCK, &dir_failed);
	if (*fd >= 0)
		return 0;
	if (c->o->storage == NULL || dir_failed)
		mdc_mig_result(r, MDC_MIG_FAILED,
		               "%s has no usable --storage-dir", c->fqdn);
	else if (*fd == -EXDEV || *fd == -ELOOP)
		mdc_mig_result(r, MDC_MIG_REFUSED,
		               "refused by %s: %s is not inside its storage "
		               "directory",
		               c->fqdn, path);
	else
		mdc_mig_result(r, MDC_MIG_FAILED, "%s: %s: %s", c->fqdn, path,
		               strerror(-*fd));
	return -1;
}

/* Source: open the disk and fill the PREPARE_STORAGE fields. */
static int
source_open(struct mdc_conn *c, const struct mdc_mig_msg *m,
            struct mdc_mig_src *src, struct mdc_mig_msg *prep,
            struct mdc_mig_msg *r)
{
	struct mdc_err e = {""};
	const char *base = strrchr(m->path, '/');
	int fd;

	base = base ? base + 1 : m->path;
	if (m->name[0])
		base = m->name;
	if (strlen(base) < sizeof(prep->name))
		memcpy(prep->name, base, strlen(base) + 1);
	if (!mdc_mig_file_ok(prep->name)) {
		mdc_mig_result(r, MDC_MIG_FAILED,
		               "%s: cannot name the copy after %s "
		               "(give --dest-path NAME)",
		               c->fqdn, m->path);
		return -1;
	}
	if (source_path(c, m->path, &fd, r) != 0)
		return -1;
	if (mdc_mig_src_open_fd(src, fd, m->path, m->flags & MDC_MIG_FL_ZSTD,
	                        &e) != 0) {
		mdc_mig_result(r, MDC_MIG_FAILED, "%s: %s", c->fqdn, e.text);
		return -1;
	}
	prep->type = MDC_MIG_PREPARE_STORAGE;
	prep->size = src->size;
	prep->flags = m->flags;
	return 0;
}

/* True if the peer has sent something (the destination gave up). */
static int
peer_spoke(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};

	return poll(&p, 1, 0) > 0;
}

/* Source: stream the accepted disk, then relay the destination's verdict
 * (r holds the acceptance on entry). */
static void
source_stream(struct mdc_conn *c, int fd, gss_ctx_id_t dctx,
              struct mdc_mig_src *src, const struct mdc_mig_msg *m,
              struct mdc_mig_msg *r)
{
	struct mdc_err e = {""};
	struct mdc_mig_msg *d = calloc(1, sizeof(*d));
	char accepted[MDC_MIG_MAX_TEXT + 1];
	struct timeval verify_timeout = {VERIFY_TIMEOUT_S, 0};
	int conf = !(m->flags & MDC_MIG_FL_PLAIN), ret = 0;

	memcpy(accepted, r->text, sizeof(accepted));
	if (d == NULL) {
		mdc_mig_result(r, MDC_MIG_FAILED, "%s: out of memory", c->fqdn);
		return;
	}
	while (!peer_spoke(fd)) {
		ret = mdc_mig_src_next(src, d, &e);
		if (ret != 0 && ret != MDC_ENOENT) {
			/* closing makes the destination drop its copy */
			mdc_mig_result(r, MDC_MIG_FAILED, "%s: %s: %s", c->fqdn,
			               m->path, e.text);
			goto out;
		}
		if (mdc_mig_send_msg_conf(fd, dctx, d, conf || ret != 0, &e))
			break; /* the destination's RESULT says why */
		if (ret == MDC_ENOENT)
			break;
	}
	/* the destination hashes the tail and fsyncs: give it time */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &verify_timeout,
	                 sizeof(verify_timeout));
	if (mdc_mig_recv_msg(fd, dctx, d, &e) != 0 || d->type != MDC_MIG_RESULT)
		mdc_mig_result(r, MDC_MIG_FAILED, "%s: copying the disk: %s",
		               m->host,
		               e.text[0] ? e.text : "unexpected answer");
	else if (d->status != MDC_MIG_ACCEPTED)
		mdc_mig_result(r, d->status, "%s", d->text);
	else
		mdc_mig_result(r, MDC_MIG_ACCEPTED,
		               "%s; %s (%llu bytes of data in %llu "
		               "chunks)",
		               accepted, d->text, (unsigned long long)src->sent,
		               (unsigned long long)src->chunks);
out:
	mdc_mig_msg_clear(d);
	free(d);
}

/* Source: connect to the destination (ip, port: what the policy
 * checked) and authenticate as the user (raw krb5 with the delegated
 * cred: libgssapi does the S4U2Proxy). */
static int
source_reach(struct mdc_conn *c, const struct mdc_mig_msg *m, const char *ip,
             int port, int *fd, gss_ctx_id_t *dctx, struct mdc_mig_msg *r)
{
	struct mdc_err e = {""};
	char hello[MDC_MIG_MAX_HOST + 1];
	OM_uint32 minor = 0;

	if (mdc_conn_connect(ip, port, c->ip, fd, &e) != 0 ||
	    mdc_mig_recv_hello(*fd, hello, sizeof(hello), &e) != 0) {
		mdc_mig_result(r, MDC_MIG_FAILED, "%s: %s", m->host, e.text);
		return -1;
	}
	if (mdc_mig_initiate_minor(*fd, c->deleg, m->host, dctx, &minor, &e) !=
	    0) {
		mdc_mig_result(
		        r, MDC_MIG_REFUSED,
		        "%s could not obtain a ticket to "
		        "migrate/%s for %s (constrained delegation): %s%s",
		        c->fqdn, m->host, c->who, e.text,
		        minor == (OM_uint32)KRB5KDC_ERR_BADOPTION
		                ? " (is the target in the host account's "
		                  "msDS-AllowedToDelegateTo?)"
		                : "");
		return -1;
	}
	return 0;
}

/* Source: the user and the destination's address, before anything is
 * opened or connected (srcaddr.h); ip and port are what to connect to. */
static int
source_policy(struct mdc_conn *c, const struct mdc_mig_msg *m, char *ip,
              size_t iplen, int *port, struct mdc_mig_msg *r)
{
	struct mdc_mig_src_req q;
	size_t len = 0;
	uint8_t *logon = mdc_conn_pac(c->client, "urn:mspac:logon-info", &len);
	int ret;

	memset(&q, 0, sizeof(q));
	q.state = c->o->state;
	q.who = c->who;
	q.logon = logon;
	q.logon_len = len;
	q.self = c->fqdn;
	q.host = m->host;
	q.addr = m->addr;
	ret = mdc_mig_src_check(&q, ip, iplen, port, r);
	free(logon);
	return ret;
}

/* Source: reach the destination as the user and relay its answer. */
void
mdc_role_source(struct mdc_conn *c, const struct mdc_mig_msg *m,
                struct mdc_mig_msg *r)
{
	struct mdc_mig_msg prep;
	struct mdc_mig_src src = {.fd = -1};
	struct mdc_err e = {""};
	gss_ctx_id_t dctx = GSS_C_NO_CONTEXT;
	char ip[MDC_MIG_MAX_ADDR + 1];
	OM_uint32 minor;
	int fd = -1, port, ret;

	/* no file opened, no connection, before the user and the address */
	if (mdc_role_source_precheck(c, r) != 0 ||
	    source_policy(c, m, ip, sizeof(ip), &port, r) != 0)
		return;
	memset(&prep, 0, sizeof(prep));
	prep.type = MDC_MIG_PREPARE;
	if (m->type == MDC_MIG_MOVE_STORAGE &&
	    source_open(c, m, &src, &prep, r) != 0)
		goto out;
	if (source_reach(c, m, ip, port, &fd, &dctx, r) != 0)
		goto out;
	memcpy(prep.vm, m->vm, sizeof(prep.vm));
	snprintf(prep.host, sizeof(prep.host), "%s", c->fqdn);
	if ((ret = mdc_mig_send_msg(fd, dctx, &prep, &e)) != 0 ||
	    (ret = mdc_mig_recv_msg(fd, dctx, r, &e)) != 0 ||
	    r->type != MDC_MIG_RESULT) {
		if (ret == 0)
			mdc_mig_msg_clear(r); /* a payload instead */
		mdc_mig_result(
		        r,
		        ret == MDC_EDENIED ? MDC_MIG_REFUSED : MDC_MIG_FAILED,
		        "%s: %s", m->host, ret ? e.text : "unexpected answer");
		goto out;
	}
	/* not a byte of the disk before the destination said yes */
	if (src.fd >= 0 && r->status == MDC_MIG_ACCEPTED)
		source_stream(c, fd, dctx, &src, m, r);
out:
	mdc_mig_src_close(&src);
	if (dctx != GSS_C_NO_CONTEXT)
		(void)gss_delete_sec_context(&minor, &dctx, GSS_C_NO_BUFFER);
	if (fd >= 0)
		close(fd);
}

/* Destination, after the policy said yes: the temp file for the disk. */
static void
dest_open(struct mdc_conn *c, const struct mdc_mig_msg *m,
          struct mdc_mig_msg *r)
{
	struct mdc_err e = {""};
	char acc[MDC_MIG_MAX_TEXT + 1];
	int ret;

	if (c->o->storage == NULL) {
		mdc_mig_result(r, MDC_MIG_REFUSED,
		               "refused by %s: it has no storage "
		               "directory (agent --storage-dir)",
		               c->fqdn);
		return;
	}
	if ((c->sink = malloc(sizeof(*c->sink))) == NULL) {
		mdc_mig_result(r, MDC_MIG_FAILED, "%s: out of memory", c->fqdn);
		return;
	}
	ret = mdc_mig_sink_open(c->sink, c->o->storage, m->name, m->size,
	                        m->flags & MDC_MIG_FL_ZSTD, &e);
	if (ret != 0) {
		mdc_mig_sink_close(c->sink);
		free(c->sink);
		c->sink = NULL;
		mdc_mig_result(
		        r, ret == MDC_EEXIST ? MDC_MIG_REFUSED : MDC_MIG_FAILED,
		        "%s by %s: %s",
		        ret == MDC_EEXIST ? "refused" : "failed", c->fqdn,
		        e.text);
		return;
	}
	memcpy(acc, r->text, sizeof(acc));
	mdc_mig_result(r, MDC_MIG_ACCEPTED, "%s", acc);
}

/* Destination: receive DATA until DONE into the sink; r = the verdict. */
static void
dest_receive(struct mdc_conn *c, int plain_ok, struct mdc_mig_msg *r)
{
	struct mdc_err e = {""};
	struct mdc_mig_msg *d = calloc(1, sizeof(*d));
	struct mdc_mig_sink *k = c->sink;
	char hex[2 * MDC_MIG_SHA256_LEN + 1];

	mdc_mig_result(r, MDC_MIG_FAILED, "%s: out of memory", c->fqdn);
	while (d != NULL) {
		if (mdc_mig_recv_msg_conf(c->fd, c->ctx, d, plain_ok, &e) ||
		    (d->type == MDC_MIG_DATA && mdc_mig_sink_put(k, d, &e))) {
			mdc_mig_result(r, MDC_MIG_FAILED,
			               "failed on %s: receiving the disk: %s",
			               c->fqdn, e.text);
			break;
		}
		if (d->type == MDC_MIG_DATA) {
			mdc_mig_msg_clear(d);
			continue;
		}
		if (d->type != MDC_MIG_DONE)
			mdc_mig_result(r, MDC_MIG_FAILED,
			               "failed on %s: unexpected "
			               "message",
			               c->fqdn);
		else if (mdc_mig_sink_finish(k, d, &e) != 0)
			mdc_mig_result(r, MDC_MIG_FAILED, "failed on %s: %s",
			               c->fqdn, e.text);
		else {
			mdc_mig_hex(d->digest, MDC_MIG_SHA256_LEN, hex);
			mdc_mig_result(r, MDC_MIG_ACCEPTED,
			               "%s stored %s (%llu bytes, sha256 %s)",
			               c->fqdn, k->final,
			               (unsigned long long)k->size, hex);
		}
		break;
	}
	if (d != NULL)
		mdc_mig_msg_clear(d);
	free(d);
	mdc_mig_sink_close(k); /* removes the temp file unless renamed */
	free(k);
	c->sink = NULL;
}

/* Destination: the policy (policy.h) on the PAC and state. */
void
mdc_role_dest(struct mdc_conn *c, const struct mdc_mig_msg *m,
              struct mdc_mig_msg *r)
{
	struct mdc_mig_dest_in in;
	struct mdc_mig_state st;
	char text[MDC_MIG_MAX_TEXT + 1];
	struct mdc_err why = {""};

	memset(&in, 0, sizeof(in));
	if (mdc_mig_state_load(c->o->state, &st, &why) != 0) {
		mdc_mig_result(r, MDC_MIG_FAILED, "%s: %s", c->fqdn, why.text);
		return;
	}
	in.client = c->who;
	in.deleg = mdc_conn_pac(c->client, "urn:mspac:delegation-info",
	                        &in.deleg_len);
	in.logon =
	        mdc_conn_pac(c->client, "urn:mspac:logon-info", &in.logon_len);
	in.vm = m->vm;
	in.source_host = m->host;
	in.self_host = c->fqdn;
	in.state = &st;
	in.peer = (const struct sockaddr *)&c->peer;
	if (mdc_mig_dest_decide(&in, text, sizeof(text)) == 0)
		mdc_mig_result(r, MDC_MIG_ACCEPTED, "%s", text);
	else
		mdc_mig_result(r, MDC_MIG_REFUSED, "refused by %s: %s", c->fqdn,
		               text);
	free((void *)in.deleg);
	free((void *)in.logon);
	if (r->status == MDC_MIG_ACCEPTED && m->type == MDC_MIG_PREPARE_STORAGE)
		dest_open(c, m, r);
}

/* Destination, accepted disk: receive it, log and send the verdict. */
int
mdc_role_disk(struct mdc_conn *c, const struct mdc_mig_msg *m,
              struct mdc_mig_msg *r, mdc_mig_say_fn say, void *arg,
              struct mdc_err *e)
{
	int ret;

	dest_receive(c, m->flags & MDC_MIG_FL_PLAIN, r);
	mdc_conn_say(say, arg, r->status ? MDC_MIG_ERR : MDC_MIG_INFO,
	             "%s disk of VM %s from %s: %s", c->who, m->vm, m->host,
	             r->text);
	ret = mdc_mig_send_msg(c->fd, c->ctx, r, e);
	if (r->status != MDC_MIG_ACCEPTED)
		mdc_conn_drain(c->fd);
	return ret;
}
