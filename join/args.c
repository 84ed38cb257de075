/* join/args.c - minidc-join: command line, names, salt, SPNs, krb5.conf */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include "ad/salt.h"
#include "join/join.h"
#include "lib/ad.h"
#include "lib/util.h"

const char *
mdc_join_usage(void)
{
	return "usage: minidc-join join --domain DOMAIN [--server ADDR] "
	       "[--host-fqdn FQDN] [--host-ip IP] [-U USER]\n"
	       "                   [--password-file FILE | --stdin-password] "
	       "[--keytab PATH]\n"
	       "                   [--krb5-conf PATH | --krb5-conf-out PATH | "
	       "--no-krb5-conf] [--no-dns-update]\n"
	       "       minidc-join status --domain DOMAIN [--server ADDR] "
	       "[--host-fqdn FQDN] [--keytab PATH]\n"
	       "       minidc-join leave  --domain DOMAIN [--server ADDR] "
	       "[--host-fqdn FQDN] [-U USER]\n"
	       "                   [--password-file FILE | --stdin-password] "
	       "[--keytab PATH] [--no-dns-update]\n"
	       "       minidc-join rotate --domain DOMAIN [--server ADDR] "
	       "[--host-fqdn FQDN] [--keytab PATH]\n"
	       "       minidc-join help | COMMAND --help\n"
	       "USER: Administrator, EXAMPLE\\Administrator or "
	       "Administrator@example.com.  Passwords come from a prompt,\n"
	       "stdin or a 0600 file, never from arguments.  join writes the "
	       "host's krb5.conf (default /etc/krb5.conf)\n"
	       "if it does not exist; --krb5-conf-out replaces one, keeping "
	       "PATH.bak.\n";
}

static const struct {
	const char *name;
	enum mdc_join_cmd cmd;
} cmds[] = {
        {"join", MDC_JOIN_CMD_JOIN},
        {"status", MDC_JOIN_CMD_STATUS},
        {"leave", MDC_JOIN_CMD_LEAVE},
        {"rotate", MDC_JOIN_CMD_ROTATE},
};

/* The option table: offset of the const char * field, or -1 for flags. */
#define OPT(f) offsetof(struct mdc_join_opts, f)
static const struct {
	const char *name;
	size_t off;
} opts[] = {
        {"--domain", OPT(domain_arg)},
        {"--server", OPT(server)},
        {"--host-fqdn", OPT(host_arg)},
        {"-U", OPT(user)},
        {"--user", OPT(user)},
        {"--password-file", OPT(password_file)},
        {"--keytab", OPT(keytab)},
        {"--krb5-conf-out", OPT(krb5_conf_out)},
        {"--krb5-conf", OPT(krb5_conf)},
        {"--host-ip", OPT(host_ip)},
};

/* Match "--name value" or "--name=value"; 1 if matched (*i advanced). */
static int
take_value(int argc, char **argv, int *i, struct mdc_join_opts *o,
           struct mdc_err *e, int *ret)
{
	const char *a = argv[*i], *val = NULL;
	size_t k, n;

	for (k = 0; k < sizeof(opts) / sizeof(opts[0]); k++) {
		n = strlen(opts[k].name);
		if (strncmp(a, opts[k].name, n) != 0)
			continue;
		if (a[n] == '=')
			val = a + n + 1;
		else if (a[n] != '\0')
			continue;
		else if (*i + 1 < argc)
			val = argv[++*i];
		if (val == NULL || *val == '\0')
			*ret = mdc_err_set(e, MDC_EINVAL,
			                   "arguments: %s needs a value",
			                   opts[k].name);
		else
			*(const char **)((char *)o + opts[k].off) = val;
		return 1;
	}
	return 0;
}

static int
parse_flag(const char *a, struct mdc_join_opts *o, struct mdc_err *e)
{
	if (strcmp(a, "--stdin-password") == 0)
		o->stdin_password = 1;
	else if (strcmp(a, "--no-dns-update") == 0)
		o->no_dns = 1;
	else if (strcmp(a, "--no-krb5-conf") == 0)
		o->no_krb5_conf = 1;
	else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
		o->help = 1;
	else if (strncmp(a, "--password", 10) == 0 &&
	         strncmp(a, "--password-file", 15) != 0)
		return mdc_err_set(
		        e, MDC_EINVAL,
		        "arguments: passwords are never taken from arguments "
		        "(use --password-file or --stdin-password)");
	else
		return mdc_err_set(e, MDC_EINVAL,
		                   "arguments: unknown option '%.64s'", a);
	return 0;
}

