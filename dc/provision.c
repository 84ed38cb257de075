/* dc/provision.c - minidc provision: validate, then build a domain in DIR */
#include "config.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ad/dcconf.h"
#include "dc/cmd.h"
#include "dc/dit.h"
#include "dc/join_dc.h"
#include "dc/provision.h"
#include "dc/provision_hooks.h"
#include "dc/service.h"
#include "dc/slapdconf.h"
#include "dc/slapdrun.h"
#include "dc/tls.h"
#include "lib/ad.h"
#include "lib/net.h"
#include "lib/proc.h"
#include "lib/util.h"

#define FAIL(code, ...)                                                        \
	do {                                                                   \
		mdc_err_set(err, (code), __VA_ARGS__);                         \
		ret = (code);                                                  \
		goto out;                                                      \
	} while (0)

/* Realm: letters, digits, dots and dashes (upper-case by convention). */
static int
realm_valid(const char *r)
{
	if (*r == '\0' || strlen(r) > 253)
		return 0;
	for (; *r != '\0'; r++)
		if (!((*r >= 'A' && *r <= 'Z') || (*r >= '0' && *r <= '9') ||
		      *r == '.' || *r == '-'))
			return 0;
	return 1;
}

/* Fill conf's names from opts, with defaults; validates each. */
static int
fill_names(const struct mdc_provision_opts *o, struct mdc_dcconf *c,
           struct mdc_err *err)
{
	char nb[16];
	int ret;

	if (o->domain == NULL || !mdc_domain_valid(o->domain))
		FAIL(MDC_EINVAL,
		     "invalid domain name '%s' (expected e.g. example.com)",
		     o->domain ? o->domain : "");
	c->dns_domain = strdup(o->domain);
	if (c->dns_domain == NULL)
		FAIL(MDC_ENOMEM, "out of memory");
	mdc_str_lower(c->dns_domain);
	c->realm = strdup(o->realm != NULL ? o->realm : o->domain);
	if (c->realm == NULL)
		FAIL(MDC_ENOMEM, "out of memory");
	if (o->realm == NULL)
		mdc_str_upper(c->realm);
	if (!realm_valid(c->realm))
		FAIL(MDC_EINVAL,
		     "invalid realm '%s' (expected upper case, e.g. "
		     "EXAMPLE.COM)",
		     c->realm);
	snprintf(nb, sizeof(nb), "%.*s", (int)strcspn(o->domain, "."),
	         o->domain);
	c->netbios = strdup(o->netbios != NULL ? o->netbios : nb);
	if (c->netbios == NULL)
		FAIL(MDC_ENOMEM, "out of memory");
	mdc_str_upper(c->netbios);
	if (!mdc_netbios_valid(c->netbios))
		FAIL(MDC_EINVAL,
		     "invalid NetBIOS name '%s' (1-15 letters, digits, '-', "
		     "'_')",
		     o->netbios ? o->netbios : nb);
	c->host_name = strdup(o->host_name != NULL ? o->host_name : "dc1");
	if (c->host_name == NULL)
		FAIL(MDC_ENOMEM, "out of memory");
	mdc_str_lower(c->host_name);
	if (!mdc_label_valid(c->host_name) || strlen(c->host_name) > 15)
		FAIL(MDC_EINVAL,
		     "invalid host name '%s' (one DNS label, at most 15 "
		     "characters)",
		     c->host_name);
	c->fqdn = mdc_strdupf("%s.%s", c->host_name, c->dns_domain);
	ret = mdc_domain_to_dn(c->dns_domain, &c->base_dn);
	if (ret == 0 && c->fqdn == NULL)
		ret = MDC_ENOMEM;
out:
	return ret;
}

/* One forwarder: a numeric IPv4 address with an optional :port, or a
 * numeric IPv6 address. */
