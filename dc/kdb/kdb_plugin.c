/* dc/kdb/kdb_plugin.c - MIT krb5 KDB (DAL) module over the minidc directory */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <kdb.h>
#include <profile.h>

#include "dc/kdb/kdb_enc.h"
#include "dc/kdb/kdb_int.h"
#include "dc/kdb/kdb_map.h"
#include "lib/util.h"

long long
mdc_kdb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

krb5_error_code
mdc_kdb_err(int ret)
{
	switch (ret) {
	case 0:
		return 0;
	case MDC_ENOENT:
		return KRB5_KDB_NOENTRY;
	case MDC_ENOMEM:
		return ENOMEM;
	case MDC_ELDAP:
		return KRB5_KDB_ACCESS_ERROR;
	case MDC_EMALF:
	case MDC_ETRUNC:
		return KRB5_KDB_TRUNCATED_RECORD;
	case MDC_EINVAL:
		return EINVAL;
	default:
		return KRB5_KDB_INTERNAL_ERROR;
	}
}

krb5_error_code
mdc_kdb_state(krb5_context ctx, struct mdc_kdb **db_out)
{
	void *p = NULL;

	if (krb5_db_get_context(ctx, &p) != 0 || p == NULL)
		return KRB5_KDB_DBNOTINITED;
	*db_out = p;
	return 0;
}

void
mdc_kdb_cache_clear(struct mdc_kdb *db)
{
	int i;

	for (i = 0; i < MDC_KDB_CACHE_SLOTS; i++) {
		free(db->cache[i].key);
		mdc_kdb_rec_free(db->cache[i].rec);
		db->cache[i].key = NULL;
		db->cache[i].rec = NULL;
	}
}

