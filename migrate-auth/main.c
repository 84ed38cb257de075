/* migrate-auth/main.c - minidc-migrate: Kerberos-authenticated VM moves */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "lib/log.h"
#include "migrate-auth/migrate.h"

static void
say(void *arg, enum mdc_mig_say lvl, const char *line)
{
	static int open_bar; /* a progress line ends without a newline */

	(void)arg;
	if (open_bar && lvl != MDC_MIG_PROGRESS) {
		fputc('\n', stderr);
		open_bar = 0;
	}
	if (lvl == MDC_MIG_OUT) {
		printf("%s\n", line);
		fflush(stdout);
	} else if (lvl == MDC_MIG_PROGRESS) {
		if (isatty(2)) {
			fprintf(stderr, "\r%s\033[K", line);
			open_bar = 1;
		} else
			fprintf(stderr, "%s\n", line);
	} else if (lvl == MDC_MIG_INFO) {
		log_info("%s", line);
	} else {
		log_err("%s", line);
	}
}

int
main(int argc, char **argv)
{
	struct rlimit nocore = {0, 0};
	struct mdc_err e = {""};
	int ret;

	/* the agent holds host keys and users' delegated tickets */
	(void)setrlimit(RLIMIT_CORE, &nocore);
	(void)signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		fputs(mdc_mig_usage(), stderr);
		return 2;
	}
	/* a move's Ctrl-C must end the CLI (that cancels it), even when
	 * started with SIGINT ignored (a background job of a script) */
	if (strcmp(argv[1], "move") == 0)
		(void)signal(SIGINT, SIG_DFL);
	if (strcmp(argv[1], "agent") == 0)
		(void)mdc_log_open("minidc-migrate", NULL, MDC_LOG_INFO);
	ret = mdc_mig_main(argc, argv, say, NULL, &e);
	if (ret == 0)
		return 0;
	fprintf(stderr, "minidc-migrate %s: %s\n", argv[1], e.text);
	return ret == MDC_EINVAL ? 2 : 1;
}
