/* dc/dsa_write.c - the dsa's adds and modifies: decide, complete, write */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "ad/mods.h"
#include "dc/dit.h"
#include "dc/dsa_int.h"
#include "dc/dsa_keys.h"
#include "dc/dsa_rules.h"
#include "dc/ridpool.h"
#include "dns/dns.h"
#include "lib/pwpolicy.h"
#include "lib/util.h"

#define NEVER_EXPIRES "9223372036854775807"

/* The values of a request's attribute (no values: op on all of them). */
static void
mods_vals(struct mdc_mods *ms, int op, const char *type,
          const struct mdc_sock_val *vals, size_t nvals)
{
	if (nvals == 0)
		mdc_mods_none(ms, op, type);
	else
		mdc_mods_bin(ms, op, type, vals[0].data, vals[0].len);
	for (size_t i = 1; i < nvals; i++)
		mdc_mods_next(ms, vals[i].data, vals[i].len);
}

/* ---- directory helpers ---- */

/* The DC's own pool, or the domain head's counter on the RID master. */
int
mdc_dsa_next_rid(struct mdc_dsa *d, LDAP *ld, uint32_t *rid_out)
{
	return mdc_rid_next(ld, d->conf->base_dn, d->conf->host_name, rid_out);
}

int
mdc_dsa_sam_taken(struct mdc_dsa *d, LDAP *ld, const char *sam,
                  const uint8_t *self, size_t self_len, int *taken_out)
{
	char *attrs[] = {"objectSid", NULL};
	LDAPMessage *res = NULL, *e;
	int ret;

	*taken_out = 0;
	ret = mdc_dsa_search_value(d, ld, "(sAMAccountName=", sam, ")", attrs,
	                           &res);
	if (ret == MDC_ENOMEM)
		return ret;
	for (e = ret == 0 ? ldap_first_entry(ld, res) : NULL; e != NULL;
	     e = ldap_next_entry(ld, e)) {
		struct berval **v = ldap_get_values_len(ld, e, "objectSid");
		int same = self != NULL && v != NULL && v[0] != NULL &&
		           v[0]->bv_len == self_len &&
		           memcmp(v[0]->bv_val, self, self_len) == 0;

		ldap_value_free_len(v);
		if (!same)
			*taken_out = 1;
	}
	ldap_msgfree(res);
	return ret;
}

/* ---- adds ---- */

/* Set on an account while an add completes it (the writer's pid). */
#define MARK_ATTR "mdcIncomplete"

/* Did the process that marked an entry with pid die?  (Marks are left
 * only by dsas before adds became one write; our own pid at start-up can
 * only be a dead predecessor's.) */
static int
writer_gone(const char *pid)
{
	int64_t v;

	if (mdc_dsa_parse_int(pid, &v) != 0 || v <= 0 || v > INT32_MAX)
		return 1;
	if ((pid_t)v == getpid())
		return 1;
	return kill((pid_t)v, 0) != 0 && errno == ESRCH;
}

int
mdc_dsa_sweep(struct mdc_dsa *d, LDAP *ld, int *removed_out)
{
	char *attrs[] = {MARK_ATTR, NULL};
	LDAPMessage *res = NULL, *e;
	struct berval **v;
	char pid[24];
	int rc, n = 0;

	*removed_out = 0;
	rc = ldap_search_ext_s(ld, d->conf->base_dn, LDAP_SCOPE_SUBTREE,
	                       "(" MARK_ATTR "=*)", attrs, 0, NULL, NULL, NULL,
	                       0, &res);
	for (e = rc == LDAP_SUCCESS ? ldap_first_entry(ld, res) : NULL;
	     e != NULL; e = ldap_next_entry(ld, e)) {
		char *dn = ldap_get_dn(ld, e);

		v = ldap_get_values_len(ld, e, MARK_ATTR);
		pid[0] = '\0';
		if (v != NULL && v[0] != NULL && v[0]->bv_len < sizeof(pid)) {
			memcpy(pid, v[0]->bv_val, v[0]->bv_len);
			pid[v[0]->bv_len] = '\0';
		}
		if (dn != NULL && writer_gone(pid) &&
		    ldap_delete_ext_s(ld, dn, NULL, NULL) == LDAP_SUCCESS)
			n++;
		ldap_value_free_len(v);
		ldap_memfree(dn);
	}
	ldap_msgfree(res);
	*removed_out = n;
	return rc == LDAP_SUCCESS ? 0 : MDC_ELDAP;
}

