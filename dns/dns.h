/* dns/dns.h - what the DNS server gives the rest of minidc */
#ifndef DNS_DNS_H
#define DNS_DNS_H

#include <stddef.h>

#include "dns/conf.h"
#include "lib/err.h"

/*
 * Fill *out with the settings of the DC in directory dir (the DC shell
 * reads its own configuration: dc/dnsglue.h).  0, or MDC_E* with one line
 * in err.
 */
typedef int (*dns_conf_loader)(const char *dir, struct dns_conf *out,
                               struct mdc_err *err);
/*
 * `minidc dns-serve` (internal): the daemon, see dns/server.h; load reads
 * the settings of --dir DIR.
 */
int dns_cmd_serve(int argc, char **argv, dns_conf_loader load);
/* One value of a directory attribute as a writer (the dsa) holds it. */
struct dns_ldap_val {
	const char *attr; /* attribute description, any case ("tXTRecord") */
	const char *val;  /* the value, not NUL-terminated */
	size_t len;
};
/* True if attr (options ignored) holds records (aRecord, tXTRecord...). */
int dns_ldap_is_record_attr(const char *attr);
/*
 * The size rule (dns/zone.h dns_rrs_fit) for the directory of base_dn (the
 * zones live in cn=dns below it): v[0..n) are all the record values entry
 * dn will hold after a write (other attributes are ignored).  Returns 0 if
 * every record and RRset fits a DNS message, also when dn is not a zone or
 * record entry below cn=dns (the server does not read those) and for values
 * that do not parse (it skips them); MDC_ERANGE with a one-line reason in why;
 * MDC_ENOMEM.
 */
int dns_ldap_values_fit(const char *base_dn, const char *dn,
                        const struct dns_ldap_val *v, size_t n,
                        struct mdc_err *why);

#endif
