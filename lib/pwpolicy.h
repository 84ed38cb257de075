/* lib/pwpolicy.h - the domain's password rules (AD's default domain policy) */
#ifndef MDC_PWPOLICY_H
#define MDC_PWPOLICY_H

#include <stddef.h>

/* AD's defaults: at least 7 characters, 3 of the 4 character classes. */
#define MDC_PW_MIN_LENGTH  7
#define MDC_PW_MIN_CLASSES 3

/* Verdicts of mdc_pwpolicy_check. */
enum {
	MDC_PW_OK = 0,
	MDC_PW_TOO_SHORT,  /* fewer than MDC_PW_MIN_LENGTH characters */
	MDC_PW_TOO_SIMPLE, /* fewer than MDC_PW_MIN_CLASSES classes */
	MDC_PW_HAS_NAME,   /* contains the account name */
};

/*
 * Check password pw (UTF-8) of the account named sam (sAMAccountName, may
 * be NULL) against AD's complexity rules: at least MDC_PW_MIN_LENGTH
 * characters; at least MDC_PW_MIN_CLASSES of upper-case letters, lower-case
 * letters, digits and other characters (non-ASCII counts as other); not
 * containing the account name (any case) when it is longer than 2
 * characters.  Returns MDC_PW_OK or the first rule broken.
 */
int mdc_pwpolicy_check(const char *pw, const char *sam);

/* A one-line reason for a verdict, worded as AD's. */
const char *mdc_pwpolicy_reason(int verdict);

/*
 * Account lockout (AD ships it off; minidc locks): MDC_LOCKOUT_THRESHOLD
 * bad passwords, each within MDC_LOCKOUT_WINDOW of the one before, lock
 * the account for MDC_LOCKOUT_DURATION after the last.  Times are NT time
 * (100 ns ticks), as badPasswordTime.
 */
#define MDC_LOCKOUT_THRESHOLD 10
#define MDC_LOCKOUT_WINDOW    (600LL * 10000000LL)
#define MDC_LOCKOUT_DURATION  (600LL * 10000000LL)

/* True if an account with bad_count bad passwords, the last at bad_time,
 * is locked at now. */
int mdc_lockout_locked(long long bad_count, long long bad_time, long long now);

/* badPwdCount after one more bad password at now. */
long long mdc_lockout_next(long long bad_count, long long bad_time,
                           long long now);

#endif
