/* dc/join_dc.c - minidc provision --join-dc: a further DC of a domain */
#include "config.h"

#include <arpa/inet.h>
#include <krb5.h>
#include <ldap.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ad/ldapconn.h"
#include "dc/dnsglue.h"
#include "dc/join_dc.h"
#include "dc/krb5conf.h"
#include "dc/replica.h"
#include "dc/ridpool.h"
#include "dc/slapdconf.h"
#include "lib/ad.h"
#include "lib/proc.h"
#include "lib/util.h"

#define FAIL(code, ...)                                                        \
	do {                                                                   \
		mdc_err_set(j->err, (code), __VA_ARGS__);                      \
		ret = (code);                                                  \
		goto out;                                                      \
	} while (0)

/* UF_SERVER_TRUST_ACCOUNT | UF_TRUSTED_FOR_DELEGATION: what AD gives a DC. */
#define DC_UAC "532480"
/* NORMAL_ACCOUNT | DONT_EXPIRE_PASSWORD | NOT_DELEGATED (dc/dit.c). */
#define DNS_UAC          "1114624"
#define REFRESH_BOUND_MS 600000
#define CCNAME           "MEMORY:minidc-join-dc"

struct jctx {
	struct mdc_dcconf *c;
	const struct mdc_join_dc_opts *o;
	struct mdc_replica_peer peer;
	long self_sid;
	krb5_context kctx;
	krb5_ccache cc;
	LDAP *ld;
	char sam[20]; /* DC2$ */
	char pw[40];  /* the DC account's password */
	long kvno;
	struct mdc_err *err;
};

/* The peer's address (given, or from the name) and its short name. */
static int
resolve_peer(struct jctx *j)
{
	struct addrinfo hints = {.ai_family = AF_INET}, *ai = NULL;
	const char *name = j->o->peer;
	size_t n = strcspn(name, ".");
	int ret = 0;

	if (n == 0 || n >= sizeof(j->peer.name))
		FAIL(MDC_EINVAL, "invalid --join-dc '%s' (a DC's host name)",
		     name);
	memcpy(j->peer.name, name, n);
	j->peer.name[n] = '\0';
	mdc_str_upper(j->peer.name);
	j->peer.sid = 1;
	j->peer.port = j->c->port_ldap;
	if (j->o->peer_ip != NULL) {
		snprintf(j->peer.addr, sizeof(j->peer.addr), "%s",
		         j->o->peer_ip);
		goto out;
	}
	if (getaddrinfo(name, NULL, &hints, &ai) != 0 || ai == NULL)
		FAIL(MDC_ENOENT, "cannot resolve %s (give --join-dc-ip)", name);
	inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr,
	          j->peer.addr, sizeof(j->peer.addr));
out:
	if (ai != NULL)
		freeaddrinfo(ai);
	return ret;
}

/* replication.conf with the peer, and krb5.conf naming its KDC. */
static int
write_agreements(struct jctx *j)
{
	struct mdc_replica r = {.self_sid = j->self_sid, .n = 1};
	int ret;

	r.p[0] = j->peer;
	ret = mdc_replica_save(j->c, &r);
	if (ret != 0)
		FAIL(ret, "cannot write replication.conf: %s",
		     mdc_strerror(ret));
	ret = mdc_krb_write_conf(j->c, j->err);
out:
	return ret;
}

/* A TGT for the administrator in our MEMORY ccache (KRB5CCNAME). */
static int
admin_login(struct jctx *j)
{
	char *conf = mdc_dc_path(j->c, "krb5.conf"), *name = NULL;
	krb5_principal me = NULL;
	krb5_creds creds;
	krb5_error_code k;
	int ret = 0, have = 0;

	name = mdc_strdupf("%s@%s", j->o->user, j->c->realm);
	if (conf == NULL || name == NULL)
		FAIL(MDC_ENOMEM, "out of memory");
	setenv("KRB5_CONFIG", conf, 1);
	setenv("KRB5CCNAME", CCNAME, 1);
	k = krb5_init_context(&j->kctx);
	if (k == 0)
		k = krb5_parse_name(j->kctx, name, &me);
	if (k == 0)
		k = krb5_get_init_creds_password(j->kctx, &creds, me,
		                                 j->o->password, NULL, NULL, 0,
		                                 NULL, NULL);
	have = k == 0;
	if (k == 0)
		k = krb5_cc_resolve(j->kctx, CCNAME, &j->cc);
	if (k == 0)
		k = krb5_cc_initialize(j->kctx, j->cc, me);
	if (k == 0)
		k = krb5_cc_store_cred(j->kctx, j->cc, &creds);
	if (k != 0) {
		const char *m = j->kctx ? krb5_get_error_message(j->kctx, k)
		                        : "cannot initialise Kerberos";

		mdc_err_set(j->err, MDC_EDENIED, "kinit %s (KDC %s): %s", name,
		            j->peer.addr, m);
		if (j->kctx != NULL)
			krb5_free_error_message(j->kctx, m);
		ret = MDC_EDENIED;
	}
out:
	if (have)
		krb5_free_cred_contents(j->kctx, &creds);
	if (me != NULL)
		krb5_free_principal(j->kctx, me);
	free(conf);
	free(name);
	return ret;
}

