/* dc/ridpool.h - RID pools: every DC hands out objectSids from its own range */
#ifndef MDC_RIDPOOL_H
#define MDC_RIDPOOL_H

#include <ldap.h>
#include <stdint.h>

#include "lib/err.h"

/*
 * As in AD, one DC is the RID master: the first DC, whose entry holds no
 * pool.  It hands out RIDs straight from the domain head's counter
 * (mdcRidNext) and gives every further DC, when its entry is added under
 * OU=Domain Controllers, a pool of MDC_RID_POOL_SIZE RIDs taken from that
 * same counter.  Such a DC keeps mdcRidNext and mdcRidPoolEnd on its own
 * entry and is the only writer of them, so the compare-and-swap on its
 * local replica cannot race with another DC; the domain head's counter is
 * written on the RID master only.
 */
#define MDC_RID_POOL_SIZE 100000

/* The DN of the DC host's entry: CN=HOST,OU=Domain Controllers,base (new
 * string, caller frees; NULL on ENOMEM). */
char *mdc_rid_dc_dn(const char *base_dn, const char *host_name);

/*
 * Take the next RID for a new account on the DC host_name: from its pool
 * if its entry holds one, else (the RID master) from the domain head.  A
 * compare-and-swap on the counter (retried if another writer of this DC
 * took the value first).  Returns 0, MDC_ERANGE when the pool is used up,
 * MDC_ELDAP.
 */
MDC_MUSTCHECK int mdc_rid_next(LDAP *ld, const char *base_dn,
                               const char *host_name, uint32_t *rid_out);

/*
 * 1 if dn names an entry directly under OU=Domain Controllers of base_dn
 * (a new DC's entry), else 0.
 */
int mdc_rid_is_dc_entry(const char *base_dn, const char *dn);

/*
 * On the RID master host_name: reserve a pool for a new DC, [*lo_out,
 * *end_out].  MDC_EDENIED if host_name holds a pool itself (not the
 * master), MDC_ELDAP on a directory failure.
 */
MDC_MUSTCHECK int mdc_rid_pool_take(LDAP *ld, const char *base_dn,
                                    const char *host_name, uint32_t *lo_out,
                                    uint32_t *end_out);

#endif
