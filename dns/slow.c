/* dns/slow.c - the slow path: odd queries, TKEY, UPDATE, AXFR, forwarding */
#include "config.h"

#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dns/slow.h"
#include "dns/tsig.h"
#include "dns/update.h"
#include "dns/wire.h"
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
	char buf[1024], *tok, *save = NULL, *slash;
	socklen_t len;

	snprintf(buf, sizeof(buf), "%s", fwd != NULL ? fwd : "");
	for (tok = strtok_r(buf, " ,", &save); tok != NULL;
	     tok = strtok_r(NULL, " ,", &save)) {
		if (sl->nforwarders == 4 ||
		    parse_ip_port(tok, 53, &sl->forwarders[sl->nforwarders],
		                  &sl->fwd_len[sl->nforwarders]) != 0)
			return MDC_EINVAL;
		sl->nforwarders++;
	}
	snprintf(buf, sizeof(buf), "%s", axfr != NULL ? axfr : "");
	for (tok = strtok_r(buf, " ,", &save); tok != NULL;
	     tok = strtok_r(NULL, " ,", &save)) {
		int bits = -1;
		if ((slash = strchr(tok, '/')) != NULL) {
			*slash = '\0';
			bits = atoi(slash + 1);
		}
		if (sl->naxfr == 8 ||
		    mdc_net_addr(tok, 0, &sl->axfr_allow[sl->naxfr], &len) != 0)
			return MDC_EINVAL;
		sl->axfr_bits[sl->naxfr++] = bits;
	}
	return 0;
}

static int
prefix_match(const uint8_t *a, const uint8_t *b, int bits, int max)
{
	if (bits < 0 || bits > max)
		bits = max;
	for (int i = 0; i < bits; i++) {
		int m = 0x80 >> (i % 8);
		if ((a[i / 8] & m) != (b[i / 8] & m))
			return 0;
	}
	return 1;
}

