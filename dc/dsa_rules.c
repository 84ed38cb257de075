/* dc/dsa_rules.c - AD write rules on values: attributes, passwords, UAC */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldap.h>

#include "dc/dit.h"
#include "dc/dsa_rules.h"
#include "dc/sockproto.h"
#include "lib/ad.h"
#include "lib/util.h"

int
mdc_dsa_attr_is(const char *a, const char *b)
{
	size_t n = strlen(b);

	return strncasecmp(a, b, n) == 0 && (a[n] == '\0' || a[n] == ';');
}

static int
in_list(const char *name, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (mdc_dsa_attr_is(name, list[i]))
			return 1;
	return 0;
}

enum mdc_dsa_attr_kind
mdc_dsa_attr_kind(const char *name)
{
	/* What slapd adds to every write by itself. */
	static const char *const oper[] = {
	        "structuralObjectClass", "entryUUID",         "entryCSN",
	        "creatorsName",          "createTimestamp",   "modifiersName",
	        "modifyTimestamp",       "contextCSN",        "entryDN",
	        "hasSubordinates",       "subschemaSubentry", NULL,
	};
	/* What only the DC computes (AD: system-only or constructed). */
	static const char *const sys[] = {
	        "objectSid",
	        "objectGUID",
	        "sAMAccountType",
	        "msDS-KeyVersionNumber",
	        "whenCreated",
	        "whenChanged",
	        "memberOf",
	        "mdcRidNext",
	        "mdcIncomplete",
	        "userPassword",
	        "lastLogonTimestamp",
	        "badPwdCount",
	        "badPasswordTime",
	        "lastLogon",
	        "lastLogoff",
	        "logonCount",
	        "instanceType",
	        "mdcRidPoolEnd",
	        "mdcMasterKey",
	        "mdcPwdHistory",
	        NULL,
	};

	if (in_list(name, oper))
		return MDC_DSA_ATTR_OPERATIONAL;
	if (in_list(name, sys) || strncasecmp(name, "minidcKrb", 9) == 0)
		return MDC_DSA_ATTR_SYSTEM;
	if (mdc_dsa_attr_is(name, "unicodePwd"))
		return MDC_DSA_ATTR_PASSWORD;
	return MDC_DSA_ATTR_NORMAL;
}

int
mdc_dsa_may(const struct mdc_dsa_facts *f)
{
	if (f->roles & (MDC_DSA_SYSTEM | MDC_DSA_ADMIN))
		return 1;
	if (f->account && (f->roles & MDC_DSA_ACCTOP) && !f->privileged &&
	    !(f->exists && f->wellknown))
		return 1;
	if (f->dns && f->dns_only && (!f->rename || f->dest_dns) &&
	    (f->roles & MDC_DSA_DNSADMIN))
		return 1;
	return f->account && (f->roles & MDC_DSA_COMPUTER) && f->self_change;
}

/* The RID of bin if it is a SID of domain dom; -1 if not, -2 if BUILTIN. */
static int64_t
dom_rid(const struct mdc_sid *dom, const uint8_t *bin, size_t len,
        uint32_t *builtin_out)
{
	struct mdc_sid s;

	*builtin_out = 0;
	if (len == 0 || mdc_sid_from_bin(bin, len, &s) != 0)
		return -1;
	if (s.authority == 5 && s.nsub == 2 && s.sub[0] == 32) {
		*builtin_out = s.sub[1];
		return -2;
	}
	if (s.nsub != dom->nsub + 1 || s.authority != dom->authority ||
	    memcmp(s.sub, dom->sub, dom->nsub * sizeof(s.sub[0])) != 0)
		return -1;
	return s.sub[s.nsub - 1];
}

unsigned
mdc_dsa_sid_roles(const struct mdc_sid *dom, const uint8_t *bin, size_t len)
{
	uint32_t b;
	int64_t rid = dom_rid(dom, bin, len, &b);

	if (rid == MDC_RID_DOMAIN_ADMINS || rid == MDC_RID_ENTERPRISE_ADMINS ||
	    b == 544)
		return MDC_DSA_ADMIN;
	if (rid == MDC_RID_DNSADMINS)
		return MDC_DSA_DNSADMIN;
	return b == 548 ? MDC_DSA_ACCTOP : 0;
}