/* State of one add or modify being built. */
struct wctx {
	struct mdc_dsa *d;
	LDAP *ld;
	const struct mdc_sock_req *req;
	const struct mdc_dsa_target *t;
	struct mdc_dsa_res *res;
	struct mdc_mods ms;
	int sys;
	char *pw;          /* decoded unicodePwd, or NULL */
	char *old_history; /* the target's mdcPwdHistory (mdc_dsa_decide) */
	/* pw's crypt hash, made once for the history and userPassword. */
	char *pw_hash;
	char *sam; /* the account name the password is set for */
	char now[32];
};

static void
wctx_free(struct wctx *w)
{
	mdc_mods_free(&w->ms);
	if (w->pw != NULL)
		mdc_secret_free(w->pw, 0);
	free(w->pw_hash);
	free(w->sam);
	free(w->old_history);
}

static int
failed(struct wctx *w)
{
	return w->res->code != 0 || w->ms.err != 0;
}

/*
 * Append to ms the history old (NULL: none) with w->pw's hash in front,
 * made here and kept in w->pw_hash for userPassword.  0, or -1 when out
 * of memory or hashing failed.
 */
static int
history_mods(struct wctx *w, struct mdc_mods *ms, const char *old, int op)
{
	char *next;

	w->pw_hash = mdc_pwpolicy_hash(w->pw);
	next = w->pw_hash != NULL ? mdc_pwpolicy_history_push(old, w->pw_hash)
	                          : NULL;
	if (next != NULL)
		mdc_mods_str(ms, op, "mdcPwdHistory", next);
	free(next);
	return next != NULL && ms->err == 0 ? 0 : -1;
}

/* Append src's modifications to the add being built (as values of an add),
 * except those on type skip. */
static void
mods_append(struct mdc_mods *dst, const struct mdc_mods *src, const char *skip)
{
	for (size_t i = 0; i < src->n; i++) {
		const LDAPMod *m = src->m[i];
		struct berval **v = m->mod_bvalues;

		if (strcasecmp(m->mod_type, skip) == 0 || v == NULL ||
		    v[0] == NULL)
			continue;
		mdc_mods_bin(dst, LDAP_MOD_ADD, m->mod_type, v[0]->bv_val,
		             v[0]->bv_len);
		for (size_t j = 1; v[j] != NULL; j++)
			mdc_mods_next(dst, v[j]->bv_val, v[j]->bv_len);
	}
	if (src->err != 0)
		dst->err = src->err;
}

/*
 * A new account's keys (w->pw), history and simple-bind hash, written in
 * its add: the account is stored complete and enabled, or not at all.
 * Derived before d->lock is taken (most of an add's CPU), so adds derive
 * in parallel.  The keys' objectClass is in add_classes, their pwdLastSet
 * replaces add_pwdlastset's.
 */
static void
add_keys(struct wctx *w)
{
	struct mdc_mods km = {0};
	size_t n = w->sam != NULL ? strlen(w->sam) : 0;
	struct mdc_err err = {""};

	if (w->pw == NULL || failed(w))
		return;
	/* Machine accounts (generated passwords) keep no history. */
	if (n > 0 && w->sam[n - 1] != '$' &&
	    history_mods(w, &w->ms, NULL, LDAP_MOD_ADD) != 0) {
		mdc_dsa_fail(w->res, LDAP_OTHER, "%s", "out of memory");
		return;
	}
	if (w->sam == NULL ||
	    mdc_dsa_keys_mods(w->d->keys, w->ld, w->req->dn, w->sam, w->pw,
	                      w->pw_hash, 1, &km, &err) != 0)
		mdc_dsa_fail(w->res, LDAP_CONSTRAINT_VIOLATION,
		             "0000052D: the password was not accepted: %s",
		             err.text);
	else
		mods_append(&w->ms, &km, "objectClass");
	mdc_mods_free(&km);
}

