/* dns/xfracl.h - who may transfer a zone: address lists (idnsAllowTransfer) */
#ifndef DNS_XFRACL_H
#define DNS_XFRACL_H

#include <stddef.h>
#include <sys/socket.h>

#include "lib/err.h"

/*
 * A list is BIND's allow-transfer syntax as bind-dyndb-ldap stores it in
 * idnsAllowTransfer: elements ended or separated by ';' (',' and spaces
 * too, for [dns] axfr_allow), each "ADDR", "ADDR/PREFIX", "any" or "none",
 * optionally negated with '!'.  The first element matching the peer
 * decides; nothing matching (and an empty or NULL list) means refused.
 * Elements we do not understand (key names, named ACLs) never match, so
 * they can only refuse.
 */

/* 1 when list lets peer transfer, else 0. */
int dns_xacl_match(const char *list, const struct sockaddr *peer);

/* 0 when every element of list is understood, else MDC_EINVAL. */
MDC_MUSTCHECK int dns_xacl_check(const char *list);

/*
 * The canonical form of one element ("any", or an address in inet_ntop
 * form with "/PREFIX" when shorter than the address, host bits cleared)
 * into out.  0, or MDC_EINVAL (not an address, prefix out of range,
 * negated), MDC_ERANGE (out too small).
 */
MDC_MUSTCHECK int dns_xacl_norm(const char *elem, char *out, size_t cap);

/*
 * The list with elem (canonical, see dns_xacl_norm) added at the end
 * (add != 0) or removed (add == 0), written "a;b;" into out.  Elements of
 * list are kept as they are.  0 (also when elem was already there, for an
 * add), MDC_ENOENT (removing an element not in the list), MDC_EINVAL,
 * MDC_ERANGE.
 */
MDC_MUSTCHECK int dns_xacl_edit(const char *list, const char *elem, int add,
                                char *out, size_t cap);

#endif