/* "what: LDAP error (diagnostic)" into err. */
static int
lfail(struct jctx *j, int rc, const char *what)
{
	char *diag = NULL;

	if (j->ld != NULL)
		ldap_get_option(j->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	mdc_err_set(j->err, MDC_ELDAP, "%s: %s%s%.200s%s", what,
	            ldap_err2string(rc), diag && *diag ? " (" : "",
	            diag ? diag : "", diag && *diag ? ")" : "");
	ldap_memfree(diag);
	return rc == LDAP_INSUFFICIENT_ACCESS ? MDC_EDENIED : MDC_ELDAP;
}

/* SASL GSSAPI to the peer by address (its ldap/<address> SPN). */
static int
ldap_peer(struct jctx *j)
{
	const struct mdc_ad_ldap_how how = {MDC_AD_LDAP_GSSAPI, 30};
	char *uri = mdc_strdupf("ldap://%s:%ld", j->peer.addr, j->peer.port);
	int ret;

	if (uri == NULL)
		return lfail(j, LDAP_NO_MEMORY, "LDAP");
	ret = mdc_ad_ldap_connect(uri, &how, &j->ld, j->err);
	free(uri);
	if (ret != 0)
		mdc_err_prefix(j->err, ret, "%s",
		               ret == MDC_EINVAL
		                       ? "LDAP"
		                       : "LDAP GSSAPI bind to the peer");
	return ret == 0 || ret == MDC_EDENIED ? ret : MDC_ELDAP;
}

/* First binary value of attr in e (alias into vals_out, caller frees). */
static struct berval *
first_bin(struct jctx *j, LDAPMessage *e, const char *attr,
          struct berval ***vals_out)
{
	*vals_out = ldap_get_values_len(j->ld, e, attr);
	return *vals_out != NULL && (*vals_out)[0] != NULL ? (*vals_out)[0]
	                                                   : NULL;
}

/* The domain's SID and GUID from its head entry. */
static int
read_domain(struct jctx *j)
{
	char *attrs[] = {"objectSid", "objectGUID", NULL}, text[256];
	struct berval **vs = NULL, **vg = NULL, *s, *g;
	LDAPMessage *res = NULL, *e;
	struct mdc_sid sid;
	struct mdc_guid guid;
	int rc, ret = 0;

	rc = ldap_search_ext_s(j->ld, j->c->base_dn, LDAP_SCOPE_BASE,
	                       "(objectClass=*)", attrs, 0, NULL, NULL, NULL, 0,
	                       &res);
	if (rc != LDAP_SUCCESS) {
		ret = lfail(j, rc, "read the domain head");
		goto out;
	}
	e = ldap_first_entry(j->ld, res);
	s = e != NULL ? first_bin(j, e, "objectSid", &vs) : NULL;
	g = e != NULL ? first_bin(j, e, "objectGUID", &vg) : NULL;
	if (s == NULL || g == NULL || g->bv_len != sizeof(guid.b) ||
	    mdc_sid_from_bin((uint8_t *)s->bv_val, s->bv_len, &sid) != 0 ||
	    mdc_sid_format(&sid, text, sizeof(text)) != 0)
		FAIL(MDC_EMALF, "the domain head of %s has no valid SID/GUID",
		     j->o->peer);
	free(j->c->domain_sid);
	j->c->domain_sid = strdup(text);
	memcpy(guid.b, g->bv_val, sizeof(guid.b));
	mdc_guid_format(&guid, text);
	free(j->c->domain_guid);
	j->c->domain_guid = strdup(text);
	if (j->c->domain_sid == NULL || j->c->domain_guid == NULL)
		FAIL(MDC_ENOMEM, "out of memory");
out:
	ldap_value_free_len(vs);
	ldap_value_free_len(vg);
	ldap_msgfree(res);
	return ret;
}

/* Text of the first value of attr in e into buf[cap] ("" if none). */
static void
first_str(struct jctx *j, LDAPMessage *e, const char *attr, char *buf,
          size_t cap)
{
	struct berval **v = NULL, *b = first_bin(j, e, attr, &v);

	buf[0] = '\0';
	if (b != NULL && b->bv_len < cap) {
		memcpy(buf, b->bv_val, b->bv_len);
		buf[b->bv_len] = '\0';
	}
	ldap_value_free_len(v);
}

/* The DCs there are: the peer's server ID, ours (the highest + 1). */
static int
read_dcs(struct jctx *j)
{
	char *base = mdc_strdupf("OU=Domain Controllers,%s", j->c->base_dn);
	char *attrs[] = {"cn", "mdcServerId", NULL}, cn[64], sid[16];
	LDAPMessage *res = NULL, *e;
	long max = 0, v;
	int rc, ret = 0;

	if (base == NULL)
		FAIL(MDC_ENOMEM, "out of memory");
	rc = ldap_search_ext_s(j->ld, base, LDAP_SCOPE_ONELEVEL,
	                       "(objectClass=computer)", attrs, 0, NULL, NULL,
	                       NULL, 0, &res);
	if (rc != LDAP_SUCCESS) {
		ret = lfail(j, rc, "list the domain controllers");
		goto out;
	}
	for (e = ldap_first_entry(j->ld, res); e != NULL;
	     e = ldap_next_entry(j->ld, e)) {
		first_str(j, e, "cn", cn, sizeof(cn));
		first_str(j, e, "mdcServerId", sid, sizeof(sid));
		v = sid[0] != '\0' ? strtol(sid, NULL, 10) : 1;
		if (strcasecmp(cn, j->c->host_name) == 0)
			FAIL(MDC_EEXIST,
			     "%s is already a domain controller of %s (demote "
			     "it first)",
			     cn, j->c->dns_domain);
		if (strcasecmp(cn, j->peer.name) == 0)
			j->peer.sid = v;
		if (v > max)
			max = v;
	}
	if (max >= 999)
		FAIL(MDC_ERANGE, "no free replication server ID");
	j->self_sid = max + 1;
out:
	ldap_msgfree(res);
	free(base);
	return ret;
}

struct recctx {
	struct jctx *j;
	int ret;
};

/* Add one value of a record entry on the peer (creating the entry). */
static void
add_record(void *arg, const char *name, const char *attr, const char *value)
{
	struct recctx *x = arg;
	struct jctx *j = x->j;
	char *dn, *oc[] = {"top", "idnsRecord", NULL};
	char *nv[] = {(char *)name, NULL}, *ttl[] = {"900", NULL};
	char *vv[] = {(char *)value, NULL};
	LDAPMod moc = {LDAP_MOD_ADD, "objectClass", {.modv_strvals = oc}};
	LDAPMod mn = {LDAP_MOD_ADD, "idnsName", {.modv_strvals = nv}};
	LDAPMod mt = {LDAP_MOD_ADD, "dNSTTL", {.modv_strvals = ttl}};
	LDAPMod mv = {LDAP_MOD_ADD, (char *)attr, {.modv_strvals = vv}};
	LDAPMod *add[] = {&moc, &mn, &mt, &mv, NULL}, *mod[] = {&mv, NULL};
	int rc;

	/* The PDC's own names stay the first DC's. */
	if (x->ret != 0 || strstr(name, "pdc._msdcs") != NULL ||
	    strncmp(name, "_kerberos-master", 16) == 0)
		return;
	dn = mdc_strdupf("idnsName=%s,idnsName=%s,cn=dns,%s", name,
	                 j->c->dns_domain, j->c->base_dn);
	if (dn == NULL) {
		x->ret = MDC_ENOMEM;
		return;
	}
	rc = ldap_add_ext_s(j->ld, dn, add, NULL, NULL);
	if (rc == LDAP_ALREADY_EXISTS)
		rc = ldap_modify_ext_s(j->ld, dn, mod, NULL, NULL);
	if (rc != LDAP_SUCCESS && rc != LDAP_TYPE_OR_VALUE_EXISTS)
		x->ret = lfail(j, rc, dn);
	free(dn);
}

/* Our A and locator records, and our name and address at the apex. */
static int
add_records(struct jctx *j)
{
	struct recctx x = {j, 0};
	char *ns = mdc_strdupf("%s.", j->c->fqdn), *dn = NULL;
	char *nsv[] = {ns, NULL}, *av[] = {j->c->address, NULL};
	LDAPMod mns = {LDAP_MOD_ADD, "nSRecord", {.modv_strvals = nsv}};
	LDAPMod ma = {LDAP_MOD_ADD, "aRecord", {.modv_strvals = av}};
	LDAPMod *m1[] = {&mns, NULL}, *m2[] = {&ma, NULL};
	int ret, rc;

	dn = mdc_strdupf("idnsName=%s,cn=dns,%s", j->c->dns_domain,
	                 j->c->base_dn);
	if (ns == NULL || dn == NULL)
		FAIL(MDC_ENOMEM, "out of memory");
	ret = dns_locator_each(j->c, add_record, &x);
	if (ret == 0)
		ret = x.ret;
	for (int i = 0; i < 2 && ret == 0; i++) {
		rc = ldap_modify_ext_s(j->ld, dn, i == 0 ? m1 : m2, NULL, NULL);
		if (rc != LDAP_SUCCESS && rc != LDAP_TYPE_OR_VALUE_EXISTS)
			ret = lfail(j, rc, "add this DC at the zone apex");
	}
out:
	free(ns);
	free(dn);
	return ret;
}

/* AD's unicodePwd value: the password in double quotes, UTF-16LE. */
static struct berval *
unicode_pwd(const char *pw)
{
	size_t n = strlen(pw) + 2;
	struct berval *b = ber_memalloc(sizeof(*b));

	if (b == NULL)
		return NULL;
	b->bv_len = 2 * n;
	b->bv_val = ber_memcalloc(1, b->bv_len);
	if (b->bv_val == NULL) {
		ber_memfree(b);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		b->bv_val[2 * i] = i == 0 || i == n - 1 ? '"' : pw[i - 1];
	return b;
}

/* The DC's SPNs, as provisioning gives the first DC (6 new strings);
 * DNS/ is the DNS server's own account's (dns_account). */
static int
dc_spns(const struct mdc_dcconf *c, const char *host, char *spn[9])
{
	const char *f = c->fqdn;

	spn[0] = mdc_strdupf("host/%s", f);
	spn[1] = mdc_strdupf("ldap/%s", f);
	spn[2] = mdc_strdupf("host/%s", host);
	spn[3] = mdc_strdupf("ldap/%s", host);
	spn[4] = mdc_strdupf("ldap/%s", c->address);
	spn[5] = mdc_strdupf("RestrictedKrbHost/%s", f);
	for (int i = 6; i < 9; i++)
		spn[i] = NULL;
	for (int i = 0; i < 6; i++)
		if (spn[i] == NULL)
			return MDC_ENOMEM;
	return 0;
}

static void
spns_free(char *spn[9])
{
	for (int i = 0; i < 9; i++)
		free(spn[i]);
}

/* CN=HOST,OU=Domain Controllers on the peer, with a random password. */
static int
add_dc_entry(struct jctx *j, const char *dn, const char *host)
{
	/* mdcDomainController (the RID pool) is the RID master's to add. */
	char *oc[] = {"top",  "person",   "organizationalPerson",
	              "user", "computer", NULL};
	char *spn[9] = {NULL}, sidv[16], *uri = NULL;
	char *cnv[] = {(char *)host, NULL}, *samv[] = {j->sam, NULL};
	char *uacv[] = {DC_UAC, NULL}, *fqv[] = {j->c->fqdn, NULL};
	char *sidvv[] = {sidv, NULL}, *uriv[] = {NULL, NULL};
	struct berval *pwv[] = {NULL, NULL};
	LDAPMod m[] = {
	        {LDAP_MOD_ADD, "objectClass", {.modv_strvals = oc}},
	        {LDAP_MOD_ADD, "cn", {.modv_strvals = cnv}},
	        {LDAP_MOD_ADD, "sAMAccountName", {.modv_strvals = samv}},
	        {LDAP_MOD_ADD, "userAccountControl", {.modv_strvals = uacv}},
	        {LDAP_MOD_ADD, "dNSHostName", {.modv_strvals = fqv}},
	        {LDAP_MOD_ADD, "servicePrincipalName", {.modv_strvals = spn}},
	        {LDAP_MOD_ADD, "mdcServerId", {.modv_strvals = sidvv}},
	        {LDAP_MOD_ADD, "mdcReplicaURI", {.modv_strvals = uriv}},
	        {LDAP_MOD_ADD | LDAP_MOD_BVALUES,
	         "unicodePwd",
	         {.modv_bvals = pwv}},
	};
	LDAPMod *mods[10];
	int rc, ret;

	snprintf(sidv, sizeof(sidv), "%ld", j->self_sid);
	uri = mdc_strdupf("ldap://%s:%ld/", j->c->address, j->c->port_ldap);
	uriv[0] = uri;
	ret = mdc_random_password(j->pw, 32);
	if (ret == 0)
		ret = dc_spns(j->c, host, spn);
	pwv[0] = ret == 0 ? unicode_pwd(j->pw) : NULL;
	if (ret != 0 || uri == NULL || pwv[0] == NULL)
		FAIL(ret != 0 ? ret : MDC_ENOMEM, "cannot build the DC entry");
	for (int i = 0; i < 9; i++)
		mods[i] = &m[i];
	mods[9] = NULL;
	rc = ldap_add_ext_s(j->ld, dn, mods, NULL, NULL);
	if (rc != LDAP_SUCCESS)
		ret = lfail(j, rc, "create the DC account");
out:
	if (pwv[0] != NULL) {
		explicit_bzero(pwv[0]->bv_val, pwv[0]->bv_len);
		ber_bvfree(pwv[0]);
	}
	spns_free(spn);
	free(uri);
	return ret;
}

/* The new entry's objectGUID (our dc_guid) and key version. */
static int
read_back(struct jctx *j, const char *dn)
{
	char *attrs[] = {"objectGUID", "msDS-KeyVersionNumber", NULL}, kv[16];
	struct berval **vg = NULL, *g;
	LDAPMessage *res = NULL, *e;
	struct mdc_guid guid;
	char text[64];
	int rc, ret = 0;

	rc = ldap_search_ext_s(j->ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)",
	                       attrs, 0, NULL, NULL, NULL, 0, &res);
	e = rc == LDAP_SUCCESS ? ldap_first_entry(j->ld, res) : NULL;
	if (e == NULL) {
		ret = lfail(j, rc, "read the new DC account");
		goto out;
	}
	g = first_bin(j, e, "objectGUID", &vg);
	first_str(j, e, "msDS-KeyVersionNumber", kv, sizeof(kv));
	j->kvno = strtol(kv, NULL, 10);
	if (g == NULL || g->bv_len != sizeof(guid.b) || j->kvno <= 0)
		FAIL(MDC_EMALF, "the new DC account has no GUID or keys");
	memcpy(guid.b, g->bv_val, sizeof(guid.b));
	mdc_guid_format(&guid, text);
	free(j->c->dc_guid);
	j->c->dc_guid = strdup(text);
	if (j->c->dc_guid == NULL)
		FAIL(MDC_ENOMEM, "out of memory");
out:
	ldap_value_free_len(vg);
	ldap_msgfree(res);
	return ret;
}

/* Keys of pw for one principal under every enctype, into kt. */
static krb5_error_code
kt_add(struct jctx *j, krb5_keytab kt, const char *name, const char *salt)
{
	static const krb5_enctype et[] = {ENCTYPE_AES256_CTS_HMAC_SHA1_96,
	                                  ENCTYPE_AES128_CTS_HMAC_SHA1_96};
	krb5_data pwd = {.data = j->pw, .length = strlen(j->pw)};
	krb5_data sd = {.data = (char *)salt, .length = strlen(salt)};
	krb5_keytab_entry ent;
	krb5_principal p = NULL;
	krb5_error_code k;

	k = krb5_parse_name(j->kctx, name, &p);
	for (size_t i = 0; k == 0 && i < sizeof(et) / sizeof(et[0]); i++) {
		memset(&ent, 0, sizeof(ent));
		ent.principal = p;
		ent.vno = (krb5_kvno)j->kvno;
		k = krb5_c_string_to_key(j->kctx, et[i], &pwd, &sd, &ent.key);
		if (k == 0)
			k = krb5_kt_add_entry(j->kctx, kt, &ent);
		krb5_free_keyblock_contents(j->kctx, &ent.key);
	}
	krb5_free_principal(j->kctx, p);
	return k;
}

/* DIR/krb5/dc.keytab (0600): HOST$ first (slapd's syncrepl client
 * identity), then every SPN, keys from the password and AD's salt. */
static int
write_keytab(struct jctx *j, const char *host)
{
	char *path = mdc_dc_path(j->c, "krb5/dc.keytab"), *ktname = NULL;
	char *salt = NULL, *spn[9] = {NULL}, *name = NULL;
	krb5_keytab kt = NULL;
	krb5_error_code k = 0;
	int ret;

	ret = path == NULL ? MDC_ENOMEM : dc_spns(j->c, host, spn);
	ktname = mdc_strdupf("FILE:%s", path ? path : "");
	salt = mdc_strdupf("%shost%s", j->c->realm, j->c->fqdn);
	if (ret != 0 || ktname == NULL || salt == NULL)
		FAIL(MDC_ENOMEM, "out of memory");
	mdc_str_lower(salt + strlen(j->c->realm) + 4);
	unlink(path);
	k = krb5_kt_resolve(j->kctx, ktname, &kt);
	name = mdc_strdupf("%s@%s", j->sam, j->c->realm);
	if (k == 0)
		k = name == NULL ? ENOMEM : kt_add(j, kt, name, salt);
	for (int i = 0; k == 0 && spn[i] != NULL; i++) {
		free(name);
		name = mdc_strdupf("%s@%s", spn[i], j->c->realm);
		k = name == NULL ? ENOMEM : kt_add(j, kt, name, salt);
	}
	if (k != 0)
		FAIL(MDC_ECRYPTO, "cannot write %s: %s", path,
		     krb5_get_error_message(j->kctx, k));
	if (chmod(path, 0600) != 0)
		FAIL(mdc_err_from_errno(errno), "chmod %s: %s", path,
		     strerror(errno));
out:
	if (kt != NULL)
		krb5_kt_close(j->kctx, kt);
	spns_free(spn);
	free(path);
	free(ktname);
	free(salt);
	free(name);
	return ret;
}

/*
 * The DNS server's own account, dns-<host> (as provisioning gives the
 * first DC): only DNS/<fqdn>, keys of a random password, never delegated.
 * Created through the peer's dsa; j->pw and j->kvno become its own.
 */
static int
add_dns_account(struct jctx *j, const char *dn, const char *sam)
{
	char *oc[] = {"top", "person", "organizationalPerson", "user", NULL};
	char *spn = mdc_strdupf("DNS/%s", j->c->fqdn);
	char *desc = mdc_strdupf("DNS Service Account for %s", j->c->fqdn);
	char *cnv[] = {(char *)sam, NULL}, *samv[] = {(char *)sam, NULL};
	char *uacv[] = {DNS_UAC, NULL}, *etv[] = {"24", NULL};
	char *spnv[] = {spn, NULL}, *descv[] = {desc, NULL};
	struct berval *pwv[] = {NULL, NULL};
	LDAPMod m[] = {
	        {LDAP_MOD_ADD, "objectClass", {.modv_strvals = oc}},
	        {LDAP_MOD_ADD, "cn", {.modv_strvals = cnv}},
	        {LDAP_MOD_ADD, "sAMAccountName", {.modv_strvals = samv}},
	        {LDAP_MOD_ADD, "userAccountControl", {.modv_strvals = uacv}},
	        {LDAP_MOD_ADD, "servicePrincipalName", {.modv_strvals = spnv}},
	        {LDAP_MOD_ADD, "description", {.modv_strvals = descv}},
	        {LDAP_MOD_ADD,
	         "msDS-SupportedEncryptionTypes",
	         {.modv_strvals = etv}},
	        {LDAP_MOD_ADD | LDAP_MOD_BVALUES,
	         "unicodePwd",
	         {.modv_bvals = pwv}},
	};
	LDAPMod *mods[9];
	int rc, ret;

	ret = mdc_random_password(j->pw, 32);
	pwv[0] = ret == 0 ? unicode_pwd(j->pw) : NULL;
	if (ret != 0 || spn == NULL || desc == NULL || pwv[0] == NULL)
		FAIL(ret != 0 ? ret : MDC_ENOMEM,
		     "cannot build the DNS account");
	for (int i = 0; i < 8; i++)
		mods[i] = &m[i];
	mods[8] = NULL;
	rc = ldap_add_ext_s(j->ld, dn, mods, NULL, NULL);
	if (rc != LDAP_SUCCESS)
		ret = lfail(j, rc, "create the DNS server's account");
out:
	if (pwv[0] != NULL) {
		explicit_bzero(pwv[0]->bv_val, pwv[0]->bv_len);
		ber_bvfree(pwv[0]);
	}
	free(spn);
	free(desc);
	return ret;
}

/* j->kvno := msDS-KeyVersionNumber of dn (read from the peer). */
static int
read_kvno(struct jctx *j, const char *dn)
{
	char *attrs[] = {"msDS-KeyVersionNumber", NULL}, kv[16] = "";
	LDAPMessage *res = NULL, *e;
	int rc, ret = 0;

	rc = ldap_search_ext_s(j->ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)",
	                       attrs, 0, NULL, NULL, NULL, 0, &res);
	e = rc == LDAP_SUCCESS ? ldap_first_entry(j->ld, res) : NULL;
	if (e == NULL) {
		ret = lfail(j, rc, "read the new DNS account");
		goto out;
	}
	first_str(j, e, "msDS-KeyVersionNumber", kv, sizeof(kv));
	j->kvno = strtol(kv, NULL, 10);
	if (j->kvno <= 0)
		FAIL(MDC_EMALF, "the new DNS account has no keys");
out:
	ldap_msgfree(res);
	return ret;
}

