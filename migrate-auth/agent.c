/* migrate-auth/agent.c - minidc-migrate agent: source and destination roles */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>

#include "lib/net.h"
#include "migrate-auth/admit.h"
#include "migrate-auth/agentconf.h"
#include "migrate-auth/beneath.h"
#include "migrate-auth/migrate.h"
#include "migrate-auth/move.h"
#include "migrate-auth/movedst.h"
#include "migrate-auth/policy.h"
#include "migrate-auth/srcaddr.h"
#include "migrate-auth/storage.h"
#include "migrate-auth/vmdef.h"
#include "migrate-auth/vmsvc.h"

#define IO_TIMEOUT_S     30
#define VERIFY_TIMEOUT_S 600   /* destination's final hash + fsync of a disk */
#define VM_STOP_MS       10000 /* per VM when the agent shuts down */

/* Set by SIGTERM/SIGINT in the agent's main process (to the signal); the
 * pipe wakes the accept loop at once, whenever the signal comes. */
static volatile sig_atomic_t stop_requested;
static int stop_pipe[2] = {-1, -1};

/* Everything one connection needs. */
struct conn {
	const struct mdc_mig_agent_opts *o;
	const char *fqdn; /* this host */
	const char *ip;   /* our listen address: the source's bind address */
	int fd;
	struct sockaddr_storage peer;
	gss_ctx_id_t ctx;
	gss_name_t client;
	gss_cred_id_t deleg;
	char who[512];             /* display name of the client */
	struct mdc_mig_sink *sink; /* destination of an accepted disk copy */
	struct mdc_admit *admit;   /* the agent's table (admit.h) */
};

