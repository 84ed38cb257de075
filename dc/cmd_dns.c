/* dc/cmd_dns.c - `minidc dns ...`: edit the zones in the directory */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dc/cmd.h"
#include "dc/dnsglue.h"
#include "dns/dns.h"
#include "dns/ldapdns.h"
#include "dns/xfracl.h"
#include "lib/util.h"

#define USAGE                                                                  \
	"usage: minidc dns list --dir DIR | add --dir DIR [--ttl N] NAME "     \
	"TYPE DATA... | del --dir DIR NAME TYPE [DATA...] | addzone --dir "    \
	"DIR "                                                                 \
	"ZONE | delzone --dir DIR ZONE | transfer allow|deny --dir DIR ZONE "  \
	"ADDR[/PREFIX] | transfer list --dir DIR ZONE"

struct adm {
	struct mdc_dcconf conf;
	struct dns_conf dns; /* what dns/ is told of conf */
	LDAP *ld;
	ldns_rdf *origin;
	struct dns_entry *ents;
	size_t n;
	struct mdc_err why; /* why a record was refused (MDC_ERANGE) */
};

/* Read every entry of the zone from the directory. */
static int
load_all(struct adm *a)
{
	char *base = dns_ldap_container_dn(&a->dns);
	LDAPMessage *res = NULL, *e;
	int ret = MDC_ELDAP;

	if (base == NULL)
		return MDC_ENOMEM;
	if (ldap_search_ext_s(a->ld, base, LDAP_SCOPE_SUBTREE, dns_ldap_filter,
	                      dns_ldap_attrs, 0, NULL, NULL, NULL, 0,
	                      &res) != LDAP_SUCCESS)
		goto out;
	a->ents = calloc((size_t)ldap_count_entries(a->ld, res) + 1,
	                 sizeof(*a->ents));
	ret = MDC_ENOMEM;
	if (a->ents == NULL)
		goto out;
	for (e = ldap_first_entry(a->ld, res); e != NULL;
	     e = ldap_next_entry(a->ld, e)) {
		if (dns_ldap_entry(a->ld, e, base, &a->ents[a->n]) == 0)
			a->n++;
		else
			dns_entry_clear(&a->ents[a->n]);
	}
	ret = 0;
out:
	ldap_msgfree(res);
	free(base);
	return ret;
}

static int
cmd_list(struct adm *a)
{
	for (size_t i = 0; i < a->n; i++)
		ldns_rr_list_print(stdout, a->ents[i].rrs);
	return 0;
}

/* Parse "NAME TTL IN TYPE DATA..." from the command line into *rr. */
static int
parse_rr(struct adm *a, int argc, char **argv, long ttl, ldns_rr **rr)
{
	char line[2048];
	size_t n;
	ldns_rdf *org = ldns_rdf_clone(a->origin);
	ldns_status st;

	n = (size_t)snprintf(line, sizeof(line), "%s %ld IN", argv[0], ttl);
	for (int i = 1; i < argc && n < sizeof(line); i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " %s",
		                      argv[i]);
	if (n >= sizeof(line) || org == NULL) {
		if (org != NULL)
			ldns_rdf_deep_free(org);
		return MDC_EINVAL;
	}
	st = ldns_rr_new_frm_str(rr, line, (uint32_t)ttl, org, NULL);
	ldns_rdf_deep_free(org);
	return st == LDNS_STATUS_OK ? 0 : MDC_EINVAL;
}

static struct dns_entry *
find_entry(struct adm *a, const ldns_rdf *name)
{
	for (size_t i = 0; i < a->n; i++)
		if (ldns_dname_compare(a->ents[i].name, name) == 0)
			return &a->ents[i];
	return NULL;
}

