/* dc/provision_hooks.h - what other areas contribute to a new domain */
#ifndef MDC_PROVISION_HOOKS_H
#define MDC_PROVISION_HOOKS_H

#include <stdio.h>

#include "dc/dcconf.h"

/*
 * Each area that puts something into a new domain exposes one function,
 * called by mdc_provision() in this order:
 *  1. mdc_rootdse_write()   (dc/rootdse.c)  DIR/rootdse.ldif for slapd
 *  2. dns_provision_ldif()  (dns/)          zone entries appended to the DIT LDIF
 *  3. mdc_krb_provision()   (dc/kdb area)   realm, keys, keytab, krb5.conf,
 *                                           with slapd running on ldapi
 * Hooks of areas still being written are declared weak (a weak reference
 * does not pull an object out of a convenience archive: each area's hook
 * moves to a plain declaration when the area lands).
 */
#include "dc/rootdse.h"
int dns_provision_ldif(const struct mdc_dcconf *conf, FILE *out)
	__attribute__((weak));
int mdc_krb_provision(const struct mdc_dcconf *conf, const char *admin_password,
		      char *err, size_t errlen) __attribute__((weak));

#endif
