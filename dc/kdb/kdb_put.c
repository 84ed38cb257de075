/* dc/kdb/kdb_put.c - KDB writes: put_principal, change_pwd, delete_principal */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <kadm5/admin.h>
#include <kadm5/kadm_err.h>
#include <kdb.h>

#include "ad/mods.h"
#include "ad/salt.h"
#include "dc/kdb/kdb_enc.h"
#include "dc/kdb/kdb_int.h"
#include "dc/kdb/kdb_keys.h"
#include "dc/kdb/kdb_map.h"
#include "lib/pwpolicy.h"
#include "lib/util.h"

/* op on attr with the value val/len, or with no value if val is NULL. */
static void
mod_bin(struct mdc_mods *ml, int op, const char *attr, const void *val,
        size_t len)
{
	if (val == NULL)
		mdc_mods_none(ml, op, attr);
	else
		mdc_mods_bin(ml, op, attr, val, len);
}

/* Replace minidcKrbKeyData and minidcKrbTlData with the entry's. */
static void
mod_keys_tl(struct mdc_mods *ml, const krb5_db_entry *e)
{
	uint8_t *p = NULL;
	size_t len = 0;
	int ret;

	ret = mdc_kdb_keys_encode(e->key_data, e->n_key_data, &p, &len);
	if (ret != 0) {
		ml->err = ret;
		return;
	}
	mod_bin(ml, LDAP_MOD_REPLACE, "minidcKrbKeyData",
	        e->n_key_data > 0 ? p : NULL, len);
	free(p);
	p = NULL;
	ret = mdc_kdb_tl_encode(e->tl_data, &p, &len);
	if (ret != 0) {
		ml->err = ret;
		return;
	}
	mod_bin(ml, LDAP_MOD_REPLACE, "minidcKrbTlData",
	        e->tl_data != NULL ? p : NULL, len);
	free(p);
}

/* Highest key version of the entry (0 without keys). */
static int
max_kvno(const krb5_db_entry *e)
{
	return mdc_kdb_max_kvno(e->key_data, e->n_key_data);
}

/* The AD-side mirrors of a key change: kvno, pwdLastSet, userPassword. */
static void
mod_key_mirrors(struct mdc_mods *ml, const struct mdc_kdb_rec *r,
                const krb5_db_entry *e, const struct mdc_kdb_edata *ed)
{
	if (r->sam == NULL)
		return;
	mdc_mods_int(ml, LDAP_MOD_REPLACE, "msDS-KeyVersionNumber",
	             max_kvno(e));
	mdc_mods_int(ml, LDAP_MOD_REPLACE, "pwdLastSet",
	             mdc_kdb_nttime(time(NULL)));
	if (ed != NULL && ed->pw_hash != NULL)
		mdc_mods_str(ml, LDAP_MOD_REPLACE, "userPassword", ed->pw_hash);
	if (ed != NULL && ed->pw_history != NULL)
		mdc_mods_str(ml, LDAP_MOD_REPLACE, "mdcPwdHistory",
		             ed->pw_history);
}

/* Flags: userAccountControl for AD accounts, minidcKrbFlags otherwise. */
static void
mod_flags(struct mdc_mods *ml, const struct mdc_kdb_rec *r,
          const krb5_db_entry *e)
{
	uint32_t uac;

	if (r->sam == NULL || mdc_kdb_rec_is_krbtgt(r) || !r->has_uac) {
		mdc_mods_int(ml, LDAP_MOD_REPLACE, "minidcKrbFlags",
		             e->attributes);
		return;
	}
	uac = mdc_kdb_flags_to_uac(
	        r->uac,
	        mdc_kdb_uac_to_flags(r->uac,
	                             r->spns != NULL && r->spns[0] != NULL,
	                             r->pwd_last_set),
	        e->attributes);
	if (uac != r->uac)
		mdc_mods_int(ml, LDAP_MOD_REPLACE, "userAccountControl", uac);
}

