/* dc/commands.c - the table of `minidc` subcommands (one line per command) */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "dc/admin.h"
#include "dc/cldap.h"
#include "dc/cmd.h"
#include "dc/dsa.h"
#include "dc/replica.h"
#include "dns/dns.h"

const struct mdc_cmd mdc_commands[] = {
        {"provision", mdc_cmd_provision,
         "provision --domain D --dir DIR [--realm R] [--netbios N] "
         "[--host-name H] "
         "[--host-ip IP] [--adminpass-file F] [--base-port N] [--force]"},
        {"run", mdc_cmd_run, "run --dir DIR [--foreground]"},
        {"status", mdc_cmd_status, "status --dir DIR"},
        {"stop", mdc_cmd_stop, "stop --dir DIR"},
        {"demote", mdc_cmd_demote, "demote --dir DIR"},
        {"env", mdc_cmd_env,
         "env --dir DIR        (eval \"$(minidc env --dir DIR)\")"},
        {"check-config", mdc_cmd_check_config, "check-config --dir DIR"},
        {"cldap-serve", mdc_cmd_cldap_serve, NULL},
        {"dsa-serve", mdc_cmd_dsa_serve, NULL},
        {"replica-watch", mdc_cmd_replica_watch, NULL},
        {"dns-serve", dns_cmd_serve, NULL},
        {"dns", dns_cmd_admin,
         "dns list|add|del|addzone|delzone --dir DIR [--ttl N] [NAME TYPE "
         "[DATA...] | ZONE]"},
        {"user", mdc_cmd_user,
         "user add|del|passwd|enable|disable NAME | user list --dir DIR "
         "[--password-file F] [--kerberos]"},
        {"group", mdc_cmd_group,
         "group add NAME | addmember|delmember GROUP ACCOUNT | list [GROUP] "
         "--dir DIR"},
        {"computer", mdc_cmd_computer, "computer list | del NAME --dir DIR"},
        {"delegation", mdc_cmd_delegation,
         "delegation allow|deny ACCOUNT SPN | list ACCOUNT --dir DIR"},
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
