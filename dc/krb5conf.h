/* dc/krb5conf.h - the domain's Kerberos: config files, realm creation, services
 */
#ifndef MDC_KRB5CONF_H
#define MDC_KRB5CONF_H

#include <stddef.h>

#include "ad/dcconf.h"
#include "dc/service.h"
#include "lib/err.h"

/*
 * The KDB plugin directory: $MINIDC_KDB_PLUGIN_DIR, else kdb/.libs next to
 * the running minidc binary (build tree), else the install directory.
 * New string (caller frees) or NULL on allocation failure.
 */
char *mdc_krb_plugin_dir(void);

/*
 * Write DIR/krb5.conf (clients: KDC, kpasswd and kadmin by address:port,
 * no DNS, no reverse lookups, forwardable tickets), DIR/krb5/kdc.conf
 * (krb5kdc/kadmind with the minidc KDB plugin over DIR/run/ldap/ldapi) and an
 * empty DIR/krb5/kadm5.acl (authorization is the plugin's kadm5_auth
 * module).  Returns 0 or MDC_E*; a one-line reason is in err.
 */
MDC_MUSTCHECK int mdc_krb_write_conf(const struct mdc_dcconf *conf,
                                     struct mdc_err *err);

/*
 * Create the realm in the directory (slapd must be up on DIR/run/ldap/ldapi):
 * write the config files, `kdb5_util create -s` with a random master
 * password fed on stdin (stash DIR/krb5/stash, 0600), set the
 * Administrator's password (admin_password), give krbtgt and the DC's
 * computer account keys and write DIR/krb5/dc.keytab (0600) with all its
 * SPNs.  Returns 0 or MDC_E* with a one-line reason in err.
 */
MDC_MUSTCHECK int mdc_krb_provision(const struct mdc_dcconf *conf,
                                    const char *admin_password,
                                    struct mdc_err *err);

/*
 * Run `kadmin.local -q QUERY` for conf's realm with input (may be NULL) on
 * stdin.  On failure err gets the tool's last output line.  Used by the
 * admin CLI for password changes, so they go through the plugin's key
 * derivation (the master key never leaves the stash).
 */
MDC_MUSTCHECK int mdc_krb_kadmin_local(const struct mdc_dcconf *conf,
                                       const char *query, const char *input,
                                       struct mdc_err *err);

/* The supervised Kerberos daemons (dc/services.c lists them). */
extern const struct mdc_service mdc_service_krb5kdc;
extern const struct mdc_service mdc_service_kadmind;

/*
 * kadmin.local -q exits 0 even when its request fails; the failure shows in
 * its output out as a com_err line "<request>: <error> while <doing what>".
 * Return 1 and put "<what> failed: <that message>" in err if out has one,
 * else 0.
 */
int mdc_krb_kadmin_failed(const char *what, const char *out,
                          struct mdc_err *err);

#endif
