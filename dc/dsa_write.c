/* dc/dsa_write.c - the dsa's adds and modifies: check, complete, write */
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

#include "dc/dit.h"
#include "dc/dsa_int.h"
#include "dc/dsa_keys.h"
#include "dc/dsa_rules.h"
#include "dc/admin.h"
#include "dc/krb5conf.h"
#include "dns/dns.h"
#include "lib/pwpolicy.h"
#include "dc/ridpool.h"
#include "lib/util.h"

/* Minimum security strength factor for a password in an LDAP write. */
#define PWD_MIN_SSF   56
#define NEVER_EXPIRES "9223372036854775807"

/* ---- LDAPMod lists ---- */

/* Values for the same attribute right after each other share one LDAPMod
 * (an add must name each attribute once). */
static LDAPMod *
mods_extend(struct mdc_dsa_mods *ms, int op, const char *type, size_t nvals,
            size_t *first_out)
{
	LDAPMod *m = ms->n > 0 ? ms->m[ms->n - 1] : NULL;
	struct berval **nb;
	size_t have = 0;

	if (m == NULL || op != LDAP_MOD_ADD ||
	    m->mod_op != (LDAP_MOD_ADD | LDAP_MOD_BVALUES) ||
	    strcasecmp(m->mod_type, type) != 0)
		return NULL;
	while (m->mod_bvalues[have] != NULL)
		have++;
	nb = realloc(m->mod_bvalues, (have + nvals + 1) * sizeof(*nb));
	if (nb == NULL) {
		ms->err = MDC_ENOMEM;
		return NULL;
	}
	memset(nb + have, 0, (nvals + 1) * sizeof(*nb));
	m->mod_bvalues = nb;
	*first_out = have;
	return m;
}

