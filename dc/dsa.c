/* dc/dsa.c - the directory agent: identify, authorize, dispatch AD writes */
#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ad/filter.h"
#include "ad/ldapconn.h"
#include "dc/dit.h"
#include "dc/dsa_check.h"
#include "dc/dsa_int.h"
#include "dc/dsa_keys.h"
#include "dc/dsa_rules.h"
#include "dc/krb5conf.h"
#include "dc/slapdconf.h"
#include "lib/util.h"

int
mdc_dsa_new(const struct mdc_dcconf *conf, struct mdc_dsa **d_out)
{
	struct mdc_dsa *d = calloc(1, sizeof(*d));
	char *dns = NULL;
	int ret = MDC_ENOMEM;

	*d_out = NULL;
	if (d == NULL)
		return MDC_ENOMEM;
	d->conf = conf;
	d->stamp_fd = -1;
	pthread_mutex_init(&d->lock, NULL);
	pthread_mutex_init(&d->pool_mu, NULL);
	ret = mdc_sid_parse(conf->domain_sid, &d->dom);
	if (ret == 0)
		ret = mdc_dsa_dn_norm(conf->base_dn, &d->base_norm);
	dns = mdc_strdupf("cn=dns,%s", conf->base_dn);
	if (ret == 0)
		ret = dns == NULL ? MDC_ENOMEM
		                  : mdc_dsa_dn_norm(dns, &d->dns_norm);
	d->uri = mdc_dc_ldapi_uri(conf);
	d->stamp = mdc_dc_path(conf, "run/kdb.stamp");
	d->schema_dn =
	        mdc_strdupf("CN=Schema,CN=Configuration,%s", conf->base_dn);
	d->dns_authz = mdc_dns_authz_dn(); /* NULL: no DNS identity */
	if (ret == 0 &&
	    (d->uri == NULL || d->stamp == NULL || d->schema_dn == NULL))
		ret = MDC_ENOMEM;
	free(dns);
	dns = mdc_dc_path(conf, "krb5/stash");
	if (ret == 0)
		ret = dns == NULL
		              ? MDC_ENOMEM
		              : mdc_dsa_keys_new(dns, conf->realm,
		                                 conf->dns_domain, &d->keys);
	free(dns);
	if (ret == 0) {
		*d_out = d;
		d = NULL;
	}
	mdc_dsa_free(d);
	return ret;
}

void
mdc_dsa_free(struct mdc_dsa *d)
{
	if (d == NULL)
		return;
	pthread_mutex_destroy(&d->lock);
	for (int i = 0; i < d->npool; i++)
		ldap_unbind_ext_s(d->pool[i], NULL, NULL);
	pthread_mutex_destroy(&d->pool_mu);
	mdc_dsa_keys_free(d->keys);
	if (d->stamp_fd >= 0)
		close(d->stamp_fd);
	free(d->base_norm);
	free(d->dns_norm);
	free(d->uri);
	free(d->stamp);
	free(d->schema_dn);
	free(d->dns_authz);
	free(d);
}

int
mdc_dsa_ldap_open(const struct mdc_dsa *d, LDAP **ld_out)
{
	const struct mdc_ad_ldap_how how = {MDC_AD_LDAP_EXTERNAL, 30};
	return mdc_ad_ldap_connect(d->uri, &how, ld_out, NULL) == 0 ? 0
	                                                            : MDC_ELDAP;
}

/* Is a pooled connection still open (slapd may have restarted)? */
static int
ld_alive(LDAP *ld)
{
	struct pollfd p = {.events = POLLIN};

	if (ldap_get_option(ld, LDAP_OPT_DESC, &p.fd) != LDAP_OPT_SUCCESS ||
	    p.fd < 0)
		return 0;
	/* Nothing is due on an idle connection: readable means closed. */
	return poll(&p, 1, 0) == 0;
}

/* A bound connection from the pool, or a new one. */
static int
pool_get(struct mdc_dsa *d, LDAP **ld_out)
{
	LDAP *ld = NULL;

	pthread_mutex_lock(&d->pool_mu);
	while (ld == NULL && d->npool > 0) {
		ld = d->pool[--d->npool];
		if (!ld_alive(ld)) {
			ldap_unbind_ext_s(ld, NULL, NULL);
			ld = NULL;
		}
	}
	pthread_mutex_unlock(&d->pool_mu);
	if (ld != NULL) {
		*ld_out = ld;
		return 0;
	}
	return mdc_dsa_ldap_open(d, ld_out);
}

