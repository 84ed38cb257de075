/* join/ldapops.c - the computer object over LDAP with SASL/GSSAPI */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gssapi/gssapi_krb5.h>
#include <netinet/in.h>
#include <openldap.h> /* ldap_init_fd */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "ad/ldapconn.h"
#include "join/sess.h"
#include "lib/util.h"

#define LDAP_TIMEOUT_S 30

/* "what: LDAP message (diagnostic)" into e. */
static int
lfail(struct mdc_join_sess *s, int rc, const char *what, struct mdc_err *e)
{
	char *diag = NULL;

	if (s->ld != NULL)
		ldap_get_option(s->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	mdc_err_set(e, rc == LDAP_INSUFFICIENT_ACCESS ? MDC_EDENIED : MDC_ELDAP,
	            "%s: %s%s%.200s%s", what, ldap_err2string(rc),
	            diag != NULL && diag[0] != '\0' ? " (" : "",
	            diag != NULL ? diag : "",
	            diag != NULL && diag[0] != '\0' ? ")" : "");
	ldap_memfree(diag);
	return rc == LDAP_INSUFFICIENT_ACCESS ? MDC_EDENIED : MDC_ELDAP;
}

/* TCP to the DC's address; the URI names the DC so that GSSAPI asks for
 * ldap/<dc name> (NOCANON: no reverse lookup). */
static int
connect_dc(struct mdc_join_sess *s, struct mdc_err *e)
{
	struct sockaddr_in sin = {.sin_family = AF_INET,
	                          .sin_port = htons(389)};
	struct timeval tv = {.tv_sec = LDAP_TIMEOUT_S};
	char *uri;
	int fd, rc;

	if (inet_pton(AF_INET, s->dc.addr, &sin.sin_addr) != 1)
		return mdc_err_set(e, MDC_EINVAL, "LDAP: bad address %s",
		                   s->dc.addr);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return mdc_err_set(e, -errno, "LDAP: socket: %s",
		                   strerror(errno));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		rc = errno;
		close(fd);
		return mdc_err_set(e, -rc, "LDAP: connect %s:389: %s",
		                   s->dc.addr, strerror(rc));
	}
	uri = mdc_strdupf("ldap://%s:389", s->dc.name);
	rc = uri == NULL ? LDAP_NO_MEMORY
	                 : ldap_init_fd(fd, LDAP_PROTO_TCP, uri, &s->ld);
	free(uri);
	if (rc != LDAP_SUCCESS) {
		close(fd);
		s->ld = NULL;
		return lfail(s, rc, "LDAP", e);
	}
	return 0;
}

int
mdc_join_ldap_bind(struct mdc_join_sess *s, struct mdc_err *e)
{
	const struct mdc_ad_ldap_how how = {MDC_AD_LDAP_GSSAPI, LDAP_TIMEOUT_S};
	char what[MDC_JOIN_NAME_MAX + 64];
	OM_uint32 minor;
	int rc;

	snprintf(what, sizeof(what), "LDAP GSSAPI bind to %s", s->dc.name);
	rc = connect_dc(s, e);
	if (rc != 0)
		return rc;
	/* The plugin takes our MEMORY ccache (KRB5CCNAME is set too). */
	(void)gss_krb5_ccache_name(&minor, getenv("KRB5CCNAME"), NULL);
	rc = mdc_ad_ldap_bind(s->ld, &how, e);
	if (rc != 0)
		return mdc_err_prefix(e, rc == MDC_EDENIED ? rc : MDC_ELDAP,
		                      "%s", what);
	return 0;
}

/* One entry of the computer (sAMAccountName) with attrs. */
static int
search_me(struct mdc_join_sess *s, char **attrs, LDAPMessage **res,
          struct mdc_err *e)
{
	char *filter = mdc_strdupf("(&(objectClass=computer)"
	                           "(sAMAccountName=%s))",
	                           s->o->sam);
	int rc;

	if (filter == NULL)
		return mdc_err_set(e, MDC_ENOMEM, "LDAP: out of memory");
	rc = ldap_search_ext_s(s->ld, s->base, LDAP_SCOPE_SUBTREE, filter,
	                       attrs, 0, NULL, NULL, NULL, 2, res);
	free(filter);
	if (rc != LDAP_SUCCESS) {
		ldap_msgfree(*res);
		*res = NULL;
		return lfail(s, rc, "LDAP search for the computer", e);
	}
	if (ldap_count_entries(s->ld, *res) != 1) {
		ldap_msgfree(*res);
		*res = NULL;
		return MDC_ENOENT;
	}
	return 0;
}

int
mdc_join_ldap_find(struct mdc_join_sess *s, char **dn_out, struct mdc_err *e)
{
	char *attrs[] = {"1.1", NULL};
	LDAPMessage *res = NULL;
	int ret;

	ret = search_me(s, attrs, &res, e);
	if (ret != 0)
		return ret;
	*dn_out = ldap_get_dn(s->ld, ldap_first_entry(s->ld, res));
	ldap_msgfree(res);
	return *dn_out != NULL ? 0 : lfail(s, LDAP_NO_MEMORY, "LDAP", e);
}

