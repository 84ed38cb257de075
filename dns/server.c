/* dns/server.c - the DNS daemon: sockets, worker threads, snapshot publication
 */
#include "config.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/filter.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ad/dnswire.h"
#include "ad/tsig.h"
#include "dns/msg.h"
#include "dns/privdir.h"
#include "dns/server.h"
#include "dns/slow.h"
#include "dns/sync.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/net.h"
#include "lib/util.h"

#define BATCH       32
#define UDP_IN      4096
#define UDP_OUT     4096
#define MAX_WORKERS 16
#define MAX_CONNS   256 /* per TCP worker */
#define TCP_WORKERS 2

struct worker {
	struct dns_server *srv;
	pthread_t th;
	int fd;
	_Atomic(struct dns_snapshot *) active; /* hazard pointer */
};

struct dns_server {
	_Atomic(struct dns_snapshot *) snap;
	atomic_int stop;
	atomic_int failed;
	pthread_mutex_t publish_lock;
	pthread_mutex_t slow_lock; /* one slow path at a time */
	struct dns_slow slow;
	int forward;
	struct worker workers[MAX_WORKERS + TCP_WORKERS]; /* then TCP ones */
	int nworkers; /* UDP workers; TCP_WORKERS follow them */
	int tcp_fd;
	struct mdc_loop *loop; /* the main thread's: signals */
};

/*
 * Make s the snapshot every worker answers from (takes ownership) and free
 * the previous one once no worker still reads it.  Thread-safe.
 */
static void
server_publish(struct dns_server *srv, struct dns_snapshot *s)
{
	struct dns_snapshot *old;
	int busy;

	pthread_mutex_lock(&srv->publish_lock);
	old = atomic_exchange(&srv->snap, s);
	/* Wait until no reader still holds the old snapshot, then free it. */
	do {
		busy = 0;
		for (int i = 0; i < srv->nworkers + TCP_WORKERS; i++)
			if (old != NULL &&
			    atomic_load(&srv->workers[i].active) == old)
				busy = 1;
		if (busy)
			usleep(200);
	} while (busy);
	pthread_mutex_unlock(&srv->publish_lock);
	dns_snapshot_free(old);
}

/* The sync thread's sink (dns/sync.h). */
static void
sink_publish(void *ctx, struct dns_snapshot *s)
{
	server_publish(ctx, s);
}

/* Stop with a failure status (the supervisor restarts us). */
static void
sink_fail(void *ctx)
{
	struct dns_server *srv = ctx;

	atomic_store(&srv->failed, 1);
	mdc_loop_stop(srv->loop, 0); /* the main thread runs the loop */
}

/* Take the current snapshot as w's hazard pointer (re-checked after). */
static struct dns_snapshot *
acquire(struct worker *w)
{
	struct dns_snapshot *s;

	do {
		s = atomic_load(&w->srv->snap);
		atomic_store(&w->active, s);
	} while (atomic_load(&w->srv->snap) != s);
	return s;
}

static void
release(struct worker *w)
{
	atomic_store(&w->active, NULL);
}

/* Log what the slow path did (TKEY, UPDATE) with the client's address. */
static void
log_event(const struct sockaddr *peer, const char *event)
{
	char addr[INET6_ADDRSTRLEN] = "?";
	const void *a = NULL;

	if (peer->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)peer)->sin_addr;
	else if (peer->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)peer)->sin6_addr;
	if (a != NULL)
		inet_ntop(peer->sa_family, a, addr, sizeof(addr));
	log_info("%s from %s", event, addr);
}

/*
 * Answer one message: fast path, else parse it once into m (outside the
 * lock) for the slow path under the lock.  The caller dns_msg_clear()s m
 * after any zone transfer the verdict asks for.
 */