/* The zone entry (SOA at its own name) holding name: the deepest one. */
static const struct dns_entry *
zone_of(const struct adm *a, const ldns_rdf *name)
{
	const struct dns_entry *best = NULL;

	for (size_t i = 0; i < a->n; i++) {
		const struct dns_entry *z = &a->ents[i];
		int soa = 0;
		for (size_t j = 0; j < ldns_rr_list_rr_count(z->rrs); j++)
			soa |= ldns_rr_get_type(ldns_rr_list_rr(z->rrs, j)) ==
			       LDNS_RR_TYPE_SOA;
		if (!soa || (ldns_dname_compare(name, z->name) != 0 &&
		             !ldns_dname_is_subdomain(name, z->name)))
			continue;
		if (best == NULL || ldns_dname_label_count(z->name) >
		                            ldns_dname_label_count(best->name))
			best = z;
	}
	return best;
}

/* Add rr to its name, or delete matching records (data given or not). */
static int
edit(struct adm *a, ldns_rr *rr, int del, int match_data)
{
	struct dns_entry *e = find_entry(a, ldns_rr_owner(rr));
	ldns_rr_list *l =
	        e != NULL ? ldns_rr_list_clone(e->rrs) : ldns_rr_list_new();
	ldns_rr_list *keep = ldns_rr_list_new();
	const struct dns_entry *z = zone_of(a, ldns_rr_owner(rr));
	int ret = MDC_ENOMEM, hit = 0;

	if (l == NULL || keep == NULL)
		goto out;
	ret = MDC_EINVAL; /* not in any zone of ours */
	if (z == NULL)
		goto out;
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
		ldns_rr *x = ldns_rr_list_rr(l, i);
		int same =
		        ldns_rr_get_type(x) == ldns_rr_get_type(rr) &&
		        (!match_data || ldns_rr_compare_no_rdata(x, rr) == 0) &&
		        (!match_data || ldns_rr_compare(x, rr) == 0);
		hit |= same;
		if (!(del && same))
			ldns_rr_list_push_rr(keep, ldns_rr_clone(x));
	}
	if (!del && !hit)
		ldns_rr_list_push_rr(keep, ldns_rr_clone(rr));
	/* Nothing is stored that the server could not send. */
	if (!del && (ret = dns_rrs_fit(keep, &a->why)) != 0)
		goto out;
	ret = del && !hit
	              ? MDC_ENOENT
	              : dns_ldap_store(a->ld, z->dn, z->name, ldns_rr_owner(rr),
	                               e != NULL ? e->dn : NULL, keep, NULL);
out:
	if (l != NULL)
		ldns_rr_list_deep_free(l);
	if (keep != NULL)
		ldns_rr_list_deep_free(keep);
	return ret;
}

/* "NAME TYPE" only: a question-like RR naming the RRset. */
static int
parse_set(struct adm *a, char **argv, ldns_rr **rr)
{
	char line[1024];
	ldns_rdf *org = ldns_rdf_clone(a->origin);
	ldns_status st;

	if (org == NULL)
		return MDC_ENOMEM;
	snprintf(line, sizeof(line), "%s IN %s", argv[0], argv[1]);
	st = ldns_rr_new_question_frm_str(rr, line, org, NULL);
	ldns_rdf_deep_free(org);
	return st == LDNS_STATUS_OK ? 0 : MDC_EINVAL;
}