/* DIR/krb5/dns.keytab (0600): DNS/<fqdn> and the dns/ spelling, keys
 * from j->pw with AD's user salt (REALM + sAMAccountName). */
static int
write_dns_keytab(struct jctx *j, const char *sam)
{
	char *path = mdc_dc_path(j->c, "krb5/dns.keytab"), *ktname = NULL;
	char *salt = mdc_strdupf("%s%s", j->c->realm, sam), *name = NULL;
	static const char *const kinds[] = {"DNS", "dns"};
	krb5_keytab kt = NULL;
	krb5_error_code k = 0;
	int ret = 0;

	ktname = mdc_strdupf("FILE:%s", path ? path : "");
	if (path == NULL || ktname == NULL || salt == NULL)
		FAIL(MDC_ENOMEM, "out of memory");
	unlink(path);
	k = krb5_kt_resolve(j->kctx, ktname, &kt);
	for (size_t i = 0; k == 0 && i < 2; i++) {
		free(name);
		name = mdc_strdupf("%s/%s@%s", kinds[i], j->c->fqdn,
		                   j->c->realm);
		k = name == NULL ? ENOMEM : kt_add(j, kt, name, salt);
	}
	if (k != 0)
		FAIL(MDC_ECRYPTO, "cannot write %s: %s", path,
		     krb5_get_error_message(j->kctx, k));
	if (chmod(path, 0600) != 0)
		FAIL(mdc_err_from_errno(errno), "chmod %s: %s", path,
		     strerror(errno));
out:
	if (kt != NULL)
		krb5_kt_close(j->kctx, kt);
	free(path);
	free(ktname);
	free(salt);
	free(name);
	return ret;
}

