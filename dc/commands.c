/* dc/commands.c - the table of `minidc` subcommands (one line per command) */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "dc/admin.h"
#include "dc/cldap.h"
#include "dc/cmd.h"
#include "dc/dnsglue.h"
#include "dc/dsa.h"
#include "dc/replica.h"

/* Every command on a DC takes [--dir DIR | --domain D] (DIR defaults to
 * the installed layout's /var/lib/minidc/<domain>). */
#define WHERE "[--dir DIR | --domain D]"

const struct mdc_cmd mdc_commands[] = {
        {"provision", mdc_cmd_provision,
         "provision --domain D [--dir DIR] [--realm R] [--netbios N] "
         "[--host-name H] [--host-ip IP] [--adminpass-file F] "
         "[--base-port 1024-65000] [--forwarder IP[:PORT]|none]... "
         "[--force] | provision --join-dc DC --domain D [--dir DIR] "
         "[--join-dc-ip IP] [--host-name H] [--host-ip IP] [-U USER] "
         "[--password-file F | --stdin-password]"},
        {"run", mdc_cmd_run, "run " WHERE " [--foreground]"},
        {"status", mdc_cmd_status, "status " WHERE},
        {"stop", mdc_cmd_stop, "stop " WHERE},
        {"demote", mdc_cmd_demote, "demote " WHERE},
        {"env", mdc_cmd_env,
         "env " WHERE "        (eval \"$(minidc env --dir DIR)\")"},
        {"check-config", mdc_cmd_check_config, "check-config " WHERE},
        {"cldap-serve", mdc_cmd_cldap_serve, NULL},
        {"dsa-serve", mdc_cmd_dsa_serve, NULL},
        {"replica-watch", mdc_cmd_replica_watch, NULL},
        {"dns-serve", dns_glue_serve, NULL},
        {"dns", mdc_cmd_dns,
         "dns list|add|del|addzone|delzone " WHERE
         " [--ttl 0-2147483647] [NAME TYPE [DATA...] | ZONE] | dns "
         "transfer allow|deny ZONE ADDR[/PREFIX]|any | dns transfer list "
         "ZONE"},
        {"user", mdc_cmd_user,
         "user add|del|passwd|enable|disable|unlock NAME | user list " WHERE
         " [--password-file F] [--kerberos]"},
        {"group", mdc_cmd_group,
         "group add NAME | addmember|delmember GROUP ACCOUNT | list "
         "[GROUP] " WHERE},
        {"computer", mdc_cmd_computer, "computer list | del NAME " WHERE},
        {"delegation", mdc_cmd_delegation,
         "delegation allow|deny ACCOUNT SPN | list ACCOUNT " WHERE},
        {NULL, NULL, NULL},
};

void
mdc_cmd_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "minidc %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
