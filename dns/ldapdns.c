/* dns/ldapdns.c - the zone in the directory: idnsZone/idnsRecord <-> RRs */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ad/filter.h"
#include "ad/ldapconn.h"
#include "ad/schema.h"
#include "dns/dns.h"
#include "dns/ldapdns.h"
#include "lib/ad.h"
#include "lib/util.h"

#define DEFAULT_TTL 900
#define SOA_TTL     3600
#define MAX_VALS    256

/* Record types we store, with their attribute (bind-dyndb-ldap names). */
static const struct {
	ldns_rr_type type;
	const char *attr;
} types[] = {
        {LDNS_RR_TYPE_A, "aRecord"},     {LDNS_RR_TYPE_AAAA, "aAAARecord"},
        {LDNS_RR_TYPE_NS, "nSRecord"},   {LDNS_RR_TYPE_CNAME, "cNAMERecord"},
        {LDNS_RR_TYPE_PTR, "pTRRecord"}, {LDNS_RR_TYPE_MX, "mXRecord"},
        {LDNS_RR_TYPE_TXT, "tXTRecord"}, {LDNS_RR_TYPE_SRV, "sRVRecord"},
};
#define NTYPES (sizeof(types) / sizeof(types[0]))

const char *const dns_ldap_filter =
        "(|(objectClass=idnsZone)(objectClass=idnsRecord))";
char *dns_ldap_attrs[] = {
        "objectClass",
        "idnsName",
        "dNSTTL",
        "idnsZoneActive",
        "idnsSOAmName",
        "idnsSOArName",
        "idnsSOAserial",
        "idnsSOArefresh",
        "idnsSOAretry",
        "idnsSOAexpire",
        "idnsSOAminimum",
        DNS_OWNER_ATTR,
        "aRecord",
        "aAAARecord",
        "nSRecord",
        "cNAMERecord",
        "pTRRecord",
        "mXRecord",
        "tXTRecord",
        "sRVRecord",
        "idnsAllowTransfer",
        NULL,
};

/* EXTERNAL needs no interaction: the server takes our socket credentials. */
int
dns_ldap_connect(const struct dns_conf *conf, LDAP **ld_out)
{
	/* EXTERNAL over ldapi: slapd takes our uid/gid from the socket.  No
	 * timeout: the connection lives as long as the server. */
	const struct mdc_ad_ldap_how how = {MDC_AD_LDAP_EXTERNAL, 0};
	const char *uri = conf->ldapi_uri != NULL ? conf->ldapi_uri : "";
	int ret;

	ret = mdc_ad_ldap_connect(uri, &how, ld_out, NULL);
	return ret == 0 || ret == MDC_ENOMEM ? ret : MDC_ELDAP;
}

struct connect_args {
	const struct dns_conf *conf;
	LDAP **ld_out;
};

static int
connect_cb(void *arg)
{
	struct connect_args *a = arg;

	return dns_ldap_connect(a->conf, a->ld_out);
}

int
dns_ldap_connect_as(const struct dns_conf *conf,
                    const struct mdc_privdrop_id *id, LDAP **ld_out)
{
	struct connect_args a = {conf, ld_out};

	return mdc_privdrop_as_peer(id, connect_cb, &a);
}

char *
dns_ldap_container_dn(const struct dns_conf *conf)
{
	return mdc_strdupf("cn=dns,%s", conf->base_dn);
}

char *
dns_ldap_zone_dn(const struct dns_conf *conf)
{
	return mdc_strdupf("idnsName=%s,cn=dns,%s", conf->domain,
	                   conf->base_dn);
}

/* First value of attr as a new string, or NULL. */
static char *
first_val(LDAP *ld, LDAPMessage *e, const char *attr)
{
	struct berval **v = ldap_get_values_len(ld, e, attr);
	char *s = NULL;

	if (v != NULL && v[0] != NULL)
		s = strndup(v[0]->bv_val, v[0]->bv_len);
	ldap_value_free_len(v);
	return s;
}

