/* dc/kdb/kdb_pac.c - constrained delegation (msDS-AllowedToDelegateTo) and the
 * PAC */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <kdb.h>
#include <time.h>

#include "ad/filter.h"
#include "dc/kdb/kdb_int.h"
#include "dc/kdb/kdb_map.h"
#include "ad/pac.h"
#include "lib/util.h"

krb5_error_code
mdc_kdb_check_allowed_to_delegate(krb5_context ctx, krb5_const_principal client,
                                  const krb5_db_entry *server,
                                  krb5_const_principal proxy)
{
	const struct mdc_kdb_edata *ed;
	char *full = NULL, *short_name = NULL;
	krb5_error_code kret = KRB5KDC_ERR_BADOPTION;
	size_t i;

	ed = (const struct mdc_kdb_edata *)server->e_data;
	if (ed == NULL || ed->rec == NULL || ed->rec->deleg == NULL ||
	    ed->rec->deleg[0] == NULL)
		return KRB5KDC_ERR_BADOPTION;
	if (proxy == NULL)
		return 0;
	/* AD stores targets as SPNs without realm; accept both forms. */
	if (krb5_unparse_name(ctx, proxy, &full) != 0 ||
	    krb5_unparse_name_flags(ctx, proxy, KRB5_PRINCIPAL_UNPARSE_NO_REALM,
	                            &short_name) != 0)
		goto out;
	for (i = 0; ed->rec->deleg[i] != NULL; i++) {
		if (strcasecmp(ed->rec->deleg[i], full) == 0 ||
		    strcasecmp(ed->rec->deleg[i], short_name) == 0) {
			kret = 0;
			break;
		}
	}
out:
	krb5_free_unparsed_name(ctx, full);
	krb5_free_unparsed_name(ctx, short_name);
	return kret;
}

/* Buffers the KDC adds itself (kdb.h: do not copy them). */
static int
kdc_owned(krb5_ui_4 type)
{
	return type == KRB5_PAC_SERVER_CHECKSUM ||
	       type == KRB5_PAC_PRIVSVR_CHECKSUM ||
	       type == KRB5_PAC_TICKET_CHECKSUM ||
	       type == KRB5_PAC_CLIENT_INFO ||
	       type == KRB5_PAC_DELEGATION_INFO || type == 19 /* full cksum */;
}

/* Copy the non-KDC buffers of old_pac into new_pac (TGS path). */
static krb5_error_code
copy_buffers(krb5_context ctx, krb5_pac old_pac, krb5_pac new_pac)
{
	krb5_ui_4 *types = NULL;
	krb5_data d = {0};
	size_t n = 0, i;
	krb5_error_code kret;

	kret = krb5_pac_get_types(ctx, old_pac, &n, &types);
	for (i = 0; kret == 0 && i < n; i++) {
		if (kdc_owned(types[i]))
			continue;
		kret = krb5_pac_get_buffer(ctx, old_pac, types[i], &d);
		if (kret == 0)
			kret = krb5_pac_add_buffer(ctx, new_pac, types[i], &d);
		krb5_free_data_contents(ctx, &d);
	}
	free(types);
	return kret;
}

/*
 * Append the RID of SID value bv to u's groups if it is in u's domain and
 * not there yet.  Returns 1 if it was added.
 */
static int
add_group(struct mdc_pac_user *u, uint32_t *rids, const struct berval *bv)
{
	int64_t in_dom;
	uint32_t rid;
	size_t i;

	if (u->ngroups >= MDC_PAC_MAX_GROUPS)
		return 0;
	in_dom = mdc_sid_rid_in(&u->dom, (const uint8_t *)bv->bv_val,
	                        bv->bv_len);
	if (in_dom < 0 || (uint32_t)in_dom == u->primary_gid)
		return 0;
	rid = (uint32_t)in_dom;
	for (i = 0; i < u->ngroups; i++)
		if (rids[i] == rid)
			return 0;
	rids[u->ngroups++] = rid;
	return 1;
}

/* Add "(member=<dn>)" to the filter being built in *f (NULL: start one). */
static int
filter_add_member(char **f, const char *dn)
{
	char *esc, *n;

	if ((esc = mdc_ad_filter_escape(dn)) == NULL)
		return MDC_ENOMEM;
	n = mdc_strdupf("%s(member=%s)", *f != NULL ? *f : "", esc);
	free(esc);
	if (n == NULL)
		return MDC_ENOMEM;
	free(*f);
	*f = n;
	return 0;
}

/*
 * One level of group nesting: the groups with a member in `members` (a
 * list of "(member=...)" terms).  New ones go into u and their DNs into
 * *next_out for the next level.
 */
