/* lib/err.h - minidc status codes: 0 is success, failures are negative */
#ifndef MDC_ERR_H
#define MDC_ERR_H

#include <errno.h>

#define MDC_MUSTCHECK __attribute__((warn_unused_result))

/*
 * Codes that have an errno twin are that errno negated, so a syscall failure
 * becomes -errno without a table.  Our own codes live below -4096, out of
 * errno's range.
 */
enum {
	MDC_OK = 0,
	MDC_ENOMEM = -ENOMEM,
	MDC_EINVAL = -EINVAL,
	MDC_ENOENT = -ENOENT,
	MDC_EEXIST = -EEXIST,
	MDC_EACCES = -EACCES,
	MDC_EAGAIN = -EAGAIN,
	MDC_ERANGE = -ERANGE,
	MDC_ETIMEDOUT = -ETIMEDOUT,
	MDC_EADDRINUSE = -EADDRINUSE,

	MDC_EBASE = -4096,
	MDC_EMALF = MDC_EBASE - 1,  /* malformed input (network bytes, files) */
	MDC_ETRUNC = MDC_EBASE - 2, /* input ended early */
	MDC_ESPACE = MDC_EBASE - 3, /* output buffer too small */
	MDC_ELDAP = MDC_EBASE - 4,  /* LDAP operation failed */
	MDC_EKRB5 = MDC_EBASE - 5,  /* Kerberos operation failed */
	MDC_ECONF = MDC_EBASE - 6,  /* bad configuration */
	MDC_ECHILD = MDC_EBASE - 7, /* a child process failed */
	MDC_EDENIED = MDC_EBASE - 8,  /* not authorized */
	MDC_EDNS = MDC_EBASE - 9,     /* DNS library failure */
	MDC_ECRYPTO = MDC_EBASE - 10, /* OpenSSL failure */
	MDC_ENOTSUP = MDC_EBASE - 11, /* operation not supported */
	MDC_ELAST = MDC_EBASE - 12,
};

/* Return a static English description of a status code; never NULL. */
const char *mdc_strerror(int code);

/* Map an errno value (positive) to a status code (negative, or MDC_EINVAL for
 * 0). */
int mdc_err_from_errno(int errnum);

#endif
