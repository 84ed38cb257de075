/* dc/rootdse.c - the static part of the rootDSE (DIR/rootdse.ldif for slapd) */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ad/netlogon.h"
#include "dc/rootdse.h"
#include "lib/ad.h"
#include "lib/util.h"

/* Samba 4.17's set; realmd needs .800 and .1670, adcli .1935 (AES keys). */
static const char *const rootdse_caps[] = {
        "1.2.840.113556.1.4.800",  /* ACTIVE_DIRECTORY_OID */
        "1.2.840.113556.1.4.1670", /* ACTIVE_DIRECTORY_V51_OID */
        "1.2.840.113556.1.4.1791", /* ACTIVE_DIRECTORY_LDAP_INTEG_OID */
        "1.2.840.113556.1.4.1935", /* ACTIVE_DIRECTORY_V61_OID */
        "1.2.840.113556.1.4.2080", /* ACTIVE_DIRECTORY_V61_R2_OID */
        NULL,
};

/*
 * NtVer values the ping filters of real clients carry (all with V5EX and
 * without V5EX_WITH_IP, since the static blob has no DcSockAddr): adcli,
 * realmd and Samba 0x6, sssd 0x14, Windows 0x16 and 0x20000016 (plus
 * AVOID_NT4EMUL), bare 0x4.
 */
static const uint32_t rootdse_ntvers[] = {
        0x00000004, 0x00000006, 0x00000014, 0x00000016, 0x20000006, 0x20000016,
};

/* AAC values seen in pings: none, workstation, normal, server trust. */
static const uint32_t rootdse_aacs[] = {0x0, 0x80, 0x200, 0x2000};

/* AD's LDAP policy names (values are in the policy object, not here). */
static const char *const rootdse_policies[] = {
        "MaxPoolThreads",
        "MaxPercentDirSyncRequests",
        "MaxDatagramRecv",
        "MaxReceiveBuffer",
        "InitRecvTimeout",
        "MaxConnections",
        "MaxConnIdleTime",
        "MaxPageSize",
        "MaxBatchReturnMessages",
        "MaxQueryDuration",
        "MaxDirSyncDuration",
        "MaxTempTableSize",
        "MaxResultSetSize",
        "MinResultSets",
        "MaxResultSetsPerConn",
        "MaxNotificationPerConn",
        "MaxValRange",
        "MaxValRangeTransitive",
        "ThreadMemoryLimit",
        "SystemMemoryLimitPercent",
        NULL,
};

/* Functional level 4 = Windows 2008 R2, consistent with the ping flags. */
#define ROOTDSE_LEVEL "4"

/* True if value can be written as a plain LDIF SAFE-STRING. */
static int
ldif_safe(const uint8_t *v, size_t len)
{
	if (len > 0 &&
	    (v[0] == ' ' || v[0] == ':' || v[0] == '<' || v[len - 1] == ' '))
		return 0;
	for (size_t i = 0; i < len; i++)
		if (v[i] == 0 || v[i] == '\n' || v[i] == '\r' || v[i] >= 0x80)
			return 0;
	return 1;
}

/* "name: value" or "name:: base64" (slapd unfolds long lines itself). */
static int
ldif_put(FILE *out, const char *name, const void *value, size_t len)
{
	char *b64;

	if (ldif_safe(value, len)) {
		fprintf(out, "%s: %.*s\n", name, (int)len, (const char *)value);
		return 0;
	}
	b64 = mdc_base64(value, len);
	if (b64 == NULL)
		return MDC_ENOMEM;
	fprintf(out, "%s:: %s\n", name, b64);
	free(b64);
	return 0;
}

static int
ldif_str(FILE *out, const char *name, const char *value)
{
	return ldif_put(out, name, value, strlen(value));
}

static int
ldif_u32le(FILE *out, const char *name, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
	                (uint8_t)(v >> 24)};

	return ldif_put(out, name, b, sizeof(b));
}

/* The naming contexts and the DC's own DNs. */
static int
rootdse_names(const struct mdc_dcconf *c, FILE *out)
{
	char *server = NULL, *config = NULL, *schema = NULL, *ntds = NULL;
	int ret = MDC_ENOMEM;

	config = mdc_strdupf("CN=Configuration,%s", c->base_dn);
	schema = mdc_strdupf("CN=Schema,CN=Configuration,%s", c->base_dn);
	server = mdc_strdupf("CN=%s,CN=Servers,CN=%s,CN=Sites,"
	                     "CN=Configuration,%s",
	                     c->host_name, c->site, c->base_dn);
	ntds = server != NULL ? mdc_strdupf("CN=NTDS Settings,%s", server)
	                      : NULL;
	if (config == NULL || schema == NULL || ntds == NULL)
		goto out;
	ret = ldif_str(out, "defaultNamingContext", c->base_dn);
	if (ret == 0)
		ret = ldif_str(out, "rootDomainNamingContext", c->base_dn);
	if (ret == 0)
		ret = ldif_str(out, "configurationNamingContext", config);
	if (ret == 0)
		ret = ldif_str(out, "schemaNamingContext", schema);
	if (ret == 0)
		ret = ldif_str(out, "dnsHostName", c->fqdn);
	if (ret == 0)
		ret = ldif_str(out, "serverName", server);
	if (ret == 0)
		ret = ldif_str(out, "dsServiceName", ntds);
out:
	free(config);
	free(schema);
	free(server);
	free(ntds);
	return ret;
}

