/* dc/replica_watch.c - the replica service: agreements from the directory */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ad/ldapconn.h"
#include "dc/cmd.h"
#include "dc/krb5conf.h"
#include "dc/replica.h"
#include "dc/slapdrun.h"
#include "dc/ridpool.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/util.h"

#define CMD     "replica-watch"
#define POLL_MS 1000

int
mdc_replica_ldapi(const struct mdc_dcconf *c, LDAP **ld_out)
{
	const struct mdc_ad_ldap_how how = {MDC_AD_LDAP_EXTERNAL, 10};
	char *uri = mdc_dc_ldapi_uri(c);
	int ret;

	*ld_out = NULL;
	if (uri == NULL)
		return MDC_ENOMEM;
	ret = mdc_ad_ldap_connect(uri, &how, ld_out, NULL);
	free(uri);
	return ret == 0 ? 0 : MDC_ELDAP;
}

/* The stash entry's value (ber, caller frees) or MDC_ENOENT. */
static int
read_mkey(LDAP *ld, const struct mdc_dcconf *c, struct berval **v_out)
{
	char *dn = mdc_replica_mkey_dn(c), *attrs[] = {"mdcMasterKey", NULL};
	LDAPMessage *res = NULL, *e;
	struct berval **v = NULL;
	int rc, ret = MDC_ENOENT;

	*v_out = NULL;
	if (dn == NULL)
		return MDC_ENOMEM;
	rc = ldap_search_ext_s(ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)",
	                       attrs, 0, NULL, NULL, NULL, 0, &res);
	e = rc == LDAP_SUCCESS ? ldap_first_entry(ld, res) : NULL;
	if (e != NULL)
		v = ldap_get_values_len(ld, e, "mdcMasterKey");
	if (v != NULL && v[0] != NULL && v[0]->bv_len > 0) {
		*v_out = ber_dupbv(NULL, v[0]);
		ret = *v_out != NULL ? 0 : MDC_ENOMEM;
	} else if (rc != LDAP_SUCCESS && rc != LDAP_NO_SUCH_OBJECT) {
		ret = MDC_ELDAP;
	}
	ldap_value_free_len(v);
	ldap_msgfree(res);
	free(dn);
	return ret;
}

int
mdc_replica_publish_stash(LDAP *ld, const struct mdc_dcconf *c)
{
	char *dn = mdc_replica_mkey_dn(c), *path = mdc_dc_path(c, "krb5/stash");
	char *data = NULL, *oc[] = {"top", "container", "mdcKeyHolder", NULL};
	char *cn[] = {"Master Key", NULL};
	struct berval *have = NULL, bv, *bvs[] = {&bv, NULL};
	LDAPMod moc = {LDAP_MOD_ADD, "objectClass", {.modv_strvals = oc}};
	LDAPMod mcn = {LDAP_MOD_ADD, "cn", {.modv_strvals = cn}};
	LDAPMod mkey = {LDAP_MOD_ADD | LDAP_MOD_BVALUES,
	                "mdcMasterKey",
	                {.modv_bvals = bvs}};
	LDAPMod *mods[] = {&moc, &mcn, &mkey, NULL};
	size_t len = 0;
	int ret;

	ret = dn == NULL || path == NULL ? MDC_ENOMEM : read_mkey(ld, c, &have);
	if (ret != MDC_ENOENT)
		goto out; /* there already, or the directory failed */
	ret = mdc_file_read(path, 1 << 16, &data, &len);
	if (ret != 0)
		goto out;
	bv.bv_val = data;
	bv.bv_len = len;
	ret = ldap_add_ext_s(ld, dn, mods, NULL, NULL) == LDAP_SUCCESS
	              ? 0
	              : MDC_ELDAP;
out:
	if (data != NULL)
		mdc_secret_free(data, len);
	if (have != NULL)
		explicit_bzero(have->bv_val, have->bv_len);
	ber_bvfree(have);
	free(dn);
	free(path);
	return ret;
}