/* Keep ld for the next request unless the request failed (ok 0). */
static void
pool_put(struct mdc_dsa *d, LDAP *ld, int ok)
{
	if (ld == NULL)
		return;
	pthread_mutex_lock(&d->pool_mu);
	if (ok && d->npool < MDC_DSA_POOL) {
		d->pool[d->npool++] = ld;
		ld = NULL;
	}
	pthread_mutex_unlock(&d->pool_mu);
	if (ld != NULL)
		ldap_unbind_ext_s(ld, NULL, NULL);
}

void
mdc_dsa_fail(struct mdc_dsa_res *res, int code, const char *fmt, ...)
{
	va_list ap;

	res->cont = 0;
	res->code = code;
	va_start(ap, fmt);
	vsnprintf(res->info, sizeof(res->info), fmt, ap);
	va_end(ap);
}

void
mdc_dsa_ldap_res(LDAP *ld, int rc, struct mdc_dsa_res *res)
{
	char *diag = NULL;

	res->cont = 0;
	res->code = rc;
	res->info[0] = '\0';
	if (rc != LDAP_SUCCESS &&
	    ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag) ==
	            LDAP_OPT_SUCCESS &&
	    diag != NULL)
		snprintf(res->info, sizeof(res->info), "%s", diag);
	ldap_memfree(diag);
}

void
mdc_dsa_touch(const struct mdc_dsa *d)
{
	int fd;

	/* A dsa that dropped root keeps the file open (dc/dsa_priv.h). */
	if (d->stamp_fd >= 0) {
		(void)futimens(d->stamp_fd, NULL);
		return;
	}
	fd = open(d->stamp, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	(void)futimens(fd, NULL);
	close(fd);
}

/* The first value of attr in entry e as a new string, or NULL. */
static char *
first_value(LDAP *ld, LDAPMessage *e, const char *attr, size_t *len_out)
{
	struct berval **v = ldap_get_values_len(ld, e, attr);
	char *s = NULL;

	if (v != NULL && v[0] != NULL) {
		s = malloc(v[0]->bv_len + 1);
		if (s != NULL) {
			memcpy(s, v[0]->bv_val, v[0]->bv_len);
			s[v[0]->bv_len] = '\0';
			if (len_out != NULL)
				*len_out = v[0]->bv_len;
		}
	}
	ldap_value_free_len(v);
	return s;
}

/* RID of a binary SID if it is in our domain (else 0, foreign set). */
static uint32_t
sid_rid(const struct mdc_dsa *d, const uint8_t *bin, size_t len, int *foreign)
{
	struct mdc_sid s;

	*foreign = 0;
	if (len == 0)
		return 0;
	if (mdc_sid_from_bin(bin, len, &s) != 0 || s.nsub != d->dom.nsub + 1 ||
	    s.authority != d->dom.authority ||
	    memcmp(s.sub, d->dom.sub, d->dom.nsub * sizeof(s.sub[0])) != 0) {
		*foreign = 1;
		return 0;
	}
	return s.sub[s.nsub - 1];
}

int
mdc_dsa_search_value(struct mdc_dsa *d, LDAP *ld, const char *pre,
                     const char *value, const char *post, char **attrs,
                     LDAPMessage **res_out)
{
	char *esc = mdc_ad_filter_escape(value), *filter = NULL;
	int rc;

	*res_out = NULL;
	if (esc != NULL)
		filter = mdc_strdupf("%s%s%s", pre, esc, post);
	free(esc);
	if (filter == NULL)
		return MDC_ENOMEM;
	rc = ldap_search_ext_s(ld, d->conf->base_dn, LDAP_SCOPE_SUBTREE, filter,
	                       attrs, 0, NULL, NULL, NULL, 0, res_out);
	free(filter);
	return rc == LDAP_SUCCESS ? 0 : MDC_ELDAP;
}

/* Bound on the groups one closure visits (and so on nesting loops). */
#define MAX_GROUPS 256

/* What the groups an entry belongs to, directly or nested, give it. */
struct closure {
	unsigned roles; /* mdc_dsa_sid_roles of every group */
	int protected;  /* one of them is protected (mdc_dsa_sid_protected) */
	char *dn[MAX_GROUPS];
	size_t n;
};

static void
closure_free(struct closure *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->dn[i]);
	c->n = 0;
}