static int
handle(struct dns_server *srv, const struct dns_snapshot *s, const uint8_t *q,
       size_t qlen, const struct sockaddr *peer, int tcp, struct dns_msg *m,
       uint8_t *out, size_t cap, size_t *outlen)
{
	int v;

	m->pkt = NULL; /* the fast path leaves m alone: nothing to clear */
	v = dns_query_answer(s, q, qlen, tcp, srv->forward, out, cap, outlen);
	if (v != DNS_SLOW)
		return v;
	(void)dns_msg_parse(q, qlen, m); /* m->err is the slow path's */
	pthread_mutex_lock(&srv->slow_lock);
	srv->slow.event[0] = '\0';
	v = dns_slow_handle(&srv->slow, s, m, peer, tcp, out, cap, outlen);
	if (srv->slow.event[0] != '\0')
		log_event(peer, srv->slow.event);
	pthread_mutex_unlock(&srv->slow_lock);
	return v;
}

struct udp_bufs {
	struct mmsghdr in[BATCH], out[BATCH];
	struct iovec iov_in[BATCH], iov_out[BATCH];
	struct sockaddr_storage peer[BATCH];
	uint8_t qbuf[BATCH][UDP_IN];
	uint8_t rbuf[BATCH][UDP_OUT];
};

static void
add_out(struct udp_bufs *b, int slot, int i, size_t len)
{
	b->iov_out[slot].iov_base = b->rbuf[slot];
	b->iov_out[slot].iov_len = len;
	memset(&b->out[slot].msg_hdr, 0, sizeof(b->out[slot].msg_hdr));
	b->out[slot].msg_hdr.msg_name = &b->peer[i];
	b->out[slot].msg_hdr.msg_namelen = b->in[i].msg_hdr.msg_namelen;
	b->out[slot].msg_hdr.msg_iov = &b->iov_out[slot];
	b->out[slot].msg_hdr.msg_iovlen = 1;
}

static void
udp_batch(struct worker *w, struct udp_bufs *b, int n)
{
	const struct dns_snapshot *s = acquire(w);
	int nout = 0, nfwd = 0, fwd[BATCH], v;
	struct dns_msg m;
	size_t len;

	for (int i = 0; i < n; i++) {
		if (b->in[i].msg_hdr.msg_flags & MSG_TRUNC)
			continue;
		v = handle(w->srv, s, b->qbuf[i], b->in[i].msg_len,
		           (struct sockaddr *)&b->peer[i], 0, &m, b->rbuf[nout],
		           UDP_OUT, &len);
		dns_msg_clear(&m);
		if (v == DNS_FORWARD)
			fwd[nfwd++] = i;
		else if (v == DNS_SEND)
			add_out(b, nout++, i, len);
	}
	release(w);
	/* Relays block: done without the snapshot, after the rest. */
	for (int k = 0; k < nfwd; k++) {
		len = dns_slow_forward(&w->srv->slow, b->qbuf[fwd[k]],
		                       b->in[fwd[k]].msg_len, b->rbuf[nout],
		                       UDP_OUT);
		if (len > 0)
			add_out(b, nout++, fwd[k], len);
	}
	for (int sent = 0; sent < nout;) {
		int r = sendmmsg(w->fd, b->out + sent, nout - sent, 0);
		if (r <= 0)
			break; /* a full socket buffer drops replies, as UDP
			          does */
		sent += r;
	}
}

