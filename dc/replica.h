/* dc/replica.h - multi-provider replication between the DCs of a domain */
#ifndef MDC_REPLICA_H
#define MDC_REPLICA_H

#include <ldap.h>
#include <stdio.h>

#include "ad/dcconf.h"
#include "dc/service.h"

/*
 * Every DC is a slapd multi-provider: it pulls from every other DC with
 * syncrepl (refreshAndPersist, SASL GSSAPI as its own DC$ account from its
 * keytab, confidentiality required) and serves them through syncprov.
 * What a DC replicates from is DIR/replication.conf, rendered into
 * slapd.conf at every start:
 *   self <serverID>
 *   peer <serverID> <NAME> <address> <ldap port>
 * The directory is the source of it: every DC entry under OU=Domain
 * Controllers carries mdcServerId and mdcReplicaURI; the replica service
 * (mdc_service_replica) keeps the file equal to them and restarts slapd
 * when they change (slapd runs from slapd.conf, which it reads at start).
 * No file: a single DC, rendered as before.
 */
#define MDC_REPLICA_MAX 16

struct mdc_replica_peer {
	long sid;
	char name[16]; /* host name in upper case, DC2 */
	char addr[64]; /* numeric address */
	long port;     /* LDAP port */
};

struct mdc_replica {
	long self_sid; /* 0: single DC (no serverID rendered) */
	int n;
	struct mdc_replica_peer p[MDC_REPLICA_MAX];
};

/* Read DIR/replication.conf into r (zeroed when absent).  MDC_EMALF on a
 * line that is not as above. */
MDC_MUSTCHECK int mdc_replica_load(const struct mdc_dcconf *c,
                                   struct mdc_replica *r);
/* Write DIR/replication.conf (0644). */
MDC_MUSTCHECK int mdc_replica_save(const struct mdc_dcconf *c,
                                   const struct mdc_replica *r);

/* slapd.conf lines: the global serverID (nothing for a single DC). */
void mdc_replica_slapd_global(const struct mdc_dcconf *c, FILE *out);
/* slapd.conf lines of the domain database: limits for the DCs, one
 * syncrepl per peer and multiprovider (nothing for a single DC). */
void mdc_replica_slapd_db(const struct mdc_dcconf *c, FILE *out);
/* "\t\tkdc = addr:port\n" for every peer, for krb5.conf (new string,
 * maybe empty; NULL on ENOMEM).  Peers use this DC's Kerberos ports. */
char *mdc_replica_kdc_lines(const struct mdc_dcconf *c);

/* The slapd environment a syncrepl consumer needs: GSSAPI from the DC
 * keytab, no canonicalisation of peer names (static strings' formats are
 * filled for c; new vector entries appended by the caller). */
char *mdc_replica_env_ktname(const struct mdc_dcconf *c);

/* The DN of the entry holding the master key stash. (new string) */
char *mdc_replica_mkey_dn(const struct mdc_dcconf *c);

/*
 * Put DIR/krb5/stash into the directory (CN=Master Key,CN=System: only
 * the DCs may read it, and only over an encrypted bind), if it is not
 * there yet.  ld is the DC's own ldapi connection (EXTERNAL).
 */
MDC_MUSTCHECK int mdc_replica_publish_stash(LDAP *ld,
                                            const struct mdc_dcconf *c);
/* Write the stash from the (replicated) directory to DIR/krb5/stash,
 * 0600.  MDC_ENOENT while it has not arrived. */
MDC_MUSTCHECK int mdc_replica_fetch_stash(LDAP *ld, const struct mdc_dcconf *c);

/* Open an ldapi connection to the DC's own slapd as root (EXTERNAL). */
MDC_MUSTCHECK int mdc_replica_ldapi(const struct mdc_dcconf *c, LDAP **ld_out);

/*
 * `minidc status`: for every peer, the newest change of it held here
 * (contextCSN of its serverID), the lag in seconds both ways (the peer is
 * asked over GSSAPI as this DC, as syncrepl binds), or the error that
 * made it unreachable.  Returns 0 or MDC_E*.
 */
int mdc_replica_status(const struct mdc_dcconf *c, FILE *out);

/*
 * `minidc demote --dir DIR` on a running DC with peers: delete its DNS
 * records and its account (CN=HOST,OU=Domain Controllers) in its own
 * directory, wait (bounded) until a peer's KDC no longer knows HOST$ (the
 * deletion replicated; the peers' replica services then drop their
 * agreements with it), and stop it.
 */
int mdc_cmd_demote(int argc, char **argv);

/* The service that keeps DIR/replication.conf equal to the directory. */
extern const struct mdc_service mdc_service_replica;
/* `minidc replica-watch --dir DIR`: that service's process. */
int mdc_cmd_replica_watch(int argc, char **argv);

#endif
