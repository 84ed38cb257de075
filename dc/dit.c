/* dc/dit.c - render the initial DIT of a domain as LDIF */
#include "config.h"

#include <crypt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dc/dit.h"
#include "lib/ad.h"
#include "lib/util.h"

/* Shared per-run values while rendering. */
struct ditctx {
	const struct mdc_dcconf *c;
	FILE *out;
	struct mdc_sid dom;
	char now[32];
	char *cat_base; /* CN=Schema,CN=Configuration,<base> */
};

/* "objectGUID:: <b64>" of a fresh or given GUID. */
static int
emit_guid(struct ditctx *x, const char *text)
{
	struct mdc_guid g;
	char *b64;
	int ret;

	ret = text != NULL ? mdc_guid_parse(text, &g) : mdc_guid_new(&g);
	if (ret != 0)
		return ret;
	b64 = mdc_base64(g.b, sizeof(g.b));
	if (b64 == NULL)
		return MDC_ENOMEM;
	fprintf(x->out, "objectGUID:: %s\n", b64);
	free(b64);
	return 0;
}

/* "objectSid:: <b64>" of the domain SID plus rid (rid 0: the domain itself). */
static int
emit_sid(struct ditctx *x, const struct mdc_sid *base, uint32_t rid)
{
	struct mdc_sid sid = *base;
	uint8_t bin[MDC_SID_BIN_LEN(MDC_SID_MAX_SUBAUTH)];
	size_t len;
	char *b64;
	int ret = 0;

	if (rid != 0)
		ret = mdc_sid_append(&sid, rid);
	if (ret == 0)
		ret = mdc_sid_to_bin(&sid, bin, sizeof(bin), &len);
	if (ret != 0)
		return ret;
	b64 = mdc_base64(bin, len);
	if (b64 == NULL)
		return MDC_ENOMEM;
	fprintf(x->out, "objectSid:: %s\n", b64);
	free(b64);
	return 0;
}

/* Common tail of every entry: GUID, category, timestamps, blank line. */
static int
emit_tail(struct ditctx *x, const char *category, const char *guid)
{
	int ret = emit_guid(x, guid);

	if (ret != 0)
		return ret;
	if (category != NULL)
		fprintf(x->out, "objectCategory: CN=%s,%s\n", category,
		        x->cat_base);
	fprintf(x->out, "whenCreated: %s\nwhenChanged: %s\n\n", x->now, x->now);
	return 0;
}

static int
emit_container(struct ditctx *x, const char *rdn_cn, const char *parent)
{
	fprintf(x->out,
	        "dn: CN=%s,%s\nobjectClass: top\nobjectClass: container\n"
	        "cn: %s\n",
	        rdn_cn, parent, rdn_cn);
	return emit_tail(x, "Container", NULL);
}

static int
emit_head(struct ditctx *x)
{
	const struct mdc_dcconf *c = x->c;
	static const struct {
		const char *guid, *rdn;
	} wk[] = {
	        {MDC_WKGUID_COMPUTERS, "CN=Computers"},
	        {"A9D1CA15768811D1ADED00C04FD8D5CD", "CN=Users"},
	        {"A361B2FFFFD211D1AA4B00C04FD7D83A", "OU=Domain Controllers"},
	        {"AB1D30F3768811D1ADED00C04FD8D5CD", "CN=System"},
	};
	char label[64];
	int ret;

	snprintf(label, sizeof(label), "%.*s", (int)strcspn(c->dns_domain, "."),
	         c->dns_domain);
	fprintf(x->out,
	        "dn: %s\nobjectClass: top\nobjectClass: domain\n"
	        "objectClass: domainDNS\ndc: %s\nmdcRidNext: %d\n",
	        c->base_dn, label, MDC_RID_FIRST_FREE);
	for (size_t i = 0; i < sizeof(wk) / sizeof(wk[0]); i++)
		fprintf(x->out, "wellKnownObjects: B:32:%s:%s,%s\n", wk[i].guid,
		        wk[i].rdn, c->base_dn);
	ret = emit_sid(x, &x->dom, 0);
	return ret != 0 ? ret : emit_tail(x, "Domain-DNS", c->domain_guid);
}

/* A global security group in CN=Users (or CN=Builtin for S-1-5-32). */
static int
emit_group(struct ditctx *x, const char *name, uint32_t rid, int builtin,
           const char *member_dn)
{
	struct mdc_sid b32 = {1, 1, 5, {32}};
	int ret;

	fprintf(x->out,
	        "dn: CN=%s,CN=%s,%s\nobjectClass: top\nobjectClass: group\n"
	        "cn: %s\nsAMAccountName: %s\ngroupType: %d\nsAMAccountType: "
	        "%d\n",
	        name, builtin ? "Builtin" : "Users", x->c->base_dn, name, name,
	        builtin ? -2147483643 : -2147483646,
	        builtin ? MDC_SAT_ALIAS : MDC_SAT_GROUP);
	if (member_dn != NULL)
		fprintf(x->out, "member: %s\n", member_dn);
	ret = emit_sid(x, builtin ? &b32 : &x->dom, rid);
	return ret != 0 ? ret : emit_tail(x, "Group", NULL);
}

