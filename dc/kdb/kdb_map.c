/* dc/kdb/kdb_map.c - principal <-> AD entry mapping, UAC bits, NT time, salts
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <kdb.h>
#include <ldap.h>

#include "ad/filter.h"
#include "dc/kdb/kdb_map.h"
#include "lib/util.h"

/* Seconds between 1601-01-01 and 1970-01-01. */
#define NT_EPOCH_DELTA 11644473600LL

/* True if d holds exactly the string s. */
static int
deq(krb5_data d, const char *s)
{
	size_t n = strlen(s);

	return d.length == n && (n == 0 || memcmp(d.data, s, n) == 0);
}

/* True if the principal is krbtgt/<realm>. */
static int
is_local_tgs(krb5_const_principal p, const char *realm)
{
	return p->length == 2 && deq(p->data[0], "krbtgt") &&
	       deq(p->data[1], realm);
}

/*
 * An enterprise name user@suffix: its UPN, or (AD's implicit UPN) the
 * account user when suffix is our realm or DNS domain.  e is n escaped.
 */
static char *
enterprise_filter(const char *n, const char *e, const char *realm)
{
	const char *at = strrchr(n, '@');
	char *user = NULL, *eu = NULL, *f;

	if (at != NULL && strcasecmp(at + 1, realm) == 0) {
		user = strndup(n, (size_t)(at - n));
		eu = user != NULL ? mdc_ad_filter_escape(user) : NULL;
	}
	if (eu != NULL)
		f = mdc_strdupf("(|(userPrincipalName=%s)(sAMAccountName=%s)"
		                "(minidcKrbPrincipalName=%s))",
		                e, eu, e);
	else
		f = mdc_strdupf("(|(userPrincipalName=%s)"
		                "(minidcKrbPrincipalName=%s))",
		                e, e);
	free(user);
	free(eu);
	return f;
}

/* The filter for an unparsed name n (no realm) of principal p. */
static char *
build_filter(krb5_const_principal p, const char *realm, const char *n)
{
	char *e = mdc_ad_filter_escape(n), *f = NULL;

	if (e == NULL)
		return NULL;
	if (is_local_tgs(p, realm))
		f = mdc_strdupf("(|(sAMAccountName=krbtgt)"
		                "(minidcKrbPrincipalName=%s))",
		                e);
	else if (p->length >= 2)
		f = mdc_strdupf("(|(servicePrincipalName=%s)"
		                "(minidcKrbPrincipalName=%s))",
		                e, e);
	else if (strchr(n, '@') != NULL)
		f = enterprise_filter(n, e, realm);
	else
		f = mdc_strdupf("(|(sAMAccountName=%s)"
		                "(userPrincipalName=%s@%s)"
		                "(minidcKrbPrincipalName=%s))",
		                e, e, realm, e);
	free(e);
	return f;
}

int
mdc_kdb_filter(krb5_context ctx, krb5_const_principal p, const char *realm,
               char **filter_out, char **name_out)
{
	char *n = NULL, *f = NULL;
	int ret = MDC_ENOENT;

	if (p == NULL || p->length < 1 || !deq(p->realm, realm))
		goto out;
	if (krb5_unparse_name_flags(ctx, p,
	                            KRB5_PRINCIPAL_UNPARSE_NO_REALM |
	                                    KRB5_PRINCIPAL_UNPARSE_DISPLAY,
	                            &n) != 0) {
		ret = MDC_ENOMEM;
		goto out;
	}
	if (n[0] == '\0' || strlen(n) > 1024) {
		ret = MDC_EINVAL;
		goto out;
	}
	f = build_filter(p, realm, n);
	if (f == NULL) {
		ret = MDC_ENOMEM;
		goto out;
	}
	*filter_out = f;
	f = NULL;
	if (name_out != NULL) {
		*name_out = n;
		n = NULL;
	}
	ret = 0;
out:
	free(f);
	krb5_free_unparsed_name(ctx, n);
	return ret;
}

