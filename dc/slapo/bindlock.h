/* dc/slapo/bindlock.h - account lockout for LDAP simple binds (mdcad) */
#ifndef MDC_SLAPO_BINDLOCK_H
#define MDC_SLAPO_BINDLOCK_H

#include "slap.h"

/* An attribute type the overlay needs, looked up once by mdcad's db_init. */
struct mdc_slapo_ad {
	const char *name;
	AttributeDescription **ad;
};

/* The types the lockout needs (mdcad's db_init looks them up with its own). */
extern const struct mdc_slapo_ad mdc_bindlock_ads[];
extern const size_t mdc_bindlock_nads;

/*
 * Before a simple bind reaches the backend: refuse it (AD's "data 775",
 * without testing the password) if the account is locked, else arrange that
 * its result counts (a wrong password) or clears (a good one) the account's
 * bad passwords.  Returns 1 if it answered the bind, 0 to go on.
 */
int mdc_bindlock_bind(Operation *op, SlapReply *rs);

#endif
