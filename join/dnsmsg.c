/* join/dnsmsg.c - parsers of the DNS server's answers (TKEY, signed UPDATE) */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ad/dnswire.h"
#include "ad/tsig.h"
#include "join/dnsmsg.h"
#include "lib/buf.h"

const uint8_t mdc_join_gss_tsig[MDC_JOIN_GSS_TSIG_LEN] = "\x08gss-tsig";

/* Position b at the first TKEY RR; MDC_EMALF if there is none. */
static int
seek_tkey(struct mdc_rbuf *b, const struct dns_hdr *h)
{
	uint16_t type = 0;
	size_t rr = 0;
	int i;

	for (i = 0; i < h->qd; i++)
		if (dns_name_skip(b) != 0 ||
		    mdc_rbuf_get_bytes(b, NULL, 4) != 0)
			return MDC_EMALF;
	for (i = 0; i < h->an + h->ns + h->ar && type != DNS_T_TKEY; i++) {
		rr = b->pos;
		if (dns_rr_skip(b, &type) != 0)
			return MDC_EMALF;
	}
	if (type != DNS_T_TKEY || mdc_rbuf_seek(b, rr) != 0)
		return MDC_EMALF;
	return 0;
}

int
mdc_join_tkey_answer(const uint8_t *m, size_t len, uint16_t *err,
                     const uint8_t **tok, size_t *toklen)
{
	struct mdc_rbuf b;
	struct dns_hdr h;
	uint16_t mode, klen, olen;

	mdc_rbuf_init(&b, m, len);
	if (dns_hdr_get(&b, &h) != 0)
		return MDC_EMALF;
	if ((h.flags & 0xf) != DNS_R_NOERROR)
		return MDC_EDENIED;
	/* RR header (type, class, TTL, rdlength), algorithm, inception and
	 * expiration, mode, error, key. */
	if (seek_tkey(&b, &h) != 0 || dns_name_skip(&b) != 0 ||
	    mdc_rbuf_get_bytes(&b, NULL, 10) != 0 || dns_name_skip(&b) != 0 ||
	    mdc_rbuf_get_bytes(&b, NULL, 8) != 0 ||
	    mdc_rbuf_get_u16be(&b, &mode) != 0 ||
	    mdc_rbuf_get_u16be(&b, err) != 0 ||
	    mdc_rbuf_get_u16be(&b, &klen) != 0 ||
	    mdc_rbuf_get_ptr(&b, tok, klen) != 0 ||
	    mdc_rbuf_get_u16be(&b, &olen) != 0)
		return MDC_EMALF;
	*toklen = klen;
	return 0;
}

/* TSIG variables (RFC 8945 4.3.3). */
static int
put_vars(struct mdc_wbuf *w, const uint8_t *key, size_t keylen,
         const struct dns_tsig_rr *t)
{
	if (mdc_wbuf_put_bytes(w, key, keylen) != 0 ||
	    mdc_wbuf_put_u16be(w, DNS_C_ANY) != 0 ||
	    mdc_wbuf_put_u32be(w, 0) != 0 ||
	    mdc_wbuf_put_bytes(w, mdc_join_gss_tsig, MDC_JOIN_GSS_TSIG_LEN) !=
	            0 ||
	    mdc_wbuf_put_u16be(w, (uint16_t)(t->time_signed >> 32)) != 0 ||
	    mdc_wbuf_put_u32be(w, (uint32_t)t->time_signed) != 0 ||
	    mdc_wbuf_put_u16be(w, t->fudge) != 0 ||
	    mdc_wbuf_put_u16be(w, t->error) != 0 ||
	    mdc_wbuf_put_u16be(w, t->other_len) != 0 ||
	    mdc_wbuf_put_bytes(w, t->other, t->other_len) != 0)
		return MDC_ESPACE;
	return 0;
}

int
mdc_join_answer_digest(const uint8_t *reqmac, size_t reqlen, const uint8_t *key,
                       size_t keylen, const uint8_t *m, size_t len,
                       uint8_t **digest_out, size_t *digest_len,
                       const uint8_t **mac, size_t *maclen)
{
	struct dns_tsig_rr t;
	struct mdc_wbuf w;
	size_t cap = len + reqlen + keylen + 64, h;
	uint8_t *buf;
	int ret;

	ret = dns_tsig_find(m, len, &t);
	if (ret < 0)
		return MDC_EMALF;
	if (ret == 0 || t.error != 0 || reqlen > 0xffff)
		return MDC_EDENIED;
	buf = malloc(cap);
	if (buf == NULL)
		return MDC_ENOMEM;
	mdc_wbuf_init(&w, buf, cap);
	h = 2 + reqlen; /* where the answer's header starts */
	if (mdc_wbuf_put_u16be(&w, (uint16_t)reqlen) != 0 ||
	    mdc_wbuf_put_bytes(&w, reqmac, reqlen) != 0 ||
	    mdc_wbuf_put_bytes(&w, m, t.off) != 0 ||
	    put_vars(&w, key, keylen, &t) != 0) {
		free(buf);
		return MDC_EMALF;
	}
	/* The MAC covers the original ID and ARCOUNT without the TSIG
	 * (dns_tsig_find made sure ARCOUNT >= 1). */
	buf[h] = (uint8_t)(t.orig_id >> 8);
	buf[h + 1] = (uint8_t)t.orig_id;
	if (buf[h + 11]-- == 0)
		buf[h + 10]--;
	*digest_out = buf;
	*digest_len = w.len;
	*mac = t.mac;
	*maclen = t.mac_len;
	return 0;
}