static void *
udp_worker(void *arg)
{
	struct worker *w = arg;
	struct udp_bufs *b = calloc(1, sizeof(*b));
	int n;

	if (b == NULL)
		return NULL;
	while (!atomic_load(&w->srv->stop)) {
		for (int i = 0; i < BATCH; i++) {
			b->iov_in[i].iov_base = b->qbuf[i];
			b->iov_in[i].iov_len = UDP_IN;
			memset(&b->in[i].msg_hdr, 0, sizeof(b->in[i].msg_hdr));
			b->in[i].msg_hdr.msg_name = &b->peer[i];
			b->in[i].msg_hdr.msg_namelen = sizeof(b->peer[i]);
			b->in[i].msg_hdr.msg_iov = &b->iov_in[i];
			b->in[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(w->fd, b->in, BATCH, MSG_WAITFORONE, NULL);
		if (n > 0)
			udp_batch(w, b, n);
	}
	free(b);
	return NULL;
}

/*
 * TCP: TCP_WORKERS threads, each an epoll loop over non-blocking sockets
 * (the listening socket is shared, EPOLLEXCLUSIVE).  Nothing a client does
 * blocks a thread: an answer the client does not read waits in the
 * connection (and its next queries wait in the kernel) until TCP_SEND_MS
 * passes; a message must arrive whole within TCP_MSG_MS of its first byte
 * (one byte every few seconds no longer keeps a connection); an idle one
 * lasts TCP_IDLE_MS.  One address holds at most TCP_PER_ADDR connections
 * of a thread, and a full table makes room by closing the connection that
 * made progress longest ago.
 */
#define TCP_IDLE_MS  10000
#define TCP_MSG_MS   3000
#define TCP_SEND_MS  5000
#define TCP_PER_ADDR 16
#define TCP_SNDBUF   65536 /* bytes; the kernel doubles it */

struct conn {
	int fd;
	uint8_t *buf; /* 2 + DNS_MSG_MAX */
	size_t len;
	uint8_t *out; /* an answer not yet taken by the client, or NULL */
	size_t olen, ooff;
	long long last;      /* last progress (bytes in or out) */
	long long msg_start; /* first byte of an incomplete message, or 0 */
	long long out_start; /* when out was queued */
	struct sockaddr_storage peer;
};

struct tcp_loop {
	struct worker *w;
	int ep;
	struct conn *conns[MAX_CONNS];
	uint8_t *scratch; /* 2 + DNS_MSG_MAX: the answer being built */
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Blocking send with the socket's timeout: zone transfers only. */
static int
send_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t r = send(fd, p, n, MSG_NOSIGNAL);
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int
tcp_send_msg(void *ctx, const uint8_t *msg, size_t len)
{
	struct conn *c = ctx;
	uint8_t l[2] = {len >> 8, len & 0xff};

	if (send_all(c->fd, l, 2) != 0 || send_all(c->fd, msg, len) != 0)
		return MDC_EAGAIN;
	return 0;
}

/* A zone transfer (allowed peers only) writes with a 2 s send timeout. */
static int
tcp_axfr(struct conn *c, const struct dns_snapshot *s, const struct dns_msg *m)
{
	struct timeval tv = {.tv_sec = 2};
	int fl = fcntl(c->fd, F_GETFL), ret;

	fcntl(c->fd, F_SETFL, fl & ~O_NONBLOCK);
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	ret = dns_slow_axfr(s, m, tcp_send_msg, c);
	fcntl(c->fd, F_SETFL, fl);
	/* MDC_EAGAIN: the client went away, not news. */
	if (ret != 0 && ret != MDC_EAGAIN)
		log_warn("zone transfer ended: %s", mdc_strerror(ret));
	return ret;
}

/* Write what the client takes now; the rest waits in c->out.  -1: close. */
static int
tcp_flush(struct tcp_loop *l, struct conn *c, const uint8_t *p, size_t n,
          int slot)
{
	struct epoll_event ev = {.data.u32 = (uint32_t)slot + 1};
	ssize_t r = send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (r < 0 && errno != EAGAIN && errno != EINTR)
		return -1;
	if (r > 0)
		c->last = now_ms();
	if (r == (ssize_t)n)
		return 0;
	r = r < 0 ? 0 : r;
	if (c->out == NULL) {
		c->out = malloc(n - (size_t)r);
		if (c->out == NULL)
			return -1;
		memcpy(c->out, p + r, n - (size_t)r);
		c->olen = n - (size_t)r;
		c->ooff = 0;
		c->out_start = now_ms();
	} else {
		c->ooff += (size_t)r;
	}
	/* Stop reading until the client takes its answer. */
	ev.events = EPOLLOUT;
	return epoll_ctl(l->ep, EPOLL_CTL_MOD, c->fd, &ev) == 0 ? 0 : -1;
}

/* Answer one complete message at the head of c's buffer. */
static int
tcp_answer(struct tcp_loop *l, struct conn *c, size_t mlen, int slot)
{
	struct worker *w = l->w;
	uint8_t *out = l->scratch;
	struct dns_snapshot *s;
	struct dns_msg m;
	size_t olen = 0;
	int v, ret = 0;

	s = acquire(w);
	v = handle(w->srv, s, c->buf + 2, mlen, (struct sockaddr *)&c->peer, 1,
	           &m, out + 2, DNS_MSG_MAX, &olen);
	if (v == DNS_AXFR)
		ret = tcp_axfr(c, s, &m);
	dns_msg_clear(&m);
	release(w);
	if (v == DNS_FORWARD) {
		olen = dns_slow_forward(&w->srv->slow, c->buf + 2, mlen,
		                        out + 2, DNS_MSG_MAX);
		v = olen > 0 ? DNS_SEND : DNS_DROP;
	}
	if (ret == 0 && v == DNS_SEND) {
		out[0] = (uint8_t)(olen >> 8);
		out[1] = (uint8_t)olen;
		ret = tcp_flush(l, c, out, olen + 2, slot);
	}
	return ret;
}

/* Answer the complete messages in c's buffer (pipelining); -1: close. */
static int
tcp_process(struct tcp_loop *l, struct conn *c, int slot)
{
	size_t mlen;
	int ret = 0, done = 0;

	while (ret == 0 && c->out == NULL && c->len >= 2 &&
	       c->len >= 2 + (mlen = (size_t)c->buf[0] << 8 | c->buf[1])) {
		if (mlen == 0)
			return -1;
		ret = tcp_answer(l, c, mlen, slot);
		memmove(c->buf, c->buf + 2 + mlen, c->len - 2 - mlen);
		c->len -= 2 + mlen;
		done = 1;
	}
	/* The clock of a message starts with its first byte. */
	if (c->len == 0)
		c->msg_start = 0;
	else if (done)
		c->msg_start = now_ms();
	return ret != 0 ? -1 : 0;
}

static void
conn_close(struct tcp_loop *l, int i)
{
	struct conn *c = l->conns[i];

	epoll_ctl(l->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->buf);
	free(c->out);
	free(c);
	l->conns[i] = NULL;
}

static int
same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return a->ss_family == AF_INET6 &&
	       memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
	              &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

/*
 * A slot for a new connection from peer: -1 if that address holds
 * TCP_PER_ADDR already; a free one; else the one whose last progress is
 * oldest (closed to make room).
 */
static int
conn_slot(struct tcp_loop *l, const struct sockaddr_storage *peer)
{
	int free_slot = -1, oldest = -1, same = 0;

	for (int i = 0; i < MAX_CONNS; i++) {
		struct conn *c = l->conns[i];

		if (c == NULL) {
			free_slot = free_slot < 0 ? i : free_slot;
			continue;
		}
		same += same_addr(&c->peer, peer);
		if (oldest < 0 || c->last < l->conns[oldest]->last)
			oldest = i;
	}
	if (same >= TCP_PER_ADDR)
		return -1;
	if (free_slot >= 0)
		return free_slot;
	conn_close(l, oldest);
	return oldest;
}

static void
tcp_accept(struct tcp_loop *l)
{
	struct epoll_event ev = {.events = EPOLLIN};
	struct sockaddr_storage peer;
	struct conn *c;
	socklen_t sl;
	int i, fd, sndbuf = TCP_SNDBUF;

	for (;;) {
		sl = sizeof(peer);
		fd = accept4(l->w->fd, (struct sockaddr *)&peer, &sl,
		             SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		i = conn_slot(l, &peer);
		c = i >= 0 ? calloc(1, sizeof(*c)) : NULL;
		if (c != NULL)
			c->buf = malloc(2 + DNS_MSG_MAX);
		if (c == NULL || c->buf == NULL) {
			free(c);
			close(fd);
			continue;
		}
		/* A client that does not read holds at most this much. */
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
		c->fd = fd;
		c->peer = peer;
		c->last = now_ms();
		l->conns[i] = c;
		ev.data.u32 = (uint32_t)i + 1;
		if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) != 0)
			conn_close(l, i);
	}
}

static void
tcp_read(struct tcp_loop *l, int i)
{
	struct conn *c = l->conns[i];
	ssize_t r;

	r = recv(c->fd, c->buf + c->len, 2 + DNS_MSG_MAX - c->len,
	         MSG_DONTWAIT);
	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
		conn_close(l, i);
		return;
	}
	if (r < 0)
		return;
	c->last = now_ms();
	if (c->len == 0)
		c->msg_start = c->last;
	c->len += (size_t)r;
	if (tcp_process(l, c, i) != 0)
		conn_close(l, i);
}

/* The client reads again: send the rest of its answer, then go on. */
static void
tcp_write(struct tcp_loop *l, int i)
{
	struct conn *c = l->conns[i];
	struct epoll_event ev = {.events = EPOLLIN,
	                         .data.u32 = (uint32_t)i + 1};
	ssize_t r = send(c->fd, c->out + c->ooff, c->olen - c->ooff,
	                 MSG_NOSIGNAL | MSG_DONTWAIT);

	if (r < 0 && errno != EAGAIN && errno != EINTR) {
		conn_close(l, i);
		return;
	}
	if (r <= 0)
		return;
	c->last = now_ms();
	c->ooff += (size_t)r;
	if (c->ooff < c->olen)
		return;
	free(c->out);
	c->out = NULL;
	if (epoll_ctl(l->ep, EPOLL_CTL_MOD, c->fd, &ev) != 0 ||
	    tcp_process(l, c, i) != 0)
		conn_close(l, i);
}

/* Close connections past their deadline. */
static void
tcp_expire(struct tcp_loop *l)
{
	long long now = now_ms();

	for (int i = 0; i < MAX_CONNS; i++) {
		struct conn *c = l->conns[i];

		if (c == NULL)
			continue;
		if ((c->out != NULL && now - c->out_start > TCP_SEND_MS) ||
		    (c->out == NULL && c->msg_start != 0 &&
		     now - c->msg_start > TCP_MSG_MS) ||
		    now - c->last > TCP_IDLE_MS)
			conn_close(l, i);
	}
}

static void *
tcp_thread(void *arg)
{
	struct tcp_loop *l = calloc(1, sizeof(*l));
	struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE}, evs[32];
	int n;

	if (l == NULL)
		return NULL;
	l->w = arg;
	l->scratch = malloc(2 + DNS_MSG_MAX);
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	ev.data.u32 = 0;
	if (l->scratch == NULL || l->ep < 0 ||
	    epoll_ctl(l->ep, EPOLL_CTL_ADD, l->w->fd, &ev) != 0)
		goto out;
	while (!atomic_load(&l->w->srv->stop)) {
		n = epoll_wait(l->ep, evs, 32, 200);
		for (int k = 0; k < n; k++) {
			uint32_t id = evs[k].data.u32;

			if (id == 0)
				tcp_accept(l);
			else if (l->conns[id - 1] == NULL)
				continue;
			else if (l->conns[id - 1]->out != NULL)
				tcp_write(l, (int)id - 1);
			else
				tcp_read(l, (int)id - 1);
		}
		tcp_expire(l);
	}
out:
	for (int i = 0; i < MAX_CONNS; i++)
		if (l->conns[i] != NULL)
			conn_close(l, i);
	if (l->ep >= 0)
		close(l->ep);
	free(l->scratch);
	free(l);
	return NULL;
}

