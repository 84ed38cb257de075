/* dc/dnsglue.h - the DNS server in the DC: supervised service, zone LDIF
 * and locator records of a new domain */
#ifndef MDC_DNSGLUE_H
#define MDC_DNSGLUE_H

#include <stdio.h>

#include "ad/dcconf.h"
#include "dc/service.h"
#include "dns/conf.h"

/*
 * Append the LDIF of the new domain's zone to out: cn=dns,<base>, the zone
 * entry (SOA, NS, apex A) and every AD locator record with conf's ports.
 * Returns 0, MDC_EINVAL if conf lacks a needed field, MDC_ENOMEM.
 */
int dns_provision_ldif(const struct mdc_dcconf *conf, FILE *out);
/*
 * Call fn for every locator record of conf's DC (the set provisioning
 * writes): owner name relative to the zone ("@" the apex), the idnsRecord
 * attribute and its value.  A joining DC adds its own with it.  Returns 0
 * or MDC_ENOMEM (then fn was not called).
 */
typedef void (*dns_record_fn)(void *arg, const char *name, const char *attr,
                              const char *value);
int dns_locator_each(const struct mdc_dcconf *conf, dns_record_fn fn,
                     void *arg);
/*
 * Fill *out (dns/conf.h) with what the DNS server needs of conf: the DC
 * shell is the one that reads the DC's configuration.  0 or MDC_ENOMEM
 * (then *out is cleared).
 */
int dns_glue_conf(const struct mdc_dcconf *conf, struct dns_conf *out);
/* `minidc dns-serve`: the daemon, its --dir read by dns_glue_conf. */
int dns_glue_serve(int argc, char **argv);
/* The supervisor's "dns" service (dc/services.c). */
extern const struct mdc_service dns_service;

#endif
