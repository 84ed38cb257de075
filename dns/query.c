/* dns/query.c - the query fast path: answer from a snapshot without allocating
 */
#include "config.h"

#include <string.h>

#include "ad/dnswire.h"
#include "dns/query.h"

/* Read QNAME uncompressed, lower-cased into key. */
static int
get_qname(struct mdc_rbuf *b, uint8_t *key, size_t *len_out)
{
	size_t n = 0;
	uint8_t len;

	for (;;) {
		if (mdc_rbuf_get_u8(b, &len) != 0 || (len & 0xc0) != 0 ||
		    n + 1 + len > DNS_NAME_MAX)
			return -1;
		key[n++] = len;
		if (len == 0)
			break;
		if (mdc_rbuf_get_bytes(b, key + n, len) != 0)
			return -1;
		dns_name_lower(key + n, len);
		n += len;
	}
	*len_out = n;
	return 0;
}

/* The OPT RR (owner root, type 41); anything else goes to the slow path. */
static int
get_opt(struct mdc_rbuf *b, struct dns_qinfo *qi, uint8_t *version)
{
	uint8_t root, ext;
	uint16_t type, flags, rdlen, ocode, olen;
	size_t end;

	if (mdc_rbuf_get_u8(b, &root) != 0 || root != 0 ||
	    mdc_rbuf_get_u16be(b, &type) != 0 || type != DNS_T_OPT ||
	    mdc_rbuf_get_u16be(b, &qi->udp_size) != 0 ||
	    mdc_rbuf_get_u8(b, &ext) != 0 || mdc_rbuf_get_u8(b, version) != 0 ||
	    mdc_rbuf_get_u16be(b, &flags) != 0 ||
	    mdc_rbuf_get_u16be(b, &rdlen) != 0 || mdc_rbuf_left(b) < rdlen)
		return -1;
	end = b->pos + rdlen;
	while (b->pos < end) /* unknown options are skipped, but must fit */
		if (mdc_rbuf_get_u16be(b, &ocode) != 0 ||
		    mdc_rbuf_get_u16be(b, &olen) != 0 || b->pos + olen > end ||
		    mdc_rbuf_get_bytes(b, NULL, olen) != 0)
			return -1;
	qi->edns = 1;
	qi->do_bit = (flags & 0x8000) != 0;
	return 0;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static size_t
put_opt(uint8_t *p, const struct dns_qinfo *qi, int rcode)
{
	p[0] = 0;
	put16(p + 1, DNS_T_OPT);
	put16(p + 3, DNS_UDP_OURS);
	p[5] = (uint8_t)(rcode >> 4); /* extended rcode, upper 8 bits */
	p[6] = 0;                     /* version */
	put16(p + 7, qi->do_bit ? 0x8000 : 0);
	put16(p + 9, 0);
	return DNS_OPT_LEN;
}

static uint16_t
resp_flags(uint16_t qflags, int aa, int rcode)
{
	uint16_t f = DNS_F_QR | (qflags & (0x7800 | DNS_F_RD | DNS_F_CD));

	return f | (aa ? DNS_F_AA : 0) | (rcode & 0xf);
}

size_t
dns_query_short(const uint8_t *q, const struct dns_qinfo *qi, uint16_t qflags,
                int aa, int rcode, uint8_t *out, size_t cap)
{
	struct dns_hdr h = {0};
	size_t qlen = qi->qname_len ? qi->qname_len + 4 : 0;
	size_t n = DNS_HDR_LEN + qlen + (qi->edns ? DNS_OPT_LEN : 0);

	if (cap < n)
		return 0;
	h.id = (uint16_t)(q[0] << 8 | q[1]);
	h.flags = resp_flags(qflags, aa, rcode);
	h.qd = qlen ? 1 : 0;
	h.ar = qi->edns ? 1 : 0;
	dns_hdr_put(out, &h);
	memcpy(out + DNS_HDR_LEN, q + DNS_HDR_LEN, qlen);
	if (qi->edns)
		put_opt(out + DNS_HDR_LEN + qlen, qi, rcode);
	return n;
}

/* Parse header + question (+ OPT); 0 if this is a plain query. */
static enum dns_verdict
parse(const uint8_t *q, size_t qlen, struct dns_hdr *h, struct dns_qinfo *qi,
      uint8_t *key, uint8_t *version)
{
	struct mdc_rbuf b;

	mdc_rbuf_init(&b, q, qlen);
	if (dns_hdr_get(&b, h) != 0 || (h->flags & DNS_F_QR))
		return DNS_DROP;
	if (DNS_OPCODE(h->flags) != DNS_OP_QUERY || h->qd != 1 || h->an ||
	    h->ns || h->ar > 1)
		return DNS_SLOW;
	if (get_qname(&b, key, &qi->qname_len) != 0 ||
	    mdc_rbuf_get_u16be(&b, &qi->qtype) != 0 ||
	    mdc_rbuf_get_u16be(&b, &qi->qclass) != 0)
		return DNS_SLOW;
	if (qi->qclass != DNS_C_IN || qi->qtype == DNS_T_AXFR ||
	    qi->qtype == DNS_T_IXFR || qi->qtype == DNS_T_TKEY ||
	    qi->qtype == DNS_T_TSIG)
		return DNS_SLOW;
	if (h->ar == 1 && get_opt(&b, qi, version) != 0)
		return DNS_SLOW;
	return DNS_SEND;
}

/* Pick the set answering qtype at node nd, or NULL for NODATA. */
static const struct dns_set *
pick(const struct dns_snapshot *s, const struct dns_node *nd, uint16_t qtype)
{
	if (qtype == DNS_T_ANY)
		return nd->any_set >= 0 ? &s->sets[nd->any_set] : NULL;
	for (uint32_t i = 0; i < nd->nsets; i++)
		if (s->sets[nd->first_set + i].type == qtype)
			return &s->sets[nd->first_set + i];
	return nd->cname_set >= 0 ? &s->sets[nd->cname_set] : NULL;
}

struct resp {
	uint8_t *out;
	size_t len, cap;
	struct dns_hdr h;
};

static int
emit(struct resp *r, const void *p, size_t n)
{
	if (r->len + n > r->cap)
		return -1;
	memcpy(r->out + r->len, p, n);
	r->len += n;
	return 0;
}

/* Body after the question: the set, or the SOA for a negative answer. */
static int
body(struct resp *r, const struct dns_snapshot *s, const struct dns_zone *z,
     const struct dns_set *set, size_t apex_off, int with_addl)
{
	uint8_t ptr[2];

	if (set != NULL) {
		r->h.an = set->an;
		r->h.ar = with_addl ? set->ar : 0;
		return emit(r, s->arena + set->off,
		            with_addl ? set->len : set->alen);
	}
	/* The apex suffix of QNAME is inside the question: point at it. */
	put16(ptr, (uint16_t)(0xc000 | (DNS_HDR_LEN + apex_off)));
	r->h.ns = 1;
	if (emit(r, ptr, 2) != 0)
		return -1;
	return emit(r, z->neg, z->neg_len);
}

static enum dns_verdict
answer(const struct dns_snapshot *s, const uint8_t *q, const struct dns_hdr *qh,
       const struct dns_qinfo *qi, const uint8_t *key, size_t limit,
       struct resp *r)
{
	const struct dns_node *nd;
	const struct dns_set *set = NULL;
	const struct dns_zone *z;
	size_t apex_off, qend = DNS_HDR_LEN + qi->qname_len + 4;
	int rcode = DNS_R_NOERROR, addl;

	z = dns_snapshot_zone(s, key, qi->qname_len, &apex_off);
	if (z == NULL)
		return DNS_SLOW;
	nd = dns_snapshot_find(s, key, qi->qname_len);
	if (nd == NULL)
		rcode = DNS_R_NXDOMAIN;
	else
		set = pick(s, nd, qi->qtype);
	for (addl = 1; addl >= 0; addl--) {
		memset(&r->h, 0, sizeof(r->h));
		r->len = qend;
		if (body(r, s, z, set, apex_off, addl) != 0 ||
		    r->len + (qi->edns ? DNS_OPT_LEN : 0) > limit)
			continue;
		r->h.id = qh->id;
		r->h.flags = resp_flags(qh->flags, 1, rcode);
		r->h.qd = 1;
		if (qi->edns) {
			r->h.ar++;
			r->len += put_opt(r->out + r->len, qi, 0);
		}
		memcpy(r->out + DNS_HDR_LEN, q + DNS_HDR_LEN,
		       qend - DNS_HDR_LEN);
		dns_hdr_put(r->out, &r->h);
		return DNS_SEND;
	}
	/* Does not fit even without additional data: truncate. */
	r->len = dns_query_short(q, qi, qh->flags | DNS_F_TC, 1, rcode, r->out,
	                         r->cap);
	if (r->len > 0)
		put16(r->out + 2, resp_flags(qh->flags, 1, rcode) | DNS_F_TC);
	return r->len > 0 ? DNS_SEND : DNS_DROP;
}

enum dns_verdict
dns_query_answer(const struct dns_snapshot *s, const uint8_t *q, size_t qlen,
                 int tcp, int forward, uint8_t *out, size_t cap, size_t *outlen)
{
	uint8_t key[DNS_NAME_MAX + 1], version = 0;
	struct dns_qinfo qi = {0};
	struct resp r = {.out = out, .cap = cap};
	struct dns_hdr h;
	enum dns_verdict v;
	size_t limit;

	v = parse(q, qlen, &h, &qi, key, &version);
	if (v != DNS_SEND)
		return v;
	if (version != 0 || s == NULL) {
		*outlen = dns_query_short(q, &qi, h.flags, 0,
		                          version != 0 ? DNS_R_BADVERS_EXT
		                                       : DNS_R_SERVFAIL,
		                          out, cap);
		return *outlen > 0 ? DNS_SEND : DNS_DROP;
	}
	limit = DNS_UDP_PLAIN;
	if (tcp)
		limit = DNS_MSG_MAX;
	else if (qi.edns && qi.udp_size > DNS_UDP_PLAIN)
		limit = qi.udp_size < DNS_UDP_OURS ? qi.udp_size : DNS_UDP_OURS;
	if (limit > cap)
		limit = cap;
	r.cap = limit;
	v = answer(s, q, &h, &qi, key, limit, &r);
	if (v == DNS_SLOW && !forward) {
		r.len = dns_query_short(q, &qi, h.flags, 0, DNS_R_REFUSED, out,
		                        cap);
		v = r.len > 0 ? DNS_SEND : DNS_DROP;
	}
	*outlen = r.len;
	return v;
}
