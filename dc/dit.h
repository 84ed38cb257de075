/* dc/dit.h - the initial directory tree of a new domain */
#ifndef MDC_DIT_H
#define MDC_DIT_H

#include <stdint.h>
#include <stdio.h>

#include "ad/dcconf.h"
#include "ad/schema.h"

/*
 * Write the LDIF of a new domain's tree for slapadd: domain head (SID,
 * GUID, wellKnownObjects), Users, Computers, Domain Controllers (with the
 * DC's computer account), System, Builtin, Configuration (Partitions with
 * the crossRef carrying nETBIOSName, Sites with the DC's NTDS Settings),
 * the built-in groups (Domain Admins ... Migration Operators, DnsAdmins)
 * and the Administrator and krbtgt accounts.  admin_password gets a
 * {CRYPT} SHA-512 userPassword so LDAP simple binds work before Kerberos
 * keys exist.  Returns 0 or MDC_E*.
 */
MDC_MUSTCHECK int mdc_dit_ldif(const struct mdc_dcconf *conf,
                               const char *admin_password, FILE *out);

/* "{CRYPT}$6$..." hash of password (new string, caller frees), or NULL. */
char *mdc_password_hash(const char *password);

#endif
