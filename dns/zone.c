/* dns/zone.c - immutable zone snapshots with pre-rendered answers */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ad/dnswire.h"
#include "dns/zone.h"

/* One RR (or an empty non-terminal candidate) while building. */
struct item {
	uint8_t name[DNS_NAME_MAX + 1];
	uint16_t nlen;
	uint16_t type;
	const ldns_rr *rr; /* NULL: ancestor name only */
	int32_t ent;
	int32_t zone; /* index into s->zones */
};

void
dns_entry_clear(struct dns_entry *e)
{
	free(e->dn);
	free(e->owner);
	free(e->xfr_allow);
	if (e->name != NULL)
		ldns_rdf_deep_free(e->name);
	if (e->rrs != NULL)
		ldns_rr_list_deep_free(e->rrs);
	memset(e, 0, sizeof(*e));
}

int
dns_entry_copy(struct dns_entry *dst, const struct dns_entry *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->dn = src->dn != NULL ? strdup(src->dn) : NULL;
	dst->owner = src->owner != NULL ? strdup(src->owner) : NULL;
	dst->xfr_allow = src->xfr_allow != NULL ? strdup(src->xfr_allow) : NULL;
	dst->name = ldns_rdf_clone(src->name);
	dst->rrs = src->rrs != NULL ? ldns_rr_list_clone(src->rrs)
	                            : ldns_rr_list_new();
	if ((src->dn != NULL && dst->dn == NULL) ||
	    (src->owner != NULL && dst->owner == NULL) ||
	    (src->xfr_allow != NULL && dst->xfr_allow == NULL) ||
	    dst->name == NULL || dst->rrs == NULL) {
		dns_entry_clear(dst);
		return MDC_ENOMEM;
	}
	return 0;
}

uint32_t
dns_name_hash(const uint8_t *name, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= name[i];
		h *= 16777619u;
	}
	return h;
}

static int
arena_put(struct dns_snapshot *s, const void *p, size_t n, uint32_t *off_out)
{
	if (s->arena_len + n > s->arena_cap) {
		size_t cap = s->arena_cap ? s->arena_cap * 2 : 4096;
		while (cap < s->arena_len + n)
			cap *= 2;
		uint8_t *a = realloc(s->arena, cap);
		if (a == NULL)
			return MDC_ENOMEM;
		s->arena = a;
		s->arena_cap = cap;
	}
	if (off_out != NULL)
		*off_out = (uint32_t)s->arena_len;
	memcpy(s->arena + s->arena_len, p, n);
	s->arena_len += n;
	return 0;
}

static int
put16(struct dns_snapshot *s, uint16_t v)
{
	uint8_t b[2] = {v >> 8, v & 0xff};

	return arena_put(s, b, 2, NULL);
}

/* Type, class, TTL, RDLENGTH and RDATA of rr (uncompressed), ttl forced. */
static int
put_rr_tail(struct dns_snapshot *s, const ldns_rr *rr, uint32_t ttl)
{
	size_t rdlen = 0;
	uint8_t b[4] = {ttl >> 24, ttl >> 16, ttl >> 8, ttl};
	int ret;

	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++)
		rdlen += ldns_rdf_size(ldns_rr_rdf(rr, i));
	if (rdlen > 65535)
		return MDC_ERANGE;
	if ((ret = put16(s, ldns_rr_get_type(rr))) != 0 ||
	    (ret = put16(s, ldns_rr_get_class(rr))) != 0 ||
	    (ret = arena_put(s, b, 4, NULL)) != 0 ||
	    (ret = put16(s, (uint16_t)rdlen)) != 0)
		return ret;
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		const ldns_rdf *f = ldns_rr_rdf(rr, i);
		if ((ret = arena_put(s, ldns_rdf_data(f), ldns_rdf_size(f),
		                     NULL)) != 0)
			return ret;
	}
	return 0;
}

