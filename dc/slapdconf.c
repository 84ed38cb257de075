/* dc/slapdconf.c - render slapd's cn=config and run slapd for a DC */
#include "config.h"

#include <dirent.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dc/dsa_priv.h"
#include "dc/krb5conf.h"
#include "dc/replica.h"
#include "dc/slapdconf.h"
#include "dc/slapdrun.h"
#include "lib/log.h"
#include "lib/net.h"
#include "lib/privdrop.h"
#include "lib/proc.h"
#include "lib/util.h"

#define SYS_SCHEMA "/etc/ldap/schema"

/* Is this minidc the one in a build tree (KDB plugin in dc/kdb/.libs)? */
static int
in_build_tree(void)
{
	char *dir = mdc_krb_plugin_dir();
	int yes = dir != NULL && strstr(dir, "/kdb/.libs") != NULL;

	free(dir);
	return yes;
}

const char *
mdc_schema_dir(void)
{
	static char buf[4096];
	const char *env = getenv("MINIDC_DATADIR");

	if (env != NULL) {
		snprintf(buf, sizeof(buf), "%s/schema", env);
		return buf;
	}
	/* A minidc run from its build tree reads the sources' schema, never
	 * an older installed copy. */
	if (!in_build_tree() &&
	    mdc_path_exists(MDC_PKGDATADIR "/schema/00-core.ldif"))
		return MDC_PKGDATADIR "/schema";
	return MDC_SRCDIR "/dc/schema";
}

/*
 * Append the definitions of one cn=config schema LDIF (olcAttributeTypes,
 * olcObjectClasses, olcObjectIdentifier values, continuation lines joined)
 * to out as slapd.conf directives.
 */
static int
emit_schema_file(FILE *out, const char *path, struct mdc_err *err)
{
	static const struct {
		const char *ldif, *conf;
	} kinds[] = {
	        {"olcAttributeTypes:", "attributetype"},
	        {"olcObjectClasses:", "objectclass"},
	        {"olcObjectIdentifier:", "objectidentifier"},
	};
	char *text = NULL, *line, *save = NULL, *p;
	int ret, open_def = 0;

	ret = mdc_file_read(path, 1 << 22, &text, NULL);
	if (ret != 0) {
		mdc_err_set(err, ret, "schema %s: %s", path, mdc_strerror(ret));
		return ret;
	}
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == ' ' && open_def) {
			fprintf(out, "%s", line + 1); /* LDIF: drop one space */
			continue;
		}
		if (open_def)
			fputc('\n', out);
		open_def = 0;
		for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			size_t n = strlen(kinds[k].ldif);

			if (strncasecmp(line, kinds[k].ldif, n) != 0)
				continue;
			p = line + n;
			while (*p == ' ')
				p++;
			if (*p == '{' && strchr(p, '}') != NULL)
				p = strchr(p, '}') +
				    1; /* drop an "{N}" ordering prefix */
			fprintf(out, "%s %s", kinds[k].conf, p);
			open_def = 1;
		}
	}
	if (open_def)
		fputc('\n', out);
	free(text);
	return 0;
}

/* OpenLDAP's core schema with person's sn optional (AD's person has
 * none: computers carry no sn). */
static int
emit_core(FILE *out, struct mdc_err *err)
{
	static const char must[] = "MUST ( sn $ cn ) MAY ( ";
	char *buf = NULL, *p;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	int ret;

	if (mem == NULL)
		return MDC_ENOMEM;
	ret = emit_schema_file(mem, SYS_SCHEMA "/core.ldif", err);
	fclose(mem);
	if (ret != 0)
		goto out;
	p = strstr(buf, "NAME 'person'");
	p = p != NULL ? strstr(p, must) : NULL;
	if (p == NULL) {
		ret = mdc_err_set(err, MDC_ECONF,
		                  "schema %s: person class not as expected",
		                  SYS_SCHEMA "/core.ldif");
		goto out;
	}
	*p = '\0';
	fprintf(out, "%sMUST cn MAY ( sn $ %s", buf, p + strlen(must));
out:
	free(buf);
	return ret;
}

