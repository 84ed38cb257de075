/* dc/guard.c - a service socket whose connections outlive the service */
#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dc/guard.h"
#include "lib/net.h"

#define GUARD_ENV "MINIDC_GUARD_FDS"

/* One message on the channel (SOCK_SEQPACKET keeps them whole). */
enum { MSG_READY = 'R', MSG_HOLD = 'H', MSG_DONE = 'D' };
struct gmsg {
	uint8_t type;
	int32_t id; /* the connection's fd number in the instance */
};

struct held {
	int32_t id;
	int fd;
};

struct mdc_guard {
	char *path;
	char *reply;
	int lfd;       /* the listener, ours for the guard's life */
	int chan;      /* our end of the running instance's channel, or -1 */
	int child_end; /* until spawned: the instance's end (inheritable) */
	int lcopy;     /* until spawned: inheritable copy of the listener */
	int running, ready;
	struct held *h;
	size_t nh, caph;
};

int
mdc_guard_new(const char *path, const char *reply, struct mdc_guard **g_out)
{
	struct mdc_guard *g = calloc(1, sizeof(*g));
	int ret = MDC_ENOMEM;

	*g_out = NULL;
	if (g == NULL)
		goto out;
	g->lfd = g->chan = g->child_end = g->lcopy = -1;
	g->path = strdup(path);
	g->reply = strdup(reply);
	if (g->path == NULL || g->reply == NULL)
		goto out;
	ret = mdc_net_listen_unix(path, &g->lfd);
	/* Only root may connect; the supervisor gives it to slapd's group
	 * (dc/service.h guard_group). */
	if (ret == 0 && chmod(path, 0600) != 0) {
		ret = mdc_err_from_errno(errno);
		close(g->lfd);
		unlink(path);
	}
	if (ret != 0)
		goto out;
	*g_out = g;
	g = NULL;
out:
	if (g != NULL) {
		free(g->path);
		free(g->reply);
	}
	free(g);
	return ret;
}

/*
 * Write the reply on a connection nobody answered, then close it.  What the
 * peer already sent is read first (without waiting), so that it does not
 * see a reset before it reads the reply.
 */
static void
answer(const struct mdc_guard *g, int fd)
{
	char scratch[16384];
	int i = 0;

	while (i++ < 64 && recv(fd, scratch, sizeof(scratch), MSG_DONTWAIT) > 0)
		;
	(void)send(fd, g->reply, strlen(g->reply), MSG_DONTWAIT | MSG_NOSIGNAL);
	shutdown(fd, SHUT_WR);
	close(fd);
}

static int
answer_held(struct mdc_guard *g)
{
	int n = (int)g->nh;

	for (size_t i = 0; i < g->nh; i++)
		answer(g, g->h[i].fd);
	g->nh = 0;
	return n;
}

static void
hold(struct mdc_guard *g, int32_t id, int fd)
{
	struct held *nh;

	if (g->nh == g->caph) {
		nh = realloc(g->h, (g->caph * 2 + 16) * sizeof(*nh));
		if (nh == NULL) {
			close(fd); /* unguarded then, as without a guard */
			return;
		}
		g->h = nh;
		g->caph = g->caph * 2 + 16;
	}
	g->h[g->nh].id = id;
	g->h[g->nh++].fd = fd;
}

static void
release(struct mdc_guard *g, int32_t id)
{
	for (size_t i = 0; i < g->nh; i++) {
		if (g->h[i].id != id)
			continue;
		close(g->h[i].fd);
		g->h[i] = g->h[--g->nh];
		return;
	}
}

/* Receive one message; its fd (if any) in *fd.  >0 got one, 0 none now,
 * <0 the channel ended. */
static int
recv_msg(int chan, struct gmsg *m, int *fd)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = {m, sizeof(*m)};
	struct msghdr mh = {.msg_iov = &iov,
	                    .msg_iovlen = 1,
	                    .msg_control = ctl.b,
	                    .msg_controllen = sizeof(ctl.b)};
	struct cmsghdr *c;
	ssize_t n;

	*fd = -1;
	n = recvmsg(chan, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(fd, CMSG_DATA(c), sizeof(int));
	if ((size_t)n != sizeof(*m))
		m->type = 0;
	return 1;
}

void
mdc_guard_read(struct mdc_guard *g)
{
	struct gmsg m;
	int fd, r;

	while (g->chan >= 0 && (r = recv_msg(g->chan, &m, &fd)) != 0) {
		if (r < 0) {
			/* It closed its end: what it holds is answered when it
			 * exits (mdc_guard_gone), it may still answer itself.
			 */
			close(g->chan);
			g->chan = -1;
			break;
		}
		if (m.type == MSG_HOLD && fd >= 0)
			hold(g, m.id, fd);
		else if (fd >= 0)
			close(fd);
		if (m.type == MSG_DONE)
			release(g, m.id);
		else if (m.type == MSG_READY)
			g->ready = 1;
	}
}

