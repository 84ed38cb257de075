/* lib/log.h - one logging facility for minidc programs (never used by
 * libraries) */
#ifndef MDC_LOG_H
#define MDC_LOG_H

#include <stdarg.h>

enum mdc_log_level {
	MDC_LOG_ERR = 0,
	MDC_LOG_WARN,
	MDC_LOG_INFO,
	MDC_LOG_DEBUG
};

/*
 * Configure logging for this process: every line is
 *   "<ISO time> <ident>: <level>: <message>"
 * written to stderr and, when path is non-NULL, appended to that file
 * (created 0640).  ident names the service ("slapd", "dns", "supervisor").
 * With MINIDC_SUPERVISED set in the environment (by the supervisor for its
 * children) and no file, lines are "<level>: <message>": the supervisor
 * adds the time and the service name when it relays them.
 * Returns 0 or a negative MDC_E* code if the file cannot be opened.
 */
int mdc_log_open(const char *ident, const char *path, enum mdc_log_level max);
void mdc_log_close(void);
/* Change the ident (used by forked children). */
void mdc_log_set_ident(const char *ident);

void mdc_log(enum mdc_log_level lvl, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
void mdc_vlog(enum mdc_log_level lvl, const char *fmt, va_list ap);

/*
 * Callers never pass secrets (passwords, keys, tickets) to these functions:
 * there is no "%s of a password" anywhere in minidc.  Error variants append
 * ": <mdc_strerror(code)>".
 */
#define log_err(...)   mdc_log(MDC_LOG_ERR, __VA_ARGS__)
#define log_warn(...)  mdc_log(MDC_LOG_WARN, __VA_ARGS__)
#define log_info(...)  mdc_log(MDC_LOG_INFO, __VA_ARGS__)
#define log_debug(...) mdc_log(MDC_LOG_DEBUG, __VA_ARGS__)
/* Log one line on behalf of another service (the supervisor relays its
 * children's output this way): "<time> <ident>: <text>", never filtered. */
void mdc_log_line(const char *ident, const char *text);
void log_err_r(int code, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

#endif
