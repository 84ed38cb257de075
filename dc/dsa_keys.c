/* dc/dsa_keys.c - the dsa turns a password into Kerberos keys, in process */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <kdb.h>

#include "ad/salt.h"
#include "dc/dsa_int.h"
#include "dc/dsa_keys.h"
#include "dc/kdb/kdb_enc.h"
#include "dc/kdb/kdb_keys.h"
#include "dc/kdb/kdb_map.h"
#include "lib/util.h"

struct mdc_dsa_keys {
	pthread_mutex_t lock; /* loading the master key (then read-only) */
	krb5_context ctx;     /* NULL until the master key is loaded */
	krb5_keyblock mkey;   /* the realm master key (contents mlock'ed) */
	krb5_kvno mkvno;
	char *stash, *realm, *dns_domain;
};

/* The entry's keys and tl_data as the KDB plugin stores them. */
struct old_keys {
	krb5_key_data *kd;
	int nkd;
	krb5_tl_data *tl;
	int has_aux;
};

int
mdc_dsa_keys_new(const char *stash, const char *realm, const char *dns_domain,
                 struct mdc_dsa_keys **k_out)
{
	struct mdc_dsa_keys *k = calloc(1, sizeof(*k));

	*k_out = NULL;
	if (k == NULL)
		return MDC_ENOMEM;
	pthread_mutex_init(&k->lock, NULL);
	k->stash = strdup(stash);
	k->realm = strdup(realm);
	k->dns_domain = strdup(dns_domain);
	if (k->stash == NULL || k->realm == NULL || k->dns_domain == NULL) {
		mdc_dsa_keys_free(k);
		return MDC_ENOMEM;
	}
	*k_out = k;
	return 0;
}

void
mdc_dsa_keys_free(struct mdc_dsa_keys *k)
{
	if (k == NULL)
		return;
	if (k->ctx != NULL) {
		if (k->mkey.contents != NULL)
			munlock(k->mkey.contents, k->mkey.length);
		krb5_free_keyblock_contents(k->ctx, &k->mkey); /* zeroes */
		krb5_free_context(k->ctx);
	}
	pthread_mutex_destroy(&k->lock);
	free(k->stash);
	free(k->realm);
	free(k->dns_domain);
	free(k);
}

/* err = what: <krb5's message for kret>. */
static void
krb_err(krb5_context ctx, krb5_error_code kret, const char *what,
        struct mdc_err *err)
{
	const char *m = krb5_get_error_message(ctx, kret);

	mdc_err_set(err, MDC_EKRB5, "%s: %s", what, m);
	krb5_free_error_message(ctx, m);
}

/* Refuse a stash others could read or write, or that is not ours. */
static int
stash_private(const char *path, struct mdc_err *err)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		return mdc_err_set(err, MDC_ENOENT,
		                   "cannot read the master key (%s)", path);
	}
	if ((st.st_mode & 077) != 0 || st.st_uid != geteuid()) {
		return mdc_err_set(err, MDC_EACCES,
		                   "the master key file %s must be 0600 "
		                   "and owned by the dsa's user",
		                   path);
	}
	return 0;
}

/* Read K/M's newest key from the stash (a keytab) into k (k->lock held). */
static int
read_stash(struct mdc_dsa_keys *k, krb5_context ctx, struct mdc_err *err)
{
	krb5_keytab kt = NULL;
	krb5_principal mp = NULL;
	krb5_keytab_entry ent;
	char *name = mdc_strdupf("FILE:%s", k->stash);
	krb5_error_code kret = ENOMEM;

	memset(&ent, 0, sizeof(ent));
	if (name != NULL)
		kret = krb5_kt_resolve(ctx, name, &kt);
	if (kret == 0)
		kret = krb5_build_principal(ctx, &mp,
		                            (unsigned)strlen(k->realm),
		                            k->realm, "K", "M", (char *)NULL);
	if (kret == 0)
		kret = krb5_kt_get_entry(ctx, kt, mp, 0, 0, &ent);
	if (kret == 0)
		kret = krb5_copy_keyblock_contents(ctx, &ent.key, &k->mkey);
	if (kret == 0) {
		k->mkvno = ent.vno;
		/* Best effort: keep the key out of swap. */
		(void)mlock(k->mkey.contents, k->mkey.length);
	}
	if (kret != 0)
		krb_err(ctx, kret, "cannot read the master key", err);
	krb5_free_keytab_entry_contents(ctx, &ent); /* zeroes the key */
	krb5_free_principal(ctx, mp);
	if (kt != NULL)
		krb5_kt_close(ctx, kt);
	free(name);
	return kret == 0 ? 0 : MDC_EKRB5;
}

