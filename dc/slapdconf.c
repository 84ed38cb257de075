/* dc/slapdconf.c - render slapd's cn=config and run slapd for a DC */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dc/slapdconf.h"
#include "lib/net.h"
#include "lib/proc.h"
#include "lib/util.h"

#define SYS_SCHEMA "/etc/ldap/schema"

const char *
mdc_schema_dir(void)
{
	static char buf[4096];
	const char *env = getenv("MINIDC_DATADIR");

	if (env != NULL) {
		snprintf(buf, sizeof(buf), "%s/schema", env);
		return buf;
	}
	if (mdc_path_exists(MDC_PKGDATADIR "/schema/00-core.ldif"))
		return MDC_PKGDATADIR "/schema";
	return MDC_SRCDIR "/dc/schema";
}

/* Copy a file into out; with fix_person, make person's sn optional. */
static int
emit_file(FILE *out, const char *path, int fix_person, char *err,
	  size_t errlen)
{
	static const char must[] = "MUST ( sn $ cn )\n  MAY ( ";
	char *text = NULL, *p;
	int ret;

	ret = mdc_file_read(path, 1 << 22, &text, NULL);
	if (ret != 0) {
		snprintf(err, errlen, "schema %s: %s", path, mdc_strerror(ret));
		return ret;
	}
	if (fix_person) {
		/* AD's person has no mandatory sn: computers carry none. */
		p = strstr(text, "NAME 'person'");
		p = p != NULL ? strstr(p, must) : NULL;
		if (p == NULL) {
			snprintf(err, errlen, "schema %s: person class not as expected", path);
			free(text);
			return MDC_ECONF;
		}
		*p = '\0';
		fprintf(out, "%sMUST cn\n  MAY ( sn $ %s\n", text, p + strlen(must));
	} else {
		fprintf(out, "%s\n", text);
	}
	free(text);
	return 0;
}

static int
name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Emit every NN-name.ldif of our schema dir, in name order. */
static int
emit_our_schema(FILE *out, char *err, size_t errlen)
{
	const char *dir = mdc_schema_dir();
	struct dirent **names = NULL;
	int n, ret = 0;

	n = scandir(dir, &names, NULL, name_cmp);
	if (n < 0) {
		snprintf(err, errlen, "schema dir %s: %s", dir, strerror(errno));
		return mdc_err_from_errno(errno);
	}
	for (int i = 0; i < n; i++) {
		size_t len = strlen(names[i]->d_name);

		if (ret == 0 && len > 5 &&
		    strcmp(names[i]->d_name + len - 5, ".ldif") == 0) {
			char *path = mdc_strdupf("%s/%s", dir, names[i]->d_name);

			ret = path == NULL ? MDC_ENOMEM : emit_file(out, path, 0, err, errlen);
			free(path);
		}
		free(names[i]);
	}
	free(names);
	return ret;
}

static void
emit_global(const struct mdc_dcconf *c, FILE *out)
{
	char lower[256];

	snprintf(lower, sizeof(lower), "%s", c->realm);
	mdc_str_lower(lower);
	fprintf(out,
		"dn: cn=config\nobjectClass: olcGlobal\ncn: config\n"
		"olcPidFile: %s/run/slapd.pid\nolcArgsFile: %s/run/slapd.args\n"
		"olcLogLevel: none\n"
		"olcSaslHost: %s\nolcSaslRealm: %s\n"
		"olcSaslSecProps: noanonymous,noplain\n"
		/* Cyrus names GSSAPI users uid=<name>[,cn=<realm>],cn=gssapi,cn=auth. */
		"olcAuthzRegexp: {0}\"^uid=([^,]+),cn=gssapi,cn=auth$\" "
		"\"ldap:///%s??sub?(sAMAccountName=$1)\"\n"
		"olcAuthzRegexp: {1}\"^uid=([^,]+),cn=%s,cn=gssapi,cn=auth$\" "
		"\"ldap:///%s??sub?(sAMAccountName=$1)\"\n"
		"olcTLSCACertificateFile: %s/tls/ca.crt\n"
		"olcTLSCertificateFile: %s/tls/dc.crt\n"
		"olcTLSCertificateKeyFile: %s/tls/dc.key\n"
		"olcSizeLimit: 1000\n\n",
		c->dir, c->dir, c->fqdn, c->realm, c->base_dn, lower, c->base_dn,
		c->dir, c->dir, c->dir);
	fprintf(out,
		"dn: cn=module{0},cn=config\nobjectClass: olcModuleList\n"
		"cn: module{0}\nolcModulePath: %s\n"
		"olcModuleLoad: back_mdb\nolcModuleLoad: back_sock\n"
		"olcModuleLoad: syncprov\nolcModuleLoad: unique\n"
		"olcModuleLoad: memberof\nolcModuleLoad: refint\n\n"
		"dn: cn=schema,cn=config\nobjectClass: olcSchemaConfig\ncn: schema\n\n",
		MDC_SLAPD_MODULEDIR);
}

