/* join/main.c - minidc-join: enroll this host in an AD-style domain */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "join/join.h"

static void
print_line(void *arg, const char *line)
{
	(void)arg;
	printf("%s\n", line);
	fflush(stdout);
}

/* The krb5.conf libkrb5 reads on this host: --krb5-conf, else the first
 * file of $KRB5_CONFIG, else /etc/krb5.conf. */
static const char *
host_krb5_conf(const struct mdc_join_opts *o, char *buf, size_t cap)
{
	const char *env = getenv("KRB5_CONFIG");

	if (o->krb5_conf != NULL)
		return o->krb5_conf;
	if (env == NULL || env[0] == '\0')
		return "/etc/krb5.conf";
	snprintf(buf, cap, "%.*s", (int)strcspn(env, ":"), env);
	return buf;
}

int
main(int argc, char **argv)
{
	struct rlimit nocore = {0, 0};
	struct mdc_join_opts o;
	struct mdc_err e = {""};
	char conf[4096];
	int ret;

	/* It holds an admin password and new keys: no core files. */
	(void)setrlimit(RLIMIT_CORE, &nocore);
	/* A DC that drops a connection is an error line, not a signal. */
	(void)signal(SIGPIPE, SIG_IGN);
	ret = mdc_join_parse(argc, argv, &o, &e);
	if (ret == 0)
		o.krb5_conf_host = host_krb5_conf(&o, conf, sizeof(conf));
	if (ret == 0 && o.help) {
		fputs(mdc_join_usage(), stdout);
		return 0;
	}
	if (ret == 0)
		ret = mdc_join_run(&o, print_line, NULL, &e);
	if (ret != 0) {
		/* Before a command is known, no command name. */
		if (o.cmd == MDC_JOIN_CMD_NONE)
			fprintf(stderr, "minidc-join: %s\n",
			        mdc_err_text(&e, ret));
		else
			fprintf(stderr, "minidc-join %s: %s\n", o.cmdname,
			        mdc_err_text(&e, ret));
		/* A usage error: the library's step is "arguments". */
		if (ret == MDC_EINVAL && strncmp(e.text, "arguments:", 10) == 0)
			fputs(mdc_join_usage(), stderr);
		return ret == MDC_EINVAL ? 2 : 1;
	}
	return 0;
}