/* Load the master key once (k->lock held). */
static int
load_mkey(struct mdc_dsa_keys *k, struct mdc_err *err)
{
	krb5_context ctx = NULL;
	int ret;

	if (k->ctx != NULL)
		return 0;
	ret = stash_private(k->stash, err);
	if (ret != 0)
		return ret;
	if (krb5_init_secure_context(&ctx) != 0) {
		return mdc_err_set(err, MDC_EKRB5, "cannot start Kerberos");
	}
	ret = read_stash(k, ctx, err);
	if (ret == 0) {
		k->ctx = ctx;
		ctx = NULL;
	}
	if (ctx != NULL)
		krb5_free_context(ctx);
	return ret;
}

int
mdc_dsa_keys_load(struct mdc_dsa_keys *k, struct mdc_err *err)
{
	int ret;

	pthread_mutex_lock(&k->lock);
	ret = load_mkey(k, err);
	pthread_mutex_unlock(&k->lock);
	return ret;
}

/* The keys, tl_data and classes of e (the plugin's decoders). */
static int
read_old(LDAP *ld, LDAPMessage *e, struct old_keys *o)
{
	struct berval **v;
	int ret = 0;

	v = ldap_get_values_len(ld, e, "minidcKrbKeyData");
	if (v != NULL && v[0] != NULL)
		ret = mdc_kdb_keys_decode(v[0]->bv_val, v[0]->bv_len, &o->kd,
		                          &o->nkd);
	ldap_value_free_len(v);
	v = ret == 0 ? ldap_get_values_len(ld, e, "minidcKrbTlData") : NULL;
	if (v != NULL && v[0] != NULL)
		ret = mdc_kdb_tl_decode(v[0]->bv_val, v[0]->bv_len, &o->tl);
	ldap_value_free_len(v);
	v = ldap_get_values_len(ld, e, "objectClass");
	for (int i = 0; v != NULL && v[i] != NULL; i++)
		if (v[i]->bv_len == strlen("minidcKrbPrincipalAux") &&
		    strncasecmp(v[i]->bv_val, "minidcKrbPrincipalAux",
		                v[i]->bv_len) == 0)
			o->has_aux = 1;
	ldap_value_free_len(v);
	return ret;
}

/* Read dn's current keys and tl_data (none for a fresh entry). */
static int
fetch_old(LDAP *ld, const char *dn, int fresh, struct old_keys *o,
          struct mdc_err *err)
{
	char *attrs[] = {"minidcKrbKeyData", "minidcKrbTlData", "objectClass",
	                 NULL};
	LDAPMessage *res = NULL, *e;
	int rc, ret = MDC_ELDAP;

	if (fresh)
		return 0;
	rc = ldap_search_ext_s(ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)",
	                       attrs, 0, NULL, NULL, NULL, 0, &res);
	e = rc == LDAP_SUCCESS ? ldap_first_entry(ld, res) : NULL;
	if (e != NULL)
		ret = read_old(ld, e, o);
	if (ret != 0)
		mdc_err_set(err, ret, "cannot read the account's keys: %s",
		            e == NULL ? ldap_err2string(rc)
		                      : mdc_strerror(ret));
	ldap_msgfree(res);
	return ret;
}

/* Count a tl_data list for krb5_db_entry.n_tl_data. */
static krb5_int16
tl_count(const krb5_tl_data *tl)
{
	krb5_int16 n = 0;

	for (; tl != NULL; tl = tl->tl_data_next)
		n++;
	return n;
}

/*
 * What kadm5's chpass records besides the keys: the time of the change,
 * the master key version, who changed it (as kadmin.local run by root).
 */
static krb5_error_code
update_tl(const struct mdc_dsa_keys *k, krb5_context ctx, krb5_db_entry *e,
          krb5_timestamp now)
{
	krb5_principal by = NULL;
	krb5_error_code kret;

	kret = krb5_dbe_update_last_pwd_change(ctx, e, now);
	if (kret == 0)
		kret = krb5_dbe_update_mkvno(ctx, e, k->mkvno);
	if (kret == 0)
		kret = krb5_build_principal(
		        ctx, &by, (unsigned)strlen(k->realm), k->realm, "root",
		        "admin", (char *)NULL);
	if (kret == 0)
		kret = krb5_dbe_update_mod_princ_data(ctx, e, now, by);
	krb5_free_principal(ctx, by);
	return kret;
}