/* Take the (checked) password of a unicodePwd attribute. */
static void
take_password(struct wctx *w, const struct mdc_sock_attr *a)
{
	if (w->pw == NULL && a->nvals == 1 &&
	    mdc_dsa_unicodepwd(a->vals[0].data, a->vals[0].len, &w->pw) != 0)
		w->ms.err = MDC_EMALF; /* mdc_dsa_check let it through */
}

/*
 * Copy the request's attributes into the add, except those in skip (the
 * caller writes them) and slapd's operational ones; the password is taken
 * out.
 */
static void
copy_attrs(struct wctx *w, const char *const *skip)
{
	for (size_t i = 0; i < w->req->nattrs && !failed(w); i++) {
		const struct mdc_sock_attr *a = &w->req->attrs[i];
		enum mdc_dsa_attr_kind k = mdc_dsa_attr_kind(a->name);
		size_t s;

		for (s = 0;
		     skip[s] != NULL && !mdc_dsa_attr_is(a->name, skip[s]); s++)
			;
		if (skip[s] != NULL || k == MDC_DSA_ATTR_OPERATIONAL)
			continue;
		if (k == MDC_DSA_ATTR_PASSWORD)
			take_password(w, a);
		else
			mods_vals(&w->ms, LDAP_MOD_ADD, a->name, a->vals,
			          a->nvals);
	}
}

/* The (single, checked) value of attribute name, or NULL. */
static const char *
one_value(struct wctx *w, const char *name)
{
	const struct mdc_sock_attr *a = mdc_sock_attr_get(w->req, name);

	return a == NULL || a->nvals == 0 ? NULL : a->vals[0].data;
}

/* objectClass: the AD chain for the class, then the DC's own extras. */
static void
add_classes(struct wctx *w, const char *const *chain)
{
	const struct mdc_sock_attr *oc =
	        mdc_sock_attr_get(w->req, "objectClass");
	size_t i, c;

	for (c = 0; chain[c] != NULL; c++)
		mdc_mods_str(&w->ms, LDAP_MOD_ADD, "objectClass", chain[c]);
	/* A DC's entry holds its RID pool (add_rid_pool). */
	if (!w->sys && mdc_rid_is_dc_entry(w->d->conf->base_dn, w->req->dn))
		mdc_mods_str(&w->ms, LDAP_MOD_ADD, "objectClass",
		             "mdcDomainController");
	/* An account added with a password has its keys (add_keys). */
	if (w->pw != NULL && (w->t->user || w->t->computer))
		mdc_mods_str(&w->ms, LDAP_MOD_ADD, "objectClass",
		             "minidcKrbPrincipalAux");
	for (i = 0; oc != NULL && i < oc->nvals; i++) {
		for (c = 0; chain[c] != NULL &&
		            strcasecmp(chain[c], oc->vals[i].data) != 0;
		     c++)
			;
		if (chain[c] == NULL) /* only the DC's (mdc_dsa_check) */
			mdc_mods_str(&w->ms, LDAP_MOD_ADD, "objectClass",
			             oc->vals[i].data);
	}
}

/* cn as given, or from the RDN (checked to be CN=<name>). */
static void
add_cn(struct wctx *w)
{
	const struct mdc_sock_attr *a = mdc_sock_attr_get(w->req, "cn");
	char *cn = NULL;

	if (a != NULL)
		mods_vals(&w->ms, LDAP_MOD_ADD, "cn", a->vals, a->nvals);
	else if (mdc_dsa_rdn_cn(w->req->dn, &cn) == 0)
		mdc_mods_str(&w->ms, LDAP_MOD_ADD, "cn", cn);
	else
		w->ms.err = MDC_EINVAL;
	free(cn);
}

