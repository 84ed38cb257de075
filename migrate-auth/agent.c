/* migrate-auth/agent.c - minidc-migrate agent: the listener, one child per
 * connection (dispatch.h), the reaping of children and QEMUs, stopping */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gssapi/gssapi.h>

#include "lib/net.h"
#include "migrate-auth/admit.h"
#include "migrate-auth/agentconf.h"
#include "migrate-auth/agentid.h"
#include "migrate-auth/conn.h"
#include "migrate-auth/dispatch.h"
#include "migrate-auth/migrate.h"
#include "migrate-auth/movedst.h"
#include "migrate-auth/outgoing.h"
#include "migrate-auth/proto.h"
#include "migrate-auth/vmsvc.h"

#define VM_STOP_MS 10000 /* per VM when the agent shuts down */

/* Set by SIGTERM/SIGINT in the agent's main process (to the signal); the
 * pipe wakes the accept loop at once, whenever the signal comes. */
static volatile sig_atomic_t stop_requested;
static int stop_pipe[2] = {-1, -1};

static void
handle_child(struct mdc_conn *c, int lfd, const char *princ, mdc_mig_say_fn say,
             void *arg, pid_t parent)
{
	int fl;

	close(lfd);
	mdc_admit_child_start(c->admit, c->o->auth_timeout);
	(void)signal(SIGTERM, SIG_DFL);
	(void)signal(SIGINT, SIG_DFL);
	/* a connection (a move's controller) does not outlive the agent */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(1);
	fl = fcntl(c->fd, F_GETFL);
	if (fl >= 0)
		(void)fcntl(c->fd, F_SETFL, fl & ~O_NONBLOCK);
	mdc_conn_timeouts(c->fd);
	(void)mdc_dispatch_serve(c, princ, say, arg);
	close(c->fd);
	_exit(0);
}

static void
on_stop(int sig)
{
	int saved = errno;

	stop_requested = sig;
	if (stop_pipe[1] >= 0)
		(void)!write(stop_pipe[1], "", 1);
	errno = saved;
}

/* Reap every child: connections, and QEMUs reparented to us (reported,
 * never restarted). */
static void
reap(struct mdc_admit *k, const struct mdc_vm_env *env, mdc_mig_say_fn say,
     void *arg, int timeout, pid_t *resolver)
{
	char name[MDC_MIG_MAX_VM + 1], text[512];
	struct mdc_admit_slot slot;
	pid_t pid;
	int st;

	mdc_admit_drain(k);
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (pid == *resolver) {
			*resolver = 0;
			continue;
		}
		if (mdc_admit_remove(k, pid, &slot)) {
			if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM) {
				mdc_admit_addr_text(&slot.addr, name,
				                    sizeof(name));
				mdc_conn_say(
				        say, arg, MDC_MIG_ERR,
				        "closed the connection from %s: not "
				        "authenticated within %d s",
				        name, timeout);
			}
			continue;
		}
		if (mdc_vm_reaped(env, pid, st, name, sizeof(name), text,
		                  sizeof(text)))
			mdc_conn_say(say, arg, MDC_MIG_ERR, "%s", text);
	}
}

/*
 * A record of an outgoing move that no controller holds (its agent was
 * killed, or it lost the destination after the switch-over began): one
 * child at a time asks the destinations how those moves ended
 * (outgoing.h) while the agent serves.
 */