static int
name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Emit every NN-name.ldif of our schema dir, in name order. */
static int
emit_our_schema(FILE *out, struct mdc_err *err)
{
	const char *dir = mdc_schema_dir();
	struct dirent **names = NULL;
	int n, ret = 0;

	n = scandir(dir, &names, NULL, name_cmp);
	if (n < 0) {
		mdc_err_set(err, mdc_err_from_errno(errno), "schema dir %s: %s",
		            dir, strerror(errno));
		return mdc_err_from_errno(errno);
	}
	for (int i = 0; i < n; i++) {
		size_t len = strlen(names[i]->d_name);

		if (ret == 0 && len > 5 &&
		    strcmp(names[i]->d_name + len - 5, ".ldif") == 0) {
			char *path =
			        mdc_strdupf("%s/%s", dir, names[i]->d_name);

			fprintf(out, "# %s\n", names[i]->d_name);
			ret = path == NULL ? MDC_ENOMEM
			                   : emit_schema_file(out, path, err);
			free(path);
		}
		free(names[i]);
	}
	free(names);
	return ret;
}

/*
 * A module of dc/slapo (mdcad.so, mdcdnhook.so): $MINIDC_SLAPO_DIR, else
 * next to this program in the build tree (dc/slapo/.libs), else the
 * installed pkglibdir.
 */
static char *
slapo_path_of(const char *name)
{
	const char *env = getenv("MINIDC_SLAPO_DIR");
	char exe[4096], *slash, *so;
	ssize_t n;

	if (env != NULL && env[0] != '\0')
		return mdc_strdupf("%s/%s", env, name);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash != NULL)
			*slash = '\0';
		so = mdc_strdupf("%s/slapo/.libs/%s", exe, name);
		if (so != NULL && access(so, R_OK) == 0)
			return so;
		free(so);
	}
	return mdc_strdupf("%s/%s", MDC_PKGLIBDIR, name);
}

static char *
slapo_path(void)
{
	return slapo_path_of("mdcad.so");
}

long
mdc_slapd_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return 4 * n > 32 ? 4 * n : 32;
}

/*
 * The dsa's peer credentials are the DC system identity: it drops root
 * (dc/dsa_priv.h) and still writes as the rootdn.  Only root and the dsa
 * reach the ldapi sockets.
 */
static int
emit_dsa_authz(FILE *out, struct mdc_err *err)
{
	char *re = mdc_dsa_authz_regexp();

	if (re == NULL) {
		return mdc_err_set(err, MDC_ENOENT,
		                   "user %s does not exist: the dsa drops "
		                   "root to it",
		                   MDC_DSA_USER);
	}
	fprintf(out, "authz-regexp \"%s\" \"%s\"\n", re, MDC_ROOT_AUTHZ_DN);
	free(re);
	return 0;
}

static int
emit_global(const struct mdc_dcconf *c, FILE *out, int with_dsa,
            struct mdc_err *err)
{
	char lower[256];

	if (with_dsa && emit_dsa_authz(out, err) != 0)
		return MDC_ENOENT;

	snprintf(lower, sizeof(lower), "%s", c->realm);
	mdc_str_lower(lower);
	/* Worker threads: twice slapd's default of 16.  Fewer search
	 * faster on 2 vCPUs (4 threads: up to 30 % in bench/ldap), but every
	 * write forwarded to the dsa holds a thread while it runs or waits
	 * there, and the dsa's own write needs another (dc/dsa_serve.c):
	 * 32 lets 5 writes run and 21 wait, so 26 concurrent writers (a bulk
	 * import, joins) are queued, not answered "busy"; 16 queued only 5. */
	fprintf(out, "\nthreads %ld\n", mdc_slapd_threads());
	mdc_replica_slapd_global(c, out);
	fprintf(out,
	        "pidfile run/slapd.pid\nargsfile run/slapd.args\n"
	        "loglevel none\nsizelimit 1000\n"
	        "sasl-host %s\nsasl-realm %s\n"
	        /* Cyrus lists every installed mechanism; only GSSAPI,
	         * GSS-SPNEGO and EXTERNAL can succeed (passwords are stored
	         * hashed).  Not "noactive": it also drops EXTERNAL, which ldapi
	         * needs, and Debian's slapd reads mech_list only from
	         * /etc/ldap/sasl2. */
	        "sasl-secprops noanonymous,noplain\n"
	        /* Simple binds (a password) only over TLS (Samba's "ldap
	         * server require strong auth"): LDAPS, StartTLS. */
	        "security simple_bind=56\n"
	        /* Cyrus names GSSAPI users uid=<name>[,cn=<realm>],cn=gssapi,
	         * cn=auth and GSS-SPNEGO ones ...,cn=gss-spnego,cn=auth (what
	         * adcli uses when offered): map both to the account. */
	        "authz-regexp \"^uid=([^,]+),cn=gss[-a-z]*,cn=auth$\" "
	        "\"ldap:///%s??sub?(sAMAccountName=$1)\"\n"
	        "authz-regexp \"^uid=([^,]+),cn=%s,cn=gss[-a-z]*,cn=auth$\" "
	        "\"ldap:///%s??sub?(sAMAccountName=$1)\"\n"
	        /* Names relative to DIR/slapd, slapd's working directory
	         * (dc/slapdrun.h): it reads them as openldap. */
	        "TLSCACertificateFile ca.crt\n"
	        "TLSCertificateFile dc.crt\n"
	        "TLSCertificateKeyFile dc.key\n"
	        /* After the schema: the file uses our attribute types.  This is
	         * why slapd runs from slapd.conf: under cn=config the global
	         * entry (olcRootDSE) is read before cn=schema, and slapd
	         * 2.5 then cannot parse the file. */
	        "rootDSE rootdse.ldif\n\n"
	        "modulepath %s\nmoduleload back_mdb\nmoduleload back_sock\n"
	        "moduleload syncprov\nmoduleload unique\nmoduleload memberof\n"
	        "moduleload refint\n"
	        /* What AD constructs at read time (dc/slapo/mdcad.h): a
	         * global overlay, after memberof (it uses memberOf). */
	        "moduleload ./mdcad.so\noverlay mdcad\n\n",
	        c->fqdn, c->realm, c->base_dn, lower, c->base_dn,
	        MDC_SLAPD_MODULEDIR);
	return 0;
}

