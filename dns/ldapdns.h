/* dns/ldapdns.h - the zone in the directory: idnsZone/idnsRecord <-> RRs */
#ifndef DNS_LDAPDNS_H
#define DNS_LDAPDNS_H

#include <ldap.h>
#include <ldns/ldns.h>

#include "dns/conf.h"
#include "dns/update.h"
#include "dns/zone.h"
#include "lib/privdrop.h"

/* Our auxiliary class and attribute (dc/schema/20-dns.ldif). */
#define DNS_OWNED_CLASS "mdcDnsOwnedObject"
#define DNS_OWNER_ATTR  "mdcDnsOwner"

/*
 * Connect to slapd's ldapi socket of the DC and bind with SASL EXTERNAL
 * (the DC system identity when run as root).  *ld_out owned by the caller
 * (ldap_unbind_ext_s).  0 or MDC_ELDAP.
 */
MDC_MUSTCHECK int dns_ldap_connect(const struct dns_conf *conf, LDAP **ld_out);
/*
 * Like dns_ldap_connect, but with the peer credentials of id (the user the
 * DNS server drops root to; lib/privdrop.h mdc_privdrop_as_peer): slapd
 * maps them to the DNS server's own identity (dc/slapdconf.h
 * mdc_dns_authz_dn), which reads cn=dns and little else.  Called as root
 * before the drop, while the process has one thread.
 */
MDC_MUSTCHECK int dns_ldap_connect_as(const struct dns_conf *conf,
                                      const struct mdc_privdrop_id *id,
                                      LDAP **ld_out);
/* "cn=dns,<base>" and "idnsName=<domain>,cn=dns,<base>" (caller frees). */
char *dns_ldap_container_dn(const struct dns_conf *conf);
char *dns_ldap_zone_dn(const struct dns_conf *conf);
/* The search filter and attributes every reader uses. */
extern const char *const dns_ldap_filter;
extern char *dns_ldap_attrs[];

/*
 * Convert one idnsZone/idnsRecord entry below container (cn=dns,<base>):
 * "idnsName=Z,<container>" is zone Z (its SOA from the idnsSOA* fields),
 * "idnsName=R,idnsName=Z,<container>" the records of name R in zone Z.
 * Record values that do not parse are skipped.  0, MDC_EMALF (not laid out
 * like that) or MDC_ENOMEM; out is cleared by the caller.
 */
MDC_MUSTCHECK int dns_ldap_entry(LDAP *ld, LDAPMessage *e,
                                 const char *container, struct dns_entry *out);
/*
 * Make this DC (fqdn) the primary (SOA MNAME) of a zone apex entry, as
 * every AD DC answers for a directory-integrated zone: GSS-TSIG clients
 * (nsupdate -g, Windows) ask for a ticket to DNS/<MNAME>, so each DC must
 * name itself.  Entries without a SOA are left alone.  0 or MDC_ENOMEM.
 */
MDC_MUSTCHECK int dns_ldap_soa_self(struct dns_entry *e, const char *fqdn);

/*
 * Store rrs (the complete RRset of name; the SOA is ignored) in the
 * directory: modify the entry dn (NULL: create it below zone_dn with owner,
 * which may be NULL), or delete it when rrs is empty and it is not the
 * apex.  0 or MDC_ELDAP.
 */
MDC_MUSTCHECK int dns_ldap_store(LDAP *ld, const char *zone_dn,
                                 const ldns_rdf *origin, const ldns_rdf *name,
                                 const char *dn, const ldns_rr_list *rrs,
                                 const char *owner);

/* The update backend used by the daemon (ctx = struct dns_ldap_ctx). */
struct dns_ldap_ctx {
	LDAP *ld;
	char *container_dn;
	char *base_dn;
	char *dc_account; /* "DC1$" */
	char *domain_sid; /* "S-1-5-21-x-y-z": admin rights go by RIDs in it */
};
extern const struct dns_update_ops dns_ldap_ops;

#endif
