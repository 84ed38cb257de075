/* dns/update.c - RFC 2136 dynamic update: prerequisites, owner rule, apply */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ad/dnswire.h"
#include "ad/tsig.h"
#include "dns/update.h"

#define MAX_NAMES 64

struct work {
	ldns_rdf *name;
	const struct dns_entry *old; /* &cur, a snapshot entry, or NULL */
	struct dns_entry cur;        /* as the backend has it right now */
	ldns_rr_list *rrs;
	int touched;
};

struct upd {
	const struct dns_snapshot *s;
	const struct dns_zone *z; /* the zone named by the zone section */
	const struct dns_update_ops *ops;
	void *ctx;
	struct work w[MAX_NAMES];
	size_t n;
};

static void
upd_free(struct upd *u)
{
	for (size_t i = 0; i < u->n; i++) {
		ldns_rdf_deep_free(u->w[i].name);
		ldns_rr_list_deep_free(u->w[i].rrs);
		dns_entry_clear(&u->w[i].cur);
	}
}

/*
 * What the name holds now: from the backend when it can tell (our own
 * last write may not have reached the snapshot yet: two updates in a row
 * must not lose the first), else from the snapshot.  0 or MDC_E*.
 */
static int
current(struct upd *u, struct work *w, const ldns_rdf *name)
{
	int ret;

	memset(&w->cur, 0, sizeof(w->cur));
	if (u->ops == NULL || u->ops->lookup == NULL) {
		w->old = dns_snapshot_entry(u->s, name);
		return 0;
	}
	ret = u->ops->lookup(u->ctx, u->s, u->z->origin, name, &w->cur);
	if (ret == MDC_ENOENT) {
		dns_entry_clear(&w->cur);
		w->old = NULL;
		return 0;
	}
	w->old = ret == 0 ? &w->cur : NULL;
	return ret;
}

/* The working copy of a name's records. */
static struct work *
get_work(struct upd *u, const ldns_rdf *name)
{
	struct work *w;

	for (size_t i = 0; i < u->n; i++)
		if (ldns_dname_compare(u->w[i].name, name) == 0)
			return &u->w[i];
	if (u->n == MAX_NAMES)
		return NULL;
	w = &u->w[u->n];
	if (current(u, w, name) != 0) {
		dns_entry_clear(&w->cur);
		return NULL;
	}
	w->name = ldns_rdf_clone(name);
	w->rrs = w->old != NULL ? ldns_rr_list_clone(w->old->rrs)
	                        : ldns_rr_list_new();
	w->touched = 0;
	if (w->name == NULL || w->rrs == NULL) {
		if (w->name != NULL)
			ldns_rdf_deep_free(w->name);
		if (w->rrs != NULL)
			ldns_rr_list_deep_free(w->rrs);
		dns_entry_clear(&w->cur);
		return NULL;
	}
	u->n++;
	return w;
}

static int
in_zone(const struct dns_zone *z, const ldns_rdf *name)
{
	return ldns_dname_compare(name, z->origin) == 0 ||
	       ldns_dname_is_subdomain(name, z->origin);
}

static int
is_apex(const struct dns_zone *z, const ldns_rdf *name)
{
	return ldns_dname_compare(name, z->origin) == 0;
}

/* Same type and RDATA (names compared case-insensitively). */
static int
rdata_eq(const ldns_rr *a, const ldns_rr *b)
{
	if (ldns_rr_get_type(a) != ldns_rr_get_type(b) ||
	    ldns_rr_rd_count(a) != ldns_rr_rd_count(b))
		return 0;
	for (size_t i = 0; i < ldns_rr_rd_count(a); i++) {
		const ldns_rdf *x = ldns_rr_rdf(a, i), *y = ldns_rr_rdf(b, i);
		if (ldns_rdf_get_type(x) == LDNS_RDF_TYPE_DNAME &&
		    ldns_rdf_get_type(y) == LDNS_RDF_TYPE_DNAME) {
			if (ldns_dname_compare(x, y) != 0)
				return 0;
		} else if (ldns_rdf_compare(x, y) != 0) {
			return 0;
		}
	}
	return 1;
}

