/* ad/dcconf.c - load and save DIR/minidc.conf through the table below */
#include "config.h"

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ad/dcconf.h"
#include "lib/conf.h"
#include "lib/util.h"

#define S(sec, key, field, def)                                                \
	{                                                                      \
		sec, key, MDC_CONF_STR, def, 0, 0,                             \
		        offsetof(struct mdc_dcconf, field)                     \
	}
#define I(sec, key, field, def, lo, hi)                                        \
	{                                                                      \
		sec, key, MDC_CONF_INT, def, lo, hi,                           \
		        offsetof(struct mdc_dcconf, field)                     \
	}

static const struct mdc_conf_item dcconf_items[] = {
        S("domain", "dns_domain", dns_domain, NULL),
        S("domain", "realm", realm, NULL),
        S("domain", "netbios", netbios, NULL),
        S("domain", "base_dn", base_dn, NULL),
        S("domain", "sid", domain_sid, NULL),
        S("domain", "guid", domain_guid, NULL),
        S("domain", "oid_arc", oid_arc,
          "2.25.130646431960511396531638391234485051978"),
        S("dc", "host_name", host_name, NULL),
        S("dc", "fqdn", fqdn, NULL),
        S("dc", "address", address, "127.0.0.1"),
        S("dc", "guid", dc_guid, NULL),
        S("dc", "ntds_guid", ntds_guid, NULL),
        S("dc", "site", site, "Default-First-Site-Name"),
        I("ports", "ldap", port_ldap, "389", 1, 65535),
        I("ports", "ldaps", port_ldaps, "636", 1, 65535),
        I("ports", "cldap", port_cldap, "389", 1, 65535),
        I("ports", "kdc", port_kdc, "88", 1, 65535),
        I("ports", "kpasswd", port_kpasswd, "464", 1, 65535),
        I("ports", "kadmin", port_kadmin, "749", 1, 65535),
        I("ports", "dns", port_dns, "53", 1, 65535),
        I("ports", "gc", port_gc, "3268", 1, 65535),
        I("ports", "gcs", port_gcs, "3269", 1, 65535),
        S("dns", "forwarders", dns_forwarders, ""),
        S("dns", "axfr_allow", dns_axfr_allow, ""),
        I("dns", "workers", dns_workers, "2", 1, 64),
        I("log", "debug", log_debug, "0", 0, 1),
        {NULL, NULL, 0, NULL, 0, 0, 0},
};

int
mdc_dcconf_defaults(struct mdc_dcconf *conf)
{
	memset(conf, 0, sizeof(*conf));
	return mdc_conf_defaults(dcconf_items, conf);
}

int
mdc_dcconf_load(const char *dir, struct mdc_dcconf *conf, struct mdc_err *err)
{
	char real[PATH_MAX], *path = NULL;
	int ret;

	memset(conf, 0, sizeof(*conf));
	if (realpath(dir, real) == NULL) {
		return mdc_err_set(err, MDC_ENOENT, "%s: %s", dir,
		                   strerror(errno));
	}
	path = mdc_strdupf("%s/minidc.conf", real);
	conf->dir = strdup(real);
	if (path == NULL || conf->dir == NULL) {
		ret = MDC_ENOMEM;
		goto out;
	}
	ret = mdc_conf_load(path, dcconf_items, conf, err);
out:
	free(path);
	if (ret != 0)
		mdc_dcconf_free(conf);
	return ret;
}

int
mdc_dcconf_save(const struct mdc_dcconf *conf)
{
	char *path;
	int ret;

	path = mdc_dc_path(conf, "minidc.conf");
	if (path == NULL)
		return MDC_ENOMEM;
	ret = mdc_conf_save(path, dcconf_items, conf);
	free(path);
	return ret;
}

void
mdc_dcconf_free(struct mdc_dcconf *conf)
{
	mdc_conf_free(dcconf_items, conf);
	free(conf->dir);
	conf->dir = NULL;
}

char *
mdc_dc_path(const struct mdc_dcconf *conf, const char *rel)
{
	return mdc_strdupf("%s/%s", conf->dir, rel);
}

char *
mdc_dc_ldapi_uri(const struct mdc_dcconf *conf)
{
	char *path = mdc_dc_path(conf, "run/ldap/ldapi");
	char *uri = path != NULL ? mdc_ldapi_uri_of(path) : NULL;

	free(path);
	return uri;
}

char *
mdc_ldapi_uri_of(const char *path)
{
	char *uri, *p;
	const char *s;

	uri = malloc(strlen("ldapi://") + 3 * strlen(path) + 1);
	if (uri == NULL)
		return NULL;
	p = uri + snprintf(uri, 9, "ldapi://");
	for (s = path; *s != '\0'; s++) {
		if (*s == '/' || *s == '%' || *s == ' ' || *s == ':')
			p += snprintf(p, 4, "%%%02X", (unsigned char)*s);
		else
			*p++ = *s;
	}
	*p = '\0';
	return uri;
}
