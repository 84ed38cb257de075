/* migrate-auth/agentid.h - who the agent is: its migrate/<fqdn> name, the
 * host's account and the credentials it serves and delegates with */
#ifndef MDC_MIG_AGENTID_H
#define MDC_MIG_AGENTID_H

#include <stddef.h>

#include <gssapi/gssapi.h>

#include "lib/err.h"
#include "migrate-auth/migrate.h"

/*
 * From --principal or the keytab's first migrate/<fqdn>@REALM key: the
 * principal (princ), the fqdn and the host's account HOST$@REALM (the
 * default realm if the principal names none).  0, or MDC_E* with e->text.
 */
MDC_MUSTCHECK int mdc_agentid_resolve(const struct mdc_mig_agent_opts *o,
                                      char *princ, size_t plen, char *fqdn,
                                      size_t flen, char *account, size_t alen,
                                      struct mdc_err *e);

/*
 * GSS_C_BOTH credentials of princ (the host's account) from o->keytab and
 * a private MEMORY ccache: accepting tickets to the account's SPNs, and
 * initiating as it for S4U2Proxy.  The caller releases *cred.
 */
MDC_MUSTCHECK int mdc_agentid_cred(const struct mdc_mig_agent_opts *o,
                                   const char *princ, gss_cred_id_t *cred,
                                   struct mdc_err *e);

#endif
