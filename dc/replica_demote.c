/* dc/replica_demote.c - `minidc demote`: remove this DC from its domain */
#include "config.h"

#include <krb5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dc/cmd.h"
#include "dc/dnsglue.h"
#include "dc/replica.h"
#include "dc/ridpool.h"
#include "lib/proc.h"
#include "lib/util.h"

#define CMD      "demote"
#define BOUND_MS 120000

struct dem {
	const struct mdc_dcconf *c;
	LDAP *ld;
	int failed;
};

/* Is name "<our NTDS GUID>._msdcs" (the CNAME replication finds us by)? */
static int
own_guid_name(const struct dem *d, const char *name)
{
	size_t n = d->c->ntds_guid != NULL ? strlen(d->c->ntds_guid) : 0;

	return n > 0 && strncasecmp(name, d->c->ntds_guid, n) == 0 &&
	       strcasecmp(name + n, "._msdcs") == 0;
}

/* Remove one of our record values (and an entry left with none of ours). */
static void
del_record(void *arg, const char *name, const char *attr, const char *value)
{
	struct dem *d = arg;
	char *dn = mdc_strdupf("idnsName=%s,idnsName=%s,cn=dns,%s", name,
	                       d->c->dns_domain, d->c->base_dn);
	char *vv[] = {(char *)value, NULL};
	LDAPMod m = {LDAP_MOD_DELETE, (char *)attr, {.modv_strvals = vv}};
	LDAPMod *mods[] = {&m, NULL};
	int rc;

	if (dn == NULL) {
		d->failed = 1;
		return;
	}
	/* Our host name's entry and our NTDS GUID's CNAME are ours alone. */
	if (strcasecmp(name, d->c->host_name) == 0 || own_guid_name(d, name))
		rc = ldap_delete_ext_s(d->ld, dn, NULL, NULL);
	else
		rc = ldap_modify_ext_s(d->ld, dn, mods, NULL, NULL);
	if (rc != LDAP_SUCCESS && rc != LDAP_NO_SUCH_ATTRIBUTE &&
	    rc != LDAP_NO_SUCH_OBJECT) {
		fprintf(stderr, "minidc demote: %s: %s\n", dn,
		        ldap_err2string(rc));
		d->failed = 1;
	}
	free(dn);
}

/* Our records, and our NS and address at the zone apex. */
static int
del_records(struct dem *d)
{
	char *ns = mdc_strdupf("%s.", d->c->fqdn);
	char *dn = mdc_strdupf("idnsName=%s,cn=dns,%s", d->c->dns_domain,
	                       d->c->base_dn);
	char *nsv[] = {ns, NULL}, *av[] = {d->c->address, NULL};
	LDAPMod mns = {LDAP_MOD_DELETE, "nSRecord", {.modv_strvals = nsv}};
	LDAPMod ma = {LDAP_MOD_DELETE, "aRecord", {.modv_strvals = av}};
	LDAPMod *m1[] = {&mns, NULL}, *m2[] = {&ma, NULL};
	int rc;

	if (ns == NULL || dn == NULL || dns_locator_each(d->c, del_record, d))
		d->failed = 1;
	for (int i = 0; i < 2 && !d->failed; i++) {
		rc = ldap_modify_ext_s(d->ld, dn, i == 0 ? m1 : m2, NULL, NULL);
		if (rc != LDAP_SUCCESS && rc != LDAP_NO_SUCH_ATTRIBUTE)
			d->failed = 1;
	}
	free(ns);
	free(dn);
	return d->failed ? MDC_ELDAP : 0;
}

/*
 * 1 once the peer's KDC no longer knows our account (the deletion has
 * replicated there): a TGT request for HOST$ from our keytab, with a
 * krb5.conf naming only that KDC.
 */