int
mdc_replica_fetch_stash(LDAP *ld, const struct mdc_dcconf *c)
{
	char *path = mdc_dc_path(c, "krb5/stash");
	struct berval *v = NULL;
	int ret;

	ret = path == NULL ? MDC_ENOMEM : read_mkey(ld, c, &v);
	if (ret == 0)
		ret = mdc_file_write(path, v->bv_val, v->bv_len, 0600);
	if (v != NULL)
		explicit_bzero(v->bv_val, v->bv_len);
	ber_bvfree(v);
	free(path);
	return ret;
}

/* First value of attr in e as a C string into buf[cap] ("" if none). */
static void
value(LDAP *ld, LDAPMessage *e, const char *attr, char *buf, size_t cap)
{
	struct berval **v = ldap_get_values_len(ld, e, attr);

	buf[0] = '\0';
	if (v != NULL && v[0] != NULL && v[0]->bv_len < cap) {
		memcpy(buf, v[0]->bv_val, v[0]->bv_len);
		buf[v[0]->bv_len] = '\0';
	}
	ldap_value_free_len(v);
}

/* "ldap://ADDR:PORT/" into p; 0 or MDC_EMALF. */
static int
parse_uri(const char *uri, struct mdc_replica_peer *p)
{
	const char *a = uri + 7, *colon;
	char *end;
	size_t n;

	if (strncasecmp(uri, "ldap://", 7) != 0)
		return MDC_EMALF;
	colon = strrchr(a, ':');
	n = colon != NULL ? (size_t)(colon - a) : strcspn(a, "/");
	if (n == 0 || n >= sizeof(p->addr))
		return MDC_EMALF;
	memcpy(p->addr, a, n);
	p->addr[n] = '\0';
	p->port = colon != NULL ? strtol(colon + 1, &end, 10) : 389;
	if (colon != NULL && *end != '/' && *end != '\0')
		return MDC_EMALF;
	return p->port > 0 && p->port < 65536 ? 0 : MDC_EMALF;
}

/* The peer of old named name, or NULL. */
static const struct mdc_replica_peer *
old_peer(const struct mdc_replica *old, const char *name)
{
	for (int i = 0; i < old->n; i++)
		if (strcasecmp(old->p[i].name, name) == 0)
			return &old->p[i];
	return NULL;
}

/* One DC entry into r: itself (its server ID) or a peer. */
static void
take_entry(LDAP *ld, LDAPMessage *e, const struct mdc_dcconf *c,
           const struct mdc_replica *old, struct mdc_replica *r)
{
	char cn[64], sid[16], uri[128];
	struct mdc_replica_peer p = {0};
	const struct mdc_replica_peer *o;

	value(ld, e, "cn", cn, sizeof(cn));
	value(ld, e, "mdcServerId", sid, sizeof(sid));
	value(ld, e, "mdcReplicaURI", uri, sizeof(uri));
	if (cn[0] == '\0' || strlen(cn) >= sizeof(p.name))
		return;
	if (strcasecmp(cn, c->host_name) == 0) {
		r->self_sid = sid[0] != '\0' ? strtol(sid, NULL, 10) : 0;
		return;
	}
	memcpy(p.name, cn, strlen(cn) + 1);
	mdc_str_upper(p.name);
	p.sid = strtol(sid, NULL, 10);
	if (p.sid >= 1 && p.sid <= 999 && parse_uri(uri, &p) == 0) {
		if (r->n < MDC_REPLICA_MAX)
			r->p[r->n++] = p;
	} else if ((o = old_peer(old, cn)) != NULL && r->n < MDC_REPLICA_MAX) {
		/* Not published yet (a DC provisioned before replication):
		 * keep what the join wrote. */
		r->p[r->n++] = *o;
	}
}

/* The agreements the directory holds now, into r. */
static int
compute(LDAP *ld, const struct mdc_dcconf *c, const struct mdc_replica *old,
        struct mdc_replica *r)
{
	char *base = mdc_strdupf("OU=Domain Controllers,%s", c->base_dn);
	char *attrs[] = {"cn", "mdcServerId", "mdcReplicaURI", NULL};
	LDAPMessage *res = NULL, *e;
	int rc;

