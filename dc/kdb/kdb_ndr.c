/* dc/kdb/kdb_ndr.c - KERB_VALIDATION_INFO in NDR for the PAC LOGON_INFO buffer
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dc/kdb/kdb_ndr.h"
#include "lib/buf.h"

#define NT_NEVER 0x7fffffffffffffffULL
#define REF_BASE 0x00020000u

/*
 * The writer keeps going after an error and reports the first one, so the
 * long fixed layout below reads like the structure in [MS-PAC] 2.5.
 */
struct ndr {
	struct mdc_wbuf w;
	int err;
	uint32_t ref; /* next referent id */
};

static void
u8(struct ndr *n, uint8_t v)
{
	if (n->err == 0)
		n->err = mdc_wbuf_put_u8(&n->w, v);
}

static void
u16(struct ndr *n, uint16_t v)
{
	if (n->err == 0)
		n->err = mdc_wbuf_put_u16le(&n->w, v);
}

static void
u32(struct ndr *n, uint32_t v)
{
	if (n->err == 0)
		n->err = mdc_wbuf_put_u32le(&n->w, v);
}

/* FILETIME: low then high 32 bits. */
static void
filetime(struct ndr *n, uint64_t t)
{
	u32(n, (uint32_t)t);
	u32(n, (uint32_t)(t >> 32));
}

/* Pad with zeros to a multiple of a (relative to the NDR stream start). */
static void
align(struct ndr *n, size_t a, size_t base)
{
	while (n->err == 0 && (n->w.len - base) % a != 0)
		u8(n, 0);
}

/* A non-null unique pointer: a fresh referent id. */
static void
ptr(struct ndr *n, int present)
{
	u32(n, present ? n->ref : 0);
	if (present)
		n->ref += 4;
}

/* RPC_UNICODE_STRING header (ASCII only: one UTF-16 unit per byte). */
static void
ustr_hdr(struct ndr *n, const char *s)
{
	size_t len = s != NULL ? strlen(s) : 0;

	u16(n, (uint16_t)(2 * len));
	u16(n, (uint16_t)(2 * len));
	ptr(n, len > 0);
}

/* The deferred conformant varying array of a non-empty string. */
static void
ustr_body(struct ndr *n, const char *s, size_t base)
{
	size_t len = s != NULL ? strlen(s) : 0, i;

	if (len == 0)
		return;
	u32(n, (uint32_t)len); /* maximum count */
	u32(n, 0);             /* offset */
	u32(n, (uint32_t)len); /* actual count */
	for (i = 0; i < len; i++)
		u16(n, (uint8_t)s[i]);
	align(n, 4, base);
}

/* The fixed part of KERB_VALIDATION_INFO, up to UserSessionKey. */
static void
info_head(struct ndr *n, const struct mdc_pac_user *u, uint32_t ngroups)
{
	static const char *const empty = NULL;
	int i;

	filetime(n, u->logon_time);
	filetime(n, NT_NEVER); /* LogoffTime */
	filetime(n, NT_NEVER); /* KickOffTime */
	filetime(n, u->pwd_last_set);
	filetime(n, u->pwd_last_set); /* PasswordCanChange */
	filetime(n, NT_NEVER);        /* PasswordMustChange */
	ustr_hdr(n, u->account);      /* EffectiveName */
	for (i = 0; i < 5; i++)       /* FullName .. HomeDirectoryDrive */
		ustr_hdr(n, empty);
	u16(n, 0); /* LogonCount */
	u16(n, 0); /* BadPasswordCount */
	u32(n, u->rid);
	u32(n, u->primary_gid);
	u32(n, ngroups);
	ptr(n, ngroups > 0);
	u32(n, 0); /* UserFlags */
	for (i = 0; i < 4; i++)
		u32(n, 0); /* UserSessionKey */
}

/* The rest of the fixed part, after UserSessionKey. */
static void
info_tail(struct ndr *n, const struct mdc_pac_user *u)
{
	int i;

	ustr_hdr(n, u->logon_server);
	ustr_hdr(n, u->domain);
	ptr(n, 1); /* LogonDomainId */
	u32(n, 0); /* Reserved1[2] */
	u32(n, 0);
	u32(n, u->uf_flags);
	u32(n, 0);      /* SubAuthStatus */
	filetime(n, 0); /* LastSuccessfulILogon */
	filetime(n, 0); /* LastFailedILogon */
	u32(n, 0);      /* FailedILogonCount */
	u32(n, 0);      /* Reserved3 */
	u32(n, 0);      /* SidCount */
	ptr(n, 0);      /* ExtraSids */
	ptr(n, 0);      /* ResourceGroupDomainSid */
	u32(n, 0);      /* ResourceGroupCount */
	ptr(n, 0);      /* ResourceGroupIds */
	(void)i;
}

