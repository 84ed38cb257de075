/* tests/unit/test_migrate_chan.c - Check suite for the data channel of a
 * live move: record codec, and two relays over a socketpair with real
 * krb5 GSS contexts (a service ticket made here with the service's key,
 * so no KDC is needed): throughput, EOF, error propagation, back-pressure,
 * watchdog, cancel, integrity-only streams */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>

#include "migrate-auth/chan.h"
#include "tests/unit/ck_run.h"

#include "tests/unit/gsspair.h"

#define MIB (1024u * 1024u)

static gss_ctx_id_t ictx = GSS_C_NO_CONTEXT, actx = GSS_C_NO_CONTEXT;

static void
gss_pair(void)
{
	gss_pair_flags(GSS_C_MUTUAL_FLAG | GSS_C_INTEG_FLAG | GSS_C_CONF_FLAG |
	                       GSS_C_SEQUENCE_FLAG,
	               &ictx, &actx);
}

/* A test rig: side 0 (initiator) and side 1 (acceptor), n streams; app[s][i]
 * is what the test reads/writes, relay[s][i] the relay's end. */
struct rig {
	size_t n;
	int sess[2];
	int app[2][MDC_CHAN_MAX_STREAMS], relay[2][MDC_CHAN_MAX_STREAMS];
	int conf[2][MDC_CHAN_MAX_STREAMS];
	int result[2]; /* read end: the relay's exit text */
	int cancel[2]; /* write end kept by the test, or -1 */
	pid_t pid[2];
	uint32_t window;
	unsigned watchdog;
};

static void
rig_init(struct rig *g, size_t n)
{
	size_t i;
	int s, sv[2];

	memset(g, 0, sizeof(*g));
	g->n = n;
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, g->sess), 0);
	for (s = 0; s < 2; s++) {
		g->cancel[s] = -1;
		for (i = 0; i < n; i++) {
			ck_assert_int_eq(
			        socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
			g->app[s][i] = sv[0];
			g->relay[s][i] = sv[1];
			g->conf[s][i] = 1;
		}
	}
}

/* In the relay's child: every fd but its own is closed. */
static void
close_others(struct rig *g, int side)
{
	size_t i;
	int s;

	for (s = 0; s < 2; s++)
		for (i = 0; i < g->n; i++) {
			close(g->app[s][i]);
			if (s != side)
				close(g->relay[s][i]);
		}
	close(g->sess[1 - side]);
}

/* The relay's reason, on the result pipe as soon as it fails. */
static void
say_reason(void *arg, const struct mdc_err *e)
{
	if (write(*(const int *)arg, e->text, strlen(e->text)) < 0)
		_exit(3);
}

static void
relay_child(struct rig *g, int side, int out, int cancel)
{
	struct mdc_chan_opts o;
	struct mdc_err e = {""};
	size_t i;
	int ret;

	close_others(g, side);
	memset(&o, 0, sizeof(o));
	o.sess_fd = g->sess[side];
	o.ctx = side == 0 ? ictx : actx;
	o.cancel_fd = cancel;
	o.window = g->window;
	o.watchdog_s = g->watchdog;
	o.nstreams = g->n;
	for (i = 0; i < g->n; i++) {
		o.streams[i].fd = g->relay[side][i];
		o.streams[i].conf = g->conf[side][i];
		o.streams[i].watch = 1;
		o.streams[i].name = i == 0 ? "control" : "migration";
	}
	o.on_fail = say_reason;
	o.fail_arg = &out;
	ret = mdc_chan_run(&o, NULL, &e);
	_exit(ret == 0 ? 0 : 1);
}