	memset(r, 0, sizeof(*r));
	if (base == NULL)
		return MDC_ENOMEM;
	rc = ldap_search_ext_s(ld, base, LDAP_SCOPE_ONELEVEL,
	                       "(objectClass=computer)", attrs, 0, NULL, NULL,
	                       NULL, 0, &res);
	free(base);
	if (rc != LDAP_SUCCESS) {
		ldap_msgfree(res);
		return MDC_ELDAP;
	}
	for (e = ldap_first_entry(ld, res); e != NULL;
	     e = ldap_next_entry(ld, e))
		take_entry(ld, e, c, old, r);
	ldap_msgfree(res);
	if (r->self_sid == 0)
		r->self_sid = old->self_sid != 0 ? old->self_sid : 1;
	/* A single DC renders no serverID until it has a peer. */
	if (r->n == 0 && old->self_sid == 0)
		r->self_sid = 0;
	return 0;
}

/* Publish this DC's server ID and URI on its own entry if missing. */
static int
publish_self(LDAP *ld, const struct mdc_dcconf *c, long sid)
{
	char *dn = mdc_rid_dc_dn(c->base_dn, c->host_name);
	char *attrs[] = {"objectClass", "mdcServerId", "mdcReplicaURI", NULL};
	char sidv[16], uriv[128], have_sid[16], have_uri[128];
	char *ocv[] = {"mdcDomainController", NULL}, *sv[] = {sidv, NULL};
	char *uv[] = {uriv, NULL};
	LDAPMod moc = {LDAP_MOD_ADD, "objectClass", {.modv_strvals = ocv}};
	LDAPMod ms = {LDAP_MOD_REPLACE, "mdcServerId", {.modv_strvals = sv}};
	LDAPMod mu = {LDAP_MOD_REPLACE, "mdcReplicaURI", {.modv_strvals = uv}};
	LDAPMod *mods[] = {&moc, &ms, &mu, NULL};
	LDAPMessage *res = NULL, *e;
	struct berval **oc = NULL;
	int rc, ret = MDC_ELDAP, has_oc = 0;

	if (dn == NULL)
		return MDC_ENOMEM;
	snprintf(sidv, sizeof(sidv), "%ld", sid);
	snprintf(uriv, sizeof(uriv), "ldap://%s:%ld/", c->address,
	         c->port_ldap);
	rc = ldap_search_ext_s(ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)",
	                       attrs, 0, NULL, NULL, NULL, 0, &res);
	e = rc == LDAP_SUCCESS ? ldap_first_entry(ld, res) : NULL;
	if (e == NULL)
		goto out;
	value(ld, e, "mdcServerId", have_sid, sizeof(have_sid));
	value(ld, e, "mdcReplicaURI", have_uri, sizeof(have_uri));
	ret = 0;
	if (strcmp(have_sid, sidv) == 0 && strcmp(have_uri, uriv) == 0)
		goto out;
	oc = ldap_get_values_len(ld, e, "objectClass");
	for (int i = 0; oc != NULL && oc[i] != NULL; i++)
		has_oc |= oc[i]->bv_len == 19 &&
		          strncasecmp(oc[i]->bv_val, "mdcDomainController",
		                      19) == 0;
	rc = ldap_modify_ext_s(ld, dn, has_oc ? mods + 1 : mods, NULL, NULL);
	ret = rc == LDAP_SUCCESS ? 0 : MDC_ELDAP;
out:
	ldap_value_free_len(oc);
	ldap_msgfree(res);
	free(dn);
	return ret;
}

static int
same(const struct mdc_replica *a, const struct mdc_replica *b)
{
	if (a->self_sid != b->self_sid || a->n != b->n)
		return 0;
	for (int i = 0; i < a->n; i++)
		if (a->p[i].sid != b->p[i].sid ||
		    a->p[i].port != b->p[i].port ||
		    strcmp(a->p[i].addr, b->p[i].addr) != 0 ||
		    strcmp(a->p[i].name, b->p[i].name) != 0)
			return 0;
	return 1;
}