/* Queue group dn unless seen; 0, MDC_ENOMEM, or MDC_ERANGE when full. */
static int
closure_push(struct closure *c, const char *dn)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcasecmp(c->dn[i], dn) == 0)
			return 0;
	if (c->n == MAX_GROUPS)
		return MDC_ERANGE;
	c->dn[c->n] = strdup(dn);
	if (c->dn[c->n] == NULL)
		return MDC_ENOMEM;
	c->n++;
	return 0;
}

/* Queue the groups whose member is dn and take their SIDs' rights. */
static int
closure_step(struct mdc_dsa *d, LDAP *ld, const char *dn, struct closure *c)
{
	char *attrs[] = {"objectSid", NULL};
	LDAPMessage *res = NULL, *e;
	int ret;

	ret = mdc_dsa_search_value(d, ld, "(&(objectClass=group)(member=", dn,
	                           "))", attrs, &res);
	for (e = ret == 0 ? ldap_first_entry(ld, res) : NULL;
	     e != NULL && ret == 0; e = ldap_next_entry(ld, e)) {
		size_t len = 0;
		char *sid = first_value(ld, e, "objectSid", &len);
		char *g = ldap_get_dn(ld, e);

		if (sid != NULL) {
			c->roles |=
			        mdc_dsa_sid_roles(&d->dom, (uint8_t *)sid, len);
			c->protected |= mdc_dsa_sid_protected(
			        &d->dom, (uint8_t *)sid, len);
		}
		ret = g != NULL ? closure_push(c, g) : MDC_ENOMEM;
		free(sid);
		ldap_memfree(g);
	}
	ldap_msgfree(res);
	return ret;
}

/*
 * Every group dn belongs to, directly or through any depth of nesting
 * (breadth first, each group once: loops end).  More than MAX_GROUPS
 * groups is MDC_ERANGE: callers fail closed.
 */
static int
closure_walk(struct mdc_dsa *d, LDAP *ld, const char *dn, struct closure *c)
{
	int ret;

	memset(c, 0, sizeof(*c));
	ret = closure_step(d, ld, dn, c);
	for (size_t i = 0; ret == 0 && i < c->n; i++)
		ret = closure_step(d, ld, c->dn[i], c);
	closure_free(c);
	return ret;
}

/* Roles from the groups dn belongs to, at any nesting depth. */
static int
member_roles(struct mdc_dsa *d, LDAP *ld, const char *dn, unsigned *roles)
{
	struct closure c;
	int ret = closure_walk(d, ld, dn, &c);

	*roles |= c.roles;
	return ret == MDC_ERANGE ? 0 : ret; /* fewer rights, never more */
}

int
mdc_dsa_identify(struct mdc_dsa *d, LDAP *ld, const char *binddn,
                 struct mdc_dsa_who *who)
{
	char *attrs[] = {"objectSid", "objectClass", "primaryGroupID", NULL};
	LDAPMessage *res = NULL, *e;
	struct berval **oc;
	char *sid = NULL, *pg = NULL;
	size_t len = 0;
	int rc, foreign;

	memset(who, 0, sizeof(*who));
	rc = ldap_search_ext_s(ld, binddn, LDAP_SCOPE_BASE, "(objectClass=*)",
	                       attrs, 0, NULL, NULL, NULL, 0, &res);
	e = rc == LDAP_SUCCESS ? ldap_first_entry(ld, res) : NULL;
	if (e == NULL) {
		ldap_msgfree(res);
		return rc == LDAP_SUCCESS || rc == LDAP_NO_SUCH_OBJECT ||
		                       rc == LDAP_INVALID_DN_SYNTAX
		               ? 0
		               : MDC_ELDAP;
	}
	sid = first_value(ld, e, "objectSid", &len);
	if (sid != NULL && len <= sizeof(who->sid)) {
		memcpy(who->sid, sid, len);
		who->sid_len = len;
	}
	oc = ldap_get_values_len(ld, e, "objectClass");
	for (size_t i = 0; oc != NULL && oc[i] != NULL; i++)
		if (oc[i]->bv_len == 8 &&
		    strncasecmp(oc[i]->bv_val, "computer", 8) == 0)
			who->roles |= MDC_DSA_COMPUTER;
	ldap_value_free_len(oc);
	pg = first_value(ld, e, "primaryGroupID", NULL);
	if (pg != NULL && sid_rid(d, who->sid, who->sid_len, &foreign) != 0 &&
	    strcmp(pg, "512") == 0)
		who->roles |= MDC_DSA_ADMIN;
	free(pg);
	free(sid);
	ldap_msgfree(res);
	if (who->sid_len == 0)
		return 0; /* not an account: no roles */
	return member_roles(d, ld, binddn, &who->roles);
}