static int
forwarder_valid(const char *f)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char ip[64];
	const char *colon = strchr(f, ':');
	char *end;
	long port;

	if (colon != NULL && strchr(colon + 1, ':') == NULL) {
		if ((size_t)(colon - f) >= sizeof(ip))
			return 0;
		snprintf(ip, sizeof(ip), "%.*s", (int)(colon - f), f);
		port = strtol(colon + 1, &end, 10);
		if (*end != '\0' || port < 1 || port > 65535)
			return 0;
		f = ip;
	}
	return mdc_net_addr(f, 0, &ss, &len) == 0;
}

/* Append " f" (or "f") to list (cap bytes); 0 if it does not fit. */
static int
list_add(char *list, size_t cap, const char *f)
{
	size_t len = strlen(list);
	int n = snprintf(list + len, cap - len, "%s%s", len ? " " : "", f);

	return n > 0 && (size_t)n < cap - len;
}

/* The address of a "nameserver ADDR" line into ns (cap bytes), or 0. */
static int
nameserver_of(const char *line, char *ns, size_t cap)
{
	size_t n;

	line += strspn(line, " \t");
	if (strncmp(line, "nameserver", 10) != 0 ||
	    (line[10] != ' ' && line[10] != '\t'))
		return 0;
	line += 10 + strspn(line + 10, " \t");
	n = strcspn(line, " \t#;");
	if (n == 0 || n >= cap)
		return 0;
	memcpy(ns, line, n);
	ns[n] = '\0';
	return 1;
}

/*
 * [dns] forwarders: --forwarder values ("none": none), else the machine's
 * resolvers (nameserver lines of /etc/resolv.conf, or $MINIDC_RESOLV_CONF)
 * that are not this DC itself.  At most 4, as the DNS server uses.
 */
static int
fill_forwarders(const struct mdc_provision_opts *o, struct mdc_dcconf *c,
                struct mdc_err *err)
{
	const char *path = getenv("MINIDC_RESOLV_CONF");
	char list[4 * 64] = "", *text = NULL, *line, *save = NULL, ns[64];
	int ret = 0, n = 0;

	if (o->nforwarders > 4)
		FAIL(MDC_EINVAL, "at most 4 --forwarder values");
	for (int i = 0; i < o->nforwarders; i++) {
		if (!forwarder_valid(o->forwarders[i]) ||
		    !list_add(list, sizeof(list), o->forwarders[i]))
			FAIL(MDC_EINVAL,
			     "invalid --forwarder '%s' (expected an IP address "
			     "with an optional :port, or none)",
			     o->forwarders[i]);
	}
	if (o->nforwarders == 0 && !o->no_forwarders &&
	    mdc_file_read(path != NULL ? path : "/etc/resolv.conf", 1 << 16,
	                  &text, NULL) == 0) {
		for (line = strtok_r(text, "\n", &save); line != NULL && n < 4;
		     line = strtok_r(NULL, "\n", &save)) {
			if (!nameserver_of(line, ns, sizeof(ns)) ||
			    strcmp(ns, c->address) == 0 || !forwarder_valid(ns))
				continue;
			if (list_add(list, sizeof(list), ns))
				n++;
		}
	}
	free(c->dns_forwarders);
	c->dns_forwarders = strdup(list);
	if (c->dns_forwarders == NULL)
		FAIL(MDC_ENOMEM, "out of memory");
out:
	free(text);
	return ret;
}