static int
axfr_allowed(const struct dns_slow *sl, const struct sockaddr *peer)
{
	for (int i = 0; i < sl->naxfr; i++) {
		const struct sockaddr *a =
		        (const struct sockaddr *)&sl->axfr_allow[i];
		if (a->sa_family != peer->sa_family)
			continue;
		if (a->sa_family == AF_INET &&
		    prefix_match(
		            (const uint8_t *)&((const struct sockaddr_in *)a)
		                    ->sin_addr,
		            (const uint8_t *)&((const struct sockaddr_in *)peer)
		                    ->sin_addr,
		            sl->axfr_bits[i], 32))
			return 1;
		if (a->sa_family == AF_INET6 &&
		    prefix_match(
		            ((const struct sockaddr_in6 *)a)->sin6_addr.s6_addr,
		            ((const struct sockaddr_in6 *)peer)
		                    ->sin6_addr.s6_addr,
		            sl->axfr_bits[i], 128))
			return 1;
	}
	return 0;
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

struct sq {
	struct dns_hdr h;
	struct dns_qinfo qi;
	uint8_t qname[DNS_NAME_MAX + 1];
	int nopt, tsig;
	struct dns_tsig_rr t;
};

/* Parse a query the fast path refused; -1 means FORMERR. */
static int
parse_query(const uint8_t *q, size_t qlen, struct sq *p)
{
	struct mdc_rbuf b;
	uint16_t type;
	int ret;

	mdc_rbuf_init(&b, q, qlen);
	if (dns_hdr_get(&b, &p->h) != 0 || p->h.qd != 1 || p->h.an || p->h.ns)
		return -1;
	if (dns_name_get(&b, p->qname, &p->qi.qname_len, 1) != 0 ||
	    mdc_rbuf_get_u16be(&b, &p->qi.qtype) != 0 ||
	    mdc_rbuf_get_u16be(&b, &p->qi.qclass) != 0)
		return -1;
	if (b.pos != DNS_HDR_LEN + p->qi.qname_len + 4)
		return -1; /* compressed QNAME: never sent by real clients */
	for (int i = 0; i < p->h.ar; i++) {
		if (dns_rr_skip(&b, &type) != 0)
			return -1;
		p->nopt += type == DNS_T_OPT;
	}
	ret = dns_tsig_find(q, qlen, &p->t);
	if (ret < 0 || p->nopt > 1)
		return -1;
	p->tsig = ret;
	p->qi.edns = p->nopt == 1;
	return 0;
}

static int
slow_query(struct dns_slow *sl, const struct dns_snapshot *s, const uint8_t *q,
           size_t qlen, const struct sockaddr *peer, int tcp, uint8_t *out,
           size_t cap, size_t *outlen)
{
	struct sq p = {0};
	int rcode = DNS_R_REFUSED;
	size_t off;

	if (parse_query(q, qlen, &p) != 0) {
		*outlen = hdr_only(q, DNS_R_FORMERR, out, cap);
		return DNS_SEND;
	}
	if (p.qi.qtype == DNS_T_TKEY && sl->keys != NULL && !p.tsig) {
		if (dns_tkey_handle(sl->keys, q, qlen, now_s(sl), out, cap,
		                    outlen) == 0) {
			snprintf(sl->event, sizeof(sl->event), "%s",
			         dns_tsig_message(sl->keys));
			return DNS_SEND;
		}
		*outlen = hdr_only(q, DNS_R_FORMERR, out, cap);
		return DNS_SEND;
	}
	if (p.tsig) { /* we sign no queries: unknown key */
		*outlen = dns_query_short(q, &p.qi, p.h.flags, 0, DNS_R_NOTAUTH,
		                          out, cap);
		if (dns_tsig_append(sl->keys, &p.t, 0, DNS_R_BADKEY, now_s(sl),
		                    out, outlen, cap) != 0)
			*outlen = hdr_only(q, DNS_R_NOTAUTH, out, cap);
		return DNS_SEND;
	}
	if ((p.qi.qtype == DNS_T_AXFR || p.qi.qtype == DNS_T_IXFR) &&
	    p.qi.qclass == DNS_C_IN && tcp && s != NULL &&
	    axfr_allowed(sl, peer) &&
	    dns_snapshot_zone(s, p.qname, p.qi.qname_len, &off) != NULL &&
	    off == 0)
		return DNS_AXFR;
	if (p.qi.qclass == DNS_C_IN && sl->nforwarders > 0 && s != NULL &&
	    dns_snapshot_zone(s, p.qname, p.qi.qname_len, NULL) == NULL) {
		return DNS_FORWARD; /* done by the caller, outside the lock */
	}
	if (p.qi.qclass == DNS_C_IN && p.qi.qtype != DNS_T_AXFR &&
	    p.qi.qtype != DNS_T_IXFR && p.qi.qtype != DNS_T_TKEY)
		rcode = DNS_R_FORMERR; /* e.g. a malformed OPT */
	*outlen = dns_query_short(q, &p.qi, p.h.flags, 0, rcode, out, cap);
	return DNS_SEND;
}

int
dns_slow_handle(struct dns_slow *sl, const struct dns_snapshot *s,
                const uint8_t *q, size_t qlen, const struct sockaddr *peer,
                int tcp, uint8_t *out, size_t cap, size_t *outlen)
{
	struct mdc_rbuf b;
	struct dns_hdr h;

	mdc_rbuf_init(&b, q, qlen);
	if (dns_hdr_get(&b, &h) != 0 || (h.flags & DNS_F_QR))
		return DNS_DROP;
	switch (DNS_OPCODE(h.flags)) {
	case DNS_OP_QUERY:
		return slow_query(sl, s, q, qlen, peer, tcp, out, cap, outlen);
	case DNS_OP_UPDATE:
		*outlen =
		        dns_update_handle(sl, s, q, qlen, now_s(sl), out, cap);
		return *outlen > 0 ? DNS_SEND : DNS_DROP;
	default:
		*outlen = hdr_only(q, DNS_R_NOTIMP, out, cap);
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
dns_slow_axfr(const struct dns_snapshot *s, const uint8_t *q, size_t qlen,
              int (*send)(void *ctx, const uint8_t *msg, size_t len), void *ctx)
{
	struct dns_hdr h = {0};
	uint8_t *m = malloc(DNS_MSG_MAX), name[DNS_NAME_MAX + 1];
	ldns_buffer *rb = ldns_buffer_new(512);
	const struct dns_zone *z;
	struct mdc_rbuf b;
	size_t qend, len, nlen, off;
	int ret = MDC_ENOMEM;

	if (m == NULL || rb == NULL)
		goto out;
	ret = MDC_EMALF;
	mdc_rbuf_init(&b, q, qlen);
	if (mdc_rbuf_seek(&b, DNS_HDR_LEN) != 0 ||
	    dns_name_get(&b, name, &nlen, 1) != 0 ||
	    (z = dns_snapshot_zone(s, name, nlen, &off)) == NULL || off != 0)
		goto out;
	len = qend = DNS_HDR_LEN + nlen + 4;
	if (qlen < qend)
		goto out;
	memcpy(m, q, qend);
	h.id = (uint16_t)(q[0] << 8 | q[1]);
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