/* Build the modifications of an existing entry from mask. */
static void
build_mods(struct mdc_mods *ml, const struct mdc_kdb_rec *r,
           const krb5_db_entry *e, const struct mdc_kdb_edata *ed)
{
	long mask = e->mask == 0 ? -1L : e->mask;
	int ad = r->sam != NULL && !mdc_kdb_rec_is_krbtgt(r);

	if (r->sam != NULL && !r->has_aux)
		mdc_mods_str(ml, LDAP_MOD_ADD, "objectClass",
		             "minidcKrbPrincipalAux");
	mod_keys_tl(ml, e);
	if (mask & (KADM5_KEY_DATA | KADM5_PRINCIPAL))
		mod_key_mirrors(ml, r, e, ed);
	if (mask & KADM5_ATTRIBUTES)
		mod_flags(ml, r, e);
	if (mask & KADM5_MAX_LIFE)
		mdc_mods_int(ml, LDAP_MOD_REPLACE, "minidcKrbMaxLife",
		             e->max_life);
	if (mask & KADM5_MAX_RLIFE)
		mdc_mods_int(ml, LDAP_MOD_REPLACE, "minidcKrbMaxRenew",
		             e->max_renewable_life);
	if ((mask & KADM5_PRINC_EXPIRE_TIME) && ad)
		mdc_mods_int(
		        ml, LDAP_MOD_REPLACE, "accountExpires",
		        e->expiration == 0 ? 0 : mdc_kdb_nttime(e->expiration));
	else if (mask & KADM5_PRINC_EXPIRE_TIME)
		mdc_mods_int(ml, LDAP_MOD_REPLACE, "minidcKrbExpiration",
		             e->expiration);
	if (mask & KADM5_PW_EXPIRATION)
		mdc_mods_int(ml, LDAP_MOD_REPLACE, "minidcKrbPwExpiration",
		             e->pw_expiration);
}

int
mdc_kdb_ensure_container(struct mdc_kdb *db)
{
	struct mdc_mods ml = {0};
	int rc = 0, ret;

	mdc_mods_str(&ml, LDAP_MOD_ADD, "objectClass", "minidcKrbContainer");
	mdc_mods_str(&ml, LDAP_MOD_ADD, "cn", "Kerberos");
	ret = ml.err;
	if (ret == 0)
		ret = mdc_kdb_add(&db->conn, db->krb_dn, ml.m, &rc);
	if (ret != 0 && rc == LDAP_ALREADY_EXISTS)
		ret = 0;
	mdc_mods_free(&ml);
	return ret;
}

/* Drop modifications that carry no value in an add (LDAP forbids them). */
static void
prune_empty(struct mdc_mods *ml)
{
	size_t i, j = 0;

	for (i = 0; i < ml->n; i++) {
		if (ml->m[i]->mod_bvalues[0] == NULL) {
			free(ml->m[i]->mod_bvalues);
			free(ml->m[i]->mod_type);
			free(ml->m[i]);
			continue;
		}
		ml->m[j++] = ml->m[i];
	}
	ml->n = j;
	if (ml->m != NULL)
		ml->m[j] = NULL;
}

/* Add a new special (non-AD) principal entry under CN=Kerberos. */
static krb5_error_code
add_special(krb5_context ctx, struct mdc_kdb *db, const krb5_db_entry *e)
{
	struct mdc_mods ml = {0};
	char *name = NULL, *esc = NULL, *dn = NULL;
	krb5_error_code kret;
	int rc = 0, ret;
	size_t i;

	kret = krb5_unparse_name_flags(ctx, e->princ,
	                               KRB5_PRINCIPAL_UNPARSE_NO_REALM, &name);
	if (kret != 0)
		return kret;
	esc = mdc_kdb_dn_escape(name);
	dn = esc != NULL ? mdc_strdupf("CN=%s,%s", esc, db->krb_dn) : NULL;
	mdc_mods_str(&ml, LDAP_MOD_ADD, "objectClass", "minidcKrbPrincipal");
	mdc_mods_str(&ml, LDAP_MOD_ADD, "cn", name);
	mdc_mods_str(&ml, LDAP_MOD_ADD, "minidcKrbPrincipalName", name);
	mod_keys_tl(&ml, e);
	mdc_mods_int(&ml, LDAP_MOD_ADD, "minidcKrbFlags", e->attributes);
	mdc_mods_int(&ml, LDAP_MOD_ADD, "minidcKrbMaxLife", e->max_life);
	mdc_mods_int(&ml, LDAP_MOD_ADD, "minidcKrbMaxRenew",
	             e->max_renewable_life);
	mdc_mods_int(&ml, LDAP_MOD_ADD, "minidcKrbExpiration", e->expiration);
	mdc_mods_int(&ml, LDAP_MOD_ADD, "minidcKrbPwExpiration",
	             e->pw_expiration);
	ret = dn == NULL ? MDC_ENOMEM : ml.err;
	if (ret == 0) {
		/* mod_keys_tl used REPLACE; an add takes only values. */
		prune_empty(&ml);
		for (i = 0; i < ml.n; i++)
			ml.m[i]->mod_op = LDAP_MOD_ADD | LDAP_MOD_BVALUES;
		ret = mdc_kdb_add(&db->conn, dn, ml.m, &rc);
		if (ret != 0 && rc == LDAP_NO_SUCH_OBJECT &&
		    mdc_kdb_ensure_container(db) == 0)
			ret = mdc_kdb_add(&db->conn, dn, ml.m, &rc);
	}
	kret = mdc_kdb_err(ret);
	if (ret != 0)
		krb5_set_error_message(ctx, kret, "minidc KDB: add %s: %s",
		                       name, ldap_err2string(rc));
	mdc_mods_free(&ml);
	free(dn);
	free(esc);
	krb5_free_unparsed_name(ctx, name);
	return kret;
}

