/* join/dnsreg.c - the host's A record by GSS-TSIG dynamic update (RFC 3645) */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gssapi/gssapi.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "ad/dnswire.h"
#include "join/dnsmsg.h"
#include "join/dnsreg.h"
#include "lib/gss.h"
#include "lib/buf.h"
#include "lib/util.h"

#define DNS_TIMEOUT_S 10
#define FUDGE         300
#define A_TTL         3600
#define MSG_CAP       65535

struct dnsreg {
	struct mdc_join_sess *s;
	int fd;
	gss_ctx_id_t ctx;
	uint8_t key[DNS_NAME_MAX]; /* key name, wire */
	size_t keylen;
	uint8_t *msg, *resp; /* MSG_CAP each */
	size_t msglen, resplen;
	uint8_t mac[1024]; /* the request's MAC (for the response's) */
	size_t maclen;
	uint64_t now;
};

/* "a.b.c" -> wire; names were validated (mdc_domain_valid) or are ours. */
static int
name_wire(const char *text, uint8_t *out, size_t cap, size_t *len_out)
{
	size_t n = 0, l;

	while (*text != '\0') {
		l = strcspn(text, ".");
		if (l == 0 || l > 63 || n + l + 2 > cap)
			return MDC_EINVAL;
		out[n++] = (uint8_t)l;
		memcpy(out + n, text, l);
		n += l;
		text += l + (text[l] == '.');
	}
	out[n++] = 0;
	*len_out = n;
	return 0;
}

static int
gfail(struct mdc_err *e, const char *what, OM_uint32 major, OM_uint32 minor)
{
	char text[400];

	mdc_gss_status(major, minor, text, sizeof(text));
	mdc_err_set(e, MDC_EKRB5, "%s: %s", what, text);
	return MDC_EKRB5;
}

/* TCP to the DC's port 53, with timeouts. */
static int
tcp_open(struct dnsreg *r, struct mdc_err *e)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(53)};
	struct timeval tv = {.tv_sec = DNS_TIMEOUT_S};

	if (inet_pton(AF_INET, r->s->dc.addr, &sin.sin_addr) != 1)
		return mdc_err_set(e, MDC_EINVAL, "DNS update: bad address %s",
		                   r->s->dc.addr);
	r->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (r->fd < 0)
		return mdc_err_set(e, -errno, "DNS update: socket: %s",
		                   strerror(errno));
	(void)setsockopt(r->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	(void)setsockopt(r->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(r->fd, (struct sockaddr *)&sin, sizeof(sin)) != 0)
		return mdc_err_set(e, -errno, "DNS update: connect %s:53: %s",
		                   r->s->dc.addr, strerror(errno));
	return 0;
}