static int
has_value(LDAP *ld, LDAPMessage *e, const char *attr, const char *val)
{
	struct berval **v = ldap_get_values_len(ld, e, attr);
	int found = 0;

	for (int i = 0; v != NULL && v[i] != NULL && !found; i++)
		found = strlen(val) == v[i]->bv_len &&
		        strncasecmp(v[i]->bv_val, val, v[i]->bv_len) == 0;
	ldap_value_free_len(v);
	return found;
}

static long
num_val(LDAP *ld, LDAPMessage *e, const char *attr, long def)
{
	char *s = first_val(ld, e, attr);
	long v = s != NULL ? strtol(s, NULL, 10) : def;

	free(s);
	return v;
}

/* Parse "<owner> <ttl> IN <type> <text>" and append it to l. */
static int
push_rr(ldns_rr_list *l, const char *owner, long ttl, const char *type,
        const char *text, const ldns_rdf *origin)
{
	char *line = mdc_strdupf("%s %ld IN %s %s", owner, ttl, type, text);
	ldns_rdf *org = ldns_rdf_clone(origin);
	ldns_rr *rr = NULL;
	int ret = MDC_ENOMEM;

	if (line == NULL || org == NULL)
		goto out;
	ret = MDC_EMALF;
	if (ldns_rr_new_frm_str(&rr, line, (uint32_t)ttl, org, NULL) !=
	    LDNS_STATUS_OK)
		goto out;
	ret = ldns_rr_list_push_rr(l, rr) ? 0 : MDC_ENOMEM;
	if (ret == 0)
		rr = NULL;
out:
	if (rr != NULL)
		ldns_rr_free(rr);
	if (org != NULL)
		ldns_rdf_deep_free(org);
	free(line);
	return ret;
}

static int
zone_soa(LDAP *ld, LDAPMessage *e, const char *owner, const ldns_rdf *origin,
         ldns_rr_list *l)
{
	char *m = first_val(ld, e, "idnsSOAmName");
	char *r = first_val(ld, e, "idnsSOArName");
	char *text = NULL;
	int ret = MDC_EMALF;

	if (m == NULL || r == NULL)
		goto out;
	text = mdc_strdupf("%s %s %ld %ld %ld %ld %ld", m, r,
	                   num_val(ld, e, "idnsSOAserial", 1),
	                   num_val(ld, e, "idnsSOArefresh", 900),
	                   num_val(ld, e, "idnsSOAretry", 600),
	                   num_val(ld, e, "idnsSOAexpire", 86400),
	                   num_val(ld, e, "idnsSOAminimum", 3600));
	ret = text == NULL ? MDC_ENOMEM
	                   : push_rr(l, owner, SOA_TTL, "SOA", text, origin);
out:
	free(m);
	free(r);
	free(text);
	return ret;
}

static int
entry_records(LDAP *ld, LDAPMessage *e, const char *owner, long ttl,
              const ldns_rdf *origin, ldns_rr_list *l)
{
	for (size_t t = 0; t < NTYPES; t++) {
		struct berval **v = ldap_get_values_len(ld, e, types[t].attr);
		const char *tname = ldns_rr_descript(types[t].type)->_name;
		for (int i = 0; v != NULL && v[i] != NULL; i++) {
			char *val = strndup(v[i]->bv_val, v[i]->bv_len);
			int ret = val == NULL ? MDC_ENOMEM
			                      : push_rr(l, owner, ttl, tname,
			                                val, origin);
			free(val);
			if (ret == MDC_ENOMEM) {
				ldap_value_free_len(v);
				return ret;
			}
		}
		ldap_value_free_len(v);
	}
	return 0;
}

/*
 * Where an entry sits: "idnsName=Z,<container>" is zone Z, and
 * "idnsName=R,idnsName=Z,<container>" a record R of zone Z.  Sets *zone_out
 * and *rel_out (NULL for a zone entry), both new strings; 0 or MDC_EMALF.
 */
