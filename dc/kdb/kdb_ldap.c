/* dc/kdb/kdb_ldap.c - ldapi connection with reconnect, entry -> record */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ad/ldapconn.h"
#include "dc/kdb/kdb_ldap.h"
#include "dc/kdb/kdb_map.h"

char *const mdc_kdb_rec_attrs[] = {
        "objectClass",
        "sAMAccountName",
        "userPrincipalName",
        "servicePrincipalName",
        "minidcKrbPrincipalName",
        "userAccountControl",
        "lastLogonTimestamp",
        "badPwdCount",
        "badPasswordTime",
        "msDS-AllowedToDelegateTo",
        "minidcKrbFlags",
        "minidcKrbMaxLife",
        "minidcKrbMaxRenew",
        "minidcKrbExpiration",
        "minidcKrbPwExpiration",
        "accountExpires",
        "pwdLastSet",
        "msDS-KeyVersionNumber",
        "primaryGroupID",
        "objectSid",
        "minidcKrbKeyData",
        "minidcKrbTlData",
        "mdcPwdHistory",
        NULL,
};

int
mdc_kdb_conn_init(struct mdc_kdb_conn *c, const char *uri)
{
	c->ld = NULL;
	c->uri = strdup(uri);
	return c->uri == NULL ? MDC_ENOMEM : 0;
}

void
mdc_kdb_conn_close(struct mdc_kdb_conn *c)
{
	if (c->ld != NULL)
		ldap_unbind_ext_s(c->ld, NULL, NULL);
	c->ld = NULL;
	free(c->uri);
	c->uri = NULL;
}

/* Open and bind (SASL EXTERNAL over ldapi) if not connected. */
static int
conn_open(struct mdc_kdb_conn *c)
{
	/* Short: the KDC answers nobody while it waits. */
	const struct mdc_ad_ldap_how how = {MDC_AD_LDAP_EXTERNAL, 5};

	if (c->ld != NULL)
		return 0;
	return mdc_ad_ldap_connect(c->uri, &how, &c->ld, NULL) == 0 ? 0
	                                                            : MDC_ELDAP;
}

/* True if rc means the connection is gone and a reconnect may help. */
static int
conn_lost(int rc)
{
	return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR ||
	       rc == LDAP_UNAVAILABLE || rc == LDAP_TIMEOUT;
}

/* Drop a dead connection so the next conn_open() reconnects. */
static void
conn_drop(struct mdc_kdb_conn *c)
{
	if (c->ld != NULL)
		ldap_unbind_ext_s(c->ld, NULL, NULL);
	c->ld = NULL;
}

int
mdc_kdb_search(struct mdc_kdb_conn *c, const char *base, int scope,
               const char *filter, char *const *attrs, int sizelimit,
               LDAPMessage **res_out)
{
	LDAPMessage *res = NULL;
	int attempt, rc = LDAP_OTHER, ret;

	for (attempt = 0; attempt < 2; attempt++) {
		ret = conn_open(c);
		if (ret != 0)
			continue;
		rc = ldap_search_ext_s(c->ld, base, scope, filter,
		                       (char **)attrs, 0, NULL, NULL, NULL,
		                       sizelimit, &res);
		if (!conn_lost(rc))
			break;
		ldap_msgfree(res);
		res = NULL;
		conn_drop(c);
	}
	if (rc == LDAP_NO_SUCH_OBJECT) {
		ldap_msgfree(res);
		return MDC_ENOENT;
	}
	if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
		ldap_msgfree(res);
		return MDC_ELDAP;
	}
	*res_out = res;
	return 0;
}

enum { OP_MOD, OP_ADD, OP_DEL };

/* One write operation with one reconnect. */
static int
write_op(struct mdc_kdb_conn *c, int op, const char *dn, LDAPMod **mods,
         int *rc_out)
{
	int attempt, rc = LDAP_SERVER_DOWN;

	for (attempt = 0; attempt < 2; attempt++) {
		if (conn_open(c) != 0)
			continue;
		if (op == OP_MOD)
			rc = ldap_modify_ext_s(c->ld, dn, mods, NULL, NULL);
		else if (op == OP_ADD)
			rc = ldap_add_ext_s(c->ld, dn, mods, NULL, NULL);
		else
			rc = ldap_delete_ext_s(c->ld, dn, NULL, NULL);
		if (!conn_lost(rc))
			break;
		conn_drop(c);
	}
	if (rc_out != NULL)
		*rc_out = rc;
	return rc == LDAP_SUCCESS ? 0 : MDC_ELDAP;
}

int
mdc_kdb_modify(struct mdc_kdb_conn *c, const char *dn, LDAPMod **mods,
               int *rc_out)
{
	return write_op(c, OP_MOD, dn, mods, rc_out);
}

int
mdc_kdb_add(struct mdc_kdb_conn *c, const char *dn, LDAPMod **mods, int *rc_out)
{
	return write_op(c, OP_ADD, dn, mods, rc_out);
}

