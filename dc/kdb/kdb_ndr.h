/* dc/kdb/kdb_ndr.h - NDR encoding of the PAC's KERB_VALIDATION_INFO
 * ([MS-PAC] 2.5) */
#ifndef MDC_KDB_NDR_H
#define MDC_KDB_NDR_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define MDC_PAC_MAX_GROUPS  1024
#define MDC_PAC_MAX_SUBAUTH 15

/* SE_GROUP_MANDATORY | SE_GROUP_ENABLED_BY_DEFAULT | SE_GROUP_ENABLED */
#define MDC_PAC_GROUP_ATTRS 7u

/* What goes into the LOGON_INFO buffer; strings are UTF-8 (ASCII here). */
struct mdc_pac_user {
	uint64_t logon_time;      /* NT time */
	uint64_t pwd_last_set;    /* NT time, 0: never */
	const char *account;      /* sAMAccountName */
	const char *logon_server; /* DC1 */
	const char *domain;       /* NetBIOS domain name */
	uint8_t dom_auth[6];      /* the domain SID: identifier authority */
	uint8_t dom_nsub;         /*   number of sub-authorities */
	uint32_t dom_sub[MDC_PAC_MAX_SUBAUTH];
	uint32_t rid;           /* the account's RID */
	uint32_t primary_gid;   /* primaryGroupID */
	const uint32_t *groups; /* group RIDs in the domain (not primary) */
	size_t ngroups;
	uint32_t uf_flags; /* USER_* account flags of the SAM */
};

/*
 * Encode u as a PAC_LOGON_INFO buffer (NDR type serialization version 1,
 * little-endian): new buffer in *out_out (caller frees), *len_out.
 * Returns 0, MDC_EINVAL (too many groups or sub-authorities) or MDC_ENOMEM.
 */
MDC_MUSTCHECK int mdc_pac_logon_info(const struct mdc_pac_user *u,
                                     uint8_t **out_out, size_t *len_out);

/*
 * Split a binary SID into the domain part (authority and sub-authorities,
 * without the last) and the RID (the last sub-authority).  MDC_EMALF if sid
 * is not a well-formed SID with at least one sub-authority.
 */
MDC_MUSTCHECK int mdc_pac_split_sid(const uint8_t *sid, size_t len,
                                    struct mdc_pac_user *u, uint32_t *rid_out);

#endif
