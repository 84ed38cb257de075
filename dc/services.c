/* dc/services.c - the services of a DC, in start order */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "dc/cldap.h"
#include "dc/dnsglue.h"
#include "dc/dsa.h"
#include "dc/krb5conf.h"
#include "dc/replica.h"
#include "dc/service.h"
#include "dc/slapdconf.h"

/*
 * Start order: the directory first (everything reads it), then the
 * directory agent, Kerberos, and the network services that depend on both.
 */
const struct mdc_service *const mdc_services[] = {
        &mdc_service_slapd,
        &mdc_service_dsa,
        &mdc_service_krb5kdc,
        &mdc_service_kadmind,
        &dns_service,
        &mdc_service_cldap,
        &mdc_service_replica, /* last: needs slapd, restarts it */
        NULL,
};

int
mdc_services_check(const struct mdc_dcconf *conf, struct mdc_err *err)
{
	const struct mdc_service *s;
	int ret = 0;

	for (int i = 0; ret == 0 && (s = mdc_services[i]) != NULL; i++) {
		if (s->check == NULL ||
		    (s->enabled != NULL && s->enabled(conf) != 0))
			continue;
		ret = s->check(conf, err);
	}
	return ret;
}

void
mdc_strv_free(char **v)
{
	if (v == NULL)
		return;
	for (char **p = v; *p != NULL; p++)
		free(*p);
	free(v);
}

char **
mdc_strv_new(const char *first, ...)
{
	const char *s;
	char **v;
	size_t n = 0, i = 0;
	va_list ap;

	va_start(ap, first);
	for (s = first; s != NULL; s = va_arg(ap, const char *))
		n++;
	va_end(ap);
	v = calloc(n + 1, sizeof(*v));
	if (v == NULL)
		return NULL;
	va_start(ap, first);
	for (s = first; s != NULL; s = va_arg(ap, const char *)) {
		v[i] = strdup(s);
		if (v[i++] == NULL) {
			va_end(ap);
			mdc_strv_free(v);
			return NULL;
		}
	}
	va_end(ap);
	return v;
}