/* An RR whose owner is the question name: pointer to offset 12. */
static int
put_rr_qname(struct dns_snapshot *s, const ldns_rr *rr)
{
	static const uint8_t ptr[2] = {0xc0, 0x0c};
	int ret;

	ret = arena_put(s, ptr, 2, NULL);
	return ret != 0 ? ret : put_rr_tail(s, rr, ldns_rr_ttl(rr));
}

static int
cmp_item(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;
	size_t n = a->nlen < b->nlen ? a->nlen : b->nlen;
	int c = memcmp(a->name, b->name, n);

	if (c != 0)
		return c;
	if (a->nlen != b->nlen)
		return a->nlen < b->nlen ? -1 : 1;
	return (int)a->type - (int)b->type;
}

struct build {
	struct dns_snapshot *s;
	struct item *it;
	size_t n, cap;
};

static int
add_item(struct build *b, const uint8_t *name, size_t nlen, const ldns_rr *rr,
         int32_t ent, int32_t zone)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct item *p = realloc(b->it, cap * sizeof(*p));
		if (p == NULL)
			return MDC_ENOMEM;
		b->it = p;
		b->cap = cap;
	}
	struct item *i = &b->it[b->n++];
	memcpy(i->name, name, nlen);
	i->nlen = (uint16_t)nlen;
	i->type = rr != NULL ? ldns_rr_get_type(rr) : 0;
	i->rr = rr;
	i->ent = ent;
	i->zone = zone;
	return 0;
}

/* Add an item per RR of entry e plus its ancestors up to the apex. */
static int
add_entry_items(struct build *b, const struct dns_entry *e, int32_t idx)
{
	const struct dns_snapshot *s = b->s;
	const struct dns_zone *z;
	uint8_t name[DNS_NAME_MAX + 1];
	size_t nlen, off, apex_off;
	int ret;

	for (size_t j = 0; j < ldns_rr_list_rr_count(e->rrs); j++) {
		const ldns_rr *rr = ldns_rr_list_rr(e->rrs, j);
		const ldns_rdf *o = ldns_rr_owner(rr);
		nlen = ldns_rdf_size(o);
		if (nlen > DNS_NAME_MAX)
			continue;
		memcpy(name, ldns_rdf_data(o), nlen);
		dns_name_lower(name, nlen);
		z = dns_snapshot_zone(s, name, nlen, &apex_off);
		if (z == NULL)
			continue; /* out of zone data is never served */
		if ((ret = add_item(b, name, nlen, rr, idx,
		                    (int32_t)(z - s->zones))) != 0)
			return ret;
		for (off = name[0] + 1; off <= apex_off && name[0] != 0;
		     off += name[off] + 1)
			if ((ret = add_item(b, name + off, nlen - off, NULL, -1,
			                    (int32_t)(z - s->zones))) != 0)
				return ret;
	}
	return 0;
}