static int
entry_place(const char *dn, const char *container, int zone, char **zone_out,
            char **rel_out)
{
	size_t n = strlen(dn), c = strlen(container);
	LDAPDN parts = NULL;
	char *prefix = NULL;
	int k, ret = MDC_EMALF;

	*zone_out = *rel_out = NULL;
	if (n <= c + 1 || dn[n - c - 1] != ',' ||
	    strcasecmp(dn + n - c, container) != 0)
		return MDC_EMALF;
	prefix = strndup(dn, n - c - 1);
	if (prefix == NULL ||
	    ldap_str2dn(prefix, &parts, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
		goto out;
	for (k = 0; parts[k] != NULL; k++)
		if (parts[k][0] == NULL || parts[k][1] != NULL ||
		    strcasecmp(parts[k][0]->la_attr.bv_val, "idnsName") != 0)
			goto out;
	if (k != (zone ? 1 : 2))
		goto out;
	*zone_out = strndup(parts[k - 1][0]->la_value.bv_val,
	                    parts[k - 1][0]->la_value.bv_len);
	if (!zone)
		*rel_out = strndup(parts[0][0]->la_value.bv_val,
		                   parts[0][0]->la_value.bv_len);
	ret = *zone_out != NULL && (zone || *rel_out != NULL) ? 0 : MDC_ENOMEM;
out:
	ldap_dnfree(parts);
	free(prefix);
	return ret;
}

/* The absolute owner name: the zone, or rel ("@", relative, absolute.). */
static char *
owner_name(const char *zone, const char *rel)
{
	size_t z = strlen(zone), n = rel != NULL ? strlen(rel) : 0;
	const char *dot = z > 0 && zone[z - 1] == '.' ? "" : ".";

	if (rel == NULL || strcmp(rel, "@") == 0)
		return mdc_strdupf("%s%s", zone, dot);
	if (n > 0 && rel[n - 1] == '.')
		return strdup(rel);
	return mdc_strdupf("%s.%s%s", rel, zone, dot);
}

int
dns_ldap_entry(LDAP *ld, LDAPMessage *e, const char *container,
               struct dns_entry *out)
{
	int zone = has_value(ld, e, "objectClass", "idnsZone");
	char *dn = ldap_get_dn(ld, e), *zname = NULL, *rel = NULL,
	     *owner = NULL;
	long ttl = num_val(ld, e, "dNSTTL", DEFAULT_TTL);
	ldns_rdf *origin = NULL;
	int ret = MDC_EMALF;

	memset(out, 0, sizeof(*out));
	if (dn == NULL || entry_place(dn, container, zone, &zname, &rel) != 0 ||
	    (owner = owner_name(zname, rel)) == NULL ||
	    (origin = ldns_dname_new_frm_str(zname)) == NULL)
		goto out;
	if (zone && has_value(ld, e, "idnsZoneActive", "FALSE"))
		goto out;
	ret = MDC_ENOMEM;
	out->dn = strdup(dn);
	out->owner = first_val(ld, e, DNS_OWNER_ATTR);
	if (zone)
		out->xfr_allow = first_val(ld, e, "idnsAllowTransfer");
	out->rrs = ldns_rr_list_new();
	if (out->dn == NULL || out->rrs == NULL ||
	    ldns_str2rdf_dname(&out->name, owner) != LDNS_STATUS_OK)
		goto out;
	ret = MDC_EMALF;
	if (ldns_dname_compare(out->name, origin) != 0 &&
	    !ldns_dname_is_subdomain(out->name, origin))
		goto out;
	if (zone && (ret = zone_soa(ld, e, owner, origin, out->rrs)) != 0)
		goto out;
	ret = entry_records(ld, e, owner, ttl, origin, out->rrs);
out:
	if (origin != NULL)
		ldns_rdf_deep_free(origin);
	ldap_memfree(dn);
	free(zname);
	free(rel);
	free(owner);
	return ret;
}

/* The record type stored in attribute attr (options ignored), or -1. */
static int
record_type(const char *attr, size_t *idx_out)
{
	size_t n = strcspn(attr, ";");

	for (size_t t = 0; t < NTYPES; t++)
		if (strlen(types[t].attr) == n &&
		    strncasecmp(types[t].attr, attr, n) == 0) {
			*idx_out = t;
			return 0;
		}
	return -1;
}

int
dns_ldap_is_record_attr(const char *attr)
{
	size_t t;

	return record_type(attr, &t) == 0;
}

/* Parse the record values v into l (values that do not parse skipped). */
static int
values_rrs(const struct dns_ldap_val *v, size_t n, const char *owner,
           const ldns_rdf *origin, ldns_rr_list *l)
{
	size_t t;
	int ret = 0;

	for (size_t i = 0; i < n && ret != MDC_ENOMEM; i++) {
		char *val;
		if (record_type(v[i].attr, &t) != 0)
			continue;
		val = strndup(v[i].val, v[i].len);
		ret = val == NULL
		              ? MDC_ENOMEM
		              : push_rr(l, owner, DEFAULT_TTL,
		                        ldns_rr_descript(types[t].type)->_name,
		                        val, origin);
		free(val);
	}
	return ret == MDC_ENOMEM ? ret : 0;
}

int
dns_ldap_values_fit(const char *base_dn, const char *dn,
                    const struct dns_ldap_val *v, size_t n, struct mdc_err *why)
{
	char *container = mdc_strdupf("cn=dns,%s", base_dn), *zname = NULL;
	char *rel = NULL, *owner = NULL;
	ldns_rdf *origin = NULL;
	ldns_rr_list *l = ldns_rr_list_new();
	int ret = MDC_ENOMEM;

	if (container == NULL || l == NULL)
		goto out;
	ret = 0; /* not laid out as zone data: never served */
	if (entry_place(dn, container, 0, &zname, &rel) != 0) {
		free(zname);
		free(rel);
		if (entry_place(dn, container, 1, &zname, &rel) != 0)
			goto out;
	}
	ret = MDC_ENOMEM;
	if ((owner = owner_name(zname, rel)) == NULL ||
	    (origin = ldns_dname_new_frm_str(zname)) == NULL)
		goto out;
	ret = values_rrs(v, n, owner, origin, l);
	if (ret == 0)
		ret = dns_rrs_fit(l, why);
out:
	if (origin != NULL)
		ldns_rdf_deep_free(origin);
	if (l != NULL)
		ldns_rr_list_deep_free(l);
	free(container);
	free(zname);
	free(rel);
	free(owner);
	return ret;
}

int
dns_ldap_soa_self(struct dns_entry *e, const char *fqdn)
{
	char *abs = mdc_strdupf("%s.", fqdn);
	ldns_rdf *m = NULL, *old;
	int ret = 0;

	for (size_t i = 0; e->rrs != NULL && i < ldns_rr_list_rr_count(e->rrs);
	     i++) {
		ldns_rr *rr = ldns_rr_list_rr(e->rrs, i);

		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA)
			continue;
		if (abs == NULL ||
		    ldns_str2rdf_dname(&m, abs) != LDNS_STATUS_OK) {
			ret = MDC_ENOMEM;
			break;
		}
		old = ldns_rr_set_rdf(rr, m, 0);
		if (old != NULL)
			ldns_rdf_deep_free(old);
		m = NULL;
	}
	free(abs);
	return ret;
}

/* RDATA of rr in presentation format (caller frees). */
static char *
rdata_str(const ldns_rr *rr)
{
	ldns_buffer *b = ldns_buffer_new(128);
	char *s = NULL;

	if (b == NULL)
		return NULL;
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		if (i > 0)
			ldns_buffer_printf(b, " ");
		if (ldns_rdf2buffer_str(b, ldns_rr_rdf(rr, i)) !=
		    LDNS_STATUS_OK)
			goto out;
	}
	s = ldns_buffer_export2str(b);
out:
	ldns_buffer_free(b);
	return s;
}

