/* dc/ridpool.c - RID pools: the counters and their compare-and-swap */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dc/dsa_rules.h"
#include "dc/ridpool.h"
#include "lib/util.h"

char *
mdc_rid_dc_dn(const char *base_dn, const char *host_name)
{
	char *dn = mdc_strdupf("CN=%s,OU=Domain Controllers,%s", host_name,
	                       base_dn);

	/* CN=DC2 as the entry is written (upper case: AD's rendering). */
	if (dn != NULL)
		for (char *p = dn + 3; *p != ','; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
	return dn;
}

/* Read integer attribute attr of dn into *v; *present_out 0 if absent. */
static int
read_int(LDAP *ld, const char *dn, const char *attr, int64_t *v,
         int *present_out)
{
	char *attrs[] = {(char *)attr, NULL}, buf[24];
	LDAPMessage *res = NULL, *e;
	struct berval **vals = NULL;
	int rc, ret = MDC_ELDAP;

	*present_out = 0;
	rc = ldap_search_ext_s(ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)",
	                       attrs, 0, NULL, NULL, NULL, 0, &res);
	e = rc == LDAP_SUCCESS ? ldap_first_entry(ld, res) : NULL;
	if (e == NULL)
		goto out;
	ret = 0;
	vals = ldap_get_values_len(ld, e, attr);
	if (vals == NULL || vals[0] == NULL)
		goto out;
	ret = MDC_EMALF;
	if (vals[0]->bv_len == 0 || vals[0]->bv_len >= sizeof(buf))
		goto out;
	memcpy(buf, vals[0]->bv_val, vals[0]->bv_len);
	buf[vals[0]->bv_len] = '\0';
	ret = mdc_dsa_parse_int(buf, v);
	if (ret == 0 && (*v < 1000 || *v > 0x3fffffff))
		ret = MDC_EMALF;
	if (ret == 0)
		*present_out = 1;
out:
	ldap_value_free_len(vals);
	ldap_msgfree(res);
	return ret;
}

/*
 * Compare-and-swap dn's mdcRidNext from v to v + step, with v + step - 1
 * at most limit; *old_out is v.  The delete of the old value fails with
 * noSuchAttribute if another writer took it first: then read again.
 */
static int
cas_take(LDAP *ld, const char *dn, uint32_t step, int64_t limit,
         uint32_t *old_out)
{
	char oldv[24], newv[24];
	char *ov[] = {oldv, NULL}, *nv[] = {newv, NULL};
	LDAPMod del = {LDAP_MOD_DELETE, "mdcRidNext", {.modv_strvals = ov}};
	LDAPMod add = {LDAP_MOD_ADD, "mdcRidNext", {.modv_strvals = nv}};
	LDAPMod *mods[] = {&del, &add, NULL};
	int64_t v = 0;
	int rc = LDAP_OTHER, ret, present;

	for (int attempt = 0; attempt < 20; attempt++) {
		ret = read_int(ld, dn, "mdcRidNext", &v, &present);
		if (ret == 0 && !present)
			ret = MDC_ELDAP;
		if (ret != 0)
			return ret;
		if (v + step - 1 > limit)
			return MDC_ERANGE;
		snprintf(oldv, sizeof(oldv), "%lld", (long long)v);
		snprintf(newv, sizeof(newv), "%lld", (long long)(v + step));
		rc = ldap_modify_ext_s(ld, dn, mods, NULL, NULL);
		if (rc != LDAP_NO_SUCH_ATTRIBUTE)
			break;
	}
	if (rc != LDAP_SUCCESS)
		return MDC_ELDAP;
	*old_out = (uint32_t)v;
	return 0;
}

/* *end_out: the pool end of host_name's entry, or -1 (the RID master). */
static int
pool_end(LDAP *ld, const char *base_dn, const char *host_name, int64_t *end_out)
{
	char *dn = mdc_rid_dc_dn(base_dn, host_name);
	int present = 0, ret;

	*end_out = -1;
	if (dn == NULL)
		return MDC_ENOMEM;
	ret = read_int(ld, dn, "mdcRidPoolEnd", end_out, &present);
	if (ret == 0 && !present)
		*end_out = -1;
	free(dn);
	return ret;
}

int
mdc_rid_next(LDAP *ld, const char *base_dn, const char *host_name,
             uint32_t *rid_out)
{
	char *dn = NULL;
	int64_t end;
	int ret;

	ret = pool_end(ld, base_dn, host_name, &end);
	if (ret != 0)
		goto out;
	if (end < 0) {
		ret = cas_take(ld, base_dn, 1, 0x3fffffff, rid_out);
		goto out;
	}
	dn = mdc_rid_dc_dn(base_dn, host_name);
	ret = dn == NULL ? MDC_ENOMEM : cas_take(ld, dn, 1, end, rid_out);
out:
	free(dn);
	return ret;
}

int
mdc_rid_is_dc_entry(const char *base_dn, const char *dn)
{
	const char *p = dn;
	char *want = mdc_strdupf("OU=Domain Controllers,%s", base_dn);
	int yes = 0;

	/* Skip the first RDN (a DC's CN holds no escaped comma). */
	while (*p != '\0' && *p != ',')
		p++;
	if (want != NULL && *p == ',')
		yes = strcasecmp(p + 1, want) == 0;
	free(want);
	return yes;
}

int
mdc_rid_pool_take(LDAP *ld, const char *base_dn, const char *host_name,
                  uint32_t *lo_out, uint32_t *end_out)
{
	int64_t end;
	uint32_t lo;
	int ret;

	ret = pool_end(ld, base_dn, host_name, &end);
	if (ret == 0 && end >= 0)
		ret = MDC_EDENIED;
	if (ret == 0)
		ret = cas_take(ld, base_dn, MDC_RID_POOL_SIZE, 0x3fffffff, &lo);
	if (ret != 0)
		return ret;
	*lo_out = lo;
	*end_out = lo + MDC_RID_POOL_SIZE - 1;
	return 0;
}