struct opts {
	const char *dir, *zone, *origin, *listen, *forwarders, *axfr;
	long port, workers;
	int debug;
};

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
	        {"dir", required_argument, NULL, 'd'},
	        {"zone", required_argument, NULL, 'z'},
	        {"origin", required_argument, NULL, 'o'},
	        {"listen", required_argument, NULL, 'l'},
	        {"port", required_argument, NULL, 'p'},
	        {"workers", required_argument, NULL, 'w'},
	        {"forwarders", required_argument, NULL, 'f'},
	        {"axfr-allow", required_argument, NULL, 'a'},
	        {"debug", no_argument, NULL, 'D'},
	        {NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->dir = optarg;
			break;
		case 'z':
			o->zone = optarg;
			break;
		case 'o':
			o->origin = optarg;
			break;
		case 'l':
			o->listen = optarg;
			break;
		case 'p':
			o->port = strtol(optarg, NULL, 10);
			break;
		case 'w':
			o->workers = strtol(optarg, NULL, 10);
			break;
		case 'f':
			o->forwarders = optarg;
			break;
		case 'a':
			o->axfr = optarg;
			break;
		case 'D':
			o->debug = 1;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc || (o->dir == NULL) == (o->zone == NULL))
		return -1;
	if (o->zone != NULL && (o->origin == NULL || o->listen == NULL ||
	                        o->port <= 0 || o->port > 65535))
		return -1;
	return 0;
}

