/* dns/slow.c - the slow path: odd queries, TKEY, UPDATE, AXFR, forwarding */
#include "config.h"

#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ad/dnswire.h"
#include "ad/tsig.h"
#include "dns/msg.h"
#include "dns/slow.h"
#include "dns/update.h"
#include "dns/xfracl.h"
#include "lib/net.h"

static long long
now_s(const struct dns_slow *sl)
{
	return sl->now != NULL ? sl->now() : (long long)time(NULL);
}

/* A header-only reply: id, opcode and RD copied. */
static size_t
hdr_only(const uint8_t *q, int rcode, uint8_t *out, size_t cap)
{
	struct dns_hdr h = {0};
	uint16_t qf = (uint16_t)(q[2] << 8 | q[3]);

	if (cap < DNS_HDR_LEN)
		return 0;
	h.id = (uint16_t)(q[0] << 8 | q[1]);
	h.flags = DNS_F_QR | (qf & (0x7800 | DNS_F_RD)) | (rcode & 0xf);
	dns_hdr_put(out, &h);
	return DNS_HDR_LEN;
}

static int
parse_ip_port(const char *tok, int defport, struct sockaddr_storage *ss,
              socklen_t *len)
{
	char ip[64];
	const char *colon = strrchr(tok, ':');
	int port = defport;

	/* "ip:port" for IPv4; a bare IPv6 address keeps its colons. */
	if (colon != NULL && strchr(tok, ':') == colon) {
		snprintf(ip, sizeof(ip), "%.*s", (int)(colon - tok), tok);
		port = atoi(colon + 1);
	} else {
		snprintf(ip, sizeof(ip), "%s", tok);
	}
	return mdc_net_addr(ip, port, ss, len);
}

int
dns_slow_config(struct dns_slow *sl, const char *fwd, const char *axfr)
{
	char buf[1024], *tok, *save = NULL;
	int n;

	snprintf(buf, sizeof(buf), "%s", fwd != NULL ? fwd : "");
	for (tok = strtok_r(buf, " ,", &save); tok != NULL;
	     tok = strtok_r(NULL, " ,", &save)) {
		if (sl->nforwarders == 4 ||
		    parse_ip_port(tok, 53, &sl->forwarders[sl->nforwarders],
		                  &sl->fwd_len[sl->nforwarders]) != 0)
			return MDC_EINVAL;
		sl->nforwarders++;
	}
	n = snprintf(sl->axfr_allow, sizeof(sl->axfr_allow), "%s",
	             axfr != NULL ? axfr : "");
	if (n < 0 || (size_t)n >= sizeof(sl->axfr_allow) ||
	    dns_xacl_check(sl->axfr_allow) != 0) {
		sl->axfr_allow[0] = '\0';
		return MDC_EINVAL;
	}
	return 0;
}

int
dns_slow_xfr_allowed(const struct dns_slow *sl, const struct dns_snapshot *s,
                     const struct dns_zone *z, const struct sockaddr *peer)
{
	const struct dns_entry *apex;

	if (dns_xacl_match(sl->axfr_allow, peer))
		return 1;
	apex = z != NULL ? dns_snapshot_entry(s, z->origin) : NULL;
	return apex != NULL && dns_xacl_match(apex->xfr_allow, peer);
}

