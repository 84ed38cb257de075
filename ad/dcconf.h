/* ad/dcconf.h - the domain controller's configuration file (DIR/minidc.conf) */
#ifndef MDC_DCCONF_H
#define MDC_DCCONF_H

#include "lib/err.h"

/*
 * Everything a running DC needs to know, written by `minidc provision` and
 * read by every service.  Ports are listeners on `address`.  The struct's
 * strings are owned by it; free with mdc_dcconf_free().
 */
struct mdc_dcconf {
	char *dir; /* absolute path of the DC directory (not in the file) */
	/* [domain] */
	char *dns_domain;  /* example.com */
	char *realm;       /* EXAMPLE.COM */
	char *netbios;     /* EXAMPLE */
	char *base_dn;     /* DC=example,DC=com */
	char *domain_sid;  /* S-1-5-21-x-y-z */
	char *domain_guid; /* objectGUID of the domain head, text form */
	char *oid_arc;     /* 2.25.<uuid>: our schema arc */
	/* [dc] */
	char *host_name; /* dc1 */
	char *fqdn;      /* dc1.example.com */
	char *address;   /* 127.0.0.1 */
	char *dc_guid;   /* objectGUID of the DC's computer object */
	char *ntds_guid; /* objectGUID of its NTDS Settings object */
	char *site;      /* Default-First-Site-Name */
	/* [ports] */
	long port_ldap, port_ldaps, port_cldap, port_kdc, port_kpasswd,
	        port_kadmin, port_dns;
	long port_gc,
	        port_gcs; /* Global Catalog: the same DIT, LDAP and LDAPS */
	/* [dns] */
	char *dns_forwarders; /* space-separated ip[:port] list, may be empty */
	char *dns_axfr_allow; /* space-separated addresses/CIDRs allowed AXFR */
	long dns_workers;     /* UDP worker threads */
	/* [log] */
	long log_debug; /* 1: debug lines in logs */
};

/* Port offsets used with --base-port N: every listener is N + offset. */
enum {
	MDC_PORTOFF_LDAP = 0, /* also CLDAP (udp) */
	MDC_PORTOFF_LDAPS = 1,
	MDC_PORTOFF_KDC = 2,
	MDC_PORTOFF_KPASSWD = 3,
	MDC_PORTOFF_KADMIN = 4,
	MDC_PORTOFF_DNS = 5,
	MDC_PORTOFF_GC = 6,
	MDC_PORTOFF_GCS = 7,
};

/* Fill conf with defaults (all ports standard); strings may stay NULL. */
MDC_MUSTCHECK int mdc_dcconf_defaults(struct mdc_dcconf *conf);
/* Read DIR/minidc.conf; on failure a one-line reason is in err. */
MDC_MUSTCHECK int mdc_dcconf_load(const char *dir, struct mdc_dcconf *conf,
                                  struct mdc_err *err);
/* Write conf to conf->dir/minidc.conf. */
MDC_MUSTCHECK int mdc_dcconf_save(const struct mdc_dcconf *conf);
void mdc_dcconf_free(struct mdc_dcconf *conf);

/*
 * Return a new string "conf->dir/rel" (caller frees) for the DC's files.
 * The layout (documented in doc/install.md) is fixed:
 *   minidc.conf  krb5.conf  rootdse.ldif
 *   slapd/{slapd.conf,db/,run/,dsa.sock,...} (dc/slapdrun.h)
 *   run/{ldap/ldapi,dsa/ldapi,control.sock,*.pid}  log/
 *   tls/{ca.crt,ca.key,dc.crt,dc.key}  krb5/{kdc.conf,stash,dc.keytab}
 *   secrets/administrator.password
 */
char *mdc_dc_path(const struct mdc_dcconf *conf, const char *rel);
/*
 * "ldapi://<urlencoded DIR/run/ldap/ldapi>" (caller frees).  The socket's
 * directory is root's, 0700: slapd makes the socket itself 0777, and SASL
 * EXTERNAL over it maps any local user to an identity.
 */
char *mdc_dc_ldapi_uri(const struct mdc_dcconf *conf);
/* "ldapi://<urlencoded path>" (caller frees): any socket, relative too. */
char *mdc_ldapi_uri_of(const char *path);

#endif