static int
check_opts(struct mdc_join_opts *o, struct mdc_err *e)
{
	int needs_admin =
	        o->cmd == MDC_JOIN_CMD_JOIN || o->cmd == MDC_JOIN_CMD_LEAVE;
	struct in_addr a4;

	if (o->help)
		return 0;
	if (o->domain_arg == NULL)
		return mdc_err_set(e, MDC_EINVAL,
		                   "arguments: --domain is required");
	if (o->password_file != NULL && o->stdin_password)
		return mdc_err_set(
		        e, MDC_EINVAL,
		        "arguments: --password-file and --stdin-password "
		        "exclude each other");
	if (!needs_admin &&
	    (o->password_file != NULL || o->stdin_password || o->user != NULL))
		return mdc_err_set(
		        e, MDC_EINVAL,
		        "arguments: %s uses the keytab, not an admin password",
		        o->cmdname);
	if ((o->krb5_conf_out != NULL || o->krb5_conf != NULL ||
	     o->no_krb5_conf || o->host_ip != NULL) &&
	    o->cmd != MDC_JOIN_CMD_JOIN)
		return mdc_err_set(e, MDC_EINVAL,
		                   "arguments: --krb5-conf, --krb5-conf-out, "
		                   "--no-krb5-conf and --host-ip are for join "
		                   "only");
	if (o->no_krb5_conf + (o->krb5_conf != NULL) +
	            (o->krb5_conf_out != NULL) >
	    1)
		return mdc_err_set(
		        e, MDC_EINVAL,
		        "arguments: --krb5-conf, --krb5-conf-out and "
		        "--no-krb5-conf exclude each other");
	if (o->host_ip != NULL && inet_pton(AF_INET, o->host_ip, &a4) != 1)
		return mdc_err_set(
		        e, MDC_EINVAL,
		        "arguments: invalid --host-ip '%.64s' (expected an "
		        "IPv4 address such as 192.0.2.7)",
		        o->host_ip);
	if (o->user == NULL)
		o->user = "Administrator";
	if (o->keytab == NULL)
		o->keytab = "/etc/krb5.keytab";
	return 0;
}

int
mdc_join_parse(int argc, char **argv, struct mdc_join_opts *o,
               struct mdc_err *e)
{
	size_t k;
	int i, ret = 0;

	memset(o, 0, sizeof(*o));
	o->cmdname = "minidc-join";
	if (argc < 2)
		return mdc_err_set(
		        e, MDC_EINVAL,
		        "arguments: no command (join, status, leave, rotate)");
	for (k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++)
		if (strcmp(argv[1], cmds[k].name) == 0) {
			o->cmd = cmds[k].cmd;
			o->cmdname = cmds[k].name;
		}
	if (o->cmd == MDC_JOIN_CMD_NONE) {
		if (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0 ||
		    strcmp(argv[1], "help") == 0) {
			o->help = 1;
			return 0;
		}
		return mdc_err_set(
		        e, MDC_EINVAL,
		        "arguments: unknown command '%.64s' (join, status, "
		        "leave, rotate, help)",
		        argv[1]);
	}
	for (i = 2; i < argc && ret == 0; i++) {
		if (take_value(argc, argv, &i, o, e, &ret))
			continue;
		ret = parse_flag(argv[i], o, e);
	}
	if (ret != 0)
		return ret;
	return check_opts(o, e);
}

/* Copy src lower-cased without one trailing dot; MDC_EINVAL if too long. */
static int
copy_name(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n > 0 && src[n - 1] == '.')
		n--;
	if (n == 0 || n >= cap)
		return MDC_EINVAL;
	memcpy(dst, src, n);
	dst[n] = '\0';
	mdc_str_lower(dst);
	return 0;
}

/*
 * -U NAME, NETBIOS\NAME or NAME@SUFFIX (SUFFIX the domain or the realm,
 * any case) into o->admin_name.  Needs o->domain and o->realm.
 */
static int
derive_admin(struct mdc_join_opts *o, struct mdc_err *e)
{
	const char *given = o->user != NULL ? o->user : "Administrator";
	const char *u = given, *bs = strchr(u, '\\'), *at = strrchr(u, '@');
	size_t n;

	if (bs != NULL && (bs == u || bs - u > 15 || at != NULL))
		return mdc_err_set(
		        e, MDC_EINVAL,
		        "arguments: -U '%.64s': expected NAME, NETBIOS\\NAME "
		        "(NETBIOS: 1-15 characters) or NAME@DOMAIN",
		        given);
	if (bs != NULL)
		u = bs + 1;
	n = at != NULL ? (size_t)(at - u) : strlen(u);
	if (at != NULL && strcasecmp(at + 1, o->domain) != 0 &&
	    strcasecmp(at + 1, o->realm) != 0)
		return mdc_err_set(
		        e, MDC_EINVAL,
		        "arguments: -U '%.64s': the user must be in %s", given,
		        o->domain);
	if (n == 0 || n >= sizeof(o->admin_name) || memchr(u, '@', n) != NULL ||
	    strchr(u, '\\') != NULL)
		return mdc_err_set(e, MDC_EINVAL,
		                   "arguments: -U '%.64s': no user name",
		                   given);
	memcpy(o->admin_name, u, n);
	o->admin_name[n] = '\0';
	return 0;
}

