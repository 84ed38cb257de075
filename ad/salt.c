/* ad/salt.c - the Kerberos salt AD gives an account's keys */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ad/salt.h"
#include "lib/util.h"

char *
mdc_ad_salt(const char *realm, const char *dns_domain, const char *sam)
{
	size_t n = strlen(sam);
	char *host, *dom, *s;

	if (n < 2 || sam[n - 1] != '$')
		return mdc_strdupf("%s%s", realm, sam);
	host = strndup(sam, n - 1);
	dom = strdup(dns_domain);
	s = NULL;
	if (host != NULL && dom != NULL) {
		for (n = 0; host[n] != '\0'; n++)
			host[n] = (char)tolower((unsigned char)host[n]);
		for (n = 0; dom[n] != '\0'; n++)
			dom[n] = (char)tolower((unsigned char)dom[n]);
		s = mdc_strdupf("%shost%s.%s", realm, host, dom);
	}
	free(host);
	free(dom);
	return s;
}