static pid_t
resolver_start(int lfd, const struct mdc_out_self *self, mdc_mig_say_fn say,
               void *arg, pid_t parent)
{
	pid_t pid;

	if (!mdc_out_orphaned(self->o->state) || (pid = fork()) < 0)
		return 0;
	if (pid > 0)
		return pid;
	close(lfd);
	(void)signal(SIGTERM, SIG_DFL);
	(void)signal(SIGINT, SIG_DFL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(1);
	mdc_out_resolve(self, say, arg);
	_exit(0);
}

/* Accept connections until poll fails or a stop signal; one child per
 * connection. */
static void
serve_loop(int lfd, const struct mdc_conn *tmpl, const char *account,
           mdc_mig_say_fn say, void *arg)
{
	struct mdc_vm_env env;
	static struct mdc_admit k;
	struct mdc_conn c;
	struct mdc_out_self me = {tmpl->o, tmpl->fqdn, tmpl->ip, account};
	socklen_t sl;
	pid_t pid, self = getpid(), resolver = 0;
	int timeout = tmpl->o->auth_timeout > 0 ? tmpl->o->auth_timeout
	                                        : MDC_ADMIT_TIMEOUT_S;
	char text[MDC_MIG_MAX_TEXT + 1], line[512];

	if (mdc_admit_init(&k, tmpl->o->auth_per_address) != 0)
		return;
	memset(&env, 0, sizeof(env));
	env.state = tmpl->o->state;
	env.storage = tmpl->o->storage;
	while (!stop_requested) {
		struct pollfd p[3] = {{lfd, POLLIN, 0},
		                      {stop_pipe[0], POLLIN, 0},
		                      {mdc_admit_fd(&k), POLLIN, 0}};
		/* wake up now and then to reap the children */
		if (poll(p, 3, 1000) < 0 && errno != EINTR)
			return;
		reap(&k, &env, say, arg, timeout, &resolver);
		if (resolver == 0)
			resolver = resolver_start(lfd, &me, say, arg, self);
		if (stop_requested || !(p[0].revents & POLLIN))
			continue;
		c = *tmpl;
		sl = sizeof(c.peer);
		c.fd = accept4(lfd, (struct sockaddr *)&c.peer, &sl,
		               SOCK_CLOEXEC);
		if (c.fd < 0)
			continue;
		c.admit = &k;
		if (mdc_admit_check(&k, (struct sockaddr *)&c.peer, text,
		                    sizeof(text), line, sizeof(line)) != 0) {
			mdc_mig_send_error(c.fd, text);
			if (line[0])
				mdc_conn_say(say, arg, MDC_MIG_ERR, "%s", line);
		} else if ((pid = fork()) == 0)
			handle_child(&c, lfd, account, say, arg, self);
		else if (pid > 0)
			mdc_admit_add(&k, pid, (struct sockaddr *)&c.peer);
		close(c.fd);
	}
}

/* Signals, and the subreaper role that makes every QEMU our child. */
static int
agent_setup(struct mdc_mig_err *e)
{
	struct sigaction sa;
	int ret;

	if (stop_pipe[0] < 0 && pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		return mdc_mig_seterr(e, mdc_err_from_errno(errno), "pipe: %s",
		                      strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) != 0 ||
	    sigaction(SIGINT, &sa, NULL) != 0)
		return mdc_mig_seterr(e, mdc_err_from_errno(errno),
		                      "sigaction: %s", strerror(errno));
	if ((ret = mdc_vm_become_reaper()) != 0)
		return mdc_mig_seterr(e, ret, "PR_SET_CHILD_SUBREAPER: %s",
		                      mdc_strerror(ret));
	return 0;
}

/* After a stop signal: stop the VMs, wait for the connections. */
static void
agent_shutdown(const struct mdc_mig_agent_opts *o, mdc_mig_say_fn say,
               void *arg)
{
	struct mdc_vm_env env;
	int n;

	memset(&env, 0, sizeof(env));
	env.state = o->state;
	env.storage = o->storage;
	n = mdc_vm_stop_all(&env, VM_STOP_MS);
	mdc_conn_say(say, arg, MDC_MIG_INFO, "stopping: %d VM(s) stopped", n);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

int
mdc_mig_agent_run(const struct mdc_mig_agent_opts *o, mdc_mig_say_fn say,
                  void *arg, struct mdc_mig_err *e)
{
	char princ[512], fqdn[MDC_MIG_MAX_HOST + 1], ip[MDC_MIG_MAX_ADDR + 1];
	char account[512];
	struct mdc_conn tmpl;
	gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
	OM_uint32 minor;
	int lfd, port, ret;

	if (mdc_mig_hostport(o->listen, MDC_MIG_DEFAULT_PORT, ip, sizeof(ip),
	                     &port) != 0)
		return mdc_mig_seterr(e, MDC_EINVAL, "bad --listen %s",
		                      o->listen);
	/* never the user's or root's default ccache (research B) */
	if (setenv("KRB5CCNAME", "MEMORY:minidc-migrate-empty", 1) != 0)
		return mdc_mig_seterr(e, MDC_ENOMEM, "setenv failed");
	if ((ret = mdc_agentid_resolve(o, princ, sizeof(princ), fqdn,
	                               sizeof(fqdn), account, sizeof(account),
	                               e)) != 0)
		return ret;
	if ((ret = mdc_agentid_cred(o, account, &cred, e)) != 0)
		return ret;
	(void)gss_release_cred(&minor, &cred);
	if ((ret = agent_setup(e)) != 0)
		return ret;
	if ((ret = mdc_net_listen(ip, port, SOCK_STREAM, 0, &lfd)) != 0)
		return mdc_mig_seterr(e, ret, "listening on %s: %s", o->listen,
		                      mdc_strerror(ret));
	mdc_conn_say(say, arg, MDC_MIG_INFO, "%s listening on %s as %s (%s)",
	             fqdn, o->listen, account, princ);
	memset(&tmpl, 0, sizeof(tmpl));
	tmpl.o = o;
	tmpl.fqdn = fqdn;
	tmpl.ip = ip;
	mdc_live_recover(o, say, arg);
	mdc_mig_agent_notify(o, "READY=1\nSTATUS=listening", say, arg);
	serve_loop(lfd, &tmpl, account, say, arg);
	if (stop_requested) {
		mdc_conn_say(say, arg, MDC_MIG_INFO, "%s received: stopping",
		             stop_requested == SIGTERM ? "SIGTERM" : "SIGINT");
		mdc_mig_agent_notify(o, "STOPPING=1", say, arg);
		close(lfd);
		agent_shutdown(o, say, arg);
		return 0;
	}
	ret = mdc_mig_seterr(e, mdc_err_from_errno(errno), "poll: %s",
	                     strerror(errno));
	close(lfd);
	return ret;
}