static void
target_free(struct mdc_dsa_target *t)
{
	free(t->sam);
	free(t->fqdn);
	memset(t, 0, sizeof(*t));
}

static int
has_class(struct berval **oc, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; oc != NULL && oc[i] != NULL; i++)
		if (oc[i]->bv_len == n &&
		    strncasecmp(oc[i]->bv_val, name, n) == 0)
			return 1;
	return 0;
}

/*
 * Is the entry dn (SID sid, primaryGroupID pg) protected: a protected
 * account or group itself, primary member of a protected group, or a
 * member of one through any nesting?  Unknown (a closure too large or a
 * failed search) counts as protected.
 */
static int
is_privileged(struct mdc_dsa *d, LDAP *ld, const char *dn, const uint8_t *sid,
              size_t sid_len, const char *pg)
{
	struct closure c;
	int64_t rid;

	if (mdc_dsa_sid_protected(&d->dom, sid, sid_len))
		return 1;
	if (pg != NULL && mdc_dsa_parse_int(pg, &rid) == 0 && rid > 0 &&
	    rid <= UINT32_MAX && mdc_dsa_rid_protected((uint32_t)rid))
		return 1;
	if (closure_walk(d, ld, dn, &c) != 0)
		return 1;
	return c.protected || (c.roles & MDC_DSA_ADMIN) != 0;
}

/* True if every value of oc is a DNS class. */
static int
dns_classes(struct berval **oc)
{
	for (size_t i = 0; oc != NULL && oc[i] != NULL; i++) {
		char *v = strndup(oc[i]->bv_val, oc[i]->bv_len);
		int ok = v != NULL && mdc_dsa_dns_class(v);

		free(v);
		if (!ok)
			return 0;
	}
	return 1;
}

static void
target_fill(struct mdc_dsa *d, LDAP *ld, LDAPMessage *e,
            struct mdc_dsa_target *t)
{
	struct berval **oc = ldap_get_values_len(ld, e, "objectClass");
	char *uac = first_value(ld, e, "userAccountControl", NULL), *sid;
	char *pg = first_value(ld, e, "primaryGroupID", NULL);
	char *dn = ldap_get_dn(ld, e);
	int64_t v;

	t->exists = 1;
	t->computer = has_class(oc, "computer");
	t->user = !t->computer && has_class(oc, "user");
	t->group = has_class(oc, "group");
	t->uac = uac != NULL && mdc_dsa_parse_int(uac, &v) == 0 ? v : -1;
	free(uac);
	sid = first_value(ld, e, "objectSid", &t->sid_len);
	if (sid != NULL && t->sid_len <= sizeof(t->sid))
		memcpy(t->sid, sid, t->sid_len);
	else
		t->sid_len = 0;
	free(sid);
	t->rid = sid_rid(d, t->sid, t->sid_len, &t->foreign_sid);
	t->sam = first_value(ld, e, "sAMAccountName", NULL);
	t->fqdn = first_value(ld, e, "dNSHostName", NULL);
	t->dns_only = dns_classes(oc);
	t->privileged =
	        dn == NULL || is_privileged(d, ld, dn, t->sid, t->sid_len, pg);
	ldap_value_free_len(oc);
	ldap_memfree(dn);
	free(pg);
}

/* Read the entry an operation targets (ADD: from the request). */
static int
target_read(struct mdc_dsa *d, LDAP *ld, const struct mdc_sock_req *req,
            struct mdc_dsa_target *t)
{
	char *attrs[] = {"objectClass", "userAccountControl",
	                 "objectSid",   "sAMAccountName",
	                 "dNSHostName", "primaryGroupID",
	                 NULL};
	LDAPMessage *res = NULL, *e;
	char *norm = NULL;
	int rc, ret;

