/* lib/log.c - stderr + file logging with service names and timestamps */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/err.h"
#include "lib/log.h"

static char log_ident[64] = "minidc";
static int log_fd = -1;
static enum mdc_log_level log_max = MDC_LOG_INFO;

static const char *const level_names[] = {"error", "warning", "info", "debug"};

int
mdc_log_open(const char *ident, const char *path, enum mdc_log_level max)
{
	mdc_log_set_ident(ident);
	log_max = max;
	if (path == NULL)
		return 0;
	mdc_log_close();
	log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (log_fd < 0)
		return mdc_err_from_errno(errno);
	return 0;
}

void
mdc_log_close(void)
{
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
}

void
mdc_log_set_ident(const char *ident)
{
	if (ident != NULL)
		snprintf(log_ident, sizeof(log_ident), "%s", ident);
}

/* Write all of buf to fd, ignoring errors: logging must never fail a caller. */
static void
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

void
mdc_vlog(enum mdc_log_level lvl, const char *fmt, va_list ap)
{
	char line[2048], ts[32];
	struct timespec now;
	struct tm tm;
	int n, m;

	if (lvl > log_max)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	/* Under the supervisor, which stamps each relayed line with the time
	 * and the service name, print the level and the message only. */
	if (getenv("MINIDC_SUPERVISED") != NULL && log_fd < 0)
		n = snprintf(line, sizeof(line), "%s: ", level_names[lvl]);
	else
		n = snprintf(line, sizeof(line), "%s.%03ldZ %s: %s: ", ts,
		             now.tv_nsec / 1000000, log_ident,
		             level_names[lvl]);
	if (n < 0)
		return;
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (m < 0)
		return;
	n += m;
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	write_all(STDERR_FILENO, line, (size_t)n);
	if (log_fd >= 0)
		write_all(log_fd, line, (size_t)n);
}

void
mdc_log(enum mdc_log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mdc_vlog(lvl, fmt, ap);
	va_end(ap);
}

void
mdc_log_line(const char *ident, const char *text)
{
	char line[2048], ts[32];
	struct timespec now;
	struct tm tm;
	int n;

	/* The child's line carries its own level ("info: ..."), if any. */
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof(line), "%s.%03ldZ %s: %s\n", ts,
	             now.tv_nsec / 1000000, ident, text);
	if (n < 0)
		return;
	if (n >= (int)sizeof(line)) {
		n = (int)sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	write_all(STDERR_FILENO, line, (size_t)n);
	if (log_fd >= 0)
		write_all(log_fd, line, (size_t)n);
}

void
log_err_r(int code, const char *fmt, ...)
{
	char msg[1536];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mdc_log(MDC_LOG_ERR, "%s: %s", msg, mdc_strerror(code));
}
