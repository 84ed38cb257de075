/* dc/kdb/kdb_auth.c - kadm5_auth module: domain administrators may administer
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <kadm5/admin.h>
#include <krb5/kadm5_auth_plugin.h>
#include <ldap.h>
#include <profile.h>

#include "ad/filter.h"
#include "ad/schema.h"
#include "dc/kdb/kdb_int.h"
#include "dc/kdb/kdb_ldap.h"
#include "lib/util.h"

/*
 * kadmind loads this module from minidc.so ([plugins] kadm5_auth, written by
 * dc/krb5conf.c).  It answers "yes" for every operation when the client is
 * a member of Domain Admins (by the group's member attribute, or primary
 * group 512) or, as the dsa also accepts, of Enterprise Admins or the
 * built-in Administrators; "no opinion" otherwise, so MIT's built-in "self"
 * module still lets every user and computer change its own password.  It has
 * its own directory connection and reads [dbmodules] minidc like the KDB side.
 */

typedef struct kadm5_auth_moddata_st {
	struct mdc_kdb db; /* only conn, realm and base_dn used */
} * moddata;

/* The groups whose members administer the domain (under <base>). */
static const char *const admin_groups[] = {
        "CN=Domain Admins,CN=Users",
        "CN=Enterprise Admins,CN=Users",
        "CN=Administrators,CN=Builtin",
};

/* True if the group base,rdn has a member attribute naming esc_dn. */
static int
is_member(struct mdc_kdb *db, const char *rdn, const char *esc_dn)
{
	static char *const attrs[] = {"1.1", NULL};
	LDAPMessage *res = NULL;
	char *gdn = mdc_strdupf("%s,%s", rdn, db->base_dn);
	char *filter = mdc_strdupf("(member=%s)", esc_dn);
	int yes = 0;

	if (gdn != NULL && filter != NULL &&
	    mdc_kdb_search(&db->conn, gdn, LDAP_SCOPE_BASE, filter, attrs, 0,
	                   &res) == 0)
		yes = ldap_count_entries(db->conn.ld, res) > 0;
	ldap_msgfree(res);
	free(gdn);
	free(filter);
	return yes;
}

/* True if rec administers the domain. */
static int
rec_is_admin(struct mdc_kdb *db, const struct mdc_kdb_rec *rec)
{
	char *edn;
	size_t i;
	int admin = 0;

	if (rec->primary_gid == MDC_RID_DOMAIN_ADMINS)
		return 1;
	if ((edn = mdc_ad_filter_escape(rec->dn)) == NULL)
		return 0;
	for (i = 0; !admin && i < sizeof(admin_groups) / sizeof(*admin_groups);
	     i++)
		admin = is_member(db, admin_groups[i], edn);
	free(edn);
	return admin;
}

/* 0 if client is a domain admin, KRB5_PLUGIN_NO_HANDLE otherwise. */
static krb5_error_code
decide(krb5_context ctx, moddata d, krb5_const_principal client)
{
	struct mdc_kdb_rec *rec = NULL;
	int admin = 0;

	if (d == NULL || client == NULL)
		return KRB5_PLUGIN_NO_HANDLE;
	if (mdc_kdb_lookup(ctx, &d->db, client, &rec) == 0)
		admin = rec_is_admin(&d->db, rec);
	mdc_kdb_rec_free(rec);
	return admin ? 0 : KRB5_PLUGIN_NO_HANDLE;
}

/* Read one [dbmodules] minidc string (caller frees). */
static char *
conf_get(krb5_context ctx, const char *name)
{
	profile_t prof = NULL;
	char *v = NULL, *r = NULL;

	if (krb5_get_profile(ctx, &prof) != 0)
		return NULL;
	if (profile_get_string(prof, "dbmodules", "minidc", name, NULL, &v) ==
	            0 &&
	    v != NULL)
		r = strdup(v);
	profile_release_string(v);
	profile_release(prof);
	return r;
}