/* name relative to origin ("host2"), "@" for the apex; caller frees. */
static char *
relative_name(const ldns_rdf *name, const ldns_rdf *origin)
{
	char *s = ldns_rdf2str(name), *o = ldns_rdf2str(origin), *r = NULL;
	size_t ls, lo;

	if (s == NULL || o == NULL)
		goto out;
	ls = strlen(s);
	lo = strlen(o);
	if (ls == lo && strcasecmp(s, o) == 0)
		r = strdup("@");
	else if (ls > lo + 1 && strcasecmp(s + ls - lo, o) == 0 &&
	         s[ls - lo - 1] == '.')
		r = strndup(s, ls - lo - 1);
out:
	free(s);
	free(o);
	return r;
}

/* Escape an RDN value (RFC 4514) into a new string. */
static char *
dn_escape(const char *v)
{
	size_t n = strlen(v);
	char *out = malloc(3 * n + 1), *p = out;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (strchr(",+\"\\<>;=", v[i]) != NULL ||
		    (i == 0 && (v[i] == '#' || v[i] == ' ')))
			*p++ = '\\';
		*p++ = v[i];
	}
	*p = '\0';
	return out;
}

struct modset {
	LDAPMod mods[NTYPES + 4];
	LDAPMod *ptrs[NTYPES + 5];
	char *vals[NTYPES][MAX_VALS + 1];
	char ttlbuf[24];
	char *ttlv[2];
	int n;
};