/*
 * Attributes nobody but the DC system identity may read.  The Kerberos key
 * attributes of dc/schema/10-kerberos.ldif belong here too.
 */
#define MDC_SECRET_ATTRS                                                       \
	"userPassword,unicodePwd,minidcKrbKeyData,minidcKrbTlData,"            \
	"mdcMasterKey,mdcPwdHistory"

/* Indexes of the domain database (attribute + index types). */
static const char *const db_indexes[] = {
        "objectClass eq",
        "entryUUID eq",
        "entryCSN eq",
        "cn eq,sub",
        "sAMAccountName eq,sub",
        "userPrincipalName eq",
        "servicePrincipalName eq",
        "objectSid eq",
        "objectGUID eq",
        "member eq",
        "memberOf eq",
        "dNSHostName eq",
        "userAccountControl eq",
        "minidcKrbPrincipalName eq",
        NULL,
};

/*
 * The write path: slapd hands every add/modify/modrdn/delete under the
 * domain to the directory agent (dc/dsa.h) with the requester's bind DN and
 * connection SSF.  Configured last, so it runs first, before the other
 * overlays see the client's operation (they see the dsa's own write).
 */
static void
emit_dsa(FILE *out)
{
	fprintf(out, "\noverlay sock\nsocketpath dsa.sock\n"
	             "sockops add modify modrdn delete\n"
	             "extensions binddn peername ssf\n");
}

char *
mdc_dns_authz_dn(void)
{
	struct mdc_privdrop_id id;

	if (mdc_privdrop_lookup(MDC_PRIVDROP_USER, &id) != 0)
		return NULL;
	return mdc_strdupf("gidNumber=%lu+uidNumber=%lu,cn=peercred,"
	                   "cn=external,cn=auth",
	                   (unsigned long)id.gid, (unsigned long)id.uid);
}

/*
 * What the DNS server reads after it drops root: the zones under cn=dns
 * (write too: back-sock checks these rules, then the dsa decides), and of
 * accounts and groups only what dns/ldapdns.c decides a secure update by
 * (the requester's SID, primary group, UAC, dNSHostName; group SIDs and
 * members).  Everything else, secrets included, is "none".  No size limit:
 * the sync of cn=dns carries every record.
 */
static void
emit_dns_acl(const struct mdc_dcconf *c, FILE *out, int with_dsa)
{
	char *dns = mdc_dns_authz_dn();

	if (dns == NULL)
		return; /* no such user: the DNS server cannot run either */
	fprintf(out,
	        "limits dn.exact=\"%s\" size=unlimited time=unlimited\n"
	        "access to dn.subtree=\"cn=dns,%s\" by dn.exact=\"%s\" %s "
	        "by * break\n"
	        "access to dn.subtree=\"%s\" attrs=entry,objectClass,"
	        "sAMAccountName,userPrincipalName,objectSid,primaryGroupID,"
	        "userAccountControl,dNSHostName,member by dn.exact=\"%s\" "
	        "read by * break\n"
	        "access to * by dn.exact=\"%s\" none by * break\n",
	        dns, c->base_dn, dns, with_dsa ? "write" : "read", c->base_dn,
	        dns, dns);
	free(dns);
}