int
mdc_dsa_rid_protected(uint32_t rid)
{
	static const uint32_t rids[] = {
	        MDC_RID_ADMINISTRATOR,
	        MDC_RID_KRBTGT,
	        MDC_RID_DOMAIN_ADMINS,
	        MDC_RID_DOMAIN_CONTROLLERS,
	        518 /* Schema Admins */,
	        MDC_RID_ENTERPRISE_ADMINS,
	        521 /* Read-only DCs */,
	        526 /* Key Admins */,
	        527 /* Enterprise Key Admins */,
	        MDC_RID_DNS_SERVICE, /* its keys are the DNS server's */
	};

	for (size_t i = 0; i < sizeof(rids) / sizeof(rids[0]); i++)
		if (rid == rids[i])
			return 1;
	return 0;
}

int
mdc_dsa_sid_protected(const struct mdc_sid *dom, const uint8_t *bin, size_t len)
{
	uint32_t b;
	int64_t rid = dom_rid(dom, bin, len, &b);

	if (rid == -2) /* Administrators, Account/Server/Print/Backup
	                * Operators, Replicator */
		return b == 544 || (b >= 548 && b <= 552);
	return rid >= 0 && mdc_dsa_rid_protected((uint32_t)rid);
}

int
mdc_dsa_dns_class(const char *oc)
{
	static const char *const dns[] = {
	        "top",     "idnsRecord", "idnsZone", "mdcDnsOwnedObject",
	        "dnsNode", "dnsZone",    NULL,
	};

	for (size_t i = 0; dns[i] != NULL; i++)
		if (strcasecmp(oc, dns[i]) == 0)
			return 1;
	return 0;
}

int
mdc_dsa_spn_reserved(const char *spn)
{
	static const char *const cls[] = {"krbtgt", "kadmin", "K", "changepw",
	                                  NULL};
	size_t n = strcspn(spn, "/");

	for (size_t i = 0; cls[i] != NULL; i++)
		if (n == strlen(cls[i]) && strncasecmp(spn, cls[i], n) == 0)
			return 1;
	return 0;
}

int
mdc_dsa_name_in_domain(const char *fqdn, const char *domain)
{
	size_t n = strlen(fqdn), d = strlen(domain);

	if (n > 0 && fqdn[n - 1] == '.')
		n--;
	if (d > 0 && domain[d - 1] == '.')
		d--;
	return d > 0 && n > d + 1 && fqdn[n - d - 1] == '.' &&
	       strncasecmp(fqdn + n - d, domain, d) == 0;
}

int
mdc_dsa_attr_self_writable(const char *name)
{
	static const char *const self[] = {
	        "dNSHostName",
	        "servicePrincipalName",
	        "msDS-SupportedEncryptionTypes",
	        "operatingSystem",
	        "operatingSystemVersion",
	        "operatingSystemServicePack",
	        NULL,
	};

	return in_list(name, self);
}

/* Append code point cp as UTF-8 to out (room checked by the caller). */
static size_t
put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Next code point of the UTF-16LE units u[*i..n); MDC_EMALF if broken. */
static int
next_cp(const uint8_t *p, size_t n, size_t *i, uint32_t *cp)
{
	uint32_t hi = (uint32_t)p[2 * *i] | (uint32_t)p[2 * *i + 1] << 8, lo;

	(*i)++;
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return MDC_EMALF;
	if (hi < 0xd800 || hi > 0xdbff) {
		*cp = hi;
		return 0;
	}
	if (*i >= n)
		return MDC_EMALF;
	lo = (uint32_t)p[2 * *i] | (uint32_t)p[2 * *i + 1] << 8;
	if (lo < 0xdc00 || lo > 0xdfff)
		return MDC_EMALF;
	(*i)++;
	*cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
	return 0;
}

