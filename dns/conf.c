/* dns/conf.c - what the DNS server is told of the DC it serves */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dns/conf.h"

void
dns_conf_clear(struct dns_conf *c)
{
	char **s[] = {&c->domain,     &c->base_dn,    &c->domain_sid,
	              &c->host_name,  &c->fqdn,       &c->address,
	              &c->forwarders, &c->axfr_allow, &c->ldapi_uri,
	              &c->krb5_conf,  &c->keytab,     &c->privdir};

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		free(*s[i]);
	memset(c, 0, sizeof(*c));
}
