/* migrate-auth/chan.c - the data channel of a live move: byte streams
 * relayed over the agents' GSS session, one poll loop */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"
#include "migrate-auth/chan.h"

#define SOUT_SOFT (256u * 1024u) /* read locals only below this */
#define SIN_CAP   (4u * (MDC_MIG_MAX_FRAME + 4u))
#define ABORT_MS  2000  /* flushing the ABORT at teardown */
#define LINGER_MS 10000 /* waiting for the peer's close at the end */
#define REC_HDR   2

/* A byte queue: bytes [off, len) are pending. */
struct queue {
	uint8_t *p;
	size_t off, len, cap;
};

struct stream {
	const struct mdc_chan_stream *cfg;
	int rd_open;     /* local read side still open (no EOF sent yet) */
	int wr_open;     /* local write side still open */
	int peer_eof;    /* the peer sent EOF */
	uint32_t credit; /* bytes we may still send */
	uint32_t owed;   /* drained locally, not yet granted back */
	struct queue in; /* peer -> local */
};

struct relay {
	const struct mdc_chan_opts *o;
	struct mdc_chan_stats *st;
	struct mdc_err *e;
	struct stream s[MDC_CHAN_MAX_STREAMS];
	struct queue out; /* CHAN frames for the session */
	struct queue sin; /* session bytes not yet a whole frame */
	uint32_t window;
	unsigned watchdog_s;
	size_t maxdata; /* DATA bytes that fit one frame once wrapped */
	struct timespec last;
	int sess_eof; /* the peer closed after every stream ended */
	uint8_t rec[MDC_CHAN_MAX_DATA + REC_HDR];
};

/* The fields after kind and stream. */
static int
rec_body(struct mdc_rbuf *r, struct mdc_chan_rec *out)
{
	int ret = 0;

	switch (out->kind) {
	case MDC_CHAN_DATA:
		out->len = mdc_rbuf_left(r);
		if (out->len == 0)
			return MDC_ETRUNC;
		if (out->len > MDC_CHAN_MAX_DATA)
			return MDC_EMALF;
		return mdc_rbuf_get_ptr(r, &out->data, out->len);
	case MDC_CHAN_WINDOW_K:
		if ((ret = mdc_rbuf_get_u32be(r, &out->credit)) != 0)
			return ret;
		if (out->credit == 0 || out->credit > MDC_CHAN_MAX_WINDOW)
			return MDC_EMALF;
		return 0;
	case MDC_CHAN_EOF:
		return 0;
	case MDC_CHAN_ABORT:
		if (out->stream != 0)
			return MDC_EMALF;
		return mdc_mig_get_str(r, out->text, MDC_MIG_MAX_TEXT);
	default:
		return MDC_EMALF;
	}
}

int
mdc_chan_rec_decode(const uint8_t *p, size_t n, size_t nstreams,
                    struct mdc_chan_rec *out)
{
	struct mdc_rbuf r;
	int ret;

	memset(out, 0, sizeof(*out));
	mdc_rbuf_init(&r, p, n);
	if ((ret = mdc_rbuf_get_u8(&r, &out->kind)) != 0 ||
	    (ret = mdc_rbuf_get_u8(&r, &out->stream)) != 0)
		return ret;
	if (out->stream >= nstreams || nstreams > MDC_CHAN_MAX_STREAMS)
		return MDC_EMALF;
	if ((ret = rec_body(&r, out)) != 0)
		return ret;
	return mdc_rbuf_left(&r) == 0 ? 0 : MDC_EMALF;
}

int
mdc_chan_rec_encode(const struct mdc_chan_rec *r, uint8_t *buf, size_t cap,
                    size_t *len_out)
{
	struct mdc_wbuf w;
	int ret;

	mdc_wbuf_init(&w, buf, cap);
	if (r->stream >= MDC_CHAN_MAX_STREAMS)
		return MDC_EINVAL;
	if ((ret = mdc_wbuf_put_u8(&w, r->kind)) != 0 ||
	    (ret = mdc_wbuf_put_u8(&w, r->stream)) != 0)
		return ret;
	switch (r->kind) {
	case MDC_CHAN_DATA:
		if (r->len == 0 || r->len > MDC_CHAN_MAX_DATA)
			return MDC_EINVAL;
		ret = mdc_wbuf_put_bytes(&w, r->data, r->len);
		break;
	case MDC_CHAN_WINDOW_K:
		if (r->credit == 0 || r->credit > MDC_CHAN_MAX_WINDOW)
			return MDC_EINVAL;
		ret = mdc_wbuf_put_u32be(&w, r->credit);
		break;
	case MDC_CHAN_EOF:
		break;
	case MDC_CHAN_ABORT:
		if (r->stream != 0)
			return MDC_EINVAL;
		ret = mdc_mig_put_str(&w, r->text, MDC_MIG_MAX_TEXT);
		break;
	default:
		return MDC_EINVAL;
	}
	if (ret != 0)
		return ret;
	*len_out = w.len;
	return 0;
}

