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
	MDC_PW_IN_HISTORY, /* one of the last MDC_PW_HISTORY passwords */
};

/*
 * Password history (AD: "Enforce password history", 24 remembered): a new
 * password may not be any of the account's last MDC_PW_HISTORY passwords,
 * the current one included.  The history is one string of SHA-512 crypt
 * hashes ("$6$salt$hash"), newest first, separated by spaces; the DC keeps
 * it in mdcPwdHistory, which only the DC reads.  Never plaintext.
 */
#define MDC_PW_HISTORY 24

/* True if pw (UTF-8) matches a hash of history (NULL: empty). */
int mdc_pwpolicy_history_has(const char *history, const char *pw);

/*
 * The SHA-512 crypt hash of pw ("$6$salt$hash", a fresh random salt), as the
 * history keeps it.  The DC stores the same value as the simple-bind hash
 * (userPassword "{CRYPT}..."): one hash per password set, not two, which
 * is a third of a password write's CPU; both attributes are readable by the
 * DCs only.  Caller frees; NULL when out of memory or hashing fails.
 */
char *mdc_pwpolicy_hash(const char *pw);

/*
 * A new history: hash (mdc_pwpolicy_hash of the new password), then the
 * newest MDC_PW_HISTORY - 1 hashes of history (NULL: empty).  Caller frees;
 * NULL when out of memory or hash is not a crypt hash.
 */
char *mdc_pwpolicy_history_push(const char *history, const char *hash);

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