static void
emit_databases(const struct mdc_dcconf *c, FILE *out, int with_dsa)
{
	const char *root = MDC_ROOT_AUTHZ_DN;

	fprintf(out,
	        /* Global (frontend) access: anonymous sees the rootDSE only. */
	        "access to dn.base=\"\" by * read\n"
	        "access to dn.base=\"cn=subschema\" by * read\n"
	        "access to * by dn.exact=\"%s\" manage by * break\n\n"
	        "database config\nrootdn \"%s\"\naccess to * by * none\n\n",
	        root, root);
	fprintf(out,
	        "database mdb\nsuffix \"%s\"\ndirectory db\nrootdn \"%s\"\n"
	        "maxsize 4294967296\n"
	        /* The rootdn (the DC system identity) bypasses these rules. */
	        /* Secrets: nobody else reads them; simple binds may test
	           userPassword. */
	        /* The other DCs replicate them, over an encrypted bind. */
	        "access to attrs=%s by dn.children=\"OU=Domain "
	        "Controllers,%s\" "
	        "ssf=56 read by anonymous auth by * none\n",
	        c->base_dn, root, MDC_SECRET_ATTRS, c->base_dn);
	emit_dns_acl(c, out, with_dsa);
	fprintf(out,
	        /* Users read the domain.  back-sock checks these rules before
	         * it forwards a write, so users get "write" here and the dsa
	         * (dc/dsa.h) decides; without the dsa (provisioning) only the
	         * DC identity writes.  Anonymous "auth" lets simple binds and
	         * the SASL authz-regexp search (run anonymously) find the
	         * account entry. */
	        "access to dn.subtree=\"%s\" by users %s by anonymous auth "
	        "by * none\n",
	        c->base_dn, with_dsa ? "write" : "read");
	for (int i = 0; db_indexes[i] != NULL; i++)
		fprintf(out, "index %s\n", db_indexes[i]);
	mdc_replica_slapd_db(c, out);
	fprintf(out,
	        "\noverlay syncprov\nsyncprov-checkpoint 100 "
	        "10\nsyncprov-sessionlog 10000\n\n"
	        "overlay unique\n"
	        "unique_uri ldap:///%s?sAMAccountName?sub\n"
	        "unique_uri ldap:///%s?userPrincipalName?sub\n"
	        "unique_uri ldap:///%s?servicePrincipalName?sub\n\n"
	        "overlay memberof\nmemberof-group-oc group\nmemberof-member-ad "
	        "member\n"
	        "memberof-memberof-ad memberOf\nmemberof-refint true\n"
	        "memberof-dangling ignore\n\n"
	        "overlay refint\nrefint_attributes member\n\n"
	        /* Last of these, so first: a replicated change older than
	         * the entry's own is dropped (dc/slapo/csnguard.h). */
	        "overlay mdccsn\n",
	        c->base_dn, c->base_dn, c->base_dn);
	if (with_dsa)
		emit_dsa(out);
}

/* slapd.conf, with the dsa's overlay unless with_dsa is 0. */
static int
render(const struct mdc_dcconf *conf, FILE *out, struct mdc_err *err,
       int with_dsa)
{
	int ret;

	fprintf(out,
	        "# slapd.conf for %s, rendered by minidc at every start "
	        "from minidc.conf: edit that file, not this one.\n",
	        conf->fqdn);
	ret = emit_core(out, err);
	if (ret == 0)
		ret = emit_schema_file(out, SYS_SCHEMA "/cosine.ldif", err);
	if (ret == 0)
		ret = emit_schema_file(out, SYS_SCHEMA "/inetorgperson.ldif",
		                       err);
	if (ret == 0)
		ret = emit_our_schema(out, err);
	if (ret != 0)
		return ret;
	ret = emit_global(conf, out, with_dsa, err);
	if (ret != 0)
		return ret;
	emit_databases(conf, out, with_dsa);
	return ferror(out) ? MDC_ENOMEM : 0;
}

int
mdc_slapd_conf(const struct mdc_dcconf *conf, FILE *out, struct mdc_err *err)
{
	return render(conf, out, err, 1);
}

/*
 * Render DIR/slapd.conf.  Without the dsa (with_dsa 0: provisioning, when
 * only the DC identity writes and no dsa runs) slapd writes directly.
 */