/* The DNS account, its key version and its keytab. */
static int
dns_account(struct jctx *j)
{
	char *sam = mdc_strdupf("dns-%s", j->c->host_name), *dn = NULL;
	int ret = MDC_ENOMEM;

	dn = sam != NULL ? mdc_strdupf("CN=%s,CN=Users,%s", sam, j->c->base_dn)
	                 : NULL;
	if (dn == NULL) {
		mdc_err_set(j->err, MDC_ENOMEM, "out of memory");
		goto out;
	}
	ret = add_dns_account(j, dn, sam);
	if (ret == 0)
		ret = read_kvno(j, dn);
	if (ret == 0)
		ret = write_dns_keytab(j, sam);
out:
	free(sam);
	free(dn);
	return ret;
}

/* 1 once the local replica holds our entry, krbtgt and the stash. */
static int
refreshed(struct jctx *j, LDAP *ld, const char *dn)
{
	char *attrs[] = {"1.1", NULL};
	LDAPMessage *res = NULL;
	int rc, n = 0;

	rc = ldap_search_ext_s(ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)",
	                       attrs, 0, NULL, NULL, NULL, 0, &res);
	ldap_msgfree(res);
	res = NULL;
	if (rc == LDAP_SUCCESS)
		rc = ldap_search_ext_s(ld, j->c->base_dn, LDAP_SCOPE_SUBTREE,
		                       "(sAMAccountName=krbtgt)", attrs, 0,
		                       NULL, NULL, NULL, 0, &res);
	if (rc == LDAP_SUCCESS)
		n = ldap_count_entries(ld, res);
	ldap_msgfree(res);
	return n == 1 && mdc_replica_fetch_stash(ld, j->c) == 0;
}