/* Make room for n more bytes at the end of q (compacting, then growing). */
static int
q_reserve(struct queue *q, size_t n)
{
	uint8_t *p;
	size_t cap;

	if (q->off > 0 && q->cap - q->len < n) {
		memmove(q->p, q->p + q->off, q->len - q->off);
		q->len -= q->off;
		q->off = 0;
	}
	if (q->cap - q->len >= n)
		return 0;
	cap = q->cap ? q->cap : 65536;
	while (cap - q->len < n)
		cap *= 2;
	if ((p = realloc(q->p, cap)) == NULL)
		return MDC_ENOMEM;
	q->p = p;
	q->cap = cap;
	return 0;
}

static size_t
q_pending(const struct queue *q)
{
	return q->len - q->off;
}

static void
q_consumed(struct queue *q, size_t n)
{
	q->off += n;
	if (q->off == q->len)
		q->off = q->len = 0;
}

static void
now(struct timespec *t)
{
	(void)clock_gettime(CLOCK_MONOTONIC, t);
}

/* Wrap the record in R->rec[0..n) and queue it as a CHAN frame. */
static int
queue_wrapped(struct relay *R, size_t n, int conf)
{
	gss_buffer_desc in = {n, R->rec}, tok = GSS_C_EMPTY_BUFFER;
	OM_uint32 major, minor;
	struct mdc_wbuf w;
	int got = 0, ret;

	major = gss_wrap(&minor, R->o->ctx, conf, GSS_C_QOP_DEFAULT, &in, &got,
	                 &tok);
	if (GSS_ERROR(major))
		return mdc_mig_gsserr(R->e, "gss_wrap", major, minor);
	ret = MDC_EDENIED;
	if (conf && !got)
		goto out;
	ret = MDC_ERANGE;
	if (tok.length + 1 > MDC_MIG_MAX_FRAME)
		goto out;
	if ((ret = q_reserve(&R->out, tok.length + 5)) != 0)
		goto out;
	mdc_wbuf_init(&w, R->out.p + R->out.len, tok.length + 5);
	if ((ret = mdc_wbuf_put_u32be(&w, (uint32_t)tok.length + 1)) ||
	    (ret = mdc_wbuf_put_u8(&w, MDC_MIG_F_CHAN)) ||
	    (ret = mdc_wbuf_put_bytes(&w, tok.value, tok.length)))
		goto out;
	R->out.len += w.len;
	R->st->records_out++;
out:
	(void)gss_release_buffer(&minor, &tok);
	if (ret != 0 && ret != MDC_EKRB5)
		mdc_err_set(R->e, ret, "session: wrapping a record: %s",
		            mdc_strerror(ret));
	return ret;
}

/* Queue a control record (WINDOW, EOF, ABORT): always confidential. */
static int
queue_rec(struct relay *R, const struct mdc_chan_rec *r)
{
	size_t n;
	int ret;

	if ((ret = mdc_chan_rec_encode(r, R->rec, sizeof(R->rec), &n)) != 0)
		return mdc_err_set(R->e, ret, "encoding a record: %s",
		                   mdc_strerror(ret));
	return queue_wrapped(R, n, 1);
}

static int
stream_err(struct relay *R, size_t i, const char *what, int err)
{
	return mdc_err_set(R->e, mdc_err_from_errno(err), "%s stream: %s: %s",
	                   R->s[i].cfg->name, what, strerror(err));
}

