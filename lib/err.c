/* lib/err.c - text for minidc status codes */
#include "config.h"

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