int
mdc_join_derive(struct mdc_join_opts *o, const char *hostname,
                struct mdc_err *e)
{
	const char *h = o->host_arg != NULL ? o->host_arg : hostname;
	size_t n;

	if (copy_name(o->domain, sizeof(o->domain), o->domain_arg) != 0 ||
	    !mdc_domain_valid(o->domain))
		return mdc_err_set(
		        e, MDC_EINVAL,
		        "arguments: --domain %.64s is not a DNS domain name",
		        o->domain_arg);
	snprintf(o->realm, sizeof(o->realm), "%s", o->domain);
	mdc_str_upper(o->realm);
	if (h == NULL || copy_name(o->fqdn, sizeof(o->fqdn), h) != 0)
		return mdc_err_set(
		        e, MDC_EINVAL,
		        "arguments: no usable host name (give --host-fqdn)");
	if (strchr(o->fqdn, '.') == NULL) {
		n = strlen(o->fqdn);
		if (n + 1 + strlen(o->domain) >= sizeof(o->fqdn))
			return mdc_err_set(e, MDC_EINVAL,
			                   "arguments: host name too long");
		o->fqdn[n] = '.';
		memcpy(o->fqdn + n + 1, o->domain, strlen(o->domain) + 1);
	}
	n = strcspn(o->fqdn, ".");
	if (!mdc_domain_valid(o->fqdn) || n > 15)
		return mdc_err_set(
		        e, MDC_EINVAL,
		        "arguments: host name %.64s: need a DNS name whose "
		        "first label has 1-15 characters",
		        o->fqdn);
	memcpy(o->shortname, o->fqdn, n);
	o->shortname[n] = '\0';
	mdc_str_upper(o->shortname);
	snprintf(o->sam, sizeof(o->sam), "%s$", o->shortname);
	return derive_admin(o, e);
}

int
mdc_join_salt(const char *realm, const char *sam, const char *domain, char *out,
              size_t cap)
{
	size_t n = strlen(sam);
	char *salt;
	int ret = 0;

	/* A host's account: the KDC would salt a name without '$' otherwise. */
	if (n < 2 || sam[n - 1] != '$')
		return MDC_EINVAL;
	if ((salt = mdc_ad_salt(realm, domain, sam)) == NULL)
		return MDC_ENOMEM;
	if (strlen(salt) >= cap)
		ret = MDC_ESPACE;
	else
		memcpy(out, salt, strlen(salt) + 1);
	free(salt);
	return ret;
}

int
mdc_join_spns(const struct mdc_join_opts *o, char *spns[MDC_JOIN_NSPN])
{
	static const char *svc[] = {"host", "RestrictedKrbHost", "migrate"};
	size_t k;

	for (k = 0; k < 3; k++) {
		spns[2 * k] = mdc_strdupf("%s/%s", svc[k], o->shortname);
		spns[2 * k + 1] = mdc_strdupf("%s/%s", svc[k], o->fqdn);
	}
	for (k = 0; k < MDC_JOIN_NSPN; k++)
		if (spns[k] == NULL) {
			mdc_join_spns_free(spns);
			return MDC_ENOMEM;
		}
	return 0;
}

void
mdc_join_spns_free(char *spns[MDC_JOIN_NSPN])
{
	size_t k;

	for (k = 0; k < MDC_JOIN_NSPN; k++) {
		free(spns[k]);
		spns[k] = NULL;
	}
}

char *
mdc_join_krb5_conf(const struct mdc_join_opts *o, const char *addr)
{
	/* KDCs by address, no DNS or reverse lookups (names need no
	 * resolver; the machine's resolver is never consulted). */
	return mdc_strdupf("# krb5.conf for %s, written by minidc-join\n"
	                   "[libdefaults]\n"
	                   "\tdefault_realm = %s\n"
	                   "\tforwardable = true\n"
	                   "\tdns_lookup_kdc = false\n"
	                   "\tdns_lookup_realm = false\n"
	                   "\trdns = false\n"
	                   "\tdns_canonicalize_hostname = false\n"
	                   "[realms]\n"
	                   "\t%s = {\n"
	                   "\t\tkdc = %s:88\n"
	                   "\t\tadmin_server = %s\n"
	                   "\t\tkpasswd_server = %s:464\n"
	                   "\t}\n"
	                   "[domain_realm]\n"
	                   "\t.%s = %s\n"
	                   "\t%s = %s\n",
	                   o->realm, o->realm, o->realm, addr, addr, addr,
	                   o->domain, o->realm, o->domain, o->realm);
}