static void
modset_free(struct modset *m)
{
	for (size_t t = 0; t < NTYPES; t++)
		for (int i = 0; m->vals[t][i] != NULL; i++)
			free(m->vals[t][i]);
}

/* Values per type from rrs; the TTL of the first record. */
static int
modset_fill(struct modset *m, const ldns_rr_list *rrs, int op, int *count)
{
	long ttl = -1;
	int nv[NTYPES] = {0};

	*count = 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		for (size_t t = 0; t < NTYPES; t++) {
			if (types[t].type != ldns_rr_get_type(rr) ||
			    nv[t] == MAX_VALS)
				continue;
			if ((m->vals[t][nv[t]++] = rdata_str(rr)) == NULL)
				return MDC_ENOMEM;
			if (ttl < 0)
				ttl = ldns_rr_ttl(rr);
			(*count)++;
		}
	}
	for (size_t t = 0; t < NTYPES; t++) {
		if (op == LDAP_MOD_ADD && nv[t] == 0)
			continue;
		m->mods[m->n].mod_op = op;
		m->mods[m->n].mod_type = (char *)types[t].attr;
		m->mods[m->n].mod_values = nv[t] > 0 ? m->vals[t] : NULL;
		m->n++;
	}
	snprintf(m->ttlbuf, sizeof(m->ttlbuf), "%ld",
	         ttl < 0 ? DEFAULT_TTL : ttl);
	m->ttlv[0] = m->ttlbuf;
	m->mods[m->n].mod_op = op;
	m->mods[m->n].mod_type = "dNSTTL";
	m->mods[m->n].mod_values = m->ttlv;
	m->n++;
	return 0;
}

static int
store_new(LDAP *ld, const char *zone_dn, const char *rel, struct modset *m,
          const char *owner)
{
	char *oc[] = {"top", "idnsRecord", DNS_OWNED_CLASS, NULL};
	char *namev[] = {(char *)rel, NULL};
	char *ownv[] = {(char *)owner, NULL};
	char *esc = dn_escape(rel), *dn = NULL;
	int ret = MDC_ENOMEM;

	if (esc == NULL ||
	    (dn = mdc_strdupf("idnsName=%s,%s", esc, zone_dn)) == NULL)
		goto out;
	m->mods[m->n++] = (LDAPMod){LDAP_MOD_ADD, "objectClass", {oc}};
	m->mods[m->n++] = (LDAPMod){LDAP_MOD_ADD, "idnsName", {namev}};
	if (owner != NULL)
		m->mods[m->n++] =
		        (LDAPMod){LDAP_MOD_ADD, DNS_OWNER_ATTR, {ownv}};
	for (int i = 0; i < m->n; i++)
		m->ptrs[i] = &m->mods[i];
	m->ptrs[m->n] = NULL;
	ret = ldap_add_ext_s(ld, dn, m->ptrs, NULL, NULL) == LDAP_SUCCESS
	              ? 0
	              : MDC_ELDAP;
out:
	free(esc);
	free(dn);
	return ret;
}