/* Index range [*lo, *hi) of items named name. */
static void
find_items(const struct build *b, const uint8_t *name, size_t nlen,
           size_t *lo_out, size_t *hi_out)
{
	struct item key;
	size_t lo = 0, hi = b->n;

	memcpy(key.name, name, nlen);
	key.nlen = (uint16_t)nlen;
	key.type = 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cmp_item(&b->it[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	hi = lo;
	while (hi < b->n && b->it[hi].nlen == nlen &&
	       memcmp(b->it[hi].name, name, nlen) == 0)
		hi++;
	*lo_out = lo;
	*hi_out = hi;
}

/* The in-zone target name of an NS, MX or SRV record, or NULL. */
static const ldns_rdf *
rr_target(const ldns_rr *rr)
{
	size_t idx;

	switch (ldns_rr_get_type(rr)) {
	case LDNS_RR_TYPE_NS:
		idx = 0;
		break;
	case LDNS_RR_TYPE_MX:
		idx = 1;
		break;
	case LDNS_RR_TYPE_SRV:
		idx = 3;
		break;
	default:
		return NULL;
	}
	if (ldns_rr_rd_count(rr) <= idx ||
	    ldns_rdf_get_type(ldns_rr_rdf(rr, idx)) != LDNS_RDF_TYPE_DNAME)
		return NULL;
	return ldns_rr_rdf(rr, idx);
}

/* Append A/AAAA of the target of each rr in [lo, hi) (deduplicated). */
static int
put_additional(struct build *b, size_t lo, size_t hi, uint16_t *ar)
{
	uint8_t t[DNS_NAME_MAX + 1];
	size_t tl, a, z;
	int ret;

	for (size_t i = lo; i < hi; i++) {
		const ldns_rdf *tg = rr_target(b->it[i].rr);
		int dup = 0;
		if (tg == NULL || (tl = ldns_rdf_size(tg)) > DNS_NAME_MAX)
			continue;
		for (size_t k = lo; k < i && !dup; k++) {
			const ldns_rdf *p = rr_target(b->it[k].rr);
			dup = p != NULL && ldns_dname_compare(p, tg) == 0;
		}
		if (dup)
			continue;
		memcpy(t, ldns_rdf_data(tg), tl);
		dns_name_lower(t, tl);
		find_items(b, t, tl, &a, &z);
		for (; a < z; a++) {
			const ldns_rr *rr = b->it[a].rr;
			if (rr == NULL || (b->it[a].type != DNS_T_A &&
			                   b->it[a].type != DNS_T_AAAA))
				continue;
			if ((ret = arena_put(b->s, t, tl, NULL)) != 0 ||
			    (ret = put_rr_tail(b->s, rr, ldns_rr_ttl(rr))) != 0)
				return ret;
			(*ar)++;
		}
	}
	return 0;
}

static int
new_set(struct dns_snapshot *s, uint16_t type, int32_t *idx_out)
{
	if (s->nsets == s->sets_cap) {
		size_t cap = s->sets_cap ? s->sets_cap * 2 : 64;
		struct dns_set *p = realloc(s->sets, cap * sizeof(*p));
		if (p == NULL)
			return MDC_ENOMEM;
		s->sets = p;
		s->sets_cap = cap;
	}
	struct dns_set *set = &s->sets[s->nsets];
	memset(set, 0, sizeof(*set));
	set->type = type;
	set->off = (uint32_t)s->arena_len;
	*idx_out = (int32_t)s->nsets++;
	return 0;
}

/* Render items [lo, hi) (one type) as a set; additional records if wanted. */
static int
render_set(struct build *b, size_t lo, size_t hi, uint16_t type, int addl,
           int32_t *idx_out)
{
	struct dns_snapshot *s = b->s;
	uint16_t an = 0, ar = 0;
	int32_t idx;
	int ret;

	if ((ret = new_set(s, type, &idx)) != 0)
		return ret;
	for (size_t i = lo; i < hi; i++) {
		if (b->it[i].rr == NULL)
			continue;
		if ((ret = put_rr_qname(s, b->it[i].rr)) != 0)
			return ret;
		an++;
	}
	s->sets[idx].alen = (uint32_t)(s->arena_len - s->sets[idx].off);
	if (addl && (ret = put_additional(b, lo, hi, &ar)) != 0)
		return ret;
	s->sets[idx].an = an;
	s->sets[idx].ar = ar;
	s->sets[idx].len = (uint32_t)(s->arena_len - s->sets[idx].off);
	*idx_out = idx;
	return 0;
}

static int
new_node(struct dns_snapshot *s, struct dns_node **out)
{
	if (s->nnodes == s->nodes_cap) {
		size_t cap = s->nodes_cap ? s->nodes_cap * 2 : 64;
		struct dns_node *p = realloc(s->nodes, cap * sizeof(*p));
		if (p == NULL)
			return MDC_ENOMEM;
		s->nodes = p;
		s->nodes_cap = cap;
	}
	*out = &s->nodes[s->nnodes++];
	memset(*out, 0, sizeof(**out));
	(*out)->cname_set = (*out)->any_set = (*out)->entry = -1;
	return 0;
}

/*
 * For a CNAME whose target is in the zone, one set per RRset type of the
 * target: the CNAME followed by the target's records (RFC 1034 4.3.2), so
 * a resolver needs no second query.  One level only.
 */
static int
chase_cname(struct build *b, const ldns_rr *cname)
{
	struct dns_snapshot *s = b->s;
	uint8_t t[DNS_NAME_MAX + 1];
	size_t tl, a, z, j;
	int32_t idx;
	int ret;

	if (ldns_rr_rd_count(cname) != 1 ||
	    (tl = ldns_rdf_size(ldns_rr_rdf(cname, 0))) > DNS_NAME_MAX)
		return 0;
	memcpy(t, ldns_rdf_data(ldns_rr_rdf(cname, 0)), tl);
	dns_name_lower(t, tl);
	if (dns_snapshot_zone(s, t, tl, NULL) == NULL)
		return 0;
	find_items(b, t, tl, &a, &z);
	for (; a < z; a = j) {
		uint16_t type = b->it[a].type, an = 1;
		for (j = a; j < z && b->it[j].type == type; j++)
			;
		if (b->it[a].rr == NULL || type == DNS_T_CNAME)
			continue;
		if ((ret = new_set(s, type, &idx)) != 0 ||
		    (ret = put_rr_qname(s, cname)) != 0)
			return ret;
		for (size_t k = a; k < j; k++, an++)
			if ((ret = arena_put(s, t, tl, NULL)) != 0 ||
			    (ret = put_rr_tail(s, b->it[k].rr,
			                       ldns_rr_ttl(b->it[k].rr))) != 0)
				return ret;
		s->sets[idx].an = an;
		s->sets[idx].len = s->sets[idx].alen =
		        (uint32_t)(s->arena_len - s->sets[idx].off);
		s->nodes[s->nnodes - 1].nsets++;
	}
	return 0;
}

/* Make the node for items [lo, hi) (one name, sorted by type). */
static int
build_node(struct build *b, size_t lo, size_t hi)
{
	struct dns_snapshot *s = b->s;
	struct dns_node *nd;
	size_t i, j, first;
	int32_t idx;
	int ret;

	if ((ret = new_node(s, &nd)) != 0)
		return ret;
	nd->name_len = b->it[lo].nlen;
	if ((ret = arena_put(s, b->it[lo].name, nd->name_len, &nd->name_off)) !=
	    0)
		return ret;
	for (first = lo; first < hi && b->it[first].rr == NULL; first++)
		;
	if (first == hi)
		return 0; /* empty non-terminal */
	nd->entry = b->it[first].ent;
	nd->first_set = (uint32_t)s->nsets;
	for (i = first; i < hi; i = j) {
		for (j = i; j < hi && b->it[j].type == b->it[i].type; j++)
			;
		if ((ret = render_set(b, i, j, b->it[i].type, 1, &idx)) != 0)
			return ret;
		nd = &s->nodes[s->nnodes - 1];
		nd->nsets++;
		if (b->it[i].type == DNS_T_CNAME)
			nd->cname_set = idx;
	}
	nd = &s->nodes[s->nnodes - 1];
	if (nd->cname_set >= 0 && nd->nsets == 1) {
		for (i = first; b->it[i].type != DNS_T_CNAME; i++)
			;
		if ((ret = chase_cname(b, b->it[i].rr)) != 0)
			return ret;
	}
	if ((ret = render_set(b, first, hi, DNS_T_ANY, 0, &idx)) != 0)
		return ret;
	s->nodes[s->nnodes - 1].any_set = idx;
	return 0;
}

static int
build_table(struct dns_snapshot *s)
{
	size_t size = 16;

	while (size < s->nnodes * 2)
		size *= 2;
	s->table = calloc(size, sizeof(*s->table));
	if (s->table == NULL)
		return MDC_ENOMEM;
	s->table_mask = size - 1;
	for (size_t i = 0; i < s->nnodes; i++) {
		const struct dns_node *nd = &s->nodes[i];
		uint32_t h =
		        dns_name_hash(s->arena + nd->name_off, nd->name_len);
		size_t k = h & s->table_mask;
		while (s->table[k] != 0)
			k = (k + 1) & s->table_mask;
		s->table[k] = (uint32_t)i + 1;
	}
	return 0;
}

/* Negative-answer SOA tail and the AXFR list of zone zi, from its SOA. */
static int
build_soa(struct dns_snapshot *s, const struct build *b, size_t zi)
{
	struct dns_zone *z = &s->zones[zi];
	const ldns_rr *soa = NULL;
	size_t lo, hi, start;
	uint32_t ttl, min;
	int ret;

	find_items(b, z->apex, z->apex_len, &lo, &hi);
	for (; lo < hi && soa == NULL; lo++)
		if (b->it[lo].type == DNS_T_SOA)
			soa = b->it[lo].rr;
	if (soa == NULL || ldns_rr_rd_count(soa) != 7)
		return MDC_EMALF;
	z->serial = ldns_rdf2native_int32(ldns_rr_rdf(soa, 2));
	min = ldns_rdf2native_int32(ldns_rr_rdf(soa, 6));
	ttl = ldns_rr_ttl(soa) < min ? ldns_rr_ttl(soa) : min;
	start = s->arena_len;
	if ((ret = put_rr_tail(s, soa, ttl)) != 0)
		return ret;
	z->neg = malloc(s->arena_len - start);
	if (z->neg == NULL)
		return MDC_ENOMEM;
	z->neg_len = s->arena_len - start;
	memcpy(z->neg, s->arena + start, z->neg_len);
	s->arena_len = start;
	z->axfr = ldns_rr_list_new();
	if (z->axfr == NULL ||
	    !ldns_rr_list_push_rr(z->axfr, ldns_rr_clone(soa)))
		return MDC_ENOMEM;
	for (size_t i = 0; i < b->n; i++)
		if (b->it[i].rr != NULL && b->it[i].type != DNS_T_SOA &&
		    b->it[i].zone == (int32_t)zi &&
		    !ldns_rr_list_push_rr(z->axfr, ldns_rr_clone(b->it[i].rr)))
			return MDC_ENOMEM;
	if (!ldns_rr_list_push_rr(z->axfr, ldns_rr_clone(soa)))
		return MDC_ENOMEM;
	return 0;
}

static int
add_zone(struct dns_snapshot *s, const ldns_rdf *origin)
{
	struct dns_zone *z;
	size_t len = ldns_rdf_size(origin);

	if (len > DNS_NAME_MAX)
		return MDC_EINVAL;
	if (dns_snapshot_zone_at(s, origin) != NULL)
		return 0;
	z = realloc(s->zones, (s->nzones + 1) * sizeof(*z));
	if (z == NULL)
		return MDC_ENOMEM;
	s->zones = z;
	z = &s->zones[s->nzones];
	memset(z, 0, sizeof(*z));
	z->apex_len = len;
	memcpy(z->apex, ldns_rdf_data(origin), len);
	dns_name_lower(z->apex, len);
	z->origin = ldns_rdf_clone(origin);
	s->nzones++;
	return z->origin != NULL ? 0 : MDC_ENOMEM;
}

/* The primary zone, then every entry with a SOA at its own name. */
static int
find_zones(struct dns_snapshot *s, const ldns_rdf *origin,
           const struct dns_entry *ents, size_t n)
{
	int ret = add_zone(s, origin);

	for (size_t i = 0; ret == 0 && i < n; i++)
		for (size_t j = 0;
		     ret == 0 && j < ldns_rr_list_rr_count(ents[i].rrs); j++) {
			const ldns_rr *rr = ldns_rr_list_rr(ents[i].rrs, j);
			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA &&
			    ldns_dname_compare(ldns_rr_owner(rr),
			                       ents[i].name) == 0)
				ret = add_zone(s, ents[i].name);
		}
	return ret;
}

static int
build_all(struct build *b, const struct dns_entry *ents, size_t n)
{
	struct dns_snapshot *s = b->s;
	size_t i, j;
	int ret;

	for (i = 0; i < n; i++)
		if ((ret = add_entry_items(b, &ents[i], (int32_t)i)) != 0)
			return ret;
	qsort(b->it, b->n, sizeof(*b->it), cmp_item);
	for (i = 0; i < b->n; i = j) {
		for (j = i;
		     j < b->n && b->it[j].nlen == b->it[i].nlen &&
		     memcmp(b->it[j].name, b->it[i].name, b->it[i].nlen) == 0;
		     j++)
			;
		if ((ret = build_node(b, i, j)) != 0)
			return ret;
	}
	for (i = 0; i < s->nzones; i++)
		if ((ret = build_soa(s, b, i)) != 0)
			return ret;
	if ((ret = build_table(s)) != 0)
		return ret;
	s->ents = calloc(n ? n : 1, sizeof(*s->ents));
	if (s->ents == NULL)
		return MDC_ENOMEM;
	for (i = 0; i < n; i++, s->nents++)
		if ((ret = dns_entry_copy(&s->ents[i], &ents[i])) != 0)
			return ret;
	return 0;
}

int
dns_snapshot_build(const ldns_rdf *origin, const struct dns_entry *ents,
                   size_t n, struct dns_snapshot **out)
{
	struct build b = {0};
	int ret = MDC_ENOMEM;

	b.s = calloc(1, sizeof(*b.s));
	if (b.s == NULL)
		goto out;
	if ((ret = find_zones(b.s, origin, ents, n)) != 0)
		goto out;
	ret = build_all(&b, ents, n);
out:
	free(b.it);
	if (ret != 0) {
		dns_snapshot_free(b.s);
		return ret;
	}
	*out = b.s;
	return 0;
}

void
dns_snapshot_free(struct dns_snapshot *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nents; i++)
		dns_entry_clear(&s->ents[i]);
	free(s->ents);
	for (size_t i = 0; i < s->nzones; i++) {
		free(s->zones[i].neg);
		if (s->zones[i].origin != NULL)
			ldns_rdf_deep_free(s->zones[i].origin);
		if (s->zones[i].axfr != NULL)
			ldns_rr_list_deep_free(s->zones[i].axfr);
	}
	free(s->zones);
	free(s->arena);
	free(s->sets);
	free(s->nodes);
	free(s->table);
	free(s);
}