int
mdc_dsa_unicodepwd(const void *val, size_t len, char **pw_out)
{
	const uint8_t *p = val;
	size_t n = len / 2, i = 1, o = 0;
	uint32_t cp;
	char *out;
	int ret = 0;

	*pw_out = NULL;
	/* '"' x '"': at least three UTF-16 units, quotes at both ends. */
	if (len % 2 != 0 || n < 3 || p[0] != '"' || p[1] != 0 ||
	    p[len - 2] != '"' || p[len - 1] != 0)
		return MDC_EMALF;
	out = malloc(n * 4 + 1); /* <= 4 UTF-8 bytes per unit */
	if (out == NULL)
		return MDC_ENOMEM;
	while (ret == 0 && i < n - 1) {
		ret = next_cp(p, n - 1, &i, &cp);
		if (ret == 0 && (cp < 0x20 || cp == 0x7f))
			ret = MDC_EMALF;
		if (ret == 0)
			o += put_utf8(out + o, cp);
	}
	out[o] = '\0';
	if (ret != 0) {
		mdc_secret_free(out, n * 4 + 1);
		return ret;
	}
	*pw_out = out;
	return 0;
}

int
mdc_dsa_uac_check(int64_t uac, int computer, int *privileged_out)
{
	const int64_t types =
	        MDC_UAC_NORMAL_ACCOUNT | MDC_UAC_WORKSTATION_TRUST_ACCOUNT |
	        MDC_UAC_SERVER_TRUST_ACCOUNT | 0x800 /* INTERDOMAIN */;
	const int64_t priv = MDC_UAC_SERVER_TRUST_ACCOUNT |
	                     MDC_UAC_TRUSTED_FOR_DELEGATION |
	                     MDC_UAC_TRUSTED_TO_AUTH_FOR_DELEGATION;
	int64_t t = uac & types;

	*privileged_out = 0;
	if (uac < 0 || uac > 0xffffffffLL)
		return MDC_EINVAL;
	if (computer && t != MDC_UAC_WORKSTATION_TRUST_ACCOUNT &&
	    t != MDC_UAC_SERVER_TRUST_ACCOUNT)
		return MDC_EINVAL;
	if (!computer && t != MDC_UAC_NORMAL_ACCOUNT)
		return MDC_EINVAL;
	*privileged_out = (uac & priv) != 0;
	return 0;
}

int
mdc_dsa_parse_int(const char *s, int64_t *v_out)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0' || *s == ' ' || *s == '+')
		return MDC_EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || errno != 0)
		return MDC_EINVAL;
	*v_out = v;
	return 0;
}