static int
rootdse_levels(FILE *out)
{
	int ret = 0;

	for (int i = 0; rootdse_caps[i] != NULL && ret == 0; i++)
		ret = ldif_str(out, "supportedCapabilities", rootdse_caps[i]);
	if (ret == 0)
		ret = ldif_str(out, "domainFunctionality", ROOTDSE_LEVEL);
	if (ret == 0)
		ret = ldif_str(out, "forestFunctionality", ROOTDSE_LEVEL);
	if (ret == 0)
		ret = ldif_str(out, "domainControllerFunctionality",
		               ROOTDSE_LEVEL);
	if (ret == 0)
		ret = ldif_str(out, "isSynchronized", "TRUE");
	/* The same DIT is served as the Global Catalog on 3268/3269. */
	if (ret == 0)
		ret = ldif_str(out, "isGlobalCatalogReady", "TRUE");
	for (int i = 0; rootdse_policies[i] != NULL && ret == 0; i++)
		ret = ldif_str(out, "supportedLDAPPolicies",
		               rootdse_policies[i]);
	return ret;
}

/* AD: <forest>:<host>$@<REALM>, the host name in lower case. */
static int
rootdse_service(const struct mdc_dcconf *c, FILE *out)
{
	char *v, host[256];
	int ret;

	snprintf(host, sizeof(host), "%s", c->host_name);
	mdc_str_lower(host);
	v = mdc_strdupf("%s:%s$@%s", c->dns_domain, host, c->realm);
	if (v == NULL)
		return MDC_ENOMEM;
	ret = ldif_str(out, "ldapServiceName", v);
	free(v);
	return ret;
}

/* What the ping filters test, and the answer (section 8, way 2). */
static int
rootdse_ping(const struct mdc_dcconf *c, FILE *out)
{
	struct mdc_netlogon_dc dc;
	uint8_t blob[MDC_NETLOGON_BLOB_MAX];
	char *dotted;
	size_t len, i;
	int ret;

	ret = mdc_netlogon_dc_init(c, &dc);
	if (ret == 0)
		ret = mdc_netlogon_encode(&dc, MDC_NTVER_V5 | MDC_NTVER_V5EX,
		                          NULL, blob, sizeof(blob), &len);
	/* Clients send the domain as typed, maybe with a trailing dot. */
	dotted = mdc_strdupf("%s.", c->dns_domain);
	if (ret == 0 && dotted == NULL)
		ret = MDC_ENOMEM;
	if (ret == 0)
		ret = ldif_str(out, "DnsDomain", c->dns_domain);
	if (ret == 0)
		ret = ldif_str(out, "DnsDomain", dotted);
	free(dotted);
	for (i = 0; ret == 0 && i < sizeof(rootdse_ntvers) / 4; i++)
		ret = ldif_u32le(out, "NtVer", rootdse_ntvers[i]);
	for (i = 0; ret == 0 && i < sizeof(rootdse_aacs) / 4; i++)
		ret = ldif_u32le(out, "AAC", rootdse_aacs[i]);
	/* Windows and Samba may add these terms: give them our values. */
	if (ret == 0)
		ret = ldif_put(out, "DomainGuid", dc.domain_guid, 16);
	if (ret == 0)
		ret = ldif_put(out, "DomainSid", dc.domain_sid,
		               dc.domain_sid_len);
	if (ret == 0)
		ret = ldif_put(out, "netlogon", blob, len);
	return ret;
}

int
mdc_rootdse_ldif(const struct mdc_dcconf *conf, FILE *out)
{
	int ret;

	if (conf->base_dn == NULL || conf->fqdn == NULL ||
	    conf->host_name == NULL || conf->site == NULL ||
	    conf->dns_domain == NULL || conf->realm == NULL)
		return MDC_ECONF;
	fprintf(out,
	        "# %s/rootdse.ldif - written by minidc from minidc.conf; "
	        "rewritten by provision\ndn:\n",
	        conf->dir != NULL ? conf->dir : ".");
	ret = rootdse_names(conf, out);
	if (ret == 0)
		ret = rootdse_levels(out);
	if (ret == 0)
		ret = rootdse_service(conf, out);
	if (ret == 0)
		ret = rootdse_ping(conf, out);
	if (ret == 0 && ferror(out))
		ret = mdc_err_from_errno(EIO);
	return ret;
}

int
mdc_rootdse_write(const struct mdc_dcconf *conf)
{
	char *data = NULL, *path = NULL;
	size_t len = 0;
	FILE *out;
	int ret;

	out = open_memstream(&data, &len);
	if (out == NULL)
		return MDC_ENOMEM;
	ret = mdc_rootdse_ldif(conf, out);
	if (fclose(out) != 0 && ret == 0)
		ret = MDC_ENOMEM;
	if (ret != 0)
		goto out;
	path = mdc_dc_path(conf, "rootdse.ldif");
	if (path == NULL) {
		ret = MDC_ENOMEM;
		goto out;
	}
	ret = mdc_file_write(path, data, len, 0644);
out:
	free(path);
	free(data);
	return ret;
}
