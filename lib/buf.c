/* lib/buf.c - bounds-checked byte reader and writer */
#include "config.h"

#include <string.h>

#include "lib/buf.h"

void
mdc_rbuf_init(struct mdc_rbuf *b, const void *data, size_t len)
{
	b->data = data;
	b->len = data == NULL ? 0 : len;
	b->pos = 0;
}

size_t
mdc_rbuf_left(const struct mdc_rbuf *b)
{
	return b->len - b->pos;
}

int
mdc_rbuf_get_ptr(struct mdc_rbuf *b, const uint8_t **p, size_t n)
{
	if (mdc_rbuf_left(b) < n)
		return MDC_ETRUNC;
	*p = b->data + b->pos;
	b->pos += n;
	return 0;
}

int
mdc_rbuf_get_bytes(struct mdc_rbuf *b, void *out, size_t n)
{
	const uint8_t *p;
	int ret;

	ret = mdc_rbuf_get_ptr(b, &p, n);
	if (ret != 0)
		return ret;
	if (out != NULL && n > 0)
		memcpy(out, p, n);
	return 0;
}

int
mdc_rbuf_seek(struct mdc_rbuf *b, size_t pos)
{
	if (pos > b->len)
		return MDC_ETRUNC;
	b->pos = pos;
	return 0;
}

int
mdc_rbuf_get_u8(struct mdc_rbuf *b, uint8_t *v)
{
	return mdc_rbuf_get_bytes(b, v, 1);
}

/* Read n (<= 8) bytes as an unsigned integer, big- or little-endian. */
static int
get_uint(struct mdc_rbuf *b, size_t n, int big, uint64_t *v)
{
	const uint8_t *p;
	uint64_t x = 0;
	size_t i;
	int ret;

	ret = mdc_rbuf_get_ptr(b, &p, n);
	if (ret != 0)
		return ret;
	for (i = 0; i < n; i++)
		x |= (uint64_t)p[big ? i : n - 1 - i] << (8 * (n - 1 - i));
	*v = x;
	return 0;
}

int
mdc_rbuf_get_u16be(struct mdc_rbuf *b, uint16_t *v)
{
	uint64_t x;
	int ret = get_uint(b, 2, 1, &x);

	if (ret == 0)
		*v = (uint16_t)x;
	return ret;
}

int
mdc_rbuf_get_u32be(struct mdc_rbuf *b, uint32_t *v)
{
	uint64_t x;
	int ret = get_uint(b, 4, 1, &x);

	if (ret == 0)
		*v = (uint32_t)x;
	return ret;
}

int
mdc_rbuf_get_u16le(struct mdc_rbuf *b, uint16_t *v)
{
	uint64_t x;
	int ret = get_uint(b, 2, 0, &x);

	if (ret == 0)
		*v = (uint16_t)x;
	return ret;
}

int
mdc_rbuf_get_u32le(struct mdc_rbuf *b, uint32_t *v)
{
	uint64_t x;
	int ret = get_uint(b, 4, 0, &x);

	if (ret == 0)
		*v = (uint32_t)x;
	return ret;
}

int
mdc_rbuf_get_u64le(struct mdc_rbuf *b, uint64_t *v)
{
	return get_uint(b, 8, 0, v);
}

int
mdc_rbuf_get_u64be(struct mdc_rbuf *b, uint64_t *v)
{
	return get_uint(b, 8, 1, v);
}

void
mdc_wbuf_init(struct mdc_wbuf *b, void *data, size_t cap)
{
	b->data = data;
	b->cap = data == NULL ? 0 : cap;
	b->len = 0;
}

int
mdc_wbuf_put_bytes(struct mdc_wbuf *b, const void *p, size_t n)
{
	if (b->cap - b->len < n)
		return MDC_ESPACE;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

/* Write the low n bytes of v, big- or little-endian. */
static int
put_uint(struct mdc_wbuf *b, size_t n, int big, uint64_t v)
{
	uint8_t tmp[8];
	size_t i;

	for (i = 0; i < n; i++)
		tmp[big ? n - 1 - i : i] = (uint8_t)(v >> (8 * i));
	return mdc_wbuf_put_bytes(b, tmp, n);
}

int
mdc_wbuf_put_u8(struct mdc_wbuf *b, uint8_t v)
{
	return mdc_wbuf_put_bytes(b, &v, 1);
}

int
mdc_wbuf_put_u16be(struct mdc_wbuf *b, uint16_t v)
{
	return put_uint(b, 2, 1, v);
}

int
mdc_wbuf_put_u32be(struct mdc_wbuf *b, uint32_t v)
{
	return put_uint(b, 4, 1, v);
}

int
mdc_wbuf_put_u16le(struct mdc_wbuf *b, uint16_t v)
{
	return put_uint(b, 2, 0, v);
}

int
mdc_wbuf_put_u32le(struct mdc_wbuf *b, uint32_t v)
{
	return put_uint(b, 4, 0, v);
}

int
mdc_wbuf_put_u64le(struct mdc_wbuf *b, uint64_t v)
{
	return put_uint(b, 8, 0, v);
}

int
mdc_wbuf_put_u64be(struct mdc_wbuf *b, uint64_t v)
{
	return put_uint(b, 8, 1, v);
}
