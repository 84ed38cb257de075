/* dc/dsa.h - the directory agent: AD's write path behind slapd's overlay */
#ifndef MDC_DSA_H
#define MDC_DSA_H

#include <stddef.h>
#include <stdint.h>

#include <ldap.h>

#include "ad/dcconf.h"
#include "dc/dsa_rules.h"
#include "dc/service.h"
#include "dc/sockproto.h"
#include "lib/ad.h"
#include "lib/err.h"

/*
 * Every add/modify/modrdn/delete under the domain reaches the dsa with the
 * requester's bind DN (slapd.conf: overlay sock).  The dsa
 *   - lets the DC system identity (root over ldapi) through (CONTINUE):
 *     that is its own writes, the KDB plugin's and the DNS server's;
 *   - authorizes everyone else: Domain Admins, Enterprise Admins and
 *     Administrators everything; Account Operators users and computers that
 *     are not privileged; DnsAdmins the DNS zone (cn=dns,<base>); a computer
 *     a few attributes of its own entry (mdc_dsa_attr_self_writable);
 *     anything else gets insufficientAccessRights (50);
 *   - decides every write by one pure function over the request
 *     (dc/dsa_check.h mdc_dsa_check), with the directory state it needs;
 *   - completes what AD does, the only writer that does (objectClass chain,
 *     cn, objectSid from the domain SID and the RID allocator of
 *     dc/ridpool.h, objectGUID, sAMAccountName rules
 *     and uniqueness, userAccountControl, primaryGroupID, sAMAccountType,
 *     objectCategory, whenCreated/whenChanged, accountExpires, pwdLastSet);
 *   - writes as the DC system identity over its own ldapi socket (it runs
 *     as its own user: dc/dsa_priv.h) and answers with slapd's result;
 *   - turns unicodePwd into Kerberos keys in process (dc/dsa_keys.h: the
 *     KDB plugin's own derivation, the one kpasswd reaches), written with
 *     msDS-KeyVersionNumber and pwdLastSet.
 */
struct mdc_dsa;

/* Who asks: filled by mdc_dsa_identify(), or by hand for SYSTEM. */
struct mdc_dsa_who {
	unsigned roles;
	uint8_t sid[MDC_SID_BIN_LEN(MDC_SID_MAX_SUBAUTH)];
	size_t sid_len; /* 0: no entry */
};

/* The answer for slapd (or the CLI). */
struct mdc_dsa_res {
	int cont;       /* 1: let slapd carry on (CONTINUE) */
	int code;       /* LDAP result code otherwise */
	char info[512]; /* diagnostic text (may be empty) */
};

/*
 * New agent for the DC of conf (conf must outlive it).  Returns 0,
 * MDC_EINVAL (bad domain SID) or MDC_ENOMEM.
 */
MDC_MUSTCHECK int mdc_dsa_new(const struct mdc_dcconf *conf,
                              struct mdc_dsa **d_out);
void mdc_dsa_free(struct mdc_dsa *d);

/* Open an ldapi connection bound as the DC system identity (SASL
 * EXTERNAL: root, or the dsa's user, dc/dsa_priv.h); MDC_ELDAP. */
MDC_MUSTCHECK int mdc_dsa_ldap_open(const struct mdc_dsa *d, LDAP **ld_out);

/*
 * True if req comes from the DC system identity (root over ldapi) or from
 * slapd itself (no bind DN: internal operations such as refint's): those
 * are answered CONTINUE at once.
 */
int mdc_dsa_is_system(const struct mdc_sock_req *req);

/*
 * Decide one forwarded request: CONTINUE for the system identity, else
 * identify the requester and run mdc_dsa_exec() over a new root
 * connection.  res is always filled when 0 is returned; a negative MDC_E*
 * means the dsa itself failed (answer "other", 80).
 */
MDC_MUSTCHECK int mdc_dsa_handle(struct mdc_dsa *d,
                                 const struct mdc_sock_req *req,
                                 struct mdc_dsa_res *res);

/*
 * Perform req for the admin CLI (a root peer on the dsa's socket, never
 * slapd): as the DC system identity, through mdc_dsa_exec(), never
 * CONTINUE (no slapd operation waits for it).  Same returns as
 * mdc_dsa_handle().
 */
MDC_MUSTCHECK int mdc_dsa_admin(struct mdc_dsa *d,
                                const struct mdc_sock_req *req,
                                struct mdc_dsa_res *res);

/* Roles and SID of the entry binddn (0 roles if it is not an account). */
MDC_MUSTCHECK int mdc_dsa_identify(struct mdc_dsa *d, LDAP *ld,
                                   const char *binddn,
                                   struct mdc_dsa_who *who_out);

/*
 * Decide (mdc_dsa_check), complete and perform req for who with ld (bound
 * as root).  The admin CLI's requests (mdc_dsa_admin) run here with roles
 * MDC_DSA_SYSTEM and hold only what the user asked for, so its writes get
 * the same decision and completion as LDAP clients'.  res gets the
 * LDAP result.  Returns 0 or a negative MDC_E* for internal failures.
 */
MDC_MUSTCHECK int mdc_dsa_exec(struct mdc_dsa *d, LDAP *ld,
                               const struct mdc_sock_req *req,
                               const struct mdc_dsa_who *who,
                               struct mdc_dsa_res *res);

/*
 * An add with a password is one write (dc/dsa_write.c); dsas before that
 * wrote the account disabled and marked (mdcIncomplete: the writer's pid),
 * then its keys.  Remove (with ld, bound as root) every account such a
 * writer left marked when it died: its client got an error, so nothing may
 * stay.  Call once at start-up, while serving (the deletes come back
 * through slapd's overlay).  *removed_out counts them.  0 or MDC_ELDAP.
 */
MDC_MUSTCHECK int mdc_dsa_sweep(struct mdc_dsa *d, LDAP *ld, int *removed_out);

/* `minidc dsa-serve --dir DIR` (internal) and its supervised service. */
int mdc_cmd_dsa_serve(int argc, char **argv);
extern const struct mdc_service mdc_service_dsa;

#endif