/* Address and ports: numeric address, ports from --base-port, all free. */
static int
fill_listeners(const struct mdc_provision_opts *o, struct mdc_dcconf *c,
               struct mdc_err *err)
{
	struct {
		const char *what;
		long *port;
		int type;
	} l[] = {
	        {"LDAP", &c->port_ldap, SOCK_STREAM},
	        {"LDAPS", &c->port_ldaps, SOCK_STREAM},
	        {"Global Catalog", &c->port_gc, SOCK_STREAM},
	        {"Global Catalog LDAPS", &c->port_gcs, SOCK_STREAM},
	        {"CLDAP", &c->port_cldap, SOCK_DGRAM},
	        {"Kerberos", &c->port_kdc, SOCK_STREAM},
	        {"Kerberos", &c->port_kdc, SOCK_DGRAM},
	        {"kpasswd", &c->port_kpasswd, SOCK_STREAM},
	        {"kpasswd", &c->port_kpasswd, SOCK_DGRAM},
	        {"kadmin", &c->port_kadmin, SOCK_STREAM},
	        {"DNS", &c->port_dns, SOCK_STREAM},
	        {"DNS", &c->port_dns, SOCK_DGRAM},
	};
	struct sockaddr_storage ss;
	socklen_t len;
	int ret = 0;

	free(c->address);
	c->address = strdup(o->host_ip != NULL ? o->host_ip : "127.0.0.1");
	if (c->address == NULL)
		FAIL(MDC_ENOMEM, "out of memory");
	if (mdc_net_addr(c->address, 0, &ss, &len) != 0)
		FAIL(MDC_EINVAL,
		     "invalid --host-ip '%s' (expected a numeric IPv4 or IPv6 "
		     "address)",
		     c->address);
	if (o->base_port != 0) {
		if (o->base_port < MDC_BASE_PORT_MIN ||
		    o->base_port > MDC_BASE_PORT_MAX)
			FAIL(MDC_EINVAL,
			     "invalid --base-port %d (expected %d-%d)",
			     o->base_port, MDC_BASE_PORT_MIN,
			     MDC_BASE_PORT_MAX);
		c->port_ldap = c->port_cldap = o->base_port + MDC_PORTOFF_LDAP;
		c->port_ldaps = o->base_port + MDC_PORTOFF_LDAPS;
		c->port_kdc = o->base_port + MDC_PORTOFF_KDC;
		c->port_kpasswd = o->base_port + MDC_PORTOFF_KPASSWD;
		c->port_kadmin = o->base_port + MDC_PORTOFF_KADMIN;
		c->port_dns = o->base_port + MDC_PORTOFF_DNS;
		c->port_gc = o->base_port + MDC_PORTOFF_GC;
		c->port_gcs = o->base_port + MDC_PORTOFF_GCS;
	}
	for (size_t i = 0; i < sizeof(l) / sizeof(l[0]); i++) {
		ret = mdc_net_port_free(c->address, (int)*l[i].port, l[i].type);
		if (ret == MDC_EADDRINUSE)
			FAIL(ret, "%s port %s:%ld/%s is in use", l[i].what,
			     c->address, *l[i].port,
			     l[i].type == SOCK_STREAM ? "tcp" : "udp");
		if (ret != 0)
			FAIL(ret, "cannot bind %s:%ld: %s", c->address,
			     *l[i].port, mdc_strerror(ret));
	}
out:
	return ret;
}

/* Read the admin password file: must exist and hold a non-empty line. */
static int
read_password(const char *path, char **pw_out, struct mdc_err *err)
{
	char *pw = NULL;
	int ret;

	*pw_out = NULL;
	ret = mdc_file_read(path, 1024, &pw, NULL);
	if (ret != 0)
		FAIL(ret, "cannot read password file %s: %s", path,
		     mdc_strerror(ret));
	mdc_str_chomp(pw);
	if (pw[0] == '\0' || strchr(pw, '\n') != NULL)
		FAIL(MDC_EINVAL,
		     "password file %s is empty (one line expected)", path);
	*pw_out = pw;
	pw = NULL;
out:
	if (pw != NULL)
		mdc_secret_free(pw, 0);
	return ret;
}

