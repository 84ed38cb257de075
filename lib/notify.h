/* lib/notify.h - tell the service manager about our state (sd_notify) */
#ifndef MDC_NOTIFY_H
#define MDC_NOTIFY_H

#include "lib/err.h"

/*
 * Send one notification datagram, such as "READY=1\nSTATUS=...", to the
 * service manager's socket, as systemd's sd_notify(3) protocol says:
 * socket is the value of $NOTIFY_SOCKET (an absolute path, or "@name" for
 * an abstract socket).  The caller reads the environment; this function
 * does not.  Returns 0, MDC_EINVAL for an unusable socket name, or the
 * send error.
 */
MDC_MUSTCHECK int mdc_notify_send(const char *socket, const char *msg);

#endif