/* sAMAccountName: given or derived from cn (mdc_dsa_check_sam). */
static void
add_sam(struct wctx *w)
{
	if (mdc_dsa_check_sam(w->req, w->t, &w->sam) != 0 || w->sam == NULL)
		w->ms.err = MDC_ENOMEM;
	else
		mdc_mods_str(&w->ms, LDAP_MOD_ADD, "sAMAccountName", w->sam);
}

static void
add_int(struct wctx *w, const char *type, int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	mdc_mods_str(&w->ms, LDAP_MOD_ADD, type, buf);
}

/* userAccountControl and the primaryGroupID that follows from it. */
static void
add_uac(struct wctx *w, int computer)
{
	const char *given = one_value(w, "userAccountControl");
	int64_t uac, pg;

	if (given == NULL)
		uac = computer ? MDC_UAC_WORKSTATION_TRUST_ACCOUNT
		               : MDC_UAC_NORMAL_ACCOUNT |
		                         (w->pw != NULL
		                                  ? 0
		                                  : MDC_UAC_ACCOUNTDISABLE);
	else if (mdc_dsa_parse_int(given, &uac) != 0)
		uac = -1; /* mdc_dsa_check refuses it */
	pg = (uac & MDC_UAC_SERVER_TRUST_ACCOUNT) ? MDC_RID_DOMAIN_CONTROLLERS
	     : computer                           ? MDC_RID_DOMAIN_COMPUTERS
	                                          : MDC_RID_DOMAIN_USERS;
	given = one_value(w, "primaryGroupID");
	add_int(w, "userAccountControl", uac);
	if (given != NULL)
		mdc_mods_str(&w->ms, LDAP_MOD_ADD, "primaryGroupID", given);
	else
		add_int(w, "primaryGroupID", pg);
}

/* pwdLastSet: 0 (must change) unless given; -1 is now. */
static void
add_pwdlastset(struct wctx *w)
{
	const char *given = one_value(w, "pwdLastSet");
	int64_t v = 0;

	if (given != NULL && mdc_dsa_parse_int(given, &v) != 0)
		v = -2;
	if (v == -1)
		v = (int64_t)mdc_nttime_from_unix(time(NULL));
	add_int(w, "pwdLastSet", v);
}

/* A new DC's entry gets its RID pool from this DC, the RID master. */
static void
add_rid_pool(struct wctx *w)
{
	uint32_t lo, end;
	int ret;

	if (failed(w) || w->sys ||
	    !mdc_rid_is_dc_entry(w->d->conf->base_dn, w->req->dn))
		return;
	ret = mdc_rid_pool_take(w->ld, w->d->conf->base_dn,
	                        w->d->conf->host_name, &lo, &end);
	if (ret == MDC_EDENIED) {
		mdc_dsa_fail(w->res, LDAP_UNWILLING_TO_PERFORM,
		             "a domain controller is added through the RID "
		             "master (the first DC), not %s",
		             w->d->conf->fqdn);
		return;
	}
	if (ret != 0) {
		mdc_dsa_fail(w->res, LDAP_OTHER, "cannot allocate a RID pool");
		return;
	}
	add_int(w, "mdcRidNext", lo);
	add_int(w, "mdcRidPoolEnd", end);
}

/* objectSid from the next RID, and a new DC's RID pool (under d->lock,
 * after the name check: a refused add takes no RID). */
static void
add_sid(struct wctx *w)
{
	uint8_t bin[MDC_SID_BIN_LEN(MDC_SID_MAX_SUBAUTH)];
	struct mdc_sid sid = w->d->dom;
	uint32_t rid;
	size_t len;

	if (failed(w))
		return;
	if (mdc_sock_attr_get(w->req, "objectSid") == NULL) {
		if (mdc_dsa_next_rid(w->d, w->ld, &rid) != 0 ||
		    mdc_sid_append(&sid, rid) != 0 ||
		    mdc_sid_to_bin(&sid, bin, sizeof(bin), &len) != 0) {
			mdc_dsa_fail(w->res, LDAP_OTHER,
			             "cannot allocate a RID");
			return;
		}
		mdc_mods_bin(&w->ms, LDAP_MOD_ADD, "objectSid", bin, len);
	}
	add_rid_pool(w);
}

