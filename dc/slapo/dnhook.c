/*
 * dc/slapo/dnhook.c - mdcdnhook.so, preloaded into slapd (LD_PRELOAD): lets
 * AD's DN forms through slapd's DN parser.
 *
 * slapd parses a request's base or bind DN (libldap's ldap_bv2dn_x) before
 * any overlay runs, and rejects AD's extended DNs ("<GUID=...>",
 * "<SID=...>", "<WKGUID=guid,DN>") and account names used as bind DNs
 * ("alice@example.com", "EXAMPLE\alice") as invalid.  This wrapper turns
 * such a string, and only such a string (one that is not a DN anyway),
 * into the one-RDN DN mdcExtendedDN=<the string, hex-escaped>, which the
 * overlay mdcad (mdcad.h) resolves to the entry's real DN.  Every other
 * DN goes to libldap untouched.  No slapd headers: libldap's own types.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <lber.h>
#include <ldap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adsid.h"
#include "mdcad.h"

typedef int (*bv2dn_fn)(struct berval *, LDAPDN *, unsigned, void *);

int ldap_bv2dn_x(struct berval *bv, LDAPDN *dn, unsigned flags, void *ctx);

static bv2dn_fn
real_bv2dn(void)
{
	static bv2dn_fn fn;

	if (fn == NULL) {
		fn = (bv2dn_fn)dlvsym(RTLD_NEXT, "ldap_bv2dn_x",
		                      "OPENLDAP_2.5");
		if (fn == NULL)
			fn = (bv2dn_fn)dlsym(RTLD_NEXT, "ldap_bv2dn_x");
	}
	return fn;
}

int
ldap_bv2dn_x(struct berval *bv, LDAPDN *dn, unsigned flags, void *ctx)
{
	static const char prefix[] = MDCAD_EXTDN_ATTR "=";
	static const char hex[] = "0123456789abcdef";
	char buf[sizeof(prefix) + 3 * MDCAD_EXTDN_MAX];
	struct berval alt;
	bv2dn_fn fn = real_bv2dn();
	size_t n;

	if (fn == NULL)
		return LDAP_OTHER;
	if ((flags & LDAP_DN_FORMAT_MASK) != LDAP_DN_FORMAT_LDAP ||
	    !mdc_adsid_is_ad_form(bv->bv_val, bv->bv_len, MDCAD_EXTDN_MAX))
		return fn(bv, dn, flags, ctx);
	memcpy(buf, prefix, sizeof(prefix) - 1);
	n = sizeof(prefix) - 1;
	for (size_t i = 0; i < bv->bv_len; i++) {
		unsigned char c = (unsigned char)bv->bv_val[i];

		buf[n++] = '\\';
		buf[n++] = hex[c >> 4];
		buf[n++] = hex[c & 15];
	}
	buf[n] = '\0';
	alt.bv_val = buf;
	alt.bv_len = n;
	return fn(&alt, dn, flags, ctx);
}
