/* migrate-auth/agentconf.c - the agent's settings from migrate.conf, and
 * what it tells the service manager */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/notify.h"
#include "lib/util.h"
#include "migrate-auth/agentconf.h"

static void
fill(const char **field, const char *value)
{
	if (*field == NULL && value[0] != '\0')
		*field = value;
}

/* What minidc-migrate-agent.service needs with no file at all. */
static void
packaged_defaults(struct mdc_mig_agent_opts *o)
{
	fill(&o->listen, MDC_MIG_AGENT_LISTEN);
	fill(&o->keytab, MDC_MIG_AGENT_KEYTAB);
	fill(&o->state, MDC_SYSCONFDIR);
	/* the packaged layout's storage, never a test's or another state's */
	if (o->storage == NULL && strcmp(o->state, MDC_SYSCONFDIR) == 0)
		o->storage = MDC_STATEDIR "/storage";
}

int
mdc_mig_agentconf_apply(const char *path, struct mdc_mig_agent_opts *o,
                        struct mdc_mig_agentconf *keep, struct mdc_err *e)
{
	const char *p = path ? path : MDC_SYSCONFDIR "/migrate.conf";
	const struct mdc_mig_agent_settings *a = &keep->file.agent;
	const char *slash;
	char dir[MDC_MIG_MAX_SETTING + 1], abs[PATH_MAX];
	struct mdc_err why = {""};
	size_t n;

	memset(keep, 0, sizeof(*keep));
	/* without --config, a host with no file runs on its arguments */
	if (path == NULL && !mdc_path_exists(p)) {
		packaged_defaults(o);
		return 0;
	}
	if (mdc_mig_state_load_file(p, &keep->file, &why) != 0)
		return mdc_err_set(e, MDC_ECONF, "%.200s: %.300s", p, why.text);
	/* absolute: QEMU's sockets and files are named from it */
	slash = strrchr(p, '/');
	n = slash == NULL ? 0 : (size_t)(slash - p);
	if (n >= sizeof(dir))
		return mdc_err_set(e, MDC_ECONF, "%.200s: path too long", p);
	memcpy(dir, slash == NULL ? "." : (n == 0 ? "/" : p),
	       slash == NULL || n == 0 ? 1 : n);
	dir[slash == NULL || n == 0 ? 1 : n] = '\0';
	if (realpath(dir, abs) == NULL)
		return mdc_err_set(e, MDC_ECONF, "%.200s: %s", dir,
		                   strerror(errno));
	if (strlen(abs) >= sizeof(keep->dir))
		return mdc_err_set(e, MDC_ECONF, "%.200s: path too long", abs);
	memcpy(keep->dir, abs, strlen(abs) + 1);
	fill(&o->listen, a->listen);
	fill(&o->keytab, a->keytab);
	fill(&o->state, a->state);
	fill(&o->storage, a->storage);
	fill(&o->principal, a->principal);
	if (o->auth_timeout == 0)
		o->auth_timeout = a->auth_timeout;
	if (o->auth_per_address == 0)
		o->auth_per_address = a->auth_per_address;
	fill(&o->state, keep->dir);
	packaged_defaults(o);
	return 0;
}

void
mdc_mig_agent_notify(const struct mdc_mig_agent_opts *o, const char *msg,
                     mdc_mig_say_fn say, void *arg)
{
	char line[512];
	int ret;

	if (o->notify_socket == NULL)
		return;
	if ((ret = mdc_notify_send(o->notify_socket, msg)) == 0)
		return;
	snprintf(line, sizeof(line),
	         "service manager notification to %.300s failed: %s",
	         o->notify_socket, mdc_strerror(ret));
	say(arg, MDC_MIG_ERR, line);
}