	memset(t, 0, sizeof(*t));
	t->uac = -1;
	ret = mdc_dsa_dn_norm(req->dn, &norm);
	if (ret != 0)
		return ret;
	t->dns = mdc_dsa_dn_under(norm, d->dns_norm);
	free(norm);
	if (req->op == MDC_SOCK_ADD) {
		const struct mdc_sock_attr *oc =
		        mdc_sock_attr_get(req, "objectClass");

		t->dns_only = oc != NULL;
		for (size_t i = 0; oc != NULL && i < oc->nvals; i++) {
			t->dns_only &= mdc_dsa_dns_class(oc->vals[i].data);
			t->computer |=
			        strcasecmp(oc->vals[i].data, "computer") == 0;
			t->user |= strcasecmp(oc->vals[i].data, "user") == 0;
			t->group |= strcasecmp(oc->vals[i].data, "group") == 0;
		}
		t->user = t->user && !t->computer;
		return 0;
	}
	rc = ldap_search_ext_s(ld, req->dn, LDAP_SCOPE_BASE, "(objectClass=*)",
	                       attrs, 0, NULL, NULL, NULL, 0, &res);
	e = rc == LDAP_SUCCESS ? ldap_first_entry(ld, res) : NULL;
	if (e != NULL)
		target_fill(d, ld, e, t);
	ldap_msgfree(res);
	return rc == LDAP_SUCCESS || rc == LDAP_NO_SUCH_OBJECT ? 0 : MDC_ELDAP;
}

/* The password history (mdcPwdHistory) of dn, NULL if none; caller frees. */
static char *
pw_history(LDAP *ld, const char *dn)
{
	char *attrs[] = {"mdcPwdHistory", NULL}, *h = NULL;
	LDAPMessage *res = NULL, *e;
	struct berval **v;

	if (ldap_search_ext_s(ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)", attrs,
	                      0, NULL, NULL, NULL, 1, &res) == LDAP_SUCCESS &&
	    (e = ldap_first_entry(ld, res)) != NULL &&
	    (v = ldap_get_values_len(ld, e, "mdcPwdHistory")) != NULL) {
		if (v[0] != NULL)
			h = strndup(v[0]->bv_val, v[0]->bv_len);
		ldap_value_free_len(v);
	}
	ldap_msgfree(res);
	return h;
}

/* Is the name req would give t another entry's?  (mdc_dsa_check_sam) */
static int
sam_taken(struct mdc_dsa *d, LDAP *ld, const struct mdc_sock_req *req,
          const struct mdc_dsa_target *t, int *taken_out)
{
	char *sam = NULL;
	int ret;

	*taken_out = 0;
	if (req->op == MDC_SOCK_MODIFY && !(t->user || t->computer))
		return 0;
	ret = mdc_dsa_check_sam(req, t, &sam);
	if (ret == 0 && sam != NULL)
		ret = mdc_dsa_sam_taken(d, ld, sam, t->exists ? t->sid : NULL,
		                        t->exists ? t->sid_len : 0, taken_out);
	free(sam);
	return ret;
}

int
mdc_dsa_decide(struct mdc_dsa *d, LDAP *ld, const struct mdc_sock_req *req,
               const struct mdc_dsa_who *who, const struct mdc_dsa_target *t,
               char **history_out, struct mdc_dsa_res *res)
{
	struct mdc_dsa_check_in in = {
	        .req = req,
	        .roles = who->roles,
	        .who_sid = who->sid,
	        .who_sid_len = who->sid_len,
	        .t = t,
	        .base_norm = d->base_norm,
	        .dns_norm = d->dns_norm,
	        .dns_domain = d->conf->dns_domain,
	};
	struct mdc_dsa_verdict v;
	char *history = NULL;
	int ret = 0;

	if (history_out != NULL)
		*history_out = NULL;
	if (req->op == MDC_SOCK_ADD || req->op == MDC_SOCK_MODIFY)
		ret = sam_taken(d, ld, req, t, &in.sam_taken);
	if (ret == 0 && t->exists && (t->user || t->computer) &&
	    mdc_dsa_check_has_pw(req))
		history = pw_history(ld, req->dn);
	in.pw_history = history;
	if (ret == 0)
		ret = mdc_dsa_check(&in, &v);
	if (ret == 0 && v.code != LDAP_SUCCESS)
		mdc_dsa_fail(res, v.code, "%s", v.reason);
	if (ret == 0 && history_out != NULL) {
		*history_out = history;
		history = NULL;
	}
	free(history);
	return ret;
}

static int
do_delete(struct mdc_dsa *d, LDAP *ld, const struct mdc_sock_req *req,
          struct mdc_dsa_res *res)
{
	int rc = ldap_delete_ext_s(ld, req->dn, NULL, NULL);

