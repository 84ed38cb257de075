/* migrate-auth/conn.c - one connection of the agent (conn.h) */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gssapi/gssapi_ext.h>

#include "lib/net.h"
#include "migrate-auth/conn.h"
#include "migrate-auth/proto.h"

#define IO_TIMEOUT_S 30

void
mdc_conn_timeouts(int fd)
{
	struct timeval tv = {IO_TIMEOUT_S, 0};

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

int
mdc_conn_connect(const char *host, int port, const char *bind_ip, int *fd_out,
                 struct mdc_err *e)
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
		return mdc_err_set(e, MDC_ENOENT, "%s: %s", host,
		                   gai_strerror(rc));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		mdc_conn_timeouts(fd);
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
		return mdc_err_set(e, mdc_err_from_errno(rc),
		                   "connecting to %s port %d: %s", host, port,
		                   strerror(rc));
	*fd_out = fd;
	return 0;
}

/* One authenticated PAC buffer of the client's name, or NULL. */
uint8_t *
mdc_conn_pac(gss_name_t name, const char *attr, size_t *len)
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

void
mdc_conn_who(struct mdc_conn *c)
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

void
mdc_conn_say(mdc_mig_say_fn say, void *arg, enum mdc_mig_say lvl,
             const char *fmt, ...)
{
	/* room for a peer's whole reason (MAX_TEXT) and our words around it */
	char line[MDC_MIG_MAX_TEXT + 512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	say(arg, lvl, line);
}

void
mdc_conn_drain(int fd)
{
	uint8_t buf[65536];
	struct pollfd p = {fd, POLLIN, 0};
	int i;

	(void)shutdown(fd, SHUT_WR);
	for (i = 0; i < 8192 && poll(&p, 1, 2000) > 0; i++)
		if (read(fd, buf, sizeof(buf)) <= 0)
			break;
}