/* A user or computer account; extra holds more "attr: value\n" lines. */
static int
emit_account(struct ditctx *x, const char *dn, const char *cn, const char *sam,
             uint32_t rid, int uac, int pgid, int computer, const char *extra,
             const char *guid)
{
	int ret;

	fprintf(x->out,
	        "dn: %s\nobjectClass: top\nobjectClass: person\n"
	        "objectClass: organizationalPerson\nobjectClass: user\n%s"
	        "cn: %s\nsAMAccountName: %s\nuserAccountControl: %d\n"
	        "primaryGroupID: %d\nsAMAccountType: %d\n"
	        "accountExpires: 9223372036854775807\ncodePage: "
	        "0\ncountryCode: 0\n"
	        "badPwdCount: 0\nbadPasswordTime: 0\nlastLogoff: 0\nlastLogon: "
	        "0\n"
	        "logonCount: 0\ninstanceType: 4\n%s",
	        dn, computer ? "objectClass: computer\n" : "", cn, sam, uac,
	        pgid, computer ? MDC_SAT_MACHINE : MDC_SAT_USER, extra);
	ret = emit_sid(x, &x->dom, rid);
	return ret != 0 ? ret
	                : emit_tail(x, computer ? "Computer" : "Person", guid);
}

static int
emit_admin_krbtgt(struct ditctx *x, const char *admin_password)
{
	const struct mdc_dcconf *c = x->c;
	char *dn = NULL, *hash = NULL, *extra = NULL;
	int ret = MDC_ENOMEM;

	hash = mdc_password_hash(admin_password);
	dn = mdc_strdupf("CN=Administrator,CN=Users,%s", c->base_dn);
	if (hash != NULL)
		/* slapadd bypasses the memberof overlay: write memberOf here.
		 */
		extra = mdc_strdupf(
		        "description: Built-in account for administering "
		        "the domain\nuserPassword: %s\npwdLastSet: %llu\n"
		        "memberOf: CN=Domain Admins,CN=Users,%s\n"
		        "memberOf: CN=Enterprise Admins,CN=Users,%s\n"
		        "memberOf: CN=Administrators,CN=Builtin,%s\n",
		        hash,
		        (unsigned long long)mdc_nttime_from_unix(time(NULL)),
		        c->base_dn, c->base_dn, c->base_dn);
	if (dn == NULL || extra == NULL)
		goto out;
	ret = emit_account(
	        x, dn, "Administrator", "Administrator", MDC_RID_ADMINISTRATOR,
	        MDC_UAC_NORMAL_ACCOUNT | MDC_UAC_DONT_EXPIRE_PASSWORD,
	        MDC_RID_DOMAIN_USERS, 0, extra, NULL);
	if (ret != 0)
		goto out;
	free(dn);
	dn = mdc_strdupf("CN=krbtgt,CN=Users,%s", c->base_dn);
	if (dn == NULL) {
		ret = MDC_ENOMEM;
		goto out;
	}
	/* As in AD, krbtgt is a disabled user: nobody logs on as it. */
	ret = emit_account(
	        x, dn, "krbtgt", "krbtgt", MDC_RID_KRBTGT,
	        MDC_UAC_NORMAL_ACCOUNT | MDC_UAC_ACCOUNTDISABLE,
	        MDC_RID_DOMAIN_USERS, 0,
	        "description: Key Distribution Center Service Account\n"
	        "pwdLastSet: 0\n",
	        NULL);
out:
	if (extra != NULL)
		mdc_secret_free(extra, 0);
	mdc_secret_free(hash, 0);
	free(dn);
	return ret;
}

