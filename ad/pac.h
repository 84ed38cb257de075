/* ad/pac.h - the PAC buffers minidc writes (KDC) and reads (migration
 * agents): KERB_VALIDATION_INFO and S4U_DELEGATION_INFO in NDR */
#ifndef MDC_AD_PAC_H
#define MDC_AD_PAC_H

#include <stddef.h>
#include <stdint.h>

#include "lib/ad.h"
#include "lib/err.h"

/*
 * One codec for both ends, so that what the KDC writes is what the agent
 * reads.  Buffers are NDR type serializations (version 1, little-endian),
 * the form MIT stores in the PAC and exposes through
 * gss_get_name_attribute ("urn:mspac:logon-info",
 * "urn:mspac:delegation-info").  The decoders only read through lib/buf.h's
 * checked reader and never trust a count beyond the bytes present.
 */
#define MDC_PAC_MAX_GROUPS 1024
#define MDC_PAC_MAXNAME    512
#define MDC_PAC_MAXT       64 /* transited services we accept in one PAC */

/* SE_GROUP_MANDATORY | SE_GROUP_ENABLED_BY_DEFAULT | SE_GROUP_ENABLED */
#define MDC_PAC_GROUP_ATTRS 7u

/* What goes into the LOGON_INFO buffer; strings are UTF-8 (ASCII here). */
struct mdc_pac_user {
	uint64_t logon_time;      /* NT time */
	uint64_t pwd_last_set;    /* NT time, 0: never */
	const char *account;      /* sAMAccountName */
	const char *logon_server; /* DC1 */
	const char *domain;       /* NetBIOS domain name */
	struct mdc_sid dom;       /* the domain SID (LogonDomainId) */
	uint32_t rid;             /* the account's RID */
	uint32_t primary_gid;     /* primaryGroupID */
	const uint32_t *groups;   /* group RIDs in the domain (not primary) */
	size_t ngroups;
	uint32_t uf_flags; /* USER_* account flags of the SAM */
};

/*
 * Encode u as a PAC_LOGON_INFO buffer: new buffer in *out_out (caller
 * frees), *len_out.  Returns 0, MDC_EINVAL (too many groups, a domain SID
 * with no or too many sub-authorities) or MDC_ENOMEM.
 */
MDC_MUSTCHECK int mdc_pac_logon_info(const struct mdc_pac_user *u,
                                     uint8_t **out_out, size_t *len_out);

/*
 * Split a binary SID into the domain SID (all but the last sub-authority)
 * and the RID (the last).  MDC_EMALF if sid is not a well-formed revision 1
 * SID with at least one sub-authority.
 */
MDC_MUSTCHECK int mdc_pac_split_sid(const uint8_t *sid, size_t len,
                                    struct mdc_sid *dom, uint32_t *rid_out);

/* What a reader takes from a LOGON_INFO buffer. */
struct mdc_pac_logon {
	uint32_t rid;       /* UserId */
	uint32_t primary;   /* PrimaryGroupId */
	struct mdc_sid dom; /* LogonDomainId: the RIDs are relative to it */
	size_t ngroups;     /* GroupIds written to the caller's array */
};

/*
 * Decode KERB_VALIDATION_INFO ([MS-PAC] 2.5) up to LogonDomainId: the
 * user's RID, primary group, GroupIds (into rids, room for max) and the
 * domain SID they belong to.  Returns 0, MDC_ETRUNC, MDC_EMALF or
 * MDC_ERANGE (more groups than max).
 */
MDC_MUSTCHECK int mdc_pac_logon_decode(const uint8_t *data, size_t len,
                                       struct mdc_pac_logon *out,
                                       uint32_t *rids, size_t max);

/* S4U_DELEGATION_INFO ([MS-PAC] 2.9), names converted to UTF-8. */
struct mdc_pac_deleg {
	char target[MDC_PAC_MAXNAME]; /* S4U2proxyTarget */
	unsigned ntransited;          /* TransitedListSize */
	char first[MDC_PAC_MAXNAME];  /* S4UTransitedServices[0] */
	char last[MDC_PAC_MAXNAME];   /* ...[ntransited - 1] */
};

/* Decode delegation-info.  Returns 0, MDC_ETRUNC or MDC_EMALF (also for an
 * empty transited list or a name too long). */
MDC_MUSTCHECK int mdc_pac_deleg_decode(const uint8_t *data, size_t len,
                                       struct mdc_pac_deleg *out);

#endif