/* Encode e's keys and tl_data into ms (the plugin's encoders). */
static int
keys_to_mods(const krb5_db_entry *e, struct mdc_mods *ms)
{
	uint8_t *p = NULL;
	size_t len = 0;
	int ret;

	ret = mdc_kdb_keys_encode(e->key_data, e->n_key_data, &p, &len);
	if (ret != 0)
		return ret;
	mdc_mods_bin(ms, LDAP_MOD_REPLACE, "minidcKrbKeyData", p, len);
	mdc_secret_free((char *)p, len);
	p = NULL;
	ret = mdc_kdb_tl_encode(e->tl_data, &p, &len);
	if (ret != 0)
		return ret;
	mdc_mods_bin(ms, LDAP_MOD_REPLACE, "minidcKrbTlData", p, len);
	free(p);
	return ms->err;
}

/* The AD mirrors of the change: kvno, pwdLastSet, the simple-bind hash. */
static int
mirror_mods(int kvno, time_t now, const char *pw, const char *made, int has_aux,
            struct mdc_mods *ms)
{
	char buf[32], *hash = mdc_kdb_pw_hash(pw, made);

	if (hash == NULL)
		return MDC_ENOMEM;
	if (!has_aux)
		mdc_mods_str(ms, LDAP_MOD_ADD, "objectClass",
		             "minidcKrbPrincipalAux");
	snprintf(buf, sizeof(buf), "%d", kvno);
	mdc_mods_str(ms, LDAP_MOD_REPLACE, "msDS-KeyVersionNumber", buf);
	snprintf(buf, sizeof(buf), "%lld", (long long)mdc_kdb_nttime(now));
	mdc_mods_str(ms, LDAP_MOD_REPLACE, "pwdLastSet", buf);
	mdc_mods_str(ms, LDAP_MOD_REPLACE, "userPassword", hash);
	mdc_secret_free(hash, 0);
	return ms->err;
}

/*
 * Derive the new keys into e and encode everything, with ctx, a context of
 * this call's own (a krb5 context serves one thread at a time).
 */
static int
derive(const struct mdc_dsa_keys *k, krb5_context ctx, struct old_keys *o,
       const char *sam, const char *pw, const char *hash, struct mdc_mods *ms,
       struct mdc_err *err)
{
	krb5_key_data kd[MDC_KDB_NENCTYPES];
	krb5_db_entry e;
	krb5_data salt = {0};
	char *s = mdc_ad_salt(k->realm, k->dns_domain, sam);
	int kvno = mdc_kdb_max_kvno(o->kd, o->nkd) + 1, n = 0, ret;
	time_t now = time(NULL);
	krb5_error_code kret = ENOMEM;

	memset(kd, 0, sizeof(kd));
	memset(&e, 0, sizeof(e));
	if (s != NULL) {
		salt.data = s;
		salt.length = (unsigned)strlen(s);
		kret = mdc_kdb_derive_keys(ctx, &k->mkey, mdc_kdb_enctypes,
		                           MDC_KDB_NENCTYPES, pw, &salt, 1,
		                           kvno, kd, &n);
	}
	e.key_data = kd;
	e.n_key_data = (krb5_int16)n;
	e.tl_data = o->tl;
	e.n_tl_data = tl_count(o->tl);
	if (kret == 0)
		kret = update_tl(k, ctx, &e, (krb5_timestamp)now);
	o->tl = e.tl_data; /* libkdb5 may have reallocated the list */
	ret = kret == 0 ? keys_to_mods(&e, ms) : MDC_EKRB5;
	if (ret == 0)
		ret = mirror_mods(kvno, now, pw, hash, o->has_aux, ms);
	if (kret != 0)
		krb_err(ctx, kret, "cannot derive the keys", err);
	else if (ret != 0)
		mdc_err_set(err, ret, "%s", mdc_strerror(ret));
	for (int i = 0; i < n; i++)
		krb5_dbe_free_key_data_contents(ctx, &kd[i]); /* zeroes */
	free(s);
	return ret;
}

int
mdc_dsa_keys_mods(struct mdc_dsa_keys *k, LDAP *ld, const char *dn,
                  const char *sam, const char *pw, const char *hash, int fresh,
                  struct mdc_mods *ms, struct mdc_err *err)
{
	struct old_keys o = {0};
	krb5_context ctx = NULL;
	int ret;

	ret = fetch_old(ld, dn, fresh, &o, err);
	if (ret != 0)
		goto out;
	pthread_mutex_lock(&k->lock);
	ret = load_mkey(k, err);
	pthread_mutex_unlock(&k->lock);
	if (ret != 0)
		goto out;
	if (krb5_init_secure_context(&ctx) != 0) {
		ret = mdc_err_set(err, MDC_EKRB5, "cannot start Kerberos");
		goto out;
	}
	ret = derive(k, ctx, &o, sam, pw, hash, ms, err);
	krb5_free_context(ctx);
out:
	mdc_kdb_keys_free(o.kd, o.nkd);
	mdc_kdb_tl_free(o.tl);
	return ret;
}
