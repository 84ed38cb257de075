/* dns/msg.c - the one parse of a message the fast path passes on */
#include "config.h"

#include <string.h>

#include "dns/msg.h"

/* A name rdf (uncompressed wire, at most 255 bytes) lower-cased into out. */
static void
name_copy(const ldns_rdf *d, uint8_t *out, size_t *len)
{
	*len = ldns_rdf_size(d);
	memcpy(out, ldns_rdf_data(d), *len);
	dns_name_lower(out, *len);
}

/* The bytes of an INT16_DATA rdf (a 16-bit length, then the data). */
static int
int16_data(const ldns_rdf *r, const uint8_t **p, uint16_t *n)
{
	if (r == NULL || ldns_rdf_get_type(r) != LDNS_RDF_TYPE_INT16_DATA ||
	    ldns_rdf_size(r) < 2)
		return MDC_EMALF;
	*p = ldns_rdf_data(r) + 2;
	*n = (uint16_t)(ldns_rdf_size(r) - 2);
	return 0;
}

/* The 7 fields of TSIG (RFC 8945 4.2) and TKEY (RFC 2930 2) RDATA. */
static int
seven_fields(const ldns_rr *rr)
{
	if (ldns_rr_rd_count(rr) != 7)
		return 0;
	for (size_t i = 0; i < 7; i++)
		if (ldns_rr_rdf(rr, i) == NULL)
			return 0;
	return ldns_rdf_get_type(ldns_rr_rdf(rr, 0)) == LDNS_RDF_TYPE_DNAME;
}

static int
get_tsig(const ldns_rr *rr, size_t off, struct dns_tsig_rr *t)
{
	const uint8_t *tm;

	memset(t, 0, sizeof(*t));
	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_ANY ||
	    ldns_rr_ttl(rr) != 0 || !seven_fields(rr) ||
	    ldns_rdf_size(ldns_rr_rdf(rr, 1)) != 6 ||
	    ldns_rdf_size(ldns_rr_rdf(rr, 2)) != 2 ||
	    ldns_rdf_size(ldns_rr_rdf(rr, 4)) != 2 ||
	    ldns_rdf_size(ldns_rr_rdf(rr, 5)) != 2 ||
	    int16_data(ldns_rr_rdf(rr, 3), &t->mac, &t->mac_len) != 0 ||
	    int16_data(ldns_rr_rdf(rr, 6), &t->other, &t->other_len) != 0)
		return MDC_EMALF;
	t->off = off;
	name_copy(ldns_rr_owner(rr), t->name, &t->name_len);
	name_copy(ldns_rr_rdf(rr, 0), t->alg, &t->alg_len);
	tm = ldns_rdf_data(ldns_rr_rdf(rr, 1));
	for (int i = 0; i < 6; i++)
		t->time_signed = t->time_signed << 8 | tm[i];
	t->fudge = ldns_rdf2native_int16(ldns_rr_rdf(rr, 2));
	t->orig_id = ldns_rdf2native_int16(ldns_rr_rdf(rr, 4));
	t->error = ldns_rdf2native_int16(ldns_rr_rdf(rr, 5));
	return 0;
}

static int
get_tkey(const ldns_rr *rr, struct dns_tkey_rr *k)
{
	memset(k, 0, sizeof(*k));
	if (!seven_fields(rr) || ldns_rdf_size(ldns_rr_rdf(rr, 3)) != 2 ||
	    int16_data(ldns_rr_rdf(rr, 5), &k->key, &k->key_len) != 0 ||
	    ldns_rdf_get_type(ldns_rr_rdf(rr, 6)) != LDNS_RDF_TYPE_INT16_DATA)
		return MDC_EMALF;
	name_copy(ldns_rr_owner(rr), k->name, &k->name_len);
	name_copy(ldns_rr_rdf(rr, 0), k->alg, &k->alg_len);
	k->mode = ldns_rdf2native_int16(ldns_rr_rdf(rr, 3));
	return 0;
}

/*
 * True if the record at off ends at end, as its RDLENGTH says: ldns stops
 * reading a TSIG's RDATA after its last field, and bytes a TSIG does not
 * have are no TSIG.
 */