static int
emit_dc_account(struct ditctx *x)
{
	const struct mdc_dcconf *c = x->c;
	char *dn = NULL, *extra = NULL, *cn = NULL, *sam = NULL;
	int ret = MDC_ENOMEM;

	cn = strdup(c->host_name);
	if (cn == NULL)
		goto out;
	mdc_str_upper(cn);
	sam = mdc_strdupf("%s$", cn);
	dn = mdc_strdupf("CN=%s,OU=Domain Controllers,%s", cn, c->base_dn);
	/* One spelling per SPN: the attribute matches case-insensitively.
	 * DNS/ belongs to the DNS server's own account (emit_dns_account). */
	extra = mdc_strdupf(
	        "dNSHostName: %s\n"
	        "servicePrincipalName: ldap/%s\nservicePrincipalName: ldap/%s\n"
	        "servicePrincipalName: ldap/%s/%s\n"
	        "servicePrincipalName: host/%s\nservicePrincipalName: host/%s\n"
	        /* An IP SPN (setspn -S ldap/<ip> on Windows): GSSAPI to
	         * ldap://<address> works without a resolver entry for the DC
	         * (minidc env sets LDAPSASL_NOCANON). */
	        "servicePrincipalName: ldap/%s\n"
	        "msDS-SupportedEncryptionTypes: 24\npwdLastSet: 0\n"
	        "memberOf: CN=Domain Controllers,CN=Users,%s\n",
	        c->fqdn, c->fqdn, cn, c->fqdn, c->dns_domain, c->fqdn, cn,
	        c->address, c->base_dn);
	if (sam == NULL || dn == NULL || extra == NULL)
		goto out;
	ret = emit_account(x, dn, cn, sam, MDC_RID_DC1,
	                   MDC_UAC_SERVER_TRUST_ACCOUNT |
	                           MDC_UAC_TRUSTED_FOR_DELEGATION,
	                   MDC_RID_DOMAIN_CONTROLLERS, 1, extra, c->dc_guid);
out:
	free(cn);
	free(sam);
	free(dn);
	free(extra);
	return ret;
}

/*
 * The DNS server's own account (as Samba's dns-<host>): DNS/<fqdn> has a
 * key of its own, so the server, which anyone can reach, holds no key of
 * the DC's account (host/, ldap/, DC$).
 */
static int
emit_dns_account(struct ditctx *x)
{
	const struct mdc_dcconf *c = x->c;
	char *sam = mdc_strdupf("dns-%s", c->host_name), *dn = NULL;
	char *extra = NULL;
	int ret = MDC_ENOMEM;

	if (sam == NULL)
		goto out;
	dn = mdc_strdupf("CN=%s,CN=Users,%s", sam, c->base_dn);
	extra = mdc_strdupf(
	        "description: DNS Service Account for %s\n"
	        "servicePrincipalName: DNS/%s\n"
	        "msDS-SupportedEncryptionTypes: 24\npwdLastSet: 0\n",
	        c->fqdn, c->fqdn);
	if (dn == NULL || extra == NULL)
		goto out;
	ret = emit_account(x, dn, sam, sam, MDC_RID_DNS_SERVICE,
	                   MDC_UAC_NORMAL_ACCOUNT |
	                           MDC_UAC_DONT_EXPIRE_PASSWORD |
	                           MDC_UAC_NOT_DELEGATED,
	                   MDC_RID_DOMAIN_USERS, 0, extra, NULL);
out:
	free(sam);
	free(dn);
	free(extra);
	return ret;
}

static int
emit_groups(struct ditctx *x)
{
	const struct mdc_dcconf *c = x->c;
	char *admin = mdc_strdupf("CN=Administrator,CN=Users,%s", c->base_dn);
	char *dcdn = NULL, *cn = strdup(c->host_name);
	int ret = MDC_ENOMEM;

	if (admin == NULL || cn == NULL)
		goto out;
	mdc_str_upper(cn);
	dcdn = mdc_strdupf("CN=%s,OU=Domain Controllers,%s", cn, c->base_dn);
	if (dcdn == NULL)
		goto out;
	ret = emit_group(x, "Domain Admins", MDC_RID_DOMAIN_ADMINS, 0, admin);
	if (ret == 0)
		ret = emit_group(x, "Domain Users", MDC_RID_DOMAIN_USERS, 0,
		                 NULL);
	if (ret == 0)
		ret = emit_group(x, "Domain Guests", MDC_RID_DOMAIN_GUESTS, 0,
		                 NULL);
	if (ret == 0)
		ret = emit_group(x, "Domain Computers",
		                 MDC_RID_DOMAIN_COMPUTERS, 0, NULL);
	if (ret == 0)
		ret = emit_group(x, "Domain Controllers",
		                 MDC_RID_DOMAIN_CONTROLLERS, 0, dcdn);
	if (ret == 0)
		ret = emit_group(x, "Enterprise Admins",
		                 MDC_RID_ENTERPRISE_ADMINS, 0, admin);
	if (ret == 0)
		ret = emit_group(x, "DnsAdmins", MDC_RID_DNSADMINS, 0, NULL);
	if (ret == 0)
		ret = emit_group(x, "DnsUpdateProxy", MDC_RID_DNSUPDATEPROXY, 0,
		                 NULL);
	if (ret == 0)
		ret = emit_group(x, "Migration Operators",
		                 MDC_RID_MIGRATION_OPERATORS, 0, NULL);
	if (ret == 0)
		ret = emit_group(x, "Administrators", 544, 1, admin);
	if (ret == 0)
		ret = emit_group(x, "Account Operators", 548, 1, NULL);
out:
	free(admin);
	free(dcdn);
	free(cn);
	return ret;
}

