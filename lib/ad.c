/* lib/ad.c - AD value formats: SIDs, GUIDs, NT time, domain DNs */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "lib/ad.h"
#include "lib/util.h"

int
mdc_sid_parse(const char *text, struct mdc_sid *sid)
{
	const char *p = text;
	unsigned long long v;
	char *end;

	memset(sid, 0, sizeof(*sid));
	if (strncmp(p, "S-1-", 4) != 0)
		return MDC_EINVAL;
	sid->revision = 1;
	p += 4;
	errno = 0;
	v = strtoull(p, &end, 10);
	if (errno != 0 || end == p || v >= (1ULL << 48) ||
	    !isdigit((unsigned char)*p))
		return MDC_EINVAL;
	sid->authority = v;
	p = end;
	while (*p == '-') {
		p++;
		if (!isdigit((unsigned char)*p) ||
		    sid->nsub >= MDC_SID_MAX_SUBAUTH)
			return MDC_EINVAL;
		v = strtoull(p, &end, 10);
		if (errno != 0 || v > 0xffffffffULL)
			return MDC_EINVAL;
		sid->sub[sid->nsub++] = (uint32_t)v;
		p = end;
	}
	return *p == '\0' ? 0 : MDC_EINVAL;
}

int
mdc_sid_format(const struct mdc_sid *sid, char *out, size_t outlen)
{
	size_t n;
	int w;

	w = snprintf(out, outlen, "S-%u-%llu", sid->revision,
	             (unsigned long long)sid->authority);
	if (w < 0 || (size_t)w >= outlen)
		return MDC_ESPACE;
	n = (size_t)w;
	for (int i = 0; i < sid->nsub; i++) {
		w = snprintf(out + n, outlen - n, "-%u", sid->sub[i]);
		if (w < 0 || (size_t)w >= outlen - n)
			return MDC_ESPACE;
		n += (size_t)w;
	}
	return 0;
}

int
mdc_sid_to_bin(const struct mdc_sid *sid, uint8_t *out, size_t outlen,
               size_t *len_out)
{
	size_t need = MDC_SID_BIN_LEN(sid->nsub);

	if (outlen < need)
		return MDC_ESPACE;
	out[0] = sid->revision;
	out[1] = sid->nsub;
	for (int i = 0; i < 6; i++)
		out[2 + i] = (uint8_t)(sid->authority >> (8 * (5 - i)));
	for (int i = 0; i < sid->nsub; i++)
		for (int j = 0; j < 4; j++)
			out[8 + 4 * i + j] = (uint8_t)(sid->sub[i] >> (8 * j));
	*len_out = need;
	return 0;
}

int
mdc_sid_from_bin(const uint8_t *bin, size_t len, struct mdc_sid *sid)
{
	memset(sid, 0, sizeof(*sid));
	if (len < 8 || bin[1] > MDC_SID_MAX_SUBAUTH ||
	    len != MDC_SID_BIN_LEN(bin[1]))
		return MDC_EMALF;
	sid->revision = bin[0];
	sid->nsub = bin[1];
	for (int i = 0; i < 6; i++)
		sid->authority = (sid->authority << 8) | bin[2 + i];
	for (int i = 0; i < sid->nsub; i++)
		for (int j = 0; j < 4; j++)
			sid->sub[i] |= (uint32_t)bin[8 + 4 * i + j] << (8 * j);
	return 0;
}

int64_t
mdc_sid_rid_in(const struct mdc_sid *dom, const uint8_t *bin, size_t len)
{
	struct mdc_sid s;

	if (mdc_sid_from_bin(bin, len, &s) != 0 || s.nsub != dom->nsub + 1 ||
	    s.authority != dom->authority ||
	    memcmp(s.sub, dom->sub, dom->nsub * sizeof(s.sub[0])) != 0)
		return -1;
	return s.sub[s.nsub - 1];
}

int
mdc_sid_append(struct mdc_sid *sid, uint32_t rid)
{
	if (sid->nsub >= MDC_SID_MAX_SUBAUTH)
		return MDC_ERANGE;
	sid->sub[sid->nsub++] = rid;
	return 0;
}

