/* dc/cmd_dc.c - the provision, env and check-config subcommands */
#include "config.h"

#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ad/dcconf.h"
#include "dc/cmd.h"
#include "dc/provision.h"
#include "lib/ad.h"
#include "lib/proc.h"
#include "lib/util.h"

#ifndef MDC_STATEDIR
#define MDC_STATEDIR "/var/lib/minidc"
#endif
#ifndef MDC_RUNDIR
#define MDC_RUNDIR "/run/minidc"
#endif

void
mdc_cmd_bad_option(const char *cmd, char **argv, int ch)
{
	const char *arg = argv[optind - 1];

	if (ch == ':')
		mdc_cmd_error(cmd, "option '%s' needs a value", arg);
	else if (optopt != 0)
		mdc_cmd_error(cmd,
		              "unknown option '-%c' (try: minidc %s --help)",
		              optopt, cmd);
	else
		mdc_cmd_error(cmd,
		              "unknown option '%s' (try: minidc %s --help)",
		              arg, cmd);
}

const char *
mdc_cmd_statedir(void)
{
	const char *env = getenv("MINIDC_STATEDIR");

	return env != NULL && env[0] == '/' ? env : MDC_STATEDIR;
}

/* Where provision without --dir links DIR/run: $MINIDC_RUNDIR or
 * MDC_RUNDIR (/run/minidc). */
static const char *
rundir(void)
{
	const char *env = getenv("MINIDC_RUNDIR");

	return env != NULL && env[0] == '/' ? env : MDC_RUNDIR;
}

/* Is the state directory's entry name a provisioned domain? */
static int
is_domain_dir(const char *name)
{
	char *conf;
	int yes;

	if (name[0] == '.')
		return 0;
	conf = mdc_strdupf("%s/%s/minidc.conf", mdc_cmd_statedir(), name);
	yes = conf != NULL && mdc_path_exists(conf);
	free(conf);
	return yes;
}

int
mdc_cmd_default_dir(const char *cmd, const char *domain, char **dir_out)
{
	char found[256] = "";
	struct dirent *de;
	int n = 0;
	DIR *d;

	*dir_out = NULL;
	if (domain != NULL) {
		if (!mdc_domain_valid(domain)) {
			mdc_cmd_error(cmd,
			              "invalid --domain '%s' (expected a "
			              "DNS name such as example.com)",
			              domain);
			return 2;
		}
		*dir_out = mdc_strdupf("%s/%s", mdc_cmd_statedir(), domain);
		return *dir_out != NULL ? 0 : 1;
	}
	d = opendir(mdc_cmd_statedir());
	while (d != NULL && (de = readdir(d)) != NULL)
		if (is_domain_dir(de->d_name) && n++ == 0)
			snprintf(found, sizeof(found), "%s", de->d_name);
	if (d != NULL)
		closedir(d);
	if (n != 1) {
		mdc_cmd_error(cmd,
		              "--dir DIR or --domain D is required (%s "
		              "domains provisioned in %s)",
		              n == 0 ? "no" : "several", mdc_cmd_statedir());
		return 2;
	}
	*dir_out = mdc_strdupf("%s/%s", mdc_cmd_statedir(), found);
	return *dir_out != NULL ? 0 : 1;
}

/* Options of provision into o; 0 or the exit status. */
static int
provision_args(int argc, char **argv, struct mdc_provision_opts *o)
{
	static const struct option lo[] = {
	        {"domain", required_argument, NULL, 'd'},
	        {"realm", required_argument, NULL, 'r'},
	        {"netbios", required_argument, NULL, 'n'},
	        {"dir", required_argument, NULL, 'D'},
	        {"host-name", required_argument, NULL, 'H'},
	        {"host-ip", required_argument, NULL, 'i'},
	        {"adminpass-file", required_argument, NULL, 'p'},
	        {"base-port", required_argument, NULL, 'b'},
	        {"force", no_argument, NULL, 'f'},
	        {"forwarder", required_argument, NULL, 'F'},
	        {"join-dc", required_argument, NULL, 'J'},
	        {"join-dc-ip", required_argument, NULL, 'I'},
	        {"password-file", required_argument, NULL, 'p'},
	        {"stdin-password", no_argument, NULL, 'S'},
	        {"user", required_argument, NULL, 'U'},
	        {NULL, 0, NULL, 0},
	};
	const char **str[128] = {NULL};
	char *end;
	long port;
	int ch;

	str['d'] = &o->domain;
	str['r'] = &o->realm;
	str['n'] = &o->netbios;
	str['D'] = &o->dir;
	str['H'] = &o->host_name;
	str['i'] = &o->host_ip;
	str['p'] = &o->adminpass_file;
	str['J'] = &o->join_dc;
	str['I'] = &o->join_dc_ip;
	str['U'] = &o->user;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":U:", lo, NULL)) != -1) {
		if (ch > 0 && ch < 128 && str[ch] != NULL) {
			*str[ch] = optarg;
		} else if (ch == 'f') {
			o->force = 1;
		} else if (ch == 'S') {
			o->stdin_password = 1;
		} else if (ch == 'F') {
			if (strcmp(optarg, "none") == 0) {
				o->no_forwarders = 1;
				o->nforwarders = 0;
			} else if (o->nforwarders == 4) {
				mdc_cmd_error("provision",
				              "at most 4 --forwarder values");
				return 2;
			} else {
				o->forwarders[o->nforwarders++] = optarg;
			}
		} else if (ch == 'b') {
			port = strtol(optarg, &end, 10);
			if (*end != '\0' || end == optarg ||
			    port < MDC_BASE_PORT_MIN ||
			    port > MDC_BASE_PORT_MAX) {
				mdc_cmd_error(
				        "provision",
				        "invalid --base-port '%s' (expected "
				        "a number in %d-%d)",
				        optarg, MDC_BASE_PORT_MIN,
				        MDC_BASE_PORT_MAX);
				return 2;
			}
			o->base_port = (int)port;
		} else {
			mdc_cmd_bad_option("provision", argv, ch);
			return 2;
		}
	}
	if (optind != argc) {
		mdc_cmd_error("provision", "unexpected argument '%s'",
		              argv[optind]);
		return 2;
	}
	if (o->domain == NULL) {
		mdc_cmd_error("provision", "--domain is required");
		return 2;
	}
	return 0;
}