int
mdc_kdb_delete(struct mdc_kdb_conn *c, const char *dn, int *rc_out)
{
	return write_op(c, OP_DEL, dn, NULL, rc_out);
}

/* Copy an LDAP value into a new NUL-terminated string. */
static char *
bv_str(const struct berval *bv)
{
	return strndup(bv->bv_val, bv->bv_len);
}

/* Copy a binary value into p and len. */
static int
bv_bin(const struct berval *bv, uint8_t **p, size_t *len)
{
	*p = malloc(bv->bv_len > 0 ? bv->bv_len : 1);
	if (*p == NULL)
		return MDC_ENOMEM;
	memcpy(*p, bv->bv_val, bv->bv_len);
	*len = bv->bv_len;
	return 0;
}

/* Copy all values of an attribute into a NULL-terminated string vector. */
static int
bv_strv(struct berval **vals, char ***out)
{
	size_t n = (size_t)ldap_count_values_len(vals), i;
	char **v = calloc(n + 1, sizeof(*v));

	if (v == NULL)
		return MDC_ENOMEM;
	for (i = 0; i < n; i++) {
		v[i] = bv_str(vals[i]);
		if (v[i] == NULL) {
			for (; i > 0; i--)
				free(v[i - 1]);
			free(v);
			return MDC_ENOMEM;
		}
	}
	*out = v;
	return 0;
}

/* Parse an integer attribute value; bad values count as absent. */
static void
bv_int(const struct berval *bv, int64_t *v, int *has)
{
	int64_t x;

	if (mdc_kdb_parse_int(bv->bv_val, bv->bv_len, &x) == 0) {
		*v = x;
		if (has != NULL)
			*has = 1;
	}
}

/* Note the object classes we care about. */
static void
rec_classes(struct mdc_kdb_rec *r, struct berval **vals)
{
	int i;

	for (i = 0; vals[i] != NULL; i++) {
		if (vals[i]->bv_len == 8 &&
		    strncasecmp(vals[i]->bv_val, "computer", 8) == 0)
			r->is_computer = 1;
		if (vals[i]->bv_len == 21 &&
		    strncasecmp(vals[i]->bv_val, "minidcKrbPrincipalAux", 21) ==
		            0)
			r->has_aux = 1;
	}
}

/* Store one attribute's values into the record. */
static int
rec_attr(struct mdc_kdb_rec *r, const char *a, struct berval **v)
{
	int64_t x = 0;
	int has = 0;

	if (strcasecmp(a, "objectClass") == 0)
		rec_classes(r, v);
	else if (strcasecmp(a, "sAMAccountName") == 0)
		return (r->sam = bv_str(v[0])) == NULL ? MDC_ENOMEM : 0;
	else if (strcasecmp(a, "mdcPwdHistory") == 0)
		return (r->pw_history = bv_str(v[0])) == NULL ? MDC_ENOMEM : 0;
	else if (strcasecmp(a, "userPrincipalName") == 0)
		return (r->upn = bv_str(v[0])) == NULL ? MDC_ENOMEM : 0;
	else if (strcasecmp(a, "minidcKrbPrincipalName") == 0)
		return (r->kname = bv_str(v[0])) == NULL ? MDC_ENOMEM : 0;
	else if (strcasecmp(a, "servicePrincipalName") == 0)
		return bv_strv(v, &r->spns);
	else if (strcasecmp(a, "msDS-AllowedToDelegateTo") == 0)
		return bv_strv(v, &r->deleg);
	else if (strcasecmp(a, "minidcKrbKeyData") == 0)
		return bv_bin(v[0], &r->keys, &r->keys_len);
	else if (strcasecmp(a, "minidcKrbTlData") == 0)
		return bv_bin(v[0], &r->tl, &r->tl_len);
	else if (strcasecmp(a, "objectSid") == 0)
		return bv_bin(v[0], &r->sid, &r->sid_len);
	else if (strcasecmp(a, "userAccountControl") == 0) {
		bv_int(v[0], &x, &has);
		r->uac = (uint32_t)x;
		r->has_uac = has;
	} else if (strcasecmp(a, "primaryGroupID") == 0) {
		bv_int(v[0], &x, NULL);
		r->primary_gid = (uint32_t)x;
	} else if (strcasecmp(a, "minidcKrbFlags") == 0)
		bv_int(v[0], &r->flags, &r->has_flags);
	else if (strcasecmp(a, "minidcKrbMaxLife") == 0)
		bv_int(v[0], &r->max_life, NULL);
	else if (strcasecmp(a, "minidcKrbMaxRenew") == 0)
		bv_int(v[0], &r->max_renew, NULL);
	else if (strcasecmp(a, "minidcKrbExpiration") == 0)
		bv_int(v[0], &r->expiration, NULL);
	else if (strcasecmp(a, "minidcKrbPwExpiration") == 0)
		bv_int(v[0], &r->pw_expiration, NULL);
	else if (strcasecmp(a, "accountExpires") == 0)
		bv_int(v[0], &r->account_expires, NULL);
	else if (strcasecmp(a, "pwdLastSet") == 0)
		bv_int(v[0], &r->pwd_last_set, NULL);
	else if (strcasecmp(a, "msDS-KeyVersionNumber") == 0)
		bv_int(v[0], &r->kvno, NULL);
	else if (strcasecmp(a, "lastLogonTimestamp") == 0)
		bv_int(v[0], &r->last_logon, NULL);
	else if (strcasecmp(a, "badPwdCount") == 0)
		bv_int(v[0], &r->bad_pwd_count, NULL);
	else if (strcasecmp(a, "badPasswordTime") == 0)
		bv_int(v[0], &r->bad_pwd_time, NULL);
	return 0;
}

