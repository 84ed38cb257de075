/* migrate-auth/policy.h - the destination's decision on an incoming VM */
#ifndef MDC_MIG_POLICY_H
#define MDC_MIG_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ad/schema.h"
#include "lib/err.h"
#include "migrate-auth/state.h"

/* What the destination knows about one request (nothing is owned). */
struct mdc_mig_dest_in {
	const char *client;   /* initiator, "alice@EXAMPLE.COM" */
	const uint8_t *deleg; /* urn:mspac:delegation-info or NULL */
	size_t deleg_len;
	const uint8_t *logon; /* urn:mspac:logon-info or NULL */
	size_t logon_len;
	const char *vm;          /* from PREPARE */
	const char *source_host; /* from PREPARE: the source's fqdn */
	const char *self_host;   /* this host's fqdn */
	const struct mdc_mig_state *state;
	const struct sockaddr *peer; /* the source's address */
};

/*
 * The computer account a host's agent acts as: "HOST1$@REALM" for
 * host1.example.com and REALM.  Returns 0 or MDC_ESPACE.
 */
MDC_MUSTCHECK int mdc_mig_host_account(const char *fqdn, const char *realm,
                                       char *out, size_t outlen);

/*
 * Decide, in this order: delegation-info present and decodable, its last
 * transited service is the source host's account (realm of the client),
 * the client is in Migration Operators (LOGON_INFO), migration is enabled,
 * the peer is in a migration network.  Returns 0 (accepted; text says by
 * whom and via which account) or MDC_EDENIED (text is the reason).
 */
MDC_MUSTCHECK int mdc_mig_dest_decide(const struct mdc_mig_dest_in *in,
                                      char *text, size_t textlen);

/* What the source knows before it connects anywhere (nothing owned). */
struct mdc_mig_src_in {
	const char *client;   /* the user */
	const uint8_t *logon; /* the user's PAC logon-info at the source */
	size_t logon_len;
	const struct mdc_mig_state *state; /* the source's settings */
	const struct sockaddr *dest;       /* the address it would use */
	const struct sockaddr_storage *registered; /* dest host's addresses */
	size_t nregistered;
	const char *dest_host, *self_host;
};

/*
 * The source's decision on the user alone, before anything else about a
 * move (or its cancel): a member of Migration Operators by the PAC's
 * LOGON_INFO (NULL: none).  Domain Admins alone is not enough.  Pure.
 * Returns 0 or MDC_EDENIED with "refused by SELF: ..." in text.
 */
MDC_MUSTCHECK int mdc_mig_src_user_decide(const char *client,
                                          const uint8_t *logon,
                                          size_t logon_len, const char *self,
                                          char *text, size_t textlen);

/*
 * The source's decision on a move (any kind: live, cold, storage, check): the
 * user is in Migration Operators, and the destination address is one of the
 * destination host's registered addresses or inside one of the source's
 * migration networks. Returns 0 or MDC_EDENIED with the reason in text.
 */
MDC_MUSTCHECK int mdc_mig_src_decide(const struct mdc_mig_src_in *in,
                                     char *text, size_t textlen);
/*
 * May the caller manage VMs on this host (vm create/start/stop/show/rm/
 * list)?  Yes if the PAC's LOGON_INFO (logon, logon_len; NULL: none) puts
 * client in Migration Operators or Domain Admins (primary group or group
 * list).  Pure.  Returns 0 (text: as whom) or MDC_EDENIED (text: why).
 */
MDC_MUSTCHECK int mdc_mig_vm_admin_decide(const char *client,
                                          const uint8_t *logon,
                                          size_t logon_len, char *text,
                                          size_t textlen);

#endif