/* A new zone (e.g. a reverse zone) served by this DC: SOA and NS name it. */
static int
add_zone(struct adm *a, const char *zone)
{
	const struct mdc_dcconf *c = &a->conf;
	ldns_rdf *name = ldns_dname_new_frm_str(zone);
	char *mname = mdc_strdupf("%s.", c->fqdn);
	char *rname = mdc_strdupf("hostmaster.%s.", c->dns_domain);
	char *z = strdup(zone), *dn = NULL;
	char *oc[] = {"top", "idnsRecord", "idnsZone", NULL};
	char *zv[] = {z, NULL}, *tv[] = {"TRUE", NULL}, *mv[] = {mname, NULL};
	char *rv[] = {rname, NULL}, *s1[] = {"1", NULL}, *s2[] = {"900", NULL};
	char *s3[] = {"600", NULL}, *s4[] = {"86400", NULL};
	char *s5[] = {"3600", NULL};
	LDAPMod mods[] = {
	        {LDAP_MOD_ADD, "objectClass", {oc}},
	        {LDAP_MOD_ADD, "idnsName", {zv}},
	        {LDAP_MOD_ADD, "idnsZoneActive", {tv}},
	        {LDAP_MOD_ADD, "idnsSOAmName", {mv}},
	        {LDAP_MOD_ADD, "idnsSOArName", {rv}},
	        {LDAP_MOD_ADD, "idnsSOAserial", {s1}},
	        {LDAP_MOD_ADD, "idnsSOArefresh", {s2}},
	        {LDAP_MOD_ADD, "idnsSOAretry", {s3}},
	        {LDAP_MOD_ADD, "idnsSOAexpire", {s4}},
	        {LDAP_MOD_ADD, "idnsSOAminimum", {s5}},
	        {LDAP_MOD_ADD, "nSRecord", {mv}},
	};
	LDAPMod *ptrs[sizeof(mods) / sizeof(mods[0]) + 1];
	int ret = MDC_ENOMEM;

	if (name == NULL || mname == NULL || rname == NULL || z == NULL)
		goto out;
	ret = MDC_EEXIST;
	if (zone_of(a, name) != NULL &&
	    ldns_dname_compare(zone_of(a, name)->name, name) == 0)
		goto out;
	if (z[0] != '\0' && z[strlen(z) - 1] == '.')
		z[strlen(z) - 1] = '\0'; /* stored without the root dot */
	ret = MDC_ENOMEM;
	if ((dn = mdc_strdupf("idnsName=%s,cn=dns,%s", z, c->base_dn)) == NULL)
		goto out;
	for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++)
		ptrs[i] = &mods[i];
	ptrs[sizeof(mods) / sizeof(mods[0])] = NULL;
	ret = ldap_add_ext_s(a->ld, dn, ptrs, NULL, NULL) == LDAP_SUCCESS
	              ? 0
	              : MDC_ELDAP;
out:
	if (name != NULL)
		ldns_rdf_deep_free(name);
	free(mname);
	free(rname);
	free(z);
	free(dn);
	return ret;
}

/* Remove a zone other than the domain's, with every name in it. */
static int
del_zone(struct adm *a, const char *zone)
{
	ldns_rdf *name = ldns_dname_new_frm_str(zone);
	const struct dns_entry *z;
	int ret = MDC_EINVAL;

	if (name == NULL)
		return MDC_EINVAL;
	z = zone_of(a, name);
	if (z == NULL || ldns_dname_compare(z->name, name) != 0) {
		ret = MDC_ENOENT;
		goto out;
	}
	ret = MDC_EDENIED;
	if (ldns_dname_compare(name, a->origin) == 0)
		goto out; /* the domain's own zone stays */
	ret = 0;
	for (size_t i = 0; i < a->n && ret == 0; i++)
		if (&a->ents[i] != z && zone_of(a, a->ents[i].name) == z &&
		    ldap_delete_ext_s(a->ld, a->ents[i].dn, NULL, NULL) !=
		            LDAP_SUCCESS)
			ret = MDC_ELDAP;
	if (ret == 0 &&
	    ldap_delete_ext_s(a->ld, z->dn, NULL, NULL) != LDAP_SUCCESS)
		ret = MDC_ELDAP;
out:
	ldns_rdf_deep_free(name);
	return ret;
}

/* The zone entry whose apex is zone, or NULL (message printed). */
static const struct dns_entry *
find_zone(struct adm *a, const char *zone)
{
	ldns_rdf *name = ldns_dname_new_frm_str(zone);
	const struct dns_entry *z = name != NULL ? zone_of(a, name) : NULL;

	if (z != NULL && ldns_dname_compare(z->name, name) != 0)
		z = NULL;
	if (name != NULL)
		ldns_rdf_deep_free(name);
	if (z == NULL)
		mdc_cmd_error("dns", "transfer: no such zone '%s'", zone);
	return z;
}

/* Print a zone's transfer list, one element a line. */
static int
xfr_list(const struct dns_entry *z)
{
	const char *p = z->xfr_allow != NULL ? z->xfr_allow : "";
	size_t n;

	for (p += strspn(p, " ;"); *p != '\0'; p += n, p += strspn(p, " ;")) {
		n = strcspn(p, " ;");
		printf("%.*s\n", (int)n, p);
	}
	return 0;
}

