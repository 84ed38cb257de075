/* ad/pac.c - the PAC's LOGON_INFO and delegation-info buffers in NDR: the
 * KDC's encoder and the agents' checked decoders, over one struct mdc_sid */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ad/pac.h"
#include "lib/buf.h"

#define NT_NEVER 0x7fffffffffffffffULL
#define REF_BASE 0x00020000u
/* Offsets inside KERB_VALIDATION_INFO's fixed part, which starts after the
 * 16 bytes of type-serialization headers and the 4-byte top referent. */
#define INFO_START      20
#define INFO_LOGON_SRV  136 /* LogonServer, after UserSessionKey */
#define INFO_FIXED_SIZE 216

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
	u32(n, u->dom.nsub); /* RPC_SID: conformance, then the SID */
	u8(n, 1);
	u8(n, u->dom.nsub);
	for (i = 0; i < 6; i++)
		u8(n, (uint8_t)(u->dom.authority >> (8 * (5 - i))));
	for (i = 0; i < u->dom.nsub; i++)
		u32(n, u->dom.sub[i]);
}

int
mdc_pac_logon_info(const struct mdc_pac_user *u, uint8_t **out_out,
                   size_t *len_out)
{
	struct ndr n = {.err = 0, .ref = REF_BASE};
	size_t cap, body;
	uint8_t *out;

	if (u->ngroups > MDC_PAC_MAX_GROUPS ||
	    u->dom.nsub > MDC_SID_MAX_SUBAUTH)
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
mdc_pac_split_sid(const uint8_t *sid, size_t len, struct mdc_sid *dom,
                  uint32_t *rid_out)
{
	if (mdc_sid_from_bin(sid, len, dom) != 0 || dom->revision != 1 ||
	    dom->nsub < 1)
		return MDC_EMALF;
	*rid_out = dom->sub[--dom->nsub];
	dom->sub[dom->nsub] = 0;
	return 0;
}

/* Common (8) and private (8) type-serialization headers, then the top
 * level referent, which must be non-null. */
static int
ndr_headers(struct mdc_rbuf *r)
{
	uint8_t ver, endian;
	uint16_t hlen;
	uint32_t fill, objlen, ref;
	int ret;

	if ((ret = mdc_rbuf_get_u8(r, &ver)) ||
	    (ret = mdc_rbuf_get_u8(r, &endian)) ||
	    (ret = mdc_rbuf_get_u16le(r, &hlen)) ||
	    (ret = mdc_rbuf_get_u32le(r, &fill)) ||
	    (ret = mdc_rbuf_get_u32le(r, &objlen)) ||
	    (ret = mdc_rbuf_get_u32le(r, &fill)) ||
	    (ret = mdc_rbuf_get_u32le(r, &ref)))
		return ret;
	if (ver != 1 || endian != 0x10 || hlen != 8 || ref == 0)
		return MDC_EMALF;
	return 0;
}

static int
align4(struct mdc_rbuf *r)
{
	while (r->pos % 4 != 0)
		if (mdc_rbuf_get_bytes(r, NULL, 1) != 0)
			return MDC_ETRUNC;
	return 0;
}

/* Append one code point as UTF-8; MDC_EMALF when out is full. */
static int
put_utf8(char *out, size_t outlen, size_t *pos, uint32_t cp)
{
	uint8_t b[4];
	size_t n, i;

	if (cp < 0x80) {
		b[0] = (uint8_t)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (uint8_t)(0xc0 | (cp >> 6));
		b[1] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (uint8_t)(0xe0 | (cp >> 12));
		b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (uint8_t)(0xf0 | (cp >> 18));
		b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (*pos + n >= outlen)
		return MDC_EMALF;
	for (i = 0; i < n; i++)
		out[(*pos)++] = (char)b[i];
	out[*pos] = '\0';
	return 0;
}

/* nchars UTF-16LE units to UTF-8 (NUL, unpaired surrogates: MDC_EMALF). */
static int
utf16_to_utf8(struct mdc_rbuf *r, uint32_t nchars, char *out, size_t outlen)
{
	size_t pos = 0;
	uint16_t u, lo;
	uint32_t cp;
	int ret;

	out[0] = '\0';
	while (nchars > 0) {
		if ((ret = mdc_rbuf_get_u16le(r, &u)) != 0)
			return ret;
		nchars--;
		cp = u;
		if (u >= 0xdc00 && u <= 0xdfff)
			return MDC_EMALF;
		if (u >= 0xd800 && u <= 0xdbff) {
			if (nchars == 0)
				return MDC_EMALF;
			if ((ret = mdc_rbuf_get_u16le(r, &lo)) != 0)
				return ret;
			nchars--;
			if (lo < 0xdc00 || lo > 0xdfff)
				return MDC_EMALF;
			cp = 0x10000 + ((uint32_t)(u - 0xd800) << 10) +
			     (lo - 0xdc00);
		}
		if (cp == 0 || (ret = put_utf8(out, outlen, &pos, cp)) != 0)
			return MDC_EMALF;
	}
	return 0;
}

/* The deferred body of an RPC_UNICODE_STRING whose header said len bytes. */
static int
string_body(struct mdc_rbuf *r, uint16_t len, char *out, size_t outlen)
{
	uint32_t max, off, n;
	int ret;

	if ((ret = mdc_rbuf_get_u32le(r, &max)) ||
	    (ret = mdc_rbuf_get_u32le(r, &off)) ||
	    (ret = mdc_rbuf_get_u32le(r, &n)))
		return ret;
	if (off != 0 || n > max || (uint32_t)len != 2 * n)
		return MDC_EMALF;
	if (n > mdc_rbuf_left(r) / 2)
		return MDC_ETRUNC;
	if (out == NULL)
		ret = mdc_rbuf_get_bytes(r, NULL, 2 * (size_t)n);
	else
		ret = utf16_to_utf8(r, n, out, outlen);
	return ret ? ret : align4(r);
}

/* An RPC_UNICODE_STRING header: byte length and referent. */
static int
string_hdr(struct mdc_rbuf *r, uint16_t *len, uint32_t *ptr)
{
	uint16_t max;
	int ret;

	if ((ret = mdc_rbuf_get_u16le(r, len)) ||
	    (ret = mdc_rbuf_get_u16le(r, &max)) ||
	    (ret = mdc_rbuf_get_u32le(r, ptr)))
		return ret;
	if (*len > max || *len % 2 != 0 || (*ptr == 0 && *len != 0))
		return MDC_EMALF;
	return 0;
}

/* The transited services array: conformant count, headers, bodies. */
static int
deleg_transited(struct mdc_rbuf *r, uint32_t count, struct mdc_pac_deleg *d)
{
	uint16_t lens[MDC_PAC_MAXT];
	uint32_t ptrs[MDC_PAC_MAXT], n, i;
	char *out;
	int ret;

	if ((ret = mdc_rbuf_get_u32le(r, &n)) != 0)
		return ret;
	if (n != count)
		return MDC_EMALF;
	for (i = 0; i < n; i++)
		if ((ret = string_hdr(r, &lens[i], &ptrs[i])) != 0)
			return ret;
	for (i = 0; i < n; i++) {
		if (ptrs[i] == 0)
			return MDC_EMALF; /* a transited service has a name */
		out = i == 0 ? d->first : i == n - 1 ? d->last : NULL;
		if ((ret = string_body(r, lens[i], out, MDC_PAC_MAXNAME)) != 0)
			return ret;
	}
	if (n == 1)
		memcpy(d->last, d->first, sizeof(d->last));
	return 0;
}

int
mdc_pac_deleg_decode(const uint8_t *data, size_t len, struct mdc_pac_deleg *out)
{
	struct mdc_rbuf r;
	struct mdc_pac_deleg d;
	uint16_t tlen;
	uint32_t tptr, count, lptr;
	int ret;

	memset(&d, 0, sizeof(d));
	mdc_rbuf_init(&r, data, len);
	if ((ret = ndr_headers(&r)) || (ret = string_hdr(&r, &tlen, &tptr)) ||
	    (ret = mdc_rbuf_get_u32le(&r, &count)) ||
	    (ret = mdc_rbuf_get_u32le(&r, &lptr)))
		return ret;
	if (count == 0 || count > MDC_PAC_MAXT || lptr == 0)
		return MDC_EMALF;
	if (tptr != 0 &&
	    (ret = string_body(&r, tlen, d.target, sizeof(d.target))) != 0)
		return ret;
	if ((ret = deleg_transited(&r, count, &d)) != 0)
		return ret;
	d.ntransited = count;
	*out = d;
	return 0;
}

/* The fixed part of KERB_VALIDATION_INFO: the six name headers, the ids,
 * the GroupIds referent (v[3]), the LogonServer and LogonDomainName
 * headers (lens/ptrs 6 and 7) and the LogonDomainId referent. */
static int
logon_fixed(struct mdc_rbuf *r, uint16_t lens[8], uint32_t ptrs[8],
            uint32_t v[4], uint32_t *dom_ptr)
{
	uint32_t counts;
	int i, ret;

	if ((ret = mdc_rbuf_get_bytes(r, NULL, 48)) != 0) /* 6 FILETIMEs */
		return ret;
	for (i = 0; i < 6; i++)
		if ((ret = string_hdr(r, &lens[i], &ptrs[i])) != 0)
			return ret;
	/* LogonCount + BadPasswordCount, UserId, PrimaryGroupId,
	 * GroupCount, GroupIds referent */
	if ((ret = mdc_rbuf_get_u32le(r, &counts)))
		return ret;
	for (i = 0; i < 4; i++)
		if ((ret = mdc_rbuf_get_u32le(r, &v[i])) != 0)
			return ret;
	if (mdc_rbuf_seek(r, INFO_START + INFO_LOGON_SRV) != 0)
		return MDC_ETRUNC;
	for (i = 6; i < 8; i++)
		if ((ret = string_hdr(r, &lens[i], &ptrs[i])) != 0)
			return ret;
	if ((ret = mdc_rbuf_get_u32le(r, dom_ptr)) != 0)
		return ret;
	return mdc_rbuf_seek(r, INFO_START + INFO_FIXED_SIZE) ? MDC_ETRUNC : 0;
}

/* GroupIds: the conformant array of (RID, attributes), count pairs. */
static int
logon_groups(struct mdc_rbuf *r, uint32_t count, uint32_t *rids, size_t max)
{
	uint32_t n, attrs, i;
	int ret;

	if ((ret = mdc_rbuf_get_u32le(r, &n)) != 0)
		return ret;
	if (n != count)
		return MDC_EMALF;
	if (n > max)
		return MDC_ERANGE;
	for (i = 0; i < n; i++)
		if ((ret = mdc_rbuf_get_u32le(r, &rids[i])) ||
		    (ret = mdc_rbuf_get_u32le(r, &attrs)))
			return ret;
	return 0;
}

/* An RPC_SID: conformance (the sub-authority count), then the SID. */
static int
rpc_sid(struct mdc_rbuf *r, struct mdc_sid *sid)
{
	uint8_t bin[MDC_SID_BIN_LEN(MDC_SID_MAX_SUBAUTH)];
	uint32_t n;
	int ret;

	if ((ret = mdc_rbuf_get_u32le(r, &n)) != 0)
		return ret;
	if (n > MDC_SID_MAX_SUBAUTH)
		return MDC_EMALF;
	if ((ret = mdc_rbuf_get_bytes(r, bin, MDC_SID_BIN_LEN(n))) != 0)
		return ret;
	if (bin[0] != 1 || bin[1] != n ||
	    mdc_sid_from_bin(bin, MDC_SID_BIN_LEN(n), sid) != 0)
		return MDC_EMALF;
	return 0;
}

int
mdc_pac_logon_decode(const uint8_t *data, size_t len, struct mdc_pac_logon *out,
                     uint32_t *rids, size_t max)
{
	struct mdc_rbuf r;
	struct mdc_pac_logon l;
	uint16_t lens[8];
	uint32_t ptrs[8], v[4], dom_ptr;
	int i, ret;

	memset(&l, 0, sizeof(l));
	mdc_rbuf_init(&r, data, len);
	if ((ret = ndr_headers(&r)) ||
	    (ret = logon_fixed(&r, lens, ptrs, v, &dom_ptr)))
		return ret;
	for (i = 0; i < 6; i++)
		if (ptrs[i] != 0 &&
		    (ret = string_body(&r, lens[i], NULL, 0)) != 0)
			return ret;
	if (v[3] != 0)
		ret = logon_groups(&r, v[2], rids, max);
	else if (v[2] != 0)
		ret = MDC_EMALF;
	if (ret != 0)
		return ret;
	l.ngroups = v[3] != 0 ? v[2] : 0;
	for (i = 6; i < 8; i++)
		if (ptrs[i] != 0 &&
		    (ret = string_body(&r, lens[i], NULL, 0)) != 0)
			return ret;
	if (dom_ptr == 0) /* the RIDs mean nothing without their domain */
		return MDC_EMALF;
	if ((ret = rpc_sid(&r, &l.dom)) != 0)
		return ret;
	l.rid = v[0];
	l.primary = v[1];
	*out = l;
	return 0;
}
