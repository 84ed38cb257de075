/* migrate-auth/agent.c - minidc-migrate agent: the listener, one child per
 * connection (dispatch.h), the reaping of children and QEMUs, stopping;
 * signals, accepting and reaping go through lib/loop */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gssapi/gssapi.h>

#include "lib/loop.h"
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

/* The agent's main process: its loop, and what its callbacks need. */
struct agent {
	struct mdc_loop *loop;
	int lfd;
	int stop_sig; /* the signal that stopped us, or 0 */
	const struct mdc_conn *tmpl;
	const char *account;
	mdc_mig_say_fn say;
	void *arg;
	struct mdc_admit k;
	struct mdc_vm_env env;
	int timeout;
	pid_t self;
	struct mdc_out_self me; /* for the resolver of unfinished moves */
	pid_t resolver;         /* its pid while it runs, else 0 */
};

static void
handle_child(struct agent *a, struct mdc_conn *c)
{
	int fl;

	close(a->lfd);
	mdc_admit_child_start(c->admit, c->o->auth_timeout);
	/* The child takes SIGTERM/SIGINT as usual (the default: it dies). */
	mdc_loop_child(a->loop);
	/* a connection (a move's controller) does not outlive the agent */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != a->self)
		_exit(1);
	fl = fcntl(c->fd, F_GETFL);
	if (fl >= 0)
		(void)fcntl(c->fd, F_SETFL, fl & ~O_NONBLOCK);
	mdc_conn_timeouts(c->fd);
	(void)mdc_dispatch_serve(c, a->account, a->say, a->arg);
	close(c->fd);
	_exit(0);
}

/* Reap every child: connections, and QEMUs reparented to us (reported,
 * never restarted).  On SIGCHLD and when a child says it authenticated. */
static void
reap(struct agent *a)
{
	char name[MDC_MIG_MAX_VM + 1], text[512];
	struct mdc_admit_slot slot;
	pid_t pid;
	int st;

	mdc_admit_drain(&a->k);
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (pid == a->resolver) {
			a->resolver = 0;
			continue;
		}
		if (mdc_admit_remove(&a->k, pid, &slot)) {
			if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM) {
				mdc_admit_addr_text(&slot.addr, name,
				                    sizeof(name));
				mdc_conn_say(
				        a->say, a->arg, MDC_MIG_ERR,
				        "closed the connection from %s: not "
				        "authenticated within %d s",
				        name, a->timeout);
			}
			continue;
		}
		if (mdc_vm_reaped(&a->env, pid, st, name, sizeof(name), text,
		                  sizeof(text)))
			mdc_conn_say(a->say, a->arg, MDC_MIG_ERR, "%s", text);
	}
}

/*
 * A record of an outgoing move that no controller holds (its agent was
 * killed, or it lost the destination after the switch-over began): one
 * child at a time asks the destinations how those moves ended
 * (outgoing.h) while the agent serves.  Looked for every second.
 */
static void
on_resolve_tick(struct mdc_loop *l, void *arg)
{
	struct agent *a = arg;
	pid_t pid;

	(void)l;
	if (a->resolver != 0 || !mdc_out_orphaned(a->tmpl->o->state) ||
	    (pid = fork()) < 0)
		return;
	if (pid > 0) {
		a->resolver = pid;
		return;
	}
	close(a->lfd);
	mdc_loop_child(a->loop); /* SIGTERM/SIGINT: the default, it dies */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != a->self)
		_exit(1);
	mdc_out_resolve(&a->me, a->say, a->arg);
	_exit(0);
}

static void
on_sigchld(struct mdc_loop *l, int sig, void *arg)
{
	(void)l;
	(void)sig;
	reap(arg);
}

static void
on_admit(struct mdc_loop *l, int fd, int revents, void *arg)
{
	(void)l;
	(void)fd;
	(void)revents;
	reap(arg);
}

static void
on_stop(struct mdc_loop *l, int sig, void *arg)
{
	struct agent *a = arg;

	a->stop_sig = sig;
	mdc_loop_stop(l, 0);
}

/* A connection: one child serves it, unless its address has too many. */
static void
on_accept(struct mdc_loop *l, int lfd, int revents, void *arg)
{
	char text[MDC_MIG_MAX_TEXT + 1], line[512];
	struct agent *a = arg;
	struct mdc_conn c;
	socklen_t sl;
	pid_t pid;

	(void)l;
	(void)revents;
	c = *a->tmpl;
	sl = sizeof(c.peer);
	c.fd = accept4(lfd, (struct sockaddr *)&c.peer, &sl, SOCK_CLOEXEC);
	if (c.fd < 0)
		return;
	c.admit = &a->k;
	if (mdc_admit_check(&a->k, (struct sockaddr *)&c.peer, text,
	                    sizeof(text), line, sizeof(line)) != 0) {
		mdc_mig_send_error(c.fd, text);
		if (line[0])
			mdc_conn_say(a->say, a->arg, MDC_MIG_ERR, "%s", line);
	} else if ((pid = fork()) == 0) {
		handle_child(a, &c);
	} else if (pid > 0) {
		mdc_admit_add(&a->k, pid, (struct sockaddr *)&c.peer);
	}
	close(c.fd);
}