int
mdc_cmd_provision(int argc, char **argv)
{
	struct mdc_provision_opts o = {0};
	long long t0 = mdc_now_ms();
	struct mdc_err err = {""};
	char *dir = NULL, *run = NULL;
	int ret;

	ret = provision_args(argc, argv, &o);
	if (ret == 0 && o.dir == NULL) {
		/* The installed layout: DIR in /var/lib, sockets in /run. */
		ret = mdc_cmd_default_dir("provision", o.domain, &dir);
		run = ret == 0 ? mdc_strdupf("%s/%s", rundir(), o.domain)
		               : NULL;
		if (ret == 0 && run == NULL)
			ret = 1;
		o.dir = dir;
		o.run_dir = run;
	}
	if (ret != 0)
		goto out;
	if (mdc_provision(&o, &err) != 0) {
		mdc_cmd_error("provision", "%s", err.text);
		ret = 1;
		goto out;
	}
	printf("provisioned %s in %s (%.1f s)\n", o.domain, o.dir,
	       (double)(mdc_now_ms() - t0) / 1000.0);
out:
	free(dir);
	free(run);
	return ret;
}

/* Parse the common "--dir DIR" option and load the config. */
int
mdc_cmd_load_dir(const char *cmd, int argc, char **argv,
                 struct mdc_dcconf *conf, int *foreground)
{
	static const struct option lo[] = {
	        {"dir", required_argument, NULL, 'D'},
	        {"domain", required_argument, NULL, 'd'},
	        {"foreground", no_argument, NULL, 'F'},
	        {NULL, 0, NULL, 0},
	};
	const char *dir = NULL, *domain = NULL;
	struct mdc_err err = {""};
	char *def = NULL;
	int ch, ret;

	optind = 1;
	while ((ch = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
		if (ch == 'D') {
			dir = optarg;
		} else if (ch == 'd') {
			domain = optarg;
		} else if (ch == 'F' && foreground != NULL) {
			*foreground = 1;
		} else {
			mdc_cmd_bad_option(cmd, argv, ch);
			return 2;
		}
	}
	if (optind != argc) {
		mdc_cmd_error(cmd, "unexpected argument '%s'", argv[optind]);
		return 2;
	}
	if (dir == NULL) {
		ret = mdc_cmd_default_dir(cmd, domain, &def);
		if (ret != 0)
			return ret;
		dir = def;
	}
	ret = mdc_dcconf_load(dir, conf, &err);
	if (ret != 0)
		mdc_cmd_error(cmd, "%s", err.text);
	free(def);
	return ret == 0 ? 0 : 1;
}

int
mdc_cmd_env(int argc, char **argv)
{
	struct mdc_dcconf c;
	int ret;

	ret = mdc_cmd_load_dir("env", argc, argv, &c, NULL);
	if (ret != 0)
		return ret;
	printf("export KRB5_CONFIG='%s/krb5.conf'\n", c.dir);
	printf("export LDAPURI='ldap://%s:%ld'\n", c.address, c.port_ldap);
	printf("export LDAPBASE='%s'\n", c.base_dn);
	printf("export LDAPTLS_CACERT='%s/tls/ca.crt'\n", c.dir);
	/* GSSAPI to ldap://<address> then asks for ldap/<address> (an SPN of
	 * the DC) instead of a name from the machine's reverse DNS. */
	printf("export LDAPSASL_NOCANON=on\n");
	printf("export MINIDC_DNS_SERVER='%s'\n", c.address);
	printf("export MINIDC_DNS_PORT='%ld'\n", c.port_dns);
	printf("export MINIDC_DIR='%s'\n", c.dir);
	mdc_dcconf_free(&c);
	return 0;
}

int
mdc_cmd_check_config(int argc, char **argv)
{
	struct mdc_dcconf c;
	int ret;

	ret = mdc_cmd_load_dir("check-config", argc, argv, &c, NULL);
	if (ret != 0)
		return ret;
	printf("%s/minidc.conf: ok (domain %s, realm %s, DC %s at %s)\n", c.dir,
	       c.dns_domain, c.realm, c.fqdn, c.address);
	mdc_dcconf_free(&c);
	return 0;
}
