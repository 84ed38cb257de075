/* dc/cmd.h - the `minidc` subcommand table */
#ifndef MDC_CMD_H
#define MDC_CMD_H

/*
 * A subcommand gets argv with argv[0] = its own name and returns the
 * process exit status (0 ok, 1 failure, 2 usage).  It prints its errors as
 * one line "minidc <cmd>: <what failed>: <why>" on stderr.
 */
struct mdc_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char
	        *usage; /* one line, shown by `minidc help`; NULL: internal */
};

/* The table, terminated by a NULL name (dc/commands.c). */
extern const struct mdc_cmd mdc_commands[];

/* Print "minidc <cmd>: <fmt...>" to stderr (one line). */
void mdc_cmd_error(const char *cmd, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* Subcommands implemented in dc/ (others declare theirs in their own .h). */
int mdc_cmd_provision(int argc, char **argv);
int mdc_cmd_run(int argc, char **argv);
int mdc_cmd_status(int argc, char **argv);
int mdc_cmd_stop(int argc, char **argv);
int mdc_cmd_env(int argc, char **argv);
int mdc_cmd_check_config(int argc, char **argv);
/* `minidc dns add|del|list|transfer ...`: edit the zones in the directory
 * (dc/cmd_dns.c). */
int mdc_cmd_dns(int argc, char **argv);

struct mdc_dcconf;
/*
 * Parse "--dir DIR" (and "--foreground" when foreground is non-NULL) and
 * load DIR/minidc.conf into conf.  Returns 0, or the exit status after
 * printing the error.  Shared by every subcommand that works on a DC.
 */
int mdc_cmd_load_dir(const char *cmd, int argc, char **argv,
                     struct mdc_dcconf *conf, int *foreground);

/*
 * The DC directory when --dir is not given (installed layout): with domain
 * <state dir>/<domain> (/var/lib/minidc/example.com), without it the one
 * domain provisioned there.  Sets *dir_out (caller frees) and returns 0,
 * or prints the error and returns the exit status (2: say --dir).
 */
int mdc_cmd_default_dir(const char *cmd, const char *domain, char **dir_out);
/* The installed layout's state directory: $MINIDC_STATEDIR (an absolute
 * path) or MDC_STATEDIR (/var/lib/minidc). */
const char *mdc_cmd_statedir(void);

/*
 * After getopt_long (optstring starting with ':') returned ch ('?' or ':')
 * for the argument before optind: print which one is wrong, "unknown
 * option '--x'" or "option '--dir' needs a value", naming cmd.
 */
void mdc_cmd_bad_option(const char *cmd, char **argv, int ch);

#endif