const struct dns_node *
dns_snapshot_find(const struct dns_snapshot *s, const uint8_t *name, size_t len)
{
	size_t k = dns_name_hash(name, len) & s->table_mask;
	uint32_t v;

	while ((v = s->table[k]) != 0) {
		const struct dns_node *nd = &s->nodes[v - 1];
		if (nd->name_len == len &&
		    memcmp(s->arena + nd->name_off, name, len) == 0)
			return nd;
		k = (k + 1) & s->table_mask;
	}
	return NULL;
}

const struct dns_zone *
dns_snapshot_zone(const struct dns_snapshot *s, const uint8_t *name, size_t len,
                  size_t *apex_off_out)
{
	const struct dns_zone *best = NULL;
	size_t off, best_off = 0;

	for (size_t i = 0; i < s->nzones; i++)
		if (dns_name_under(name, len, s->zones[i].apex,
		                   s->zones[i].apex_len, &off) &&
		    (best == NULL || off < best_off)) {
			best = &s->zones[i];
			best_off = off;
		}
	if (best != NULL && apex_off_out != NULL)
		*apex_off_out = best_off;
	return best;
}

const struct dns_zone *
dns_snapshot_zone_at(const struct dns_snapshot *s, const ldns_rdf *name)
{
	for (size_t i = 0; i < s->nzones; i++)
		if (ldns_dname_compare(s->zones[i].origin, name) == 0)
			return &s->zones[i];
	return NULL;
}