/* objectGUID, objectCategory, timestamps. */
static void
add_identity(struct wctx *w, const char *category)
{
	const struct mdc_sock_attr *a =
	        mdc_sock_attr_get(w->req, "objectCategory");
	struct mdc_guid g;
	char *cat;

	if (failed(w))
		return;
	if (mdc_sock_attr_get(w->req, "objectGUID") == NULL) {
		if (mdc_guid_new(&g) != 0)
			w->ms.err = MDC_ECRYPTO;
		mdc_mods_bin(&w->ms, LDAP_MOD_ADD, "objectGUID", g.b,
		             sizeof(g.b));
	}
	if (a == NULL) {
		cat = mdc_strdupf("CN=%s,%s", category, w->d->schema_dn);
		if (cat == NULL)
			w->ms.err = MDC_ENOMEM;
		else
			mdc_mods_str(&w->ms, LDAP_MOD_ADD, "objectCategory",
			             cat);
		free(cat);
	}
	if (mdc_sock_attr_get(w->req, "whenCreated") == NULL)
		mdc_mods_str(&w->ms, LDAP_MOD_ADD, "whenCreated", w->now);
	if (mdc_sock_attr_get(w->req, "whenChanged") == NULL)
		mdc_mods_str(&w->ms, LDAP_MOD_ADD, "whenChanged", w->now);
}

/*
 * The new password's place in an existing account's history
 * (lib/pwpolicy.h; mdc_dsa_check applied the policy to it, over the
 * history mdc_dsa_decide read): its hash goes in this modify.  A new
 * account's history is written by its add (add_keys).  Machine accounts
 * (generated passwords, the sAMAccountName ends in '$') keep no history.
 */
static void
pw_history_due(struct wctx *w)
{
	size_t n = w->sam != NULL ? strlen(w->sam) : 0;

	if (w->pw == NULL || n == 0 || w->sam[n - 1] == '$' || failed(w) ||
	    !w->t->exists)
		return;
	if (history_mods(w, &w->ms, w->old_history, LDAP_MOD_REPLACE) != 0)
		mdc_dsa_fail(w->res, LDAP_OTHER, "%s", "out of memory");
}

/* Write the built add: the entry complete, keys included (under d->lock). */
static void
write_add(struct wctx *w)
{
	int rc;

	if (failed(w))
		return;
	rc = ldap_add_ext_s(w->ld, w->req->dn, w->ms.m, NULL, NULL);
	mdc_dsa_ldap_res(w->ld, rc, w->res);
	if (rc == LDAP_SUCCESS)
		mdc_dsa_touch(w->d); /* the KDC's cache sees the account */
}

/* The logon bookkeeping AD keeps on every account (MS-ADTS 3.1.1.4.5.x);
 * a Samba DC writes the same set on a join. */
static void
add_account_counters(struct wctx *w)
{
	static const char *const zero[] = {
	        "codePage",   "countryCode", "badPwdCount", "badPasswordTime",
	        "lastLogoff", "lastLogon",   "logonCount",  NULL};

	for (int i = 0; zero[i] != NULL; i++)
		mdc_mods_str(&w->ms, LDAP_MOD_ADD, zero[i], "0");
	mdc_mods_str(&w->ms, LDAP_MOD_ADD, "instanceType", "4");
}

static void
add_account(struct wctx *w, int computer)
{

	copy_attrs(w, mdc_dsa_account_given);
	add_classes(w, computer ? mdc_dsa_computer_oc : mdc_dsa_user_oc);
	add_cn(w);
	add_sam(w);
	if (failed(w))
		return;
	add_uac(w, computer);
	add_int(w, "sAMAccountType", computer ? MDC_SAT_MACHINE : MDC_SAT_USER);
	if (w->pw == NULL) /* else the keys' (add_keys) */
		add_pwdlastset(w);
	if (mdc_sock_attr_get(w->req, "accountExpires") == NULL)
		mdc_mods_str(&w->ms, LDAP_MOD_ADD, "accountExpires",
		             NEVER_EXPIRES);
	add_account_counters(w);
	add_identity(w, computer ? "Computer" : "Person");
	add_keys(w);
}