int
mdc_guard_gone(struct mdc_guard *g)
{
	int n;

	if (g == NULL)
		return 0;
	mdc_guard_read(g); /* what it sent before dying is still queued */
	n = answer_held(g);
	if (g->chan >= 0)
		close(g->chan);
	g->chan = -1;
	g->running = g->ready = 0;
	return n;
}

int
mdc_guard_refuse(struct mdc_guard *g)
{
	struct pollfd p = {.fd = g->lfd, .events = POLLIN};
	int fd, n = 0;

	/* The listener is shared with the instances (blocking): look first. */
	while (poll(&p, 1, 0) == 1 && (p.revents & POLLIN)) {
		fd = accept4(g->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			break;
		answer(g, fd);
		n++;
	}
	return n;
}

int
mdc_guard_arm(struct mdc_guard *g)
{
	int sv[2] = {-1, -1}, ret = 0;
	char env[32];

	(void)mdc_guard_gone(g);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return mdc_err_from_errno(errno);
	/* The instance's copies must survive exec; ours must not leak. */
	g->lcopy = fcntl(g->lfd, F_DUPFD, 3);
	if (g->lcopy < 0 || fcntl(sv[1], F_SETFD, 0) != 0 ||
	    fcntl(sv[0], F_SETFL, O_NONBLOCK) != 0)
		ret = mdc_err_from_errno(errno);
	snprintf(env, sizeof(env), "%d,%d", g->lcopy, sv[1]);
	if (ret == 0 && setenv(GUARD_ENV, env, 1) != 0)
		ret = MDC_ENOMEM;
	if (ret != 0) {
		close(sv[0]);
		close(sv[1]);
		if (g->lcopy >= 0)
			close(g->lcopy);
		g->lcopy = -1;
		return ret;
	}
	g->chan = sv[0];
	g->child_end = sv[1];
	g->running = 1;
	return 0;
}

void
mdc_guard_spawned(struct mdc_guard *g)
{
	unsetenv(GUARD_ENV);
	if (g->child_end >= 0)
		close(g->child_end);
	if (g->lcopy >= 0)
		close(g->lcopy);
	g->child_end = g->lcopy = -1;
}

int
mdc_guard_chan_fd(const struct mdc_guard *g)
{
	return g->chan;
}

int
mdc_guard_listen_fd(const struct mdc_guard *g)
{
	return g->running ? -1 : g->lfd;
}

int
mdc_guard_ready(const struct mdc_guard *g)
{
	return g->ready;
}

void
mdc_guard_free(struct mdc_guard *g)
{
	if (g == NULL)
		return;
	(void)mdc_guard_gone(g);
	mdc_guard_spawned(g);
	mdc_guard_refuse(g);
	close(g->lfd);
	unlink(g->path);
	free(g->h);
	free(g->path);
	free(g->reply);
	free(g);
}

/* ---- service side ---- */

static int
parse_fd(const char *s, char **end)
{
	long v = strtol(s, end, 10);

	return *end == s || v < 0 || v > 65535 ? -1 : (int)v;
}

int
mdc_guard_child(int *listen_out, int *chan_out)
{
	const char *env = getenv(GUARD_ENV);
	char *end = NULL;
	int lfd, chan;

	*listen_out = *chan_out = -1;
	if (env == NULL)
		return MDC_ENOENT;
	lfd = parse_fd(env, &end);
	chan = *end == ',' ? parse_fd(end + 1, &end) : -1;
	if (lfd < 0 || chan < 0 || *end != '\0' ||
	    fcntl(lfd, F_SETFD, FD_CLOEXEC) != 0 ||
	    fcntl(chan, F_SETFD, FD_CLOEXEC) != 0)
		return MDC_EINVAL;
	unsetenv(GUARD_ENV); /* our own children are not guarded */
	*listen_out = lfd;
	*chan_out = chan;
	return 0;
}

static int
send_msg(int chan, int type, int fd)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct gmsg m = {.type = (uint8_t)type, .id = fd};
	struct iovec iov = {&m, sizeof(m)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *c;
	ssize_t n;

	memset(&ctl, 0, sizeof(ctl));
	if (type == MSG_HOLD) {
		mh.msg_control = ctl.b;
		mh.msg_controllen = sizeof(ctl.b);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do
		n = sendmsg(chan, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(m) ? 0 : mdc_err_from_errno(errno);
}

int
mdc_guard_child_ready(int chan)
{
	return send_msg(chan, MSG_READY, -1);
}

int
mdc_guard_hold(int chan, int fd)
{
	return send_msg(chan, MSG_HOLD, fd);
}

int
mdc_guard_done(int chan, int fd)
{
	return send_msg(chan, MSG_DONE, fd);
}