/* slapd on ldapi only pulls the directory from the peer; wait for it. */
static int
first_refresh(struct jctx *j, const char *dn)
{
	long long end = mdc_now_ms() + REFRESH_BOUND_MS;
	LDAP *ld = NULL;
	int pid = -1, ret, done = 0;

	ret = mdc_slapd_start_temp(j->c, &pid, j->err);
	if (ret != 0)
		return ret;
	while (!done && mdc_now_ms() < end) {
		if (ld == NULL && mdc_replica_ldapi(j->c, &ld) != 0)
			ld = NULL;
		done = ld != NULL && refreshed(j, ld, dn);
		if (!done)
			mdc_sleep_ms(200);
	}
	if (ld != NULL)
		ldap_unbind_ext_s(ld, NULL, NULL);
	mdc_proc_stop(pid, 5000);
	if (!done)
		FAIL(MDC_ETIMEDOUT,
		     "the directory did not arrive from %s (see %s/log/"
		     "slapd-provision.log)",
		     j->o->peer, j->c->dir);
out:
	return ret;
}

/* The steps against the peer, then the keytab and agreements. */
static int
enroll(struct jctx *j, const char *dn, const char *host)
{
	int ret;

	ret = resolve_peer(j);
	if (ret == 0)
		ret = write_agreements(j);
	if (ret == 0)
		ret = admin_login(j);
	if (ret == 0)
		ret = ldap_peer(j);
	if (ret == 0)
		ret = read_domain(j);
	if (ret == 0)
		ret = read_dcs(j);
	/* Records and the DNS account first: once our entry exists the peer
	 * restarts its slapd to replicate from us (dc/replica.h). */
	if (ret == 0)
		ret = add_records(j);
	if (ret == 0)
		ret = dns_account(j);
	if (ret == 0)
		ret = add_dc_entry(j, dn, host);
	if (ret == 0)
		ret = read_back(j, dn);
	if (ret == 0)
		ret = write_keytab(j, host);
	if (ret == 0)
		ret = write_agreements(j);
	return ret;
}

