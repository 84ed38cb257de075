/* dc/slapo/adsid.c - pure helpers of the AD overlay (no slapd headers) */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dc/slapo/adsid.h"

/* One decimal component up to max; *pos advances.  Returns 0 if none. */
static int
sid_num(const char *s, size_t len, size_t *pos, uint64_t max, uint64_t *v)
{
	size_t i = *pos;
	uint64_t n = 0;

	if (i >= len || s[i] < '0' || s[i] > '9')
		return 0;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		n = n * 10 + (uint64_t)(s[i] - '0');
		if (n > max)
			return 0;
	}
	*pos = i;
	*v = n;
	return 1;
}

size_t
mdc_adsid_parse(const char *s, size_t len, uint8_t *out)
{
	size_t pos = 2, n = 0;
	uint64_t rev, auth, sub;

	if (len < 4 || (s[0] != 'S' && s[0] != 's') || s[1] != '-')
		return 0;
	if (!sid_num(s, len, &pos, 255, &rev) || pos >= len || s[pos] != '-')
		return 0;
	pos++;
	if (!sid_num(s, len, &pos, 0xffffffffffffULL, &auth))
		return 0;
	out[0] = (uint8_t)rev;
	for (int i = 0; i < 6; i++)
		out[2 + i] = (uint8_t)(auth >> (8 * (5 - i)));
	while (pos < len) {
		if (s[pos] != '-' || n == 15)
			return 0;
		pos++;
		if (!sid_num(s, len, &pos, 0xffffffffULL, &sub))
			return 0;
		for (int i = 0; i < 4; i++)
			out[8 + 4 * n + i] = (uint8_t)(sub >> (8 * i));
		n++;
	}
	out[1] = (uint8_t)n;
	return 8 + 4 * n;
}

const char *
mdc_adsid_category(const char *name)
{
	static const struct {
		const char *name, *cn;
	} map[] = {
	        {"user", "Person"},
	        {"person", "Person"},
	        {"organizationalPerson", "Person"},
	        {"inetOrgPerson", "Person"},
	        {"computer", "Computer"},
	        {"group", "Group"},
	        {"container", "Container"},
	        {"organizationalUnit", "Organizational-Unit"},
	        {"domainDNS", "Domain-DNS"},
	        {"crossRef", "Cross-Ref"},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasecmp(name, map[i].name) == 0)
			return map[i].cn;
	return name;
}

/* n decimal digits at t; -1 if not digits. */
static long
digits(const char *t, int n)
{
	long v = 0;

	for (int i = 0; i < n; i++) {
		if (t[i] < '0' || t[i] > '9')
			return -1;
		v = v * 10 + (t[i] - '0');
	}
	return v;
}

uint64_t
mdc_adsid_usn(const char *t, size_t len)
{
	struct tm tm;
	long usec = 0, f[6];
	static const int w[6] = {4, 2, 2, 2, 2, 2};
	size_t pos = 0;
	time_t secs;

	if (len < 15)
		return 0;
	for (int i = 0; i < 6; i++) {
		f[i] = digits(t + pos, w[i]);
		if (f[i] < 0)
			return 0;
		pos += (size_t)w[i];
	}
	if (t[pos] == '.') {
		long scale = 100000;

		for (pos++; pos < len && t[pos] >= '0' && t[pos] <= '9';
		     pos++) {
			usec += (t[pos] - '0') * scale;
			scale /= 10;
		}
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)f[0] - 1900;
	tm.tm_mon = (int)f[1] - 1;
	tm.tm_mday = (int)f[2];
	tm.tm_hour = (int)f[3];
	tm.tm_min = (int)f[4];
	tm.tm_sec = (int)f[5];
	secs = timegm(&tm);
	if (secs < 0)
		return 0;
	return (uint64_t)secs * 1000000u + (uint64_t)usec;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int
mdc_adsid_guid_parse(const char *s, size_t n, uint8_t g[16])
{
	static const int order[16] = {3, 2, 1,  0,  5,  4,  7,  6,
	                              8, 9, 10, 11, 12, 13, 14, 15};
	uint8_t raw[16];
	int dashed = n == 36, k = 0;
	size_t i = 0;

	if (n != 32 && n != 36)
		return 0;
	while (i < n) {
		int hi, lo;

		if (dashed && (i == 8 || i == 13 || i == 18 || i == 23)) {
			if (s[i++] != '-')
				return 0;
			continue;
		}
		if (i + 1 >= n || k >= 16)
			return 0;
		hi = hexval((unsigned char)s[i]);
		lo = hexval((unsigned char)s[i + 1]);
		if (hi < 0 || lo < 0)
			return 0;
		raw[k++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	if (k != 16)
		return 0;
	for (int j = 0; j < 16; j++)
		g[j] = dashed ? raw[order[j]] : raw[j];
	return 1;
}

int
mdc_adsid_is_ad_form(const char *s, size_t n, size_t max)
{
	if (s == NULL || n == 0 || n > max)
		return 0;
	if (s[0] == '<')
		return memchr(s, '>', n) != NULL;
	if (memchr(s, '=', n) != NULL)
		return 0;
	return memchr(s, '@', n) != NULL || memchr(s, '\\', n) != NULL;
}

int
mdc_adsid_usn_bound(uint64_t usn, int csn, int upper, char *out)
{
	uint64_t secs = usn / 1000000u, usec = usn % 1000000u;
	time_t t;
	struct tm tm;
	char day[15];

	if (!csn && !upper && usec != 0)
		secs++;
	if (secs > 253402300799ULL) /* 9999-12-31T23:59:59Z */
		return 0;
	t = (time_t)secs;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(day, sizeof(day), "%Y%m%d%H%M%S", &tm) != 14)
		return 0;
	if (!csn)
		snprintf(out, 48, "%sZ", day);
	else
		snprintf(out, 48, "%s.%06uZ#%s", day, (unsigned)usec,
		         upper ? "ffffff#fff#ffffff" : "000000#000#000000");
	return 1;
}
