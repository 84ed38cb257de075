/* dc/replica_status.c - `minidc status`: replication with each peer */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ad/ldapconn.h"
#include "dc/replica.h"
#include "lib/util.h"

#define CSN_MAX 8

/* The contextCSN values of base on ld (each "time#count#sid#mod"). */
struct csns {
	int n;
	char v[CSN_MAX][64];
};

static int
read_csns(LDAP *ld, const char *base, struct csns *out)
{
	char *attrs[] = {"contextCSN", NULL};
	LDAPMessage *res = NULL, *e;
	struct berval **v = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = ldap_search_ext_s(ld, base, LDAP_SCOPE_BASE, "(objectClass=*)",
	                       attrs, 0, NULL, NULL, NULL, 0, &res);
	e = rc == LDAP_SUCCESS ? ldap_first_entry(ld, res) : NULL;
	if (e != NULL)
		v = ldap_get_values_len(ld, e, "contextCSN");
	for (int i = 0; v != NULL && v[i] != NULL && out->n < CSN_MAX; i++)
		if (v[i]->bv_len < sizeof(out->v[0])) {
			memcpy(out->v[out->n], v[i]->bv_val, v[i]->bv_len);
			out->v[out->n++][v[i]->bv_len] = '\0';
		}
	ldap_value_free_len(v);
	ldap_msgfree(res);
	return rc == LDAP_SUCCESS ? 0 : rc;
}

/* The CSN of server sid in cs, or NULL. */
static const char *
csn_of(const struct csns *cs, long sid)
{
	char tag[8];

	snprintf(tag, sizeof(tag), "#%03lx#", sid);
	for (int i = 0; i < cs->n; i++)
		if (strstr(cs->v[i], tag) != NULL)
			return cs->v[i];
	return NULL;
}

/* Seconds since the epoch of a CSN's "YYYYmmddHHMMSS" (UTC), or -1. */
static long long
csn_time(const char *csn)
{
	struct tm tm = {0};
	char *end;

	if (csn == NULL)
		return -1;
	end = strptime(csn, "%Y%m%d%H%M%S", &tm);
	return end == NULL ? -1 : (long long)timegm(&tm);
}

/* GSSAPI to a peer as this DC (its keytab), like syncrepl itself. */
static int
peer_open(const struct mdc_dcconf *c, const struct mdc_replica_peer *p,
          LDAP **ld_out, struct mdc_err *err)
{
	char *uri = mdc_strdupf("ldap://%s:%ld", p->addr, p->port);
	char *kt = mdc_replica_env_ktname(c), *k5 = mdc_dc_path(c, "krb5.conf");
	const struct mdc_ad_ldap_how how = {MDC_AD_LDAP_GSSAPI, 5};
	int ret = MDC_ENOMEM;

	*ld_out = NULL;
	if (uri == NULL || kt == NULL || k5 == NULL) {
		mdc_err_set(err, ret, "%s", ldap_err2string(LDAP_NO_MEMORY));
		goto out;
	}
	setenv("KRB5_CLIENT_KTNAME", strchr(kt, '=') + 1, 1);
	setenv("KRB5_CONFIG", k5, 1);
	setenv("KRB5CCNAME", "MEMORY:minidc-status", 1);
	ret = mdc_ad_ldap_connect(uri, &how, ld_out, err);
out:
	free(uri);
	free(kt);
	free(k5);
	return ret == 0 ? 0 : MDC_ELDAP;
}

/*
 * One peer: the newest change of it that this DC holds (contextCSN of its
 * server ID here) against the newest it holds itself; lag in seconds is
 * the difference, both ways.
 */
static void
peer_line(const struct mdc_dcconf *c, const struct mdc_replica *r,
          const struct mdc_replica_peer *p, const struct csns *mine, FILE *out)
{
	struct csns theirs;
	struct mdc_err err = {""};
	const char *in_here, *in_there, *own_there, *own_here;
	LDAP *ld = NULL;
	long long in_lag, out_lag;

	fprintf(out, "  peer %s (%s:%ld, serverID %ld):", p->name, p->addr,
	        p->port, p->sid);
	if (peer_open(c, p, &ld, &err) != 0 ||
	    read_csns(ld, c->base_dn, &theirs) != 0) {
		fprintf(out, " unreachable, last error: %s\n",
		        err.text[0] ? err.text : "search failed");
		goto out;
	}
	in_here = csn_of(mine, p->sid);
	own_there = csn_of(&theirs, p->sid);
	own_here = csn_of(mine, r->self_sid);
	in_there = csn_of(&theirs, r->self_sid);
	in_lag =
	        own_there == NULL ? 0 : csn_time(own_there) - csn_time(in_here);
	out_lag =
	        own_here == NULL ? 0 : csn_time(own_here) - csn_time(in_there);
	fprintf(out,
	        " from it %s (contextCSN %s, lag %llds); to it %s (lag "
	        "%llds), last error: none\n",
	        in_lag == 0 ? "in sync" : "behind",
	        in_here != NULL ? in_here : "-", in_lag < 0 ? 0 : in_lag,
	        out_lag == 0 ? "in sync" : "behind", out_lag < 0 ? 0 : out_lag);
out:
	if (ld != NULL)
		ldap_unbind_ext_s(ld, NULL, NULL);
}

int
mdc_replica_status(const struct mdc_dcconf *c, FILE *out)
{
	struct mdc_replica r;
	struct csns mine;
	LDAP *ld = NULL;
	int ret;

	ret = mdc_replica_load(c, &r);
	if (ret != 0 || r.n == 0) {
		fprintf(out, "replication: %s\n",
		        ret != 0 ? "replication.conf unreadable" : "single DC");
		return ret;
	}
	ret = mdc_replica_ldapi(c, &ld);
	if (ret == 0)
		ret = read_csns(ld, c->base_dn, &mine) == 0 ? 0 : MDC_ELDAP;
	if (ld != NULL)
		ldap_unbind_ext_s(ld, NULL, NULL);
	if (ret != 0) {
		fprintf(out, "replication: local directory unreadable\n");
		return ret;
	}
	fprintf(out, "replication (serverID %ld, %d peer%s):\n", r.self_sid,
	        r.n, r.n == 1 ? "" : "s");
	for (int i = 0; i < r.n; i++)
		peer_line(c, &r, &r.p[i], &mine, out);
	return 0;
}
