/* dc/sockproto.h - slapd's back-sock overlay protocol: requests and answers */
#ifndef MDC_SOCKPROTO_H
#define MDC_SOCKPROTO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/err.h"

/*
 * slapd's sock overlay writes one request per connection as text:
 *   ADD|MODIFY|MODRDN|DELETE\n
 *   msgid: N\n  [binddn: DN\n] [peername: P\n] [ssf: N\n] [connid: N\n]
 *   suffix: DN\n ...
 *   then per operation (LDIF-like lines, "name:: base64" for binary
 *   values, continuation lines start with one space):
 *     ADD     the entry: dn: DN, then "attr: value" lines
 *     MODIFY  dn: DN, then groups "add|delete|replace|increment: attr",
 *             "attr: value" lines, "-"
 *     MODRDN  dn:, newrdn:, deleteoldrdn: 0|1, [newSuperior:]
 *     DELETE  dn:
 *   and an empty line.  The answer is "CONTINUE\n" (let slapd go on) or
 *   "RESULT\ncode: N\n[matched: DN\n][info: text\n]\n".
 * The parser reads only through lib/buf.h's checked reader and bounds every
 * count; it never trusts the sender (it is fuzzed).
 */

#define MDC_SOCK_MAX_REQ   (4u << 20) /* bytes of one request */
#define MDC_SOCK_MAX_ATTRS 1024       /* attributes of an entry / mods */
#define MDC_SOCK_MAX_VALS  65536      /* values of one request in total */

enum mdc_sock_op {
	MDC_SOCK_ADD = 1,
	MDC_SOCK_MODIFY,
	MDC_SOCK_MODRDN,
	MDC_SOCK_DELETE,
};

/* Modification kinds (the values of LDAP_MOD_*). */
enum mdc_sock_modop {
	MDC_SOCK_MOD_ADD = 0,
	MDC_SOCK_MOD_DELETE = 1,
	MDC_SOCK_MOD_REPLACE = 2,
	MDC_SOCK_MOD_INCREMENT = 3,
};

/* One value: len bytes, plus a terminating NUL not counted in len. */
struct mdc_sock_val {
	char *data;
	size_t len;
};

/*
 * An attribute of an ADD entry, or one modification of a MODIFY (then op
 * says which; values may be empty, e.g. "delete: attr").
 */
struct mdc_sock_attr {
	char *name; /* as sent, options included ("cn;lang-de") */
	int op;     /* enum mdc_sock_modop (MODIFY only) */
	struct mdc_sock_val *vals;
	size_t nvals;
};

/* A parsed request; every member is owned by it (mdc_sock_req_free). */
struct mdc_sock_req {
	enum mdc_sock_op op;
	long msgid;
	char *binddn;   /* "" for anonymous; NULL if not sent */
	char *peername; /* NULL if not sent */
	long ssf;       /* -1 if not sent */
	char *dn;
	struct mdc_sock_attr
	        *attrs; /* ADD: attributes; MODIFY: mods in order */
	size_t nattrs;
	char *newrdn;     /* MODRDN */
	int deleteoldrdn; /* MODRDN */
	char *newsup;     /* MODRDN, NULL if not sent */
};

/*
 * Parse one complete request (len bytes, the terminating empty line
 * included or not).  On success *req_out is a new request the caller frees
 * with mdc_sock_req_free().  Returns 0, MDC_EMALF (not the protocol),
 * MDC_ETRUNC (ends inside a request), MDC_ERANGE (over a MDC_SOCK_MAX_*
 * bound) or MDC_ENOMEM.
 */
MDC_MUSTCHECK int mdc_sock_parse(const void *data, size_t len,
                                 struct mdc_sock_req **req_out);
void mdc_sock_req_free(struct mdc_sock_req *req);

/*
 * Return the length of the first complete request in data[0..len) (through
 * its terminating empty line), or 0 if more bytes are needed.
 */
size_t mdc_sock_req_complete(const void *data, size_t len);

/* The first attribute of req named name (case-insensitive, without
 * options), or NULL. */
const struct mdc_sock_attr *mdc_sock_attr_get(const struct mdc_sock_req *req,
                                              const char *name);

/*
 * Format the answer "RESULT" with an LDAP result code and optional
 * matched DN / info text (newlines in them become spaces) into a new
 * string (*out_out, caller frees).  Returns 0 or MDC_ENOMEM.
 */
MDC_MUSTCHECK int mdc_sock_result(int code, const char *matched,
                                  const char *info, char **out_out);
/* The answer that lets slapd carry on with the operation itself. */
#define MDC_SOCK_CONTINUE "CONTINUE\n"

/*
 * The other direction, for a client of the dsa that is not slapd (the
 * admin CLI, dc/adwrite.h): req as the text above (every value and the
 * DNs in base64; binddn if set) in a new string, through its empty line.
 * Returns 0 or MDC_ENOMEM.
 */
MDC_MUSTCHECK int mdc_sock_format(const struct mdc_sock_req *req,
                                  char **out_out);
/*
 * Parse an answer "RESULT" (len bytes, through its empty line or not):
 * *code_out gets the code, info (may be NULL) the info text, cut to
 * infolen.  MDC_EMALF for anything else (CONTINUE included), MDC_ETRUNC
 * when it ends early.
 */
MDC_MUSTCHECK int mdc_sock_result_parse(const char *data, size_t len,
                                        int *code_out, char *info,
                                        size_t infolen);

/* "ADD", "MODIFY", ... for logs. */
const char *mdc_sock_op_name(enum mdc_sock_op op);

#endif