krb5_flags
mdc_kdb_uac_to_flags(uint32_t uac, int has_spn, int64_t pwd_last_set)
{
	krb5_flags f = 0;

	if (uac & (MDC_UAC_ACCOUNTDISABLE | MDC_UAC_LOCKOUT))
		f |= KRB5_KDB_DISALLOW_ALL_TIX;
	if (uac & MDC_UAC_NOT_DELEGATED)
		f |= KRB5_KDB_DISALLOW_FORWARDABLE;
	if (uac & MDC_UAC_TRUSTED_FOR_DELEGATION)
		f |= KRB5_KDB_OK_AS_DELEGATE;
	if (uac & MDC_UAC_TRUSTED_TO_AUTH_FOR_DELEGATION)
		f |= KRB5_KDB_OK_TO_AUTH_AS_DELEGATE;
	if (!(uac & MDC_UAC_DONT_REQ_PREAUTH))
		f |= KRB5_KDB_REQUIRES_PRE_AUTH;
	if (!has_spn)
		f |= KRB5_KDB_DISALLOW_SVR;
	/* AD: pwdLastSet 0 means "must change", unless it never expires. */
	if (!(uac & MDC_UAC_DONT_EXPIRE_PASSWORD) &&
	    ((uac & MDC_UAC_PASSWORD_EXPIRED) || pwd_last_set == 0))
		f |= KRB5_KDB_REQUIRES_PWCHANGE;
	return f;
}

uint32_t
mdc_kdb_flags_to_uac(uint32_t uac, krb5_flags old_flags, krb5_flags flags)
{
	static const struct {
		krb5_flags flag;
		uint32_t bit;
	} map[] = {
	        {KRB5_KDB_DISALLOW_ALL_TIX, MDC_UAC_ACCOUNTDISABLE},
	        {KRB5_KDB_DISALLOW_FORWARDABLE, MDC_UAC_NOT_DELEGATED},
	        {KRB5_KDB_OK_AS_DELEGATE, MDC_UAC_TRUSTED_FOR_DELEGATION},
	        {KRB5_KDB_OK_TO_AUTH_AS_DELEGATE,
	         MDC_UAC_TRUSTED_TO_AUTH_FOR_DELEGATION},
	};
	size_t i;

	krb5_flags changed = old_flags ^ flags;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (!(changed & map[i].flag))
			continue;
		if (flags & map[i].flag)
			uac |= map[i].bit;
		else
			uac &= ~map[i].bit;
	}
	if ((changed & KRB5_KDB_DISALLOW_ALL_TIX) &&
	    !(flags & KRB5_KDB_DISALLOW_ALL_TIX))
		uac &= ~(uint32_t)MDC_UAC_LOCKOUT;
	if (!(changed & KRB5_KDB_REQUIRES_PRE_AUTH))
		return uac;
	if (flags & KRB5_KDB_REQUIRES_PRE_AUTH)
		uac &= ~(uint32_t)MDC_UAC_DONT_REQ_PREAUTH;
	else
		uac |= MDC_UAC_DONT_REQ_PREAUTH;
	return uac;
}

int64_t
mdc_kdb_nttime(time_t t)
{
	return ((int64_t)t + NT_EPOCH_DELTA) * 10000000LL;
}

time_t
mdc_kdb_unix_time(int64_t nt)
{
	if (nt <= 0)
		return 0;
	return (time_t)(nt / 10000000LL - NT_EPOCH_DELTA);
}

char *
mdc_kdb_dn_escape(const char *v)
{
	size_t n = strlen(v), i, o = 0;
	char *r = malloc(3 * n + 1);

	if (r == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (strchr(",+\"\\<>;=", c) != NULL ||
		    (i == 0 && (c == '#' || c == ' ')) ||
		    (i == n - 1 && c == ' ')) {
			r[o++] = '\\';
			r[o++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(r + o, 4, "\\%02x", c);
			o += 3;
		} else {
			r[o++] = (char)c;
		}
	}
	r[o] = '\0';
	return r;
}

int
mdc_kdb_parse_int(const char *s, size_t len, int64_t *v)
{
	char buf[32], *end;
	long long x;

	if (s == NULL || len == 0 || len >= sizeof(buf))
		return MDC_EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	x = strtoll(buf, &end, 10);
	if (errno != 0 || *end != '\0' || end == buf)
		return MDC_EINVAL;
	*v = x;
	return 0;
}
