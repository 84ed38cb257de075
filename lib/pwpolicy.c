/* lib/pwpolicy.c - the domain's password rules (AD's default domain policy) */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "lib/pwpolicy.h"

/* Characters in a UTF-8 string (continuation bytes not counted). */
static size_t
utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static int
classes(const char *s)
{
	int up = 0, low = 0, dig = 0, other = 0;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 'A' && c <= 'Z')
			up = 1;
		else if (c >= 'a' && c <= 'z')
			low = 1;
		else if (c >= '0' && c <= '9')
			dig = 1;
		else
			other = 1;
	}
	return up + low + dig + other;
}

/* Does pw contain name (any ASCII case)? */
static int
contains(const char *pw, const char *name)
{
	size_t n = strlen(name), p = strlen(pw);

	for (size_t i = 0; n > 0 && i + n <= p; i++)
		if (strncasecmp(pw + i, name, n) == 0)
			return 1;
	return 0;
}

int
mdc_pwpolicy_check(const char *pw, const char *sam)
{
	if (utf8_len(pw) < MDC_PW_MIN_LENGTH)
		return MDC_PW_TOO_SHORT;
	if (classes(pw) < MDC_PW_MIN_CLASSES)
		return MDC_PW_TOO_SIMPLE;
	if (sam != NULL && strlen(sam) > 2 && contains(pw, sam))
		return MDC_PW_HAS_NAME;
	return MDC_PW_OK;
}

int
mdc_lockout_locked(long long bad_count, long long bad_time, long long now)
{
	return bad_count >= MDC_LOCKOUT_THRESHOLD &&
	       now - bad_time < MDC_LOCKOUT_DURATION;
}

long long
mdc_lockout_next(long long bad_count, long long bad_time, long long now)
{
	if (bad_count <= 0 || now - bad_time >= MDC_LOCKOUT_WINDOW)
		return 1;
	return bad_count + 1;
}

const char *
mdc_pwpolicy_reason(int verdict)
{
	switch (verdict) {
	case MDC_PW_OK:
		return "the password meets the policy";
	case MDC_PW_TOO_SHORT:
		return "the password does not meet the length requirement: "
		       "at least 7 characters";
	case MDC_PW_TOO_SIMPLE:
		return "the password does not meet the complexity "
		       "requirement: 3 of upper case, lower case, digits, "
		       "other characters";
	default:
		return "the password does not meet the complexity "
		       "requirement: it contains the account name";
	}
}
