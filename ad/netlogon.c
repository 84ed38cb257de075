/* ad/netlogon.c - the LDAP ping: CLDAP request parser and netlogon reply */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

#include <lber.h>
#include <ldap.h>

#include "ad/netlogon.h"
#include "lib/ad.h"
#include "lib/buf.h"

/* ------------------------------------------------------------------ */
/* DC identity                                                          */

int
mdc_netlogon_dc_init(const struct mdc_dcconf *conf, struct mdc_netlogon_dc *dc)
{
	struct mdc_guid guid;
	struct mdc_sid sid;
	size_t i, n;
	int ret;

	memset(dc, 0, sizeof(*dc));
	if (conf->dns_domain == NULL || conf->fqdn == NULL ||
	    conf->netbios == NULL || conf->host_name == NULL ||
	    conf->site == NULL || conf->domain_guid == NULL ||
	    conf->domain_sid == NULL)
		return MDC_ECONF;
	ret = mdc_guid_parse(conf->domain_guid, &guid);
	if (ret != 0)
		return MDC_ECONF;
	ret = mdc_sid_parse(conf->domain_sid, &sid);
	if (ret == 0)
		ret = mdc_sid_to_bin(&sid, dc->domain_sid,
		                     sizeof(dc->domain_sid),
		                     &dc->domain_sid_len);
	if (ret != 0)
		return MDC_ECONF;
	memcpy(dc->domain_guid, guid.b, sizeof(dc->domain_guid));
	/* A NetBIOS computer name is the host label, upper-case, <= 15. */
	n = strlen(conf->host_name);
	if (n > sizeof(dc->netbios_host_buf) - 1)
		n = sizeof(dc->netbios_host_buf) - 1;
	for (i = 0; i < n; i++)
		dc->netbios_host_buf[i] =
		        (char)toupper((unsigned char)conf->host_name[i]);
	dc->netbios_host_buf[n] = '\0';
	dc->forest = conf->dns_domain;
	dc->domain = conf->dns_domain;
	dc->host_fqdn = conf->fqdn;
	dc->netbios_domain = conf->netbios;
	dc->netbios_host = dc->netbios_host_buf;
	dc->site = conf->site;
	dc->flags = MDC_DS_FLAGS_DEFAULT;
	if (conf->address != NULL &&
	    inet_pton(AF_INET, conf->address, dc->ipv4) == 1)
		dc->have_ipv4 = 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Encoder                                                              */

/* Suffixes already in the blob, the targets of compression pointers. */
#define NL_MAX_SUFFIXES 64

struct nl_writer {
	struct mdc_wbuf w;
	struct {
		size_t off;       /* offset of the suffix's first label */
		const char *name; /* the suffix text (alias of an input name) */
		size_t len;
	} sfx[NL_MAX_SUFFIXES];
	size_t nsfx;
};

/* 0 if name is "" or dot-separated labels of 1..63 bytes, <= 255 in all. */
static int
nl_name_check(const char *name)
{
	size_t len = strlen(name), lab = 0;

	if (len == 0)
		return 0;
	if (len > MDC_NETLOGON_NAME_MAX - 1)
		return MDC_EINVAL;
	for (size_t i = 0; i <= len; i++) {
		if (name[i] == '.' || name[i] == '\0') {
			if (lab == 0 || lab > 63)
				return MDC_EINVAL;
			lab = 0;
		} else {
			lab++;
		}
	}
	return 0;
}

/* Offset of an earlier suffix equal to name[0..len), or -1. */
static long
nl_find_suffix(const struct nl_writer *nw, const char *name, size_t len)
{
	for (size_t i = 0; i < nw->nsfx; i++)
		if (nw->sfx[i].len == len &&
		    memcmp(nw->sfx[i].name, name, len) == 0)
			return (long)nw->sfx[i].off;
	return -1;
}

/*
 * Write name as RFC 1035 labels, replacing the longest suffix already in
 * the blob by a pointer (offsets count from the start of the blob, which is
 * what Samba and Windows do for netlogon strings).  Suffixes are compared
 * byte for byte, as Samba does.
 */
static int
nl_put_name(struct nl_writer *nw, const char *name)
{
	const char *p = name, *dot;
	size_t len;
	long off;
	int ret;

	ret = nl_name_check(name);
	while (ret == 0 && *p != '\0') {
		len = strlen(p);
		off = nl_find_suffix(nw, p, len);
		if (off >= 0)
			return mdc_wbuf_put_u16be(&nw->w,
			                          (uint16_t)(0xc000 | off));
		if (nw->nsfx < NL_MAX_SUFFIXES && nw->w.len < 0x3fff) {
			nw->sfx[nw->nsfx].off = nw->w.len;
			nw->sfx[nw->nsfx].name = p;
			nw->sfx[nw->nsfx].len = len;
			nw->nsfx++;
		}
		dot = strchr(p, '.');
		len = dot != NULL ? (size_t)(dot - p) : len;
		ret = mdc_wbuf_put_u8(&nw->w, (uint8_t)len);
		if (ret == 0)
			ret = mdc_wbuf_put_bytes(&nw->w, p, len);
		p += len + (dot != NULL);
	}
	if (ret == 0)
		ret = mdc_wbuf_put_u8(&nw->w, 0);
	return ret;
}

/* DcSockAddrSize + DcSockAddr: a sockaddr_in as Windows lays it out. */
static int
nl_put_sockaddr(struct mdc_wbuf *w, const uint8_t ipv4[4])
{
	static const uint8_t zero[8];
	int ret;

	ret = mdc_wbuf_put_u8(w, 16);
	if (ret == 0)
		ret = mdc_wbuf_put_u16le(w, AF_INET);
	if (ret == 0)
		ret = mdc_wbuf_put_u16be(w, 0); /* port */
	if (ret == 0)
		ret = mdc_wbuf_put_bytes(w, ipv4, 4);
	if (ret == 0)
		ret = mdc_wbuf_put_bytes(w, zero, sizeof(zero));
	return ret;
}

int
mdc_netlogon_encode(const struct mdc_netlogon_dc *dc, uint32_t ntver,
                    const char *user, uint8_t *out, size_t cap, size_t *len_out)
{
	const char *names[8];
	struct nl_writer nw;
	uint32_t version = MDC_NTVER_V1 | MDC_NTVER_V5EX;
	int ret;

	if (!(ntver & MDC_NTVER_V5EX))
		return MDC_EINVAL;
	memset(&nw, 0, sizeof(nw));
	mdc_wbuf_init(&nw.w, out, cap);
	names[0] = dc->forest;
	names[1] = dc->domain;
	names[2] = dc->host_fqdn;
	names[3] = dc->netbios_domain;
	names[4] = dc->netbios_host;
	names[5] = user != NULL ? user : "";
	names[6] = dc->site;
	names[7] = dc->site; /* ClientSiteName: everyone is in our one site */
	ret = mdc_wbuf_put_u16le(&nw.w, MDC_NETLOGON_OP_RESPONSE_EX);
	if (ret == 0)
		ret = mdc_wbuf_put_u16le(&nw.w, 0); /* Sbz */
	if (ret == 0)
		ret = mdc_wbuf_put_u32le(&nw.w, dc->flags);
	if (ret == 0)
		ret = mdc_wbuf_put_bytes(&nw.w, dc->domain_guid, 16);
	for (int i = 0; i < 8 && ret == 0; i++)
		ret = nl_put_name(&nw, names[i]);
	if (ret == 0 && (ntver & MDC_NTVER_V5EX_WITH_IP) && dc->have_ipv4) {
		ret = nl_put_sockaddr(&nw.w, dc->ipv4);
		version |= MDC_NTVER_V5EX_WITH_IP;
	}
	if (ret == 0)
		ret = mdc_wbuf_put_u32le(&nw.w, version);
	if (ret == 0)
		ret = mdc_wbuf_put_u16le(&nw.w, 0xffff); /* LmNtToken */
	if (ret == 0)
		ret = mdc_wbuf_put_u16le(&nw.w, 0xffff); /* Lm20Token */
	if (ret == 0)
		*len_out = nw.w.len;
	return ret;
}

/* ------------------------------------------------------------------ */
/* Decoder (tests and the test client; the DC itself never needs it)    */

/*
 * Read a possibly compressed name at b's cursor into out (NUL-terminated,
 * labels joined by '.').  Pointers must point strictly backwards, which
 * rules out loops; the cursor ends after the name's own bytes.
 */
static int
nl_get_name(struct mdc_rbuf *b, char *out, size_t cap)
{
	struct mdc_rbuf r = *b;
	const uint8_t *lab;
	size_t n = 0, here;
	uint8_t len, lo;
	int jumped = 0, ret;

	for (;;) {
		here = r.pos;
		ret = mdc_rbuf_get_u8(&r, &len);
		if (ret != 0 || len == 0)
			break;
		if ((len & 0xc0) == 0xc0) {
			ret = mdc_rbuf_get_u8(&r, &lo);
			if (ret != 0)
				break;
			if (!jumped)
				b->pos = r.pos;
			jumped = 1;
			if ((((size_t)len & 0x3f) << 8 | lo) >= here)
				return MDC_EMALF;
			ret = mdc_rbuf_seek(&r, ((size_t)len & 0x3f) << 8 | lo);
			if (ret != 0)
				break;
			continue;
		}
		if (len > 63)
			return MDC_EMALF;
		ret = mdc_rbuf_get_ptr(&r, &lab, len);
		if (ret != 0)
			break;
		if (n + (n > 0) + len + 1 > cap || memchr(lab, 0, len) != NULL)
			return MDC_EMALF;
		if (n > 0)
			out[n++] = '.';
		memcpy(out + n, lab, len);
		n += len;
	}
	if (ret != 0)
		return ret;
	if (!jumped)
		b->pos = r.pos;
	out[n] = '\0';
	return 0;
}

static int
nl_get_names(struct mdc_rbuf *b, struct mdc_netlogon_resp *r)
{
	char *names[8] = {r->forest,         r->domain,       r->host,
	                  r->netbios_domain, r->netbios_host, r->user,
	                  r->dc_site,        r->client_site};
	int ret = 0;

	for (int i = 0; i < 8 && ret == 0; i++)
		ret = nl_get_name(b, names[i], MDC_NETLOGON_NAME_MAX + 1);
	return ret;
}

static int
nl_get_sockaddr(struct mdc_rbuf *b, struct mdc_netlogon_resp *r)
{
	uint8_t size;
	uint16_t family;
	int ret;

	ret = mdc_rbuf_get_u8(b, &size);
	if (ret == 0 && size != 16)
		ret = MDC_EMALF;
	if (ret == 0)
		ret = mdc_rbuf_get_u16le(b, &family);
	if (ret == 0 && family != AF_INET)
		ret = MDC_EMALF;
	if (ret == 0)
		ret = mdc_rbuf_get_bytes(b, NULL, 2); /* port */
	if (ret == 0)
		ret = mdc_rbuf_get_bytes(b, r->ipv4, 4);
	if (ret == 0)
		ret = mdc_rbuf_get_bytes(b, NULL, 8);
	if (ret == 0)
		r->have_ipv4 = 1;
	return ret;
}

int
mdc_netlogon_decode(const uint8_t *blob, size_t len,
                    struct mdc_netlogon_resp *r)
{
	struct mdc_rbuf b, tail;
	int ret;

	memset(r, 0, sizeof(*r));
	if (len < 24 + 8 + 12)
		return MDC_ETRUNC;
	/* Like Samba: the trailing NtVersion says which fields exist. */
	mdc_rbuf_init(&tail, blob + len - 8, 8);
	ret = mdc_rbuf_get_u32le(&tail, &r->nt_version);
	if (ret == 0)
		ret = mdc_rbuf_get_u16le(&tail, &r->lmnt_token);
	if (ret == 0)
		ret = mdc_rbuf_get_u16le(&tail, &r->lm20_token);
	mdc_rbuf_init(&b, blob, len - 8);
	if (ret == 0)
		ret = mdc_rbuf_get_u16le(&b, &r->opcode);
	if (ret == 0)
		ret = mdc_rbuf_get_u16le(&b, &r->sbz);
	if (ret == 0)
		ret = mdc_rbuf_get_u32le(&b, &r->flags);
	if (ret == 0)
		ret = mdc_rbuf_get_bytes(&b, r->domain_guid, 16);
	if (ret == 0)
		ret = nl_get_names(&b, r);
	if (ret == 0 && (r->nt_version & MDC_NTVER_V5EX_WITH_IP))
		ret = nl_get_sockaddr(&b, r);
	if (ret == 0 && (r->nt_version & MDC_NTVER_WITH_CLOSEST_SITE)) {
		ret = nl_get_name(&b, r->next_closest_site,
		                  sizeof(r->next_closest_site));
		r->have_next_closest = ret == 0;
	}
	if (ret == 0 && mdc_rbuf_left(&b) != 0)
		ret = MDC_EMALF;
	return ret;
}

/* ------------------------------------------------------------------ */
/* CLDAP request (liblber)                                              */

static ber_len_t
ber_left(BerElement *ber)
{
	ber_len_t left = 0;

	if (ber_get_option(ber, LBER_OPT_REMAINING_BYTES, &left) != 0)
		return 0;
	return left;
}

/*
 * Step into the constructed element at the cursor, which must have tag;
 * *end_out is ber_left() once the element has been read completely, so
 * nested lengths can be checked against their parents.
 */
static int
ber_enter(BerElement *ber, ber_tag_t tag, ber_len_t *end_out)
{
	ber_len_t len, left;

	if (ber_peek_tag(ber, &len) != tag || ber_skip_tag(ber, &len) != tag)
		return MDC_EMALF;
	left = ber_left(ber);
	if (len > left)
		return MDC_EMALF;
	*end_out = left - len;
	return 0;
}

/* Read an OCTET STRING in place (bv aliases the BerElement's buffer). */
static int
ber_octets(BerElement *ber, struct berval *bv)
{
	ber_len_t len;

	if (ber_peek_tag(ber, &len) != LBER_OCTETSTRING ||
	    ber_get_stringbv(ber, bv, LBER_BV_NOTERM) != LBER_OCTETSTRING)
		return MDC_EMALF;
	return 0;
}

/* Read a primitive INTEGER, ENUMERATED or BOOLEAN (by tag). */
static int
ber_number(BerElement *ber, ber_tag_t tag, ber_int_t *v)
{
	ber_len_t len;
	ber_tag_t got;

	if (ber_peek_tag(ber, &len) != tag)
		return MDC_EMALF;
	if (tag == LBER_BOOLEAN)
		got = ber_get_boolean(ber, v);
	else if (tag == LBER_ENUMERATED)
		got = ber_get_enum(ber, v);
	else
		got = ber_get_int(ber, v);
	return got == tag ? 0 : MDC_EMALF;
}

static int
bv_is(const struct berval *bv, const char *name)
{
	return bv->bv_len == strlen(name) &&
	       strncasecmp(bv->bv_val, name, bv->bv_len) == 0;
}

/* Copy a text value (no NUL inside, <= 255 bytes) into out[256]. */
static int
bv_text(const struct berval *bv, char *out)
{
	if (bv->bv_len > MDC_NETLOGON_NAME_MAX ||
	    (bv->bv_len > 0 && memchr(bv->bv_val, 0, bv->bv_len) != NULL))
		return MDC_EMALF;
	memcpy(out, bv->bv_val, bv->bv_len);
	out[bv->bv_len] = '\0';
	return 0;
}

static int
bv_u32le(const struct berval *bv, uint32_t *v)
{
	const uint8_t *p = (const uint8_t *)bv->bv_val;

	if (bv->bv_len != 4)
		return MDC_EMALF;
	*v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	     (uint32_t)p[3] << 24;
	return 0;
}

static int
bv_sid(const struct berval *bv, struct mdc_cldap_req *req)
{
	const uint8_t *p = (const uint8_t *)bv->bv_val;

	if (bv->bv_len < 8 || bv->bv_len > MDC_NETLOGON_SID_MAX ||
	    bv->bv_len != (size_t)8 + 4 * p[1])
		return MDC_EMALF;
	memcpy(req->domain_sid, p, bv->bv_len);
	req->domain_sid_len = bv->bv_len;
	return 0;
}

/* One equality term of the ping filter; unknown attributes are ignored. */
static int
cldap_term(struct mdc_cldap_req *req, const struct berval *attr,
           const struct berval *val)
{
	int ret = 0, bit = 0;

	if (bv_is(attr, "DnsDomain")) {
		bit = MDC_PING_DNSDOMAIN;
		ret = bv_text(val, req->dns_domain);
	} else if (bv_is(attr, "NtVer")) {
		bit = MDC_PING_NTVER;
		ret = bv_u32le(val, &req->ntver);
	} else if (bv_is(attr, "AAC")) {
		bit = MDC_PING_AAC;
		ret = bv_u32le(val, &req->aac);
	} else if (bv_is(attr, "User")) {
		bit = MDC_PING_USER;
		ret = bv_text(val, req->user);
	} else if (bv_is(attr, "Host")) {
		bit = MDC_PING_HOST;
		ret = bv_text(val, req->host);
	} else if (bv_is(attr, "DomainGuid")) {
		bit = MDC_PING_DOMAINGUID;
		if (val->bv_len != 16)
			return MDC_EMALF;
		memcpy(req->domain_guid, val->bv_val, 16);
	} else if (bv_is(attr, "DomainSid")) {
		bit = MDC_PING_DOMAINSID;
		ret = bv_sid(val, req);
	}
	if (ret == 0)
		req->have |= (unsigned)bit;
	return ret;
}

/* Maximum number of terms in a ping filter (Windows sends at most 8). */
#define CLDAP_MAX_TERMS 32

/* The filter: (&(a=v)(b=w)...) and nothing else. */
static int
cldap_filter(BerElement *ber, struct mdc_cldap_req *req)
{
	struct berval attr, val;
	ber_len_t end, term_end, len;
	int ret, n = 0;

	ret = ber_enter(ber, LDAP_FILTER_AND, &end);
	while (ret == 0 && ber_left(ber) > end) {
		if (++n > CLDAP_MAX_TERMS ||
		    ber_peek_tag(ber, &len) != LDAP_FILTER_EQUALITY)
			return MDC_EMALF;
		ret = ber_enter(ber, LDAP_FILTER_EQUALITY, &term_end);
		if (ret == 0)
			ret = ber_octets(ber, &attr);
		if (ret == 0)
			ret = ber_octets(ber, &val);
		if (ret == 0 && ber_left(ber) != term_end)
			ret = MDC_EMALF;
		if (ret == 0)
			ret = cldap_term(req, &attr, &val);
	}
	if (ret == 0 && (n == 0 || ber_left(ber) != end))
		ret = MDC_EMALF;
	return ret;
}

/* AttributeSelection: 0 if it is well-formed and names netlogon. */
static int
cldap_attrs(BerElement *ber)
{
	struct berval attr;
	ber_len_t end;
	int ret, netlogon = 0;

	ret = ber_enter(ber, LBER_SEQUENCE, &end);
	while (ret == 0 && ber_left(ber) > end) {
		ret = ber_octets(ber, &attr);
		if (ret == 0 && bv_is(&attr, "netlogon"))
			netlogon = 1;
	}
	if (ret == 0 && (ber_left(ber) != end || !netlogon))
		ret = MDC_EMALF;
	return ret;
}

/* The SearchRequest body after its tag: 0 if it is a ping. */
static int
cldap_search(BerElement *ber, struct mdc_cldap_req *req, ber_len_t end)
{
	struct berval base;
	ber_int_t scope, deref, size, time, types;
	int ret;

	ret = ber_octets(ber, &base);
	if (ret == 0)
		ret = ber_number(ber, LBER_ENUMERATED, &scope);
	if (ret == 0)
		ret = ber_number(ber, LBER_ENUMERATED, &deref);
	if (ret == 0)
		ret = ber_number(ber, LBER_INTEGER, &size);
	if (ret == 0)
		ret = ber_number(ber, LBER_INTEGER, &time);
	if (ret == 0)
		ret = ber_number(ber, LBER_BOOLEAN, &types);
	if (ret == 0 && (base.bv_len != 0 || scope != LDAP_SCOPE_BASE))
		ret = MDC_EMALF;
	if (ret == 0)
		ret = cldap_filter(ber, req);
	if (ret == 0)
		ret = cldap_attrs(ber);
	if (ret == 0 && ber_left(ber) != end)
		ret = MDC_EMALF;
	return ret;
}

int
mdc_cldap_parse(const void *pkt, size_t len, struct mdc_cldap_req *req)
{
	struct berval bv;
	BerElement *ber = NULL;
	ber_len_t msg_end, op_end, tlen;
	ber_int_t msgid;
	int ret;

	memset(req, 0, sizeof(*req));
	if (len == 0 || len > INT_MAX)
		return MDC_EMALF;
	bv.bv_val = (char *)pkt; /* ber_init copies, never writes through */
	bv.bv_len = len;
	ber = ber_init(&bv);
	if (ber == NULL)
		return MDC_ENOMEM;
	ret = ber_enter(ber, LBER_SEQUENCE, &msg_end);
	if (ret == 0)
		ret = ber_number(ber, LBER_INTEGER, &msgid);
	if (ret == 0 && msgid < 0)
		ret = MDC_EMALF;
	/* RFC 1798 CLDAP puts a user DN before the operation: skip it. */
	if (ret == 0 && ber_peek_tag(ber, &tlen) == LBER_OCTETSTRING &&
	    ber_skip_element(ber, &bv) == LBER_DEFAULT)
		ret = MDC_EMALF;
	if (ret == 0)
		ret = ber_enter(ber, LDAP_REQ_SEARCH, &op_end);
	if (ret == 0) {
		req->msgid = msgid;
		req->is_ping = cldap_search(ber, req, op_end) == 0;
	}
	ber_free(ber, 1);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Answer                                                               */

static int
domain_eq(const char *asked, const char *ours)
{
	size_t n = strlen(asked);

	if (n > 0 && asked[n - 1] == '.')
		n--;
	return n == strlen(ours) && strncasecmp(asked, ours, n) == 0;
}

int
mdc_netlogon_for_us(const struct mdc_netlogon_dc *dc,
                    const struct mdc_cldap_req *req)
{
	if (!req->is_ping || !(req->have & MDC_PING_NTVER) ||
	    !(req->ntver & MDC_NTVER_V5EX))
		return 0;
	if ((req->have & MDC_PING_DNSDOMAIN) &&
	    !domain_eq(req->dns_domain, dc->domain))
		return 0;
	if ((req->have & MDC_PING_DOMAINGUID) &&
	    memcmp(req->domain_guid, dc->domain_guid, 16) != 0)
		return 0;
	if ((req->have & MDC_PING_DOMAINSID) &&
	    (req->domain_sid_len != dc->domain_sid_len ||
	     memcmp(req->domain_sid, dc->domain_sid, dc->domain_sid_len) != 0))
		return 0;
	return 1;
}

/* Append the reply messages to ber; blob NULL: SearchResultDone only. */
static int
cldap_put_reply(BerElement *ber, ber_int_t msgid, const uint8_t *blob,
                size_t bloblen)
{
	if (blob != NULL &&
	    ber_printf(ber, "{it{s{{s[o]}}}}", msgid, LDAP_RES_SEARCH_ENTRY, "",
	               "netlogon", (const char *)blob,
	               (ber_len_t)bloblen) == -1)
		return MDC_ENOMEM;
	if (ber_printf(ber, "{it{ess}}", msgid, LDAP_RES_SEARCH_RESULT,
	               (ber_int_t)LDAP_SUCCESS, "", "") == -1)
		return MDC_ENOMEM;
	return 0;
}

int
mdc_cldap_reply(const struct mdc_netlogon_dc *dc, const void *pkt, size_t len,
                uint8_t *out, size_t cap, size_t *len_out, int *entry_out)
{
	struct mdc_cldap_req req;
	uint8_t blob[MDC_NETLOGON_BLOB_MAX];
	size_t bloblen = 0;
	const uint8_t *bp = NULL;
	BerElement *ber = NULL;
	struct berval bv;
	int ret;

	ret = mdc_cldap_parse(pkt, len, &req);
	if (ret != 0)
		goto out;
	/* A User= that cannot be a name gets no entry rather than an error. */
	if (mdc_netlogon_for_us(dc, &req) &&
	    mdc_netlogon_encode(dc, req.ntver,
	                        (req.have & MDC_PING_USER) ? req.user : NULL,
	                        blob, sizeof(blob), &bloblen) == 0)
		bp = blob;
	ber = ber_alloc_t(LBER_USE_DER);
	if (ber == NULL) {
		ret = MDC_ENOMEM;
		goto out;
	}
	ret = cldap_put_reply(ber, req.msgid, bp, bloblen);
	if (ret == 0 && ber_flatten2(ber, &bv, 0) != 0)
		ret = MDC_ENOMEM;
	if (ret == 0 && bv.bv_len > cap)
		ret = MDC_ESPACE;
	if (ret != 0)
		goto out;
	memcpy(out, bv.bv_val, bv.bv_len);
	*len_out = bv.bv_len;
	if (entry_out != NULL)
		*entry_out = bp != NULL;
out:
	if (ber != NULL)
		ber_free(ber, 1);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Client side                                                          */

static int
cldap_put_filter(BerElement *ber, const struct mdc_cldap_term *terms,
                 size_t nterms, int or_filter)
{
	ber_tag_t tag = or_filter ? LDAP_FILTER_OR : LDAP_FILTER_AND;

	if (ber_printf(ber, "t{", tag) == -1)
		return MDC_ENOMEM;
	for (size_t i = 0; i < nterms; i++)
		if (ber_printf(ber, "t{so}", LDAP_FILTER_EQUALITY,
		               terms[i].attr, (const char *)terms[i].value,
		               (ber_len_t)terms[i].len) == -1)
			return MDC_ENOMEM;
	if (ber_printf(ber, "}") == -1)
		return MDC_ENOMEM;
	return 0;
}

int
mdc_cldap_request(int msgid, const struct mdc_cldap_term *terms, size_t nterms,
                  int or_filter, const char *attr, uint8_t *out, size_t cap,
                  size_t *len_out)
{
	BerElement *ber = NULL;
	struct berval bv;
	int ret;

	if (nterms == 0 || msgid < 0)
		return MDC_EINVAL;
	ber = ber_alloc_t(LBER_USE_DER);
	if (ber == NULL)
		return MDC_ENOMEM;
	ret = ber_printf(ber, "{it{seeiib", (ber_int_t)msgid, LDAP_REQ_SEARCH,
	                 "", (ber_int_t)LDAP_SCOPE_BASE,
	                 (ber_int_t)LDAP_DEREF_NEVER, (ber_int_t)0,
	                 (ber_int_t)0, (ber_int_t)0) == -1
	              ? MDC_ENOMEM
	              : 0;
	if (ret == 0)
		ret = cldap_put_filter(ber, terms, nterms, or_filter);
	if (ret == 0 && ber_printf(ber, "{s}}}", attr) == -1)
		ret = MDC_ENOMEM;
	if (ret == 0 && ber_flatten2(ber, &bv, 0) != 0)
		ret = MDC_ENOMEM;
	if (ret == 0 && bv.bv_len > cap)
		ret = MDC_ESPACE;
	if (ret == 0) {
		memcpy(out, bv.bv_val, bv.bv_len);
		*len_out = bv.bv_len;
	}
	ber_free(ber, 1);
	return ret;
}

/* Skip elements until ber_left() == end (trailing optional fields). */
static int
ber_skip_to(BerElement *ber, ber_len_t end)
{
	struct berval bv;

	while (ber_left(ber) > end)
		if (ber_skip_element(ber, &bv) == LBER_DEFAULT)
			return MDC_EMALF;
	return ber_left(ber) == end ? 0 : MDC_EMALF;
}

/* One PartialAttribute of an entry; copies a netlogon value. */
static int
cldap_reply_attr(BerElement *ber, struct mdc_cldap_resp *r)
{
	struct berval type, val;
	ber_len_t end, set_end;
	int ret;

	ret = ber_enter(ber, LBER_SEQUENCE, &end);
	if (ret == 0)
		ret = ber_octets(ber, &type);
	if (ret == 0)
		ret = ber_enter(ber, LBER_SET, &set_end);
	while (ret == 0 && ber_left(ber) > set_end) {
		ret = ber_octets(ber, &val);
		if (ret != 0 || !bv_is(&type, "netlogon") || r->have_blob)
			continue;
		if (val.bv_len > sizeof(r->blob))
			return MDC_EMALF;
		memcpy(r->blob, val.bv_val, val.bv_len);
		r->bloblen = val.bv_len;
		r->have_blob = 1;
	}
	if (ret == 0 && (ber_left(ber) != set_end || ber_left(ber) != end))
		ret = MDC_EMALF;
	return ret;
}

static int
cldap_reply_entry(BerElement *ber, struct mdc_cldap_resp *r, ber_len_t end)
{
	struct berval dn;
	ber_len_t attrs_end;
	int ret;

	ret = ber_octets(ber, &dn);
	if (ret == 0)
		ret = ber_enter(ber, LBER_SEQUENCE, &attrs_end);
	while (ret == 0 && ber_left(ber) > attrs_end)
		ret = cldap_reply_attr(ber, r);
	if (ret == 0 && (ber_left(ber) != attrs_end || ber_left(ber) != end))
		ret = MDC_EMALF;
	r->have_entry = 1;
	return ret;
}

static int
cldap_reply_done(BerElement *ber, struct mdc_cldap_resp *r, ber_len_t end)
{
	struct berval dn, msg;
	ber_int_t rc;
	int ret;

	ret = ber_number(ber, LBER_ENUMERATED, &rc);
	if (ret == 0)
		ret = ber_octets(ber, &dn);
	if (ret == 0)
		ret = ber_octets(ber, &msg);
	if (ret == 0)
		ret = ber_skip_to(ber, end); /* referral */
	if (ret == 0) {
		r->have_done = 1;
		r->result = rc;
	}
	return ret;
}

/* One LDAPMessage of an answer. */
static int
cldap_reply_msg(BerElement *ber, struct mdc_cldap_resp *r)
{
	ber_len_t msg_end, op_end, len;
	ber_int_t msgid;
	ber_tag_t tag;
	int ret;

	ret = ber_enter(ber, LBER_SEQUENCE, &msg_end);
	if (ret == 0)
		ret = ber_number(ber, LBER_INTEGER, &msgid);
	if (ret != 0)
		return ret;
	r->msgid = msgid;
	tag = ber_peek_tag(ber, &len);
	if (tag != LDAP_RES_SEARCH_ENTRY && tag != LDAP_RES_SEARCH_RESULT)
		return MDC_EMALF;
	ret = ber_enter(ber, tag, &op_end);
	if (ret == 0 && tag == LDAP_RES_SEARCH_ENTRY)
		ret = cldap_reply_entry(ber, r, op_end);
	else if (ret == 0)
		ret = cldap_reply_done(ber, r, op_end);
	if (ret == 0)
		ret = ber_skip_to(ber, msg_end); /* controls */
	return ret;
}

int
mdc_cldap_parse_reply(const void *pkt, size_t len, struct mdc_cldap_resp *r)
{
	struct berval bv;
	BerElement *ber;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	if (len == 0 || len > INT_MAX)
		return MDC_EMALF;
	bv.bv_val = (char *)pkt;
	bv.bv_len = len;
	ber = ber_init(&bv);
	if (ber == NULL)
		return MDC_ENOMEM;
	while (ret == 0 && ber_left(ber) > 0 && !r->have_done)
		ret = cldap_reply_msg(ber, r);
	if (ret == 0 && (ber_left(ber) != 0 || !r->have_done))
		ret = MDC_EMALF;
	ber_free(ber, 1);
	return ret;
}