const struct dns_entry *
dns_snapshot_entry(const struct dns_snapshot *s, const ldns_rdf *name)
{
	uint8_t n[DNS_NAME_MAX + 1];
	size_t len = ldns_rdf_size(name);
	const struct dns_node *nd;

	if (len > DNS_NAME_MAX)
		return NULL;
	memcpy(n, ldns_rdf_data(name), len);
	dns_name_lower(n, len);
	nd = dns_snapshot_find(s, n, len);
	if (nd == NULL || nd->entry < 0)
		return NULL;
	return &s->ents[nd->entry];
}

/* Find or append the entry for owner in *ents. */
static int
entry_for(struct dns_entry **ents, size_t *n, const ldns_rdf *owner,
          struct dns_entry **out)
{
	for (size_t i = 0; i < *n; i++)
		if (ldns_dname_compare((*ents)[i].name, owner) == 0) {
			*out = &(*ents)[i];
			return 0;
		}
	struct dns_entry *p = realloc(*ents, (*n + 1) * sizeof(*p));
	if (p == NULL)
		return MDC_ENOMEM;
	*ents = p;
	memset(&p[*n], 0, sizeof(p[*n]));
	p[*n].name = ldns_rdf_clone(owner);
	p[*n].rrs = ldns_rr_list_new();
	*out = &p[(*n)++];
	return (*out)->name != NULL && (*out)->rrs != NULL ? 0 : MDC_ENOMEM;
}