static int
conf_write(const struct mdc_dcconf *conf, int with_dsa, struct mdc_err *err)
{
	char *text = NULL,
	     *path = mdc_dc_path(conf, MDC_SLAPD_DIR "/slapd.conf");
	char *slapo = slapo_path();
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	int ret = MDC_ENOMEM;

	if (mem == NULL || path == NULL || slapo == NULL)
		goto out;
	ret = mdc_slapdrun_prepare(conf, slapo, err);
	if (ret == 0)
		ret = render(conf, mem, err, with_dsa);
	fclose(mem);
	mem = NULL;
	if (ret == 0)
		ret = mdc_file_write(path, text, len, 0600);
	if (ret == 0)
		ret = mdc_slapdrun_share(path, 0640);
	if (ret != 0 && err != NULL && err->text[0] == '\0')
		mdc_err_set(err, ret, "cannot write %s: %s", path,
		            mdc_strerror(ret));
out:
	if (mem != NULL)
		fclose(mem);
	free(text);
	free(path);
	free(slapo);
	return ret;
}

int
mdc_slapd_conf_write(const struct mdc_dcconf *conf, struct mdc_err *err)
{
	return conf_write(conf, 1, err);
}

/* Build slapd's argv: foreground (-d 0), our slapd.conf, our listeners
 * (only the ldapi socket when local_only: provisioning needs no network). */