/* Modify the existing directory entry r to match e. */
static krb5_error_code
modify_existing(krb5_context ctx, struct mdc_kdb *db,
                const struct mdc_kdb_rec *r, const krb5_db_entry *e,
                const struct mdc_kdb_edata *ed)
{
	struct mdc_mods ml = {0};
	krb5_error_code kret;
	int rc = 0, ret;

	build_mods(&ml, r, e, ed);
	ret = ml.err;
	if (ret == 0)
		ret = mdc_kdb_modify(&db->conn, r->dn, ml.m, &rc);
	kret = mdc_kdb_err(ret);
	if (ret != 0)
		krb5_set_error_message(ctx, kret, "minidc KDB: modify %s: %s",
		                       r->dn, ldap_err2string(rc));
	mdc_mods_free(&ml);
	return kret;
}

krb5_error_code
mdc_kdb_put_principal(krb5_context ctx, krb5_db_entry *entry, char **db_args)
{
	struct mdc_kdb_edata *ed = (struct mdc_kdb_edata *)entry->e_data;
	struct mdc_kdb_rec *own = NULL;
	const struct mdc_kdb_rec *r = ed != NULL ? ed->rec : NULL;
	struct mdc_kdb *db;
	krb5_error_code kret;
	int ret;

	kret = mdc_kdb_state(ctx, &db);
	if (kret != 0)
		return kret;
	if (r == NULL) {
		ret = mdc_kdb_lookup(ctx, db, entry->princ, &own);
		if (ret != 0 && ret != MDC_ENOENT)
			return mdc_kdb_err(ret);
		r = own;
	}
	if (r == NULL)
		kret = add_special(ctx, db, entry);
	else
		kret = modify_existing(ctx, db, r, entry, ed);
	mdc_kdb_touch(db);
	mdc_kdb_rec_free(own);
	return kret;
}

/* Replace e's keys with kd[0..n) (+ the old ones if keepold). */
static krb5_error_code
install_keys(krb5_context ctx, krb5_db_entry *e, krb5_key_data *kd, int n,
             krb5_boolean keepold)
{
	int i;

	if (keepold) {
		for (i = 0; i < e->n_key_data; i++)
			kd[n++] = e->key_data[i];
	} else {
		for (i = 0; i < e->n_key_data; i++)
			krb5_dbe_free_key_data_contents(ctx, &e->key_data[i]);
	}
	free(e->key_data);
	e->key_data = kd;
	e->n_key_data = (krb5_int16)n;
	return 0;
}

/*
 * The domain's password policy for a user's new password (kpasswd, kadmin
 * cpw, kadmin.local all arrive here): complexity, then the history (the
 * last 24 passwords; MIT cannot tell a user's change from an
 * administrator's reset here, and both are checked).  Random keys (passwd
 * NULL) and machine accounts (generated passwords) are not checked.  On
 * success ed->pw_history is the history with passwd's hash, to be written
 * with the keys, and *hash_out that hash (caller frees; NULL when not
 * checked).
 */
