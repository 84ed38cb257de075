/*
 * dc/slapo/mdcad.c - slapd overlay "mdcad": what AD computes at read time.
 *
 * A global (frontend) overlay, so it sees every search before a database
 * is chosen and every entry sent.  Contract: dc/slapo/mdcad.h.  Built
 * against the headers of the installed slapd's own source (configure
 * --with-slapd-src, prepared by scripts/deps); it includes slapd's
 * portable.h, not minidc's config.h.
 */
#include "portable.h"

#include <stdio.h>

#include "slap.h"

#include "mdcad.h"
#include "csnguard.h"
#include "adsid.h"
#include "bindlock.h"

#define IN_CHAIN_OID "1.2.840.113556.1.4.1941"
#define CHAIN_MAX    4096 /* groups visited by one expansion */

static slap_overinst mdcad;

static AttributeDescription *ad_currentTime, *ad_hcusn, *ad_dn, *ad_tokenGroups,
        *ad_usnChanged, *ad_usnCreated, *ad_objectSid, *ad_primaryGroupID,
        *ad_memberOf, *ad_member, *ad_objectCategory, *ad_defaultNC;
static MatchingRule *mr_in_chain;

/* True if the entry being sent should carry ad. */
static int
wanted(SlapReply *rs, AttributeDescription *ad, int with_star)
{
	if (ad == NULL)
		return 0;
	if (rs->sr_attrs == NULL)
		return with_star;
	if (with_star && SLAP_USERATTRS(rs->sr_attr_flags))
		return 1;
	return ad_inlist(ad, rs->sr_attrs);
}

/* Append a one-valued attribute (value copied) at *ap; returns the next
 * link. */
static Attribute **
put(Attribute **ap, AttributeDescription *ad, struct berval *val,
    struct berval *nval)
{
	Attribute *a = attr_alloc(ad);

	a->a_numvals = 1;
	a->a_vals = ch_malloc(2 * sizeof(struct berval));
	ber_dupbv(&a->a_vals[0], val);
	BER_BVZERO(&a->a_vals[1]);
	if (nval != NULL) {
		a->a_nvals = ch_malloc(2 * sizeof(struct berval));
		ber_dupbv(&a->a_nvals[0], nval);
		BER_BVZERO(&a->a_nvals[1]);
	} else {
		a->a_nvals = a->a_vals;
	}
	*ap = a;
	return &a->a_next;
}

static Attribute **
put_u64(Attribute **ap, AttributeDescription *ad, unsigned long long v)
{
	char buf[32];
	struct berval bv;

	bv.bv_len = (ber_len_t)snprintf(buf, sizeof(buf), "%llu", v);
	bv.bv_val = buf;
	return put(ap, ad, &bv, NULL);
}

static unsigned long long
now_usn(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (unsigned long long)tv.tv_sec * 1000000ULL +
	       (unsigned long long)tv.tv_usec;
}

/* currentTime and highestCommittedUSN of the rootDSE. */
static void
rootdse_attrs(SlapReply *rs, Attribute **ap)
{
	char buf[32];
	struct berval bv;
	struct tm tm;
	time_t now = time(NULL);

	if (wanted(rs, ad_currentTime, 1)) {
		gmtime_r(&now, &tm);
		bv.bv_len = strftime(buf, sizeof(buf), "%Y%m%d%H%M%S.0Z", &tm);
		bv.bv_val = buf;
		ap = put(ap, ad_currentTime, &bv, NULL);
	}
	if (wanted(rs, ad_hcusn, 1))
		put_u64(ap, ad_hcusn, now_usn());
}

/* The first value of ad in e, or NULL. */
static struct berval *
first_val(Entry *e, AttributeDescription *ad)
{
	Attribute *a = ad != NULL ? attr_find(e->e_attrs, ad) : NULL;

	return a != NULL && a->a_numvals > 0 ? &a->a_nvals[0] : NULL;
}

/* A growing list of berval copies (tmp memory), with a membership test. */
struct bvlist {
	struct berval *v;
	int n, cap;
};

static int
bvlist_has(struct bvlist *l, struct berval *bv)
{
	for (int i = 0; i < l->n; i++)
		if (ber_bvcmp(&l->v[i], bv) == 0)
			return 1;
	return 0;
}