static size_t
count_type(const ldns_rr_list *l, ldns_rr_type t)
{
	size_t n = 0;

	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
		n += t == LDNS_RR_TYPE_ANY ||
		     ldns_rr_get_type(ldns_rr_list_rr(l, i)) == t;
	return n;
}

static int
has_rr(const ldns_rr_list *l, const ldns_rr *rr)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
		if (rdata_eq(ldns_rr_list_rr(l, i), rr))
			return 1;
	return 0;
}

/* Exact RRset match for the zone-class prerequisites of (name, type). */
static int
rrset_matches(struct upd *u, const ldns_rr_list *pre, const ldns_rr *first)
{
	struct work *w = get_work(u, ldns_rr_owner(first));
	ldns_rr_type t = ldns_rr_get_type(first);
	size_t n = 0;

	if (w == NULL)
		return 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(pre); i++) {
		const ldns_rr *p = ldns_rr_list_rr(pre, i);
		if (ldns_rr_get_class(p) != LDNS_RR_CLASS_IN ||
		    ldns_rr_get_type(p) != t ||
		    ldns_dname_compare(ldns_rr_owner(p), ldns_rr_owner(first)))
			continue;
		if (!has_rr(w->rrs, p))
			return 0;
		n++;
	}
	return n == count_type(w->rrs, t);
}

/* RFC 2136 3.2: returns 0 or the rcode. */
static int
check_prereq(struct upd *u, const ldns_rr_list *pre)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(pre); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(pre, i);
		ldns_rr_type t = ldns_rr_get_type(rr);
		ldns_rr_class c = ldns_rr_get_class(rr);
		struct work *w;
		size_t have;

		if (ldns_rr_ttl(rr) != 0)
			return DNS_R_FORMERR;
		if (!in_zone(u->z, ldns_rr_owner(rr)))
			return DNS_R_NOTZONE;
		if ((w = get_work(u, ldns_rr_owner(rr))) == NULL)
			return DNS_R_SERVFAIL;
		have = count_type(w->rrs, t);
		if (c == LDNS_RR_CLASS_ANY && ldns_rr_rd_count(rr) == 0) {
			if (have == 0)
				return t == LDNS_RR_TYPE_ANY ? DNS_R_NXDOMAIN
				                             : DNS_R_NXRRSET;
		} else if (c == LDNS_RR_CLASS_NONE &&
		           ldns_rr_rd_count(rr) == 0) {
			if (have != 0)
				return t == LDNS_RR_TYPE_ANY ? DNS_R_YXDOMAIN
				                             : DNS_R_YXRRSET;
		} else if (c == LDNS_RR_CLASS_IN) {
			if (!rrset_matches(u, pre, rr))
				return DNS_R_NXRRSET;
		} else {
			return DNS_R_FORMERR;
		}
	}
	return 0;
}

static int
supported_type(ldns_rr_type t)
{
	switch (t) {
	case LDNS_RR_TYPE_A:
	case LDNS_RR_TYPE_AAAA:
	case LDNS_RR_TYPE_CNAME:
	case LDNS_RR_TYPE_NS:
	case LDNS_RR_TYPE_PTR:
	case LDNS_RR_TYPE_MX:
	case LDNS_RR_TYPE_TXT:
	case LDNS_RR_TYPE_SRV:
		return 1;
	default:
		return 0;
	}
}