int
mdc_join_dc(struct mdc_dcconf *c, const struct mdc_join_dc_opts *o,
            struct mdc_err *err)
{
	struct jctx j = {.c = c, .o = o, .err = err};
	char *dn = mdc_rid_dc_dn(c->base_dn, c->host_name), host[16];
	int ret;

	snprintf(host, sizeof(host), "%s", c->host_name);
	mdc_str_upper(host);
	snprintf(j.sam, sizeof(j.sam), "%s$", host);
	ret = dn == NULL ? MDC_ENOMEM : enroll(&j, dn, host);
	if (j.ld != NULL)
		ldap_unbind_ext_s(j.ld, NULL, NULL);
	if (j.cc != NULL)
		krb5_cc_destroy(j.kctx, j.cc);
	if (j.kctx != NULL)
		krb5_free_context(j.kctx);
	explicit_bzero(j.pw, sizeof(j.pw));
	free(dn);
	return ret;
}

int
mdc_join_dc_refresh(struct mdc_dcconf *c, const struct mdc_join_dc_opts *o,
                    struct mdc_err *err)
{
	struct jctx j = {.c = c, .o = o, .err = err};
	char *dn = mdc_rid_dc_dn(c->base_dn, c->host_name);
	int ret;

	ret = dn == NULL ? MDC_ENOMEM : first_refresh(&j, dn);
	free(dn);
	return ret;
}
