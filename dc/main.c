/* dc/main.c - `minidc`: provision and run a domain controller */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "dc/cmd.h"

static void
usage(FILE *f)
{
	const struct mdc_cmd *c;

	fprintf(f, "usage: minidc <command> [options]\n\ncommands:\n");
	for (c = mdc_commands; c->name != NULL; c++)
		if (c->usage != NULL)
			fprintf(f, "  %s\n", c->usage);
}

/*
 * Keys, passwords and tickets pass through this process and the services it
 * starts (slapd, krb5kdc and kadmind inherit the limit): no core files.
 */
static void
no_core_dumps(void)
{
	struct rlimit rl = {0, 0};

	setrlimit(RLIMIT_CORE, &rl);
	prctl(PR_SET_DUMPABLE, 0);
}

int
main(int argc, char **argv)
{
	const struct mdc_cmd *c;

	no_core_dumps();
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	for (c = mdc_commands; c->name != NULL; c++)
		if (strcmp(c->name, argv[1]) == 0)
			return c->fn(argc - 1, argv + 1);
	fprintf(stderr, "minidc: unknown command '%s' (try: minidc help)\n",
	        argv[1]);
	return 2;
}