/* Relay q to the first forwarder that answers; SERVFAIL otherwise. */
size_t
dns_slow_forward(const struct dns_slow *sl, const uint8_t *q, size_t qlen,
                 uint8_t *out, size_t cap)
{
	for (int i = 0; i < sl->nforwarders; i++) {
		const struct sockaddr *fa =
		        (const struct sockaddr *)&sl->forwarders[i];
		struct pollfd pfd = {.events = POLLIN};
		ssize_t r = -1;
		pfd.fd = socket(fa->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (pfd.fd < 0)
			continue;
		if (connect(pfd.fd, fa, sl->fwd_len[i]) == 0 &&
		    send(pfd.fd, q, qlen, 0) == (ssize_t)qlen &&
		    poll(&pfd, 1, 1500) == 1)
			r = recv(pfd.fd, out, cap, 0);
		close(pfd.fd);
		/* Same ID (we reuse the client's) and a response: relay it. */
		if (r >= DNS_HDR_LEN && memcmp(out, q, 2) == 0 &&
		    (out[2] & 0x80))
			return (size_t)r;
	}
	return hdr_only(q, DNS_R_SERVFAIL, out, cap);
}

/*
 * The rules of a query the fast path passed on: one question, not
 * compressed (real clients never do), nothing in the answer section, at
 * most one OPT, and an authority record only for an IXFR: the client's SOA
 * (RFC 1995 section 3), whose serial goes to *serial.  0, or -1 (FORMERR).
 */
static int
query_check(const struct dns_msg *m, int *has_serial, uint32_t *serial)
{
	const ldns_rr *soa;

	*has_serial = 0;
	if (m->err != 0 || m->h.qd != 1 || m->h.an || m->h.ns > 1 ||
	    m->nopt > 1 || m->qend != DNS_HDR_LEN + m->qi.qname_len + 4)
		return -1;
	if (m->h.ns == 0)
		return 0;
	soa = ldns_rr_list_rr(ldns_pkt_authority(m->pkt), 0);
	if (m->qi.qtype != DNS_T_IXFR || soa == NULL ||
	    ldns_rr_get_type(soa) != LDNS_RR_TYPE_SOA ||
	    ldns_rr_rd_count(soa) < 3)
		return -1;
	*serial = ldns_rdf2native_int32(ldns_rr_rdf(soa, 2));
	*has_serial = 1;
	return 0;
}

/*
 * The answer of one SOA record: z's current version (RFC 1995 section 2,
 * for an IXFR client already current, or asking over UDP).
 */
static size_t
soa_only(const struct dns_zone *z, const struct dns_msg *m, uint8_t *out,
         size_t cap)
{
	const uint8_t *q = m->wire;
	size_t qend = m->qend;
	ldns_buffer *rb = ldns_buffer_new(512);
	struct dns_hdr h = {0};
	size_t len = 0;

	if (rb != NULL && ldns_rr_list_rr_count(z->axfr) > 0 &&
	    ldns_rr2buffer_wire(rb, ldns_rr_list_rr(z->axfr, 0),
	                        LDNS_SECTION_ANSWER) == LDNS_STATUS_OK &&
	    qend + ldns_buffer_position(rb) <= cap) {
		h.id = m->h.id;
		h.flags = DNS_F_QR | DNS_F_AA | (m->h.flags & DNS_F_RD);
		h.qd = h.an = 1;
		dns_hdr_put(out, &h);
		memcpy(out + DNS_HDR_LEN, q + DNS_HDR_LEN, qend - DNS_HDR_LEN);
		memcpy(out + qend, ldns_buffer_begin(rb),
		       ldns_buffer_position(rb));
		len = qend + ldns_buffer_position(rb);
	}
	if (rb != NULL)
		ldns_buffer_free(rb);
	return len > 0 ? len : hdr_only(q, DNS_R_SERVFAIL, out, cap);
}

/* Serial a is the same as or newer than b (RFC 1982 arithmetic). */
static int
serial_ge(uint32_t a, uint32_t b)
{
	return a == b || (int32_t)(a - b) > 0;
}

/*
 * An allowed transfer of zone z.  We keep no journal, so an IXFR is
 * answered as RFC 1995 section 4 allows: the whole zone in AXFR form
 * (over TCP), one SOA when the client is current (section 2), and one SOA
 * over UDP, which tells the client to come back over TCP.  AXFR needs
 * TCP (RFC 5936 section 4.2).
 */
static int
xfr_verdict(const struct dns_msg *m, const struct dns_zone *z, int tcp,
            int has_serial, uint32_t serial, uint8_t *out, size_t cap,
            size_t *outlen)
{
	if (m->qi.qtype == DNS_T_IXFR &&
	    ((has_serial && serial_ge(serial, z->serial)) || !tcp)) {
		*outlen = soa_only(z, m, out, cap);
		return DNS_SEND;
	}
	if (tcp)
		return DNS_AXFR;
	*outlen = dns_query_short(m->wire, &m->qi, m->h.flags, 0, DNS_R_REFUSED,
	                          out, cap);
	return DNS_SEND;
}

/* A TKEY negotiation (unsigned: the key is what it makes). */
static int
slow_tkey(struct dns_slow *sl, const struct dns_msg *m, uint8_t *out,
          size_t cap, size_t *outlen)
{
	if (m->tkey && dns_tkey_handle(sl->keys, m->wire, m->qend, &m->k,
	                               now_s(sl), out, cap, outlen) == 0) {
		snprintf(sl->event, sizeof(sl->event), "%s",
		         dns_tsig_message(sl->keys));
		return DNS_SEND;
	}
	*outlen = hdr_only(m->wire, DNS_R_FORMERR, out, cap);
	return DNS_SEND;
}

static int
slow_query(struct dns_slow *sl, const struct dns_snapshot *s,
           const struct dns_msg *m, const struct sockaddr *peer, int tcp,
           uint8_t *out, size_t cap, size_t *outlen)
{
	const struct dns_qinfo *qi = &m->qi;
	const uint8_t *q = m->wire;
	const struct dns_zone *z;
	int rcode = DNS_R_REFUSED, has_serial;
	uint32_t serial = 0;
	size_t off;

	if (query_check(m, &has_serial, &serial) != 0) {
		*outlen = hdr_only(q, DNS_R_FORMERR, out, cap);
		return DNS_SEND;
	}
	if (qi->qtype == DNS_T_TKEY && sl->keys != NULL && !m->tsig)
		return slow_tkey(sl, m, out, cap, outlen);
	if (m->tsig) { /* we sign no queries: unknown key */
		*outlen = dns_query_short(q, qi, m->h.flags, 0, DNS_R_NOTAUTH,
		                          out, cap);
		if (dns_tsig_append(sl->keys, &m->t, 0, DNS_R_BADKEY, now_s(sl),
		                    out, outlen, cap) != 0)
			*outlen = hdr_only(q, DNS_R_NOTAUTH, out, cap);
		return DNS_SEND;
	}
	if ((qi->qtype == DNS_T_AXFR || qi->qtype == DNS_T_IXFR) &&
	    qi->qclass == DNS_C_IN && s != NULL &&
	    (z = dns_snapshot_zone(s, m->qname, qi->qname_len, &off)) != NULL &&
	    off == 0 && dns_slow_xfr_allowed(sl, s, z, peer))
		return xfr_verdict(m, z, tcp, has_serial, serial, out, cap,
		                   outlen);
	if (qi->qclass == DNS_C_IN && sl->nforwarders > 0 && s != NULL &&
	    dns_snapshot_zone(s, m->qname, qi->qname_len, NULL) == NULL) {
		return DNS_FORWARD; /* done by the caller, outside the lock */
	}
	if (qi->qclass == DNS_C_IN && qi->qtype != DNS_T_AXFR &&
	    qi->qtype != DNS_T_IXFR && qi->qtype != DNS_T_TKEY)
		rcode = DNS_R_FORMERR; /* e.g. a malformed OPT */
	*outlen = dns_query_short(q, qi, m->h.flags, 0, rcode, out, cap);
	return DNS_SEND;
}

int
dns_slow_handle(struct dns_slow *sl, const struct dns_snapshot *s,
                const struct dns_msg *m, const struct sockaddr *peer, int tcp,
                uint8_t *out, size_t cap, size_t *outlen)
{
	if (m->err == MDC_ETRUNC || m->err == MDC_ENOMEM ||
	    (m->h.flags & DNS_F_QR))
		return DNS_DROP;
	switch (DNS_OPCODE(m->h.flags)) {
	case DNS_OP_QUERY:
		return slow_query(sl, s, m, peer, tcp, out, cap, outlen);
	case DNS_OP_UPDATE:
		*outlen = dns_update_handle(sl, s, m, now_s(sl), out, cap);
		return *outlen > 0 ? DNS_SEND : DNS_DROP;
	default:
		*outlen = hdr_only(m->wire, DNS_R_NOTIMP, out, cap);
		return *outlen > 0 ? DNS_SEND : DNS_DROP;
	}
}

/* Messages of a zone transfer are sent once they would pass this size. */
#define AXFR_TARGET 16384

/* Flush the AXFR message being built in m (header at m). */
static int
axfr_flush(uint8_t *m, size_t *len, struct dns_hdr *h, size_t qend,
           int (*send)(void *, const uint8_t *, size_t), void *ctx)
{
	int ret;

	if (h->an == 0)
		return 0;
	dns_hdr_put(m, h);
	ret = send(ctx, m, *len);
	*len = qend;
	h->an = 0;
	return ret;
}

/*
 * A record that fits no message (the zone loaders drop those, so this is
 * a bug elsewhere): end the transfer with SERVFAIL instead of writing past
 * the message.  Returns MDC_ERANGE.
 */
static int
axfr_fail(uint8_t *m, size_t qend, struct dns_hdr *h,
          int (*send)(void *, const uint8_t *, size_t), void *ctx)
{
	h->flags = (h->flags & ~0xf) | DNS_R_SERVFAIL;
	h->an = 0;
	dns_hdr_put(m, h);
	(void)send(ctx, m, qend);
	return MDC_ERANGE;
}

/* Append rr to the message in m, flushing first when it is full. */
static int
axfr_put(uint8_t *m, size_t *len, struct dns_hdr *h, size_t qend,
         const uint8_t *rr, size_t n,
         int (*send)(void *, const uint8_t *, size_t), void *ctx)
{
	int ret;

	if (*len + n > AXFR_TARGET &&
	    (ret = axfr_flush(m, len, h, qend, send, ctx)) != 0)
		return ret;
	if (*len + n > DNS_MSG_MAX)
		return axfr_fail(m, qend, h, send, ctx);
	memcpy(m + *len, rr, n);
	*len += n;
	h->an++;
	return 0;
}

int
dns_slow_axfr(const struct dns_snapshot *s, const struct dns_msg *q,
              int (*send)(void *ctx, const uint8_t *msg, size_t len), void *ctx)
{
	struct dns_hdr h = {0};
	uint8_t *m = malloc(DNS_MSG_MAX);
	ldns_buffer *rb = ldns_buffer_new(512);
	const struct dns_zone *z;
	size_t qend, len, off;
	int ret = MDC_ENOMEM;

	if (m == NULL || rb == NULL)
		goto out;
	ret = MDC_EMALF;
	if (q->err != 0 || q->h.qd < 1 ||
	    (z = dns_snapshot_zone(s, q->qname, q->qi.qname_len, &off)) ==
	            NULL ||
	    off != 0)
		goto out;
	len = qend = q->qend;
	memcpy(m, q->wire, qend);
	h.id = q->h.id;
	h.flags = DNS_F_QR | DNS_F_AA;
	h.qd = 1;
	for (size_t i = 0; i < ldns_rr_list_rr_count(z->axfr); i++) {
		ldns_buffer_clear(rb);
		if (ldns_rr2buffer_wire(rb, ldns_rr_list_rr(z->axfr, i),
		                        LDNS_SECTION_ANSWER) !=
		    LDNS_STATUS_OK) {
			ret = MDC_EDNS;
			goto out;
		}
		ret = axfr_put(m, &len, &h, qend, ldns_buffer_begin(rb),
		               ldns_buffer_position(rb), send, ctx);
		if (ret != 0)
			goto out;
	}
	ret = axfr_flush(m, &len, &h, qend, send, ctx);
out:
	free(m);
	if (rb != NULL)
		ldns_buffer_free(rb);
	return ret;
}