/* CN=Configuration: Partitions (crossRef with nETBIOSName), Sites, Schema. */
static int
emit_configuration(struct ditctx *x)
{
	const struct mdc_dcconf *c = x->c;
	char *cfg = mdc_strdupf("CN=Configuration,%s", c->base_dn);
	char *sites = NULL, *srv = NULL, *cn = strdup(c->host_name);
	int ret = MDC_ENOMEM;

	if (cfg == NULL || cn == NULL)
		goto out;
	mdc_str_upper(cn);
	ret = emit_container(x, "Configuration", c->base_dn);
	if (ret == 0)
		ret = emit_container(x, "Schema", cfg);
	if (ret == 0)
		ret = emit_container(x, "Partitions", cfg);
	if (ret != 0)
		goto out;
	fprintf(x->out,
	        "dn: CN=%s,CN=Partitions,%s\nobjectClass: top\n"
	        "objectClass: crossRef\ncn: %s\nnCName: %s\ndnsRoot: %s\n"
	        "nETBIOSName: %s\n",
	        c->netbios, cfg, c->netbios, c->base_dn, c->dns_domain,
	        c->netbios);
	ret = emit_tail(x, "Cross-Ref", NULL);
	if (ret == 0)
		ret = emit_container(x, "Sites", cfg);
	sites = mdc_strdupf("CN=Sites,%s", cfg);
	if (ret == 0 && sites == NULL)
		ret = MDC_ENOMEM;
	if (ret == 0)
		ret = emit_container(x, c->site, sites);
	free(sites);
	sites = mdc_strdupf("CN=%s,CN=Sites,%s", c->site, cfg);
	if (ret == 0 && sites == NULL)
		ret = MDC_ENOMEM;
	if (ret == 0)
		ret = emit_container(x, "Servers", sites);
	srv = mdc_strdupf("CN=Servers,%s", sites != NULL ? sites : "");
	if (ret == 0 && srv == NULL)
		ret = MDC_ENOMEM;
	if (ret == 0)
		ret = emit_container(x, cn, srv);
	if (ret != 0)
		goto out;
	fprintf(x->out,
	        "dn: CN=NTDS Settings,CN=%s,%s\nobjectClass: top\n"
	        "objectClass: container\ncn: NTDS Settings\n",
	        cn, srv);
	ret = emit_tail(x, "NTDS-DSA", c->ntds_guid);
out:
	free(cfg);
	free(sites);
	free(srv);
	free(cn);
	return ret;
}

int
mdc_dit_ldif(const struct mdc_dcconf *conf, const char *admin_password,
             FILE *out)
{
	struct ditctx x = {.c = conf, .out = out};
	int ret;

	ret = mdc_sid_parse(conf->domain_sid, &x.dom);
	if (ret != 0)
		return ret;
	mdc_gentime(time(NULL), x.now, sizeof(x.now));
	x.cat_base =
	        mdc_strdupf("CN=Schema,CN=Configuration,%s", conf->base_dn);
	if (x.cat_base == NULL)
		return MDC_ENOMEM;
	ret = emit_head(&x);
	if (ret == 0)
		ret = emit_container(&x, "Users", conf->base_dn);
	if (ret == 0)
		ret = emit_container(&x, "Computers", conf->base_dn);
	if (ret == 0)
		ret = emit_container(&x, "System", conf->base_dn);
	if (ret == 0)
		ret = emit_container(&x, "Builtin", conf->base_dn);
	if (ret == 0) {
		fprintf(out,
		        "dn: OU=Domain Controllers,%s\nobjectClass: top\n"
		        "objectClass: organizationalUnit\nobjectClass: "
		        "mdcObject\n"
		        "ou: Domain Controllers\n",
		        conf->base_dn);
		ret = emit_tail(&x, "Organizational-Unit", NULL);
	}
	if (ret == 0)
		ret = emit_admin_krbtgt(&x, admin_password);
	if (ret == 0)
		ret = emit_dc_account(&x);
	if (ret == 0)
		ret = emit_dns_account(&x);
	if (ret == 0)
		ret = emit_groups(&x);
	if (ret == 0)
		ret = emit_configuration(&x);
	free(x.cat_base);
	if (ret == 0 && ferror(out))
		ret = MDC_ENOMEM;
	return ret;
}

char *
mdc_password_hash(const char *password)
{
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	char salt[CRYPT_GENSALT_OUTPUT_SIZE], *res = NULL;
	const char *h;

	if (cd == NULL)
		return NULL;
	if (crypt_gensalt_rn("$6$", 0, NULL, 0, salt, sizeof(salt)) != NULL) {
		h = crypt_r(password, salt, cd);
		if (h != NULL && h[0] == '$')
			res = mdc_strdupf("{CRYPT}%s", h);
	}
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return res;
}
