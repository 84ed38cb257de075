/* lib/ad.h - AD value formats: SIDs, GUIDs, NT time, DNs of a DNS domain */
#ifndef MDC_AD_H
#define MDC_AD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lib/err.h"

#define MDC_SID_MAX_SUBAUTH 15
/* Binary size of a SID with n sub-authorities. */
#define MDC_SID_BIN_LEN(n) ((size_t)8 + 4 * (size_t)(n))

struct mdc_sid {
	uint8_t revision;   /* 1 */
	uint8_t nsub;       /* number of sub-authorities */
	uint64_t authority; /* 48 bits */
	uint32_t sub[MDC_SID_MAX_SUBAUTH];
};

/* Parse "S-1-5-21-a-b-c[-rid]"; MDC_EINVAL if malformed. */
MDC_MUSTCHECK int mdc_sid_parse(const char *text, struct mdc_sid *sid);
/* Format as text into out (>= 184 bytes is always enough). */
MDC_MUSTCHECK int mdc_sid_format(const struct mdc_sid *sid, char *out,
                                 size_t outlen);
/* Binary form (rev, count, 6-byte BE authority, LE sub-authorities). */
MDC_MUSTCHECK int mdc_sid_to_bin(const struct mdc_sid *sid, uint8_t *out,
                                 size_t outlen, size_t *len_out);
MDC_MUSTCHECK int mdc_sid_from_bin(const uint8_t *bin, size_t len,
                                   struct mdc_sid *sid);
/*
 * The RID of the binary SID bin (len bytes) if it is domain dom's SID plus
 * one RID; -1 if it is not (another domain, BUILTIN, malformed).
 */
int64_t mdc_sid_rid_in(const struct mdc_sid *dom, const uint8_t *bin,
                       size_t len);
/* Append a RID: the SID of an account in a domain. */
MDC_MUSTCHECK int mdc_sid_append(struct mdc_sid *sid, uint32_t rid);
/* A new random domain SID S-1-5-21-x-y-z. */
MDC_MUSTCHECK int mdc_sid_new_domain(struct mdc_sid *sid);

/* A GUID in AD's binary order (first three fields little-endian). */
struct mdc_guid {
	uint8_t b[16];
};
/* New random (version 4) GUID. */
MDC_MUSTCHECK int mdc_guid_new(struct mdc_guid *g);
/* Text "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (out >= 37 bytes). */
void mdc_guid_format(const struct mdc_guid *g, char *out);
MDC_MUSTCHECK int mdc_guid_parse(const char *text, struct mdc_guid *g);

/* Unix time -> NT FILETIME (100 ns ticks since 1601-01-01 UTC). */
uint64_t mdc_nttime_from_unix(time_t t);
/* LDAP GeneralizedTime "YYYYMMDDhhmmss.0Z" for t into out (>= 18 bytes). */
void mdc_gentime(time_t t, char *out, size_t outlen);

/*
 * "example.com" -> "DC=example,DC=com" (new string, caller frees).
 * MDC_EINVAL for names that are not valid DNS domain names.
 */
MDC_MUSTCHECK int mdc_domain_to_dn(const char *domain, char **dn_out);
/* True if name is a valid DNS domain name with >= 2 labels (LDH labels). */
int mdc_domain_valid(const char *name);
/* True if name is a valid NetBIOS domain name (1-15 chars, no specials). */
int mdc_netbios_valid(const char *name);
/* True if name is a valid single DNS label (host name). */
int mdc_label_valid(const char *name);

/* Base64 of len bytes into a new string (caller frees); NULL on ENOMEM. */
char *mdc_base64(const uint8_t *data, size_t len);

#endif