/* New SID and GUIDs for the domain, the DC and its NTDS Settings. */
static int
fill_ids(struct mdc_dcconf *c)
{
	struct mdc_sid sid;
	struct mdc_guid g;
	char text[256];
	char **dst[] = {&c->domain_guid, &c->dc_guid, &c->ntds_guid};
	int ret;

	ret = mdc_sid_new_domain(&sid);
	if (ret == 0)
		ret = mdc_sid_format(&sid, text, sizeof(text));
	if (ret != 0)
		return ret;
	c->domain_sid = strdup(text);
	for (size_t i = 0; i < 3 && ret == 0; i++) {
		ret = mdc_guid_new(&g);
		mdc_guid_format(&g, text);
		*dst[i] = strdup(text);
		if (*dst[i] == NULL)
			ret = MDC_ENOMEM;
	}
	return c->domain_sid == NULL ? MDC_ENOMEM : ret;
}

/* Check DIR: absent, or (with force) a minidc directory with no DC running. */
static int
check_dir(const struct mdc_provision_opts *o, struct mdc_err *err)
{
	char *conf = NULL, *ctl = NULL;
	int ret = 0;

	if (!mdc_path_exists(o->dir))
		return 0;
	if (!o->force)
		FAIL(MDC_EEXIST,
		     "%s already exists (use --force to replace it)", o->dir);
	conf = mdc_strdupf("%s/minidc.conf", o->dir);
	ctl = mdc_strdupf("%s/run/control.sock", o->dir);
	if (conf == NULL || ctl == NULL)
		FAIL(MDC_ENOMEM, "out of memory");
	if (!mdc_path_exists(conf) && rmdir(o->dir) != 0)
		FAIL(MDC_EEXIST,
		     "refusing to replace %s: not an empty directory nor a "
		     "minidc directory",
		     o->dir);
	if (mdc_net_unix_probe(ctl) == 0)
		FAIL(MDC_EEXIST,
		     "a domain controller is running in %s (minidc stop --dir "
		     "%s first)",
		     o->dir, o->dir);
	ret = mdc_rm_rf(o->dir);
	if (ret != 0)
		FAIL(ret, "cannot remove %s: %s", o->dir, mdc_strerror(ret));
out:
	free(conf);
	free(ctl);
	return ret;
}

/* DIR/run as a symlink to run_dir (made if missing). */
static int
link_run_dir(const char *dir, const char *run_dir, struct mdc_err *err)
{
	char *link = mdc_strdupf("%s/run", dir);
	int ret;

	ret = link == NULL ? MDC_ENOMEM : mdc_mkdir_p(run_dir, 0755);
	if (ret == 0 && symlink(run_dir, link) != 0)
		ret = mdc_err_from_errno(errno);
	if (ret != 0)
		mdc_err_set(err, ret, "cannot link %s/run to %s: %s", dir,
		            run_dir, mdc_strerror(ret));
	free(link);
	return ret;
}

/* Make DIR and its subdirectories; secrets live in 0700 ones. */
static int
make_dirs(const char *dir, const char *run_dir, struct mdc_err *err)
{
	static const struct {
		const char *sub;
		mode_t mode;
	} subs[] = {
	        /* db/ is in DIR/slapd, slapd's (dc/slapdrun.h). */
	        {"", 0755},    {"run", 0755},  {"log", 0750},
	        {"tls", 0755}, {"krb5", 0700}, {"secrets", 0700},
	};
	int ret = 0;

	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]) && ret == 0;
	     i++) {
		char *p;

		if (run_dir != NULL && strcmp(subs[i].sub, "run") == 0) {
			ret = link_run_dir(dir, run_dir, err);
			continue;
		}
		p = mdc_strdupf("%s/%s", dir, subs[i].sub);

		ret = p == NULL ? MDC_ENOMEM : mdc_mkdir_p(p, subs[i].mode);
		if (ret == 0 && chmod(p, subs[i].mode) != 0)
			ret = mdc_err_from_errno(errno);
		if (ret != 0)
			mdc_err_set(err, ret, "cannot create %s: %s",
			            p ? p : dir, mdc_strerror(ret));
		free(p);
	}
	return ret;
}

