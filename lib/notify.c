/* lib/notify.c - the sd_notify datagram protocol, without libsystemd */
#include "config.h"

#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/notify.h"

int
mdc_notify_send(const char *socket_name, const char *msg)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t n = socket_name != NULL ? strlen(socket_name) : 0;
	socklen_t len;
	int fd, ret = 0;

	if (n < 2 || n >= sizeof(sun.sun_path) ||
	    (socket_name[0] != '/' && socket_name[0] != '@'))
		return MDC_EINVAL;
	memcpy(sun.sun_path, socket_name, n);
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0'; /* abstract namespace, not NUL-ended */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
	                  (socket_name[0] == '/' ? 1 : 0));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return mdc_err_from_errno(errno);
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sun,
	           len) < 0)
		ret = mdc_err_from_errno(errno);
	close(fd);
	return ret;
}