/* Add addr to (allow) or remove it from the zone's idnsAllowTransfer. */
static int
xfr_edit(struct adm *a, const struct dns_entry *z, const char *addr, int allow)
{
	char list[1024], *vals[] = {list, NULL};
	LDAPMod mod = {LDAP_MOD_REPLACE, "idnsAllowTransfer", {vals}};
	LDAPMod *mods[] = {&mod, NULL};
	int ret = dns_xacl_edit(z->xfr_allow, addr, allow, list, sizeof(list));

	if (ret == MDC_EINVAL) {
		mdc_cmd_error("dns",
		              "transfer: invalid address '%s' (expected "
		              "ADDR[/PREFIX] or any)",
		              addr);
		return 2;
	}
	if (ret != 0) {
		mdc_cmd_error("dns", "transfer %s %s: %s",
		              allow ? "allow" : "deny", addr,
		              ret == MDC_ENOENT ? "not in the zone's list"
		                                : "the list is full");
		return 1;
	}
	if (list[0] == '\0')
		mod = (LDAPMod){LDAP_MOD_DELETE, "idnsAllowTransfer", {NULL}};
	if (ldap_modify_ext_s(a->ld, z->dn, mods, NULL, NULL) != LDAP_SUCCESS) {
		mdc_cmd_error("dns", "transfer: cannot change %s: %s", z->dn,
		              mdc_strerror(MDC_ELDAP));
		return 1;
	}
	printf("zone transfers %s %s\n", allow ? "allowed to" : "refused to",
	       addr);
	return 0;
}

/*
 * `transfer allow|deny ZONE ADDR[/PREFIX]` and `transfer list ZONE`: the
 * zone's own transfer list (idnsAllowTransfer).  Returns an exit status,
 * having printed any error.
 */
static int
xfr_cmd(struct adm *a, const char *verb, int argc, char **argv)
{
	const struct dns_entry *z;
	int allow = strcmp(verb, "allow") == 0, ret;

	if (!((strcmp(verb, "list") == 0 && argc == 1) ||
	      ((allow || strcmp(verb, "deny") == 0) && argc == 2))) {
		mdc_cmd_error("dns", "transfer: expected allow|deny ZONE "
		                     "ADDR[/PREFIX] or list ZONE");
		fprintf(stderr, "%s\n", USAGE);
		return 2;
	}
	if ((ret = load_all(a)) != 0) {
		mdc_cmd_error("dns", "transfer: %s", mdc_strerror(ret));
		return 1;
	}
	if ((z = find_zone(a, argv[0])) == NULL)
		return 1;
	if (strcmp(verb, "list") == 0)
		return xfr_list(z);
	return xfr_edit(a, z, argv[1], allow);
}

static int
run(struct adm *a, const char *sub, int argc, char **argv, long ttl)
{
	ldns_rr *rr = NULL;
	int ret, del = strcmp(sub, "del") == 0;

	if ((ret = load_all(a)) != 0)
		return ret;
	if (strcmp(sub, "list") == 0)
		return argc == 0 ? cmd_list(a) : MDC_EINVAL;
	if (strcmp(sub, "addzone") == 0)
		return argc == 1 ? add_zone(a, argv[0]) : MDC_EINVAL;
	if (strcmp(sub, "delzone") == 0)
		return argc == 1 ? del_zone(a, argv[0]) : MDC_EINVAL;
	if ((!del && strcmp(sub, "add") != 0) || argc < 2 || (!del && argc < 3))
		return MDC_EINVAL;
	ret = argc == 2 ? parse_set(a, argv, &rr)
	                : parse_rr(a, argc, argv, ttl, &rr);
	if (ret != 0)
		return ret;
	ret = edit(a, rr, del, argc > 2);
	ldns_rr_free(rr);
	return ret;
}

static void
adm_free(struct adm *a)
{
	for (size_t i = 0; i < a->n; i++)
		dns_entry_clear(&a->ents[i]);
	free(a->ents);
	if (a->origin != NULL)
		ldns_rdf_deep_free(a->origin);
	if (a->ld != NULL)
		ldap_unbind_ext_s(a->ld, NULL, NULL);
	mdc_dcconf_free(&a->conf);
	dns_conf_clear(&a->dns);
}