static int
gone_at(const struct mdc_dcconf *c, const struct mdc_replica_peer *p)
{
	char *conf = mdc_dc_path(c, "run/demote-krb5.conf");
	char *kt = mdc_dc_path(c, "krb5/dc.keytab"), *name = NULL;
	krb5_context ctx = NULL;
	krb5_keytab k = NULL;
	krb5_principal me = NULL;
	krb5_creds cr;
	krb5_error_code e = -1;
	char host[16];

	snprintf(host, sizeof(host), "%s", c->host_name);
	mdc_str_upper(host);
	name = mdc_strdupf("%s$@%s", host, c->realm);
	if (conf == NULL || kt == NULL || name == NULL ||
	    mdc_file_printf(conf, 0644,
	                    "[libdefaults]\n\tdefault_realm = %s\n"
	                    "\tdns_lookup_kdc = false\n"
	                    "[realms]\n\t%s = {\n\t\tkdc = %s:%ld\n\t}\n",
	                    c->realm, c->realm, p->addr, c->port_kdc) != 0)
		goto out;
	setenv("KRB5_CONFIG", conf, 1);
	if (krb5_init_context(&ctx) != 0)
		goto out;
	if (krb5_parse_name(ctx, name, &me) == 0 &&
	    krb5_kt_resolve(ctx, kt, &k) == 0) {
		e = krb5_get_init_creds_keytab(ctx, &cr, me, k, 0, NULL, NULL);
		if (e == 0)
			krb5_free_cred_contents(ctx, &cr);
	}
out:
	if (k != NULL)
		krb5_kt_close(ctx, k);
	if (me != NULL)
		krb5_free_principal(ctx, me);
	if (ctx != NULL)
		krb5_free_context(ctx);
	free(conf);
	free(kt);
	free(name);
	return e == KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN;
}

/* Delete our DC entry and wait until a peer has seen it go. */
static int
del_account(struct dem *d, const struct mdc_replica *r)
{
	char *dn = mdc_rid_dc_dn(d->c->base_dn, d->c->host_name);
	long long end = mdc_now_ms() + BOUND_MS;
	int rc, done = 0;

	if (dn == NULL)
		return MDC_ENOMEM;
	rc = ldap_delete_ext_s(d->ld, dn, NULL, NULL);
	free(dn);
	/* The DNS server's own account goes with the DC (best effort: a
	 * domain provisioned before DCs had one has none). */
	dn = mdc_strdupf("CN=dns-%s,CN=Users,%s", d->c->host_name,
	                 d->c->base_dn);
	if (dn != NULL)
		(void)ldap_delete_ext_s(d->ld, dn, NULL, NULL);
	free(dn);
	if (rc != LDAP_SUCCESS && rc != LDAP_NO_SUCH_OBJECT) {
		fprintf(stderr, "minidc demote: delete the DC account: %s\n",
		        ldap_err2string(rc));
		return MDC_ELDAP;
	}
	while (!done && mdc_now_ms() < end) {
		done = gone_at(d->c, &r->p[0]);
		if (!done)
			mdc_sleep_ms(250);
	}
	return done ? 0 : MDC_ETIMEDOUT;
}

int
mdc_cmd_demote(int argc, char **argv)
{
	struct mdc_dcconf c;
	struct mdc_replica r;
	struct dem d = {.c = &c};
	int ret;

	ret = mdc_cmd_load_dir(CMD, argc, argv, &c, NULL);
	if (ret != 0)
		return ret;
	ret = mdc_replica_load(&c, &r);
	if (ret != 0 || r.n == 0) {
		mdc_cmd_error(CMD,
		              "%s is the only DC of %s (nothing to "
		              "hand the domain to)",
		              c.fqdn, c.dns_domain);
		ret = 1;
		goto out;
	}
	ret = mdc_replica_ldapi(&c, &d.ld);
	if (ret == 0)
		ret = del_records(&d);
	if (ret == 0)
		ret = del_account(&d, &r);
	if (d.ld != NULL)
		ldap_unbind_ext_s(d.ld, NULL, NULL);
	if (ret != 0) {
		mdc_cmd_error(CMD, "%s",
		              ret == MDC_ETIMEDOUT
		                      ? "the deletion did not reach "
		                        "the other DCs in time"
		                      : "cannot remove this DC's "
		                        "records and account (is it "
		                        "running?)");
		ret = 1;
		goto out;
	}
	printf("%s removed from %s (its account and records; the other DCs "
	       "drop their agreements with it); stopping it\n",
	       c.fqdn, c.dns_domain);
	ret = mdc_cmd_stop(argc, argv);
out:
	mdc_dcconf_free(&c);
	return ret;
}