static void
add_group(struct wctx *w)
{
	const char *gt;
	int64_t type = -2147483646; /* global security group */

	copy_attrs(w, mdc_dsa_group_given);
	add_classes(w, mdc_dsa_group_oc);
	add_cn(w);
	add_sam(w);
	gt = one_value(w, "groupType");
	if (gt != NULL && mdc_dsa_parse_int(gt, &type) != 0)
		w->ms.err = MDC_EINVAL; /* mdc_dsa_check refuses it */
	if (failed(w))
		return;
	add_int(w, "groupType", type);
	if (mdc_sock_attr_get(w->req, "sAMAccountType") == NULL)
		add_int(w, "sAMAccountType", mdc_dsa_group_sat(type));
	add_identity(w, "Group");
}

/* ---- DNS data: nothing is stored that the DNS server cannot send ---- */

/* The record values an entry below cn=dns holds after a write (copies). */
struct dvals {
	struct dns_ldap_val *v;
	size_t n, cap;
	int err;
};

static void
dv_free(struct dvals *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free((char *)d->v[i].attr);
		free((char *)d->v[i].val);
	}
	free(d->v);
}

static void
dv_add(struct dvals *d, const char *attr, const char *val, size_t len)
{
	struct dns_ldap_val *x;

	if (d->err != 0)
		return;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct dns_ldap_val *p = realloc(d->v, cap * sizeof(*p));
		if (p == NULL) {
			d->err = MDC_ENOMEM;
			return;
		}
		d->v = p;
		d->cap = cap;
	}
	x = &d->v[d->n];
	x->attr = strdup(attr);
	x->val = strndup(val, len);
	x->len = len;
	if (x->attr == NULL || x->val == NULL) {
		free((char *)x->attr);
		free((char *)x->val);
		d->err = MDC_ENOMEM;
		return;
	}
	d->n++;
}

/* Same attribute, options ignored. */
static int
same_attr(const char *a, const char *b)
{
	size_t n = strcspn(a, ";");

	return n == strcspn(b, ";") && strncasecmp(a, b, n) == 0;
}

/* Remove attr's values equal to val (any case), all when val is NULL. */
static void
dv_del(struct dvals *d, const char *attr, const struct mdc_sock_val *val)
{
	size_t k = 0;

	for (size_t i = 0; i < d->n; i++) {
		struct dns_ldap_val *x = &d->v[i];
		if (same_attr(x->attr, attr) &&
		    (val == NULL ||
		     (val->len == x->len &&
		      strncasecmp(val->data, x->val, x->len) == 0))) {
			free((char *)x->attr);
			free((char *)x->val);
			continue;
		}
		d->v[k++] = *x;
	}
	d->n = k;
}

/* The record values the target holds now (a modify starts from them). */
static void
dv_current(struct wctx *w, struct dvals *d)
{
	char *attrs[] = {"*", NULL}, *a;
	LDAPMessage *res = NULL, *e = NULL;
	BerElement *ber = NULL;

	if (ldap_search_ext_s(w->ld, w->req->dn, LDAP_SCOPE_BASE,
	                      "(objectClass=*)", attrs, 0, NULL, NULL, NULL, 0,
	                      &res) == LDAP_SUCCESS)
		e = ldap_first_entry(w->ld, res);
	if (e == NULL)
		d->err = MDC_ELDAP;
	for (a = e != NULL ? ldap_first_attribute(w->ld, e, &ber) : NULL;
	     a != NULL; a = ldap_next_attribute(w->ld, e, ber)) {
		struct berval **v = dns_ldap_is_record_attr(a)
		                            ? ldap_get_values_len(w->ld, e, a)
		                            : NULL;
		for (size_t i = 0; v != NULL && v[i] != NULL; i++)
			dv_add(d, a, v[i]->bv_val, v[i]->bv_len);
		ldap_value_free_len(v);
		ldap_memfree(a);
	}
	ber_free(ber, 0);
	ldap_msgfree(res);
}

