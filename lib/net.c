/* lib/net.c - socket helpers */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/net.h"

int
mdc_net_addr(const char *ip, int port, struct sockaddr_storage *ss,
             socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	if (port < 0 || port > 65535)
		return MDC_EINVAL;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return 0;
	}
	return MDC_EINVAL;
}

int
mdc_net_listen(const char *ip, int port, int type, int reuseport, int *fd_out)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = -1, one = 1, ret;

	*fd_out = -1;
	ret = mdc_net_addr(ip, port, &ss, &len);
	if (ret != 0)
		goto out;
	fd = socket(ss.ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		ret = mdc_err_from_errno(errno);
		goto out;
	}
	/*
	 * TCP only: it skips TIME_WAIT on restart.  On UDP it would let a
	 * second daemon bind the same address and port without an error.
	 */
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (reuseport)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 ||
	    (type == SOCK_STREAM && listen(fd, 128) != 0)) {
		ret = mdc_err_from_errno(errno);
		goto out;
	}
	*fd_out = fd;
	fd = -1;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

int
mdc_net_port_free(const char *ip, int port, int type)
{
	int fd, ret;

	ret = mdc_net_listen(ip, port, type, 0, &fd);
	if (ret == 0)
		close(fd);
	return ret;
}

int
mdc_net_tcp_probe(const char *ip, int port, int timeout_ms)
{
	struct sockaddr_storage ss;
	struct pollfd pfd;
	socklen_t len, elen = sizeof(int);
	int fd = -1, ret, err = 0;

	ret = mdc_net_addr(ip, port, &ss, &len);
	if (ret != 0)
		return ret;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	            0);
	if (fd < 0)
		return mdc_err_from_errno(errno);
	if (connect(fd, (struct sockaddr *)&ss, len) == 0) {
		ret = 0;
		goto out;
	}
	if (errno != EINPROGRESS) {
		ret = mdc_err_from_errno(errno);
		goto out;
	}
	pfd.fd = fd;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, timeout_ms) != 1) {
		ret = MDC_ETIMEDOUT;
		goto out;
	}
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
	ret = err == 0 ? 0 : mdc_err_from_errno(err);
out:
	close(fd);
	return ret;
}

/* Fill a sockaddr_un; MDC_ERANGE if the path does not fit. */
static int
unix_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return MDC_ERANGE;
	memcpy(sun->sun_path, path, strlen(path));
	return 0;
}

int
mdc_net_connect_unix(const char *path, int *fd_out)
{
	struct sockaddr_un sun;
	int fd, ret;

	*fd_out = -1;
	ret = unix_addr(path, &sun);
	if (ret != 0)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return mdc_err_from_errno(errno);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		ret = mdc_err_from_errno(errno);
		close(fd);
		return ret;
	}
	*fd_out = fd;
	return 0;
}

int
mdc_net_unix_probe(const char *path)
{
	int fd, ret;

	ret = mdc_net_connect_unix(path, &fd);
	if (ret == 0)
		close(fd);
	return ret;
}

int
mdc_net_listen_unix(const char *path, int *fd_out)
{
	struct sockaddr_un sun;
	int fd = -1, ret;

	*fd_out = -1;
	ret = unix_addr(path, &sun);
	if (ret != 0)
		goto out;
	/* A socket file nobody answers on is stale: a crashed earlier run. */
	if (mdc_net_unix_probe(path) == 0) {
		ret = MDC_EADDRINUSE;
		goto out;
	}
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    listen(fd, 64) != 0) {
		ret = mdc_err_from_errno(errno);
		goto out;
	}
	*fd_out = fd;
	fd = -1;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

int
mdc_net_send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		n = send(fd, p + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return MDC_ETRUNC;
		off += (size_t)n;
	}
	return 0;
}