/*
 * Attributes nobody but the DC system identity may read.  The Kerberos key
 * attributes of dc/schema/10-kerberos.ldif are covered by their classes'
 * names in MDC_SECRET_CLASSES when that file defines them.
 */
#define MDC_SECRET_ATTRS "userPassword,unicodePwd"

/* Indexes of the domain database (attribute + index types). */
static const char *const db_indexes[] = {
	"objectClass eq", "entryUUID eq", "entryCSN eq", "cn eq,sub",
	"sAMAccountName eq,sub", "userPrincipalName eq", "servicePrincipalName eq",
	"objectSid eq", "objectGUID eq", "member eq", "memberOf eq",
	"dNSHostName eq", "userAccountControl eq", NULL,
};

static void
emit_databases(const struct mdc_dcconf *c, FILE *out)
{
	fprintf(out,
		"dn: olcDatabase={-1}frontend,cn=config\nobjectClass: olcDatabaseConfig\n"
		"objectClass: olcFrontendConfig\nolcDatabase: {-1}frontend\n"
		"olcAccess: {0}to dn.base=\"\" by * read\n"
		"olcAccess: {1}to dn.base=\"cn=subschema\" by * read\n"
		"olcAccess: {2}to * by dn.exact=\"%s\" manage by * break\n\n"
		"dn: olcDatabase={0}config,cn=config\nobjectClass: olcDatabaseConfig\n"
		"olcDatabase: {0}config\nolcRootDN: %s\n"
		"olcAccess: {0}to * by dn.exact=\"%s\" manage by * none\n\n",
		MDC_ROOT_AUTHZ_DN, MDC_ROOT_AUTHZ_DN, MDC_ROOT_AUTHZ_DN);
	fprintf(out,
		"dn: olcDatabase={1}mdb,cn=config\nobjectClass: olcDatabaseConfig\n"
		"objectClass: olcMdbConfig\nolcDatabase: {1}mdb\n"
		"olcSuffix: %s\nolcDbDirectory: %s/db\nolcRootDN: %s\n"
		"olcDbMaxSize: 4294967296\n"
		"olcLimits: {0}dn.exact=\"%s\" size=unlimited time=unlimited\n"
		/* Secrets: the DC identity only; simple binds may test userPassword. */
		"olcAccess: {0}to attrs=%s by dn.exact=\"%s\" manage by anonymous auth by * none\n"
		/* Anonymous sees the rootDSE only (frontend); users read the domain. */
		"olcAccess: {1}to dn.subtree=\"%s\" by dn.exact=\"%s\" manage by users read by * none\n",
		c->base_dn, c->dir, MDC_ROOT_AUTHZ_DN, MDC_ROOT_AUTHZ_DN,
		MDC_SECRET_ATTRS, MDC_ROOT_AUTHZ_DN, c->base_dn, MDC_ROOT_AUTHZ_DN);
	for (int i = 0; db_indexes[i] != NULL; i++)
		fprintf(out, "olcDbIndex: %s\n", db_indexes[i]);
	fprintf(out,
		"\ndn: olcOverlay={0}syncprov,olcDatabase={1}mdb,cn=config\n"
		"objectClass: olcOverlayConfig\nobjectClass: olcSyncProvConfig\n"
		"olcOverlay: {0}syncprov\nolcSpCheckpoint: 100 10\nolcSpSessionlog: 10000\n\n"
		"dn: olcOverlay={1}unique,olcDatabase={1}mdb,cn=config\n"
		"objectClass: olcOverlayConfig\nobjectClass: olcUniqueConfig\n"
		"olcOverlay: {1}unique\n"
		"olcUniqueURI: ldap:///%s?sAMAccountName?sub\n"
		"olcUniqueURI: ldap:///%s?userPrincipalName?sub\n"
		"olcUniqueURI: ldap:///%s?servicePrincipalName?sub\n\n"
		"dn: olcOverlay={2}memberof,olcDatabase={1}mdb,cn=config\n"
		"objectClass: olcOverlayConfig\nobjectClass: olcMemberOf\n"
		"olcOverlay: {2}memberof\nolcMemberOfGroupOC: group\n"
		"olcMemberOfMemberAD: member\nolcMemberOfMemberOfAD: memberOf\n"
		"olcMemberOfRefInt: TRUE\nolcMemberOfDangling: ignore\n\n"
		"dn: olcOverlay={3}refint,olcDatabase={1}mdb,cn=config\n"
		"objectClass: olcOverlayConfig\nobjectClass: olcRefintConfig\n"
		"olcOverlay: {3}refint\nolcRefintAttribute: member\n\n",
		c->base_dn, c->base_dn, c->base_dn);
}

