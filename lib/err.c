/* lib/err.c - text for minidc status codes */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/err.h"

static const char *const own_msgs[] = {
        [1] = "malformed input",
        [2] = "input truncated",
        [3] = "no space in output buffer",
        [4] = "LDAP operation failed",
        [5] = "Kerberos operation failed",
        [6] = "bad configuration",
        [7] = "child process failed",
        [8] = "permission denied by domain policy",
        [9] = "DNS library failure",
        [10] = "cryptographic library failure",
        [11] = "operation not supported",
};

const char *
mdc_strerror(int code)
{
	int idx;

	if (code == 0)
		return "success";
	if (code > MDC_EBASE && code < 0)
		return strerror(-code);
	idx = MDC_EBASE - code;
	if (idx > 0 && idx < (int)(sizeof(own_msgs) / sizeof(own_msgs[0])) &&
	    own_msgs[idx] != NULL)
		return own_msgs[idx];
	return "unknown error";
}

int
mdc_err_from_errno(int errnum)
{
	if (errnum <= 0 || errnum >= -MDC_EBASE)
		return MDC_EINVAL;
	return -errnum;
}

int
mdc_err_set(struct mdc_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return code;
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
	return code;
}

/* Append src to dst (holding *len bytes) within MDC_ERR_TEXT, truncating. */
static void
append(char *dst, size_t *len, const char *src)
{
	size_t n = strlen(src);

	if (n > MDC_ERR_TEXT - 1 - *len)
		n = MDC_ERR_TEXT - 1 - *len;
	memcpy(dst + *len, src, n);
	*len += n;
	dst[*len] = '\0';
}

int
mdc_err_prefix(struct mdc_err *e, int code, const char *fmt, ...)
{
	char out[MDC_ERR_TEXT], head[MDC_ERR_TEXT];
	size_t len = 0;
	va_list ap;

	if (e == NULL)
		return code;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	e->text[sizeof(e->text) - 1] = '\0';
	out[0] = '\0';
	append(out, &len, head);
	append(out, &len, ": ");
	append(out, &len, e->text[0] != '\0' ? e->text : mdc_strerror(code));
	memcpy(e->text, out, len + 1);
	return code;
}

const char *
mdc_err_text(const struct mdc_err *e, int code)
{
	if (e == NULL || e->text[0] == '\0')
		return mdc_strerror(code);
	return e->text;
}
