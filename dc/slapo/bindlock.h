/* dc/slapo/bindlock.h - account lockout for LDAP simple binds (mdcad) */
#ifndef MDC_SLAPO_BINDLOCK_H
#define MDC_SLAPO_BINDLOCK_H

#include "slap.h"

/* Look up the attribute types; 0 or 1 (one is missing from the schema). */
int mdc_bindlock_init(void);

/*
 * Before a simple bind reaches the backend: refuse it (AD's "data 775",
 * without testing the password) if the account is locked, else arrange that
 * its result counts (a wrong password) or clears (a good one) the account's
 * bad passwords.  Returns 1 if it answered the bind, 0 to go on.
 */
int mdc_bindlock_bind(Operation *op, SlapReply *rs);

#endif