/* slapd reads its agreements at start: have the supervisor restart it. */
static void
restart_slapd(const struct mdc_dcconf *c)
{
	char *path = mdc_dc_path(c, MDC_SLAPD_DIR "/run/slapd.pid"),
	     *text = NULL;
	long pid;

	if (path != NULL && mdc_file_read(path, 64, &text, NULL) == 0) {
		mdc_str_chomp(text);
		pid = strtol(text, NULL, 10);
		if (pid > 1 && kill((pid_t)pid, SIGTERM) != 0)
			log_warn("cannot signal slapd (pid %ld)", pid);
	}
	free(text);
	free(path);
}

/* One pass: the stash, our own entry, the agreements. */
static void
watch_once(const struct mdc_dcconf *c, LDAP **ld)
{
	struct mdc_replica old, now;
	struct mdc_err err = {""};
	int ret;

	if (*ld == NULL && mdc_replica_ldapi(c, ld) != 0)
		return;
	ret = mdc_replica_load(c, &old);
	if (ret == 0)
		ret = compute(*ld, c, &old, &now);
	/* Best effort: a DC without a stash file (joining) has none to give. */
	if (ret == 0 && mdc_replica_publish_stash(*ld, c) == MDC_ELDAP)
		log_debug("cannot publish the master key stash yet");
	if (ret == 0)
		ret = publish_self(*ld, c,
		                   now.self_sid != 0 ? now.self_sid : 1);
	if (ret == 0 && !same(&old, &now)) {
		log_info("replication agreements changed (%d peer%s): "
		         "restarting slapd",
		         now.n, now.n == 1 ? "" : "s");
		ret = mdc_replica_save(c, &now);
		/* Clients of this DC get every KDC (krb5.conf). */
		if (ret == 0)
			ret = mdc_krb_write_conf(c, &err);
		if (ret != 0)
			log_warn("replication agreements: %s",
			         mdc_err_text(&err, ret));
		if (ret == 0)
			restart_slapd(c);
	}
	if (ret == MDC_ELDAP) {
		ldap_unbind_ext_s(*ld, NULL, NULL);
		*ld = NULL;
	}
}

struct watch {
	const struct mdc_dcconf *conf;
	LDAP *ld;
};

static void
on_tick(struct mdc_loop *l, void *arg)
{
	struct watch *w = arg;

	(void)l;
	watch_once(w->conf, &w->ld);
}

static void
on_term(struct mdc_loop *l, int sig, void *arg)
{
	(void)sig;
	(void)arg;
	mdc_loop_stop(l, 0);
}

/* A pass at once, then every POLL_MS, until SIGTERM/SIGINT. */
static int
watch_loop(struct watch *w)
{
	struct mdc_loop *l = NULL;
	int ret = mdc_loop_daemon(&l, on_term, w);

	if (ret == 0)
		ret = mdc_loop_timer(l, 0, POLL_MS, on_tick, w, NULL);
	if (ret == 0)
		ret = mdc_loop_run(l);
	mdc_loop_free(l);
	return ret;
}

int
mdc_cmd_replica_watch(int argc, char **argv)
{
	struct mdc_dcconf conf;
	struct watch w = {.conf = &conf};
	int ret;

	ret = mdc_cmd_load_dir(CMD, argc, argv, &conf, NULL);
	if (ret != 0)
		return ret;
	(void)mdc_log_open("replica", NULL,
	                   conf.log_debug ? MDC_LOG_DEBUG : MDC_LOG_INFO);
	ret = watch_loop(&w);
	if (ret != 0)
		log_err_r(ret, "event loop");
	if (w.ld != NULL)
		ldap_unbind_ext_s(w.ld, NULL, NULL);
	mdc_dcconf_free(&conf);
	return ret == 0 ? 0 : 1;
}

static int
replica_argv(const struct mdc_dcconf *c, const char *self, char ***argv_out,
             char ***envp_out)
{
	*envp_out = NULL;
	*argv_out = mdc_strv_new(self, CMD, "--dir", c->dir, NULL);
	return *argv_out != NULL ? 0 : MDC_ENOMEM;
}

static int
replica_ready(const struct mdc_dcconf *c)
{
	(void)c;
	return 0;
}

const struct mdc_service mdc_service_replica = {
        .name = "replica",
        .argv = replica_argv,
        .ready = replica_ready,
        .ready_timeout_ms = 5000,
};