int
mdc_kdb_rec_from_entry(LDAP *ld, LDAPMessage *e, struct mdc_kdb_rec **rec_out)
{
	struct mdc_kdb_rec *r;
	struct berval **vals;
	BerElement *ber = NULL;
	char *a, *dn;
	int ret = MDC_ENOMEM;

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return MDC_ENOMEM;
	r->pwd_last_set = -1;
	dn = ldap_get_dn(ld, e);
	if (dn == NULL || (r->dn = strdup(dn)) == NULL)
		goto out;
	ret = 0;
	for (a = ldap_first_attribute(ld, e, &ber); a != NULL && ret == 0;
	     a = ldap_next_attribute(ld, e, ber)) {
		vals = ldap_get_values_len(ld, e, a);
		if (vals != NULL && vals[0] != NULL)
			ret = rec_attr(r, a, vals);
		ldap_value_free_len(vals);
		ldap_memfree(a);
	}
	if (ret != 0)
		goto out;
	*rec_out = r;
	r = NULL;
out:
	ber_free(ber, 0);
	ldap_memfree(dn);
	mdc_kdb_rec_free(r);
	return ret;
}

/* Duplicate a NULL-terminated string vector (NULL stays NULL). */
static int
strv_dup(char **v, char ***out)
{
	size_t n = 0, i;
	char **d;

	*out = NULL;
	if (v == NULL)
		return 0;
	while (v[n] != NULL)
		n++;
	d = calloc(n + 1, sizeof(*d));
	if (d == NULL)
		return MDC_ENOMEM;
	for (i = 0; i < n; i++)
		if ((d[i] = strdup(v[i])) == NULL)
			break;
	*out = d;
	return i == n ? 0 : MDC_ENOMEM;
}

/* Duplicate a string or binary member (NULL stays NULL). */
static int
mem_dup(const void *src, size_t len, void **dst)
{
	*dst = NULL;
	if (src == NULL)
		return 0;
	*dst = malloc(len + 1);
	if (*dst == NULL)
		return MDC_ENOMEM;
	memcpy(*dst, src, len);
	((char *)*dst)[len] = '\0';
	return 0;
}

#define SDUP(f) mem_dup(r->f, r->f == NULL ? 0 : strlen(r->f), (void **)&d->f)

int
mdc_kdb_rec_dup(const struct mdc_kdb_rec *r, struct mdc_kdb_rec **rec_out)
{
	struct mdc_kdb_rec *d = malloc(sizeof(*d));
	int ret = 0;

	if (d == NULL)
		return MDC_ENOMEM;
	*d = *r;
	d->dn = d->sam = d->upn = d->kname = d->pw_history = NULL;
	d->spns = d->deleg = NULL;
	d->keys = d->tl = d->sid = NULL;
	ret |= SDUP(dn) | SDUP(sam) | SDUP(upn) | SDUP(kname) |
	       SDUP(pw_history);
	ret |= strv_dup(r->spns, &d->spns) | strv_dup(r->deleg, &d->deleg);
	ret |= mem_dup(r->keys, r->keys_len, (void **)&d->keys);
	ret |= mem_dup(r->tl, r->tl_len, (void **)&d->tl);
	ret |= mem_dup(r->sid, r->sid_len, (void **)&d->sid);
	if (ret != 0) {
		mdc_kdb_rec_free(d);
		return MDC_ENOMEM;
	}
	*rec_out = d;
	return 0;
}

/* Free a NULL-terminated string vector. */
static void
strv_free(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

void
mdc_kdb_rec_free(struct mdc_kdb_rec *r)
{
	if (r == NULL)
		return;
	free(r->dn);
	free(r->sam);
	free(r->upn);
	free(r->kname);
	free(r->pw_history);
	strv_free(r->spns);
	strv_free(r->deleg);
	if (r->keys != NULL)
		explicit_bzero(r->keys, r->keys_len);
	free(r->keys);
	free(r->tl);
	free(r->sid);
	free(r);
}
