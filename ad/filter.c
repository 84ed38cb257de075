/* ad/filter.c - LDAP search filter values */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <ldap.h>

#include "ad/filter.h"

char *
mdc_ad_filter_escape(const char *s)
{
	struct berval in, out = {0, NULL};
	char *r;

	in.bv_val = (char *)s;
	in.bv_len = strlen(s);
	if (ldap_bv2escaped_filter_value(&in, &out) != 0)
		return NULL;
	/* libldap's allocator need not be malloc: copy into ours. */
	r = strndup(out.bv_val != NULL ? out.bv_val : "", out.bv_len);
	ldap_memfree(out.bv_val);
	return r;
}