/* Local socket i is readable: send what credit allows, or EOF. */
static int
local_read(struct relay *R, size_t i)
{
	struct stream *s = &R->s[i];
	struct mdc_chan_rec eof = {.kind = MDC_CHAN_EOF, .stream = (uint8_t)i};
	size_t want = s->credit < R->maxdata ? s->credit : R->maxdata;
	ssize_t r;

	if (want == 0)
		return 0;
	r = read(s->cfg->fd, R->rec + REC_HDR, want);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r < 0)
		return stream_err(R, i, "read", errno);
	if (r == 0) {
		s->rd_open = 0;
		return queue_rec(R, &eof);
	}
	R->rec[0] = MDC_CHAN_DATA;
	R->rec[1] = (uint8_t)i;
	s->credit -= (uint32_t)r;
	R->st->sent[i] += (uint64_t)r;
	now(&R->last);
	return queue_wrapped(R, (size_t)r + REC_HDR, s->cfg->conf);
}

/* Grant the peer what we drained, once it is worth a record. */
static int
grant(struct relay *R, size_t i)
{
	struct stream *s = &R->s[i];
	struct mdc_chan_rec w = {.kind = MDC_CHAN_WINDOW_K,
	                         .stream = (uint8_t)i};

	if (s->peer_eof || s->owed == 0 ||
	    (s->owed < R->window / 4 && q_pending(&s->in) > 0))
		return 0;
	w.credit = s->owed;
	s->owed = 0;
	return queue_rec(R, &w);
}

/* After the peer's EOF and the last byte: half-close the local socket. */
static void
settle(struct relay *R, size_t i)
{
	struct stream *s = &R->s[i];

	if (s->peer_eof && s->wr_open && q_pending(&s->in) == 0) {
		(void)shutdown(s->cfg->fd, SHUT_WR);
		s->wr_open = 0;
	}
}

/* Local socket i is writable: drain what the peer sent. */
static int
local_write(struct relay *R, size_t i)
{
	struct stream *s = &R->s[i];
	ssize_t w;

	w = send(s->cfg->fd, s->in.p + s->in.off, q_pending(&s->in),
	         MSG_NOSIGNAL | MSG_DONTWAIT);
	if (w < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (w < 0)
		return stream_err(R, i, "write", errno);
	q_consumed(&s->in, (size_t)w);
	s->owed += (uint32_t)w;
	settle(R, i);
	return grant(R, i);
}

/* A DATA record from the peer: into the stream's bounded queue. */
static int
got_data(struct relay *R, const struct mdc_chan_rec *r, int conf)
{
	struct stream *s = &R->s[r->stream];

	if (!conf && s->cfg->conf)
		return mdc_err_set(R->e, MDC_EDENIED,
		                   "%s stream: data without "
		                   "confidentiality",
		                   s->cfg->name);
	if (s->peer_eof || !s->wr_open ||
	    q_pending(&s->in) + s->owed + r->len > R->window)
		return mdc_err_set(
		        R->e, MDC_EMALF, "%s stream: the peer sent past %s",
		        s->cfg->name, s->peer_eof ? "its EOF" : "its window");
	if (q_reserve(&s->in, r->len) != 0)
		return mdc_err_set(R->e, MDC_ENOMEM, "out of memory");
	memcpy(s->in.p + s->in.len, r->data, r->len);
	s->in.len += r->len;
	R->st->recv[r->stream] += r->len;
	now(&R->last);
	return 0;
}

static int
got_rec(struct relay *R, const struct mdc_chan_rec *r, int conf)
{
	struct stream *s = &R->s[r->stream];

	if (r->kind == MDC_CHAN_DATA)
		return got_data(R, r, conf);
	if (!conf)
		return mdc_err_set(R->e, MDC_EDENIED,
		                   "a control record without "
		                   "confidentiality");
	if (r->kind == MDC_CHAN_ABORT)
		return mdc_err_set(R->e, mdc_err_from_errno(EPROTO), "peer: %s",
		                   r->text);
	if (r->kind == MDC_CHAN_EOF) {
		s->peer_eof = 1;
		settle(R, r->stream);
		return 0;
	}
	if ((uint64_t)s->credit + r->credit > R->window)
		return mdc_err_set(R->e, MDC_EMALF,
		                   "%s stream: the peer granted more "
		                   "than the window",
		                   s->cfg->name);
	s->credit += r->credit;
	return 0;
}

/* One whole frame body from the session: unwrap, decode, apply. */
static int
got_frame(struct relay *R, const uint8_t *body, size_t n)
{
	gss_buffer_desc in = {n - 1, (void *)(body + 1)};
	gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
	struct mdc_chan_rec r;
	OM_uint32 major, minor;
	int conf = 0, ret;

	if (body[0] != MDC_MIG_F_CHAN)
		return mdc_err_set(R->e, MDC_EMALF,
		                   "session: unexpected frame %u", body[0]);
	major = gss_unwrap(&minor, R->o->ctx, &in, &out, &conf, NULL);
	/* replayed, reordered or missing tokens are as fatal as forged */
	if (major != GSS_S_COMPLETE) {
		(void)gss_release_buffer(&minor, &out);
		return mdc_mig_gsserr(R->e, "session: gss_unwrap", major,
		                      minor);
	}
	R->st->records_in++;
	ret = mdc_chan_rec_decode(out.value, out.length, R->o->nstreams, &r);
	if (ret != 0)
		ret = mdc_err_set(R->e, MDC_EMALF, "session: malformed record");
	else
		ret = got_rec(R, &r, conf);
	(void)gss_release_buffer(&minor, &out);
	return ret;
}

/* Apply every whole frame in R->sin. */
static int
parse_frames(struct relay *R)
{
	struct queue *q = &R->sin;
	size_t n;
	int ret;

	while (q_pending(q) >= 4) {
		if (mdc_mig_frame_len(q->p + q->off, &n) != 0)
			return mdc_err_set(R->e, MDC_EMALF,
			                   "session: bad frame length");
		if (q_pending(q) < 4 + n)
			break;
		if ((ret = got_frame(R, q->p + q->off + 4, n)) != 0)
			return ret;
		q_consumed(q, 4 + n);
	}
	return 0;
}

/* True if every stream has ended at the peer and we sent every EOF. */
static int
peer_finished(const struct relay *R)
{
	size_t i;

	for (i = 0; i < R->o->nstreams; i++)
		if (R->s[i].rd_open || !R->s[i].peer_eof)
			return 0;
	return 1;
}

static int
sess_read(struct relay *R)
{
	struct queue *q = &R->sin;
	ssize_t r;

	if (q_reserve(q, MDC_MIG_MAX_FRAME + 4) != 0)
		return mdc_err_set(R->e, MDC_ENOMEM, "out of memory");
	r = read(R->o->sess_fd, q->p + q->len, q->cap - q->len);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r == 0 && q_pending(q) == 0 && peer_finished(R)) {
		/* it is done; we only drain our locals: nothing to send */
		R->sess_eof = 1;
		q_consumed(&R->out, q_pending(&R->out));
		return 0;
	}
	if (r <= 0)
		return mdc_err_set(
		        R->e, r < 0 ? mdc_err_from_errno(errno) : MDC_ETRUNC,
		        "session: %s",
		        r < 0 ? strerror(errno)
		              : "the peer closed the connection");
	q->len += (size_t)r;
	R->st->wire_in += (uint64_t)r;
	return parse_frames(R);
}

