/* dc/provision_hooks.h - what other areas contribute to a new domain */
#ifndef MDC_PROVISION_HOOKS_H
#define MDC_PROVISION_HOOKS_H

#include <stdio.h>

#include "ad/dcconf.h"

/*
 * Each area that puts something into a new domain exposes one function,
 * called by mdc_provision() in this order:
 *  1. mdc_rootdse_write()   (dc/rootdse.c)  DIR/rootdse.ldif for slapd
 *  2. dns_provision_ldif()  (dc/dnsglue.c) zone entries appended to the
 *                                           DIT LDIF
 *  3. mdc_krb_provision()   (dc/kdb area)   realm, keys, keytab, krb5.conf,
 *                                           with slapd running on ldapi
 */
#include "dc/dnsglue.h"
#include "dc/krb5conf.h"
#include "dc/rootdse.h"

#endif