/* Accept connections until a stop signal (0) or a loop error. */
static int
serve_loop(struct agent *a)
{
	int ret;

	a->timeout = a->tmpl->o->auth_timeout > 0 ? a->tmpl->o->auth_timeout
	                                          : MDC_ADMIT_TIMEOUT_S;
	a->self = getpid();
	memset(&a->env, 0, sizeof(a->env));
	a->env.state = a->tmpl->o->state;
	a->env.storage = a->tmpl->o->storage;
	ret = mdc_admit_init(&a->k, a->tmpl->o->auth_per_address);
	if (ret == 0)
		ret = mdc_loop_watch(a->loop, a->lfd,
		                     MDC_LOOP_IN | MDC_LOOP_ACCEPT, on_accept,
		                     a);
	if (ret == 0)
		ret = mdc_loop_watch(a->loop, mdc_admit_fd(&a->k), MDC_LOOP_IN,
		                     on_admit, a);
	if (ret == 0)
		ret = mdc_loop_timer(a->loop, 0, 1000, on_resolve_tick, a,
		                     NULL);
	/* A child that ended before we watched is reaped now. */
	if (ret == 0)
		reap(a);
	if (ret == 0)
		ret = mdc_loop_run(a->loop);
	return ret;
}

/*
 * Signals (SIGTERM/SIGINT stop; SIGCHLD reaps), and the subreaper role
 * that makes every QEMU our child.
 */
static int
agent_setup(struct agent *a, struct mdc_err *e)
{
	int ret = mdc_loop_daemon(&a->loop, on_stop, a);

	if (ret == 0)
		ret = mdc_loop_signal(a->loop, SIGCHLD, on_sigchld, a);
	if (ret != 0)
		return mdc_err_set(e, ret, "signals: %s", mdc_strerror(ret));
	if ((ret = mdc_vm_become_reaper()) != 0)
		return mdc_err_set(e, ret, "PR_SET_CHILD_SUBREAPER: %s",
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
                  void *arg, struct mdc_err *e)
{
	char princ[512], fqdn[MDC_MIG_MAX_HOST + 1], ip[MDC_MIG_MAX_ADDR + 1];
	char account[512];
	/* static: the admission table is large */
	static struct agent a = {.lfd = -1};
	struct mdc_conn tmpl;
	gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
	OM_uint32 minor;
	int port, ret;

	if (mdc_mig_hostport(o->listen, MDC_MIG_DEFAULT_PORT, ip, sizeof(ip),
	                     &port) != 0)
		return mdc_err_set(e, MDC_EINVAL, "bad --listen %s", o->listen);
	/* never the user's or root's default ccache (research B) */
	if (setenv("KRB5CCNAME", "MEMORY:minidc-migrate-empty", 1) != 0)
		return mdc_err_set(e, MDC_ENOMEM, "setenv failed");
	if ((ret = mdc_agentid_resolve(o, princ, sizeof(princ), fqdn,
	                               sizeof(fqdn), account, sizeof(account),
	                               e)) != 0)
		return ret;
	if ((ret = mdc_agentid_cred(o, account, &cred, e)) != 0)
		return ret;
	(void)gss_release_cred(&minor, &cred);
	if ((ret = agent_setup(&a, e)) != 0)
		goto out;
	if ((ret = mdc_net_listen(ip, port, SOCK_STREAM, 0, &a.lfd)) != 0) {
		ret = mdc_err_set(e, ret, "listening on %s: %s", o->listen,
		                  mdc_strerror(ret));
		goto out;
	}
	mdc_conn_say(say, arg, MDC_MIG_INFO, "%s listening on %s as %s (%s)",
	             fqdn, o->listen, account, princ);
	memset(&tmpl, 0, sizeof(tmpl));
	tmpl.o = o;
	tmpl.fqdn = fqdn;
	tmpl.ip = ip;
	a.tmpl = &tmpl;
	a.account = account;
	a.say = say;
	a.arg = arg;
	a.me = (struct mdc_out_self){o, fqdn, ip, account};
	mdc_live_recover(o, say, arg);
	mdc_mig_agent_notify(o, "READY=1\nSTATUS=listening", say, arg);
	ret = serve_loop(&a);
	if (ret != 0) {
		ret = mdc_err_set(e, ret, "event loop: %s", mdc_strerror(ret));
		goto out;
	}
	mdc_conn_say(say, arg, MDC_MIG_INFO, "%s received: stopping",
	             a.stop_sig == SIGTERM ? "SIGTERM" : "SIGINT");
	mdc_mig_agent_notify(o, "STOPPING=1", say, arg);
	close(a.lfd);
	a.lfd = -1;
	agent_shutdown(o, say, arg);
out:
	if (a.lfd >= 0)
		close(a.lfd);
	mdc_loop_free(a.loop);
	return ret;
}