/* RFC 2136 3.4.1 prescan; returns 0 or the rcode. */
static int
prescan(const struct dns_zone *z, const ldns_rr_list *up)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(up); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(up, i);
		ldns_rr_type t = ldns_rr_get_type(rr);
		ldns_rr_class c = ldns_rr_get_class(rr);

		if (!in_zone(z, ldns_rr_owner(rr)))
			return DNS_R_NOTZONE;
		if (c == LDNS_RR_CLASS_IN) {
			if (t >= 249)
				return DNS_R_FORMERR;
			if (!supported_type(t) && t != LDNS_RR_TYPE_SOA)
				return DNS_R_REFUSED;
		} else if (c == LDNS_RR_CLASS_ANY) {
			if (ldns_rr_ttl(rr) != 0 || ldns_rr_rd_count(rr) != 0 ||
			    (t >= 249 && t != LDNS_RR_TYPE_ANY))
				return DNS_R_FORMERR;
		} else if (c == LDNS_RR_CLASS_NONE) {
			if (ldns_rr_ttl(rr) != 0 || t >= 249)
				return DNS_R_FORMERR;
		} else {
			return DNS_R_FORMERR;
		}
	}
	return 0;
}

int
dns_update_may(const struct dns_upd_facts *f)
{
	if (f->privileged)
		return DNS_UPD_OK;
	if (f->reserved)
		return DNS_UPD_RESERVED;
	if (f->exists)
		return f->owned ? DNS_UPD_OK : DNS_UPD_OWNED;
	return f->own_host || f->users_create ? DNS_UPD_OK : DNS_UPD_CREATE;
}

const char *
dns_update_reason(int verdict)
{
	switch (verdict) {
	case DNS_UPD_OK:
		return "allowed";
	case DNS_UPD_RESERVED:
		return "name reserved for DCs and DNS admins";
	case DNS_UPD_OWNED:
		return "name owned by another principal";
	default:
		return "only a computer's own host name may be created";
	}
}

/* Is the label at wire offset p one of the names in list (any case)? */
static int
label_is(const uint8_t *p, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (p[0] == strlen(list[i]) &&
		    strncasecmp((const char *)p + 1, list[i], p[0]) == 0)
			return 1;
	return 0;
}

int
dns_name_reserved(const ldns_rdf *origin, const ldns_rdf *name)
{
	static const char *const locator[] = {"_msdcs", "_sites", "_tcp",
	                                      "_udp", NULL};
	static const char *const blocked[] = {"wpad", "isatap", NULL};
	const uint8_t *p = ldns_rdf_data(name);
	size_t len = ldns_rdf_size(name);

	if (ldns_dname_compare(name, origin) == 0)
		return 1;
	if (len > 0 && p[0] > 0 && label_is(p, blocked))
		return 1;
	for (size_t i = 0; i < len && p[i] != 0; i += (size_t)p[i] + 1)
		if (label_is(p + i, locator))
			return 1;
	return 0;
}

/* True if name equals the host name host ("a.b", no final dot). */
static int
is_host(const ldns_rdf *name, const char *host)
{
	ldns_rdf *h;
	int eq;

	if (host[0] == '\0')
		return 0;
	h = ldns_dname_new_frm_str(host);
	if (h == NULL)
		return 0;
	eq = ldns_dname_compare(name, h) == 0;
	ldns_rdf_deep_free(h);
	return eq;
}

/* Is rr the sender's own name, or a PTR to it in a reverse zone? */
static int
own_host(const struct dns_zone *z, const ldns_rr *rr, const char *host)
{
	static const char *const arpa[] = {"arpa", NULL};
	const ldns_rdf *o = z->origin;
	size_t n = ldns_rdf_size(o);

	if (is_host(ldns_rr_owner(rr), host))
		return 1;
	/* The origin ends in "\4arpa\0": a reverse zone. */
	if (n < 6 || !label_is(ldns_rdf_data(o) + n - 6, arpa))
		return 0;
	return ldns_rr_get_type(rr) == LDNS_RR_TYPE_PTR &&
	       ldns_rr_get_class(rr) == LDNS_RR_CLASS_IN &&
	       ldns_rr_rd_count(rr) == 1 && is_host(ldns_rr_rdf(rr, 0), host);
}