int
mdc_slapd_config_ldif(const struct mdc_dcconf *conf, FILE *out, char *err,
		      size_t errlen)
{
	int ret;

	emit_global(conf, out);
	ret = emit_file(out, SYS_SCHEMA "/core.ldif", 1, err, errlen);
	if (ret == 0)
		ret = emit_file(out, SYS_SCHEMA "/cosine.ldif", 0, err, errlen);
	if (ret == 0)
		ret = emit_file(out, SYS_SCHEMA "/inetorgperson.ldif", 0, err, errlen);
	if (ret == 0)
		ret = emit_our_schema(out, err, errlen);
	if (ret != 0)
		return ret;
	emit_databases(conf, out);
	return ferror(out) ? MDC_ENOMEM : 0;
}

int
mdc_slapd_rootdse_ldif(const struct mdc_dcconf *conf, FILE *out)
{
	fprintf(out, "dn: cn=config\nchangetype: modify\nadd: olcRootDSE\n"
		"olcRootDSE: %s/rootdse.ldif\n-\n\n", conf->dir);
	return ferror(out) ? MDC_ENOMEM : 0;
}

/* Build slapd's argv: foreground (-d 0), our cn=config, our listeners. */
static int
slapd_argv(const struct mdc_dcconf *c, const char *self, char ***argv_out,
	   char ***envp_out)
{
	char *urls = NULL, *fdir = NULL, *ldapi = mdc_dc_ldapi_uri(c);
	char *kt = NULL, *k5 = NULL, *rc = NULL;
	int ret = MDC_ENOMEM;

	*argv_out = NULL;
	*envp_out = NULL;
	if (ldapi == NULL)
		goto out;
	urls = mdc_strdupf("ldap://%s:%ld/ ldaps://%s:%ld/ %s/", c->address,
			   c->port_ldap, c->address, c->port_ldaps, ldapi);
	fdir = mdc_dc_path(c, "slapd.d");
	kt = mdc_strdupf("KRB5_KTNAME=FILE:%s/krb5/dc.keytab", c->dir);
	k5 = mdc_strdupf("KRB5_CONFIG=%s/krb5.conf", c->dir);
	rc = mdc_strdupf("KRB5RCACHEDIR=%s/run", c->dir);
	if (urls == NULL || fdir == NULL || kt == NULL || k5 == NULL || rc == NULL)
		goto out;
	*argv_out = mdc_strv_new(MDC_SLAPD, "-d", "0", "-F", fdir, "-h", urls,
				 NULL);
	*envp_out = mdc_strv_new(kt, k5, rc, "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
				 NULL);
	if (*argv_out != NULL && *envp_out != NULL)
		ret = 0;
out:
	free(urls);
	free(fdir);
	free(ldapi);
	free(kt);
	free(k5);
	free(rc);
	return ret;
}

static int
slapd_ready(const struct mdc_dcconf *c)
{
	char *path = mdc_dc_path(c, "run/ldapi");
	int ret;

	if (path == NULL)
		return MDC_ENOMEM;
	ret = mdc_net_unix_probe(path);
	free(path);
	if (ret == 0)
		ret = mdc_net_tcp_probe(c->address, (int)c->port_ldap, 200);
	return ret;
}

const struct mdc_service mdc_service_slapd = {
	.name = "slapd",
	.argv = slapd_argv,
	.ready = slapd_ready,
	.ready_timeout_ms = 30000,
};

int
mdc_slapd_start_temp(const struct mdc_dcconf *conf, int *pid_out, char *err,
		     size_t errlen)
{
	char **argv = NULL, **envp = NULL, *logpath = NULL;
	long long end;
	pid_t pid = -1;
	int ret, logfd = -1;

	*pid_out = -1;
	ret = slapd_argv(conf, NULL, &argv, &envp);
	if (ret != 0)
		goto out;
	logpath = mdc_dc_path(conf, "log/slapd-provision.log");
	if (logpath != NULL)
		logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	ret = mdc_proc_spawn(argv, envp, logfd, &pid);
	if (ret != 0)
		goto out;
	for (end = mdc_now_ms() + 20000; slapd_ready(conf) != 0;) {
		if (mdc_proc_wait(pid, 20, NULL) == 0 || mdc_now_ms() > end) {
			snprintf(err, errlen, "slapd did not start (see %s)", logpath);
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
	mdc_strv_free(argv);
	mdc_strv_free(envp);
	return ret;
}
