/* dc/main.c - `minidc`: provision and run a domain controller */
#include "config.h"

#include <getopt.h>
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
	fprintf(f,
	        "\nWithout --dir, commands use %s/<domain> (--domain D, "
	        "or the one domain there).\n"
	        "minidc <command> --help shows one command; man minidc "
	        "has the details.\n",
	        mdc_cmd_statedir());
}

/* "minidc CMD help", "minidc CMD ... --help" or "-h" anywhere. */
static int
wants_help(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[2], "help") == 0)
		return 1;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)
			return 1;
	}
	return 0;
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
	opterr = 0; /* the commands name a bad option themselves */
	for (c = mdc_commands; c->name != NULL; c++) {
		if (strcmp(c->name, argv[1]) != 0)
			continue;
		if (c->usage != NULL && wants_help(argc, argv)) {
			printf("usage: minidc %s\n", c->usage);
			return 0;
		}
		return c->fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "minidc: unknown command '%s' (try: minidc help)\n",
	        argv[1]);
	return 2;
}
