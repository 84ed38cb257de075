/* migrate-auth/migrate.h - minidc-migrate commands (doc/PROTOCOL.migrate.md) */
#ifndef MDC_MIG_MIGRATE_H
#define MDC_MIG_MIGRATE_H

#include "lib/err.h"
#include "migrate-auth/sess.h"

/* Where a command's lines go: OUT = the result on stdout, INFO/ERR =
 * the agent's log, PROGRESS = a move's progress line (stderr: rewritten
 * in place on a terminal, one line each otherwise). */
enum mdc_mig_say { MDC_MIG_OUT, MDC_MIG_INFO, MDC_MIG_ERR, MDC_MIG_PROGRESS };
typedef void (*mdc_mig_say_fn)(void *arg, enum mdc_mig_say lvl,
                               const char *line);

struct mdc_mig_agent_opts {
	const char *keytab;        /* migrate/<fqdn> keys (and the account's) */
	const char *listen;        /* ADDR:PORT, numeric */
	const char *state;         /* DIR holding migrate.conf */
	const char *principal;     /* NULL: the keytab's migrate/<fqdn> */
	const char *storage;       /* NULL: no disk copies; else the directory
	                            * disks are read from (source) and written
	                            * to (destination) */
	const char *notify_socket; /* NULL, or $NOTIFY_SOCKET (READY=1 once
	                            * listening, STOPPING=1 on a signal) */
	int auth_timeout;          /* s from accept to the request read; 0:
	                            * MDC_ADMIT_TIMEOUT_S (admit.h) */
	int auth_per_address;      /* connections authenticating at once from
	                            * one address; 0: MDC_ADMIT_PER_ADDR */
};

/*
 * Run the agent in the foreground: one forked child per connection (it is
 * source or destination depending on the first message, or serves a VM
 * command).  The agent is a child subreaper: the QEMUs of its VMs are its
 * children, reaped and reported here.  SIGTERM/SIGINT stop the VMs and
 * return 0; otherwise it returns only on a failure (e->text says why).
 */
int mdc_mig_agent_run(const struct mdc_mig_agent_opts *o, mdc_mig_say_fn say,
                      void *arg, struct mdc_err *e);

/*
 * Run "minidc-migrate ARGS" (agent, enable, disable, network, move).
 * Returns 0, MDC_EINVAL for a usage error, or another MDC_E* with e->text
 * (a refusal is MDC_EDENIED with the destination's reason).
 */
int mdc_mig_main(int argc, char **argv, mdc_mig_say_fn say, void *arg,
                 struct mdc_err *e);
/* The usage text: every command's usage lines (usage.c). */
const char *mdc_mig_usage(void);

#endif