/* Add a copy of bv unless present; returns 1 if added. */
static int
bvlist_add(Operation *op, struct bvlist *l, struct berval *bv)
{
	if (bvlist_has(l, bv) || l->n >= CHAIN_MAX)
		return 0;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = op->o_tmprealloc(l->v, l->cap * sizeof(*l->v),
		                        op->o_tmpmemctx);
	}
	ber_dupbv_x(&l->v[l->n++], bv, op->o_tmpmemctx);
	return 1;
}

static void
bvlist_free(Operation *op, struct bvlist *l)
{
	for (int i = 0; i < l->n; i++)
		op->o_tmpfree(l->v[i].bv_val, op->o_tmpmemctx);
	op->o_tmpfree(l->v, op->o_tmpmemctx);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* Values of ad on the entry ndn (NULL if none); free with
 * ber_bvarray_free_x(vals, op->o_tmpmemctx). */
static BerVarray
attr_of(Operation *op, struct berval *ndn, AttributeDescription *ad)
{
	BerVarray vals = NULL;

	if (backend_attribute(op, NULL, ndn, ad, &vals, ACL_NONE) !=
	    LDAP_SUCCESS)
		return NULL;
	return vals;
}

/*
 * Close the set l (group or member DNs) over ad: add every value of ad of
 * every entry in l, breadth first, until nothing new (or CHAIN_MAX).
 */
static void
close_over(Operation *op, struct bvlist *l, AttributeDescription *ad)
{
	for (int i = 0; i < l->n; i++) {
		struct berval dn = l->v[i];
		BerVarray vals = attr_of(op, &dn, ad);

		for (int j = 0; vals != NULL && !BER_BVISNULL(&vals[j]); j++)
			bvlist_add(op, l, &vals[j]);
		if (vals != NULL)
			ber_bvarray_free_x(vals, op->o_tmpmemctx);
	}
}

/* tokenGroups: the primary group's SID and every group reached through
 * memberOf, transitively (AD: security groups; minidc has only those). */
static void
token_groups(Operation *op, Entry *e, Attribute **ap)
{
	struct berval *sid = first_val(e, ad_objectSid);
	struct berval *pgid = first_val(e, ad_primaryGroupID);
	struct bvlist groups = {0}, sids = {0};
	Attribute *a = NULL, *mo;
	unsigned char psid[MDC_ADSID_MAX];
	struct berval bv;

	if (sid == NULL || sid->bv_len < 12 || sid->bv_len > MDC_ADSID_MAX)
		return;
	if (pgid != NULL) {
		unsigned long rid = strtoul(pgid->bv_val, NULL, 10);

		memcpy(psid, sid->bv_val, sid->bv_len);
		for (int i = 0; i < 4; i++)
			psid[sid->bv_len - 4 + i] =
			        (unsigned char)(rid >> (8 * i));
		bv.bv_val = (char *)psid;
		bv.bv_len = sid->bv_len;
		bvlist_add(op, &sids, &bv);
	}
	mo = attr_find(e->e_attrs, ad_memberOf);
	for (unsigned i = 0; mo != NULL && i < mo->a_numvals; i++)
		bvlist_add(op, &groups, &mo->a_nvals[i]);
	close_over(op, &groups, ad_memberOf);
	for (int i = 0; i < groups.n; i++) {
		BerVarray gs = attr_of(op, &groups.v[i], ad_objectSid);

		if (gs != NULL && !BER_BVISNULL(&gs[0]))
			bvlist_add(op, &sids, &gs[0]);
		if (gs != NULL)
			ber_bvarray_free_x(gs, op->o_tmpmemctx);
	}
	if (sids.n > 0) {
		a = attr_alloc(ad_tokenGroups);
		a->a_numvals = (unsigned)sids.n;
		a->a_vals = ch_malloc((sids.n + 1) * sizeof(struct berval));
		for (int i = 0; i < sids.n; i++)
			ber_dupbv(&a->a_vals[i], &sids.v[i]);
		BER_BVZERO(&a->a_vals[sids.n]);
		a->a_nvals = a->a_vals;
		*ap = a;
	}
	bvlist_free(op, &groups);
	bvlist_free(op, &sids);
}

/* uSNChanged from entryCSN, uSNCreated from createTimestamp. */
static Attribute **
usn_attrs(SlapReply *rs, Entry *e, Attribute **ap)
{
	struct berval *csn = first_val(e, slap_schema.si_ad_entryCSN);
	struct berval *ct = first_val(e, slap_schema.si_ad_createTimestamp);

	if (csn != NULL && wanted(rs, ad_usnChanged, 1))
		ap = put_u64(ap, ad_usnChanged,
		             mdc_adsid_usn(csn->bv_val, csn->bv_len));
	if (ct != NULL && wanted(rs, ad_usnCreated, 1))
		ap = put_u64(ap, ad_usnCreated,
		             mdc_adsid_usn(ct->bv_val, ct->bv_len));
	return ap;
}

static int
mdcad_operational(Operation *op, SlapReply *rs)
{
	Attribute **ap;
	Entry *e = rs->sr_entry;

	if (e == NULL || rs->sr_type != REP_SEARCH)
		return SLAP_CB_CONTINUE;
	/* Never to a replication consumer (syncrepl asks for "+"): it would
	 * store the constructed values as attributes of its copy, which then
	 * fails every modify's schema check.  syncprov marks the changes it
	 * queues for a persistent search IGNORED, so any flag counts. */
	if (op->o_sync != SLAP_CONTROL_NONE)
		return SLAP_CB_CONTINUE;
	for (ap = &rs->sr_operational_attrs; *ap != NULL; ap = &(*ap)->a_next)
		;
	if (BER_BVISEMPTY(&e->e_nname)) {
		rootdse_attrs(rs, ap);
		return SLAP_CB_CONTINUE;
	}
	if (wanted(rs, ad_dn, 1))
		ap = put(ap, ad_dn, &e->e_name, &e->e_nname);
	ap = usn_attrs(rs, e, ap);
	/* Constructed in AD only for base-scope reads. */
	if (op->o_tag == LDAP_REQ_SEARCH && op->ors_scope == LDAP_SCOPE_BASE &&
	    rs->sr_attrs != NULL && ad_inlist(ad_tokenGroups, rs->sr_attrs))
		token_groups(op, e, ap);
	return SLAP_CB_CONTINUE;
}

/* Replace an assertion's value by a tmp copy of v. */
static void
set_value(Operation *op, AttributeAssertion *aa, const void *v, size_t len)
{
	op->o_tmpfree(aa->aa_value.bv_val, op->o_tmpmemctx);
	aa->aa_value.bv_val = op->o_tmpalloc(len + 1, op->o_tmpmemctx);
	memcpy(aa->aa_value.bv_val, v, len);
	aa->aa_value.bv_val[len] = '\0';
	aa->aa_value.bv_len = len;
}

/* (objectSid=S-1-5-21-...) -> the binary SID. */
static void
fix_sid(Operation *op, Filter *f)
{
	unsigned char bin[MDC_ADSID_MAX];
	size_t n;

	n = mdc_adsid_parse(f->f_av_value.bv_val, f->f_av_value.bv_len, bin);
	if (n == 0)
		return;
	set_value(op, f->f_ava, bin, n);
	f->f_choice &= ~SLAPD_FILTER_UNDEFINED;
}

/* The naming context a search runs in (normalized), or NULL. */
static struct berval *
search_suffix(Operation *op)
{
	BackendDB *be = select_backend(&op->o_req_ndn, 0);

	return be != NULL && be->be_nsuffix != NULL ? &be->be_nsuffix[0] : NULL;
}

/* (objectCategory=person) -> CN=Person,CN=Schema,CN=Configuration,<NC>. */
static void
fix_category(Operation *op, Filter *f)
{
	struct berval *suffix = search_suffix(op), dn, ndn;
	char name[128], buf[512];
	int n;

	if (suffix == NULL || f->f_av_value.bv_len >= sizeof(name) ||
	    memchr(f->f_av_value.bv_val, '=', f->f_av_value.bv_len) != NULL)
		return;
	memcpy(name, f->f_av_value.bv_val, f->f_av_value.bv_len);
	name[f->f_av_value.bv_len] = '\0';
	n = snprintf(buf, sizeof(buf), "cn=%s,cn=schema,cn=configuration,%s",
	             mdc_adsid_category(name), suffix->bv_val);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return;
	dn.bv_val = buf;
	dn.bv_len = (ber_len_t)n;
	if (dnNormalize(0, NULL, NULL, &dn, &ndn, op->o_tmpmemctx) !=
	    LDAP_SUCCESS)
		return;
	op->o_tmpfree(f->f_av_value.bv_val, op->o_tmpmemctx);
	f->f_av_value = ndn;
	f->f_choice &= ~SLAPD_FILTER_UNDEFINED;
}

/* An equality node ad=value (tmp memory). */
static Filter *
eq_node(Operation *op, AttributeDescription *ad, struct berval *val,
        Filter *next)
{
	Filter *f = op->o_tmpalloc(sizeof(Filter), op->o_tmpmemctx);
	AttributeAssertion *aa =
	        op->o_tmpcalloc(1, sizeof(AttributeAssertion), op->o_tmpmemctx);

	aa->aa_desc = ad;
	ber_dupbv_x(&aa->aa_value, val, op->o_tmpmemctx);
	f->f_choice = LDAP_FILTER_EQUALITY;
	f->f_ava = aa;
	f->f_next = next;
	return f;
}

/*
 * attr:1.2.840.113556.1.4.1941:=DN (LDAP_MATCHING_RULE_IN_CHAIN) becomes
 * an OR of equalities: memberOf with DN and every group nested in it
 * (through member), or member with DN and every group DN is nested in
 * (through memberOf).
 */
static void
fix_chain(Operation *op, Filter *f)
{
	MatchingRuleAssertion *ma = f->f_mra;
	AttributeDescription *ad = ma->ma_desc, *via;
	struct bvlist set = {0};
	Filter *list = NULL;

	if (ad == ad_memberOf)
		via = ad_member;
	else if (ad == ad_member)
		via = ad_memberOf;
	else
		return;
	bvlist_add(op, &set, &ma->ma_value);
	close_over(op, &set, via);
	for (int i = set.n - 1; i >= 0; i--)
		list = eq_node(op, ad, &set.v[i], list);
	bvlist_free(op, &set);
	mra_free(op, ma, 1);
	f->f_choice = LDAP_FILTER_OR;
	f->f_list = list;
}

/*
 * (uSNChanged>=N) / (uSNChanged<=N) -> entryCSN ordering, (uSNCreated>=N)
 * / <= -> createTimestamp: what the constructed USNs are computed from.
 */
static void
fix_usn(Operation *op, Filter *f)
{
	int ge = (f->f_choice & SLAPD_FILTER_MASK) == LDAP_FILTER_GE;
	int csn = f->f_av_desc == ad_usnChanged;
	AttributeDescription *to = csn ? slap_schema.si_ad_entryCSN
	                               : slap_schema.si_ad_createTimestamp;
	char buf[48];
	unsigned long long usn;
	char *end;

	usn = strtoull(f->f_av_value.bv_val, &end, 10);
	if (end == f->f_av_value.bv_val || *end != '\0' ||
	    !mdc_adsid_usn_bound(usn, csn, !ge, buf))
		return;
	set_value(op, f->f_ava, buf, strlen(buf));
	f->f_av_desc = to;
	f->f_choice &= ~SLAPD_FILTER_UNDEFINED;
}

static void
fix_filter(Operation *op, Filter *f)
{
	for (; f != NULL; f = f->f_next) {
		switch (f->f_choice & SLAPD_FILTER_MASK) {
		case LDAP_FILTER_AND:
		case LDAP_FILTER_OR:
			fix_filter(op, f->f_list);
			break;
		case LDAP_FILTER_NOT:
			fix_filter(op, f->f_not);
			break;
		case LDAP_FILTER_EQUALITY:
			if (f->f_av_desc == ad_objectSid)
				fix_sid(op, f);
			else if (f->f_av_desc == ad_objectCategory &&
			         (f->f_choice & SLAPD_FILTER_UNDEFINED))
				fix_category(op, f);
			break;
		case LDAP_FILTER_GE:
		case LDAP_FILTER_LE:
			if (f->f_av_desc == ad_usnChanged ||
			    f->f_av_desc == ad_usnCreated)
				fix_usn(op, f);
			break;
		case LDAP_FILTER_EXT:
			if (mr_in_chain != NULL && f->f_mra != NULL &&
			    f->f_mra->ma_rule == mr_in_chain &&
			    f->f_mra->ma_desc != NULL)
				fix_chain(op, f);
			break;
		default:
			break;
		}
	}
}

/* ---- AD's DN forms (mdcExtendedDN=<form>, see dnhook.c) ---- */

/* The domain database: the first one whose suffix is dc=... */
static BackendDB *
domain_db(void)
{
	BackendDB *be;

	LDAP_STAILQ_FOREACH(be, &backendDB, be_next)
	{
		if (be->be_nsuffix != NULL &&
		    !BER_BVISNULL(&be->be_nsuffix[0]) &&
		    strncasecmp(be->be_nsuffix[0].bv_val, "dc=", 3) == 0)
			return be;
	}
	return NULL;
}

struct found {
	struct berval dn, ndn;
	int n;
};

static int
found_cb(Operation *op, SlapReply *rs)
{
	struct found *f = op->o_callback->sc_private;

	if (rs->sr_type == REP_SEARCH && rs->sr_entry != NULL) {
		if (f->n++ == 0) {
			ber_dupbv_x(&f->dn, &rs->sr_entry->e_name,
			            op->o_tmpmemctx);
			ber_dupbv_x(&f->ndn, &rs->sr_entry->e_nname,
			            op->o_tmpmemctx);
		}
	}
	return 0;
}

/* The one entry of the domain matching filter (as the DC itself); 0 if
 * exactly one. */
static int
find_one(Operation *op, BackendDB *be, const char *filter, struct found *f)
{
	Operation op2 = *op;
	SlapReply rs2 = {REP_RESULT};
	slap_callback cb = {NULL, found_cb, NULL, f};
	Filter *flt = str2filter_x(op, filter);

	memset(f, 0, sizeof(*f));
	if (flt == NULL)
		return -1;
	op2.o_tag = LDAP_REQ_SEARCH;
	op2.o_bd = be;
	op2.o_dn = be->be_rootdn;
	op2.o_ndn = be->be_rootndn;
	op2.o_req_dn = be->be_suffix[0];
	op2.o_req_ndn = be->be_nsuffix[0];
	op2.o_callback = &cb;
	op2.ors_scope = LDAP_SCOPE_SUBTREE;
	op2.ors_deref = LDAP_DEREF_NEVER;
	op2.ors_slimit = 2;
	op2.ors_tlimit = SLAP_NO_LIMIT;
	op2.ors_limit = NULL;
	op2.ors_attrs = slap_anlist_no_attrs;
	op2.ors_attrsonly = 1;
	op2.ors_filter = flt;
	filter2bv_x(op, flt, &op2.ors_filterstr);
	be->be_search(&op2, &rs2);
	op->o_tmpfree(op2.ors_filterstr.bv_val, op->o_tmpmemctx);
	filter_free_x(op, flt, 1);
	if (f->n == 1)
		return 0;
	if (f->n > 1) {
		op->o_tmpfree(f->dn.bv_val, op->o_tmpmemctx);
		op->o_tmpfree(f->ndn.bv_val, op->o_tmpmemctx);
	}
	return -1;
}

/* "\xx" for every byte of v into out (cap bytes); 0 if it does not fit. */
static int
escape_bytes(const unsigned char *v, size_t n, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";

	if (3 * n + 1 > cap)
		return 0;
	for (size_t i = 0; i < n; i++) {
		*out++ = '\\';
		*out++ = hex[v[i] >> 4];
		*out++ = hex[v[i] & 15];
	}
	*out = '\0';
	return 1;
}

/* <WKGUID=guid,DN>: the DN in DN's wellKnownObjects B:32:<guid>:<DN>. */
static int
resolve_wkguid(Operation *op, const char *v, size_t n, struct found *f)
{
	const char *comma = memchr(v, ',', n);
	struct berval dn, ndn;
	AttributeDescription *ad = NULL;
	BerVarray vals;
	const char *text;
	int ret = -1;

	memset(f, 0, sizeof(*f));
	if (comma == NULL || comma - v != 32 ||
	    slap_str2ad("wellKnownObjects", &ad, &text) != LDAP_SUCCESS)
		return -1;
	/* dnNormalize wants a NUL-terminated value. */
	dn.bv_len = n - 33;
	dn.bv_val = op->o_tmpalloc(dn.bv_len + 1, op->o_tmpmemctx);
	memcpy(dn.bv_val, comma + 1, dn.bv_len);
	dn.bv_val[dn.bv_len] = '\0';
	ret = dnNormalize(0, NULL, NULL, &dn, &ndn, op->o_tmpmemctx);
	op->o_tmpfree(dn.bv_val, op->o_tmpmemctx);
	if (ret != LDAP_SUCCESS)
		return -1;
	ret = -1;
	vals = attr_of(op, &ndn, ad);
	for (int i = 0; vals != NULL && !BER_BVISNULL(&vals[i]) && ret != 0;
	     i++) {
		struct berval *w = &vals[i], t;

		if (w->bv_len <= 38 || strncmp(w->bv_val, "B:32:", 5) != 0 ||
		    strncasecmp(w->bv_val + 5, v, 32) != 0 ||
		    w->bv_val[37] != ':')
			continue;
		t.bv_val = w->bv_val + 38;
		t.bv_len = w->bv_len - 38;
		if (dnPrettyNormal(NULL, &t, &f->dn, &f->ndn,
		                   op->o_tmpmemctx) == LDAP_SUCCESS)
			ret = 0;
	}
	if (vals != NULL)
		ber_bvarray_free_x(vals, op->o_tmpmemctx);
	op->o_tmpfree(ndn.bv_val, op->o_tmpmemctx);
	return ret;
}

/* The NetBIOS domain minidc derives: the naming context's first label. */
static int
netbios_matches(BackendDB *be, const char *dom, size_t n)
{
	struct berval *s = &be->be_nsuffix[0];

	return s->bv_len > 3 + n && strncasecmp(s->bv_val, "dc=", 3) == 0 &&
	       strncasecmp(s->bv_val + 3, dom, n) == 0 &&
	       (s->bv_val[3 + n] == ',' || s->bv_val[3 + n] == '\0');
}

/* An account name: UPN (then sAMAccountName) or NETBIOS\name. */
static int
resolve_account(Operation *op, BackendDB *be, const char *v, size_t n,
                struct found *f)
{
	const char *bs = memchr(v, '\\', n), *at = memchr(v, '@', n);
	char esc[3 * MDCAD_EXTDN_MAX + 1], filter[3 * MDCAD_EXTDN_MAX + 64];

	if (bs != NULL) {
		if (!netbios_matches(be, v, (size_t)(bs - v)) ||
		    !escape_bytes((const unsigned char *)bs + 1,
		                  n - (size_t)(bs - v) - 1, esc, sizeof(esc)))
			return -1;
		snprintf(filter, sizeof(filter), "(sAMAccountName=%s)", esc);
		return find_one(op, be, filter, f);
	}
	if (at == NULL ||
	    !escape_bytes((const unsigned char *)v, n, esc, sizeof(esc)))
		return -1;
	snprintf(filter, sizeof(filter), "(userPrincipalName=%s)", esc);
	if (find_one(op, be, filter, f) == 0)
		return 0;
	if (!escape_bytes((const unsigned char *)v, (size_t)(at - v), esc,
	                  sizeof(esc)))
		return -1;
	snprintf(filter, sizeof(filter), "(sAMAccountName=%s)", esc);
	return find_one(op, be, filter, f);
}

/* Resolve the AD form v (n bytes) to an entry's DN. */
static int
resolve_form(Operation *op, const char *v, size_t n, struct found *f)
{
	BackendDB *be = domain_db();
	unsigned char bin[MDC_ADSID_MAX];
	char esc[3 * MDC_ADSID_MAX + 1], filter[3 * MDC_ADSID_MAX + 32];
	size_t len;

	memset(f, 0, sizeof(*f));
	if (be == NULL)
		return -1;
	if (v[0] != '<')
		return resolve_account(op, be, v, n, f);
	if (n < 2 || v[n - 1] != '>')
		return -1;
	v++;
	n -= 2;
	if (n > 7 && strncasecmp(v, "WKGUID=", 7) == 0)
		return resolve_wkguid(op, v + 7, n - 7, f);
	if (n > 5 && strncasecmp(v, "GUID=", 5) == 0) {
		if (!mdc_adsid_guid_parse(v + 5, n - 5, bin))
			return -1;
		escape_bytes(bin, 16, esc, sizeof(esc));
		snprintf(filter, sizeof(filter), "(objectGUID=%s)", esc);
		return find_one(op, be, filter, f);
	}
	if (n > 4 && strncasecmp(v, "SID=", 4) == 0) {
		len = mdc_adsid_parse(v + 4, n - 4, bin);
		if (len == 0 || !escape_bytes(bin, len, esc, sizeof(esc)))
			return -1;
		snprintf(filter, sizeof(filter), "(objectSid=%s)", esc);
		return find_one(op, be, filter, f);
	}
	return -1;
}

/*
 * If the request DN is mdcExtendedDN=<form>, replace it by the DN the
 * form names.  Returns 0 (nothing to do or replaced) or -1 (unresolved).
 */
static int
fix_req_dn(Operation *op)
{
	static const char pfx[] = "mdcextendeddn=";
	LDAPDN dn = NULL;
	struct found f;
	int ret = -1;

	if (op->o_req_ndn.bv_len < sizeof(pfx) ||
	    strncasecmp(op->o_req_ndn.bv_val, pfx, sizeof(pfx) - 1) != 0)
		return 0;
	if (ldap_bv2dn_x(&op->o_req_dn, &dn, LDAP_DN_FORMAT_LDAP,
	                 op->o_tmpmemctx) != LDAP_SUCCESS ||
	    dn == NULL || dn[0] == NULL || dn[1] != NULL || dn[0][0] == NULL ||
	    dn[0][1] != NULL)
		goto out;
	if (resolve_form(op, dn[0][0]->la_value.bv_val,
	                 dn[0][0]->la_value.bv_len, &f) != 0)
		goto out;
	op->o_tmpfree(op->o_req_dn.bv_val, op->o_tmpmemctx);
	op->o_tmpfree(op->o_req_ndn.bv_val, op->o_tmpmemctx);
	op->o_req_dn = f.dn;
	op->o_req_ndn = f.ndn;
	ret = 0;
out:
	if (dn != NULL)
		ldap_dnfree_x(dn, op->o_tmpmemctx);
	return ret;
}

static int
mdcad_search(Operation *op, SlapReply *rs)
{
	if (fix_req_dn(op) != 0) {
		send_ldap_error(op, rs, LDAP_NO_SUCH_OBJECT,
		                "no object for this extended DN");
		return rs->sr_err;
	}
	if (op->ors_filter != NULL && !BER_BVISEMPTY(&op->o_req_ndn))
		fix_filter(op, op->ors_filter);
	return SLAP_CB_CONTINUE;
}

/*
 * AD answers a GSS-SPNEGO bind with no token (Samba's libads probes the
 * server's mechanisms so) with a SPNEGO NegTokenInit listing MS-Kerberos
 * and Kerberos; Cyrus SASL in slapd answers operationsError.  Reply as AD;
 * the client then starts its real GSS-SPNEGO bind, which Cyrus handles.
 */
static const unsigned char spnego_init[] = {
        0x60, 0x52, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02, 0xa0, 0x48,
        0x30, 0x46, 0xa0, 0x18, 0x30, 0x16, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x82,
        0xf7, 0x12, 0x01, 0x02, 0x02, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
        0x12, 0x01, 0x02, 0x02, 0xa3, 0x2a, 0x30, 0x28, 0xa0, 0x26, 0x1b, 0x24,
        'n',  'o',  't',  '_',  'd',  'e',  'f',  'i',  'n',  'e',  'd',  '_',
        'i',  'n',  '_',  'R',  'F',  'C',  '4',  '1',  '7',  '8',  '@',  'p',
        'l',  'e',  'a',  's',  'e',  '_',  'i',  'g',  'n',  'o',  'r',  'e',
};

static int
spnego_probe(Operation *op, SlapReply *rs)
{
	struct berval blob;
	int probe;

	if (op->orb_method != LDAP_AUTH_SASL || op->orb_mech.bv_len != 10 ||
	    strncasecmp(op->orb_mech.bv_val, "GSS-SPNEGO", 10) != 0)
		return 0;
	ldap_pvt_thread_mutex_lock(&op->o_conn->c_mutex);
	probe = op->orb_cred.bv_len == 0 &&
	        !op->o_conn->c_sasl_bind_in_progress;
	/*
	 * Our answer left the connection "in progress" (slapd's bind callback
	 * saw saslBindInProgress) without a Cyrus exchange.  The client's next
	 * bind starting a new SPNEGO exchange (an InitialContextToken, 0x60;
	 * later GSS-SPNEGO tokens are NegTokenResp, 0xa1) must start one, not
	 * step a context never started.
	 */
	if (op->orb_cred.bv_len > 0 &&
	    (unsigned char)op->orb_cred.bv_val[0] == 0x60)
		op->o_conn->c_sasl_bind_in_progress = 0;
	ldap_pvt_thread_mutex_unlock(&op->o_conn->c_mutex);
	if (!probe)
		return 0;
	blob.bv_val = (char *)spnego_init;
	blob.bv_len = sizeof(spnego_init);
	rs->sr_err = LDAP_SASL_BIND_IN_PROGRESS;
	rs->sr_sasldata = &blob;
	send_ldap_sasl(op, rs);
	rs->sr_sasldata = NULL;
	return 1;
}

static int
mdcad_bind(Operation *op, SlapReply *rs)
{
	if (spnego_probe(op, rs))
		return rs->sr_err;
	if (fix_req_dn(op) != 0) {
		send_ldap_error(op, rs, LDAP_INVALID_CREDENTIALS, NULL);
		return rs->sr_err;
	}
	if (mdc_bindlock_bind(op, rs))
		return rs->sr_err;
	return SLAP_CB_CONTINUE;
}

/* Look up n attribute types; 1 (and a log line) if one is missing. */
static int
find_ads(const struct mdc_slapo_ad *ads, size_t n)
{
	const char *text;

	for (size_t i = 0; i < n; i++) {
		if (slap_str2ad(ads[i].name, ads[i].ad, &text) !=
		    LDAP_SUCCESS) {
			Debug(LDAP_DEBUG_ANY,
			      "mdcad: attribute type %s missing from the "
			      "schema\n",
			      ads[i].name);
			return 1;
		}
	}
	return 0;
}

/* The attribute types come from minidc's schema (dc/schema), which
 * slapd.conf loads before this overlay is configured. */
static int
mdcad_db_init(BackendDB *be, ConfigReply *cr)
{
	static const struct mdc_slapo_ad ads[] = {
	        {"currentTime", &ad_currentTime},
	        {"highestCommittedUSN", &ad_hcusn},
	        {"distinguishedName", &ad_dn},
	        {"tokenGroups", &ad_tokenGroups},
	        {"uSNChanged", &ad_usnChanged},
	        {"uSNCreated", &ad_usnCreated},
	        {"objectSid", &ad_objectSid},
	        {"primaryGroupID", &ad_primaryGroupID},
	        {"memberOf", &ad_memberOf},
	        {"member", &ad_member},
	        {"objectCategory", &ad_objectCategory},
	        {"defaultNamingContext", &ad_defaultNC},
	};

	return find_ads(ads, sizeof(ads) / sizeof(ads[0])) ||
	       find_ads(mdc_bindlock_ads, mdc_bindlock_nads);
}

/* The in-chain rule must exist for slapd to parse such filters. */
static slap_mrule_defs_rec in_chain_def = {
        "( " IN_CHAIN_OID " NAME 'mdcInChainMatch' "
        "SYNTAX 1.3.6.1.4.1.1466.115.121.1.12 )",
        SLAP_MR_EQUALITY | SLAP_MR_EXT,
        NULL,
        NULL,
        dnNormalize,
        dnMatch,
        NULL,
        NULL,
        NULL,
};

int
init_module(int argc, char *argv[])
{
	int rc;

	rc = register_matching_rule(&in_chain_def);
	if (rc != 0)
		return rc;
	mr_in_chain = mr_find(IN_CHAIN_OID);
	mdcad.on_bi.bi_type = "mdcad";
	mdcad.on_bi.bi_db_init = mdcad_db_init;
	mdcad.on_bi.bi_op_search = mdcad_search;
	mdcad.on_bi.bi_op_bind = mdcad_bind;
	mdcad.on_bi.bi_operational = mdcad_operational;
	rc = overlay_register(&mdcad);
	return rc != 0 ? rc : mdc_csnguard_register();
}