int
dns_ldap_store(LDAP *ld, const char *zone_dn, const ldns_rdf *origin,
               const ldns_rdf *name, const char *dn, const ldns_rr_list *rrs,
               const char *owner)
{
	struct modset m = {0};
	char *rel = relative_name(name, origin);
	int ret, count, apex = rel != NULL && strcmp(rel, "@") == 0;

	if (rel == NULL) {
		ret = MDC_EINVAL;
		goto out;
	}
	ret = modset_fill(&m, rrs, dn == NULL ? LDAP_MOD_ADD : LDAP_MOD_REPLACE,
	                  &count);
	if (ret != 0 || (dn == NULL && count == 0))
		goto out;
	if (dn == NULL) {
		ret = apex ? MDC_EINVAL
		           : store_new(ld, zone_dn, rel, &m, owner);
	} else if (count == 0 && !apex) {
		ret = ldap_delete_ext_s(ld, dn, NULL, NULL) == LDAP_SUCCESS
		              ? 0
		              : MDC_ELDAP;
	} else {
		for (int i = 0; i < m.n; i++)
			m.ptrs[i] = &m.mods[i];
		m.ptrs[m.n] = NULL;
		ret = ldap_modify_ext_s(ld, dn, m.ptrs, NULL, NULL) ==
		                      LDAP_SUCCESS
		              ? 0
		              : MDC_ELDAP;
	}
out:
	modset_free(&m);
	free(rel);
	return ret;
}

/* Search one entry; *dn_out and the attributes via *msg_out. */
static int
search_one(LDAP *ld, const char *base, const char *filter, char **attrs,
           LDAPMessage **msg_out)
{
	LDAPMessage *res = NULL;
	int rc;

	rc = ldap_search_ext_s(ld, base, LDAP_SCOPE_SUBTREE, filter, attrs, 0,
	                       NULL, NULL, NULL, 2, &res);
	if (rc != LDAP_SUCCESS || ldap_count_entries(ld, res) < 1) {
		ldap_msgfree(res);
		return rc == LDAP_SUCCESS ? MDC_ENOENT : MDC_ELDAP;
	}
	*msg_out = res;
	return 0;
}

/* Bound on the groups one membership walk visits (nesting loops end). */
#define MAX_GROUPS 256

/* Does binary SID v (len) give DNS admin rights in domain dom? */
static int
admin_sid(const struct mdc_sid *dom, const struct berval *v)
{
	int64_t rid =
	        mdc_sid_rid_in(dom, (const uint8_t *)v->bv_val, v->bv_len);

	return rid == MDC_RID_DOMAIN_ADMINS ||
	       rid == MDC_RID_ENTERPRISE_ADMINS ||
	       rid == MDC_RID_DOMAIN_CONTROLLERS || rid == MDC_RID_DNSADMINS;
}

/* Queue the groups whose member is dn; 1 if one of them is an admin group. */
static int
admin_step(struct dns_ldap_ctx *c, const struct mdc_sid *dom, const char *dn,
           char **q, size_t *n)
{
	char *edn = mdc_ad_filter_escape(dn), *f = NULL,
	     *attrs[] = {"objectSid", NULL};
	LDAPMessage *res = NULL, *e;
	int hit = 0;

	if (edn != NULL)
		f = mdc_strdupf("(&(objectClass=group)(member=%s))", edn);
	if (f != NULL &&
	    ldap_search_ext_s(c->ld, c->base_dn, LDAP_SCOPE_SUBTREE, f, attrs,
	                      0, NULL, NULL, NULL, 0, &res) != LDAP_SUCCESS)
		hit = -1;
	for (e = hit == 0 && f != NULL ? ldap_first_entry(c->ld, res) : NULL;
	     e != NULL && hit == 0; e = ldap_next_entry(c->ld, e)) {
		struct berval **v = ldap_get_values_len(c->ld, e, "objectSid");
		char *g = ldap_get_dn(c->ld, e);
		size_t i;

		hit = v != NULL && v[0] != NULL && admin_sid(dom, v[0]);
		for (i = 0; g != NULL && i < *n && strcasecmp(q[i], g) != 0;
		     i++)
			;
		if (g != NULL && i == *n && *n < MAX_GROUPS)
			q[(*n)++] = strdup(g);
		ldap_value_free_len(v);
		ldap_memfree(g);
	}
	ldap_msgfree(res);
	free(edn);
	free(f);
	return hit;
}