int
dns_entries_from_zone(const ldns_zone *z, struct dns_entry **ents_out,
                      size_t *n_out)
{
	struct dns_entry *ents = NULL, *e;
	const ldns_rr_list *rrs = ldns_zone_rrs(z);
	size_t n = 0;
	int ret = MDC_EMALF;

	if (ldns_zone_soa(z) == NULL)
		goto out;
	if ((ret = entry_for(&ents, &n, ldns_rr_owner(ldns_zone_soa(z)), &e)) !=
	    0)
		goto out;
	if (!ldns_rr_list_push_rr(e->rrs, ldns_rr_clone(ldns_zone_soa(z)))) {
		ret = MDC_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		if ((ret = entry_for(&ents, &n, ldns_rr_owner(rr), &e)) != 0)
			goto out;
		if (!ldns_rr_list_push_rr(e->rrs, ldns_rr_clone(rr))) {
			ret = MDC_ENOMEM;
			goto out;
		}
	}
	ret = 0;
out:
	if (ret != 0) {
		for (size_t i = 0; i < n; i++)
			dns_entry_clear(&ents[i]);
		free(ents);
		return ret;
	}
	*ents_out = ents;
	*n_out = n;
	return 0;
}

/* RDLENGTH of rr as rendered (uncompressed). */
static size_t
rr_rdlen(const ldns_rr *rr)
{
	size_t n = 0;

	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++)
		n += ldns_rdf_size(ldns_rr_rdf(rr, i));
	return n;
}

