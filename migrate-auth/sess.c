/* migrate-auth/sess.c - framed, GSS-protected conversations over a socket */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gssapi/gssapi_krb5.h>

#include "lib/buf.h"
#include "lib/gss.h"
#include "migrate-auth/sess.h"

int
mdc_mig_gsserr(struct mdc_err *e, const char *what, OM_uint32 major,
               OM_uint32 minor)
{
	char text[512];

	mdc_gss_status(major, minor, text, sizeof(text));
	return mdc_err_set(e, MDC_EKRB5, "%s: %s", what, text);
}

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? mdc_err_from_errno(errno) : MDC_ETRUNC;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
read_all(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno == EWOULDBLOCK ? MDC_EAGAIN
			                            : mdc_err_from_errno(errno);
		if (r == 0)
			return MDC_ETRUNC;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int
mdc_mig_send_frame(int fd, uint8_t type, const void *data, size_t len)
{
	uint8_t hdr[5];
	struct mdc_wbuf w;
	int ret;

	if (len + 1 > MDC_MIG_MAX_FRAME)
		return MDC_ERANGE;
	mdc_wbuf_init(&w, hdr, sizeof(hdr));
	if ((ret = mdc_wbuf_put_u32be(&w, (uint32_t)(len + 1))) ||
	    (ret = mdc_wbuf_put_u8(&w, type)))
		return ret;
	if ((ret = write_all(fd, hdr, sizeof(hdr))) != 0)
		return ret;
	return write_all(fd, data, len);
}

int
mdc_mig_recv_frame(int fd, uint8_t *type_out, uint8_t **data_out,
                   size_t *len_out)
{
	uint8_t hdr[4], *body;
	size_t n;
	int ret;

	if ((ret = read_all(fd, hdr, 4)) != 0)
		return ret;
	if ((ret = mdc_mig_frame_len(hdr, &n)) != 0)
		return ret;
	if ((body = malloc(n)) == NULL)
		return MDC_ENOMEM;
	if ((ret = read_all(fd, body, n)) != 0) {
		free(body);
		return ret;
	}
	*type_out = body[0];
	memmove(body, body + 1, n - 1);
	*data_out = body;
	*len_out = n - 1;
	return 0;
}

void
mdc_mig_send_error(int fd, const char *text)
{
	uint8_t buf[MDC_MIG_MAX_TEXT + 2];
	char clean[MDC_MIG_MAX_TEXT + 1];
	size_t n;

	mdc_mig_sanitize(text, clean, sizeof(clean));
	/* best effort: the connection is about to be closed anyway */
	if (mdc_mig_str_encode(clean, buf, sizeof(buf), &n) == 0 &&
	    mdc_mig_send_frame(fd, MDC_MIG_F_ERROR, buf, n) != 0)
		return;
}

int
mdc_mig_send_hello(int fd, const char *host)
{
	uint8_t buf[MDC_MIG_MAX_HOST + 2];
	size_t n;
	int ret;

	if ((ret = mdc_mig_str_encode(host, buf, sizeof(buf), &n)) != 0)
		return ret;
	return mdc_mig_send_frame(fd, MDC_MIG_F_HELLO, buf, n);
}

/* Receive a frame of type want; an ERROR frame is MDC_EDENIED + text. */
static int
recv_expect(int fd, uint8_t want, uint8_t **data, size_t *len,
            struct mdc_err *e)
{
	char why[MDC_MIG_MAX_TEXT + 1];
	uint8_t type;
	int ret;

	if ((ret = mdc_mig_recv_frame(fd, &type, data, len)) != 0)
		return mdc_err_set(e, ret, "reading from the peer: %s",
		                   ret == MDC_ETRUNC ? "connection closed"
		                                     : mdc_strerror(ret));
	if (type == want)
		return 0;
	if (type == MDC_MIG_F_ERROR &&
	    mdc_mig_str_decode(*data, *len, 0, why, sizeof(why)) == 0)
		ret = mdc_err_set(e, MDC_EDENIED, "%s", why);
	else
		ret = mdc_err_set(e, MDC_EMALF,
		                  "unexpected frame %u from "
		                  "the peer",
		                  type);
	free(*data);
	*data = NULL;
	return ret;
}

int
mdc_mig_recv_hello(int fd, char *host, size_t hostlen, struct mdc_err *e)
{
	uint8_t *data = NULL;
	size_t len;
	int ret;

	if ((ret = recv_expect(fd, MDC_MIG_F_HELLO, &data, &len, e)) != 0)
		return ret;
	ret = mdc_mig_str_decode(data, len, 1, host, hostlen);
	free(data);
	if (ret != 0)
		return mdc_err_set(e, MDC_EMALF,
		                   "malformed hello from the "
		                   "peer");
	return 0;
}

/* Send a context token if there is one, and release it. */
static int
send_token(int fd, gss_buffer_t out)
{
	OM_uint32 minor;
	int ret = 0;

	if (out->length > 0)
		ret = mdc_mig_send_frame(fd, MDC_MIG_F_TOKEN, out->value,
		                         out->length);
	(void)gss_release_buffer(&minor, out);
	return ret;
}

static int
import_service(const char *host, gss_name_t *name, struct mdc_err *e)
{
	char svc[MDC_MIG_MAX_HOST + 16];
	gss_buffer_desc b;
	OM_uint32 major, minor;

	snprintf(svc, sizeof(svc), "migrate@%s", host);
	b.value = svc;
	b.length = strlen(svc);
	major = gss_import_name(&minor, &b, GSS_C_NT_HOSTBASED_SERVICE, name);
	if (GSS_ERROR(major))
		return mdc_mig_gsserr(e, "gss_import_name", major, minor);
	return 0;
}

/* Without replay and sequence detection a recorded message could be
 * played again in the same session: refuse such a context. */
static int
seq_granted(OM_uint32 granted, const char *peer, struct mdc_err *e)
{
	if ((granted & MDC_GSS_SEQ_FLAGS) == MDC_GSS_SEQ_FLAGS)
		return 0;
	return mdc_err_set(e, MDC_EKRB5,
	                   "%s did not set up replay and sequence "
	                   "detection for the session",
	                   peer);
}

int
mdc_mig_initiate(int fd, gss_cred_id_t cred, const char *host,
                 gss_ctx_id_t *ctx_out, struct mdc_err *e)
{
	OM_uint32 minor;

	return mdc_mig_initiate_minor(fd, cred, host, ctx_out, &minor, e);
}

int
mdc_mig_initiate_minor(int fd, gss_cred_id_t cred, const char *host,
                       gss_ctx_id_t *ctx_out, OM_uint32 *minor_out,
                       struct mdc_err *e)
{
	gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
	gss_name_t target = GSS_C_NO_NAME;
	gss_buffer_desc in = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
	OM_uint32 major, minor, granted = 0,
	                        flags = GSS_C_MUTUAL_FLAG | GSS_C_INTEG_FLAG |
	                                GSS_C_CONF_FLAG | MDC_GSS_SEQ_FLAGS;
	uint8_t *data = NULL;
	size_t len;
	int ret;

	*minor_out = 0;
	if ((ret = import_service(host, &target, e)) != 0)
		return ret;
	for (;;) {
		major = gss_init_sec_context(&minor, cred, &ctx, target,
		                             (gss_OID)gss_mech_krb5, flags, 0,
		                             GSS_C_NO_CHANNEL_BINDINGS, &in,
		                             NULL, &out, &granted, NULL);
		free(data);
		data = NULL;
		if (GSS_ERROR(major)) {
			*minor_out = minor;
			ret = mdc_mig_gsserr(e, "authenticating", major, minor);
			goto out;
		}
		if ((ret = send_token(fd, &out)) != 0) {
			ret = mdc_err_set(e, ret, "sending a token: %s",
			                  mdc_strerror(ret));
			goto out;
		}
		if (!(major & GSS_S_CONTINUE_NEEDED))
			break;
		if ((ret = recv_expect(fd, MDC_MIG_F_TOKEN, &data, &len, e)))
			goto out;
		in.value = data;
		in.length = len;
	}
	if ((ret = seq_granted(granted, "the agent", e)) != 0)
		goto out;
	*ctx_out = ctx;
	ctx = GSS_C_NO_CONTEXT;
out:
	if (ctx != GSS_C_NO_CONTEXT)
		(void)gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
	(void)gss_release_name(&minor, &target);
	return ret;
}

int
mdc_mig_accept(int fd, gss_cred_id_t cred, gss_ctx_id_t *ctx_out,
               gss_name_t *client_out, gss_cred_id_t *deleg_out,
               struct mdc_err *e)
{
	gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
	gss_name_t client = GSS_C_NO_NAME;
	gss_cred_id_t deleg = GSS_C_NO_CREDENTIAL;
	gss_buffer_desc in, out = GSS_C_EMPTY_BUFFER;
	OM_uint32 major, minor, granted = 0;
	uint8_t *data = NULL;
	size_t len;
	int ret;

	do {
		if ((ret = recv_expect(fd, MDC_MIG_F_TOKEN, &data, &len, e)))
			goto out;
		in.value = data;
		in.length = len;
		/* a retry round would leak the previous ones: release */
		(void)gss_release_name(&minor, &client);
		(void)gss_release_cred(&minor, &deleg);
		major = gss_accept_sec_context(
		        &minor, &ctx, cred, &in, GSS_C_NO_CHANNEL_BINDINGS,
		        &client, NULL, &out, &granted, NULL, &deleg);
		free(data);
		data = NULL;
		if (GSS_ERROR(major)) {
			ret = mdc_mig_gsserr(e, "accepting", major, minor);
			(void)gss_release_buffer(&minor, &out);
			mdc_mig_send_error(fd, e->text);
			goto out;
		}
		if ((ret = send_token(fd, &out)) != 0) {
			ret = mdc_err_set(e, ret, "sending a token: %s",
			                  mdc_strerror(ret));
			goto out;
		}
	} while (major & GSS_S_CONTINUE_NEEDED);
	if ((ret = seq_granted(granted, "the client", e)) != 0) {
		mdc_mig_send_error(fd, e->text);
		goto out;
	}
	*ctx_out = ctx;
	*client_out = client;
	*deleg_out = deleg;
	ctx = GSS_C_NO_CONTEXT;
	client = GSS_C_NO_NAME;
	deleg = GSS_C_NO_CREDENTIAL;
out:
	if (ctx != GSS_C_NO_CONTEXT)
		(void)gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
	(void)gss_release_name(&minor, &client);
	(void)gss_release_cred(&minor, &deleg);
	return ret;
}

int
mdc_mig_send_msg(int fd, gss_ctx_id_t ctx, const struct mdc_mig_msg *m,
                 struct mdc_err *e)
{
	return mdc_mig_send_msg_conf(fd, ctx, m, 1, e);
}

int
mdc_mig_send_msg_conf(int fd, gss_ctx_id_t ctx, const struct mdc_mig_msg *m,
                      int want_conf, struct mdc_err *e)
{
	uint8_t *buf = malloc(MDC_MIG_MAX_MSG); /* a DATA: 32 KiB */
	gss_buffer_desc in, out = GSS_C_EMPTY_BUFFER;
	OM_uint32 major, minor;
	int ret, conf = 0;
	size_t n;

	if (buf == NULL)
		return mdc_err_set(e, MDC_ENOMEM, "encoding a message: %s",
		                   mdc_strerror(MDC_ENOMEM));
	if ((ret = mdc_mig_msg_encode(m, buf, MDC_MIG_MAX_MSG, &n)) != 0) {
		free(buf);
		return mdc_err_set(e, ret, "encoding a message: %s",
		                   mdc_strerror(ret));
	}
	in.value = buf;
	in.length = n;
	major = gss_wrap(&minor, ctx, want_conf, GSS_C_QOP_DEFAULT, &in, &conf,
	                 &out);
	free(buf);
	if (GSS_ERROR(major))
		return mdc_mig_gsserr(e, "gss_wrap", major, minor);
	if (want_conf && !conf)
		ret = mdc_err_set(e, MDC_EDENIED, "no confidentiality");
	else
		ret = mdc_mig_send_frame(fd, MDC_MIG_F_WRAPPED, out.value,
		                         out.length);
	(void)gss_release_buffer(&minor, &out);
	if (ret != 0 && ret != MDC_EDENIED)
		mdc_err_set(e, ret, "sending: %s", mdc_strerror(ret));
	return ret;
}

int
mdc_mig_recv_msg(int fd, gss_ctx_id_t ctx, struct mdc_mig_msg *m,
                 struct mdc_err *e)
{
	return mdc_mig_recv_msg_conf(fd, ctx, m, 0, e);
}

/* Decode the unwrapped bytes into m, which keeps a copy of them only if
 * one of its fields points into them (a payload, a blob, a definition). */
static int
decode_own(const gss_buffer_desc *in, struct mdc_mig_msg *m)
{
	uint8_t *copy = malloc(in->length ? in->length : 1);
	int ret;

	m->frame = NULL;
	if (copy == NULL)
		return MDC_ENOMEM;
	if (in->length > 0)
		memcpy(copy, in->value, in->length);
	if ((ret = mdc_mig_msg_decode(copy, in->length, m)) != 0 ||
	    (m->data == NULL && m->def == NULL)) {
		free(copy);
		return ret;
	}
	m->frame = copy;
	return 0;
}

int
mdc_mig_recv_msg_conf(int fd, gss_ctx_id_t ctx, struct mdc_mig_msg *m,
                      int allow_plain, struct mdc_err *e)
{
	gss_buffer_desc in, out = GSS_C_EMPTY_BUFFER;
	OM_uint32 major, minor;
	uint8_t *data = NULL;
	const char *why;
	size_t len;
	int ret, conf = 0;

	m->frame = NULL; /* m may be uninitialized: nothing to free */
	if ((ret = recv_expect(fd, MDC_MIG_F_WRAPPED, &data, &len, e)) != 0)
		return ret;
	in.value = data;
	in.length = len;
	major = gss_unwrap(&minor, ctx, &in, &out, &conf, NULL);
	free(data);
	if (GSS_ERROR(major))
		return mdc_mig_gsserr(e, "gss_unwrap", major, minor);
	/* replayed or reordered: authentic, but not the peer's next word */
	if ((why = mdc_gss_seq_refusal(major, 0)) != NULL) {
		(void)gss_release_buffer(&minor, &out);
		return mdc_err_set(e, MDC_EKRB5, "gss_unwrap: %s", why);
	}
	ret = decode_own(&out, m);
	(void)gss_release_buffer(&minor, &out);
	if (ret == MDC_ENOMEM)
		return mdc_err_set(e, ret, "reading a message: %s",
		                   mdc_strerror(ret));
	if (ret != 0)
		return mdc_err_set(e, ret, "malformed message from the peer");
	if (!conf && !(allow_plain && m->type == MDC_MIG_DATA)) {
		mdc_mig_msg_clear(m);
		return mdc_err_set(e, MDC_EDENIED,
		                   "a message without "
		                   "confidentiality");
	}
	return 0;
}
