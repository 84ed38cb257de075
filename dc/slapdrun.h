/* dc/slapdrun.h - DIR/slapd: everything slapd opens once it runs as openldap */
#ifndef MDC_SLAPDRUN_H
#define MDC_SLAPDRUN_H

#include <stddef.h>

#include "ad/dcconf.h"
#include "lib/privdrop.h"

/*
 * slapd opens its listeners as root and then becomes MDC_SLAPD_USER (-u/-g)
 * before it reads its configuration.  Everything it opens afterwards lives
 * in DIR/slapd and is named relative to it (slapd's working directory), so
 * that DIR's ancestors need not be enterable by that user (a DIR under a
 * 0700 /root works):
 *
 *   DIR/slapd/            root:openldap 0750
 *     slapd.conf ca.crt dc.crt dc.key rootdse.ldif krb5.conf mdcad.so
 *     ldap.keytab         root:openldap 0640: rendered or copied by root at
 *                         every start; slapd reads, never writes them
 *     dsa.sock            root:openldap 0660, the dsa's socket (the
 *                         supervisor's, dc/guard.h)
 *     db/ run/            openldap's, 0700: the database; pid, args and
 *                         the replay cache
 *
 * ldap.keytab holds only the keys slapd uses: ldap/ (acceptor) and the DC
 * account DC$ (syncrepl's client identity on a second DC), never host/.
 * The ldapi socket stays in DIR/run/ldap (root's, 0700): slapd creates it as
 * root and never opens it again by name.
 */
#define MDC_SLAPD_USER "openldap"
#define MDC_SLAPD_DIR  "slapd"
#define MDC_DSA_SOCKET "slapd/dsa.sock"

/* *id_out = slapd's user; else MDC_ENOENT with one line in err. */
MDC_MUSTCHECK int mdc_slapdrun_user(struct mdc_privdrop_id *id_out,
                                    struct mdc_err *err);

/*
 * Refuse a layout slapd cannot use once it is openldap: make DIR/slapd and
 * its run/, then try them as that user in a child (mdc_privdrop_probe).
 * 0 or MDC_E* with one line in err.
 */
MDC_MUSTCHECK int mdc_slapdrun_check(const struct mdc_dcconf *c,
                                     struct mdc_err *err);

/*
 * Make DIR/slapd as above (moving a DIR/db of an older layout into it),
 * copy the files slapd reads, write ldap.keytab from DIR/krb5/dc.keytab
 * (none before that exists) and give db/ and its files to slapd's user.
 * slapo is the overlay module to copy (mdcad.so), or NULL.  Idempotent;
 * 0 or MDC_E* with one line in err.
 */
MDC_MUSTCHECK int mdc_slapdrun_prepare(const struct mdc_dcconf *c,
                                       const char *slapo, struct mdc_err *err);

/*
 * Give path (a file in DIR/slapd) to root and slapd's group with mode
 * (0640: slapd reads it; 0660: a socket it connects to).
 */
MDC_MUSTCHECK int mdc_slapdrun_share(const char *path, unsigned mode);

#endif