/* Serve a zone file (tests and benchmarks without a directory). */
static int
load_zone_file(struct dns_server *srv, const char *path, const char *origin)
{
	ldns_rdf *org = ldns_dname_new_frm_str(origin);
	struct dns_entry *ents = NULL;
	struct dns_snapshot *s = NULL;
	ldns_zone *z = NULL;
	size_t n = 0;
	int line = 0, ret = MDC_EMALF;
	FILE *f = fopen(path, "r");

	if (f == NULL || org == NULL) {
		ret = f == NULL ? mdc_err_from_errno(errno) : MDC_EINVAL;
		goto out;
	}
	if (ldns_zone_new_frm_fp_l(&z, f, org, 3600, LDNS_RR_CLASS_IN, &line) !=
	    LDNS_STATUS_OK) {
		log_err("zone file %s:%d: cannot parse", path, line);
		goto out;
	}
	if ((ret = dns_entries_from_zone(z, &ents, &n)) != 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct mdc_err why = {""};
		if (dns_rrs_drop_oversized(ents[i].rrs, &why) > 0)
			log_warn("zone file %s: record not served: %s", path,
			         why.text);
	}
	if ((ret = dns_snapshot_build(org, ents, n, &s)) != 0)
		goto out;
	server_publish(srv, s);
out:
	for (size_t i = 0; i < n; i++)
		dns_entry_clear(&ents[i]);
	free(ents);
	if (z != NULL)
		ldns_zone_deep_free(z);
	if (org != NULL)
		ldns_rdf_deep_free(org);
	if (f != NULL)
		fclose(f);
	return ret;
}