int
mdc_dsa_rdn_cn(const char *dn, char **cn_out)
{
	LDAPDN parsed = NULL;
	LDAPAVA *ava;
	int ret = MDC_EINVAL;

	*cn_out = NULL;
	if (ldap_str2dn(dn, &parsed, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS ||
	    parsed == NULL || parsed[0] == NULL)
		goto out;
	ava = parsed[0][0];
	if (ava == NULL || parsed[0][1] != NULL || ava->la_attr.bv_len != 2 ||
	    strncasecmp(ava->la_attr.bv_val, "cn", 2) != 0 ||
	    ava->la_value.bv_len == 0 ||
	    memchr(ava->la_value.bv_val, '\0', ava->la_value.bv_len) != NULL)
		goto out;
	*cn_out = strndup(ava->la_value.bv_val, ava->la_value.bv_len);
	ret = *cn_out == NULL ? MDC_ENOMEM : 0;
out:
	ldap_dnfree(parsed);
	return ret;
}

int
mdc_dsa_dn_norm(const char *dn, char **out)
{
	char *n = NULL;

	*out = NULL;
	if (ldap_dn_normalize(dn, LDAP_DN_FORMAT_LDAPV3, &n,
	                      LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
		return MDC_EINVAL;
	*out = strdup(n);
	ldap_memfree(n);
	if (*out == NULL)
		return MDC_ENOMEM;
	mdc_str_lower(*out);
	return 0;
}

int
mdc_dsa_dn_under(const char *dn, const char *base)
{
	size_t n = strlen(dn), b = strlen(base);

	if (n < b || strcmp(dn + n - b, base) != 0)
		return 0;
	return n == b || (n > b + 1 && dn[n - b - 1] == ',');
}

int
mdc_dsa_spn_is_own(const char *spn, const char *short_name, const char *fqdn)
{
	const char *h = strchr(spn, '/');
	size_t n;

	if (h == NULL)
		return 0;
	h++;
	n = strcspn(h, ":/");
	if (n == strlen(short_name) && strncasecmp(h, short_name, n) == 0)
		return 1;
	return fqdn != NULL && n == strlen(fqdn) &&
	       strncasecmp(h, fqdn, n) == 0;
}

int
mdc_dsa_dnshostname_ok(const char *fqdn, const char *short_name)
{
	size_t n = strlen(short_name);

	return mdc_domain_valid(fqdn) &&
	       strncasecmp(fqdn, short_name, n) == 0 && fqdn[n] == '.';
}

int64_t
mdc_dsa_group_sat(int64_t group_type)
{
	int security = (group_type & 0x80000000LL) != 0;
	int local = (group_type & 0x4) != 0; /* domain local (or builtin) */

	if (local)
		return security ? MDC_SAT_ALIAS : MDC_SAT_ALIAS + 1;
	return security ? MDC_SAT_GROUP : MDC_SAT_GROUP + 1;
}

/* Copy the values of one LDAPMod into a request attribute. */
static int
attr_from_mod(const LDAPMod *m, struct mdc_sock_attr *a)
{
	int bin = (m->mod_op & LDAP_MOD_BVALUES) != 0;
	size_t n = 0;

	a->op = m->mod_op & ~LDAP_MOD_BVALUES;
	a->name = strdup(m->mod_type);
	if (a->name == NULL)
		return MDC_ENOMEM;
	while (bin ? (m->mod_bvalues != NULL && m->mod_bvalues[n] != NULL)
	           : (m->mod_values != NULL && m->mod_values[n] != NULL))
		n++;
	a->vals = calloc(n + 1, sizeof(*a->vals));
	if (a->vals == NULL)
		return MDC_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *p =
		        bin ? m->mod_bvalues[i]->bv_val : m->mod_values[i];
		size_t len = bin ? m->mod_bvalues[i]->bv_len : strlen(p);

		a->vals[i].data = malloc(len + 1);
		if (a->vals[i].data == NULL)
			return MDC_ENOMEM;
		memcpy(a->vals[i].data, p, len);
		a->vals[i].data[len] = '\0';
		a->vals[i].len = len;
		a->nvals++;
	}
	return 0;
}

int
mdc_dsa_req_from_mods(enum mdc_sock_op op, const char *dn, LDAPMod **mods,
                      struct mdc_sock_req **req_out)
{
	struct mdc_sock_req *r = calloc(1, sizeof(*r));
	size_t n = 0;
	int ret = MDC_ENOMEM;

	*req_out = NULL;
	if (r == NULL)
		return MDC_ENOMEM;
	r->op = op;
	r->ssf = -1;
	r->dn = strdup(dn);
	while (mods != NULL && mods[n] != NULL)
		n++;
	r->attrs = calloc(n + 1, sizeof(*r->attrs));
	if (r->dn == NULL || r->attrs == NULL)
		goto out;
	ret = 0;
	for (size_t i = 0; i < n && ret == 0; i++, r->nattrs++)
		ret = attr_from_mod(mods[i], &r->attrs[i]);
	if (ret == 0) {
		*req_out = r;
		r = NULL;
	}
out:
	mdc_sock_req_free(r);
	return ret;
}

const char *const mdc_dsa_user_oc[] = {"top", "person", "organizationalPerson",
                                       "user", NULL};
const char *const mdc_dsa_computer_oc[] = {
        "top", "person", "organizationalPerson", "user", "computer", NULL};
const char *const mdc_dsa_group_oc[] = {"top", "group", NULL};
const char *const mdc_dsa_account_given[] = {
        "objectClass",    "cn",
        "sAMAccountName", "userAccountControl",
        "primaryGroupID", "sAMAccountType",
        "pwdLastSet",     NULL};
const char *const mdc_dsa_group_given[] = {"objectClass", "cn",
                                           "sAMAccountName", "groupType", NULL};
