/* migrate-auth/pac.h - decoders for the PAC buffers the destination checks */
#ifndef MDC_MIG_PAC_H
#define MDC_MIG_PAC_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

/*
 * Both decoders read an NDR type serialization (version 1) as MIT exposes it
 * through gss_get_name_attribute ("urn:mspac:delegation-info",
 * "urn:mspac:logon-info"), only through lib/buf.h's checked reader.  They
 * never trust a count beyond the bytes present.
 */
#define MDC_MIG_PAC_MAXNAME 512
#define MDC_MIG_PAC_MAXT    64 /* transited services we accept in one PAC */

/* S4U_DELEGATION_INFO ([MS-PAC] 2.9), names converted to UTF-8. */
struct mdc_mig_deleg {
	char target[MDC_MIG_PAC_MAXNAME]; /* S4U2proxyTarget */
	unsigned ntransited;              /* TransitedListSize */
	char first[MDC_MIG_PAC_MAXNAME];  /* S4UTransitedServices[0] */
	char last[MDC_MIG_PAC_MAXNAME];   /* ...[ntransited - 1] */
};

/* Decode delegation-info from (data, len).  Returns 0, MDC_ETRUNC or
 * MDC_EMALF (also for an empty transited list or a name too long). */
MDC_MUSTCHECK int mdc_mig_pac_deleg(const uint8_t *data, size_t len,
                                    struct mdc_mig_deleg *out);

/*
 * Decode KERB_VALIDATION_INFO ([MS-PAC] 2.5) far enough for the user RID,
 * the primary group RID and the GroupIds RIDs (domain-relative).  rids has
 * room for max entries; more groups than that is MDC_ERANGE.  Returns 0,
 * MDC_ETRUNC, MDC_EMALF or MDC_ERANGE.
 */
MDC_MUSTCHECK int mdc_mig_pac_groups(const uint8_t *data, size_t len,
                                     uint32_t *user_rid, uint32_t *primary,
                                     uint32_t *rids, size_t max, size_t *n_out);

#endif