static krb5_error_code
check_password(krb5_context ctx, struct mdc_kdb_edata *ed, const char *passwd,
               char **hash_out)
{
	const char *sam = ed != NULL && ed->rec != NULL ? ed->rec->sam : NULL;
	size_t n = sam != NULL ? strlen(sam) : 0;
	krb5_error_code code;
	int v;

	if (passwd == NULL || sam == NULL || (n > 0 && sam[n - 1] == '$'))
		return 0;
	v = mdc_pwpolicy_check(passwd, sam);
	if (v == MDC_PW_OK &&
	    mdc_pwpolicy_history_has(ed->rec->pw_history, passwd))
		v = MDC_PW_IN_HISTORY;
	if (v == MDC_PW_OK) {
		free(ed->pw_history);
		*hash_out = mdc_pwpolicy_hash(passwd);
		ed->pw_history = mdc_pwpolicy_history_push(ed->rec->pw_history,
		                                           *hash_out);
		return ed->pw_history != NULL ? 0 : ENOMEM;
	}
	/* kpasswd shows the code's own text, kadmin our reason. */
	code = v == MDC_PW_TOO_SHORT    ? KADM5_PASS_Q_TOOSHORT
	       : v == MDC_PW_TOO_SIMPLE ? KADM5_PASS_Q_CLASS
	       : v == MDC_PW_IN_HISTORY ? KADM5_PASS_REUSE
	                                : KADM5_PASS_Q_GENERIC;
	krb5_set_error_message(ctx, code, "%s", mdc_pwpolicy_reason(v));
	return code;
}

krb5_error_code
mdc_kdb_change_pwd(krb5_context ctx, krb5_keyblock *mkey,
                   krb5_key_salt_tuple *ks, int nks, char *passwd, int new_kvno,
                   krb5_boolean keepold, krb5_db_entry *e)
{
	struct mdc_kdb_edata *ed = (struct mdc_kdb_edata *)e->e_data;
	int ad = ed != NULL && ed->rec != NULL && ed->rec->sam != NULL;
	struct mdc_kdb *db;
	krb5_key_data *kd = NULL;
	krb5_data sd = {0};
	char *salt = NULL, *hash = NULL;
	krb5_error_code kret;
	int i, n = 0;

	kret = mdc_kdb_state(ctx, &db);
	if (kret != 0)
		return kret;
	kret = check_password(ctx, ed, passwd, &hash);
	if (kret != 0)
		goto out;
	if (ad) {
		salt = mdc_ad_salt(db->realm, db->dns_domain, ed->rec->sam);
		kret = salt == NULL ? ENOMEM : 0;
		if (kret != 0)
			goto out;
		sd.data = salt;
		sd.length = (unsigned)strlen(salt);
	} else {
		kret = krb5_principal2salt(ctx, e->princ, &sd);
		if (kret != 0)
			goto out;
	}
	/* kadm5 passes 0 for "one more than the current kvno". */
	if (new_kvno <= 0)
		new_kvno = max_kvno(e) + 1;
	kret = ENOMEM;
	kd = calloc((size_t)nks + (size_t)e->n_key_data + 1, sizeof(*kd));
	if (kd == NULL)
		goto out;
	kret = mdc_kdb_derive_keys(ctx, mkey, ks, nks, passwd, &sd, ad,
	                           new_kvno, kd, &n);
	if (kret != 0)
		goto out;
	if (ed != NULL && ed->pw_hash != NULL)
		mdc_secret_free(ed->pw_hash, 0);
	if (ed != NULL && ad)
		ed->pw_hash = mdc_kdb_pw_hash(passwd, hash);
	install_keys(ctx, e, kd, n, keepold);
	kd = NULL;
	n = 0;
out:
	for (i = 0; kd != NULL && i < n; i++)
		krb5_dbe_free_key_data_contents(ctx, &kd[i]);
	free(kd);
	free(hash);
	if (ad)
		free(salt);
	else
		krb5_free_data_contents(ctx, &sd);
	return kret;
}

krb5_error_code
mdc_kdb_delete_principal(krb5_context ctx, krb5_const_principal p)
{
	struct mdc_mods ml = {0};
	struct mdc_kdb *db;
	struct mdc_kdb_rec *r = NULL;
	krb5_error_code kret;
	int ret;

	kret = mdc_kdb_state(ctx, &db);
	if (kret != 0)
		return kret;
	ret = mdc_kdb_lookup(ctx, db, p, &r);
	if (ret == 0 && r->sam == NULL) {
		ret = mdc_kdb_delete(&db->conn, r->dn, NULL);
	} else if (ret == 0) {
		/* An AD account stays; it only loses its Kerberos keys. */
		mod_bin(&ml, LDAP_MOD_REPLACE, "minidcKrbKeyData", NULL, 0);
		mod_bin(&ml, LDAP_MOD_REPLACE, "minidcKrbTlData", NULL, 0);
		ret = ml.err;
		if (ret == 0)
			ret = mdc_kdb_modify(&db->conn, r->dn, ml.m, NULL);
	}
	mdc_kdb_touch(db);
	mdc_mods_free(&ml);
	mdc_kdb_rec_free(r);
	return mdc_kdb_err(ret);
}

