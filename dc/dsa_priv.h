/* dc/dsa_priv.h - the dsa's own user, and what it opens before it drops root */
#ifndef MDC_DSA_PRIV_H
#define MDC_DSA_PRIV_H

#include <stddef.h>

#include "ad/dcconf.h"
#include "dc/dsa.h"
#include "lib/privdrop.h"

/*
 * The dsa runs as MDC_DSA_USER, a system user of its own.  As root it
 * loads the master key, opens DIR/run/kdb.stamp and enters MDC_DSA_RUNDIR;
 * then it drops root (lib/privdrop.h).  Its writes need the DC system
 * identity: slapd has a second ldapi socket in MDC_DSA_RUNDIR (root:dsa
 * group 0750, so only root and the dsa reach it), which the dsa names
 * relative to its working directory, and slapd.conf maps the dsa's peer
 * credentials to the system identity (authz-regexp, mdc_dsa_authz_dn).
 */
#define MDC_DSA_USER   "minidc-dsa"
#define MDC_DSA_RUNDIR "run/dsa"
#define MDC_DSA_LDAPI  MDC_DSA_RUNDIR "/ldapi"

/*
 * *id_out = the dsa's user.  As root, a missing user is created first
 * (useradd --system: minidc provision and run are root's).  0 or MDC_E*
 * with one line in err.
 */
MDC_MUSTCHECK int mdc_dsa_user(struct mdc_privdrop_id *id_out,
                               struct mdc_err *err);

/*
 * "gidNumber=G+uidNumber=U,cn=peercred,cn=external,cn=auth" of the dsa's
 * user as an ERE for slapd.conf's authz-regexp (caller frees); NULL if the
 * user does not exist or out of memory.
 */
char *mdc_dsa_authz_regexp(void);

/* The dsa's service check and preparation: its user and MDC_DSA_RUNDIR
 * (root:group 0750).  0 or MDC_E* with one line in err. */
MDC_MUSTCHECK int mdc_dsa_priv_check(const struct mdc_dcconf *c,
                                     struct mdc_err *err);

/*
 * Before any thread: open what the dsa needs as root (the KDC's stamp
 * file), enter MDC_DSA_RUNDIR, become the dsa's user, and talk to slapd
 * over the ldapi socket there.  0 or MDC_E* with one line in err.
 */
MDC_MUSTCHECK int mdc_dsa_drop(struct mdc_dsa *d, struct mdc_err *err);
/*
 * Load the master key (DIR/krb5/stash, root's 0600) while still root.  A
 * failure is not fatal: passwords then fail with its reason.
 */
MDC_MUSTCHECK int mdc_dsa_preload(struct mdc_dsa *d, struct mdc_err *err);

#endif