/* Header, a question for a name of nlen bytes, and an OPT record. */
static size_t
msg_base(size_t nlen)
{
	return DNS_HDR_LEN + nlen + 4 + DNS_OPT_LEN;
}

static void
why_record(const ldns_rr *rr, size_t need, size_t room, struct mdc_err *why,
           int set)
{
	char *owner = ldns_rdf2str(ldns_rr_owner(rr));
	char *type = ldns_rr_type2str(ldns_rr_get_type(rr));

	if (why != NULL)
		mdc_err_set(
		        why, MDC_ERANGE,
		        set ? "%s %s: the records of this type (%zu bytes of "
		              "data) do not fit one DNS message (room for %zu)"
		            : "%s %s: a record of %zu bytes of data does not "
		              "fit a DNS message (room for %zu with this name)",
		        owner != NULL ? owner : "?", type != NULL ? type : "?",
		        need, room);
	free(owner);
	free(type);
}

/*
 * Check rr against the RRset so far (*set: answer bytes of the kept
 * records of its type, 0 for the first).  0 and *set updated if it fits.
 */
static int
rr_fits(const ldns_rr *rr, size_t *set, struct mdc_err *why)
{
	size_t nlen = ldns_rdf_size(ldns_rr_owner(rr)), rd = rr_rdlen(rr);
	size_t base = msg_base(nlen);

	/* Alone, owner in full (a zone transfer writes it so). */
	if (base + nlen + 10 + rd > DNS_MSG_MAX) {
		size_t room = DNS_MSG_MAX > base + nlen + 10
		                      ? DNS_MSG_MAX - base - nlen - 10
		                      : 0;
		why_record(rr, rd, room, why, 0);
		return MDC_ERANGE;
	}
	/* With its RRset, each owner a 2-byte pointer to the question. */
	if (base + *set + 12 + rd > DNS_MSG_MAX) {
		why_record(rr, *set + 12 + rd, DNS_MSG_MAX - base, why, 1);
		return MDC_ERANGE;
	}
	*set += 12 + rd;
	return 0;
}