static int
group_level(struct mdc_kdb *db, const char *members, struct mdc_pac_user *u,
            uint32_t *rids, char **next_out)
{
	static char *const attrs[] = {"objectSid", NULL};
	struct berval **v;
	LDAPMessage *res = NULL, *e;
	char *filter, *gdn;
	int ret;

	*next_out = NULL;
	filter = mdc_strdupf("(&(objectClass=group)(|%s))", members);
	ret = filter == NULL ? MDC_ENOMEM
	                     : mdc_kdb_search(&db->conn, db->base_dn,
	                                      LDAP_SCOPE_SUBTREE, filter, attrs,
	                                      0, &res);
	for (e = ret == 0 ? ldap_first_entry(db->conn.ld, res) : NULL;
	     e != NULL && ret == 0; e = ldap_next_entry(db->conn.ld, e)) {
		v = ldap_get_values_len(db->conn.ld, e, "objectSid");
		if (v != NULL && v[0] != NULL && add_group(u, rids, v[0])) {
			gdn = ldap_get_dn(db->conn.ld, e);
			ret = gdn != NULL ? filter_add_member(next_out, gdn)
			                  : MDC_ENOMEM;
			ldap_memfree(gdn);
		}
		ldap_value_free_len(v);
	}
	ldap_msgfree(res);
	free(filter);
	return ret;
}

/* The RIDs of the groups the account dn is in, nested ones too (as AD). */
static int
group_rids(struct mdc_kdb *db, const char *dn, struct mdc_pac_user *u,
           uint32_t *rids)
{
	char *members = NULL, *next = NULL;
	int depth, ret;

	ret = filter_add_member(&members, dn);
	for (depth = 0; ret == 0 && members != NULL && depth < 8; depth++) {
		ret = group_level(db, members, u, rids, &next);
		free(members);
		members = next;
		next = NULL;
	}
	free(members);
	free(next);
	return ret;
}

/* SAM account flags (USER_*) of an AD account for the PAC. */
static uint32_t
uf_flags(const struct mdc_kdb_rec *r)
{
	uint32_t f;

	if (r->uac & MDC_UAC_SERVER_TRUST_ACCOUNT)
		f = 0x100;
	else if (r->uac & MDC_UAC_WORKSTATION_TRUST_ACCOUNT)
		f = 0x80;
	else
		f = 0x10;
	if (r->uac & MDC_UAC_DONT_EXPIRE_PASSWORD)
		f |= 0x200;
	if (r->uac & MDC_UAC_ACCOUNTDISABLE)
		f |= 0x1;
	return f;
}

/* Build and add a LOGON_INFO buffer for the client entry (AS, S4U2Self). */
static krb5_error_code
add_logon_info(krb5_context ctx, krb5_db_entry *client, krb5_timestamp auth,
               krb5_pac new_pac)
{
	const struct mdc_kdb_edata *ed = (void *)client->e_data;
	const struct mdc_kdb_rec *r = ed != NULL ? ed->rec : NULL;
	struct mdc_pac_user u;
	struct mdc_kdb *db;
	uint32_t *rids = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	krb5_data d;
	krb5_error_code kret;
	int ret;

	if (r == NULL || r->sid == NULL || r->sam == NULL ||
	    mdc_kdb_state(ctx, &db) != 0)
		return 0; /* no AD account (kadmin/..., K/M): no LOGON_INFO */
	memset(&u, 0, sizeof(u));
	if (mdc_pac_split_sid(r->sid, r->sid_len, &u.dom, &u.rid) != 0)
		return 0;
	rids = calloc(MDC_PAC_MAX_GROUPS, sizeof(*rids));
	if (rids == NULL)
		return ENOMEM;
	u.logon_time = (uint64_t)mdc_kdb_nttime((time_t)(uint32_t)auth);
	u.pwd_last_set = r->pwd_last_set > 0 ? (uint64_t)r->pwd_last_set : 0;
	u.account = r->sam;
	u.logon_server = db->dc_name;
	u.domain = db->netbios;
	u.primary_gid = r->primary_gid != 0 ? r->primary_gid : 513;
	u.uf_flags = uf_flags(r);
	u.groups = rids;
	ret = group_rids(db, r->dn, &u, rids);
	if (ret == 0)
		ret = mdc_pac_logon_info(&u, &buf, &len);
	kret = mdc_kdb_err(ret);
	if (kret == 0) {
		d.magic = KV5M_DATA;
		d.data = (char *)buf;
		d.length = (unsigned)len;
		kret = krb5_pac_add_buffer(ctx, new_pac, KRB5_PAC_LOGON_INFO,
		                           &d);
	}
	free(buf);
	free(rids);
	return kret;
}

krb5_error_code
mdc_kdb_issue_pac(krb5_context ctx, unsigned int flags, krb5_db_entry *client,
                  krb5_keyblock *replaced_reply_key, krb5_db_entry *server,
                  krb5_db_entry *signing_krbtgt, krb5_timestamp authtime,
                  krb5_pac old_pac, krb5_pac new_pac,
                  krb5_data ***auth_indicators)
{
	int s4u2self =
	        (flags & KRB5_KDB_FLAG_PROTOCOL_TRANSITION) && client != NULL;

	/* TGS: the header ticket's PAC carries the groups (as in AD). */
	if (old_pac != NULL && !s4u2self)
		return copy_buffers(ctx, old_pac, new_pac);
	if (client == NULL)
		return 0;
	return add_logon_info(ctx, client, authtime, new_pac);
}
