/* dns/conf.h - what the DNS server is told of the DC it serves */
#ifndef DNS_CONF_H
#define DNS_CONF_H

/*
 * The DNS server's settings.  The DC shell fills it from the DC's own
 * configuration (dc/dnsglue.h), so dns/ knows nothing of that file's
 * layout.  Every string is owned by the struct (free with dns_conf_clear);
 * "" where the DC has nothing to say.
 */
struct dns_conf {
	/* The domain. */
	char *domain;     /* the zone served: "example.com" */
	char *base_dn;    /* "DC=example,DC=com"; zones live in cn=dns below */
	char *domain_sid; /* "S-1-5-21-..": who is privileged is decided by
	                   * the SIDs of the domain's own groups */
	/* This DC. */
	char *host_name; /* "dc1" (its account is dc1$) */
	char *fqdn;      /* "dc1.example.com": the SOA's MNAME */
	/* Listening and serving. */
	char *address; /* listen address */
	long port;
	long workers;     /* UDP workers; <= 0: one per CPU */
	char *forwarders; /* "ip[:port] ...", may be empty */
	char *axfr_allow; /* server-wide transfer list (dns/xfracl.h) */
	int debug;        /* debug lines in the log */
	/* What it opens before dropping root. */
	char *ldapi_uri; /* the directory (SASL EXTERNAL over ldapi) */
	char *krb5_conf; /* the DC's krb5.conf, copied into privdir */
	char *keytab;    /* the GSS acceptor's keys (DNS/<fqdn>) */
	char *privdir;   /* the server's own directory (dns/privdir.h) */
};

/* Free the strings of c and zero it (NULL-safe on a zeroed c). */
void dns_conf_clear(struct dns_conf *c);

#endif
