/* dc/slapdconf.h - slapd's cn=config for a DC, and the slapd service */
#ifndef MDC_SLAPDCONF_H
#define MDC_SLAPDCONF_H

#include <stdio.h>

#include "ad/dcconf.h"
#include "dc/service.h"

/* The DC system identity: root over ldapi (SASL EXTERNAL). */
#define MDC_ROOT_AUTHZ_DN                                                      \
	"gidNumber=0+uidNumber=0,cn=peercred,cn=external,cn=auth"

/*
 * The DNS server's directory identity: SASL EXTERNAL over ldapi with the
 * uid and gid it drops root to (MDC_PRIVDROP_USER), as slapd names them,
 * "gidNumber=G+uidNumber=U,cn=peercred,cn=external,cn=auth".  slapd.conf
 * lets it read cn=dns and the account attributes secure updates decide by,
 * nothing else; the dsa lets it write DNS objects (as DnsAdmins).  NULL if
 * that user does not exist or out of memory; the caller frees.
 */
char *mdc_dns_authz_dn(void);

/*
 * Directory holding our schema files (NN-name.ldif): $MINIDC_DATADIR/schema
 * if set, the installed pkgdatadir, else the source tree.  Static string.
 */
const char *mdc_schema_dir(void);

/*
 * Write slapd.conf for conf to out: OpenLDAP's core (person's sn made
 * optional, as in AD), cosine and inetorgperson schema and every
 * dc/schema/NN-name.ldif (converted from their cn=config form), SASL
 * host/realm with authz-regexp to sAMAccountName, TLS files, the rootDSE
 * file, the config and mdb databases with ACLs, indexes and overlays
 * (syncprov, unique, memberof, refint).  slapd runs from this file rather
 * than from cn=config: in slapd.d the global entry (olcRootDSE) is loaded
 * before cn=schema, so a rootDSE file using our attribute types cannot be
 * read there.  On failure err holds one line.
 */
MDC_MUSTCHECK int mdc_slapd_conf(const struct mdc_dcconf *conf, FILE *out,
                                 struct mdc_err *err);
/* Render DIR/slapd.conf (0600): done at provision and at every start. */
MDC_MUSTCHECK int mdc_slapd_conf_write(const struct mdc_dcconf *conf,
                                       struct mdc_err *err);

/*
 * slapd's worker threads: twice the online cores, at least 16.  The dsa
 * sizes its write slots from it (every write it works on holds one thread
 * and needs a second for its own write: dc/dsa_serve.c).
 */
long mdc_slapd_threads(void);

/* The slapd service for the supervisor. */
extern const struct mdc_service mdc_service_slapd;

/*
 * Start slapd for conf in the background (for provisioning) listening on
 * the ldapi socket only, wait until it answers; *pid_out is its pid.  Stop
 * it with mdc_proc_stop().
 */
MDC_MUSTCHECK int mdc_slapd_start_temp(const struct mdc_dcconf *conf,
                                       int *pid_out, struct mdc_err *err);

#endif