static int
ends_at(const struct dns_msg *m, size_t off, size_t end)
{
	struct mdc_rbuf b;
	uint16_t rdlen;

	mdc_rbuf_init(&b, m->wire, m->len);
	return mdc_rbuf_seek(&b, off) == 0 && dns_name_skip(&b) == 0 &&
	       mdc_rbuf_get_bytes(&b, NULL, 8) == 0 &&
	       mdc_rbuf_get_u16be(&b, &rdlen) == 0 && b.pos + rdlen == end;
}

/* Keep record rr (bytes off..end; last: the message's last) in m. */
static int
take(struct dns_msg *m, ldns_rr *rr, ldns_pkt_section sec, size_t off,
     size_t end, int last)
{
	ldns_rr_type t = ldns_rr_get_type(rr);

	if (t == LDNS_RR_TYPE_TSIG) { /* RFC 8945 5.1: the very last */
		if (!last || sec != LDNS_SECTION_ADDITIONAL ||
		    !ends_at(m, off, end) || get_tsig(rr, off, &m->t) != 0) {
			ldns_rr_free(rr);
			return MDC_EMALF;
		}
		ldns_pkt_set_tsig(m->pkt, rr);
		m->tsig = 1;
		return 0;
	}
	if (t == LDNS_RR_TYPE_OPT && sec == LDNS_SECTION_ADDITIONAL) {
		m->nopt++;
		ldns_rr_free(rr);
		return 0;
	}
	if (t == LDNS_RR_TYPE_TKEY && !m->tkey) {
		if (get_tkey(rr, &m->k) != 0) {
			ldns_rr_free(rr);
			return MDC_EMALF;
		}
		m->tkey = 1;
	}
	if (!ldns_pkt_push_rr(m->pkt, sec, rr)) {
		ldns_rr_free(rr);
		return MDC_ENOMEM;
	}
	return 0;
}

static int
get_question(struct dns_msg *m, size_t *pos)
{
	ldns_rr *rr;

	for (int i = 0; i < m->h.qd; i++) {
		if (ldns_wire2rr(&rr, m->wire, m->len, pos,
		                 LDNS_SECTION_QUESTION) != LDNS_STATUS_OK)
			return MDC_EMALF;
		if (i == 0) {
			name_copy(ldns_rr_owner(rr), m->qname,
			          &m->qi.qname_len);
			m->qi.qtype = ldns_rr_get_type(rr);
			m->qi.qclass = ldns_rr_get_class(rr);
		}
		if (!ldns_pkt_push_rr(m->pkt, LDNS_SECTION_QUESTION, rr)) {
			ldns_rr_free(rr);
			return MDC_ENOMEM;
		}
	}
	m->qend = *pos;
	return 0;
}

/* Every record after the question, each parsed by ldns once. */
static int
get_records(struct dns_msg *m, size_t *pos)
{
	int an = m->h.an, ns = m->h.ns, total = an + ns + m->h.ar, ret;
	ldns_pkt_section sec;
	ldns_rr *rr;
	size_t off;

	for (int i = 0; i < total; i++) {
		sec = i < an        ? LDNS_SECTION_ANSWER
		      : i < an + ns ? LDNS_SECTION_AUTHORITY
		                    : LDNS_SECTION_ADDITIONAL;
		off = *pos;
		if (ldns_wire2rr(&rr, m->wire, m->len, pos, sec) !=
		    LDNS_STATUS_OK)
			return MDC_EMALF;
		ret = take(m, rr, sec, off, *pos, i == total - 1);
		if (ret != 0)
			return ret;
	}
	return 0;
}

int
dns_msg_parse(const uint8_t *q, size_t len, struct dns_msg *m)
{
	struct mdc_rbuf b;
	size_t pos = DNS_HDR_LEN;
	int ret;

	memset(m, 0, sizeof(*m));
	m->wire = q;
	m->len = len;
	mdc_rbuf_init(&b, q, len);
	if (dns_hdr_get(&b, &m->h) != 0)
		return m->err = MDC_ETRUNC;
	m->pkt = ldns_pkt_new();
	if (m->pkt == NULL)
		return m->err = MDC_ENOMEM;
	ret = get_question(m, &pos);
	if (ret == 0)
		ret = get_records(m, &pos);
	m->qi.edns = m->nopt == 1;
	if (ret != 0) {
		dns_msg_clear(m);
		m->err = ret;
	}
	return ret;
}

void
dns_msg_clear(struct dns_msg *m)
{
	if (m->pkt != NULL)
		ldns_pkt_free(m->pkt);
	m->pkt = NULL;
	m->tsig = m->tkey = 0;
}
