/* ad/dnswire.c - DNS wire-format primitives (DNS server, minidc-join) */
#include "config.h"

#include <string.h>

#include "ad/dnswire.h"

const char *
dns_rcode_name(int rc)
{
	static const char *const names[] = {
	        "NOERROR", "FORMERR",  "SERVFAIL", "NXDOMAIN", "NOTIMP",
	        "REFUSED", "YXDOMAIN", "YXRRSET",  "NXRRSET",  "NOTAUTH",
	        "NOTZONE", "RCODE11",  "RCODE12",  "RCODE13",  "RCODE14",
	        "RCODE15", "BADSIG",   "BADKEY",   "BADTIME",  "BADMODE",
	        "BADNAME", "BADALG",
	};

	if (rc < 0 || (size_t)rc >= sizeof(names) / sizeof(names[0]))
		return "RCODE";
	return names[rc];
}

int
dns_hdr_get(struct mdc_rbuf *b, struct dns_hdr *h)
{
	if (mdc_rbuf_left(b) < DNS_HDR_LEN)
		return MDC_ETRUNC;
	/* Six u16 in a row; the length check above makes each read succeed. */
	if (mdc_rbuf_get_u16be(b, &h->id) != 0 ||
	    mdc_rbuf_get_u16be(b, &h->flags) != 0 ||
	    mdc_rbuf_get_u16be(b, &h->qd) != 0 ||
	    mdc_rbuf_get_u16be(b, &h->an) != 0 ||
	    mdc_rbuf_get_u16be(b, &h->ns) != 0 ||
	    mdc_rbuf_get_u16be(b, &h->ar) != 0)
		return MDC_ETRUNC;
	return 0;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

void
dns_hdr_put(uint8_t *buf, const struct dns_hdr *h)
{
	put16(buf, h->id);
	put16(buf + 2, h->flags);
	put16(buf + 4, h->qd);
	put16(buf + 6, h->an);
	put16(buf + 8, h->ns);
	put16(buf + 10, h->ar);
}

static uint8_t
lc(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/*
 * Walk a name from b's cursor.  Pointers may only go backwards (which also
 * bounds the number of jumps); the cursor ends after the first pointer or
 * the root label of the in-line part.
 */
int
dns_name_get(struct mdc_rbuf *b, uint8_t *out, size_t *outlen, int lower)
{
	struct mdc_rbuf r = *b;
	size_t n = 0, end = 0, limit = b->pos;
	int jumped = 0;
	uint8_t len, lo;

	for (;;) {
		if (mdc_rbuf_get_u8(&r, &len) != 0)
			return MDC_ETRUNC;
		if ((len & 0xc0) == 0xc0) {
			if (mdc_rbuf_get_u8(&r, &lo) != 0)
				return MDC_ETRUNC;
			if (!jumped)
				end = r.pos;
			jumped = 1;
			size_t to = ((size_t)(len & 0x3f) << 8) | lo;
			if (to >= limit)
				return MDC_EMALF;
			limit = to;
			if (mdc_rbuf_seek(&r, to) != 0)
				return MDC_EMALF;
			continue;
		}
		if (len & 0xc0)
			return MDC_EMALF;
		if (n + 1 + len > DNS_NAME_MAX)
			return MDC_EMALF;
		out[n++] = len;
		if (len == 0)
			break;
		if (mdc_rbuf_get_bytes(&r, out + n, len) != 0)
			return MDC_ETRUNC;
		if (lower)
			for (size_t i = 0; i < len; i++)
				out[n + i] = lc(out[n + i]);
		n += len;
	}
	*outlen = n;
	b->pos = jumped ? end : r.pos;
	return 0;
}

int
dns_name_skip(struct mdc_rbuf *b)
{
	uint8_t tmp[DNS_NAME_MAX];
	size_t n;

	return dns_name_get(b, tmp, &n, 0);
}

int
dns_rr_skip(struct mdc_rbuf *b, uint16_t *type_out)
{
	uint16_t type, rdlen;
	int ret;

	ret = dns_name_skip(b);
	if (ret != 0)
		return ret;
	if (mdc_rbuf_get_u16be(b, &type) != 0 ||
	    mdc_rbuf_get_bytes(b, NULL, 6) != 0 ||
	    mdc_rbuf_get_u16be(b, &rdlen) != 0 ||
	    mdc_rbuf_get_bytes(b, NULL, rdlen) != 0)
		return MDC_ETRUNC;
	if (type_out != NULL)
		*type_out = type;
	return 0;
}

void
dns_name_lower(uint8_t *name, size_t len)
{
	for (size_t i = 0; i < len; i++)
		name[i] = lc(name[i]);
}

int
dns_name_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	if (alen != blen)
		return 0;
	for (size_t i = 0; i < alen; i++)
		if (lc(a[i]) != lc(b[i]))
			return 0;
	return 1;
}

int
dns_name_under(const uint8_t *n, size_t nlen, const uint8_t *apex,
               size_t apexlen, size_t *off_out)
{
	size_t off = 0;

	/* Walk label starts of n until the remaining suffix is apex-sized. */
	while (off < nlen && nlen - off > apexlen)
		off += (size_t)n[off] + 1;
	if (off >= nlen || nlen - off != apexlen)
		return 0;
	if (!dns_name_eq(n + off, apexlen, apex, apexlen))
		return 0;
	if (off_out != NULL)
		*off_out = off;
	return 1;
}