/* Deferred data, in the order of the pointers above. */
static void
info_deferred(struct ndr *n, const struct mdc_pac_user *u, size_t base)
{
	size_t i;

	ustr_body(n, u->account, base);
	u32(n, (uint32_t)(u->ngroups + 1)); /* GroupIds: conformance */
	u32(n, u->primary_gid);
	u32(n, MDC_PAC_GROUP_ATTRS);
	for (i = 0; i < u->ngroups; i++) {
		u32(n, u->groups[i]);
		u32(n, MDC_PAC_GROUP_ATTRS);
	}
	ustr_body(n, u->logon_server, base);
	ustr_body(n, u->domain, base);
	u32(n, u->dom_nsub); /* RPC_SID: conformance, then the SID */
	u8(n, 1);
	u8(n, u->dom_nsub);
	for (i = 0; i < 6; i++)
		u8(n, u->dom_auth[i]);
	for (i = 0; i < u->dom_nsub; i++)
		u32(n, u->dom_sub[i]);
}

int
mdc_pac_logon_info(const struct mdc_pac_user *u, uint8_t **out_out,
                   size_t *len_out)
{
	struct ndr n = {.err = 0, .ref = REF_BASE};
	size_t cap, body;
	uint8_t *out;

	if (u->ngroups > MDC_PAC_MAX_GROUPS ||
	    u->dom_nsub > MDC_PAC_MAX_SUBAUTH)
		return MDC_EINVAL;
	cap = 1024 + 8 * u->ngroups +
	      2 * (strlen(u->account) + strlen(u->logon_server) +
	           strlen(u->domain));
	out = calloc(1, cap);
	if (out == NULL)
		return MDC_ENOMEM;
	mdc_wbuf_init(&n.w, out, cap);
	/* Common header: version 1, little-endian, length 8, filler. */
	u8(&n, 1);
	u8(&n, 0x10);
	u16(&n, 8);
	u32(&n, 0xcccccccc);
	u32(&n, 0); /* private header: object length, patched below */
	u32(&n, 0);
	body = n.w.len;
	ptr(&n, 1); /* the top-level KERB_VALIDATION_INFO pointer */
	info_head(&n, u, (uint32_t)(u->ngroups + 1));
	info_tail(&n, u);
	info_deferred(&n, u, body);
	align(&n, 8, body); /* the object length is a multiple of 8 */
	if (n.err != 0) {
		free(out);
		return n.err == MDC_ESPACE ? MDC_EINVAL : n.err;
	}
	out[8] = (uint8_t)(n.w.len - body);
	out[9] = (uint8_t)((n.w.len - body) >> 8);
	out[10] = (uint8_t)((n.w.len - body) >> 16);
	out[11] = (uint8_t)((n.w.len - body) >> 24);
	*out_out = out;
	*len_out = n.w.len;
	return 0;
}

int
mdc_pac_split_sid(const uint8_t *sid, size_t len, struct mdc_pac_user *u,
                  uint32_t *rid_out)
{
	struct mdc_rbuf r;
	uint8_t rev, nsub;
	uint32_t v;
	unsigned i;

	mdc_rbuf_init(&r, sid, len);
	if (mdc_rbuf_get_u8(&r, &rev) != 0 || mdc_rbuf_get_u8(&r, &nsub) != 0 ||
	    rev != 1 || nsub < 1 || nsub > MDC_PAC_MAX_SUBAUTH ||
	    mdc_rbuf_get_bytes(&r, u->dom_auth, 6) != 0)
		return MDC_EMALF;
	for (i = 0; i < nsub; i++) {
		if (mdc_rbuf_get_u32le(&r, &v) != 0)
			return MDC_EMALF;
		if (i + 1 < nsub)
			u->dom_sub[i] = v;
		else
			*rid_out = v;
	}
	if (mdc_rbuf_left(&r) != 0)
		return MDC_EMALF;
	u->dom_nsub = (uint8_t)(nsub - 1);
	return 0;
}