/*
 * Is dn, directly or through nested groups, a member of the domain's
 * Domain Admins, Enterprise Admins, Domain Controllers or DnsAdmins?
 * Decided by the groups' objectSid (the domain SID and the well-known
 * RIDs), never by a name: a group called "Domain Admins" elsewhere in the
 * tree gives nothing.
 */
static int
in_admin_group(struct dns_ldap_ctx *c, const char *dn)
{
	struct mdc_sid dom;
	char *q[MAX_GROUPS];
	size_t n = 0;
	int hit;

	if (c->domain_sid == NULL || mdc_sid_parse(c->domain_sid, &dom) != 0)
		return 0;
	hit = admin_step(c, &dom, dn, q, &n);
	for (size_t i = 0; hit == 0 && i < n; i++)
		if (q[i] != NULL)
			hit = admin_step(c, &dom, q[i], q, &n);
	for (size_t i = 0; i < n; i++)
		free(q[i]);
	return hit == 1;
}

/* The idnsAllowDynUpdate option of the zone entry at zone_dn. */
static int
zone_users_create(struct dns_ldap_ctx *c, const char *zone_dn)
{
	char *attrs[] = {"idnsAllowDynUpdate", NULL};
	LDAPMessage *res = NULL;
	int on = 0;

	if (zone_dn != NULL &&
	    ldap_search_ext_s(c->ld, zone_dn, LDAP_SCOPE_BASE,
	                      "(objectClass=idnsZone)", attrs, 0, NULL, NULL,
	                      NULL, 1, &res) == LDAP_SUCCESS &&
	    ldap_count_entries(c->ld, res) > 0)
		on = has_value(c->ld, ldap_first_entry(c->ld, res),
		               "idnsAllowDynUpdate", "TRUE");
	ldap_msgfree(res);
	return on;
}

/* Fill who from the account entry e. */
static void
who_fill(struct dns_ldap_ctx *c, LDAPMessage *e, struct dns_who *who)
{
	struct mdc_sid dom;
	struct berval **sid = ldap_get_values_len(c->ld, e, "objectSid");
	long pg = num_val(c->ld, e, "primaryGroupID", 0);
	long uac = num_val(c->ld, e, "userAccountControl", 0);
	char *host = first_val(c->ld, e, "dNSHostName");
	char *dn = ldap_get_dn(c->ld, e);
	int in_dom = sid != NULL && sid[0] != NULL && c->domain_sid != NULL &&
	             mdc_sid_parse(c->domain_sid, &dom) == 0 &&
	             mdc_sid_rid_in(&dom, (const uint8_t *)sid[0]->bv_val,
	                            sid[0]->bv_len) > 0;

	/* Only accounts of this domain: SID, then groups by SID. */
	who->privileged =
	        in_dom && (pg == MDC_RID_DOMAIN_ADMINS ||
	                   pg == MDC_RID_DOMAIN_CONTROLLERS ||
	                   pg == MDC_RID_ENTERPRISE_ADMINS ||
	                   (uac & MDC_UAC_SERVER_TRUST_ACCOUNT) != 0 ||
	                   (dn != NULL && in_admin_group(c, dn)));
	if (in_dom && host != NULL &&
	    has_value(c->ld, e, "objectClass", "computer"))
		snprintf(who->host, sizeof(who->host), "%s", host);
	ldap_value_free_len(sid);
	ldap_memfree(dn);
	free(host);
}