int
mdc_cmd_dns(int argc, char **argv)
{
	static const struct option lo[] = {
	        {"dir", required_argument, NULL, 'd'},
	        {"ttl", required_argument, NULL, 't'},
	        {"domain", required_argument, NULL, 'D'},
	        {NULL, 0, NULL, 0},
	};
	struct adm a = {0};
	const char *dir = NULL, *domain = NULL, *sub;
	struct mdc_err err = {""};
	char *end, *def = NULL;
	long ttl = 900;
	int c, ret, xfr;

	if (argc < 2) {
		fprintf(stderr, "%s\n", USAGE);
		return 2;
	}
	sub = argv[1];
	if (sub[0] == '-') {
		if (strncmp(sub, "--dir", 5) == 0 ||
		    strncmp(sub, "--ttl", 5) == 0 ||
		    strncmp(sub, "--domain", 8) == 0)
			mdc_cmd_error("dns",
			              "a verb comes before '%s' (list, "
			              "add, del, addzone, delzone, transfer)",
			              sub);
		else
			mdc_cmd_error("dns",
			              "unknown option '%s' (try: minidc "
			              "dns --help)",
			              sub);
		return 2;
	}
	/* "transfer VERB": options may follow anywhere (no DATA to protect). */
	xfr = strcmp(sub, "transfer") == 0;
	if (xfr && (argc < 3 || argv[2][0] == '-')) {
		mdc_cmd_error("dns", "transfer: expected allow, deny or list");
		fprintf(stderr, "%s\n", USAGE);
		return 2;
	}
	optind = xfr ? 3 : 2;
	while ((c = getopt_long(argc, argv, xfr ? ":" : "+:", lo, NULL)) !=
	       -1) {
		if (c == 'd') {
			dir = optarg;
		} else if (c == 'D') {
			domain = optarg;
		} else if (c == 't') {
			ttl = strtol(optarg, &end, 10);
			if (*end != '\0' || end == optarg || ttl < 0 ||
			    ttl > 0x7fffffff) {
				mdc_cmd_error("dns",
				              "invalid --ttl '%s' (expected a "
				              "number in 0-2147483647)",
				              optarg);
				return 2;
			}
		} else {
			mdc_cmd_bad_option("dns", argv, c);
			return 2;
		}
	}
	if (dir == NULL || domain != NULL) {
		ret = mdc_cmd_default_dir("dns", domain, &def);
		if (ret != 0)
			return ret;
		dir = def;
	}
	ret = mdc_dcconf_load(dir, &a.conf, &err);
	free(def);
	if (ret != 0) {
		mdc_cmd_error("dns", "%s", err.text);
		return 1;
	}
	ret = dns_glue_conf(&a.conf, &a.dns);
	a.origin = ret == 0 ? ldns_dname_new_frm_str(a.conf.dns_domain) : NULL;
	ret = MDC_ENOMEM;
	if (a.origin != NULL && (ret = dns_ldap_connect(&a.dns, &a.ld)) == 0 &&
	    xfr) {
		c = xfr_cmd(&a, argv[2], argc - optind, argv + optind);
		adm_free(&a);
		return c;
	}
	if (ret == 0)
		ret = run(&a, sub, argc - optind, argv + optind, ttl);
	if (ret == MDC_EINVAL) {
		mdc_cmd_error(
		        "dns",
		        "'%s': unknown verb, or a wrong name, type or data",
		        sub);
		fprintf(stderr, "%s\n", USAGE);
	} else if (ret != 0) {
		int zone = strstr(sub, "zone") != NULL;
		mdc_cmd_error("dns", "%s %s: %s", sub,
		              argc > optind ? argv[optind] : "",
		              ret == MDC_ENOENT   ? (zone ? "no such zone"
		                                          : "no such record")
		              : ret == MDC_EEXIST ? "the zone exists"
		              : ret == MDC_ERANGE ? a.why.text
		                                  : mdc_strerror(ret));
	}
	adm_free(&a);
	return ret == 0 ? 0 : ret == MDC_EINVAL ? 2 : 1;
}
