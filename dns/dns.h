/* dns/dns.h - what the DNS area gives the rest of minidc */
#ifndef DNS_DNS_H
#define DNS_DNS_H

#include <stdio.h>

#include "dc/dcconf.h"
#include "dc/service.h"

/* `minidc dns-serve` (internal): the daemon, see dns/server.h. */
int dns_cmd_serve(int argc, char **argv);
/* `minidc dns add|del|list --dir DIR ...`: edit the zone in the directory. */
int dns_cmd_admin(int argc, char **argv);
/*
 * Append the LDIF of the new domain's zone to out: cn=dns,<base>, the zone
 * entry (SOA, NS, apex A) and every AD locator record with conf's ports.
 * Returns 0, MDC_EINVAL if conf lacks a needed field, MDC_ENOMEM.
 */
int dns_provision_ldif(const struct mdc_dcconf *conf, FILE *out);
/* One value of a directory attribute as a writer (the dsa) holds it. */
struct dns_ldap_val {
	const char *attr; /* attribute description, any case ("tXTRecord") */
	const char *val;  /* the value, not NUL-terminated */
	size_t len;
};
/* True if attr (options ignored) holds records (aRecord, tXTRecord...). */
int dns_ldap_is_record_attr(const char *attr);
/*
 * The size rule (dns/zone.h dns_rrs_fit) for the directory: v[0..n) are
 * all the record values entry dn will hold after a write (other attributes
 * are ignored).  Returns 0 if every record and RRset fits a DNS message,
 * also when dn is not a zone or record entry below cn=dns (the server does
 * not read those) and for values that do not parse (it skips them);
 * MDC_ERANGE with a one-line reason in why; MDC_ENOMEM.
 */
int dns_ldap_values_fit(const struct mdc_dcconf *conf, const char *dn,
                        const struct dns_ldap_val *v, size_t n, char *why,
                        size_t whylen);
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
/* The supervisor's "dns" service (dc/services.c). */
extern const struct mdc_service dns_service;

#endif