static int
io_all(int fd, uint8_t *p, size_t n, int out)
{
	ssize_t k;

	while (n > 0) {
		k = out ? send(fd, p, n, MSG_NOSIGNAL) : recv(fd, p, n, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k == 0 ? MDC_ETRUNC : -errno;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Send r->msg, read one framed answer into r->resp. */
static int
exchange(struct dnsreg *r, struct mdc_err *e)
{
	uint8_t pfx[2] = {r->msglen >> 8, r->msglen & 0xff};
	int ret;

	ret = io_all(r->fd, pfx, 2, 1);
	if (ret == 0)
		ret = io_all(r->fd, r->msg, r->msglen, 1);
	if (ret == 0)
		ret = io_all(r->fd, pfx, 2, 0);
	r->resplen = (size_t)pfx[0] << 8 | pfx[1];
	if (ret == 0 && r->resplen < DNS_HDR_LEN)
		ret = MDC_EMALF;
	if (ret == 0)
		ret = io_all(r->fd, r->resp, r->resplen, 0);
	if (ret != 0)
		return mdc_err_set(
		        e, ret, "DNS update: %s:53 (TCP): %s", r->s->dc.addr,
		        ret == -EAGAIN ? "no answer" : mdc_strerror(ret));
	if (r->resp[0] != r->msg[0] || r->resp[1] != r->msg[1])
		return mdc_err_set(
		        e, MDC_EMALF,
		        "DNS update: answer with another message ID");
	return 0;
}

/* The TKEY query (mode 3) carrying token. */
static int
put_tkey_query(struct dnsreg *r, const gss_buffer_desc *tok)
{
	struct dns_hdr h = {.qd = 1, .ar = 1};
	struct mdc_wbuf w;
	uint16_t id;

	if (mdc_random(&id, sizeof(id)) != 0)
		return MDC_EINVAL;
	h.id = id;
	dns_hdr_put(r->msg, &h);
	mdc_wbuf_init(&w, r->msg, MSG_CAP);
	w.len = DNS_HDR_LEN;
	if (mdc_wbuf_put_bytes(&w, r->key, r->keylen) != 0 ||
	    mdc_wbuf_put_u16be(&w, DNS_T_TKEY) != 0 ||
	    mdc_wbuf_put_u16be(&w, DNS_C_ANY) != 0 ||
	    mdc_wbuf_put_bytes(&w, r->key, r->keylen) != 0 ||
	    mdc_wbuf_put_u16be(&w, DNS_T_TKEY) != 0 ||
	    mdc_wbuf_put_u16be(&w, DNS_C_ANY) != 0 ||
	    mdc_wbuf_put_u32be(&w, 0) != 0 ||
	    mdc_wbuf_put_u16be(&w, (uint16_t)(MDC_JOIN_GSS_TSIG_LEN + 16 +
	                                      tok->length)) != 0 ||
	    mdc_wbuf_put_bytes(&w, mdc_join_gss_tsig, MDC_JOIN_GSS_TSIG_LEN) !=
	            0 ||
	    mdc_wbuf_put_u32be(&w, (uint32_t)r->now) != 0 ||
	    mdc_wbuf_put_u32be(&w, (uint32_t)r->now + 3600) != 0 ||
	    mdc_wbuf_put_u16be(&w, 3) != 0 || /* GSS-API negotiation */
	    mdc_wbuf_put_u16be(&w, 0) != 0 ||
	    mdc_wbuf_put_u16be(&w, (uint16_t)tok->length) != 0 ||
	    mdc_wbuf_put_bytes(&w, tok->value, tok->length) != 0 ||
	    mdc_wbuf_put_u16be(&w, 0) != 0)
		return MDC_ESPACE;
	r->msglen = w.len;
	return 0;
}

/* One TKEY exchange: send out, the server's token into *in. */
static int
tkey_round(struct dnsreg *r, gss_buffer_desc *out, gss_buffer_desc *in,
           struct mdc_err *e)
{
	const uint8_t *tok = NULL;
	uint16_t err = 0;
	int ret;

	ret = put_tkey_query(r, out);
	if (ret != 0)
		return mdc_err_set(e, ret, "DNS update: TKEY query");
	ret = exchange(r, e);
	if (ret != 0)
		return ret;
	ret = mdc_join_tkey_answer(r->resp, r->resplen, &err, &tok,
	                           &in->length);
	if (ret != 0)
		return mdc_err_set(e, ret,
		                   "DNS update: TKEY refused or malformed");
	if (err != 0)
		return mdc_err_set(e, MDC_EDENIED, "DNS update: TKEY error %s",
		                   dns_rcode_name(err));
	in->value = (void *)tok; /* points into r->resp */
	return 0;
}

/* gss_name_t of DNS/<dc name>. */
static int
target_name(struct dnsreg *r, gss_name_t *target, struct mdc_err *e)
{
	char *svc = mdc_strdupf("DNS@%s", r->s->dc.name);
	gss_buffer_desc sname;
	OM_uint32 major, minor;

	if (svc == NULL)
		return mdc_err_set(e, MDC_ENOMEM, "DNS update: no memory");
	sname.value = svc;
	sname.length = strlen(svc);
	major = gss_import_name(&minor, &sname, GSS_C_NT_HOSTBASED_SERVICE,
	                        target);
	free(svc);
	if (GSS_ERROR(major))
		return gfail(e, "DNS update: GSS name", major, minor);
	return 0;
}

/* GSS context with DNS/<dc name> through TKEY (Kerberos: one round). */
static int
negotiate(struct dnsreg *r, struct mdc_err *e)
{
	gss_buffer_desc out = GSS_C_EMPTY_BUFFER, in = GSS_C_EMPTY_BUFFER;
	gss_name_t target = GSS_C_NO_NAME;
	OM_uint32 major = 0, minor,
	          flags = GSS_C_MUTUAL_FLAG | GSS_C_INTEG_FLAG;
	int ret, round;

	ret = target_name(r, &target, e);
	for (round = 0; ret == 0 && round < 4; round++) {
		major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL,
		                             &r->ctx, target, GSS_C_NO_OID,
		                             flags, 0, NULL, &in, NULL, &out,
		                             NULL, NULL);
		if (GSS_ERROR(major))
			ret = gfail(e, "DNS update: GSS-TSIG", major, minor);
		else if (out.length > 0)
			ret = tkey_round(r, &out, &in, e);
		gss_release_buffer(&minor, &out);
		if (major == GSS_S_COMPLETE)
			break;
	}
	if (ret == 0 && major != GSS_S_COMPLETE)
		ret = mdc_err_set(
		        e, MDC_EKRB5,
		        "DNS update: GSS-TSIG negotiation did not complete");
	gss_release_name(&minor, &target);
	return ret;
}

/* One RR to add or delete (type, RDATA) at owner in zone. */
struct rrchange {
	const char *zone, *owner;
	uint16_t type;
	int add;
	const uint8_t *rdata;
	size_t rdlen;
};

/* UPDATE: zone SOA; delete owner's RRset of the type; add the RR. */
static int
put_update(struct dnsreg *r, const struct rrchange *c)
{
	struct dns_hdr h = {.flags = DNS_OP_UPDATE << 11, .qd = 1};
	uint8_t zone[DNS_NAME_MAX], owner[DNS_NAME_MAX];
	size_t zlen, olen;
	struct mdc_wbuf w;
	uint16_t id;

	if (name_wire(c->zone, zone, sizeof(zone), &zlen) != 0 ||
	    name_wire(c->owner, owner, sizeof(owner), &olen) != 0 ||
	    mdc_random(&id, sizeof(id)) != 0)
		return MDC_EINVAL;
	h.id = id;
	h.ns = c->add ? 2 : 1;
	dns_hdr_put(r->msg, &h);
	mdc_wbuf_init(&w, r->msg, MSG_CAP);
	w.len = DNS_HDR_LEN;
	if (mdc_wbuf_put_bytes(&w, zone, zlen) != 0 ||
	    mdc_wbuf_put_u16be(&w, DNS_T_SOA) != 0 ||
	    mdc_wbuf_put_u16be(&w, DNS_C_IN) != 0 ||
	    mdc_wbuf_put_bytes(&w, owner, olen) != 0 ||
	    mdc_wbuf_put_u16be(&w, c->type) != 0 ||
	    mdc_wbuf_put_u16be(&w, DNS_C_ANY) != 0 ||
	    mdc_wbuf_put_u32be(&w, 0) != 0 || mdc_wbuf_put_u16be(&w, 0) != 0)
		return MDC_ESPACE;
	if (c->add && (mdc_wbuf_put_bytes(&w, owner, olen) != 0 ||
	               mdc_wbuf_put_u16be(&w, c->type) != 0 ||
	               mdc_wbuf_put_u16be(&w, DNS_C_IN) != 0 ||
	               mdc_wbuf_put_u32be(&w, A_TTL) != 0 ||
	               mdc_wbuf_put_u16be(&w, (uint16_t)c->rdlen) != 0 ||
	               mdc_wbuf_put_bytes(&w, c->rdata, c->rdlen) != 0))
		return MDC_ESPACE;
	r->msglen = w.len;
	return 0;
}

/* TSIG variables (RFC 8945 4.3.3) after the message in the digest. */
static int
put_vars(struct mdc_wbuf *w, const struct dnsreg *r, uint64_t t, uint16_t fudge,
         uint16_t err, const uint8_t *other, uint16_t olen)
{
	if (mdc_wbuf_put_bytes(w, r->key, r->keylen) != 0 ||
	    mdc_wbuf_put_u16be(w, DNS_C_ANY) != 0 ||
	    mdc_wbuf_put_u32be(w, 0) != 0 ||
	    mdc_wbuf_put_bytes(w, mdc_join_gss_tsig, MDC_JOIN_GSS_TSIG_LEN) !=
	            0 ||
	    mdc_wbuf_put_u16be(w, (uint16_t)(t >> 32)) != 0 ||
	    mdc_wbuf_put_u32be(w, (uint32_t)t) != 0 ||
	    mdc_wbuf_put_u16be(w, fudge) != 0 ||
	    mdc_wbuf_put_u16be(w, err) != 0 ||
	    mdc_wbuf_put_u16be(w, olen) != 0 ||
	    mdc_wbuf_put_bytes(w, other, olen) != 0)
		return MDC_ESPACE;
	return 0;
}

/* Sign r->msg: MIC over message + variables, then the TSIG RR. */
static int
sign(struct dnsreg *r, struct mdc_err *e)
{
	gss_buffer_desc in, mic = GSS_C_EMPTY_BUFFER;
	uint8_t *buf = malloc(r->msglen + 600);
	struct mdc_wbuf w;
	OM_uint32 major, minor;
	int ret = MDC_ESPACE;

	if (buf == NULL)
		return mdc_err_set(e, MDC_ENOMEM, "DNS update: no memory");
	mdc_wbuf_init(&w, buf, r->msglen + 600);
	if (mdc_wbuf_put_bytes(&w, r->msg, r->msglen) != 0 ||
	    put_vars(&w, r, r->now, FUDGE, 0, NULL, 0) != 0)
		goto out;
	in.value = buf;
	in.length = w.len;
	major = gss_get_mic(&minor, r->ctx, GSS_C_QOP_DEFAULT, &in, &mic);
	if (GSS_ERROR(major)) {
		ret = gfail(e, "DNS update: TSIG", major, minor);
		goto out;
	}
	if (mic.length > sizeof(r->mac))
		goto out;
	memcpy(r->mac, mic.value, mic.length);
	r->maclen = mic.length;
	mdc_wbuf_init(&w, r->msg, MSG_CAP);
	w.len = r->msglen;
	if (mdc_wbuf_put_bytes(&w, r->key, r->keylen) != 0 ||
	    mdc_wbuf_put_u16be(&w, DNS_T_TSIG) != 0 ||
	    mdc_wbuf_put_u16be(&w, DNS_C_ANY) != 0 ||
	    mdc_wbuf_put_u32be(&w, 0) != 0 ||
	    mdc_wbuf_put_u16be(&w, (uint16_t)(MDC_JOIN_GSS_TSIG_LEN + 16 +
	                                      mic.length)) != 0 ||
	    mdc_wbuf_put_bytes(&w, mdc_join_gss_tsig, MDC_JOIN_GSS_TSIG_LEN) !=
	            0 ||
	    mdc_wbuf_put_u16be(&w, (uint16_t)(r->now >> 32)) != 0 ||
	    mdc_wbuf_put_u32be(&w, (uint32_t)r->now) != 0 ||
	    mdc_wbuf_put_u16be(&w, FUDGE) != 0 ||
	    mdc_wbuf_put_u16be(&w, (uint16_t)mic.length) != 0 ||
	    mdc_wbuf_put_bytes(&w, mic.value, mic.length) != 0 ||
	    mdc_wbuf_put_bytes(&w, r->msg, 2) != 0 || /* original ID */
	    mdc_wbuf_put_u16be(&w, 0) != 0 || mdc_wbuf_put_u16be(&w, 0) != 0)
		goto out;
	r->msglen = w.len;
	r->msg[11]++; /* ARCOUNT 0 -> 1 */
	ret = 0;
out:
	if (ret == MDC_ESPACE)
		mdc_err_set(e, ret, "DNS update: message too large");
	gss_release_buffer(&minor, &mic);
	free(buf);
	return ret;
}

/* The answer's TSIG: a valid MIC of the server's context. */
static int
verify(struct dnsreg *r, struct mdc_err *e)
{
	gss_buffer_desc in, mic;
	const uint8_t *mac;
	uint8_t *digest = NULL;
	size_t dlen, maclen;
	OM_uint32 major, minor;
	int ret;

	ret = mdc_join_answer_digest(r->mac, r->maclen, r->key, r->keylen,
	                             r->resp, r->resplen, &digest, &dlen, &mac,
	                             &maclen);
	if (ret != 0)
		return mdc_err_set(
		        e, ret, "DNS update: the answer is not signed (TSIG)");
	in.value = digest;
	in.length = dlen;
	mic.value = (void *)mac;
	mic.length = maclen;
	major = gss_verify_mic(&minor, r->ctx, &in, &mic, NULL);
	free(digest);
	if (GSS_ERROR(major))
		return gfail(e, "DNS update: answer TSIG", major, minor);
	return 0;
}

/* The address this host uses towards the DC. */
static int
local_addr(struct dnsreg *r, struct in_addr *ip, char *out, size_t cap,
           struct mdc_err *e)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	/* --host-ip: the address the admin chose (checked by the parser) */
	if (r->s->o->host_ip != NULL) {
		if (inet_pton(AF_INET, r->s->o->host_ip, ip) != 1)
			return mdc_err_set(e, MDC_EINVAL,
			                   "DNS update: invalid --host-ip");
		snprintf(out, cap, "%s", r->s->o->host_ip);
		return 0;
	}
	if (getsockname(r->fd, (struct sockaddr *)&sin, &len) != 0 ||
	    sin.sin_family != AF_INET)
		return mdc_err_set(e, -errno,
		                   "DNS update: no local IPv4 address: %s",
		                   strerror(errno));
	*ip = sin.sin_addr;
	if (inet_ntop(AF_INET, ip, out, (socklen_t)cap) == NULL)
		return mdc_err_set(e, MDC_ESPACE, "DNS update: address");
	return 0;
}

/* Send one signed change; *rcode_out gets the answer's RCODE, which is
 * verified (TSIG) when NOERROR. */
static int
send_change(struct dnsreg *r, const struct rrchange *c, int *rcode_out,
            struct mdc_err *e)
{
	int ret;

	r->now = (uint64_t)time(NULL);
	ret = put_update(r, c);
	if (ret != 0)
		return mdc_err_set(e, ret, "DNS update: cannot build it");
	ret = sign(r, e);
	if (ret == 0)
		ret = exchange(r, e);
	if (ret != 0)
		return ret;
	*rcode_out = r->resp[3] & 0xf;
	return *rcode_out == DNS_R_NOERROR ? verify(r, e) : 0;
}

/* The PTR in the deepest reverse zone the DC serves (/24, /16, /8);
 * res->ptr_done stays 0 if it serves none. */
static int
update_ptr(struct dnsreg *r, int add, const struct in_addr *ip,
           struct mdc_join_dns_res *res, struct mdc_err *e)
{
	const uint8_t *a = (const uint8_t *)&ip->s_addr;
	uint8_t target[DNS_NAME_MAX];
	struct rrchange c = {.owner = res->ptr,
	                     .type = DNS_T_PTR,
	                     .add = add,
	                     .zone = res->ptr,
	                     .rdata = target};
	int ret, rc = 0, k;

	snprintf(res->ptr, sizeof(res->ptr), "%u.%u.%u.%u.in-addr.arpa", a[3],
	         a[2], a[1], a[0]);
	if (name_wire(r->s->o->fqdn, target, sizeof(target), &c.rdlen) != 0)
		return mdc_err_set(e, MDC_EINVAL, "DNS update: name");
	for (k = 1; k <= 3; k++) {
		/* Drop one more label of the reverse name: the zone to try. */
		c.zone = strchr(c.zone, '.') + 1;
		ret = send_change(r, &c, &rc, e);
		if (ret != 0)
			return ret;
		if (rc == DNS_R_NOERROR) {
			res->ptr_done = 1;
			return 0;
		}
		if (rc != DNS_R_NOTAUTH && rc != DNS_R_NOTZONE &&
		    rc != DNS_R_REFUSED)
			break;
	}
	if (rc == DNS_R_NOTAUTH || rc == DNS_R_NOTZONE || rc == DNS_R_REFUSED)
		return 0; /* no reverse zone for us there */
	return mdc_err_set(e, MDC_EDENIED, "DNS update (PTR): %s answered %s",
	                   r->s->dc.name, dns_rcode_name(rc));
}

static int
update(struct dnsreg *r, int add, struct mdc_join_dns_res *res,
       struct mdc_err *e)
{
	struct in_addr ip;
	char keytext[64];
	struct rrchange c = {.zone = r->s->o->domain,
	                     .owner = r->s->o->fqdn,
	                     .type = DNS_T_A,
	                     .add = add,
	                     .rdlen = 4};
	uint32_t rnd;
	int ret, rc = 0;

	if (mdc_random(&rnd, sizeof(rnd)) != 0)
		return mdc_err_set(e, MDC_EINVAL, "DNS update: random");
	snprintf(keytext, sizeof(keytext), "%08x.minidc-join", rnd);
	if (name_wire(keytext, r->key, sizeof(r->key), &r->keylen) != 0)
		return mdc_err_set(e, MDC_EINVAL, "DNS update: key name");
	ret = tcp_open(r, e);
	if (ret == 0)
		ret = local_addr(r, &ip, res->ip, sizeof(res->ip), e);
	c.rdata = (const uint8_t *)&ip.s_addr;
	if (ret == 0)
		ret = negotiate(r, e);
	if (ret == 0)
		ret = send_change(r, &c, &rc, e);
	if (ret == 0 && rc != DNS_R_NOERROR)
		ret = mdc_err_set(e, MDC_EDENIED, "DNS update: %s answered %s",
		                  r->s->dc.name, dns_rcode_name(rc));
	if (ret == 0)
		ret = update_ptr(r, add, &ip, res, e);
	return ret;
}

int
mdc_join_dns_update(struct mdc_join_sess *s, int add,
                    struct mdc_join_dns_res *res, struct mdc_err *e)
{
	struct dnsreg r;
	OM_uint32 minor;
	int ret;

	memset(&r, 0, sizeof(r));
	memset(res, 0, sizeof(*res));
	r.s = s;
	r.fd = -1;
	r.ctx = GSS_C_NO_CONTEXT;
	r.now = (uint64_t)time(NULL);
	r.msg = malloc(MSG_CAP);
	r.resp = malloc(MSG_CAP);
	if (r.msg == NULL || r.resp == NULL)
		ret = mdc_err_set(e, MDC_ENOMEM, "DNS update: no memory");
	else
		ret = update(&r, add, res, e);
	if (r.ctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&minor, &r.ctx, GSS_C_NO_BUFFER);
	if (r.fd >= 0)
		close(r.fd);
	free(r.msg);
	free(r.resp);
	return ret;
}