/* The owner rule (spec 2.5) for every RR of the update. */
static int
authorize(struct upd *u, const ldns_rr_list *up, const char *principal,
          const struct dns_update_ops *ops, void *ctx, const char **why)
{
	struct dns_who who;

	memset(&who, 0, sizeof(who));
	if (ops->who == NULL ||
	    ops->who(ctx, u->s, u->z->origin, principal, &who) != 0)
		return DNS_R_REFUSED;
	who.host[sizeof(who.host) - 1] = '\0';
	for (size_t i = 0; i < ldns_rr_list_rr_count(up); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(up, i);
		const ldns_rdf *name = ldns_rr_owner(rr);
		ldns_rr_type t = ldns_rr_get_type(rr);
		struct work *w = get_work(u, name);
		struct dns_upd_facts f = {.privileged = who.privileged,
		                          .users_create = who.users_create};
		int v;

		if (w == NULL)
			return DNS_R_SERVFAIL;
		/* Deleting from a name that does not exist changes nothing
		 * (a client's "delete, then add" of its own PTR). */
		if (w->old == NULL && ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
			continue;
		f.reserved = dns_name_reserved(u->z->origin, name) ||
		             t == LDNS_RR_TYPE_NS || t == LDNS_RR_TYPE_SOA;
		f.exists = w->old != NULL;
		f.owned = f.exists && w->old->owner != NULL &&
		          strcasecmp(w->old->owner, principal) == 0;
		f.own_host = own_host(u->z, rr, who.host);
		v = dns_update_may(&f);
		if (v != DNS_UPD_OK) {
			*why = dns_update_reason(v);
			return DNS_R_REFUSED;
		}
	}
	return 0;
}

/* Remove RRs of w matching type t (ANY: all) and, if rr != NULL, its data. */
static void
remove_rrs(struct upd *u, struct work *w, ldns_rr_type t, const ldns_rr *rr)
{
	ldns_rr_list *keep = ldns_rr_list_new();
	int apex = is_apex(u->z, w->name);
	size_t nns = count_type(w->rrs, LDNS_RR_TYPE_NS);

	if (keep == NULL)
		return;
	for (size_t i = 0; i < ldns_rr_list_rr_count(w->rrs); i++) {
		ldns_rr *x = ldns_rr_list_rr(w->rrs, i);
		ldns_rr_type xt = ldns_rr_get_type(x);
		int match = (t == LDNS_RR_TYPE_ANY || xt == t) &&
		            (rr == NULL || rdata_eq(x, rr));
		/* The apex SOA and its last NS are never deleted. */
		if (match && apex &&
		    (xt == LDNS_RR_TYPE_SOA ||
		     (xt == LDNS_RR_TYPE_NS && (rr == NULL || nns == 1))))
			match = 0;
		if (match) {
			ldns_rr_free(x);
			w->touched = 1;
			if (xt == LDNS_RR_TYPE_NS)
				nns--;
		} else {
			ldns_rr_list_push_rr(keep, x);
		}
	}
	ldns_rr_list_free(w->rrs); /* shallow: the RRs moved or were freed */
	w->rrs = keep;
}

static int
add_rr(struct work *w, const ldns_rr *rr)
{
	ldns_rr_type t = ldns_rr_get_type(rr);
	size_t ncname = count_type(w->rrs, LDNS_RR_TYPE_CNAME);
	size_t nall = ldns_rr_list_rr_count(w->rrs);
	ldns_rr *c;

	if (t == LDNS_RR_TYPE_SOA)
		return 0; /* the serial is ours; SOA updates are ignored */
	if ((t == LDNS_RR_TYPE_CNAME && nall > ncname) ||
	    (t != LDNS_RR_TYPE_CNAME && ncname > 0))
		return 0; /* RFC 2136 3.4.2.2: CNAME and other data exclude */
	for (size_t i = 0; i < nall; i++) {
		ldns_rr *x = ldns_rr_list_rr(w->rrs, i);
		if (rdata_eq(x, rr) ||
		    (t == LDNS_RR_TYPE_CNAME && ldns_rr_get_type(x) == t)) {
			ldns_rr_list_set_rr(w->rrs, NULL, i);
			ldns_rr_free(x);
			if ((c = ldns_rr_clone(rr)) == NULL)
				return MDC_ENOMEM;
			ldns_rr_list_set_rr(w->rrs, c, i);
			w->touched = 1;
			return 0;
		}
	}
	if ((c = ldns_rr_clone(rr)) == NULL || !ldns_rr_list_push_rr(w->rrs, c))
		return MDC_ENOMEM;
	w->touched = 1;
	return 0;
}

static int
apply_all(struct upd *u, const ldns_rr_list *up)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(up); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(up, i);
		struct work *w = get_work(u, ldns_rr_owner(rr));
		ldns_rr_class c = ldns_rr_get_class(rr);

		if (w == NULL)
			return DNS_R_SERVFAIL;
		if (c == LDNS_RR_CLASS_IN) {
			if (add_rr(w, rr) != 0)
				return DNS_R_SERVFAIL;
		} else if (c == LDNS_RR_CLASS_ANY) {
			remove_rrs(u, w, ldns_rr_get_type(rr), NULL);
		} else {
			remove_rrs(u, w, ldns_rr_get_type(rr), rr);
		}
	}
	return 0;
}