/* Apply the request's record values and modifications to d. */
static void
dv_apply(const struct mdc_sock_req *req, struct dvals *d)
{
	for (size_t i = 0; i < req->nattrs; i++) {
		const struct mdc_sock_attr *a = &req->attrs[i];
		int op = req->op == MDC_SOCK_ADD ? MDC_SOCK_MOD_ADD : a->op;

		if (!dns_ldap_is_record_attr(a->name))
			continue;
		if (op == MDC_SOCK_MOD_REPLACE ||
		    (op == MDC_SOCK_MOD_DELETE && a->nvals == 0))
			dv_del(d, a->name, NULL);
		for (size_t j = 0; j < a->nvals; j++) {
			if (op == MDC_SOCK_MOD_DELETE)
				dv_del(d, a->name, &a->vals[j]);
			else
				dv_add(d, a->name, a->vals[j].data,
				       a->vals[j].len);
		}
	}
}

/*
 * The DNS size rule (dns_ldap_values_fit) on the records the target will
 * hold: a record or RRset that fits no DNS message is refused here, as a
 * DNS UPDATE refuses it, instead of being stored and never served.
 */
static void
check_dns(struct wctx *w)
{
	struct dvals d = {0};
	struct mdc_err why = {""};
	int ret;

	if (!w->t->dns || failed(w))
		return;
	if (w->req->op == MDC_SOCK_MODIFY)
		dv_current(w, &d);
	dv_apply(w->req, &d);
	ret = d.err != 0 ? d.err
	                 : dns_ldap_values_fit(w->d->conf->base_dn, w->req->dn,
	                                       d.v, d.n, &why);
	if (ret == MDC_ERANGE)
		mdc_dsa_fail(w->res, LDAP_CONSTRAINT_VIOLATION,
		             "DNS record refused: %s", why.text);
	else if (ret != 0)
		w->ms.err = ret;
	dv_free(&d);
}

static void
add_plain(struct wctx *w)
{
	static const char *const skip[] = {NULL};

	copy_attrs(w, skip);
	check_dns(w);
}

static int
wctx_done(struct wctx *w)
{
	int ret = w->ms.err;

	wctx_free(w);
	return ret;
}

/*
 * An add is built and its keys derived first, then, under d->lock, the
 * decision is made again (another add may have taken the name meanwhile),
 * the RID taken and the entry written in one add: stored complete (an
 * account with a password enabled with its keys) or not at all.  The lock
 * covers what must not interleave (name check, RID, write), not the keys.
 */
int
mdc_dsa_add(struct mdc_dsa *d, LDAP *ld, const struct mdc_sock_req *req,
            const struct mdc_dsa_who *who, const struct mdc_dsa_target *t,
            struct mdc_dsa_res *res)
{
	struct wctx w = {.d = d, .ld = ld, .req = req, .t = t, .res = res};
	int ret, rc;

	w.sys = (who->roles & MDC_DSA_SYSTEM) != 0;
	mdc_gentime(time(NULL), w.now, sizeof(w.now));
	ret = mdc_dsa_decide(d, ld, req, who, t, NULL, res);
	if (ret != 0 || res->code != 0)
		; /* refused (res) or failed (ret) */
	else if (t->user || t->computer)
		add_account(&w, t->computer);
	else if (t->group)
		add_group(&w);
	else
		add_plain(&w);
	if (ret == 0 && !failed(&w)) {
		pthread_mutex_lock(&d->lock);
		ret = mdc_dsa_decide(d, ld, req, who, t, NULL, res);
		if (ret == 0 && (t->user || t->computer || t->group))
			add_sid(&w);
		if (ret == 0)
			write_add(&w);
		pthread_mutex_unlock(&d->lock);
	}
	rc = wctx_done(&w);
	return ret != 0 ? ret : rc;
}

/* ---- modifies ---- */