/* Write text to a temp file in DIR and feed it to tool (slapadd) for
 * the domain database. */
static int
slaptool(const struct mdc_dcconf *c, const char *tool, const char *ldif,
         size_t len, struct mdc_err *err)
{
	char *path = NULL, *fconf = NULL, *out = NULL;
	int ret;

	path = mdc_strdupf("%s/run/provision.ldif", c->dir);
	/* slapd.conf names its files relative to DIR/slapd. */
	fconf = mdc_dc_path(c, MDC_SLAPD_DIR);
	if (path == NULL || fconf == NULL)
		FAIL(MDC_ENOMEM, "out of memory");
	/* The DIT LDIF holds the admin password hash: keep it 0600. */
	ret = mdc_file_write(path, ldif, len, 0600);
	if (ret != 0)
		FAIL(ret, "cannot write %s: %s", path, mdc_strerror(ret));
	{
		char *argv[] = {(char *)tool, "-q", "-f", "slapd.conf", "-b",
		                c->base_dn,   "-l", path, NULL};

		ret = mdc_proc_run_in(argv, NULL, fconf, NULL, 0, 60000, &out);
	}
	if (ret != 0) {
		/* slapadd's own last line says what is wrong with the LDIF. */
		char *last = out, *p;

		mdc_str_chomp(out);
		for (p = out; (p = strchr(p, '\n')) != NULL; p++)
			if (p[1] != '\0')
				last = p + 1;
		FAIL(ret, "%s failed: %s", strrchr(tool, '/') + 1, last);
	}
out:
	if (path != NULL)
		unlink(path);
	free(path);
	free(fconf);
	free(out);
	return ret;
}

static int
load_dit(const struct mdc_dcconf *c, const char *pw, struct mdc_err *err)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	int ret;

	if (mem == NULL)
		return MDC_ENOMEM;
	ret = mdc_dit_ldif(c, pw, mem);
	if (ret != 0)
		mdc_err_set(err, ret, "cannot render the directory tree: %s",
		            mdc_strerror(ret));
	if (ret == 0) {
		ret = dns_provision_ldif(c, mem);
		if (ret != 0)
			mdc_err_set(err, ret, "cannot render the DNS zone: %s",
			            mdc_strerror(ret));
	}
	fclose(mem);
	if (ret == 0)
		ret = slaptool(c, MDC_SLAPADD, text, len, err);
	if (text != NULL)
		mdc_secret_free(text, len);
	return ret;
}

/* Kerberos needs slapd running: start it on ldapi, provision, stop it. */
static int
provision_kerberos(const struct mdc_dcconf *c, const char *pw,
                   struct mdc_err *err)
{
	int pid = -1, ret;

	ret = mdc_slapd_start_temp(c, &pid, err);
	if (ret != 0)
		return ret;
	ret = mdc_krb_provision(c, pw, err);
	mdc_proc_stop(pid, 5000);
	return ret;
}

/* minidc.conf, TLS and the rootDSE file: every DC's own. */
static int
dc_files(struct mdc_dcconf *c, struct mdc_err *err)
{
	int ret;

	ret = mdc_dcconf_save(c);
	if (ret != 0)
		FAIL(ret, "cannot write minidc.conf: %s", mdc_strerror(ret));
	{
		char *tlsdir = mdc_dc_path(c, "tls");

		ret = tlsdir == NULL ? MDC_ENOMEM
		                     : mdc_tls_provision(tlsdir, c->realm,
		                                         c->dns_domain, c->fqdn,
		                                         c->address);
		free(tlsdir);
	}
	if (ret != 0)
		FAIL(ret, "cannot create TLS certificates: %s",
		     mdc_strerror(ret));
	ret = mdc_rootdse_write(c);
	if (ret != 0)
		FAIL(ret, "cannot write rootdse.ldif: %s", mdc_strerror(ret));
out:
	return ret;
}

