/* migrate-auth/agentconf.h - the agent's settings from migrate.conf, and
 * what it tells the service manager */
#ifndef MDC_MIG_AGENTCONF_H
#define MDC_MIG_AGENTCONF_H

#include "migrate-auth/migrate.h"
#include "migrate-auth/state.h"

/* The defaults of what neither the command line nor the file gives. */
#define MDC_MIG_AGENT_LISTEN "0.0.0.0:6600"
#define MDC_MIG_AGENT_KEYTAB "/etc/krb5.keytab"

/* Storage for the strings mdc_mig_agentconf_apply points o at. */
struct mdc_mig_agentconf {
	struct mdc_mig_state file;
	char dir[MDC_MIG_MAX_SETTING + 1]; /* the file's directory */
};

/*
 * Fill the fields of o the command line left NULL from the [agent]
 * section of the file at path (migrate.conf(5)); with path NULL, of
 * MDC_SYSCONFDIR/migrate.conf if that exists (else nothing changes).
 * o->state defaults to the file's directory (else MDC_SYSCONFDIR), listen
 * and keytab to the MDC_MIG_AGENT_* values, the storage directory to
 * MDC_STATEDIR/storage when the state directory is MDC_SYSCONFDIR (the
 * packaged layout; else none).  Returns 0 or MDC_ECONF with
 * e->text naming the file and the problem.
 */
MDC_MUSTCHECK int mdc_mig_agentconf_apply(const char *path,
                                          struct mdc_mig_agent_opts *o,
                                          struct mdc_mig_agentconf *keep,
                                          struct mdc_err *e);

/*
 * Send msg ("READY=1", "STOPPING=1") to o->notify_socket, if set; a
 * failure is one error line through say, never fatal.
 */
void mdc_mig_agent_notify(const struct mdc_mig_agent_opts *o, const char *msg,
                          mdc_mig_say_fn say, void *arg);

#endif