/*
 * Steer each datagram to the worker socket of the CPU that received it
 * (as Knot does): plain SO_REUSEPORT hashes the 4-tuple, so a few busy
 * clients can land on one worker while the others idle.  Best effort.
 */
static void
steer_by_cpu(int fd, int nworkers)
{
	struct sock_filter code[] = {
	        {BPF_LD | BPF_W | BPF_ABS, 0, 0, SKF_AD_OFF + SKF_AD_CPU},
	        {BPF_ALU | BPF_MOD | BPF_K, 0, 0, (uint32_t)nworkers},
	        {BPF_RET | BPF_A, 0, 0, 0},
	};
	struct sock_fprog prog = {3, code};

	if (nworkers > 1)
		setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog,
		           sizeof(prog));
}

static int
bind_all(struct dns_server *srv, const char *ip, int port)
{
	struct timeval tv = {.tv_usec = 200000};
	int ret, fd;

	for (int i = 0; i < srv->nworkers; i++) {
		ret = mdc_net_listen(ip, port, SOCK_DGRAM, 1, &fd);
		if (ret != 0)
			return ret;
		/* Blocking receive with a timeout: workers notice stop. */
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		srv->workers[i].fd = fd;
	}
	steer_by_cpu(srv->workers[0].fd, srv->nworkers);
	return mdc_net_listen(ip, port, SOCK_STREAM, 0, &srv->tcp_fd);
}