	mdc_dsa_ldap_res(ld, rc, res);
	if (rc == LDAP_SUCCESS)
		mdc_dsa_touch(d);
	return 0;
}

static int
do_modrdn(struct mdc_dsa *d, LDAP *ld, const struct mdc_sock_req *req,
          struct mdc_dsa_res *res)
{
	int rc;

	rc = ldap_rename_s(ld, req->dn, req->newrdn, req->newsup,
	                   req->deleteoldrdn, NULL, NULL);
	mdc_dsa_ldap_res(ld, rc, res);
	if (rc == LDAP_SUCCESS)
		mdc_dsa_touch(d);
	return 0;
}

int
mdc_dsa_exec(struct mdc_dsa *d, LDAP *ld, const struct mdc_sock_req *req,
             const struct mdc_dsa_who *who, struct mdc_dsa_res *res)
{
	struct mdc_dsa_target t;
	int ret;

	memset(res, 0, sizeof(*res));
	ret = target_read(d, ld, req, &t);
	if (ret != 0)
		return ret;
	/* Adds and modifies decide themselves (an add under the lock its
	 * name check needs). */
	if (req->op == MDC_SOCK_DELETE || req->op == MDC_SOCK_MODRDN)
		ret = mdc_dsa_decide(d, ld, req, who, &t, NULL, res);
	if (ret != 0 || res->code != 0)
		goto out;
	switch (req->op) {
	case MDC_SOCK_ADD:
		ret = mdc_dsa_add(d, ld, req, who, &t, res);
		break;
	case MDC_SOCK_MODIFY:
		ret = mdc_dsa_modify(d, ld, req, who, &t, res);
		break;
	case MDC_SOCK_DELETE:
		ret = do_delete(d, ld, req, res);
		break;
	case MDC_SOCK_MODRDN:
		ret = do_modrdn(d, ld, req, res);
		break;
	}
out:
	target_free(&t);
	return ret;
}

int
mdc_dsa_is_system(const struct mdc_sock_req *req)
{
	return req->binddn == NULL || req->binddn[0] == '\0' ||
	       strcasecmp(req->binddn, MDC_ROOT_AUTHZ_DN) == 0;
}

int
mdc_dsa_handle(struct mdc_dsa *d, const struct mdc_sock_req *req,
               struct mdc_dsa_res *res)
{
	struct mdc_dsa_who who;
	LDAP *ld = NULL;
	int ret;

	memset(res, 0, sizeof(*res));
	/*
	 * Our own writes (and the KDC's, DNS's) come back through here.  An
	 * empty bind DN is slapd's own internal operation (refint's repairs
	 * run on a connection without a DN): clients cannot write
	 * anonymously, slapd refuses that before any overlay (8).
	 */
	if (mdc_dsa_is_system(req)) {
		res->cont = 1;
		return 0;
	}
	ret = pool_get(d, &ld);
	/* The DNS server's own identity (not an account): DnsAdmins' rights,
	 * under cn=dns only; it decides secure updates itself. */
	if (ret == 0 && d->dns_authz != NULL &&
	    strcasecmp(req->binddn, d->dns_authz) == 0)
		who = (struct mdc_dsa_who){.roles = MDC_DSA_DNSADMIN};
	else if (ret == 0)
		ret = mdc_dsa_identify(d, ld, req->binddn, &who);
	if (ret == 0 && who.roles == 0 && !(who.sid_len > 0)) {
		mdc_dsa_fail(res, LDAP_INSUFFICIENT_ACCESS,
		             "00000005: SecErr: %s is not a domain account",
		             req->binddn);
	} else if (ret == 0) {
		ret = mdc_dsa_exec(d, ld, req, &who, res);
	}
	pool_put(d, ld, ret == 0);
	return ret;
}

int
mdc_dsa_admin(struct mdc_dsa *d, const struct mdc_sock_req *req,
              struct mdc_dsa_res *res)
{
	const struct mdc_dsa_who who = {.roles = MDC_DSA_SYSTEM};
	LDAP *ld = NULL;
	int ret;

	memset(res, 0, sizeof(*res));
	ret = pool_get(d, &ld);
	if (ret == 0)
		ret = mdc_dsa_exec(d, ld, req, &who, res);
	pool_put(d, ld, ret == 0);
	return ret;
}
