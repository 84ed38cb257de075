/* dc/rootdse.h - the static part of the rootDSE (DIR/rootdse.ldif for slapd) */
#ifndef MDC_ROOTDSE_H
#define MDC_ROOTDSE_H

#include <stdio.h>

#include "ad/dcconf.h"
#include "lib/err.h"

/*
 * Write conf->dir/rootdse.ldif (0644, atomically), the file slapd's
 * olcRootDSE names: the AD rootDSE attributes clients read
 * (defaultNamingContext, configurationNamingContext, supportedCapabilities,
 * dnsHostName, functional levels, isGlobalCatalogReady, ldapServiceName,
 * supportedLDAPPolicies, ...) and the LDAP ping over TCP
 * (doc/interop.md): DnsDomain, NtVer (one value
 * per version clients send), AAC, and netlogon holding the reply blob, so
 * that slapd's own filter evaluation answers
 * (&(DnsDomain=example.com)(NtVer=\06\00\00\00)) with the blob and
 * another domain with nothing.  Their attribute types are in
 * dc/schema/30-rootdse.ldif.  Returns 0, MDC_ECONF if conf lacks a field,
 * or the file error.
 */
MDC_MUSTCHECK int mdc_rootdse_write(const struct mdc_dcconf *conf);

/* The same LDIF written to out (for tests). */
MDC_MUSTCHECK int mdc_rootdse_ldif(const struct mdc_dcconf *conf, FILE *out);

#endif
