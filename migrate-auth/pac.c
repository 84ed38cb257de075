/* migrate-auth/pac.c - checked NDR decoders for PAC delegation and logon info
 */
#include "config.h"

#include <string.h>

#include "lib/buf.h"
#include "migrate-auth/pac.h"

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
deleg_transited(struct mdc_rbuf *r, uint32_t count, struct mdc_mig_deleg *d)
{
	uint16_t lens[MDC_MIG_PAC_MAXT];
	uint32_t ptrs[MDC_MIG_PAC_MAXT], n, i;
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
		if ((ret = string_body(r, lens[i], out, MDC_MIG_PAC_MAXNAME)) !=
		    0)
			return ret;
	}
	if (n == 1)
		memcpy(d->last, d->first, sizeof(d->last));
	return 0;
}

int
mdc_mig_pac_deleg(const uint8_t *data, size_t len, struct mdc_mig_deleg *out)
{
	struct mdc_rbuf r;
	struct mdc_mig_deleg d;
	uint16_t tlen;
	uint32_t tptr, count, lptr;
	int ret;

	memset(&d, 0, sizeof(d));
	mdc_rbuf_init(&r, data, len);
	if ((ret = ndr_headers(&r)) || (ret = string_hdr(&r, &tlen, &tptr)) ||
	    (ret = mdc_rbuf_get_u32le(&r, &count)) ||
	    (ret = mdc_rbuf_get_u32le(&r, &lptr)))
		return ret;
	if (count == 0 || count > MDC_MIG_PAC_MAXT || lptr == 0)
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

/* The fixed part of KERB_VALIDATION_INFO up to what we need. */
static int
logon_fixed(struct mdc_rbuf *r, uint16_t lens[6], uint32_t ptrs[6],
            uint32_t v[4])
{
	uint16_t max;
	uint32_t counts;
	int i, ret;

	if ((ret = mdc_rbuf_get_bytes(r, NULL, 48)) != 0) /* 6 FILETIMEs */
		return ret;
	for (i = 0; i < 6; i++) {
		if ((ret = mdc_rbuf_get_u16le(r, &lens[i])) ||
		    (ret = mdc_rbuf_get_u16le(r, &max)) ||
		    (ret = mdc_rbuf_get_u32le(r, &ptrs[i])))
			return ret;
		if (lens[i] > max || lens[i] % 2 != 0)
			return MDC_EMALF;
	}
	/* LogonCount + BadPasswordCount, UserId, PrimaryGroupId,
	 * GroupCount, GroupIds referent */
	if ((ret = mdc_rbuf_get_u32le(r, &counts)))
		return ret;
	for (i = 0; i < 4; i++)
		if ((ret = mdc_rbuf_get_u32le(r, &v[i])) != 0)
			return ret;
	/* the fixed part is 216 bytes after the 20 bytes of headers */
	return mdc_rbuf_seek(r, 20 + 216) ? MDC_ETRUNC : 0;
}

int
mdc_mig_pac_groups(const uint8_t *data, size_t len, uint32_t *user_rid,
                   uint32_t *primary, uint32_t *rids, size_t max, size_t *n_out)
{
	struct mdc_rbuf r;
	uint16_t lens[6];
	uint32_t ptrs[6], v[4], n, attrs, i;
	int ret;

	mdc_rbuf_init(&r, data, len);
	if ((ret = ndr_headers(&r)) || (ret = logon_fixed(&r, lens, ptrs, v)))
		return ret;
	for (i = 0; i < 6; i++)
		if (ptrs[i] != 0 &&
		    (ret = string_body(&r, lens[i], NULL, 0)) != 0)
			return ret;
	n = 0;
	if (v[3] != 0) {
		if ((ret = mdc_rbuf_get_u32le(&r, &n)) != 0)
			return ret;
		if (n != v[2])
			return MDC_EMALF;
		if (n > max)
			return MDC_ERANGE;
		for (i = 0; i < n; i++)
			if ((ret = mdc_rbuf_get_u32le(&r, &rids[i])) ||
			    (ret = mdc_rbuf_get_u32le(&r, &attrs)))
				return ret;
	} else if (v[2] != 0) {
		return MDC_EMALF;
	}
	*user_rid = v[0];
	*primary = v[1];
	*n_out = n;
	return 0;
}
