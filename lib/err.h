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

/*
 * The one carrier of error details: a function returns its status code and,
 * when the caller passed a struct mdc_err, a one-line English reason for a
 * log line or a terminal ("what failed: why").  Callers that only need the
 * code pass NULL.  One size for every module so that a reason can be handed
 * up through the layers without copying into differently sized buffers.
 */
#define MDC_ERR_TEXT 512
struct mdc_err {
	char text[MDC_ERR_TEXT];
};

/* Format e->text (e may be NULL) and return code, so that a failure is one
 * statement: `return mdc_err_set(e, MDC_EINVAL, "bad port %s", p);`. */
int mdc_err_set(struct mdc_err *e, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Put "<prefix>: " in front of e->text (e may be NULL; truncates at the end);
 * returns code.  For a caller that adds its context to a callee's reason. */
int mdc_err_prefix(struct mdc_err *e, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* e->text, or mdc_strerror(code) when e is NULL or its text is empty. */
const char *mdc_err_text(const struct mdc_err *e, int code);

/* Return a static English description of a status code; never NULL. */
const char *mdc_strerror(int code);

/* Map an errno value (positive) to a status code (negative, or MDC_EINVAL for
 * 0). */
int mdc_err_from_errno(int errnum);

#endif