/* Answer bytes of the kept records of rr's type and owner before index i. */
static size_t
set_bytes(const ldns_rr_list *rrs, size_t i, const uint8_t *kept,
          const ldns_rr *rr)
{
	size_t n = 0;

	for (size_t j = 0; j < i; j++) {
		const ldns_rr *x = ldns_rr_list_rr(rrs, j);
		if (kept[j] && ldns_rr_get_type(x) == ldns_rr_get_type(rr) &&
		    ldns_dname_compare(ldns_rr_owner(x), ldns_rr_owner(rr)) ==
		            0)
			n += 12 + rr_rdlen(x);
	}
	return n;
}

/* Mark in kept[] the records that fit; returns how many do not. */
static size_t
fit_scan(const ldns_rr_list *rrs, uint8_t *kept, struct mdc_err *why)
{
	size_t bad = 0, set;

	for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		set = set_bytes(rrs, i, kept, rr);
		kept[i] = rr_fits(rr, &set, bad == 0 ? why : NULL) == 0;
		bad += !kept[i];
	}
	return bad;
}

int
dns_rrs_fit(const ldns_rr_list *rrs, struct mdc_err *why)
{
	size_t n = ldns_rr_list_rr_count(rrs);
	uint8_t *kept = calloc(n ? n : 1, 1);
	int ret;

	if (kept == NULL)
		return MDC_ENOMEM;
	ret = fit_scan(rrs, kept, why) == 0 ? 0 : MDC_ERANGE;
	free(kept);
	return ret;
}

size_t
dns_rrs_drop_oversized(ldns_rr_list *rrs, struct mdc_err *why)
{
	size_t n = ldns_rr_list_rr_count(rrs), bad, k = 0;
	uint8_t *kept = calloc(n ? n : 1, 1);

	if (kept == NULL)
		return 0;
	bad = fit_scan(rrs, kept, why);
	for (size_t i = 0; bad > 0 && i < n; i++) {
		ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		if (!kept[i]) {
			ldns_rr_free(rr);
			continue;
		}
		ldns_rr_list_set_rr(rrs, rr, k++);
	}
	if (bad > 0)
		ldns_rr_list_set_rr_count(rrs, k);
	free(kept);
	return bad;
}