static void
rig_start(struct rig *g)
{
	int s, p[2], c[2];
	size_t i;

	for (s = 0; s < 2; s++) {
		ck_assert_int_eq(pipe(p), 0);
		c[0] = c[1] = -1;
		if (g->cancel[s] == 0)
			ck_assert_int_eq(pipe(c), 0);
		g->pid[s] = fork();
		ck_assert_int_ge(g->pid[s], 0);
		if (g->pid[s] == 0) {
			close(p[0]);
			if (c[1] >= 0)
				close(c[1]);
			relay_child(g, s, p[1], c[0]);
		}
		close(p[1]);
		g->result[s] = p[0];
		if (c[0] >= 0)
			close(c[0]);
		g->cancel[s] = c[1];
	}
	for (s = 0; s < 2; s++) {
		close(g->sess[s]);
		for (i = 0; i < g->n; i++)
			close(g->relay[s][i]);
	}
}

/* Wait for side s; its exit status, its text into text. */
static int
rig_wait(struct rig *g, int s, char *text, size_t len)
{
	int st = 0;
	ssize_t r;

	ck_assert_int_eq(waitpid(g->pid[s], &st, 0), g->pid[s]);
	r = read(g->result[s], text, len - 1);
	text[r > 0 ? r : 0] = '\0';
	close(g->result[s]);
	ck_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static uint8_t
pattern(uint64_t off, unsigned salt)
{
	return (uint8_t)((off * 2654435761u) >> 13) ^ (uint8_t)salt;
}

/* A child writing n pattern bytes to fd, then half-closing it. */
static pid_t
writer(int fd, uint64_t n, unsigned salt)
{
	static uint8_t buf[65536];
	uint64_t off = 0;
	size_t i, k;
	pid_t pid = fork();
	ssize_t w;

	ck_assert_int_ge(pid, 0);
	if (pid != 0)
		return pid;
	/* hold no other socket: the test closes them to mean "gone" */
	for (i = 3; i < 1024; i++)
		if ((int)i != fd)
			close((int)i);
	while (off < n) {
		k = n - off < sizeof(buf) ? (size_t)(n - off) : sizeof(buf);
		for (i = 0; i < k; i++)
			buf[i] = pattern(off + i, salt);
		w = write(fd, buf, k);
		if (w <= 0)
			_exit(1);
		off += (uint64_t)w;
	}
	(void)shutdown(fd, SHUT_WR);
	_exit(0);
}

/* Read fd to EOF; the number of bytes, 1 in *bad on a wrong byte. */
static uint64_t
reader(int fd, unsigned salt, int *bad)
{
	static uint8_t buf[65536];
	uint64_t off = 0;
	ssize_t r, i;

	*bad = 0;
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < r; i++)
			if (buf[i] != pattern(off + (uint64_t)i, salt))
				*bad = 1;
		off += (uint64_t)r;
	}
	return off;
}

static int
child_ok(pid_t pid)
{
	int st;

	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	       WEXITSTATUS(st) == 0;
}