/* Writing failed: the peer's reason may be waiting in our input. */
static int
sess_broken(struct relay *R, int err)
{
	int ret = mdc_err_set(R->e, mdc_err_from_errno(err), "session: %s",
	                      strerror(err));
	int i;

	R->sess_eof = 1; /* no ABORT of ours: nobody would read it */
	for (i = 0; i < 16; i++) {
		struct mdc_err keep = *R->e;
		int r = sess_read(R);
		if (r != 0 && strncmp(R->e->text, "peer: ", 6) == 0)
			return r;
		*R->e = keep;
		if (r != 0)
			break;
	}
	return ret;
}

static int
sess_write(struct relay *R)
{
	struct queue *q = &R->out;
	ssize_t w;

	w = send(R->o->sess_fd, q->p + q->off, q_pending(q),
	         MSG_NOSIGNAL | MSG_DONTWAIT);
	if (w < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (w < 0)
		return sess_broken(R, errno);
	q_consumed(q, (size_t)w);
	R->st->wire_out += (uint64_t)w;
	return 0;
}

static int
all_done(const struct relay *R)
{
	size_t i;

	for (i = 0; i < R->o->nstreams; i++)
		if (R->s[i].rd_open || R->s[i].wr_open)
			return 0;
	return q_pending(&R->out) == 0;
}

/* The poll set: [0] session, [1] cancel_fd, [2 + i] stream i. */
static void
build(const struct relay *R, struct pollfd *p)
{
	size_t i;
	short ev;

	p[0].fd = R->sess_eof ? -1 : R->o->sess_fd;
	p[0].events = POLLIN | (q_pending(&R->out) ? POLLOUT : 0);
	p[1].fd = R->o->cancel_fd;
	p[1].events = POLLIN;
	for (i = 0; i < R->o->nstreams; i++) {
		const struct stream *s = &R->s[i];
		ev = 0;
		if (s->rd_open && s->credit > 0 &&
		    q_pending(&R->out) < SOUT_SOFT)
			ev |= POLLIN;
		if (q_pending(&s->in) > 0)
			ev |= POLLOUT;
		/* nothing wanted: ignore it, or a HUP would spin */
		p[2 + i].fd = ev ? s->cfg->fd : -1;
		p[2 + i].events = ev;
		p[2 + i].revents = 0;
	}
}

static int
dispatch(struct relay *R, const struct pollfd *p)
{
	size_t i;
	int ret;

	if (p[1].fd >= 0 && p[1].revents)
		return mdc_err_set(R->e, mdc_err_from_errno(ECANCELED),
		                   "cancelled");
	if (p[0].revents & POLLOUT && (ret = sess_write(R)) != 0)
		return ret;
	if (p[0].revents & (POLLIN | POLLHUP | POLLERR) &&
	    (ret = sess_read(R)) != 0)
		return ret;
	for (i = 0; i < R->o->nstreams; i++) {
		short rv = p[2 + i].revents, ev = p[2 + i].events;
		if (rv & POLLOUT || (rv & (POLLHUP | POLLERR) && ev & POLLOUT))
			if ((ret = local_write(R, i)) != 0)
				return ret;
		if (ev & POLLIN && rv & (POLLIN | POLLHUP | POLLERR) &&
		    R->s[i].rd_open && (ret = local_read(R, i)) != 0)
			return ret;
	}
	return 0;
}

/* No byte on any open watched stream for watchdog_s: give up. */
static int
watchdog(struct relay *R)
{
	struct timespec t;
	size_t i;
	int armed = 0;

	for (i = 0; i < R->o->nstreams; i++)
		if (R->s[i].cfg->watch && (R->s[i].rd_open || R->s[i].wr_open))
			armed = 1;
	now(&t);
	if (!armed) {
		R->last = t;
		return 0;
	}
	if (t.tv_sec - R->last.tv_sec < (time_t)R->watchdog_s)
		return 0;
	return mdc_err_set(R->e, MDC_ETIMEDOUT,
	                   "no bytes on the data channel for %u s",
	                   R->watchdog_s);
}

/* Read and drop the session until the peer closes, up to limit ms. */
static void
drain(struct relay *R, const struct timespec *t0, long limit)
{
	struct pollfd p = {R->o->sess_fd, POLLIN, 0};
	struct timespec t;
	long ms;

	for (;;) {
		now(&t);
		ms = (t.tv_sec - t0->tv_sec) * 1000 +
		     (t.tv_nsec - t0->tv_nsec) / 1000000;
		if (ms >= limit || poll(&p, 1, (int)(limit - ms)) <= 0)
			return;
		if (read(R->o->sess_fd, R->rec, sizeof(R->rec)) <= 0 &&
		    errno != EAGAIN && errno != EINTR)
			return;
	}
}

/*
 * Best effort: shut every local socket, tell the peer why, stop writing and
 * drop what it still sends until it closes (closing with unread bytes would
 * reset the connection and lose the ABORT at the peer).
 */
static void
teardown(struct relay *R)
{
	struct mdc_chan_rec a = {.kind = MDC_CHAN_ABORT};
	struct mdc_err keep = *R->e;
	struct pollfd p = {R->o->sess_fd, POLLOUT, 0};
	struct timespec t0, t;
	size_t i;

	for (i = 0; i < R->o->nstreams; i++)
		(void)shutdown(R->s[i].cfg->fd, SHUT_RDWR);
	now(&t0);
	mdc_mig_sanitize(keep.text, a.text, sizeof(a.text));
	if (R->sess_eof || queue_rec(R, &a) != 0)
		goto out;
	while (q_pending(&R->out) > 0 && poll(&p, 1, 200) >= 0) {
		now(&t);
		if (sess_write(R) != 0 ||
		    (t.tv_sec - t0.tv_sec) * 1000 +
		                    (t.tv_nsec - t0.tv_nsec) / 1000000 >
		            ABORT_MS)
			break;
	}
	(void)shutdown(R->o->sess_fd, SHUT_WR);
	drain(R, &t0, ABORT_MS);
out:
	*R->e = keep;
}

static int
relay_init(struct relay *R, const struct mdc_chan_opts *o)
{
	OM_uint32 major, minor, max_in = 0;
	size_t i;
	int one = 1;

	R->o = o;
	R->window = o->window ? o->window : MDC_CHAN_WINDOW;
	R->watchdog_s = o->watchdog_s ? o->watchdog_s : MDC_CHAN_WATCHDOG_S;
	if (o->nstreams == 0 || o->nstreams > MDC_CHAN_MAX_STREAMS ||
	    R->window > MDC_CHAN_MAX_WINDOW)
		return mdc_err_set(R->e, MDC_EINVAL, "bad channel options");
	major = gss_wrap_size_limit(&minor, o->ctx, 1, GSS_C_QOP_DEFAULT,
	                            MDC_MIG_MAX_FRAME - 1, &max_in);
	if (GSS_ERROR(major) || max_in <= REC_HDR + 1)
		return mdc_mig_gsserr(R->e, "gss_wrap_size_limit", major,
		                      minor);
	R->maxdata = max_in - REC_HDR;
	if (R->maxdata > MDC_CHAN_MAX_DATA)
		R->maxdata = MDC_CHAN_MAX_DATA;
	(void)fcntl(o->sess_fd, F_SETFL,
	            fcntl(o->sess_fd, F_GETFL) | O_NONBLOCK);
	/* a small record (a control message, a WINDOW) goes out at once:
	 * Nagle would hold it for the ACK of the last one, which the peer
	 * delays, and the switch-over is a round trip of such records with
	 * the guest paused (not TCP: ignored) */
	(void)setsockopt(o->sess_fd, IPPROTO_TCP, TCP_NODELAY, &one,
	                 sizeof(one));
	for (i = 0; i < o->nstreams; i++) {
		R->s[i].cfg = &o->streams[i];
		R->s[i].rd_open = R->s[i].wr_open = 1;
		R->s[i].credit = R->window;
		(void)fcntl(o->streams[i].fd, F_SETFL,
		            fcntl(o->streams[i].fd, F_GETFL) | O_NONBLOCK);
	}
	now(&R->last);
	return 0;
}

static void
relay_free(struct relay *R)
{
	size_t i;

	for (i = 0; i < MDC_CHAN_MAX_STREAMS; i++)
		free(R->s[i].in.p);
	free(R->out.p);
	free(R->sin.p);
	free(R);
}

/* The poll loop, until every stream has ended or something fails. */
static int
relay_loop(struct relay *R)
{
	struct pollfd p[2 + MDC_CHAN_MAX_STREAMS];
	int ret = 0, rc;

	while (!all_done(R)) {
		build(R, p);
		rc = poll(p, 2 + R->o->nstreams, 1000);
		if (rc < 0 && errno != EINTR)
			return mdc_err_set(R->e, mdc_err_from_errno(errno),
			                   "poll: %s", strerror(errno));
		if (rc > 0 && (ret = dispatch(R, p)) != 0)
			return ret;
		if ((ret = watchdog(R)) != 0)
			return ret;
	}
	return 0;
}

int
mdc_chan_run(const struct mdc_chan_opts *o, struct mdc_chan_stats *st,
             struct mdc_err *e)
{
	struct mdc_chan_stats local;
	struct timespec t0;
	struct relay *R = calloc(1, sizeof(*R));
	int ret, ran = 0;

	if (R == NULL) {
		ret = mdc_err_set(e, MDC_ENOMEM, "out of memory");
	} else {
		memset(&local, 0, sizeof(local));
		R->st = st ? st : &local;
		memset(R->st, 0, sizeof(*R->st));
		R->e = e;
		if ((ret = relay_init(R, o)) == 0) {
			ran = 1;
			ret = relay_loop(R);
		}
	}
	/* the owner first: the local sockets end only after it knows why */
	if (ret != 0 && o->on_fail != NULL)
		o->on_fail(o->fail_arg, e);
	if (ret != 0 && ran) {
		teardown(R);
	} else if (ret == 0 && !R->sess_eof) {
		/* the peer may still send WINDOWs it wrote before our EOFs:
		 * closing on them would reset the connection under it */
		(void)shutdown(o->sess_fd, SHUT_WR);
		now(&t0);
		drain(R, &t0, LINGER_MS);
	}
	if (R != NULL)
		relay_free(R);
	return ret;
}