static LDAPMod *
mods_slot(struct mdc_dsa_mods *ms, int op, const char *type, size_t nvals,
          size_t *first_out)
{
	LDAPMod *m;

	*first_out = 0;
	if (ms->err != 0)
		return NULL;
	m = mods_extend(ms, op, type, nvals, first_out);
	if (m != NULL || ms->err != 0)
		return m;
	if (ms->n + 2 > ms->cap) {
		size_t cap = ms->cap ? ms->cap * 2 : 16;
		LDAPMod **nm = realloc(ms->m, cap * sizeof(*nm));

		if (nm == NULL)
			goto nomem;
		ms->m = nm;
		ms->cap = cap;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		goto nomem;
	ms->m[ms->n++] = m;
	ms->m[ms->n] = NULL;
	m->mod_op = op | LDAP_MOD_BVALUES;
	m->mod_type = strdup(type);
	m->mod_bvalues = calloc(nvals + 1, sizeof(*m->mod_bvalues));
	if (m->mod_type == NULL || m->mod_bvalues == NULL)
		goto nomem;
	return m;
nomem:
	ms->err = MDC_ENOMEM;
	return NULL;
}

static void
mods_push(struct mdc_dsa_mods *ms, LDAPMod *m, size_t i, const void *p,
          size_t len)
{
	struct berval *bv = calloc(1, sizeof(*bv));

	if (bv != NULL)
		bv->bv_val = malloc(len + 1);
	if (bv == NULL || bv->bv_val == NULL) {
		free(bv);
		ms->err = MDC_ENOMEM;
		return;
	}
	memcpy(bv->bv_val, p, len);
	bv->bv_val[len] = '\0';
	bv->bv_len = len;
	m->mod_bvalues[i] = bv;
}

void
mdc_dsa_mods_vals(struct mdc_dsa_mods *ms, int op, const char *type,
                  const struct mdc_sock_val *vals, size_t nvals)
{
	size_t first;
	LDAPMod *m = mods_slot(ms, op, type, nvals, &first);

	for (size_t i = 0; m != NULL && i < nvals && ms->err == 0; i++)
		mods_push(ms, m, first + i, vals[i].data, vals[i].len);
}

void
mdc_dsa_mods_bin(struct mdc_dsa_mods *ms, int op, const char *type,
                 const void *p, size_t len)
{
	size_t first;
	LDAPMod *m = mods_slot(ms, op, type, 1, &first);

	if (m != NULL)
		mods_push(ms, m, first, p, len);
}

void
mdc_dsa_mods_str(struct mdc_dsa_mods *ms, int op, const char *type,
                 const char *s)
{
	mdc_dsa_mods_bin(ms, op, type, s, strlen(s));
}

void
mdc_dsa_mods_free(struct mdc_dsa_mods *ms)
{
	for (size_t i = 0; i < ms->n; i++) {
		LDAPMod *m = ms->m[i];

		for (size_t j = 0; m->mod_bvalues != NULL && m->mod_bvalues[j];
		     j++) {
			/* values may be keys or password hashes */
			explicit_bzero(m->mod_bvalues[j]->bv_val,
			               m->mod_bvalues[j]->bv_len);
			free(m->mod_bvalues[j]->bv_val);
			free(m->mod_bvalues[j]);
		}
		free(m->mod_bvalues);
		free(m->mod_type);
		free(m);
	}
	free(ms->m);
	memset(ms, 0, sizeof(*ms));
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

/* Did the process that marked an entry with pid die?  At start-up our own
 * pid can only be a dead predecessor's, except on the adds this process is
 * finishing (in_flight). */
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

/* Is dn one of the adds this process is finishing?  (d->lock held) */
static int
in_flight(const struct mdc_dsa *d, const char *dn)
{
	const struct mdc_dsa_finishing *f;
	char *norm = NULL;
	int found = 0;

	if (mdc_dsa_dn_norm(dn, &norm) != 0)
		return 1; /* cannot tell: leave it */
	for (f = d->finishing; f != NULL && !found; f = f->next)
		found = strcmp(f->dn_norm, norm) == 0;
	free(norm);
	return found;
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
	pthread_mutex_lock(&d->lock);
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
		if (dn != NULL && writer_gone(pid) && !in_flight(d, dn) &&
		    ldap_delete_ext_s(ld, dn, NULL, NULL) == LDAP_SUCCESS)
			n++;
		ldap_value_free_len(v);
		ldap_memfree(dn);
	}
	pthread_mutex_unlock(&d->lock);
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
	struct mdc_dsa_mods ms;
	int sys, admin;
	char *pw; /* decoded unicodePwd, or NULL */
	/* pw's crypt hash, made once for the history and userPassword. */
	char *pw_hash;
	/* A new account's password passed the policy: its history is
	 * written with its keys, outside d->lock (finish_account). */
	int history_due;
	char *sam; /* the account name the password is set for */
	/* The userAccountControl an add writes with the keys, or -1: an
	 * account is never enabled before it has keys (finish_account). */
	int64_t enable_uac;
	/* An add with a password, written: its keys are set after lock. */
	struct mdc_dsa_finishing fin;
	char now[32];
};

static void
wctx_free(struct wctx *w)
{
	mdc_dsa_mods_free(&w->ms);
	if (w->pw != NULL)
		mdc_secret_free(w->pw, 0);
	free(w->pw_hash);
	free(w->sam);
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
history_mods(struct wctx *w, struct mdc_dsa_mods *ms, const char *old, int op)
{
	char *next;

	w->pw_hash = mdc_pwpolicy_hash(w->pw);
	next = w->pw_hash != NULL ? mdc_pwpolicy_history_push(old, w->pw_hash)
	                          : NULL;
	if (next != NULL)
		mdc_dsa_mods_str(ms, op, "mdcPwdHistory", next);
	free(next);
	return next != NULL && ms->err == 0 ? 0 : -1;
}

/*
 * Give a new account its keys (w->pw), its final userAccountControl uac
 * and drop the mark of an add in progress, in one modify.  Until then the
 * account was disabled and marked: if the dsa dies in between the account
 * exists disabled, never enabled without keys, and the next dsa removes it
 * (mdc_dsa_sweep).  Returns an LDAP code; *bad_pw_out is set when the
 * password could not become keys (the reason in err).
 */
static int
finish_account(struct wctx *w, int64_t uac, int *bad_pw_out, char *err,
               size_t errlen)
{
	struct mdc_dsa_mods ms = {0};
	char buf[32];
	int rc;

	*bad_pw_out = 0;
	if (w->history_due && history_mods(w, &ms, NULL, LDAP_MOD_ADD) != 0) {
		mdc_dsa_mods_free(&ms);
		return LDAP_NO_MEMORY;
	}
	if (mdc_dsa_keys_mods(w->d->keys, w->ld, w->req->dn, w->sam, w->pw,
	                      w->pw_hash, 1, &ms, err, errlen) != 0) {
		*bad_pw_out = 1;
		mdc_dsa_mods_free(&ms);
		return LDAP_CONSTRAINT_VIOLATION;
	}
	snprintf(buf, sizeof(buf), "%lld", (long long)uac);
	if (uac >= 0)
		mdc_dsa_mods_str(&ms, LDAP_MOD_REPLACE, "userAccountControl",
		                 buf);
	mdc_dsa_mods_vals(&ms, LDAP_MOD_DELETE, MARK_ATTR, NULL, 0);
	rc = ms.err != 0
	             ? LDAP_NO_MEMORY
	             : ldap_modify_ext_s(w->ld, w->req->dn, ms.m, NULL, NULL);
	mdc_dsa_mods_free(&ms);
	if (rc == LDAP_SUCCESS)
		mdc_dsa_touch(w->d); /* the KDC's cache sees keys and UAC */
	return rc;
}

/*
 * Constrained delegation targets need AD's SeEnableDelegationPrivilege:
 * domain admins only (Account Operators may not hand them out).
 */
static int
admin_only(struct wctx *w, const char *name)
{
	if (w->sys || w->admin ||
	    !mdc_dsa_attr_is(name, "msDS-AllowedToDelegateTo"))
		return 0;
	mdc_dsa_fail(w->res, LDAP_INSUFFICIENT_ACCESS,
	             "00000005: only domain admins may set %s", name);
	return 1;
}

/* Take the password of a unicodePwd attribute or modification. */
static void
take_password(struct wctx *w, const struct mdc_sock_attr *a)
{
	if (!w->sys && w->req->ssf < PWD_MIN_SSF) {
		mdc_dsa_fail(w->res, LDAP_UNWILLING_TO_PERFORM,
		             "0000001F: unicodePwd needs an encrypted "
		             "connection (LDAPS, StartTLS or a SASL security "
		             "layer)");
		return;
	}
	if (a->nvals != 1 || w->pw != NULL ||
	    mdc_dsa_unicodepwd(a->vals[0].data, a->vals[0].len, &w->pw) != 0)
		mdc_dsa_fail(w->res, LDAP_CONSTRAINT_VIOLATION,
		             "0000052D: unicodePwd must be one quoted UTF-16LE "
		             "password without control characters");
}

/* Check the values of attributes clients may set on accounts. */
static void
check_values(struct wctx *w, const struct mdc_sock_attr *a)
{
	for (size_t i = 0; i < a->nvals && !failed(w); i++) {
		const char *v = a->vals[i].data;
		int64_t n;

		if (mdc_dsa_attr_is(a->name, "servicePrincipalName") &&
		    !mdc_spn_valid(v))
			mdc_dsa_fail(w->res, LDAP_CONSTRAINT_VIOLATION,
			             "invalid servicePrincipalName '%s'", v);
		else if (mdc_dsa_attr_is(a->name, "servicePrincipalName") &&
		         mdc_dsa_spn_reserved(v))
			mdc_dsa_fail(
			        w->res, LDAP_CONSTRAINT_VIOLATION,
			        "servicePrincipalName '%s': krbtgt, kadmin "
			        "and K/M belong to the KDC alone",
			        v);
		else if (mdc_dsa_attr_is(a->name, "dNSHostName") &&
		         !mdc_domain_valid(v))
			mdc_dsa_fail(w->res, LDAP_CONSTRAINT_VIOLATION,
			             "invalid dNSHostName '%s'", v);
		else if (mdc_dsa_attr_is(a->name,
		                         "msDS-SupportedEncryptionTypes") &&
		         mdc_dsa_parse_int(v, &n) != 0)
			mdc_dsa_fail(w->res, LDAP_INVALID_SYNTAX,
			             "msDS-SupportedEncryptionTypes: not an "
			             "integer");
	}
}

/*
 * Copy the request's attributes into the add, except those in skip (the
 * caller writes them) and slapd's operational ones; system-only ones only
 * from the system identity; the password is taken out.
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
		if (k == MDC_DSA_ATTR_PASSWORD) {
			take_password(w, a);
		} else if (k == MDC_DSA_ATTR_SYSTEM && !w->sys) {
			mdc_dsa_fail(w->res, LDAP_UNWILLING_TO_PERFORM,
			             "00002012: %s is system-only", a->name);
		} else if (!admin_only(w, a->name)) {
			if (!w->sys)
				check_values(w, a);
			mdc_dsa_mods_vals(&w->ms, LDAP_MOD_ADD, a->name,
			                  a->vals, a->nvals);
		}
	}
}

/* The single value of attribute name, or NULL (res set if several). */
static const char *
one_value(struct wctx *w, const char *name)
{
	const struct mdc_sock_attr *a = mdc_sock_attr_get(w->req, name);

	if (a == NULL || a->nvals == 0)
		return NULL;
	if (a->nvals > 1)
		mdc_dsa_fail(w->res, LDAP_CONSTRAINT_VIOLATION,
		             "%s takes one value", name);
	return a->vals[0].data;
}

/* objectClass: the AD chain for the class; other values only from the DC. */
static void
add_classes(struct wctx *w, const char *const *chain)
{
	const struct mdc_sock_attr *oc =
	        mdc_sock_attr_get(w->req, "objectClass");
	size_t i, c;

	for (c = 0; chain[c] != NULL; c++)
		mdc_dsa_mods_str(&w->ms, LDAP_MOD_ADD, "objectClass", chain[c]);
	/* A DC's entry holds its RID pool (add_rid_pool). */
	if (!w->sys && mdc_rid_is_dc_entry(w->d->conf->base_dn, w->req->dn))
		mdc_dsa_mods_str(&w->ms, LDAP_MOD_ADD, "objectClass",
		                 "mdcDomainController");
	for (i = 0; oc != NULL && i < oc->nvals && !failed(w); i++) {
		for (c = 0; chain[c] != NULL &&
		            strcasecmp(chain[c], oc->vals[i].data) != 0;
		     c++)
			;
		if (chain[c] != NULL)
			continue;
		if (!w->sys)
			mdc_dsa_fail(w->res, LDAP_OBJECT_CLASS_VIOLATION,
			             "objectClass %s is not allowed here",
			             oc->vals[i].data);
		else
			mdc_dsa_mods_str(&w->ms, LDAP_MOD_ADD, "objectClass",
			                 oc->vals[i].data);
	}
}

/* cn from the RDN (AD's RDN is always CN= for these classes). */
static char *
add_cn(struct wctx *w)
{
	const struct mdc_sock_attr *a = mdc_sock_attr_get(w->req, "cn");
	char *cn = NULL;

	if (mdc_dsa_rdn_cn(w->req->dn, &cn) != 0) {
		mdc_dsa_fail(w->res, LDAP_NAMING_VIOLATION,
		             "00002073: the RDN must be CN=<name>");
		return NULL;
	}
	if (a != NULL)
		mdc_dsa_mods_vals(&w->ms, LDAP_MOD_ADD, "cn", a->vals,
		                  a->nvals);
	else
		mdc_dsa_mods_str(&w->ms, LDAP_MOD_ADD, "cn", cn);
	return cn;
}

/* sAMAccountName: given or derived from cn; valid and unused. */
static void
add_sam(struct wctx *w, const char *cn, int computer)
{
	const char *given = one_value(w, "sAMAccountName");
	int taken = 0;

	if (failed(w))
		return;
	w->sam = given != NULL
	                 ? strdup(given)
	                 : mdc_strdupf("%.15s%s", cn, computer ? "$" : "");
	if (w->sam == NULL) {
		w->ms.err = MDC_ENOMEM;
		return;
	}
	if (given == NULL && computer)
		mdc_str_upper(w->sam);
	if (!mdc_sam_valid(w->sam, computer)) {
		mdc_dsa_fail(w->res, LDAP_CONSTRAINT_VIOLATION,
		             "invalid sAMAccountName '%s'", w->sam);
		return;
	}
	if (mdc_dsa_sam_taken(w->d, w->ld, w->sam, NULL, 0, &taken) != 0)
		w->ms.err = MDC_ELDAP;
	else if (taken)
		mdc_dsa_fail(w->res, LDAP_ALREADY_EXISTS,
		             "00000524: sAMAccountName %s is in use", w->sam);
	mdc_dsa_mods_str(&w->ms, LDAP_MOD_ADD, "sAMAccountName", w->sam);
}

static void
add_int(struct wctx *w, const char *type, int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	mdc_dsa_mods_str(&w->ms, LDAP_MOD_ADD, type, buf);
}

/* userAccountControl and what follows from it; returns the UAC. */
static int64_t
add_uac(struct wctx *w, int computer)
{
	const char *given = one_value(w, "userAccountControl");
	int64_t uac, pg;
	int priv = 0;

	if (given == NULL)
		uac = computer ? MDC_UAC_WORKSTATION_TRUST_ACCOUNT
		               : MDC_UAC_NORMAL_ACCOUNT |
		                         (w->pw != NULL
		                                  ? 0
		                                  : MDC_UAC_ACCOUNTDISABLE);
	else if (mdc_dsa_parse_int(given, &uac) != 0)
		uac = -1;
	if (!failed(w) && mdc_dsa_uac_check(uac, computer, &priv) != 0)
		mdc_dsa_fail(w->res, LDAP_UNWILLING_TO_PERFORM,
		             "userAccountControl %s does not fit the object",
		             given != NULL ? given : "?");
	else if (priv && !w->sys && !w->admin)
		mdc_dsa_fail(w->res, LDAP_INSUFFICIENT_ACCESS,
		             "only domain admins may set these "
		             "userAccountControl bits");
	pg = (uac & MDC_UAC_SERVER_TRUST_ACCOUNT) ? MDC_RID_DOMAIN_CONTROLLERS
	     : computer                           ? MDC_RID_DOMAIN_COMPUTERS
	                                          : MDC_RID_DOMAIN_USERS;
	given = one_value(w, "primaryGroupID");
	if (given != NULL && !w->sys && atoll(given) != pg)
		mdc_dsa_fail(w->res, LDAP_UNWILLING_TO_PERFORM,
		             "primaryGroupID must be %lld", (long long)pg);
	/* Disabled until the keys are set (finish_account). */
	if (w->pw != NULL && uac >= 0 && !(uac & MDC_UAC_ACCOUNTDISABLE)) {
		w->enable_uac = uac;
		uac |= MDC_UAC_ACCOUNTDISABLE;
	}
	add_int(w, "userAccountControl", uac);
	if (given != NULL)
		mdc_dsa_mods_str(&w->ms, LDAP_MOD_ADD, "primaryGroupID", given);
	else
		add_int(w, "primaryGroupID", pg);
	return uac;
}

/* pwdLastSet: clients may give 0 (must change) or -1 (now). */
static void
add_pwdlastset(struct wctx *w)
{
	const char *given = one_value(w, "pwdLastSet");
	int64_t v = 0;

	if (given != NULL && mdc_dsa_parse_int(given, &v) != 0)
		v = -2;
	if (given != NULL && !w->sys && v != 0 && v != -1)
		mdc_dsa_fail(w->res, LDAP_UNWILLING_TO_PERFORM,
		             "pwdLastSet may only be set to 0 or -1");
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

/* objectSid (next RID), objectGUID, objectCategory, timestamps. */
static void
add_identity(struct wctx *w, const char *category)
{
	const struct mdc_sock_attr *a =
	        mdc_sock_attr_get(w->req, "objectCategory");
	uint8_t bin[MDC_SID_BIN_LEN(MDC_SID_MAX_SUBAUTH)];
	struct mdc_sid sid = w->d->dom;
	struct mdc_guid g;
	uint32_t rid;
	size_t len;
	char *cat;

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
		mdc_dsa_mods_bin(&w->ms, LDAP_MOD_ADD, "objectSid", bin, len);
	}
	add_rid_pool(w);
	if (mdc_sock_attr_get(w->req, "objectGUID") == NULL) {
		if (mdc_guid_new(&g) != 0)
			w->ms.err = MDC_ECRYPTO;
		mdc_dsa_mods_bin(&w->ms, LDAP_MOD_ADD, "objectGUID", g.b,
		                 sizeof(g.b));
	}
	if (a == NULL) {
		cat = mdc_strdupf("CN=%s,%s", category, w->d->schema_dn);
		if (cat == NULL)
			w->ms.err = MDC_ENOMEM;
		else
			mdc_dsa_mods_str(&w->ms, LDAP_MOD_ADD, "objectCategory",
			                 cat);
		free(cat);
	}
	if (mdc_sock_attr_get(w->req, "whenCreated") == NULL)
		mdc_dsa_mods_str(&w->ms, LDAP_MOD_ADD, "whenCreated", w->now);
	if (mdc_sock_attr_get(w->req, "whenChanged") == NULL)
		mdc_dsa_mods_str(&w->ms, LDAP_MOD_ADD, "whenChanged", w->now);
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

/*
 * The domain's password policy (lib/pwpolicy.h) for a user's new password,
 * checked before anything is written: complexity, then the history (the
 * last 24, resets by administrators included).  An accepted password's
 * hash joins the history in the same write (a new account's: in the
 * modify that gives it keys, so that the hash, like the keys, is made
 * outside d->lock and adds run in parallel).  Machine accounts (generated
 * passwords, the sAMAccountName ends in '$') are not checked.  True if
 * the password is refused (the reason in w->res).
 */
static int
pw_refused(struct wctx *w)
{
	size_t n = w->sam != NULL ? strlen(w->sam) : 0;
	char *old = NULL;
	int v, bad = 0;

	if (w->pw == NULL || n == 0 || w->sam[n - 1] == '$')
		return 0;
	v = mdc_pwpolicy_check(w->pw, w->sam);
	if (v == MDC_PW_OK && w->t->exists) {
		old = pw_history(w->ld, w->req->dn);
		if (mdc_pwpolicy_history_has(old, w->pw))
			v = MDC_PW_IN_HISTORY;
		else
			bad = history_mods(w, &w->ms, old, LDAP_MOD_REPLACE);
	}
	free(old);
	w->history_due = v == MDC_PW_OK && !w->t->exists;
	if (bad) {
		mdc_dsa_fail(w->res, LDAP_OTHER, "%s", "out of memory");
		return 1;
	}
	if (v == MDC_PW_OK)
		return 0;
	mdc_dsa_fail(w->res, LDAP_CONSTRAINT_VIOLATION, "0000052D: %s",
	             mdc_pwpolicy_reason(v));
	return 1;
}

/*
 * Write the built add (under d->lock).  An account with a password is
 * written disabled and marked, and listed in d->finishing: finish_add sets
 * its keys and enables it once the lock is let go.
 */
static void
write_add(struct wctx *w)
{
	int rc;

	if (pw_refused(w))
		return;
	rc = ldap_add_ext_s(w->ld, w->req->dn, w->ms.m, NULL, NULL);
	mdc_dsa_ldap_res(w->ld, rc, w->res);
	if (rc != LDAP_SUCCESS)
		return;
	mdc_dsa_touch(w->d);
	if (w->pw == NULL)
		return;
	if (mdc_dsa_dn_norm(w->req->dn, &w->fin.dn_norm) != 0) {
		(void)ldap_delete_ext_s(w->ld, w->req->dn, NULL, NULL);
		mdc_dsa_fail(w->res, LDAP_OTHER, "%s", "out of memory");
		return;
	}
	w->fin.next = w->d->finishing;
	w->d->finishing = &w->fin;
}

/* Take w's add off d->finishing. */
static void
unlist(struct wctx *w)
{
	struct mdc_dsa_finishing **p;

	pthread_mutex_lock(&w->d->lock);
	for (p = &w->d->finishing; *p != NULL; p = &(*p)->next)
		if (*p == &w->fin) {
			*p = w->fin.next;
			break;
		}
	pthread_mutex_unlock(&w->d->lock);
	free(w->fin.dn_norm);
	w->fin.dn_norm = NULL;
}

/*
 * Give the account written by write_add its keys and enable it in one
 * modify, outside d->lock (so derivations run in parallel); undo the add
 * if that fails.
 */
static void
finish_add(struct wctx *w)
{
	char err[512] = "";
	int rc, bad_pw;

	rc = finish_account(w, w->enable_uac, &bad_pw, err, sizeof(err));
	if (rc != LDAP_SUCCESS) {
		(void)ldap_delete_ext_s(w->ld, w->req->dn, NULL, NULL);
		if (bad_pw)
			mdc_dsa_fail(w->res, LDAP_CONSTRAINT_VIOLATION,
			             "0000052D: the password was not "
			             "accepted: %s",
			             err);
		else
			mdc_dsa_fail(w->res, LDAP_OTHER,
			             "the account could not be enabled: %s",
			             ldap_err2string(rc));
	}
	unlist(w);
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
		mdc_dsa_mods_str(&w->ms, LDAP_MOD_ADD, zero[i], "0");
	mdc_dsa_mods_str(&w->ms, LDAP_MOD_ADD, "instanceType", "4");
}

static void
add_account(struct wctx *w, int computer)
{
	static const char *const user_oc[] = {
	        "top", "person", "organizationalPerson", "user", NULL};
	static const char *const comp_oc[] = {
	        "top",  "person",   "organizationalPerson",
	        "user", "computer", NULL};
	static const char *const skip[] = {
	        "objectClass",    "cn",
	        "sAMAccountName", "userAccountControl",
	        "primaryGroupID", "sAMAccountType",
	        "pwdLastSet",     NULL};
	char *cn;
	int64_t uac;

	copy_attrs(w, skip);
	add_classes(w, computer ? comp_oc : user_oc);
	cn = failed(w) ? NULL : add_cn(w);
	if (cn != NULL)
		add_sam(w, cn, computer);
	free(cn);
	if (failed(w))
		return;
	uac = add_uac(w, computer);
	add_int(w, "sAMAccountType", computer ? MDC_SAT_MACHINE : MDC_SAT_USER);
	add_pwdlastset(w);
	if (mdc_sock_attr_get(w->req, "accountExpires") == NULL)
		mdc_dsa_mods_str(&w->ms, LDAP_MOD_ADD, "accountExpires",
		                 NEVER_EXPIRES);
	add_account_counters(w);
	(void)uac;
	/* Marked until its keys are set (finish_account). */
	if (w->pw != NULL)
		add_int(w, MARK_ATTR, (int64_t)getpid());
	add_identity(w, computer ? "Computer" : "Person");
	if (!failed(w))
		write_add(w);
}

static void
add_group(struct wctx *w)
{
	static const char *const oc[] = {"top", "group", NULL};
	static const char *const skip[] = {"objectClass", "cn",
	                                   "sAMAccountName", "groupType", NULL};
	const char *gt;
	int64_t type = -2147483646; /* global security group */
	char *cn;

	copy_attrs(w, skip);
	add_classes(w, oc);
	cn = failed(w) ? NULL : add_cn(w);
	if (cn != NULL)
		add_sam(w, cn, 0);
	free(cn);
	gt = failed(w) ? NULL : one_value(w, "groupType");
	if (gt != NULL && mdc_dsa_parse_int(gt, &type) != 0)
		mdc_dsa_fail(w->res, LDAP_INVALID_SYNTAX,
		             "groupType: not an integer");
	if (failed(w))
		return;
	add_int(w, "groupType", type);
	if (mdc_sock_attr_get(w->req, "sAMAccountType") == NULL)
		add_int(w, "sAMAccountType", mdc_dsa_group_sat(type));
	add_identity(w, "Group");
	if (!failed(w))
		write_add(w);
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
	char why[400] = "";
	int ret;

	if (!w->t->dns || failed(w))
		return;
	if (w->req->op == MDC_SOCK_MODIFY)
		dv_current(w, &d);
	dv_apply(w->req, &d);
	ret = d.err != 0 ? d.err
	                 : dns_ldap_values_fit(w->d->conf->base_dn, w->req->dn,
	                                       d.v, d.n, why, sizeof(why));
	if (ret == MDC_ERANGE)
		mdc_dsa_fail(w->res, LDAP_CONSTRAINT_VIOLATION,
		             "DNS record refused: %s", why);
	else if (ret != 0)
		w->ms.err = ret;
	dv_free(&d);
}

static void
add_plain(struct wctx *w)
{
	static const char *const skip[] = {NULL};

	copy_attrs(w, skip);
	if (!failed(w) && w->pw != NULL)
		mdc_dsa_fail(w->res, LDAP_UNWILLING_TO_PERFORM,
		             "unicodePwd belongs to user and computer objects");
	check_dns(w);
	if (!failed(w))
		write_add(w);
}

static int
wctx_done(struct wctx *w)
{
	int ret = w->ms.err;

	wctx_free(w);
	return ret;
}

int
mdc_dsa_add(struct mdc_dsa *d, LDAP *ld, const struct mdc_sock_req *req,
            const struct mdc_dsa_who *who, const struct mdc_dsa_target *t,
            struct mdc_dsa_res *res)
{
	struct wctx w = {.d = d,
	                 .ld = ld,
	                 .req = req,
	                 .t = t,
	                 .res = res,
	                 .enable_uac = -1};

	w.sys = (who->roles & MDC_DSA_SYSTEM) != 0;
	w.admin = (who->roles & MDC_DSA_ADMIN) != 0;
	mdc_gentime(time(NULL), w.now, sizeof(w.now));
	/* One account creation at a time: name check, RID and add. */
	pthread_mutex_lock(&d->lock);
	if (t->user || t->computer)
		add_account(&w, t->computer);
	else if (t->group)
		add_group(&w);
	else
		add_plain(&w);
	pthread_mutex_unlock(&d->lock);
	if (w.fin.dn_norm != NULL)
		finish_add(&w);
	return wctx_done(&w);
}

/* ---- modifies ---- */

/* The sAMAccountName of the target without its '$'. */
static char *
short_name(const struct mdc_dsa_target *t)
{
	size_t n = t->sam != NULL ? strlen(t->sam) : 0;

	if (n > 0 && t->sam[n - 1] == '$')
		n--;
	return strndup(t->sam != NULL ? t->sam : "", n);
}

/*
 * A computer's own name must lie in the domain's DNS suffix: dNSHostName,
 * and the host part of an SPN unless it is the bare short name.
 */
static int
own_domain(struct wctx *w, const char *attr, const char *v)
{
	const char *h = strchr(v, '/');
	char *host;
	int ok;

	if (mdc_dsa_attr_is(attr, "dNSHostName"))
		return mdc_dsa_name_in_domain(v, w->d->conf->dns_domain);
	if (!mdc_dsa_attr_is(attr, "servicePrincipalName") || h == NULL)
		return 1;
	host = strndup(h + 1, strcspn(h + 1, ":/"));
	if (host == NULL)
		return 0;
	ok = strchr(host, '.') == NULL ||
	     mdc_dsa_name_in_domain(host, w->d->conf->dns_domain);
	free(host);
	return ok;
}

/* A computer's own validated writes: its names and SPNs only. */
static void
check_self(struct wctx *w, const struct mdc_sock_attr *m, const char *fqdn)
{
	char *sn = short_name(w->t);

	for (size_t i = 0; sn != NULL && i < m->nvals && !failed(w); i++) {
		const char *v = m->vals[i].data;

		if (m->op == MDC_SOCK_MOD_DELETE)
			break;
		check_values(w, m);
		if (!failed(w) && !own_domain(w, m->name, v))
			mdc_dsa_fail(w->res, LDAP_INSUFFICIENT_ACCESS,
			             "%s %s is outside the domain %s", m->name,
			             v, w->d->conf->dns_domain);
		if (failed(w))
			break;
		if (mdc_dsa_attr_is(m->name, "dNSHostName") &&
		    !mdc_dsa_dnshostname_ok(v, sn))
			mdc_dsa_fail(
			        w->res, LDAP_INSUFFICIENT_ACCESS,
			        "a computer may only name itself %s.<domain>",
			        sn);
		if (mdc_dsa_attr_is(m->name, "servicePrincipalName") &&
		    !mdc_dsa_spn_is_own(v, sn, fqdn) &&
		    !mdc_dsa_spn_is_own(v, sn, w->t->fqdn))
			mdc_dsa_fail(
			        w->res, LDAP_INSUFFICIENT_ACCESS,
			        "servicePrincipalName %s does not name this "
			        "computer",
			        v);
	}
	if (sn == NULL)
		w->ms.err = MDC_ENOMEM;
	free(sn);
}

/* sAMAccountName renames: valid and unused by anyone else. */
static void
mod_sam(struct wctx *w, const struct mdc_sock_attr *m)
{
	int taken = 0;

	if (m->op != MDC_SOCK_MOD_REPLACE || m->nvals != 1) {
		mdc_dsa_fail(
		        w->res, LDAP_UNWILLING_TO_PERFORM,
		        "sAMAccountName can only be replaced by one value");
		return;
	}
	if (!mdc_sam_valid(m->vals[0].data, w->t->computer)) {
		mdc_dsa_fail(w->res, LDAP_CONSTRAINT_VIOLATION,
		             "invalid sAMAccountName '%s'", m->vals[0].data);
		return;
	}
	if (mdc_dsa_sam_taken(w->d, w->ld, m->vals[0].data, w->t->sid,
	                      w->t->sid_len, &taken) != 0)
		w->ms.err = MDC_ELDAP;
	else if (taken)
		mdc_dsa_fail(w->res, LDAP_ALREADY_EXISTS,
		             "00000524: sAMAccountName %s is in use",
		             m->vals[0].data);
	free(w->sam);
	w->sam = strdup(m->vals[0].data);
}

static void
mod_uac(struct wctx *w, const struct mdc_sock_attr *m)
{
	int64_t uac = -1;
	int priv = 0;

	if (m->op != MDC_SOCK_MOD_REPLACE || m->nvals != 1 ||
	    mdc_dsa_parse_int(m->vals[0].data, &uac) != 0 ||
	    mdc_dsa_uac_check(uac, w->t->computer, &priv) != 0)
		mdc_dsa_fail(
		        w->res, LDAP_UNWILLING_TO_PERFORM,
		        "userAccountControl: one value that fits the object");
	else if (priv && !w->sys && !w->admin &&
	         !(w->t->uac >= 0 &&
	           (w->t->uac & 0x1582000) == (uac & 0x1582000)))
		mdc_dsa_fail(w->res, LDAP_INSUFFICIENT_ACCESS,
		             "only domain admins may set these "
		             "userAccountControl bits");
}

/* Rules for one modification by a non-system requester on an account. */
static void
mod_account_rules(struct wctx *w, const struct mdc_sock_attr *m)
{
	int64_t v;

	if (mdc_dsa_attr_is(m->name, "objectClass") ||
	    mdc_dsa_attr_is(m->name, "primaryGroupID"))
		mdc_dsa_fail(w->res, LDAP_UNWILLING_TO_PERFORM,
		             "00002012: %s cannot be changed", m->name);
	else if (mdc_dsa_attr_is(m->name, "sAMAccountName"))
		mod_sam(w, m);
	else if (mdc_dsa_attr_is(m->name, "userAccountControl"))
		mod_uac(w, m);
	else if (mdc_dsa_attr_is(m->name, "pwdLastSet") &&
	         (m->op != MDC_SOCK_MOD_REPLACE || m->nvals != 1 ||
	          mdc_dsa_parse_int(m->vals[0].data, &v) != 0 ||
	          (v != 0 && v != -1)))
		mdc_dsa_fail(w->res, LDAP_UNWILLING_TO_PERFORM,
		             "pwdLastSet may only be set to 0 or -1");
	else if (m->op != MDC_SOCK_MOD_DELETE)
		check_values(w, m);
}

/* Add modification m to the write (pwdLastSet -1 becomes now). */
static void
mod_copy(struct wctx *w, const struct mdc_sock_attr *m)
{
	char buf[32];

	if (mdc_dsa_attr_is(m->name, "pwdLastSet") && m->nvals == 1 &&
	    strcmp(m->vals[0].data, "-1") == 0) {
		snprintf(buf, sizeof(buf), "%llu",
		         (unsigned long long)mdc_nttime_from_unix(time(NULL)));
		mdc_dsa_mods_str(&w->ms, m->op, m->name, buf);
		return;
	}
	mdc_dsa_mods_vals(&w->ms, m->op, m->name, m->vals, m->nvals);
}

static void
mod_password(struct wctx *w, const struct mdc_sock_attr *m, int account)
{
	if (!account)
		mdc_dsa_fail(w->res, LDAP_UNWILLING_TO_PERFORM,
		             "unicodePwd belongs to user and computer objects");
	else if (m->op == MDC_SOCK_MOD_DELETE)
		/* A user's own change (delete old + add new): use kpasswd. */
		mdc_dsa_fail(w->res, LDAP_UNWILLING_TO_PERFORM,
		             "password changes go through kpasswd; only "
		             "administrators reset unicodePwd");
	else
		take_password(w, m);
}

/* New dNSHostName of the request (for checking SPNs in the same one). */
static const char *
new_fqdn(const struct mdc_sock_req *req)
{
	for (size_t i = 0; i < req->nattrs; i++)
		if (mdc_dsa_attr_is(req->attrs[i].name, "dNSHostName") &&
		    req->attrs[i].op != MDC_SOCK_MOD_DELETE &&
		    req->attrs[i].nvals == 1)
			return req->attrs[i].vals[0].data;
	return NULL;
}

static void
build_modify(struct wctx *w, int account, int self)
{
	for (size_t i = 0; i < w->req->nattrs && !failed(w); i++) {
		const struct mdc_sock_attr *m = &w->req->attrs[i];
		enum mdc_dsa_attr_kind k = mdc_dsa_attr_kind(m->name);

		if (k == MDC_DSA_ATTR_OPERATIONAL)
			continue;
		if (k == MDC_DSA_ATTR_PASSWORD) {
			mod_password(w, m, account);
			continue;
		}
		if (k == MDC_DSA_ATTR_SYSTEM && !w->sys) {
			mdc_dsa_fail(w->res, LDAP_UNWILLING_TO_PERFORM,
			             "00002012: %s is system-only", m->name);
			break;
		}
		if (admin_only(w, m->name))
			break;
		if (self)
			check_self(w, m, new_fqdn(w->req));
		else if (account && !w->sys)
			mod_account_rules(w, m);
		else if (account &&
		         mdc_dsa_attr_is(m->name, "sAMAccountName") &&
		         m->nvals == 1)
			mod_sam(w, m);
		mod_copy(w, m);
	}
}

int
mdc_dsa_modify(struct mdc_dsa *d, LDAP *ld, const struct mdc_sock_req *req,
               const struct mdc_dsa_who *who, const struct mdc_dsa_target *t,
               struct mdc_dsa_res *res)
{
	struct wctx w = {.d = d,
	                 .ld = ld,
	                 .req = req,
	                 .t = t,
	                 .res = res,
	                 .enable_uac = -1};
	int account = t->user || t->computer;
	int self, rc;
	char err[512] = "";

	w.sys = (who->roles & MDC_DSA_SYSTEM) != 0;
	w.admin = (who->roles & MDC_DSA_ADMIN) != 0;
	self = account && !w.sys && !w.admin && !(who->roles & MDC_DSA_ACCTOP);
	mdc_gentime(time(NULL), w.now, sizeof(w.now));
	w.sam = t->sam != NULL ? strdup(t->sam) : NULL;
	build_modify(&w, account, self);
	check_dns(&w);
	if ((account || t->group) && !failed(&w))
		mdc_dsa_mods_str(&w.ms, LDAP_MOD_REPLACE, "whenChanged", w.now);
	if (failed(&w) || pw_refused(&w))
		return wctx_done(&w);
	/* The keys go in the same modify: the account is never enabled
	 * without them, and a password that cannot become keys changes
	 * nothing. */
	if (w.pw != NULL &&
	    (w.sam == NULL ||
	     mdc_dsa_keys_mods(d->keys, ld, req->dn, w.sam, w.pw, w.pw_hash, 0,
	                       &w.ms, err, sizeof(err)) != 0)) {
		mdc_dsa_fail(res, LDAP_CONSTRAINT_VIOLATION,
		             "0000052D: the password was not accepted: %s",
		             err);
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