int
mdc_sid_new_domain(struct mdc_sid *sid)
{
	uint32_t r[3];
	int ret;

	ret = mdc_random(r, sizeof(r));
	if (ret != 0)
		return ret;
	memset(sid, 0, sizeof(*sid));
	sid->revision = 1;
	sid->authority = 5;
	sid->sub[sid->nsub++] = 21;
	for (int i = 0; i < 3; i++)
		/* AD's domain sub-authorities are large; keep them >= 2^30. */
		sid->sub[sid->nsub++] = r[i] | 0x40000000u;
	return 0;
}

int
mdc_guid_new(struct mdc_guid *g)
{
	int ret = mdc_random(g->b, sizeof(g->b));

	if (ret != 0)
		return ret;
	g->b[7] = (uint8_t)((g->b[7] & 0x0f) | 0x40); /* version 4 (LE field) */
	g->b[8] = (uint8_t)((g->b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	return 0;
}

/* Byte order of the text form: the first three fields are little-endian. */
static const int guid_order[16] = {3, 2, 1,  0,  5,  4,  7,  6,
                                   8, 9, 10, 11, 12, 13, 14, 15};

void
mdc_guid_format(const struct mdc_guid *g, char *out)
{
	char *p = out;

	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		p += snprintf(p, 3, "%02x", g->b[guid_order[i]]);
	}
	*p = '\0';
}

int
mdc_guid_parse(const char *text, struct mdc_guid *g)
{
	const char *p = text;

	if (strlen(text) != 36)
		return MDC_EINVAL;
	for (int i = 0; i < 16; i++) {
		unsigned int v;

		if (i == 4 || i == 6 || i == 8 || i == 10) {
			if (*p++ != '-')
				return MDC_EINVAL;
		}
		if (!isxdigit((unsigned char)p[0]) ||
		    !isxdigit((unsigned char)p[1]))
			return MDC_EINVAL;
		v = (unsigned int)strtoul((char[]){p[0], p[1], 0}, NULL, 16);
		g->b[guid_order[i]] = (uint8_t)v;
		p += 2;
	}
	return 0;
}

uint64_t
mdc_nttime_from_unix(time_t t)
{
	return ((uint64_t)t + 11644473600ULL) * 10000000ULL;
}

void
mdc_gentime(time_t t, char *out, size_t outlen)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, outlen, "%Y%m%d%H%M%S.0Z", &tm);
}

int
mdc_label_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 63 || name[0] == '-' || name[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '-')
			return 0;
	return 1;
}

int
mdc_domain_valid(const char *name)
{
	char *copy, *save = NULL, *label;
	int labels = 0, ok = 1;

	if (strlen(name) == 0 || strlen(name) > 253 || name[0] == '.' ||
	    name[strlen(name) - 1] == '.' || strstr(name, "..") != NULL)
		return 0;
	copy = strdup(name);
	if (copy == NULL)
		return 0;
	for (label = strtok_r(copy, ".", &save); label != NULL && ok;
	     label = strtok_r(NULL, ".", &save)) {
		ok = mdc_label_valid(label);
		labels++;
	}
	free(copy);
	return ok && labels >= 2;
}

int
mdc_netbios_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 15)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!isalnum(c) && c != '-' && c != '_')
			return 0;
	}
	return !isdigit((unsigned char)name[0]);
}

int
mdc_domain_to_dn(const char *domain, char **dn_out)
{
	char *dn, *p;
	const char *s;

	*dn_out = NULL;
	if (!mdc_domain_valid(domain))
		return MDC_EINVAL;
	dn = malloc(strlen(domain) * 4 + 4);
	if (dn == NULL)
		return MDC_ENOMEM;
	p = dn + snprintf(dn, 4, "DC=");
	for (s = domain; *s != '\0'; s++) {
		if (*s == '.') {
			memcpy(p, ",DC=", 4);
			p += 4;
		} else {
			*p++ = *s;
		}
	}
	*p = '\0';
	*dn_out = dn;
	return 0;
}

char *
mdc_base64(const uint8_t *data, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);

	if (out == NULL)
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}