static double
secs(void)
{
	struct timespec t;

	(void)clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

START_TEST(test_rec_codec)
{
	struct mdc_chan_rec r, d;
	uint8_t buf[MDC_CHAN_MAX_DATA + 8], data[100];
	size_t n;

	memset(data, 0xab, sizeof(data));
	memset(&r, 0, sizeof(r));
	r.kind = MDC_CHAN_DATA;
	r.stream = 2;
	r.data = data;
	r.len = sizeof(data);
	ck_assert_int_eq(mdc_chan_rec_encode(&r, buf, sizeof(buf), &n), 0);
	ck_assert_uint_eq(n, 102);
	ck_assert_int_eq(mdc_chan_rec_decode(buf, n, 3, &d), 0);
	ck_assert_uint_eq(d.len, 100);
	ck_assert_mem_eq(d.data, data, 100);
	/* stream outside the configured ones */
	ck_assert_int_eq(mdc_chan_rec_decode(buf, n, 2, &d), MDC_EMALF);
	ck_assert_int_eq(mdc_chan_rec_decode(buf, 2, 3, &d), MDC_ETRUNC);
	ck_assert_int_eq(mdc_chan_rec_decode(buf, 1, 3, &d), MDC_ETRUNC);
	r.kind = MDC_CHAN_WINDOW_K;
	r.credit = 12345;
	ck_assert_int_eq(mdc_chan_rec_encode(&r, buf, sizeof(buf), &n), 0);
	ck_assert_uint_eq(n, 6);
	ck_assert_int_eq(mdc_chan_rec_decode(buf, n, 3, &d), 0);
	ck_assert_uint_eq(d.credit, 12345);
	ck_assert_int_eq(mdc_chan_rec_decode(buf, n - 1, 3, &d), MDC_ETRUNC);
	buf[n] = 0;
	ck_assert_int_eq(mdc_chan_rec_decode(buf, n + 1, 3, &d), MDC_EMALF);
	memset(buf + 2, 0, 4); /* credit 0 */
	ck_assert_int_eq(mdc_chan_rec_decode(buf, n, 3, &d), MDC_EMALF);
	r.credit = 0;
	ck_assert_int_eq(mdc_chan_rec_encode(&r, buf, sizeof(buf), &n),
	                 MDC_EINVAL);
	r.kind = MDC_CHAN_ABORT;
	r.stream = 0;
	snprintf(r.text, sizeof(r.text), "no bytes for 30 s");
	ck_assert_int_eq(mdc_chan_rec_encode(&r, buf, sizeof(buf), &n), 0);
	ck_assert_int_eq(mdc_chan_rec_decode(buf, n, 3, &d), 0);
	ck_assert_str_eq(d.text, "no bytes for 30 s");
	buf[5] = '\n';
	ck_assert_int_eq(mdc_chan_rec_decode(buf, n, 3, &d), MDC_EMALF);
	buf[1] = 1; /* ABORT names no stream */
	buf[5] = 'x';
	ck_assert_int_eq(mdc_chan_rec_decode(buf, n, 3, &d), MDC_EMALF);
	buf[0] = 9;
	buf[1] = 0;
	ck_assert_int_eq(mdc_chan_rec_decode(buf, n, 3, &d), MDC_EMALF);
	r.kind = MDC_CHAN_EOF;
	r.stream = 1;
	ck_assert_int_eq(mdc_chan_rec_encode(&r, buf, sizeof(buf), &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(mdc_chan_rec_decode(buf, n, 3, &d), 0);
	ck_assert_uint_eq(d.kind, MDC_CHAN_EOF);
}
END_TEST

/* 48 MiB one way on stream 1, 3 MiB the other way on stream 2, nothing on
 * stream 0: every byte arrives in order, both relays end with 0. */
START_TEST(test_relay_throughput)
{
	struct rig g;
	char text[1100];
	uint64_t n1 = 48 * MIB, n2 = 3 * MIB, got;
	pid_t w1, w2, w0a, w0b;
	int bad;
	double t0;

	rig_init(&g, 3);
	rig_start(&g);
	t0 = secs();
	w1 = writer(g.app[0][1], n1, 1);
	w2 = writer(g.app[1][2], n2, 2);
	w0a = writer(g.app[0][0], 0, 0);
	w0b = writer(g.app[1][0], 0, 0);
	close(g.app[0][1]);
	close(g.app[1][2]);
	(void)shutdown(g.app[0][2], SHUT_WR);
	(void)shutdown(g.app[1][1], SHUT_WR);
	got = reader(g.app[1][1], 1, &bad);
	ck_assert_uint_eq(got, n1);
	ck_assert_int_eq(bad, 0);
	fprintf(stderr,
	        "chan: %.0f MiB/s through two relays (gss_wrap, "
	        "confidentiality)\n",
	        (double)n1 / MIB / (secs() - t0));
	got = reader(g.app[0][2], 2, &bad);
	ck_assert_uint_eq(got, n2);
	ck_assert_int_eq(bad, 0);
	ck_assert_uint_eq(reader(g.app[0][0], 0, &bad), 0);
	ck_assert_uint_eq(reader(g.app[1][0], 0, &bad), 0);
	ck_assert(child_ok(w1) && child_ok(w2) && child_ok(w0a) &&
	          child_ok(w0b));
	ck_assert_int_eq(rig_wait(&g, 0, text, sizeof(text)), 0);
	ck_assert_int_eq(rig_wait(&g, 1, text, sizeof(text)), 0);
}
END_TEST

/* Integrity only on a stream both sides agree on: it works; one side
 * requiring confidentiality refuses the other's plain data. */
START_TEST(test_relay_integrity_only)
{
	struct rig g;
	char text[1100];
	uint64_t got;
	pid_t w;
	int bad;

	rig_init(&g, 2);
	g.conf[0][1] = g.conf[1][1] = 0;
	rig_start(&g);
	w = writer(g.app[0][1], 5 * MIB, 7);
	close(g.app[0][1]);
	(void)shutdown(g.app[1][1], SHUT_WR);
	close(g.app[0][0]);
	close(g.app[1][0]);
	got = reader(g.app[1][1], 7, &bad);
	ck_assert_uint_eq(got, 5 * MIB);
	ck_assert_int_eq(bad, 0);
	ck_assert(child_ok(w));
	ck_assert_int_eq(rig_wait(&g, 0, text, sizeof(text)), 0);
	ck_assert_int_eq(rig_wait(&g, 1, text, sizeof(text)), 0);

	rig_init(&g, 2);
	g.conf[0][1] = 0; /* the receiver still wants confidentiality */
	rig_start(&g);
	w = writer(g.app[0][1], MIB, 7);
	close(g.app[0][1]);
	got = reader(g.app[1][1], 7, &bad);
	ck_assert_uint_eq(got, 0);
	(void)child_ok(w);
	ck_assert_int_eq(rig_wait(&g, 1, text, sizeof(text)), 1);
	ck_assert_str_eq(text,
	                 "migration stream: data without confidentiality");
	ck_assert_int_eq(rig_wait(&g, 0, text, sizeof(text)), 1);
	ck_assert_str_eq(text, "peer: migration stream: data without "
	                       "confidentiality");
}
END_TEST

/* The receiving application goes away: the relay there fails on write,
 * the other relay fails with the peer's reason and shuts its local socket
 * (the writer sees the stream end). */
START_TEST(test_relay_error_propagates)
{
	struct rig g;
	char text[1100];
	uint8_t b[4096];
	pid_t w;

	rig_init(&g, 2);
	rig_start(&g);
	w = writer(g.app[0][1], 512 * MIB, 3);
	close(g.app[0][1]);
	ck_assert_int_gt(read(g.app[1][1], b, sizeof(b)), 0);
	close(g.app[1][1]); /* the destination's QEMU dies */
	ck_assert_int_eq(rig_wait(&g, 1, text, sizeof(text)), 1);
	ck_assert_msg(strstr(text, "migration stream: write: ") == text ||
	                      strstr(text, "migration stream: read: ") == text,
	              "%s", text);
	ck_assert_int_eq(rig_wait(&g, 0, text, sizeof(text)), 1);
	ck_assert_msg(strncmp(text, "peer: migration stream: ", 24) == 0, "%s",
	              text);
	/* the source's writer was cut off, it did not get everything in */
	ck_assert(!child_ok(w));
	/* the control stream ended too, on both sides */
	ck_assert_int_eq(read(g.app[0][0], b, sizeof(b)), 0);
	ck_assert_int_eq(read(g.app[1][0], b, sizeof(b)), 0);
}
END_TEST

/* The peer relay dies (the destination agent is killed): the survivor
 * reports the closed session and ends its local streams. */
START_TEST(test_relay_peer_killed)
{
	struct rig g;
	char text[1100];
	uint8_t b[4096];
	pid_t w;
	int st;

	rig_init(&g, 2);
	rig_start(&g);
	w = writer(g.app[0][1], 512 * MIB, 3);
	close(g.app[0][1]);
	ck_assert_int_gt(read(g.app[1][1], b, sizeof(b)), 0);
	kill(g.pid[1], SIGKILL);
	ck_assert_int_eq(waitpid(g.pid[1], &st, 0), g.pid[1]);
	ck_assert_int_eq(rig_wait(&g, 0, text, sizeof(text)), 1);
	ck_assert_msg(strncmp(text, "session: ", 9) == 0, "%s", text);
	ck_assert(!child_ok(w));
	ck_assert_int_eq(read(g.app[0][0], b, sizeof(b)), 0);
}
END_TEST

/* Bytes a writer gets into a stream whose reader does not read, until it
 * would block (for 500 ms). */
static uint64_t
fill(int fd)
{
	static uint8_t buf[16384];
	struct pollfd p = {fd, POLLOUT, 0};
	uint64_t n = 0;
	ssize_t w;

	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	for (;;) {
		w = write(fd, buf, sizeof(buf));
		if (w > 0) {
			n += (uint64_t)w;
			continue;
		}
		if (w < 0 && errno == EAGAIN && poll(&p, 1, 500) > 0)
			continue;
		return n;
	}
}

/* A stalled reader stops the writer after about one window plus socket
 * buffers (not the 256 MiB it offers); a stalled stream does not stop
 * another; once the reader reads, everything arrives. */
START_TEST(test_relay_backpressure)
{
	struct rig g;
	char text[1100];
	uint8_t b[100];
	uint64_t n, got;
	int bad;
	pid_t w;

	rig_init(&g, 3);
	g.window = 64 * 1024;
	rig_start(&g);
	n = fill(g.app[0][1]);
	fprintf(stderr, "chan: a stalled stream took %llu bytes\n",
	        (unsigned long long)n);
	ck_assert_uint_gt(n, 64 * 1024);
	ck_assert_uint_lt(n, 8 * MIB);
	/* stream 2 still flows while stream 1 is stuck */
	w = writer(g.app[0][2], 2 * MIB, 5);
	close(g.app[0][2]);
	(void)shutdown(g.app[1][2], SHUT_WR);
	ck_assert_uint_eq(reader(g.app[1][2], 5, &bad), 2 * MIB);
	ck_assert_int_eq(bad, 0);
	ck_assert(child_ok(w));
	(void)shutdown(g.app[0][1], SHUT_WR);
	(void)shutdown(g.app[1][1], SHUT_WR);
	got = 0;
	for (;;) {
		ssize_t r = read(g.app[1][1], b, sizeof(b));
		if (r <= 0)
			break;
		got += (uint64_t)r;
	}
	ck_assert_uint_eq(got, n);
	close(g.app[0][0]);
	close(g.app[1][0]);
	ck_assert_int_eq(rig_wait(&g, 0, text, sizeof(text)), 0);
	ck_assert_int_eq(rig_wait(&g, 1, text, sizeof(text)), 0);
}
END_TEST

/* Open streams and no byte for the watchdog's time: both sides give up. */
START_TEST(test_relay_watchdog)
{
	struct rig g;
	char text[1100];
	uint8_t b[16];

	rig_init(&g, 2);
	g.watchdog = 1;
	rig_start(&g);
	ck_assert_int_eq(rig_wait(&g, 0, text, sizeof(text)), 1);
	ck_assert_msg(strcmp(text, "no bytes on the data channel for 1 s") ==
	                              0 ||
	                      strcmp(text, "peer: no bytes on the data "
	                                   "channel for 1 s") == 0,
	              "%s", text);
	ck_assert_int_eq(rig_wait(&g, 1, text, sizeof(text)), 1);
	ck_assert_int_eq(read(g.app[0][1], b, sizeof(b)), 0);
	ck_assert_int_eq(read(g.app[1][1], b, sizeof(b)), 0);
}
END_TEST

/*
 * The peer stalls (stopped): the watchdog's reason reaches the owner before
 * the local streams end, although the ABORT then waits for the stalled peer;
 * a program on a stream that sees it end can already ask the owner why.
 */
START_TEST(test_relay_reason_first)
{
	struct rig g;
	char text[1100];
	struct pollfd p;
	uint8_t b[16];
	ssize_t r;

	rig_init(&g, 2);
	g.watchdog = 1;
	rig_start(&g);
	ck_assert_int_eq(kill(g.pid[1], SIGSTOP), 0);
	ck_assert_int_eq(read(g.app[0][1], b, sizeof(b)), 0);
	p = (struct pollfd){g.result[0], POLLIN, 0};
	ck_assert_int_eq(poll(&p, 1, 0), 1);
	r = read(g.result[0], text, sizeof(text) - 1);
	text[r > 0 ? r : 0] = '\0';
	ck_assert_str_eq(text, "no bytes on the data channel for 1 s");
	ck_assert_int_eq(kill(g.pid[1], SIGCONT), 0);
	ck_assert_int_eq(rig_wait(&g, 0, text, sizeof(text)), 1);
	ck_assert_str_eq(text, ""); /* said once */
	ck_assert_int_eq(rig_wait(&g, 1, text, sizeof(text)), 1);
}
END_TEST

/* The owner cancels one side: the other learns why. */
START_TEST(test_relay_cancel)
{
	struct rig g;
	char text[1100];

	rig_init(&g, 2);
	g.cancel[0] = 0; /* ask for a cancel pipe */
	rig_start(&g);
	ck_assert_int_eq(write(g.cancel[0], "x", 1), 1);
	ck_assert_int_eq(rig_wait(&g, 0, text, sizeof(text)), 1);
	ck_assert_str_eq(text, "cancelled");
	ck_assert_int_eq(rig_wait(&g, 1, text, sizeof(text)), 1);
	ck_assert_str_eq(text, "peer: cancelled");
	close(g.cancel[0]);
}
END_TEST

/* Garbage on the session (not a wrapped record): refused. */
START_TEST(test_relay_forged_frame)
{
	struct mdc_chan_opts o;
	struct mdc_err e = {""};
	uint8_t junk[] = {0, 0, 0, 9, MDC_MIG_F_CHAN, 1, 2, 3, 4, 5, 6, 7, 8};
	int sv[2], lp[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, lp), 0);
	ck_assert_int_eq(write(sv[1], junk, sizeof(junk)), sizeof(junk));
	memset(&o, 0, sizeof(o));
	o.sess_fd = sv[0];
	o.ctx = actx;
	o.cancel_fd = -1;
	o.nstreams = 1;
	o.streams[0].fd = lp[0];
	o.streams[0].conf = 1;
	o.streams[0].name = "control";
	ck_assert_int_eq(mdc_chan_run(&o, NULL, &e), MDC_EKRB5);
	ck_assert_msg(strncmp(e.text, "session: gss_unwrap: ", 21) == 0, "%s",
	              e.text);
	junk[4] = 3; /* a WRAPPED frame has no business here */
	ck_assert_int_eq(write(sv[1], junk, sizeof(junk)), sizeof(junk));
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, lp), 0);
	o.streams[0].fd = lp[0];
	ck_assert_int_eq(mdc_chan_run(&o, NULL, &e), MDC_EMALF);
	ck_assert_str_eq(e.text, "session: unexpected frame 3");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("migrate_chan");
	TCase *tc = tcase_create("chan");

	setenv("KRB5_CONFIG", "/dev/null", 1);
	setenv("KRB5RCACHETYPE", "none", 1);
	setenv("KRB5CCNAME", CCACHE, 1);
	signal(SIGPIPE, SIG_IGN);
	gss_pair();
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_rec_codec);
	tcase_add_test(tc, test_relay_throughput);
	tcase_add_test(tc, test_relay_integrity_only);
	tcase_add_test(tc, test_relay_error_propagates);
	tcase_add_test(tc, test_relay_peer_killed);
	tcase_add_test(tc, test_relay_backpressure);
	tcase_add_test(tc, test_relay_watchdog);
	tcase_add_test(tc, test_relay_reason_first);
	tcase_add_test(tc, test_relay_cancel);
	tcase_add_test(tc, test_relay_forged_frame);
	suite_add_tcase(s, tc);
	return mdc_ck_run(s);
}
