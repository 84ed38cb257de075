/* lib/buf.h - bounds-checked reader and writer over byte buffers */
#ifndef MDC_BUF_H
#define MDC_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

/*
 * A reader never owns its bytes: it is a window (data, len) with a cursor.
 * Every getter checks the remaining length first and returns MDC_ETRUNC
 * without moving the cursor when the input is too short.  This is the only
 * way network bytes are read in minidc.
 */
struct mdc_rbuf {
	const uint8_t *data;
	size_t len;
	size_t pos;
};

/* A writer fills caller-owned memory; putters return MDC_ESPACE when full. */
struct mdc_wbuf {
	uint8_t *data;
	size_t cap;
	size_t len;
};

void mdc_rbuf_init(struct mdc_rbuf *b, const void *data, size_t len);
size_t mdc_rbuf_left(const struct mdc_rbuf *b);
MDC_MUSTCHECK int mdc_rbuf_get_u8(struct mdc_rbuf *b, uint8_t *v);
MDC_MUSTCHECK int mdc_rbuf_get_u16be(struct mdc_rbuf *b, uint16_t *v);
MDC_MUSTCHECK int mdc_rbuf_get_u32be(struct mdc_rbuf *b, uint32_t *v);
MDC_MUSTCHECK int mdc_rbuf_get_u16le(struct mdc_rbuf *b, uint16_t *v);
MDC_MUSTCHECK int mdc_rbuf_get_u32le(struct mdc_rbuf *b, uint32_t *v);
MDC_MUSTCHECK int mdc_rbuf_get_u64le(struct mdc_rbuf *b, uint64_t *v);
MDC_MUSTCHECK int mdc_rbuf_get_u64be(struct mdc_rbuf *b, uint64_t *v);
/* Copy n bytes out (out may be NULL to skip them). */
MDC_MUSTCHECK int mdc_rbuf_get_bytes(struct mdc_rbuf *b, void *out, size_t n);
/* Point *p at the next n bytes inside the buffer (no copy) and advance. */
MDC_MUSTCHECK int mdc_rbuf_get_ptr(struct mdc_rbuf *b, const uint8_t **p,
                                   size_t n);
/* Move the cursor to an absolute offset <= len. */
MDC_MUSTCHECK int mdc_rbuf_seek(struct mdc_rbuf *b, size_t pos);

void mdc_wbuf_init(struct mdc_wbuf *b, void *data, size_t cap);
MDC_MUSTCHECK int mdc_wbuf_put_u8(struct mdc_wbuf *b, uint8_t v);
MDC_MUSTCHECK int mdc_wbuf_put_u16be(struct mdc_wbuf *b, uint16_t v);
MDC_MUSTCHECK int mdc_wbuf_put_u32be(struct mdc_wbuf *b, uint32_t v);
MDC_MUSTCHECK int mdc_wbuf_put_u16le(struct mdc_wbuf *b, uint16_t v);
MDC_MUSTCHECK int mdc_wbuf_put_u32le(struct mdc_wbuf *b, uint32_t v);
MDC_MUSTCHECK int mdc_wbuf_put_u64le(struct mdc_wbuf *b, uint64_t v);
MDC_MUSTCHECK int mdc_wbuf_put_u64be(struct mdc_wbuf *b, uint64_t v);
MDC_MUSTCHECK int mdc_wbuf_put_bytes(struct mdc_wbuf *b, const void *p,
                                     size_t n);

#endif
