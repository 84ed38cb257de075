/* migrate-auth/usage.c - minidc-migrate's usage texts, per command */
#include "config.h"

#include <string.h>

#include "migrate-auth/migrate.h"
#include "migrate-auth/usage.h"

/* Every command with its text; the top-level usage is their first lines,
 * so a command cannot be missing from it. */
static const struct {
	const char *cmd;
	const char *text;
} cmds[] = {
        {"agent",
         "usage: minidc-migrate agent [--config FILE] [--keytab KT] "
         "[--listen ADDR:PORT] [--state DIR]\n"
         "           [--storage-dir DIR] [--principal migrate/FQDN]\n"
         "  Serve moves and VM commands in the foreground.  What the\n"
         "  command line does not give comes from the [agent] section of\n"
         "  --config FILE (default " MDC_SYSCONFDIR "/migrate.conf, if it\n"
         "  exists); --state defaults to that file's directory.\n"
         "  --keytab KT          migrate/FQDN keys and the host account's\n"
         "  --listen ADDR:PORT   numeric address to listen on\n"
         "  --state DIR          the directory holding migrate.conf\n"
         "  --storage-dir DIR    disk copies and VM files (none: no disks)\n"
         "  --principal P        the agent's name (default: the keytab's "
         "migrate/FQDN)\n"},
        {"enable", "usage: minidc-migrate enable --state DIR\n"
                   "  Accept incoming migrations (Enable-VMMigration).\n"},
        {"disable", "usage: minidc-migrate disable --state DIR\n"
                    "  Refuse incoming migrations (Disable-VMMigration).\n"},
        {"network",
         "usage: minidc-migrate network add|remove CIDR --state DIR\n"
         "       minidc-migrate network list --state DIR\n"
         "  The networks moves may come from and go to "
         "(Add-VMMigrationNetwork);\n"
         "  CIDR is ADDR/PREFIX with the host bits zero.\n"},
        {"move",
         "usage: minidc-migrate move VM --to FQDN --via ADDR:PORT "
         "[--dest-addr ADDR:PORT] [--direct SOURCE-FQDN]\n"
         "           [--include-storage --storage-path DIR] "
         "[--bandwidth MIB/S] [--storage-bandwidth MIB/S]\n"
         "           [--downtime MS] [--no-auto-converge] [--watchdog S] "
         "[--no-encrypt] [--json]\n"
         "       minidc-migrate move --cancel VM --via ADDR:PORT\n"
         "  Move VM from the agent at --via (the source) to --to.\n"
         "  --dest-addr ADDR:PORT  the destination agent, when DNS holds "
         "another address\n"
         "  --bandwidth MIB/S      1-1048576; --storage-bandwidth the "
         "same\n"
         "  --downtime MS          the longest pause allowed\n"
         "  --watchdog S           1-3600\n"
         "  (a VM the source does not define: --storage-path P is one disk "
         "file,\n"
         "   [--dest-path NAME] [--compress zstd|none])\n"},
        {"check", "usage: minidc-migrate check VM --to FQDN --via ADDR:PORT "
                  "[--dest-addr ADDR:PORT] [--storage-path DIR]\n"
                  "  The preflight of a move (Compare-VM): one line per "
                  "prerequisite,\n"
                  "  'ok WHAT' or 'MISSING WHAT' and the command that fixes it "
                  "('unchecked\n"
                  "  WHAT' behind a missing one, 'n/a WHAT' for what a VM "
                  "the source\n"
                  "  does not define never meets); exit 0 when none is "
                  "missing, 1 otherwise.\n"},
        {"vm",
         "usage: minidc-migrate vm create NAME --via ADDR:PORT "
         "--memory MIB --disk FILE [--disk FILE...]\n"
         "           [--kernel F [--initrd F] [--append STR]] "
         "[--nic bridge=BR,mac=MAC...] [--cpu-model M | --compat]\n"
         "       minidc-migrate vm start NAME --via ADDR:PORT [--paused]\n"
         "       minidc-migrate vm stop|show|rm NAME --via ADDR:PORT\n"
         "       minidc-migrate vm list --via ADDR:PORT\n"
         "  VMs on the agent at --via (doc/vm.md); --memory is 16-1048576 "
         "MiB.\n"},
        {"accel", "usage: minidc-migrate accel [auto|kvm|tcg] --state DIR\n"
                  "  Show or set QEMU's accelerator for this host's VMs.\n"},
        {"help", "usage: minidc-migrate help [COMMAND]\n"},
};

const char *
mdc_mig_cmd_usage(const char *cmd)
{
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].cmd, cmd) == 0)
			return cmds[i].text;
	return NULL;
}

const char *
mdc_mig_usage(void)
{
	static char text[4096];
	const char *t, *nl;
	size_t i, n = 0, len;

	if (text[0] != '\0')
		return text;
	/* "usage: minidc-migrate X" lines, the first one with "usage: " */
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		for (t = cmds[i].text; strncmp(t, "usage: ", 7) == 0 ||
		                       strncmp(t, "       ", 7) == 0;
		     t = nl + 1) {
			nl = strchr(t, '\n');
			len = (size_t)(nl - t) - 7;
			if (n + len + 9 >= sizeof(text))
				return text;
			memcpy(text + n, n == 0 ? "usage: " : "       ", 7);
			memcpy(text + n + 7, t + 7, len);
			n += len + 7;
			text[n++] = '\n';
			text[n] = '\0';
		}
	return text;
}