/* Add modification m to the write (pwdLastSet -1 becomes now; AD's
 * unlock, lockoutTime 0, clears the bad password count as well). */
static void
mod_copy(struct wctx *w, const struct mdc_sock_attr *m)
{
	char buf[32];

	if (mdc_dsa_attr_is(m->name, "lockoutTime") &&
	    (w->t->user || w->t->computer))
		mdc_mods_str(&w->ms, LDAP_MOD_REPLACE, "badPwdCount", "0");

	if (mdc_dsa_attr_is(m->name, "pwdLastSet") && m->nvals == 1 &&
	    strcmp(m->vals[0].data, "-1") == 0) {
		snprintf(buf, sizeof(buf), "%llu",
		         (unsigned long long)mdc_nttime_from_unix(time(NULL)));
		mdc_mods_str(&w->ms, m->op, m->name, buf);
		return;
	}
	mods_vals(&w->ms, m->op, m->name, m->vals, m->nvals);
}

/* The modifications as asked (mdc_dsa_check decided them), the password
 * taken out, the account's new name remembered for its keys. */
static void
build_modify(struct wctx *w, int account)
{
	char *sam = NULL;

	for (size_t i = 0; i < w->req->nattrs && !failed(w); i++) {
		const struct mdc_sock_attr *m = &w->req->attrs[i];
		enum mdc_dsa_attr_kind k = mdc_dsa_attr_kind(m->name);

		if (k == MDC_DSA_ATTR_PASSWORD)
			take_password(w, m);
		else if (k != MDC_DSA_ATTR_OPERATIONAL)
			mod_copy(w, m);
	}
	if (account && mdc_dsa_check_sam(w->req, w->t, &sam) != 0)
		w->ms.err = MDC_ENOMEM;
	if (sam != NULL) {
		free(w->sam);
		w->sam = sam;
	}
}

int
mdc_dsa_modify(struct mdc_dsa *d, LDAP *ld, const struct mdc_sock_req *req,
               const struct mdc_dsa_who *who, const struct mdc_dsa_target *t,
               struct mdc_dsa_res *res)
{
	struct wctx w = {.d = d, .ld = ld, .req = req, .t = t, .res = res};
	int account = t->user || t->computer;
	int rc;
	struct mdc_err err = {""};

	w.sys = (who->roles & MDC_DSA_SYSTEM) != 0;
	rc = mdc_dsa_decide(d, ld, req, who, t, &w.old_history, res);
	if (rc != 0 || res->code != 0) {
		wctx_free(&w);
		return rc;
	}
	mdc_gentime(time(NULL), w.now, sizeof(w.now));
	w.sam = t->sam != NULL ? strdup(t->sam) : NULL;
	build_modify(&w, account);
	check_dns(&w);
	if ((account || t->group) && !failed(&w))
		mdc_mods_str(&w.ms, LDAP_MOD_REPLACE, "whenChanged", w.now);
	pw_history_due(&w);
	if (failed(&w))
		return wctx_done(&w);
	/* The keys go in the same modify: the account is never enabled
	 * without them, and a password that cannot become keys changes
	 * nothing. */
	if (w.pw != NULL &&
	    (w.sam == NULL ||
	     mdc_dsa_keys_mods(d->keys, ld, req->dn, w.sam, w.pw, w.pw_hash, 0,
	                       &w.ms, &err) != 0)) {
		mdc_dsa_fail(res, LDAP_CONSTRAINT_VIOLATION,
		             "0000052D: the password was not accepted: %s",
		             err.text);
		return wctx_done(&w);
	}
	if (w.ms.n == 0) { /* only slapd's own attributes: nothing to do */
		mdc_dsa_fail(res, LDAP_SUCCESS, "%s", "");
		return wctx_done(&w);
	}
	rc = ldap_modify_ext_s(ld, req->dn, w.ms.m, NULL, NULL);
	mdc_dsa_ldap_res(ld, rc, res);
	if (rc == LDAP_SUCCESS)
		mdc_dsa_touch(d);
	return wctx_done(&w);
}
