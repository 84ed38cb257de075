/* dc/join_dc.h - minidc provision --join-dc: add a DC to an existing domain */
#ifndef MDC_JOIN_DC_H
#define MDC_JOIN_DC_H

#include <stddef.h>

#include "ad/dcconf.h"
#include "lib/err.h"

struct mdc_join_dc_opts {
	const char *peer;     /* dc1.example.com: the DC to join through */
	const char *peer_ip;  /* its address (NULL: resolve peer) */
	const char *user;     /* an administrator, default Administrator */
	const char *password; /* the administrator's password */
};

/*
 * Step 1 of making c (names, listeners and DIR filled by provision) a further
 * DC of the domain o->peer serves: a TGT for the administrator; over SASL
 * GSSAPI to the peer, the domain's SID and GUID, this DC's A and locator
 * records, and its entry CN=HOST,OU=Domain Controllers (HOST$, SPNs, a
 * random password; the peer, the RID master, gives it a RID pool); the
 * keytab DIR/krb5/dc.keytab (0600) from that password; minidc.conf,
 * replication.conf, krb5.conf and kdc.conf; c gets the domain's SID and
 * GUID and its own dc_guid.  The peer, seeing the new entry, starts
 * replicating from this DC.  Returns 0 or MDC_E* with one line in err.
 */
MDC_MUSTCHECK int mdc_join_dc(struct mdc_dcconf *c,
                              const struct mdc_join_dc_opts *o,
                              struct mdc_err *err);

/*
 * Step 2, once minidc.conf, TLS and the rootDSE are written: a first
 * syncrepl refresh from the peer into the empty database (slapd on ldapi
 * only, no dsa), then the KDC master key from the replicated directory
 * to DIR/krb5/stash (0600).  The stash travels inside the GSSAPI-
 * encrypted replication session and only DC accounts may read it.
 */
MDC_MUSTCHECK int mdc_join_dc_refresh(struct mdc_dcconf *c,
                                      const struct mdc_join_dc_opts *o,
                                      struct mdc_err *err);

#endif