/* Steps after validation; DIR exists (created by us). */
static int
build(struct mdc_dcconf *c, const char *pw, struct mdc_err *err)
{
	int ret;

	ret = dc_files(c, err);
	if (ret == 0)
		ret = mdc_slapd_conf_write(c, err);
	if (ret == 0)
		ret = load_dit(c, pw, err);
	if (ret == 0)
		ret = provision_kerberos(c, pw, err);
	return ret;
}

/* --join-dc: enroll through the peer, then a first refresh from it. */
static int
build_join(const struct mdc_provision_opts *o, struct mdc_dcconf *c,
           const char *pw, struct mdc_err *err)
{
	struct mdc_join_dc_opts jo = {
	        .peer = o->join_dc,
	        .peer_ip = o->join_dc_ip,
	        .user = o->user != NULL ? o->user : "Administrator",
	        .password = pw,
	};
	int ret;

	ret = mdc_join_dc(c, &jo, err);
	if (ret == 0)
		ret = dc_files(c, err);
	if (ret == 0)
		ret = mdc_join_dc_refresh(c, &jo, err);
	return ret;
}

int
mdc_provision(const struct mdc_provision_opts *o, struct mdc_err *err)
{
	struct mdc_dcconf c;
	char *pw = NULL, *pwpath = NULL, abs[4096];
	int ret, created = 0;

	ret = mdc_dcconf_defaults(&c);
	if (ret != 0)
		FAIL(ret, "out of memory");
	if (o->dir == NULL || o->dir[0] == '\0')
		FAIL(MDC_EINVAL, "--dir is required");
	ret = fill_names(o, &c, err);
	if (ret == 0)
		ret = fill_listeners(o, &c, err);
	if (ret == 0)
		ret = fill_forwarders(o, &c, err);
	if (ret == 0 && o->adminpass_file != NULL)
		ret = read_password(o->adminpass_file, &pw, err);
	if (ret == 0 && o->stdin_password)
		ret = read_password("/dev/stdin", &pw, err);
	if (ret == 0 && o->join_dc != NULL && pw == NULL)
		FAIL(MDC_EINVAL, "--join-dc needs the administrator's password "
		                 "(--password-file F or --stdin-password)");
	if (ret == 0)
		ret = check_dir(o, err);
	if (ret != 0)
		goto out;
	ret = make_dirs(o->dir, o->run_dir, err);
	created = 1;
	if (ret != 0)
		goto out;
	if (realpath(o->dir, abs) == NULL)
		FAIL(mdc_err_from_errno(errno), "%s: %s", o->dir,
		     strerror(errno));
	c.dir = strdup(abs);
	if (c.dir == NULL || fill_ids(&c) != 0)
		FAIL(MDC_ENOMEM, "out of memory");
	/* A layout the services cannot work in is refused now, not at run. */
	ret = mdc_services_check(&c, err);
	if (ret != 0)
		goto out;
	if (o->join_dc != NULL) {
		ret = build_join(o, &c, pw, err);
		goto out;
	}
	if (pw == NULL) {
		pw = calloc(1, 33);
		pwpath = mdc_dc_path(&c, "secrets/administrator.password");
		if (pw == NULL || pwpath == NULL ||
		    mdc_random_password(pw, 32) != 0 ||
		    mdc_file_printf(pwpath, 0600, "%s\n", pw) != 0)
			FAIL(MDC_ECONF,
			     "cannot write the Administrator password file");
	}
	ret = build(&c, pw, err);
out:
	/* MINIDC_PROVISION_KEEP=1 keeps a failed DIR for debugging. */
	if (ret != 0 && created && getenv("MINIDC_PROVISION_KEEP") == NULL)
		mdc_rm_rf(o->dir);
	if (pw != NULL)
		mdc_secret_free(pw, 0);
	free(pwpath);
	mdc_dcconf_free(&c);
	return ret;
}