static void
auth_fini(krb5_context ctx, moddata d)
{
	if (d == NULL)
		return;
	mdc_kdb_conn_close(&d->db.conn);
	free(d->db.realm);
	free(d->db.base_dn);
	free(d);
}

static krb5_error_code
auth_init(krb5_context ctx, const char *acl_file, moddata *data_out)
{
	moddata d = calloc(1, sizeof(*d));
	char *uri = conf_get(ctx, "ldap_uri");
	krb5_error_code kret = ENOMEM;

	if (d == NULL || uri == NULL)
		goto out;
	d->db.realm = conf_get(ctx, "realm");
	d->db.base_dn = conf_get(ctx, "base_dn");
	if (d->db.realm == NULL || d->db.base_dn == NULL)
		goto out;
	if (mdc_kdb_conn_init(&d->db.conn, uri) != 0)
		goto out;
	*data_out = d;
	d = NULL;
	kret = 0;
out:
	free(uri);
	auth_fini(ctx, d);
	return kret;
}

static krb5_error_code
auth_princ(krb5_context ctx, moddata d, krb5_const_principal client,
           krb5_const_principal target)
{
	return decide(ctx, d, client);
}

static krb5_error_code
auth_ent(krb5_context ctx, moddata d, krb5_const_principal client,
         krb5_const_principal target, const struct _kadm5_principal_ent_t *ent,
         long mask, struct kadm5_auth_restrictions **rs_out)
{
	*rs_out = NULL;
	return decide(ctx, d, client);
}

static krb5_error_code
auth_setstr(krb5_context ctx, moddata d, krb5_const_principal client,
            krb5_const_principal target, const char *key, const char *value)
{
	return decide(ctx, d, client);
}

static krb5_error_code
auth_ren(krb5_context ctx, moddata d, krb5_const_principal client,
         krb5_const_principal src, krb5_const_principal dst)
{
	return decide(ctx, d, client);
}

static krb5_error_code
auth_client(krb5_context ctx, moddata d, krb5_const_principal client)
{
	return decide(ctx, d, client);
}

static krb5_error_code
auth_pol(krb5_context ctx, moddata d, krb5_const_principal client,
         const char *policy, const struct _kadm5_policy_ent_t *ent, long mask)
{
	return decide(ctx, d, client);
}

static krb5_error_code
auth_delpol(krb5_context ctx, moddata d, krb5_const_principal client,
            const char *policy)
{
	return decide(ctx, d, client);
}

static krb5_error_code
auth_getpol(krb5_context ctx, moddata d, krb5_const_principal client,
            const char *policy, const char *client_policy)
{
	return decide(ctx, d, client);
}

__attribute__((visibility("default"))) krb5_error_code
kadm5_auth_minidc_initvt(krb5_context ctx, int maj_ver, int min_ver,
                         krb5_plugin_vtable vtable);

krb5_error_code
kadm5_auth_minidc_initvt(krb5_context ctx, int maj_ver, int min_ver,
                         krb5_plugin_vtable vtable)
{
	kadm5_auth_vtable vt = (kadm5_auth_vtable)vtable;

	if (maj_ver != 1)
		return KRB5_PLUGIN_VER_NOTSUPP;
	vt->name = "minidc";
	vt->init = auth_init;
	vt->fini = auth_fini;
	vt->addprinc = auth_ent;
	vt->modprinc = auth_ent;
	vt->setstr = auth_setstr;
	vt->cpw = auth_princ;
	vt->chrand = auth_princ;
	vt->setkey = auth_princ;
	vt->purgekeys = auth_princ;
	vt->delprinc = auth_princ;
	vt->renprinc = auth_ren;
	vt->getprinc = auth_princ;
	vt->getstrs = auth_princ;
	vt->extract = auth_princ;
	vt->listprincs = auth_client;
	vt->addpol = auth_pol;
	vt->modpol = auth_pol;
	vt->delpol = auth_delpol;
	vt->getpol = auth_getpol;
	vt->listpols = auth_client;
	vt->iprop = auth_client;
	return 0;
}