int
mdc_join_ldap_add(struct mdc_join_sess *s, char **dn_out, struct mdc_err *e)
{
	char *oc[] = {"top",  "person",   "organizationalPerson",
	              "user", "computer", NULL};
	char *sam[] = {(char *)s->o->sam, NULL};
	char *uac[] = {"4096", NULL};
	char *fqdn[] = {(char *)s->o->fqdn, NULL};
	char *spns[MDC_JOIN_NSPN + 1] = {0};
	LDAPMod m[5] = {
	        {LDAP_MOD_ADD, "objectClass", {oc}},
	        {LDAP_MOD_ADD, "sAMAccountName", {sam}},
	        {LDAP_MOD_ADD, "userAccountControl", {uac}},
	        {LDAP_MOD_ADD, "dNSHostName", {fqdn}},
	        {LDAP_MOD_ADD, "servicePrincipalName", {spns}},
	};
	LDAPMod *mods[] = {&m[0], &m[1], &m[2], &m[3], &m[4], NULL};
	char *dn;
	int rc;

	dn = mdc_strdupf("CN=%s,CN=Computers,%s", s->o->shortname, s->base);
	if (dn == NULL || mdc_join_spns(s->o, spns) != 0) {
		free(dn);
		return mdc_err_set(e, MDC_ENOMEM, "LDAP: out of memory");
	}
	rc = ldap_add_ext_s(s->ld, dn, mods, NULL, NULL);
	mdc_join_spns_free(spns);
	if (rc != LDAP_SUCCESS) {
		char what[MDC_JOIN_NAME_MAX + 64];

		snprintf(what, sizeof(what), "create %.200s", dn);
		free(dn);
		return lfail(s, rc, what, e);
	}
	*dn_out = dn;
	return 0;
}

/* Our SPNs the entry does not have yet (NULL-terminated, aliases spns). */
static void
missing_spns(struct mdc_join_sess *s, LDAPMessage *entry, char **spns,
             char **missing)
{
	struct berval **have;
	size_t i, j, n = 0;
	int found;

	have = ldap_get_values_len(s->ld, entry, "servicePrincipalName");
	for (i = 0; i < MDC_JOIN_NSPN; i++) {
		found = 0;
		for (j = 0; have != NULL && have[j] != NULL; j++)
			if (have[j]->bv_len == strlen(spns[i]) &&
			    strncasecmp(have[j]->bv_val, spns[i],
			                have[j]->bv_len) == 0)
				found = 1;
		if (!found)
			missing[n++] = spns[i];
	}
	missing[n] = NULL;
	ldap_value_free_len(have);
}

int
mdc_join_ldap_update(struct mdc_join_sess *s, const char *dn, struct mdc_err *e)
{
	char *attrs[] = {"servicePrincipalName", NULL};
	char *fqdn[] = {(char *)s->o->fqdn, NULL};
	char *spns[MDC_JOIN_NSPN] = {0}, *missing[MDC_JOIN_NSPN + 1];
	LDAPMod m[2] = {
	        {LDAP_MOD_REPLACE, "dNSHostName", {fqdn}},
	        {LDAP_MOD_ADD, "servicePrincipalName", {missing}},
	};
	LDAPMod *mods[] = {&m[0], &m[1], NULL};
	LDAPMessage *res = NULL;
	int ret, rc;

	ret = search_me(s, attrs, &res, e);
	if (ret == MDC_ENOENT)
		ret = mdc_err_set(e, ret, "LDAP: %s vanished", dn);
	if (ret != 0)
		return ret;
	if (mdc_join_spns(s->o, spns) != 0) {
		ldap_msgfree(res);
		return mdc_err_set(e, MDC_ENOMEM, "LDAP: out of memory");
	}
	missing_spns(s, ldap_first_entry(s->ld, res), spns, missing);
	if (missing[0] == NULL)
		mods[1] = NULL;
	rc = ldap_modify_ext_s(s->ld, dn, mods, NULL, NULL);
	mdc_join_spns_free(spns);
	ldap_msgfree(res);
	if (rc != LDAP_SUCCESS)
		return lfail(s, rc, "update the computer account", e);
	return 0;
}

int
mdc_join_ldap_kvno(struct mdc_join_sess *s, const char *dn, krb5_kvno *kvno_out,
                   struct mdc_err *e)
{
	char *attrs[] = {"msDS-KeyVersionNumber", NULL};
	struct berval **v = NULL;
	LDAPMessage *res = NULL;
	char buf[16], *end;
	unsigned long n = 0;
	int ret;

	ret = search_me(s, attrs, &res, e);
	if (ret == 0)
		v = ldap_get_values_len(s->ld, ldap_first_entry(s->ld, res),
		                        attrs[0]);
	if (v != NULL && v[0] != NULL && v[0]->bv_len < sizeof(buf)) {
		memcpy(buf, v[0]->bv_val, v[0]->bv_len);
		buf[v[0]->bv_len] = '\0';
		errno = 0;
		n = strtoul(buf, &end, 10);
		if (errno != 0 || *end != '\0' || end == buf ||
		    n > 0xffffffffUL)
			n = 0;
	}
	ldap_value_free_len(v);
	ldap_msgfree(res);
	if (ret == 0 && n == 0)
		ret = mdc_err_set(
		        e, MDC_EMALF,
		        "read msDS-KeyVersionNumber: %s has no usable value",
		        dn);
	else if (ret == MDC_ENOENT)
		ret = mdc_err_set(e, ret,
		                  "read msDS-KeyVersionNumber: %s not found",
		                  s->o->sam);
	if (ret == 0)
		*kvno_out = (krb5_kvno)n;
	return ret;
}

int
mdc_join_ldap_delete(struct mdc_join_sess *s, const char *dn, struct mdc_err *e)
{
	int rc = ldap_delete_ext_s(s->ld, dn, NULL, NULL);

	if (rc != LDAP_SUCCESS)
		return lfail(s, rc, "delete the computer account", e);
	return 0;
}