/*
 * Names whose records would no longer fit a DNS message are refused before
 * anything is written (the size rule of dns_rrs_fit).  0 or the rcode.
 */
static int
check_sizes(const struct upd *u, struct mdc_err *why)
{
	for (size_t i = 0; i < u->n; i++) {
		if (!u->w[i].touched)
			continue;
		int ret = dns_rrs_fit(u->w[i].rrs, why);
		if (ret == MDC_ERANGE)
			return DNS_R_REFUSED;
		if (ret != 0)
			return DNS_R_SERVFAIL;
	}
	return 0;
}

static int
write_changes(struct upd *u, const char *principal,
              const struct dns_update_ops *ops, void *ctx)
{
	struct dns_change ch[MAX_NAMES];
	size_t n = 0;

	for (size_t i = 0; i < u->n; i++) {
		if (!u->w[i].touched)
			continue;
		ch[n].name = u->w[i].name;
		ch[n].origin = u->z->origin;
		ch[n].old = u->w[i].old;
		ch[n].rrs = u->w[i].rrs;
		n++;
	}
	if (n == 0)
		return 0;
	return ops->write(ctx, u->s, ch, n, principal) == 0 ? 0
	                                                    : DNS_R_SERVFAIL;
}

int
dns_update_apply(const struct dns_snapshot *s, const ldns_pkt *pkt,
                 const char *principal, const struct dns_update_ops *ops,
                 void *ctx, struct mdc_err *why)
{
	const char *reason = NULL;
	struct upd u = {.s = s};
	const ldns_rr_list *pre = ldns_pkt_answer(pkt);
	const ldns_rr_list *up = ldns_pkt_authority(pkt);
	int rc;

	if (ops == NULL || principal == NULL)
		return DNS_R_REFUSED;
	if (ldns_rr_list_rr_count(ldns_pkt_question(pkt)) != 1)
		return DNS_R_FORMERR;
	u.z = dns_snapshot_zone_at(
	        s, ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(pkt), 0)));
	if (u.z == NULL)
		return DNS_R_NOTAUTH;
	u.ops = ops;
	u.ctx = ctx;
	if ((rc = check_prereq(&u, pre)) != 0 || (rc = prescan(u.z, up)) != 0 ||
	    (rc = authorize(&u, up, principal, ops, ctx, &reason)) != 0 ||
	    (rc = apply_all(&u, up)) != 0 || (rc = check_sizes(&u, why)) != 0)
		goto out;
	rc = write_changes(&u, principal, ops, ctx);
out:
	if (reason != NULL)
		mdc_err_set(why, rc, "%s", reason);
	upd_free(&u);
	return rc;
}

