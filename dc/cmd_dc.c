/* dc/cmd_dc.c - the provision, env and check-config subcommands */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dc/cmd.h"
#include "dc/dcconf.h"
#include "dc/provision.h"
#include "lib/proc.h"

int
mdc_cmd_provision(int argc, char **argv)
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
	        {"join-dc", required_argument, NULL, 'J'},
	        {"join-dc-ip", required_argument, NULL, 'I'},
	        {"password-file", required_argument, NULL, 'p'},
	        {"stdin-password", no_argument, NULL, 'S'},
	        {"user", required_argument, NULL, 'U'},
	        {NULL, 0, NULL, 0},
	};
	struct mdc_provision_opts o = {0};
	long long t0 = mdc_now_ms();
	char err[1024] = "", *end;
	int ch;

	while ((ch = getopt_long(argc, argv, "U:", lo, NULL)) != -1) {
		switch (ch) {
		case 'J':
			o.join_dc = optarg;
			break;
		case 'I':
			o.join_dc_ip = optarg;
			break;
		case 'S':
			o.stdin_password = 1;
			break;
		case 'U':
			o.user = optarg;
			break;
		case 'd':
			o.domain = optarg;
			break;
		case 'r':
			o.realm = optarg;
			break;
		case 'n':
			o.netbios = optarg;
			break;
		case 'D':
			o.dir = optarg;
			break;
		case 'H':
			o.host_name = optarg;
			break;
		case 'i':
			o.host_ip = optarg;
			break;
		case 'p':
			o.adminpass_file = optarg;
			break;
		case 'f':
			o.force = 1;
			break;
		case 'b':
			o.base_port = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || o.base_port == 0) {
				mdc_cmd_error("provision",
				              "invalid --base-port '%s'",
				              optarg);
				return 2;
			}
			break;
		default:
			mdc_cmd_error("provision", "usage: minidc %s",
			              mdc_commands[0].usage);
			return 2;
		}
	}
	if (optind != argc || o.domain == NULL || o.dir == NULL) {
		mdc_cmd_error("provision", "--domain and --dir are required");
		return 2;
	}
	if (mdc_provision(&o, err, sizeof(err)) != 0) {
		mdc_cmd_error("provision", "%s", err);
		return 1;
	}
	printf("provisioned %s in %s (%.1f s)\n", o.domain, o.dir,
	       (double)(mdc_now_ms() - t0) / 1000.0);
	return 0;
}

/* Parse the common "--dir DIR" option and load the config. */
int
mdc_cmd_load_dir(const char *cmd, int argc, char **argv,
                 struct mdc_dcconf *conf, int *foreground)
{
	static const struct option lo[] = {
	        {"dir", required_argument, NULL, 'D'},
	        {"foreground", no_argument, NULL, 'F'},
	        {NULL, 0, NULL, 0},
	};
	const char *dir = NULL;
	char err[1024];
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (ch == 'D')
			dir = optarg;
		else if (ch == 'F' && foreground != NULL)
			*foreground = 1;
		else
			goto usage;
	}
	if (dir == NULL || optind != argc)
		goto usage;
	if (mdc_dcconf_load(dir, conf, err, sizeof(err)) != 0) {
		mdc_cmd_error(cmd, "%s", err);
		return 1;
	}
	return 0;
usage:
	mdc_cmd_error(cmd, "usage: minidc %s --dir DIR%s", cmd,
	              foreground != NULL ? " [--foreground]" : "");
	return 2;
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
