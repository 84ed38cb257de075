/* dc/dsa_check.h - the dsa's rules as one decision over a write request */
#ifndef MDC_DSA_CHECK_H
#define MDC_DSA_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "dc/sockproto.h"
#include "lib/ad.h"
#include "lib/err.h"

/*
 * Whether the dsa performs a write is decided here, from the request, who
 * asks and the few pieces of directory state the rules need, all read
 * beforehand by the caller (dc/dsa.c): no I/O, no clock, no allocation the
 * answer depends on.  Everything the dsa refuses with a reason is refused
 * here; what is left to the write itself are failures of the directory (a
 * RID that cannot be allocated, a RID pool only the RID master hands out,
 * slapd's own result) and the DNS size rule (dns/, which needs the zone).
 */

/* What the dsa knows about the entry an operation targets. */
struct mdc_dsa_target {
	int exists;
	int computer, user, group, dns;
	int64_t uac;     /* -1: none */
	uint32_t rid;    /* domain RID, 0 if none */
	int foreign_sid; /* a SID outside the domain (S-1-5-32-x) */
	uint8_t sid[MDC_SID_BIN_LEN(MDC_SID_MAX_SUBAUTH)];
	size_t sid_len;
	char *sam;      /* sAMAccountName or NULL */
	char *fqdn;     /* dNSHostName or NULL */
	int privileged; /* protected: an admin or protected group, or a
	                 * member of one at any nesting depth */
	int dns_only;   /* every objectClass is a DNS class */
};

/* The input of one decision. */
struct mdc_dsa_check_in {
	const struct mdc_sock_req *req;
	unsigned roles;         /* the requester's MDC_DSA_* (dc/dsa_rules.h) */
	const uint8_t *who_sid; /* the requester's SID (NULL: none) */
	size_t who_sid_len;
	const struct mdc_dsa_target *t; /* ADD: what the request says */
	const char *base_norm;          /* mdc_dsa_dn_norm of the domain head */
	const char *dns_norm;           /* ... and of cn=dns,<base> */
	const char *dns_domain;         /* the domain's DNS name */
	/* Directory state the caller looked up: */
	int sam_taken; /* mdc_dsa_check_sam()'s name is another entry's */
	const char *pw_history; /* the target's mdcPwdHistory, or NULL */
};

/* The answer: code LDAP_SUCCESS (0) allows, any other refuses. */
struct mdc_dsa_verdict {
	int code;
	char reason[512];
};

/*
 * Decide in on every rule: authorization (mdc_dsa_may with the reasons the
 * client sees), entries only the DC removes or renames, and for adds and
 * modifies of accounts, groups and other entries the value rules (object
 * classes, RDN, sAMAccountName, userAccountControl, primaryGroupID,
 * pwdLastSet, groupType, SPNs, dNSHostName, system-only attributes, a
 * computer's own validated writes) and the password: encrypted connection,
 * format and the domain's password policy against pw_history.  Stops at
 * the first refusal.  Returns 0 with v filled, or MDC_ENOMEM.
 */
MDC_MUSTCHECK int mdc_dsa_check(const struct mdc_dsa_check_in *in,
                                struct mdc_dsa_verdict *v);

/*
 * The sAMAccountName the write req on t would set (an add's, given or
 * derived from the CN as AD does; a modify's replacement), so that the
 * caller can tell mdc_dsa_check whether another entry uses it; new string
 * in *sam_out, NULL if none.  Returns 0 or MDC_ENOMEM.
 */
MDC_MUSTCHECK int mdc_dsa_check_sam(const struct mdc_sock_req *req,
                                    const struct mdc_dsa_target *t,
                                    char **sam_out);

/* True if req carries a unicodePwd (the caller then reads pw_history). */
int mdc_dsa_check_has_pw(const struct mdc_sock_req *req);

#endif
