/* lib/pwpolicy.c - the domain's password rules (AD's default domain policy) */
#include "config.h"

#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
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
	case MDC_PW_IN_HISTORY:
		return "the password does not meet the history requirement: "
		       "it is one of the last 24 passwords of the account";
	default:
		return "the password does not meet the complexity "
		       "requirement: it contains the account name";
	}
}

/* Does pw hash to the crypt(3) value h (len bytes)? */
static int
hash_matches(const char *h, size_t len, const char *pw)
{
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	char *one = strndup(h, len), *out;
	int hit = 0;

	if (cd != NULL && one != NULL && one[0] == '$') {
		out = crypt_r(pw, one, cd);
		hit = out != NULL && out[0] == '$' && strcmp(out, one) == 0;
	}
	if (cd != NULL)
		explicit_bzero(cd, sizeof(*cd));
	free(cd);
	free(one);
	return hit;
}

int
mdc_pwpolicy_history_has(const char *history, const char *pw)
{
	const char *p = history;

	for (int k = 0; p != NULL && *p != '\0' && k < MDC_PW_HISTORY; k++) {
		size_t n = strcspn(p, " ");

		if (n > 0 && hash_matches(p, n, pw))
			return 1;
		p += n;
		p += strspn(p, " ");
	}
	return 0;
}

char *
mdc_pwpolicy_hash(const char *pw)
{
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	char setting[CRYPT_GENSALT_OUTPUT_SIZE], *h, *r = NULL;

	if (cd != NULL &&
	    crypt_gensalt_rn("$6$", 0, NULL, 0, setting, sizeof(setting)) !=
	            NULL &&
	    (h = crypt_r(pw, setting, cd)) != NULL && h[0] == '$')
		r = strdup(h);
	if (cd != NULL)
		explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return r;
}

char *
mdc_pwpolicy_history_push(const char *history, const char *h)
{
	const char *p = history != NULL ? history : "";
	char *out = NULL;
	size_t keep = 0;

	if (h == NULL || h[0] != '$' || strchr(h, ' ') != NULL)
		return NULL;
	/* The newest MDC_PW_HISTORY - 1 old hashes: the prefix up to the
	 * separator after them. */
	for (int k = 0; k < MDC_PW_HISTORY - 1 && p[keep] != '\0'; k++) {
		keep += strspn(p + keep, " ");
		keep += strcspn(p + keep, " ");
	}
	while (keep > 0 && p[keep - 1] == ' ')
		keep--;
	out = malloc(strlen(h) + keep + 2);
	if (out != NULL)
		snprintf(out, strlen(h) + keep + 2, "%s%s%.*s", h,
		         keep > 0 ? " " : "", (int)keep, p);
	return out;
}