/*
 * badPwdCount/badPasswordTime after an AS-REQ: one more after a wrong
 * password (the count restarts after MDC_LOCKOUT_WINDOW), back to 0 after
 * a logon.  A write only when something changes.  The password that locks
 * the account sets lockoutTime (AD's lock time, for readers; the lock
 * itself is decided from the count), a logon clears it, as AD does.
 */
static void
count_bad_password(struct mdc_kdb *db, struct mdc_kdb_rec *r, int bad,
                   int64_t now)
{
	struct mdc_mods ml = {0};
	int64_t n =
	        bad ? mdc_lockout_next(r->bad_pwd_count, r->bad_pwd_time, now)
	            : 0;

	if (!bad && r->bad_pwd_count == 0)
		return;
	mdc_mods_int(&ml, LDAP_MOD_REPLACE, "badPwdCount", n);
	if (bad)
		mdc_mods_int(&ml, LDAP_MOD_REPLACE, "badPasswordTime", now);
	if (!bad || n >= MDC_LOCKOUT_THRESHOLD)
		mdc_mods_int(&ml, LDAP_MOD_REPLACE, "lockoutTime",
		             bad ? now : 0);
	if (ml.err == 0 && mdc_kdb_modify(&db->conn, r->dn, ml.m, NULL) == 0) {
		r->bad_pwd_count = n;
		if (bad)
			r->bad_pwd_time = now;
		mdc_kdb_touch(db);
	}
	mdc_mods_free(&ml);
}

krb5_error_code
mdc_kdb_check_policy_as(krb5_context ctx, krb5_kdc_req *request,
                        krb5_db_entry *client, krb5_db_entry *server,
                        krb5_timestamp kdc_time, const char **status,
                        krb5_pa_data ***e_data)
{
	struct mdc_kdb_edata *ed =
	        client != NULL ? (struct mdc_kdb_edata *)client->e_data : NULL;

	if (ed == NULL || ed->rec == NULL || ed->rec->sam == NULL ||
	    !mdc_lockout_locked(ed->rec->bad_pwd_count, ed->rec->bad_pwd_time,
	                        mdc_kdb_nttime(time(NULL))))
		return 0;
	*status = "LOCKED_OUT";
	krb5_set_error_message(ctx, KRB5KDC_ERR_CLIENT_REVOKED,
	                       "account locked out after %d bad passwords",
	                       MDC_LOCKOUT_THRESHOLD);
	return KRB5KDC_ERR_CLIENT_REVOKED;
}

/*
 * AD's lastLogonTimestamp: written on a successful AS-REQ only when the
 * stored value is older than the sync interval (14 days less up to 5 random
 * days, as AD does), so there is no directory write per AS-REQ.
 */
#define LOGON_SYNC_DAYS 14

void
mdc_kdb_audit_as_req(krb5_context ctx, krb5_kdc_req *request,
                     const krb5_address *local_addr,
                     const krb5_address *remote_addr, krb5_db_entry *client,
                     krb5_db_entry *server, krb5_timestamp authtime,
                     krb5_error_code error_code)
{
	struct mdc_kdb_edata *ed;
	struct mdc_mods ml = {0};
	struct mdc_kdb *db;
	int64_t now, limit;
	uint32_t rnd = 0;

	if (client == NULL || mdc_kdb_state(ctx, &db) != 0)
		return;
	ed = (struct mdc_kdb_edata *)client->e_data;
	if (ed == NULL || ed->rec == NULL || ed->rec->sam == NULL ||
	    mdc_kdb_rec_is_krbtgt(ed->rec))
		return;
	now = mdc_kdb_nttime(time(NULL));
	if (error_code == KRB5KDC_ERR_PREAUTH_FAILED || error_code == 0)
		count_bad_password(db, ed->rec, error_code != 0, now);
	if (error_code != 0)
		return;
	if (mdc_random(&rnd, sizeof(rnd)) != 0)
		rnd = 0;
	limit = (int64_t)(LOGON_SYNC_DAYS * 86400 - rnd % (5 * 86400)) *
	        10000000LL;
	if (ed->rec->last_logon > 0 && now - ed->rec->last_logon < limit)
		return;
	mdc_mods_int(&ml, LDAP_MOD_REPLACE, "lastLogonTimestamp", now);
	if (ml.err == 0 &&
	    mdc_kdb_modify(&db->conn, ed->rec->dn, ml.m, NULL) == 0)
		ed->rec->last_logon = now;
	mdc_mods_free(&ml);
}