static int
ldap_who(void *ctx, const struct dns_snapshot *s, const ldns_rdf *origin,
         const char *principal, struct dns_who *who)
{
	struct dns_ldap_ctx *c = ctx;
	const struct dns_entry *z = dns_snapshot_entry(s, origin);
	char *attrs[] = {"primaryGroupID", "userAccountControl", "objectSid",
	                 "dNSHostName",    "objectClass",        NULL};
	char *user = strdup(principal), *at, *eu = NULL, *ep = NULL, *f = NULL;
	LDAPMessage *res = NULL;
	int ret = 0;

	memset(who, 0, sizeof(*who));
	if (user == NULL)
		return MDC_ENOMEM;
	who->users_create = zone_users_create(c, z != NULL ? z->dn : NULL);
	if ((at = strchr(user, '@')) != NULL)
		*at = '\0';
	if ((eu = mdc_ad_filter_escape(user)) == NULL ||
	    (ep = mdc_ad_filter_escape(principal)) == NULL ||
	    (f = mdc_strdupf("(|(sAMAccountName=%s)(userPrincipalName=%s))", eu,
	                     ep)) == NULL) {
		ret = MDC_ENOMEM;
		goto out;
	}
	if (search_one(c->ld, c->base_dn, f, attrs, &res) == 0)
		who_fill(c, ldap_first_entry(c->ld, res), who);
out:
	ldap_msgfree(res);
	free(eu);
	free(ep);
	free(f);
	free(user);
	return ret;
}

static int
ldap_write(void *ctx, const struct dns_snapshot *s, const struct dns_change *ch,
           size_t n, const char *principal)
{
	struct dns_ldap_ctx *c = ctx;
	const struct dns_entry *z;
	int ret;

	for (size_t i = 0; i < n; i++) {
		/* New names go below the zone's own entry. */
		z = dns_snapshot_entry(s, ch[i].origin);
		if (z == NULL || z->dn == NULL)
			return MDC_ENOENT;
		ret = dns_ldap_store(c->ld, z->dn, ch[i].origin, ch[i].name,
		                     ch[i].old != NULL ? ch[i].old->dn : NULL,
		                     ch[i].rrs, principal);
		if (ret != 0)
			return ret;
	}
	return 0;
}

static int
ldap_lookup(void *ctx, const struct dns_snapshot *s, const ldns_rdf *origin,
            const ldns_rdf *name, struct dns_entry *out)
{
	struct dns_ldap_ctx *c = ctx;
	const struct dns_entry *z = dns_snapshot_entry(s, origin);
	char *rel = relative_name(name, origin), *erel = NULL, *f = NULL;
	int apex = rel != NULL && strcmp(rel, "@") == 0, ret = MDC_ENOMEM;
	LDAPMessage *res = NULL;

	memset(out, 0, sizeof(*out));
	if (z == NULL || z->dn == NULL || rel == NULL) {
		ret = rel == NULL ? MDC_ENOMEM : MDC_ENOENT;
		goto out;
	}
	if (!apex && ((erel = mdc_ad_filter_escape(rel)) == NULL ||
	              (f = mdc_strdupf("(&(objectClass=idnsRecord)"
	                               "(idnsName=%s))",
	                               erel)) == NULL))
		goto out;
	if (ldap_search_ext_s(
	            c->ld, z->dn, apex ? LDAP_SCOPE_BASE : LDAP_SCOPE_ONELEVEL,
	            apex ? "(objectClass=idnsZone)" : f, dns_ldap_attrs, 0,
	            NULL, NULL, NULL, 2, &res) != LDAP_SUCCESS) {
		ret = MDC_ELDAP;
		goto out;
	}
	ret = ldap_count_entries(c->ld, res) < 1
	              ? MDC_ENOENT
	              : dns_ldap_entry(c->ld, ldap_first_entry(c->ld, res),
	                               c->container_dn, out);
out:
	ldap_msgfree(res);
	free(erel);
	free(f);
	free(rel);
	return ret;
}

const struct dns_update_ops dns_ldap_ops = {
        .who = ldap_who,
        .write = ldap_write,
        .lookup = ldap_lookup,
};