static int
start_threads(struct dns_server *srv)
{
	for (int i = 0; i < srv->nworkers + TCP_WORKERS; i++) {
		struct worker *w = &srv->workers[i];
		int tcp = i >= srv->nworkers;

		w->srv = srv;
		if (tcp)
			w->fd = srv->tcp_fd;
		if (pthread_create(&w->th, NULL, tcp ? tcp_thread : udp_worker,
		                   w) != 0)
			return MDC_ENOMEM;
	}
	return 0;
}

static void
on_stop(struct mdc_loop *l, int sig, void *arg)
{
	(void)arg;
	log_info("signal %d: stopping", sig);
	mdc_loop_stop(l, 0);
}

/*
 * The main thread's loop takes SIGTERM/SIGINT; the workers, started later,
 * inherit them blocked.  It watches no fd: the workers own the sockets.
 */
static int
setup_loop(struct dns_server *srv)
{
	return mdc_loop_daemon(&srv->loop, on_stop, srv);
}

struct run {
	struct opts o;
	struct dns_conf conf; /* with --dir: from the DC shell's loader */
	int have_conf;
	struct dns_sync *sync;
};

/*
 * Everything the server opens by name after the drop lives in its own
 * directory, DIR/run/dns, entered before the drop (dns/privdir.h); a server
 * given a zone file (no DIR) opens nothing afterwards and waits in "/".
 */
static int
prepare_drop(struct run *r, struct mdc_privdrop_id *id)
{
	struct mdc_err err = {""};
	int ret;

	if (!r->have_conf) {
		ret = mdc_privdrop_lookup(MDC_PRIVDROP_USER, id);
		if (ret != 0)
			log_err("user %s does not exist", MDC_PRIVDROP_USER);
		return ret;
	}
	ret = dns_privdir_prepare(&r->conf, id, &err);
	if (ret != 0)
		log_err("%s", err.text);
	return ret;
}

/* The DC's settings for DIR into the options the rest of the code uses. */
static int
setup_dir(struct run *r, dns_conf_loader load)
{
	struct mdc_err err = {"no configuration loader"};
	int ret = MDC_EINVAL;

	if (load != NULL)
		ret = load(r->o.dir, &r->conf, &err);
	if (ret != 0) {
		log_err("%s", err.text);
		return ret;
	}
	r->have_conf = 1;
	r->o.listen = r->conf.address;
	r->o.port = r->conf.port;
	if (r->o.workers <= 0)
		r->o.workers = r->conf.workers;
	r->o.forwarders = r->conf.forwarders;
	r->o.axfr = r->conf.axfr_allow;
	if (r->conf.debug)
		mdc_log_open("dns", NULL, MDC_LOG_DEBUG);
	return 0;
}