/* Header + zone section of the response; returns its length or 0. */
static size_t
resp_base(const uint8_t *q, size_t zend, int rcode, uint8_t *out, size_t cap)
{
	struct dns_hdr h = {0};

	if (cap < zend)
		return 0;
	h.id = (uint16_t)(q[0] << 8 | q[1]);
	h.flags = DNS_F_QR | (DNS_OP_UPDATE << 11) | (rcode & 0xf);
	h.qd = zend > DNS_HDR_LEN ? 1 : 0;
	dns_hdr_put(out, &h);
	memcpy(out + DNS_HDR_LEN, q + DNS_HDR_LEN, zend - DNS_HDR_LEN);
	return zend;
}

/* Zone section: exactly one SOA/IN record naming our zone (else rcode). */
static int
zone_section(const struct dns_snapshot *s, const struct dns_msg *m,
             size_t *zend, int *ours)
{
	size_t off;

	*zend = DNS_HDR_LEN;
	*ours = 0;
	if (m->err != 0 || m->h.qd != 1 || m->qi.qtype != DNS_T_SOA ||
	    m->qi.qclass != DNS_C_IN)
		return DNS_R_FORMERR;
	*zend = m->qend;
	*ours = s != NULL &&
	        dns_snapshot_zone(s, m->qname, m->qi.qname_len, &off) != NULL &&
	        off == 0;
	return 0;
}

/* Verify, apply and answer; rcode/TSIG error decided here. */
static size_t
signed_update(struct dns_slow *sl, const struct dns_snapshot *s,
              const struct dns_msg *m, size_t zend, int ours, long long now,
              uint8_t *out, size_t cap)
{
	const struct dns_tsig_rr *t = &m->t;
	const uint8_t *q = m->wire;
	const char *principal = NULL;
	int terr, rc, sign = 1;
	struct mdc_err why = {""};
	size_t len;

	terr = dns_tsig_verify(sl->keys, q, m->len, t, now, &principal);
	if (terr != 0) {
		rc = DNS_R_NOTAUTH;
		sign = terr == DNS_R_BADTIME;
	} else if (!ours) {
		rc = DNS_R_NOTAUTH;
	} else {
		rc = dns_update_apply(s, m->pkt, principal, sl->ops,
		                      sl->ops_ctx, &why);
	}
	snprintf(sl->event, sizeof(sl->event), "UPDATE by %s: %s%s%s%s%s",
	         principal != NULL ? principal : "(unverified key)",
	         dns_rcode_name(rc), terr ? ", TSIG " : "",
	         terr ? dns_rcode_name(terr) : "",
	         why.text[0] || terr ? ": " : "",
	         why.text[0] ? why.text
	         : terr      ? dns_tsig_message(sl->keys)
	                     : "");
	len = resp_base(q, zend, rc, out, cap);
	if (len == 0 || dns_tsig_append(sl->keys, t, sign, (uint16_t)terr, now,
	                                out, &len, cap) != 0)
		return resp_base(q, zend, rc, out, cap);
	return len;
}

size_t
dns_update_handle(struct dns_slow *sl, const struct dns_snapshot *s,
                  const struct dns_msg *m, long long now, uint8_t *out,
                  size_t cap)
{
	const uint8_t *q = m->wire;
	size_t zend;
	int ours, rc;

	rc = zone_section(s, m, &zend, &ours);
	if (rc != 0)
		return resp_base(q, DNS_HDR_LEN, rc, out, cap);
	if (!m->tsig) { /* unsigned: secure-only zone */
		rc = ours ? DNS_R_REFUSED : DNS_R_NOTAUTH;
		snprintf(sl->event, sizeof(sl->event), "UPDATE unsigned: %s",
		         dns_rcode_name(rc));
		return resp_base(q, zend, rc, out, cap);
	}
	return signed_update(sl, s, m, zend, ours, now, out, cap);
}