static void
set_timeouts(int fd)
{
	struct timeval tv = {IO_TIMEOUT_S, 0};

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

int
mdc_mig_connect(const char *host, int port, const char *bind_ip, int *fd_out,
                struct mdc_mig_err *e)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct sockaddr_storage ss;
	socklen_t sl;
	char ps[16];
	int fd = -1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(ps, sizeof(ps), "%d", port);
	if ((rc = getaddrinfo(host, ps, &hints, &res)) != 0)
		return mdc_mig_seterr(e, MDC_ENOENT, "%s: %s", host,
		                      gai_strerror(rc));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		set_timeouts(fd);
		if (bind_ip && mdc_net_addr(bind_ip, 0, &ss, &sl) == 0 &&
		    ss.ss_family == ai->ai_family &&
		    bind(fd, (struct sockaddr *)&ss, sl) != 0) {
			close(fd);
			fd = -1;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	rc = errno;
	freeaddrinfo(res);
	if (fd < 0)
		return mdc_mig_seterr(e, mdc_err_from_errno(rc),
		                      "connecting to %s port %d: %s", host,
		                      port, strerror(rc));
	*fd_out = fd;
	return 0;
}

/* Find the keytab's migrate/<fqdn>@REALM principal (the first one). */
static int
keytab_principal(const char *kt, char *out, size_t outlen,
                 struct mdc_mig_err *e)
{
	krb5_context k = NULL;
	krb5_keytab id = NULL;
	krb5_kt_cursor cur;
	krb5_keytab_entry ent;
	char *name;
	int ret = mdc_mig_seterr(e, MDC_ENOENT,
	                         "%s: no migrate/<fqdn> key "
	                         "(join the host first)",
	                         kt);

	if (krb5_init_context(&k) != 0)
		return mdc_mig_seterr(e, MDC_EKRB5, "krb5_init_context failed");
	if (krb5_kt_resolve(k, kt, &id) != 0 ||
	    krb5_kt_start_seq_get(k, id, &cur) != 0) {
		ret = mdc_mig_seterr(e, MDC_EACCES,
		                     "%s: cannot read the "
		                     "keytab",
		                     kt);
		goto out;
	}
	while (ret != 0 && krb5_kt_next_entry(k, id, &ent, &cur) == 0) {
		if (krb5_unparse_name(k, ent.principal, &name) == 0) {
			if (strncmp(name, "migrate/", 8) == 0 &&
			    strchr(name, '.') != NULL &&
			    strchr(name, '.') < strchr(name, '@') &&
			    strlen(name) < outlen) {
				memcpy(out, name, strlen(name) + 1);
				ret = 0;
			}
			krb5_free_unparsed_name(k, name);
		}
		krb5_free_keytab_entry_contents(k, &ent);
	}
	(void)krb5_kt_end_seq_get(k, id, &cur);
out:
	if (id != NULL)
		krb5_kt_close(k, id);
	krb5_free_context(k);
	return ret;
}

/*
 * GSS_C_BOTH from the keytab (also as client_keytab) and a private MEMORY
 * ccache: what S4U2Proxy needs (doc/PROTOCOL.migrate.md).  princ is the
 * host's computer account (HOST1$@REALM): it accepts tickets to the
 * account's SPNs (migrate/<fqdn>) and, as the initiator, is the name the
 * KDC records as the transited service in the destination's PAC.
 */
static int
acquire_both(const struct mdc_mig_agent_opts *o, const char *princ,
             gss_cred_id_t *cred, struct mdc_mig_err *e)
{
	gss_key_value_element_desc el[3] = {
	        {"keytab", o->keytab},
	        {"client_keytab", o->keytab},
	        {"ccache", "MEMORY:minidc-migrate"}};
	gss_key_value_set_desc store = {3, el};
	gss_buffer_desc b = {strlen(princ), (void *)princ};
	gss_name_t name = GSS_C_NO_NAME;
	OM_uint32 major, minor;

	major = gss_import_name(&minor, &b, (gss_OID)GSS_KRB5_NT_PRINCIPAL_NAME,
	                        &name);
	if (GSS_ERROR(major))
		return mdc_mig_gsserr(e, princ, major, minor);
	major = gss_acquire_cred_from(&minor, name, GSS_C_INDEFINITE,
	                              GSS_C_NO_OID_SET, GSS_C_BOTH, &store,
	                              cred, NULL, NULL);
	(void)gss_release_name(&minor, &name);
	if (GSS_ERROR(major))
		return mdc_mig_gsserr(e, "acquiring the host's credentials",
		                      major, minor);
	return 0;
}

/* The user's ticket to us must be forwardable, or no S4U2Proxy. */
static int
evidence_forwardable(struct conn *c)
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
static int
source_precheck(struct conn *c, struct mdc_mig_msg *r)
{
	struct mdc_mig_state st;
	char err[256];

	if (!evidence_forwardable(c)) {
		mdc_mig_result(r, MDC_MIG_REFUSED,
		               "the ticket of %s to migrate/%s is "
		               "not forwardable (kinit -f): %s cannot act for "
		               "the user",
		               c->who, c->fqdn, c->fqdn);
		return -1;
	}
	if (mdc_mig_state_load(c->o->state, &st, err, sizeof(err)) != 0) {
		mdc_mig_result(r, MDC_MIG_FAILED, "%s: %s", c->fqdn, err);
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
source_path(struct conn *c, const char *path, int *fd, struct mdc_mig_msg *r)
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
source_open(struct conn *c, const struct mdc_mig_msg *m,
            struct mdc_mig_src *src, struct mdc_mig_msg *prep,
            struct mdc_mig_msg *r)
{
	struct mdc_mig_err e = {"", 0};
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
source_stream(struct conn *c, int fd, gss_ctx_id_t dctx,
              struct mdc_mig_src *src, const struct mdc_mig_msg *m,
              struct mdc_mig_msg *r)
{
	struct mdc_mig_err e = {"", 0};
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
	free(d);
}

/* Source: connect to the destination (ip, port: what the policy
 * checked) and authenticate as the user (raw krb5 with the delegated
 * cred: libgssapi does the S4U2Proxy). */
static int
source_reach(struct conn *c, const struct mdc_mig_msg *m, const char *ip,
             int port, int *fd, gss_ctx_id_t *dctx, struct mdc_mig_msg *r)
{
	struct mdc_mig_err e = {"", 0};
	char hello[MDC_MIG_MAX_HOST + 1];

	if (mdc_mig_connect(ip, port, c->ip, fd, &e) != 0 ||
	    mdc_mig_recv_hello(*fd, hello, sizeof(hello), &e) != 0) {
		mdc_mig_result(r, MDC_MIG_FAILED, "%s: %s", m->host, e.text);
		return -1;
	}
	if (mdc_mig_initiate(*fd, c->deleg, m->host, dctx, &e) != 0) {
		mdc_mig_result(
		        r, MDC_MIG_REFUSED,
		        "%s could not obtain a ticket to "
		        "migrate/%s for %s (constrained delegation): %s%s",
		        c->fqdn, m->host, c->who, e.text,
		        e.minor == (OM_uint32)KRB5KDC_ERR_BADOPTION
		                ? " (is the target in the host account's "
		                  "msDS-AllowedToDelegateTo?)"
		                : "");
		return -1;
	}
	return 0;
}

static uint8_t *pac_attr(gss_name_t name, const char *attr, size_t *len);

/* Source: the user and the destination's address, before anything is
 * opened or connected (srcaddr.h); ip and port are what to connect to. */
static int
source_policy(struct conn *c, const struct mdc_mig_msg *m, char *ip,
              size_t iplen, int *port, struct mdc_mig_msg *r)
{
	struct mdc_mig_src_req q;
	size_t len = 0;
	uint8_t *logon = pac_attr(c->client, "urn:mspac:logon-info", &len);
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
static void
source_role(struct conn *c, const struct mdc_mig_msg *m, struct mdc_mig_msg *r)
{
	struct mdc_mig_msg prep;
	struct mdc_mig_src src = {.fd = -1};
	struct mdc_mig_err e = {"", 0};
	gss_ctx_id_t dctx = GSS_C_NO_CONTEXT;
	char ip[MDC_MIG_MAX_ADDR + 1];
	OM_uint32 minor;
	int fd = -1, port, ret;

	/* no file opened, no connection, before the user and the address */
	if (source_precheck(c, r) != 0 ||
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

/* One authenticated PAC buffer of the client's name, or NULL. */
static uint8_t *
pac_attr(gss_name_t name, const char *attr, size_t *len)
{
	gss_buffer_desc a = {strlen(attr), (void *)attr};
	gss_buffer_desc val = GSS_C_EMPTY_BUFFER, disp = GSS_C_EMPTY_BUFFER;
	OM_uint32 major, minor;
	int authn = 0, complete = 0, more = -1;
	uint8_t *copy = NULL;

	major = gss_get_name_attribute(&minor, name, &a, &authn, &complete,
	                               &val, &disp, &more);
	if (!GSS_ERROR(major) && authn && val.length > 0 &&
	    (copy = malloc(val.length)) != NULL) {
		memcpy(copy, val.value, val.length);
		*len = val.length;
	}
	(void)gss_release_buffer(&minor, &val);
	(void)gss_release_buffer(&minor, &disp);
	return copy;
}

/* Destination, after the policy said yes: the temp file for the disk. */
static void
dest_open(struct conn *c, const struct mdc_mig_msg *m, struct mdc_mig_msg *r)
{
	struct mdc_mig_err e = {"", 0};
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
dest_receive(struct conn *c, int plain_ok, struct mdc_mig_msg *r)
{
	struct mdc_mig_err e = {"", 0};
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
		if (d->type == MDC_MIG_DATA)
			continue;
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
	free(d);
	mdc_mig_sink_close(k); /* removes the temp file unless renamed */
	free(k);
	c->sink = NULL;
}

/* After a failure, let the source read our RESULT instead of a reset:
 * stop writing, swallow what is in flight until it closes. */
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

/* Destination: the policy (policy.h) on the PAC and state. */
static void
dest_role(struct conn *c, const struct mdc_mig_msg *m, struct mdc_mig_msg *r)
{
	struct mdc_mig_dest_in in;
	struct mdc_mig_state st;
	char text[MDC_MIG_MAX_TEXT + 1], err[256];

	memset(&in, 0, sizeof(in));
	if (mdc_mig_state_load(c->o->state, &st, err, sizeof(err)) != 0) {
		mdc_mig_result(r, MDC_MIG_FAILED, "%s: %s", c->fqdn, err);
		return;
	}
	in.client = c->who;
	in.deleg =
	        pac_attr(c->client, "urn:mspac:delegation-info", &in.deleg_len);
	in.logon = pac_attr(c->client, "urn:mspac:logon-info", &in.logon_len);
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

static void say_line(mdc_mig_say_fn say, void *arg, enum mdc_mig_say lvl,
                     const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static void
say_line(mdc_mig_say_fn say, void *arg, enum mdc_mig_say lvl, const char *fmt,
         ...)
{
	char line[MDC_MIG_MAX_TEXT + 256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	say(arg, lvl, line);
}

static void
client_name(struct conn *c)
{
	gss_buffer_desc b = GSS_C_EMPTY_BUFFER;
	OM_uint32 minor;
	char raw[sizeof(c->who)];

	snprintf(c->who, sizeof(c->who), "(unknown)");
	if (GSS_ERROR(gss_display_name(&minor, c->client, &b, NULL)))
		return;
	snprintf(raw, sizeof(raw), "%.*s", (int)b.length,
	         (const char *)b.value);
	mdc_mig_sanitize(raw, c->who, sizeof(c->who));
	(void)gss_release_buffer(&minor, &b);
}

/* Destination, accepted disk: receive it, log and send the verdict. */
static int
serve_disk(struct conn *c, const struct mdc_mig_msg *m, struct mdc_mig_msg *r,
           mdc_mig_say_fn say, void *arg, struct mdc_mig_err *e)
{
	int ret;

	dest_receive(c, m->flags & MDC_MIG_FL_PLAIN, r);
	say_line(say, arg, r->status ? MDC_MIG_ERR : MDC_MIG_INFO,
	         "%s disk of VM %s from %s: %s", c->who, m->vm, m->host,
	         r->text);
	ret = mdc_mig_send_msg(c->fd, c->ctx, r, e);
	if (r->status != MDC_MIG_ACCEPTED)
		drain(c->fd);
	return ret;
}

static void
live_conn(struct conn *c, struct mdc_live_conn *lc, mdc_mig_say_fn say,
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
legacy_of(struct conn *c, const struct mdc_mig_msg *m, struct mdc_mig_msg *lm)
{
	static struct mdc_live_req q;
	static struct mdc_vm_def d;
	struct mdc_mig_err e = {"", 0};

	if (mdc_live_req_decode(m->data, m->datalen, &q) != 0 ||
	    (q.flags & MDC_LIVE_FL_CANCEL) ||
	    mdc_vm_def_load(c->o->state, m->vm, &d, &e) != MDC_ENOENT)
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
serve_live(struct conn *c, const struct mdc_mig_msg *m, struct mdc_mig_msg *r,
           mdc_mig_say_fn say, void *arg, struct mdc_mig_err *e)
{
	struct mdc_live_conn lc;
	size_t len = 0;
	int src = m->type == MDC_MIG_LIVE_MOVE, ret = 0;

	static struct mdc_mig_msg lm;

	live_conn(c, &lc, say, arg);
	if (src && legacy_of(c, m, &lm)) {
		source_role(c, &lm, r);
		ret = mdc_mig_send_msg(c->fd, c->ctx, r, e);
	} else if (src) {
		if (source_precheck(c, r) == 0) {
			lc.logon = pac_attr(c->client, "urn:mspac:logon-info",
			                    &len);
			lc.logon_len = len;
			mdc_live_source(&lc, m, r);
			free((void *)lc.logon);
		}
		ret = mdc_mig_send_msg(c->fd, c->ctx, r, e);
	} else {
		dest_role(c, m, r);
		if (r->status == MDC_MIG_ACCEPTED)
			mdc_live_dest(&lc, m, r); /* it answers itself */
		else
			ret = mdc_mig_send_msg(c->fd, c->ctx, r, e);
	}
	say_line(say, arg, r->status ? MDC_MIG_ERR : MDC_MIG_INFO,
	         "%s %s VM %s (%s): %s", c->who, src ? "moves" : "offers",
	         m->vm, m->host, r->text);
	return ret;
}

static const char *const vm_ops[] = {"?",    "create", "start", "stop",
                                     "show", "rm",     "list"};

/* The VM environment of this agent (accel from migrate.conf). */
static int
vm_env(const struct conn *c, struct mdc_vm_env *env, char *err, size_t len)
{
	struct mdc_mig_state st;

	memset(env, 0, sizeof(*env));
	env->state = c->o->state;
	env->storage = c->o->storage;
	if (mdc_mig_state_load(c->o->state, &st, err, len) != 0)
		return MDC_ECONF;
	return mdc_vm_accel_parse(st.accel, &env->accel);
}

/* VM management: Migration Operators or Domain Admins, from the PAC. */
static void
vm_role(struct conn *c, const struct mdc_mig_msg *m, struct mdc_mig_msg *r)
{
	struct mdc_vm_env env;
	char text[MDC_MIG_MAX_TEXT + 1], err[256] = "";
	size_t len = 0;
	uint8_t *logon = pac_attr(c->client, "urn:mspac:logon-info", &len);
	int ret;

	ret = mdc_mig_vm_admin_decide(c->who, logon, len, text, sizeof(text));
	free(logon);
	if (ret != 0) {
		mdc_mig_result(r, MDC_MIG_REFUSED, "refused by %s: %s", c->fqdn,
		               text);
		return;
	}
	if (vm_env(c, &env, err, sizeof(err)) != 0) {
		mdc_mig_result(r, MDC_MIG_FAILED, "%s: %s", c->fqdn, err);
		return;
	}
	mdc_vm_serve(c->fd, c->ctx, &env, c->fqdn, m, r);
}

/* The agent's log line for one request. */
static void
log_request(struct conn *c, const struct mdc_mig_msg *m,
            const struct mdc_mig_msg *r, mdc_mig_say_fn say, void *arg)
{
	if (m->type == MDC_MIG_VM)
		say_line(say, arg, r->status ? MDC_MIG_ERR : MDC_MIG_INFO,
		         "%s vm %s %s: %s", c->who, vm_ops[m->op], m->vm,
		         r->text);
	else
		say_line(say, arg, r->status ? MDC_MIG_ERR : MDC_MIG_INFO,
		         "%s %s VM %s (%s): %s", c->who,
		         m->type == MDC_MIG_MOVE ||
		                         m->type == MDC_MIG_MOVE_STORAGE
		                 ? "moves"
		                 : "offers",
		         m->vm, m->host, r->text);
}

/* Before any GSS work: is the peer's address one the agent talks to? */
static int
admit_peer(struct conn *c, mdc_mig_say_fn say, void *arg)
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
	say_line(say, arg, MDC_MIG_ERR, "connection %s", text);
	return -1;
}

/* One connection, in a child: hello, accept, one request, one answer.
 */
static int
serve(struct conn *c, const char *princ, mdc_mig_say_fn say, void *arg)
{
	struct mdc_mig_msg m, r;
	struct mdc_mig_err e = {"", 0};
	gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
	OM_uint32 minor;
	int ret;

	if (admit_peer(c, say, arg) != 0)
		return MDC_EDENIED;
	if ((ret = acquire_both(c->o, princ, &cred, &e)) != 0) {
		mdc_mig_send_error(c->fd, "the agent cannot use its keytab");
		goto out;
	}
	if ((ret = mdc_mig_send_hello(c->fd, c->fqdn)) ||
	    (ret = mdc_mig_accept(c->fd, cred, &c->ctx, &c->client, &c->deleg,
	                          &e)))
		goto out;
	client_name(c);
	if ((ret = mdc_mig_recv_msg(c->fd, c->ctx, &m, &e)) != 0)
		goto out;
	mdc_admit_passed(c->admit);
	if (m.type == MDC_MIG_LIVE_MOVE || m.type == MDC_MIG_LIVE_PREPARE) {
		ret = serve_live(c, &m, &r, say, arg, &e);
		goto out;
	}
	if (m.type == MDC_MIG_MOVE || m.type == MDC_MIG_MOVE_STORAGE)
		source_role(c, &m, &r);
	else if (m.type == MDC_MIG_PREPARE || m.type == MDC_MIG_PREPARE_STORAGE)
		dest_role(c, &m, &r);
	else if (m.type == MDC_MIG_VM)
		vm_role(c, &m, &r);
	else
		mdc_mig_result(&r, MDC_MIG_FAILED, "unexpected request");
	log_request(c, &m, &r, say, arg);
	ret = mdc_mig_send_msg(c->fd, c->ctx, &r, &e);
	if (ret == 0 && c->sink != NULL)
		ret = serve_disk(c, &m, &r, say, arg, &e);
out:
	if (c->sink != NULL) { /* the RESULT could not be sent */
		mdc_mig_sink_close(c->sink);
		free(c->sink);
		c->sink = NULL;
	}
	if (ret != 0)
		say_line(say, arg, MDC_MIG_ERR, "connection: %s", e.text);
	(void)gss_release_cred(&minor, &cred);
	return ret;
}

/* The realm of princ, or the default realm if it names none. */
static int
realm_of(const char *princ, char *out, size_t outlen, struct mdc_mig_err *e)
{
	const char *at = strchr(princ, '@');
	krb5_context k = NULL;
	char *def = NULL;
	int ret = 0;

	if (at != NULL) {
		snprintf(out, outlen, "%s", at + 1);
		return 0;
	}
	if (krb5_init_context(&k) != 0 || krb5_get_default_realm(k, &def))
		ret = mdc_mig_seterr(e, MDC_EKRB5, "no default realm for %s",
		                     princ);
	else
		snprintf(out, outlen, "%s", def);
	if (def != NULL)
		krb5_free_default_realm(k, def);
	if (k != NULL)
		krb5_free_context(k);
	return ret;
}

/* From --principal or the keytab: the migrate/<fqdn> name, the fqdn and
 * the host's account HOST$@REALM. */
static int
agent_identity(const struct mdc_mig_agent_opts *o, char *princ, size_t plen,
               char *fqdn, size_t flen, char *account, size_t alen,
               struct mdc_mig_err *e)
{
	char realm[256];
	const char *s, *at;
	int ret;

	if (o->principal != NULL) {
		if (strlen(o->principal) >= plen)
			return mdc_mig_seterr(e, MDC_EINVAL,
			                      "principal too long");
		memcpy(princ, o->principal, strlen(o->principal) + 1);
	} else if ((ret = keytab_principal(o->keytab, princ, plen, e)) != 0) {
		return ret;
	}
	if (strncmp(princ, "migrate/", 8) != 0)
		return mdc_mig_seterr(e, MDC_EINVAL,
		                      "%s: not a migrate/<fqdn> "
		                      "principal",
		                      princ);
	s = princ + 8;
	at = strchr(s, '@');
	if (!at)
		at = s + strlen(s);
	if ((size_t)(at - s) >= flen)
		return mdc_mig_seterr(e, MDC_EINVAL, "%s: name too long",
		                      princ);
	memcpy(fqdn, s, (size_t)(at - s));
	fqdn[at - s] = '\0';
	if (!mdc_mig_host_ok(fqdn) || strchr(fqdn, '.') == NULL)
		return mdc_mig_seterr(e, MDC_EINVAL,
		                      "%s: not a migrate/<fqdn> "
		                      "principal",
		                      princ);
	if ((ret = realm_of(princ, realm, sizeof(realm), e)) != 0)
		return ret;
	if (mdc_mig_host_account(fqdn, realm, account, alen) != 0)
		return mdc_mig_seterr(e, MDC_EINVAL, "%s: name too long",
		                      princ);
	return 0;
}

static void
handle_child(struct conn *c, int lfd, const char *princ, mdc_mig_say_fn say,
             void *arg, pid_t parent)
{
	int fl;

	close(lfd);
	mdc_admit_child_start(c->admit, c->o->auth_timeout);
	(void)signal(SIGTERM, SIG_DFL);
	(void)signal(SIGINT, SIG_DFL);
	/* a connection (a move's controller) does not outlive the agent */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(1);
	fl = fcntl(c->fd, F_GETFL);
	if (fl >= 0)
		(void)fcntl(c->fd, F_SETFL, fl & ~O_NONBLOCK);
	set_timeouts(c->fd);
	(void)serve(c, princ, say, arg);
	close(c->fd);
	_exit(0);
}

static void
on_stop(int sig)
{
	int saved = errno;

	stop_requested = sig;
	if (stop_pipe[1] >= 0)
		(void)!write(stop_pipe[1], "", 1);
	errno = saved;
}

/* Reap every child: connections, and QEMUs reparented to us (reported,
 * never restarted). */
static void
reap(struct mdc_admit *k, const struct mdc_vm_env *env, mdc_mig_say_fn say,
     void *arg, int timeout)
{
	char name[MDC_MIG_MAX_VM + 1], text[512];
	struct mdc_admit_slot slot;
	pid_t pid;
	int st;

	mdc_admit_drain(k);
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (mdc_admit_remove(k, pid, &slot)) {
			if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM) {
				mdc_admit_addr_text(&slot.addr, name,
				                    sizeof(name));
				say_line(say, arg, MDC_MIG_ERR,
				         "closed the connection from %s: not "
				         "authenticated within %d s",
				         name, timeout);
			}
			continue;
		}
		if (mdc_vm_reaped(env, pid, st, name, sizeof(name), text,
		                  sizeof(text)))
			say_line(say, arg, MDC_MIG_ERR, "%s", text);
	}
}

/* Accept connections until poll fails or a stop signal; one child per
 * connection. */
static void
serve_loop(int lfd, const struct conn *tmpl, const char *account,
           mdc_mig_say_fn say, void *arg)
{
	struct mdc_vm_env env;
	static struct mdc_admit k;
	struct conn c;
	socklen_t sl;
	pid_t pid, self = getpid();
	int timeout = tmpl->o->auth_timeout > 0 ? tmpl->o->auth_timeout
	                                        : MDC_ADMIT_TIMEOUT_S;
	char text[MDC_MIG_MAX_TEXT + 1], line[512];

	if (mdc_admit_init(&k, tmpl->o->auth_per_address) != 0)
		return;
	memset(&env, 0, sizeof(env));
	env.state = tmpl->o->state;
	env.storage = tmpl->o->storage;
	while (!stop_requested) {
		struct pollfd p[3] = {{lfd, POLLIN, 0},
		                      {stop_pipe[0], POLLIN, 0},
		                      {mdc_admit_fd(&k), POLLIN, 0}};
		/* wake up now and then to reap the children */
		if (poll(p, 3, 1000) < 0 && errno != EINTR)
			return;
		reap(&k, &env, say, arg, timeout);
		if (stop_requested || !(p[0].revents & POLLIN))
			continue;
		c = *tmpl;
		sl = sizeof(c.peer);
		c.fd = accept4(lfd, (struct sockaddr *)&c.peer, &sl,
		               SOCK_CLOEXEC);
		if (c.fd < 0)
			continue;
		c.admit = &k;
		if (mdc_admit_check(&k, (struct sockaddr *)&c.peer, text,
		                    sizeof(text), line, sizeof(line)) != 0) {
			mdc_mig_send_error(c.fd, text);
			if (line[0])
				say_line(say, arg, MDC_MIG_ERR, "%s", line);
		} else if ((pid = fork()) == 0)
			handle_child(&c, lfd, account, say, arg, self);
		else if (pid > 0)
			mdc_admit_add(&k, pid, (struct sockaddr *)&c.peer);
		close(c.fd);
	}
}

/* Signals, and the subreaper role that makes every QEMU our child. */
static int
agent_setup(struct mdc_mig_err *e)
{
	struct sigaction sa;
	int ret;

	if (stop_pipe[0] < 0 && pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		return mdc_mig_seterr(e, mdc_err_from_errno(errno), "pipe: %s",
		                      strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) != 0 ||
	    sigaction(SIGINT, &sa, NULL) != 0)
		return mdc_mig_seterr(e, mdc_err_from_errno(errno),
		                      "sigaction: %s", strerror(errno));
	if ((ret = mdc_vm_become_reaper()) != 0)
		return mdc_mig_seterr(e, ret, "PR_SET_CHILD_SUBREAPER: %s",
		                      mdc_strerror(ret));
	return 0;
}

/* After a stop signal: stop the VMs, wait for the connections. */
static void
agent_shutdown(const struct mdc_mig_agent_opts *o, mdc_mig_say_fn say,
               void *arg)
{
	struct mdc_vm_env env;
	int n;

	memset(&env, 0, sizeof(env));
	env.state = o->state;
	env.storage = o->storage;
	n = mdc_vm_stop_all(&env, VM_STOP_MS);
	say_line(say, arg, MDC_MIG_INFO, "stopping: %d VM(s) stopped", n);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

int
mdc_mig_agent_run(const struct mdc_mig_agent_opts *o, mdc_mig_say_fn say,
                  void *arg, struct mdc_mig_err *e)
{
	char princ[512], fqdn[MDC_MIG_MAX_HOST + 1], ip[MDC_MIG_MAX_ADDR + 1];
	char account[512];
	struct conn tmpl;
	gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
	OM_uint32 minor;
	int lfd, port, ret;

	if (mdc_mig_hostport(o->listen, MDC_MIG_DEFAULT_PORT, ip, sizeof(ip),
	                     &port) != 0)
		return mdc_mig_seterr(e, MDC_EINVAL, "bad --listen %s",
		                      o->listen);
	/* never the user's or root's default ccache (research B) */
	if (setenv("KRB5CCNAME", "MEMORY:minidc-migrate-empty", 1) != 0)
		return mdc_mig_seterr(e, MDC_ENOMEM, "setenv failed");
	if ((ret = agent_identity(o, princ, sizeof(princ), fqdn, sizeof(fqdn),
	                          account, sizeof(account), e)) != 0)
		return ret;
	if ((ret = acquire_both(o, account, &cred, e)) != 0)
		return ret;
	(void)gss_release_cred(&minor, &cred);
	if ((ret = agent_setup(e)) != 0)
		return ret;
	if ((ret = mdc_net_listen(ip, port, SOCK_STREAM, 0, &lfd)) != 0)
		return mdc_mig_seterr(e, ret, "listening on %s: %s", o->listen,
		                      mdc_strerror(ret));
	say_line(say, arg, MDC_MIG_INFO, "%s listening on %s as %s (%s)", fqdn,
	         o->listen, account, princ);
	memset(&tmpl, 0, sizeof(tmpl));
	tmpl.o = o;
	tmpl.fqdn = fqdn;
	tmpl.ip = ip;
	mdc_live_recover(o, say, arg);
	mdc_mig_agent_notify(o, "READY=1\nSTATUS=listening", say, arg);
	serve_loop(lfd, &tmpl, account, say, arg);
	if (stop_requested) {
		say_line(say, arg, MDC_MIG_INFO, "%s received: stopping",
		         stop_requested == SIGTERM ? "SIGTERM" : "SIGINT");
		mdc_mig_agent_notify(o, "STOPPING=1", say, arg);
		close(lfd);
		agent_shutdown(o, say, arg);
		return 0;
	}
	ret = mdc_mig_seterr(e, mdc_err_from_errno(errno), "poll: %s",
	                     strerror(errno));
	close(lfd);
	return ret;
}