static int
serve(struct run *r, struct dns_server *srv)
{
	struct dns_sync_sink sink = {srv, sink_publish, sink_fail};
	struct mdc_privdrop_id id;
	int ret;

	if (r->o.workers <= 0)
		r->o.workers = sysconf(_SC_NPROCESSORS_ONLN);
	srv->nworkers = r->o.workers < 1             ? 1
	                : r->o.workers > MAX_WORKERS ? MAX_WORKERS
	                                             : r->o.workers;
	if ((ret = dns_slow_config(&srv->slow, r->o.forwarders, r->o.axfr)) !=
	    0) {
		log_err("bad [dns] forwarders or axfr_allow list");
		return ret;
	}
	srv->forward = srv->slow.nforwarders > 0;
	/* First: the Kerberos library reads its settings at the first use. */
	if ((ret = prepare_drop(r, &id)) != 0)
		return ret;
	if ((ret = bind_all(srv, r->o.listen, (int)r->o.port)) != 0) {
		log_err_r(ret, "cannot bind %s port %ld", r->o.listen,
		          r->o.port);
		return ret;
	}
	if (r->have_conf)
		ret = dns_sync_open(&r->conf, &sink, &srv->slow, &r->sync);
	else
		ret = load_zone_file(srv, r->o.zone, r->o.origin);
	if (ret != 0) {
		log_err_r(ret, "cannot load the zone");
		return ret;
	}
	if ((ret = mdc_privdrop_enter(r->have_conf ? "." : "/", &id)) != 0) {
		log_err_r(ret, "cannot drop privileges to %s",
		          MDC_PRIVDROP_USER);
		return ret;
	}
	if ((ret = start_threads(srv)) != 0 ||
	    (r->sync != NULL && (ret = dns_sync_start(r->sync)) != 0))
		return ret;
	log_info("serving on %s port %ld (udp x%d, tcp x%d)", r->o.listen,
	         r->o.port, srv->nworkers, TCP_WORKERS);
	ret = mdc_loop_run(srv->loop);
	if (ret != 0)
		log_err_r(ret, "event loop");
	return ret;
}

static void
shutdown_server(struct run *r, struct dns_server *srv)
{
	atomic_store(&srv->stop, 1);
	for (int i = 0; i < srv->nworkers + TCP_WORKERS; i++)
		if (srv->workers[i].th != 0)
			pthread_join(srv->workers[i].th, NULL);
	if (r->sync != NULL)
		dns_sync_close(r->sync);
	for (int i = 0; i < srv->nworkers; i++)
		if (srv->workers[i].fd > 0)
			close(srv->workers[i].fd);
	if (srv->tcp_fd > 0)
		close(srv->tcp_fd);
	dns_snapshot_free(atomic_load(&srv->snap));
	dns_tsig_keys_free(srv->slow.keys);
	dns_conf_clear(&r->conf);
	mdc_loop_free(srv->loop);
}

int
dns_cmd_serve(int argc, char **argv, dns_conf_loader load)
{
	struct run r = {0};
	struct dns_server *srv = calloc(1, sizeof(*srv));
	int ret;

	if (srv == NULL)
		return 1;
	if (parse_opts(argc, argv, &r.o) != 0) {
		fprintf(stderr,
		        "usage: minidc dns-serve --dir DIR | --zone FILE "
		        "--origin NAME --listen IP --port N [--workers N] "
		        "[--forwarders L] [--axfr-allow L]\n");
		free(srv);
		return 2;
	}
	mdc_log_open("dns", NULL, r.o.debug ? MDC_LOG_DEBUG : MDC_LOG_INFO);
	pthread_mutex_init(&srv->publish_lock, NULL);
	pthread_mutex_init(&srv->slow_lock, NULL);
	srv->slow.now = NULL;
	ret = setup_loop(srv);
	if (ret != 0)
		log_err_r(ret, "cannot set up signals");
	if (ret == 0 && r.o.dir != NULL)
		ret = setup_dir(&r, load);
	if (ret == 0)
		ret = serve(&r, srv);
	shutdown_server(&r, srv);
	if (atomic_load(&srv->failed))
		ret = MDC_ELDAP;
	free(srv);
	return ret == 0 ? 0 : 1;
}