void
mdc_kdb_touch(struct mdc_kdb *db)
{
	int fd;

	mdc_kdb_cache_clear(db);
	if (db->stamp_path == NULL)
		return;
	fd = open(db->stamp_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	(void)futimens(fd, NULL);
	close(fd);
}

/*
 * Drop the cache when another process wrote since we last looked: one
 * stat() per lookup, so a kpasswd through kadmind is seen by the very next
 * AS-REQ.  Every other writer (ldapmodify, the dsa) is seen through the
 * sync watch (kdb_watch.h), and within cache_ms at worst.
 */
static void
cache_check_stamp(struct mdc_kdb *db)
{
	struct stat st;

	if (db->stamp_path == NULL || stat(db->stamp_path, &st) != 0)
		return;
	if (st.st_ino == db->stamp_ino &&
	    st.st_mtim.tv_sec == db->stamp_seen.tv_sec &&
	    st.st_mtim.tv_nsec == db->stamp_seen.tv_nsec)
		return;
	mdc_kdb_cache_clear(db);
	db->stamp_ino = st.st_ino;
	db->stamp_seen = st.st_mtim;
}

/* FNV-1a over the key: the cache is direct-mapped, a collision evicts. */
static unsigned
slot_of(const char *key)
{
	uint32_t h = 2166136261u;

	for (; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h % MDC_KDB_CACHE_SLOTS;
}

/* A copy of the fresh cached record for key, or NULL. */
static struct mdc_kdb_rec *
cache_get(struct mdc_kdb *db, const char *key)
{
	struct mdc_kdb_slot *s = &db->cache[slot_of(key)];
	struct mdc_kdb_rec *r = NULL;

	if (s->key == NULL || strcmp(s->key, key) != 0 ||
	    mdc_kdb_now_ms() - s->t_ms >= db->cache_ms)
		return NULL;
	if (mdc_kdb_rec_dup(s->rec, &r) != 0)
		return NULL;
	return r;
}

/* Remember a copy of rec under key (best effort). */
static void
cache_put(struct mdc_kdb *db, const char *key, const struct mdc_kdb_rec *rec)
{
	struct mdc_kdb_slot *s = &db->cache[slot_of(key)];
	struct mdc_kdb_rec *r = NULL;
	char *k;

	if (db->cache_ms <= 0 || mdc_kdb_rec_dup(rec, &r) != 0)
		return;
	k = strdup(key);
	if (k == NULL) {
		mdc_kdb_rec_free(r);
		return;
	}
	free(s->key);
	mdc_kdb_rec_free(s->rec);
	s->key = k;
	s->rec = r;
	s->t_ms = mdc_kdb_now_ms();
}

int
mdc_kdb_rec_is_krbtgt(const struct mdc_kdb_rec *r)
{
	return r->sam != NULL && strcasecmp(r->sam, "krbtgt") == 0;
}

/* True if name is sAMAccountName@REALM (AD's implicit UPN) of r. */
static int
implicit_upn(const struct mdc_kdb_rec *r, const char *name, const char *realm)
{
	const char *at = strrchr(name, '@');
	size_t n = at != NULL ? (size_t)(at - name) : 0;

	return at != NULL && r->sam != NULL && strlen(r->sam) == n &&
	       strncasecmp(r->sam, name, n) == 0 &&
	       strcasecmp(at + 1, realm) == 0;
}

/* How well record r matches name (higher wins; see mdc_kdb_filter). */
static int
match_score(const struct mdc_kdb_rec *r, const char *name, const char *realm)
{
	size_t i, n = strlen(name);

	/* An AD account wins over a kadmin-made entry of the same name. */
	if (r->sam != NULL && strcasecmp(r->sam, name) == 0)
		return 4;
	if (r->kname != NULL && strcasecmp(r->kname, name) == 0)
		return 3;
	if (r->upn != NULL &&
	    (strcasecmp(r->upn, name) == 0 ||
	     (strncasecmp(r->upn, name, n) == 0 && r->upn[n] == '@' &&
	      strcasecmp(r->upn + n + 1, realm) == 0)))
		return 2;
	if (implicit_upn(r, name, realm))
		return 2;
	for (i = 0; r->spns != NULL && r->spns[i] != NULL; i++)
		if (strcasecmp(r->spns[i], name) == 0)
			return 1;
	return mdc_kdb_rec_is_krbtgt(r) ? 3 : 0;
}

/* Pick the best-matching entry of a search result. */
static int
best_rec(struct mdc_kdb *db, LDAPMessage *res, const char *name,
         struct mdc_kdb_rec **rec_out)
{
	struct mdc_kdb_rec *best = NULL, *r;
	LDAPMessage *e;
	int score, best_score = -1, ret = 0;

	for (e = ldap_first_entry(db->conn.ld, res); e != NULL && ret == 0;
	     e = ldap_next_entry(db->conn.ld, e)) {
		ret = mdc_kdb_rec_from_entry(db->conn.ld, e, &r);
		if (ret != 0)
			break;
		score = match_score(r, name, db->realm);
		if (score > best_score) {
			mdc_kdb_rec_free(best);
			best = r;
			best_score = score;
		} else {
			mdc_kdb_rec_free(r);
		}
	}
	if (ret == 0 && best == NULL)
		ret = MDC_ENOENT;
	if (ret != 0) {
		mdc_kdb_rec_free(best);
		return ret;
	}
	*rec_out = best;
	return 0;
}

int
mdc_kdb_lookup(krb5_context ctx, struct mdc_kdb *db, krb5_const_principal p,
               struct mdc_kdb_rec **rec_out)
{
	LDAPMessage *res = NULL;
	char *filter = NULL, *name = NULL;
	int ret;

	ret = mdc_kdb_filter(ctx, p, db->realm, &filter, &name);
	if (ret != 0)
		goto out;
	ret = mdc_kdb_search(&db->conn, db->base_dn, LDAP_SCOPE_SUBTREE, filter,
	                     mdc_kdb_rec_attrs, 0, &res);
	if (ret != 0)
		goto out;
	ret = best_rec(db, res, name, rec_out);
out:
	ldap_msgfree(res);
	free(filter);
	free(name);
	return ret;
}

/* The canonical principal of a record (doc/kerberos.md, name mapping). */
static krb5_error_code
canon_princ(krb5_context ctx, struct mdc_kdb *db, const struct mdc_kdb_rec *r,
            krb5_principal *p_out)
{
	unsigned rl = (unsigned)strlen(db->realm);
	krb5_error_code kret;

	if (mdc_kdb_rec_is_krbtgt(r))
		return krb5_build_principal(ctx, p_out, rl, db->realm, "krbtgt",
		                            db->realm, NULL);
	if (r->sam != NULL)
		return krb5_build_principal(ctx, p_out, rl, db->realm, r->sam,
		                            NULL);
	if (r->kname == NULL)
		return KRB5_KDB_NOENTRY;
	kret = krb5_parse_name_flags(ctx, r->kname,
	                             KRB5_PRINCIPAL_PARSE_NO_REALM, p_out);
	if (kret == 0)
		kret = krb5_set_principal_realm(ctx, *p_out, db->realm);
	return kret;
}

/* Entry timestamps and flags from the record. */
static void
fill_policy(struct mdc_kdb *db, const struct mdc_kdb_rec *r, krb5_db_entry *e)
{
	int ad = r->sam != NULL && !mdc_kdb_rec_is_krbtgt(r);

	if (ad && r->has_uac)
		e->attributes = mdc_kdb_uac_to_flags(
		        r->uac, r->spns != NULL && r->spns[0] != NULL,
		        r->pwd_last_set);
	else
		e->attributes = (krb5_flags)r->flags;
	/* An admin's TGT may get kadmin tickets (AD-style password resets). */
	if (r->kname != NULL && (strcasecmp(r->kname, "kadmin/admin") == 0 ||
	                         strcasecmp(r->kname, "kadmin/changepw") == 0))
		e->attributes &= ~KRB5_KDB_DISALLOW_TGT_BASED;
	e->max_life = r->max_life > 0 ? (krb5_deltat)r->max_life
	                              : MDC_KDB_DEFAULT_MAX_LIFE;
	e->max_renewable_life = r->max_renew > 0 ? (krb5_deltat)r->max_renew
	                                         : MDC_KDB_DEFAULT_MAX_RENEW;
	if (ad && r->account_expires > 0 && r->account_expires < INT64_MAX)
		e->expiration =
		        (krb5_timestamp)mdc_kdb_unix_time(r->account_expires);
	else
		e->expiration = (krb5_timestamp)r->expiration;
	e->pw_expiration = (krb5_timestamp)r->pw_expiration;
	(void)db;
}

/* Build a new krb5_db_entry from rec; takes ownership of rec. */
static krb5_error_code
rec_to_entry(krb5_context ctx, struct mdc_kdb *db, struct mdc_kdb_rec *rec,
             krb5_db_entry **entry_out)
{
	struct mdc_kdb_edata *ed = NULL;
	krb5_db_entry *e = NULL;
	krb5_tl_data *t;
	krb5_error_code kret = ENOMEM;
	int n = 0;

	e = calloc(1, sizeof(*e));
	ed = calloc(1, sizeof(*ed));
	if (e == NULL || ed == NULL)
		goto out;
	e->len = KRB5_KDB_V1_BASE_LENGTH;
	kret = canon_princ(ctx, db, rec, &e->princ);
	if (kret != 0)
		goto out;
	fill_policy(db, rec, e);
	if (rec->keys != NULL) {
		kret = mdc_kdb_err(mdc_kdb_keys_decode(rec->keys, rec->keys_len,
		                                       &e->key_data, &n));
		if (kret != 0)
			goto out;
		e->n_key_data = (krb5_int16)n;
	}
	if (rec->tl != NULL) {
		kret = mdc_kdb_err(
		        mdc_kdb_tl_decode(rec->tl, rec->tl_len, &e->tl_data));
		if (kret != 0)
			goto out;
		for (t = e->tl_data; t != NULL; t = t->tl_data_next)
			e->n_tl_data++;
	}
	ed->rec = rec;
	rec = NULL;
	e->e_data = (krb5_octet *)ed;
	e->e_length = sizeof(*ed);
	ed = NULL;
	*entry_out = e;
	e = NULL;
out:
	free(ed);
	mdc_kdb_rec_free(rec);
	if (e != NULL)
		krb5_db_free_principal(ctx, e);
	return kret;
}

static krb5_error_code
mdc_get_principal(krb5_context ctx, krb5_const_principal search_for,
                  unsigned int flags, krb5_db_entry **entry)
{
	struct mdc_kdb *db;
	struct mdc_kdb_rec *rec = NULL;
	char *key = NULL;
	krb5_error_code kret;

	*entry = NULL;
	kret = mdc_kdb_state(ctx, &db);
	if (kret != 0)
		return kret;
	kret = krb5_unparse_name(ctx, search_for, &key);
	if (kret != 0)
		return kret;
	cache_check_stamp(db);
	if (db->cache_ms > 0 &&
	    mdc_kdb_watch_poll(&db->watch, db->conn.uri, db->base_dn,
	                       mdc_kdb_now_ms()) != 0)
		mdc_kdb_cache_clear(db);
	rec = cache_get(db, key);
	if (rec == NULL) {
		kret = mdc_kdb_err(mdc_kdb_lookup(ctx, db, search_for, &rec));
		if (kret == 0)
			cache_put(db, key, rec);
	}
	krb5_free_unparsed_name(ctx, key);
	if (kret != 0)
		return kret;
	return rec_to_entry(ctx, db, rec, entry);
}

/* Read one string from our [dbmodules] section (caller frees). */
static char *
conf_str(krb5_context ctx, const char *section, const char *name)
{
	profile_t prof = NULL;
	char *v = NULL, *r = NULL;

	if (krb5_get_profile(ctx, &prof) != 0)
		return NULL;
	if (profile_get_string(prof, KDB_MODULE_SECTION, section, name, NULL,
	                       &v) == 0 &&
	    v != NULL)
		r = strdup(v);
	profile_release_string(v);
	profile_release(prof);
	return r;
}

/* Free the module state (NULL-safe). */
static void
state_free(struct mdc_kdb *db)
{
	if (db == NULL)
		return;
	mdc_kdb_cache_clear(db);
	mdc_kdb_watch_close(&db->watch);
	mdc_kdb_conn_close(&db->conn);
	free(db->realm);
	free(db->base_dn);
	free(db->dns_domain);
	free(db->krb_dn);
	free(db->stamp_path);
	free(db->netbios);
	free(db->dc_name);
	free(db);
}

/* Read the configuration and create the module state. */
static krb5_error_code
state_new(krb5_context ctx, const char *section, struct mdc_kdb **db_out)
{
	struct mdc_kdb *db = calloc(1, sizeof(*db));
	char *uri = NULL, *cms = NULL;
	krb5_error_code kret = ENOMEM;

	if (db == NULL)
		return ENOMEM;
	uri = conf_str(ctx, section, "ldap_uri");
	db->base_dn = conf_str(ctx, section, "base_dn");
	db->realm = conf_str(ctx, section, "realm");
	db->dns_domain = conf_str(ctx, section, "dns_domain");
	cms = conf_str(ctx, section, "cache_ms");
	db->stamp_path = conf_str(ctx, section, "stamp_file");
	db->netbios = conf_str(ctx, section, "netbios");
	db->dc_name = conf_str(ctx, section, "dc_name");
	db->cache_ms = cms != NULL ? strtol(cms, NULL, 10) : MDC_KDB_CACHE_MS;
	if (uri == NULL || db->base_dn == NULL || db->realm == NULL ||
	    db->dns_domain == NULL) {
		kret = KRB5_KDB_SERVER_INTERNAL_ERR;
		krb5_set_error_message(ctx, kret,
		                       "minidc KDB: [dbmodules] %s needs "
		                       "ldap_uri, base_dn, realm, dns_domain",
		                       section);
		goto out;
	}
	db->krb_dn = mdc_strdupf("CN=Kerberos,CN=System,%s", db->base_dn);
	if (db->netbios == NULL && db->realm != NULL)
		db->netbios = strndup(db->realm, strcspn(db->realm, "."));
	if (db->dc_name == NULL)
		db->dc_name = strdup("DC");
	if (db->krb_dn == NULL || db->netbios == NULL || db->dc_name == NULL ||
	    mdc_kdb_conn_init(&db->conn, uri) != 0)
		goto out;
	*db_out = db;
	db = NULL;
	kret = 0;
out:
	free(uri);
	free(cms);
	state_free(db);
	return kret;
}

static krb5_error_code
mdc_init_library(void)
{
	return 0;
}

static krb5_error_code
mdc_fini_library(void)
{
	return 0;
}

static krb5_error_code
mdc_init_module(krb5_context ctx, char *conf_section, char **db_args, int mode)
{
	struct mdc_kdb *db = NULL, *old = NULL;
	krb5_error_code kret;

	if (mdc_kdb_state(ctx, &old) == 0)
		return 0;
	kret = state_new(ctx, conf_section, &db);
	if (kret != 0)
		return kret;
	/* Only the KDC caches: writers (kadmind, kadmin.local) read fresh
	 * entries, so a put never starts from a stale copy. */
	if ((mode & 0xff00) != KRB5_KDB_SRV_TYPE_KDC)
		db->cache_ms = 0;
	kret = krb5_db_set_context(ctx, db);
	if (kret != 0)
		state_free(db);
	return kret;
}

static krb5_error_code
mdc_fini_module(krb5_context ctx)
{
	struct mdc_kdb *db;

	if (mdc_kdb_state(ctx, &db) != 0)
		return 0;
	state_free(db);
	krb5_db_set_context(ctx, NULL);
	return 0;
}

/*
 * kdb5_util create: open the database (libkdb5 calls put_principal right
 * after, without init_module) and refuse if the realm already has a K/M.
 */
static krb5_error_code
mdc_create(krb5_context ctx, char *conf_section, char **db_args)
{
	struct mdc_kdb *db;
	struct mdc_kdb_rec *rec = NULL;
	krb5_principal km = NULL;
	krb5_error_code kret;
	int ret;

	kret = mdc_init_module(ctx, conf_section, db_args, 0);
	if (kret == 0)
		kret = mdc_kdb_state(ctx, &db);
	if (kret != 0)
		return kret;
	kret = krb5_build_principal(ctx, &km, (unsigned)strlen(db->realm),
	                            db->realm, "K", "M", NULL);
	if (kret != 0)
		return kret;
	ret = mdc_kdb_lookup(ctx, db, km, &rec);
	krb5_free_principal(ctx, km);
	mdc_kdb_rec_free(rec);
	if (ret == 0) {
		krb5_set_error_message(ctx, EEXIST,
		                       "minidc KDB: realm %s already exists",
		                       db->realm);
		return EEXIST;
	}
	if (ret != MDC_ENOENT)
		return mdc_kdb_err(ret);
	return mdc_kdb_err(mdc_kdb_ensure_container(db));
}

/* Call func for every entry of one search result. */
static krb5_error_code
iterate_res(krb5_context ctx, struct mdc_kdb *db, LDAPMessage *res,
            int (*func)(krb5_pointer, krb5_db_entry *), krb5_pointer arg)
{
	struct mdc_kdb_rec *rec;
	krb5_db_entry *e;
	LDAPMessage *m;
	krb5_error_code kret = 0;

	for (m = ldap_first_entry(db->conn.ld, res); m != NULL && kret == 0;
	     m = ldap_next_entry(db->conn.ld, m)) {
		kret = mdc_kdb_err(
		        mdc_kdb_rec_from_entry(db->conn.ld, m, &rec));
		if (kret != 0)
			break;
		if (rec->sam == NULL && rec->kname == NULL) {
			mdc_kdb_rec_free(rec);
			continue;
		}
		kret = rec_to_entry(ctx, db, rec, &e);
		if (kret != 0)
			break;
		kret = (*func)(arg, e);
		krb5_db_free_principal(ctx, e);
	}
	return kret;
}

static krb5_error_code
mdc_iterate(krb5_context ctx, char *match_entry,
            int (*func)(krb5_pointer, krb5_db_entry *), krb5_pointer arg,
            krb5_flags iterflags)
{
	static const char filter[] = "(|(objectClass=minidcKrbPrincipalAux)"
	                             "(objectClass=minidcKrbPrincipal))";
	struct mdc_kdb *db;
	LDAPMessage *res = NULL;
	krb5_error_code kret;

	kret = mdc_kdb_state(ctx, &db);
	if (kret != 0)
		return kret;
	kret = mdc_kdb_err(mdc_kdb_search(&db->conn, db->base_dn,
	                                  LDAP_SCOPE_SUBTREE, filter,
	                                  mdc_kdb_rec_attrs, 0, &res));
	if (kret == 0)
		kret = iterate_res(ctx, db, res, func, arg);
	ldap_msgfree(res);
	return kret;
}

/* No password policies: kadmin asks for "default" and gets "none". */
static krb5_error_code
mdc_get_policy(krb5_context ctx, char *name, osa_policy_ent_t *policy)
{
	*policy = NULL;
	return KRB5_KDB_NOENTRY;
}

static void
mdc_free_principal_e_data(krb5_context ctx, krb5_octet *e_data)
{
	struct mdc_kdb_edata *ed = (struct mdc_kdb_edata *)e_data;

	if (ed == NULL)
		return;
	mdc_kdb_rec_free(ed->rec);
	if (ed->pw_hash != NULL)
		mdc_secret_free(ed->pw_hash, 0);
	free(ed->pw_history);
	free(ed);
}

/* Nothing to lock: slapd serializes writes; kdb5_util dump goes unlocked. */
static krb5_error_code
mdc_lock(krb5_context ctx, int mode)
{
	return KRB5_PLUGIN_OP_NOTSUPP;
}

static krb5_error_code
mdc_unlock(krb5_context ctx)
{
	return KRB5_PLUGIN_OP_NOTSUPP;
}

/* SIGHUP: drop the cache. */
static void
mdc_refresh_config(krb5_context ctx)
{
	struct mdc_kdb *db;

	if (mdc_kdb_state(ctx, &db) == 0)
		mdc_kdb_cache_clear(db);
}

__attribute__((visibility("default"))) kdb_vftabl kdb_function_table = {
        .maj_ver = KRB5_KDB_DAL_MAJOR_VERSION,
        .min_ver = 0,
        .init_library = mdc_init_library,
        .fini_library = mdc_fini_library,
        .init_module = mdc_init_module,
        .fini_module = mdc_fini_module,
        .create = mdc_create,
        .lock = mdc_lock,
        .unlock = mdc_unlock,
        .get_principal = mdc_get_principal,
        .put_principal = mdc_kdb_put_principal,
        .delete_principal = mdc_kdb_delete_principal,
        .iterate = mdc_iterate,
        .get_policy = mdc_get_policy,
        .change_pwd = mdc_kdb_change_pwd,
        .refresh_config = mdc_refresh_config,
        .audit_as_req = mdc_kdb_audit_as_req,
        .check_policy_as = mdc_kdb_check_policy_as,
        .check_allowed_to_delegate = mdc_kdb_check_allowed_to_delegate,
        .free_principal_e_data = mdc_free_principal_e_data,
        .issue_pac = mdc_kdb_issue_pac,
};