static int
slapd_argv_for(const struct mdc_dcconf *c, int local_only, char ***argv_out,
               char ***envp_out, struct mdc_err *err)
{
	char *urls = NULL, *fconf = NULL, *ldapi = mdc_dc_ldapi_uri(c);
	char *dsa_ldapi = NULL;
	char *kt = NULL, *k5 = NULL, *rc = NULL, *hook = NULL, *pre = NULL;
	char *ckt = NULL;
	int ret = MDC_ENOMEM;

	*argv_out = NULL;
	*envp_out = NULL;
	/* The dsa's own socket, in a directory only root and the dsa enter
	 * (dc/dsa_priv.h): slapd makes it as root, before it drops root. */
	fconf = mdc_dc_path(c, MDC_DSA_LDAPI);
	dsa_ldapi = fconf != NULL ? mdc_ldapi_uri_of(fconf) : NULL;
	free(fconf);
	fconf = NULL;
	if (ldapi == NULL || dsa_ldapi == NULL)
		goto out;
	/* Only root reaches the ldapi socket (see mdc_dc_ldapi_uri). */
	fconf = mdc_dc_path(c, "run/ldap");
	if (fconf == NULL)
		goto out;
	ret = mdc_mkdir_p(fconf, 0700);
	if (ret == 0 && chmod(fconf, 0700) != 0)
		ret = mdc_err_from_errno(errno);
	free(fconf);
	fconf = NULL;
	if (ret != 0)
		goto out;
	ret = MDC_ENOMEM;
	/* Every start renders slapd.conf anew from minidc.conf and the
	 * schema files of this minidc. */
	/* The dsa runs under the supervisor only. */
	ret = conf_write(c, !local_only, err);
	if (ret != 0)
		goto out;
	ret = MDC_ENOMEM;
	urls = local_only
	               ? mdc_strdupf("%s/", ldapi)
	               /* The Global Catalog is the same DIT (a
	                * one-domain forest; every attribute, a superset of
	                * AD's partial attribute set) on its own ports. */
	               : mdc_strdupf("ldap://%s:%ld/ ldaps://%s:%ld/ "
	                             "ldap://%s:%ld/ ldaps://%s:%ld/ %s/ %s/",
	                             c->address, c->port_ldap, c->address,
	                             c->port_ldaps, c->address, c->port_gc,
	                             c->address, c->port_gcs, ldapi, dsa_ldapi);
	/* Names relative to DIR/slapd, the working directory (see
	 * dc/slapdrun.h): ldap.keytab has only slapd's keys. */
	fconf = strdup("slapd.conf");
	kt = strdup("KRB5_KTNAME=FILE:ldap.keytab");
	k5 = strdup("KRB5_CONFIG=krb5.conf");
	rc = strdup("KRB5RCACHEDIR=run");
	/* AD's DN forms through slapd's DN parser (dc/slapo/dnhook.c). */
	hook = slapo_path_of("mdcdnhook.so");
	pre = hook != NULL ? mdc_strdupf("LD_PRELOAD=%s", hook) : NULL;
	/* Syncrepl's client keys (DC$) are in the same keytab. */
	ckt = strdup("KRB5_CLIENT_KTNAME=FILE:ldap.keytab");
	if (urls == NULL || fconf == NULL || kt == NULL || k5 == NULL ||
	    rc == NULL || pre == NULL || ckt == NULL)
		goto out;
	/* slapd becomes openldap right after it opens its listeners, before
	 * it reads slapd.conf. */
	*argv_out =
	        mdc_strv_new(MDC_SLAPD, "-d", "0", "-u", MDC_SLAPD_USER, "-g",
	                     MDC_SLAPD_USER, "-f", fconf, "-h", urls, NULL);
	/* Syncrepl to the other DCs binds with GSSAPI as this DC's account
	 * (client keytab), naming peers by address (no reverse lookup). */
	*envp_out =
	        mdc_strv_new(kt, k5, rc, pre, ckt, "KRB5CCNAME=MEMORY:syncrepl",
	                     "LDAPSASL_NOCANON=on",
	                     "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL);
	if (*argv_out != NULL && *envp_out != NULL)
		ret = 0;
out:
	free(urls);
	free(fconf);
	free(ldapi);
	free(dsa_ldapi);
	free(kt);
	free(k5);
	free(rc);
	free(hook);
	free(pre);
	free(ckt);
	return ret;
}

static int
slapd_argv(const struct mdc_dcconf *c, const char *self, char ***argv_out,
           char ***envp_out)
{
	struct mdc_err err = {""};
	int ret = slapd_argv_for(c, 0, argv_out, envp_out, &err);

	if (ret != 0 && err.text[0] != '\0')
		log_err("slapd: %s", err.text);
	return ret;
}

/* ldapi answers (and, unless local_only, the LDAP port). */
static int
slapd_ready_for(const struct mdc_dcconf *c, int local_only)
{
	char *path = mdc_dc_path(c, "run/ldap/ldapi");
	int ret;

	if (path == NULL)
		return MDC_ENOMEM;
	ret = mdc_net_unix_probe(path);
	free(path);
	if (ret == 0 && !local_only)
		ret = mdc_net_tcp_probe(c->address, (int)c->port_ldap, 200);
	return ret;
}

static int
slapd_ready(const struct mdc_dcconf *c)
{
	return slapd_ready_for(c, 0);
}

static int
slapd_prepare(const struct mdc_dcconf *c, struct mdc_err *err)
{
	char *slapo = slapo_path();
	int ret = slapo == NULL ? MDC_ENOMEM
	                        : mdc_slapdrun_prepare(c, slapo, err);

	free(slapo);
	return ret;
}

const struct mdc_service mdc_service_slapd = {
        .name = "slapd",
        .argv = slapd_argv,
        .ready = slapd_ready,
        .ready_timeout_ms = 30000,
        .check = mdc_slapdrun_check,
        .prepare = slapd_prepare,
        .workdir = MDC_SLAPD_DIR,
};

int
mdc_slapd_start_temp(const struct mdc_dcconf *conf, int *pid_out,
                     struct mdc_err *err)
{
	char **argv = NULL, **envp = NULL, *logpath = NULL, *cwd = NULL;
	long long end;
	pid_t pid = -1;
	int ret, logfd = -1;

	*pid_out = -1;
	ret = slapd_argv_for(conf, 1, &argv, &envp, err);
	if (ret != 0)
		goto out;
	logpath = mdc_dc_path(conf, "log/slapd-provision.log");
	if (logpath != NULL)
		logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		             0640);
	cwd = mdc_dc_path(conf, MDC_SLAPD_DIR);
	ret = cwd == NULL ? MDC_ENOMEM
	                  : mdc_proc_spawn_in(argv, envp, logfd, cwd, &pid);
	if (ret != 0)
		goto out;
	for (end = mdc_now_ms() + 20000; slapd_ready_for(conf, 1) != 0;) {
		if (mdc_proc_wait(pid, 20, NULL) == 0 || mdc_now_ms() > end) {
			mdc_err_set(err, MDC_ECHILD,
			            "slapd did not start (see %s)", logpath);
			mdc_proc_stop(pid, 1000);
			ret = MDC_ECHILD;
			goto out;
		}
	}
	*pid_out = pid;
	ret = 0;
out:
	if (logfd >= 0)
		close(logfd);
	free(logpath);
	free(cwd);
	mdc_strv_free(argv);
	mdc_strv_free(envp);
	return ret;
}
