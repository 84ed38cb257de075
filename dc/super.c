/* dc/super.c - supervisor: ordered start with readiness, restart, stop */
#include "config.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dc/guard.h"
#include "dc/service.h"
#include "dc/super.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/net.h"
#include "lib/notify.h"
#include "lib/proc.h"
#include "lib/util.h"

#define MAX_SVC        16
#define BACKOFF_MAX_MS 10000
#define STABLE_MS      30000 /* a child that ran this long restarts at once */

enum svc_state {
	SVC_DISABLED,
	SVC_STOPPED,
	SVC_STARTING,
	SVC_RUNNING,
	SVC_BACKOFF
};
static const char *const state_names[] = {"disabled", "stopped", "starting",
                                          "running", "restarting"};

struct svc {
	const struct mdc_service *def;
	enum svc_state state;
	pid_t pid;
	int out_fd;                  /* read end of the child's stdout+stderr */
	struct mdc_guard *guard;     /* its socket, if def->guard_socket */
	int w_out, w_chan, w_listen; /* the fds the loop watches for it */
	char line[2048];
	size_t linelen;
	int restarts;
	int backoff_ms;
	long long started_ms, next_ms;
};

struct super {
	const struct mdc_dcconf *conf;
	char *notify_socket; /* $NOTIFY_SOCKET of a systemd Type=notify unit */
	const char *self;
	struct svc svc[MAX_SVC];
	int n;
	struct mdc_loop *loop;
	int ctl_fd;
	int stopping;
};

/* Relay complete lines of a child's output into our log. */
static void
relay_output(struct svc *s, int flush)
{
	ssize_t n;

	for (;;) {
		char *nl;

		n = read(s->out_fd, s->line + s->linelen,
		         sizeof(s->line) - 1 - s->linelen);
		if (n > 0)
			s->linelen += (size_t)n;
		s->line[s->linelen] = '\0';
		while ((nl = strchr(s->line, '\n')) != NULL) {
			*nl = '\0';
			if (nl > s->line)
				mdc_log_line(s->def->name, s->line);
			s->linelen -= (size_t)(nl + 1 - s->line);
			memmove(s->line, nl + 1, s->linelen + 1);
		}
		if (s->linelen == sizeof(s->line) - 1 ||
		    (flush && n <= 0 && s->linelen > 0)) {
			mdc_log_line(s->def->name, s->line);
			s->linelen = 0;
		}
		if (n <= 0)
			break;
	}
	if (n == 0 || flush) {
		close(s->out_fd);
		s->out_fd = -1;
	}
}

static int
svc_spawn(struct super *sp, struct svc *s)
{
	char **argv = NULL, **envp = NULL, *cwd = NULL;
	int pfd[2] = {-1, -1}, ret;

	ret = s->def->argv(sp->conf, sp->self, &argv, &envp);
	if (ret != 0)
		goto out;
	if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) != 0) {
		ret = mdc_err_from_errno(errno);
		goto out;
	}
	if (s->guard != NULL)
		ret = mdc_guard_arm(s->guard);
	if (ret == 0 && s->def->workdir != NULL) {
		cwd = mdc_dc_path(sp->conf, s->def->workdir);
		ret = cwd == NULL ? MDC_ENOMEM : 0;
	}
	if (ret == 0)
		ret = mdc_proc_spawn_in(argv, envp, pfd[1], cwd, &s->pid);
	if (s->guard != NULL) {
		mdc_guard_spawned(s->guard);
		if (ret != 0)
			(void)mdc_guard_gone(s->guard);
	}
	if (ret != 0)
		goto out;
	if (s->out_fd >= 0)
		close(s->out_fd);
	s->out_fd = pfd[0];
	pfd[0] = -1;
	s->state = SVC_STARTING;
	s->started_ms = mdc_now_ms();
	log_info("%s: started (pid %d)", s->def->name, (int)s->pid);
out:
	if (ret != 0)
		log_err_r(ret, "%s: cannot start", s->def->name);
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	mdc_strv_free(argv);
	mdc_strv_free(envp);
	free(cwd);
	return ret;
}

/* A child exited: log why, and schedule a restart unless stopping. */
static void
svc_exited(struct super *sp, struct svc *s, int status)
{
	long long now = mdc_now_ms();
	int n;

	if (s->out_fd >= 0)
		relay_output(s, 1);
	/* What it accepted and did not answer gets an error, not silence;
	 * so does what waited for it (not replayed to the next instance). */
	n = mdc_guard_gone(s->guard);
	if (s->guard != NULL)
		n += mdc_guard_refuse(s->guard);
	if (n > 0)
		log_warn("%s: answered %d unfinished request%s with an error",
		         s->def->name, n, n == 1 ? "" : "s");
	/* An exit we asked for is news, not a warning. */
	if (WIFSIGNALED(status))
		mdc_log(sp->stopping ? MDC_LOG_INFO : MDC_LOG_WARN,
		        "%s: pid %d killed by signal %d", s->def->name,
		        (int)s->pid, WTERMSIG(status));
	else
		mdc_log(sp->stopping ? MDC_LOG_INFO : MDC_LOG_WARN,
		        "%s: pid %d exited with status %d", s->def->name,
		        (int)s->pid, WEXITSTATUS(status));
	s->pid = -1;
	if (sp->stopping) {
		s->state = SVC_STOPPED;
		return;
	}
	if (now - s->started_ms > STABLE_MS)
		s->backoff_ms = 0;
	s->next_ms = now + s->backoff_ms;
	log_info("%s: restarting in %d ms", s->def->name, s->backoff_ms);
	s->backoff_ms = s->backoff_ms == 0 ? 250 : s->backoff_ms * 2;
	if (s->backoff_ms > BACKOFF_MAX_MS)
		s->backoff_ms = BACKOFF_MAX_MS;
	s->restarts++;
	s->state = SVC_BACKOFF;
}

static void
on_sigchld(struct mdc_loop *l, int sig, void *arg)
{
	struct super *sp = arg;
	int status;
	pid_t pid;

	(void)l;
	(void)sig;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (int i = 0; i < sp->n; i++)
			if (sp->svc[i].pid == pid)
				svc_exited(sp, &sp->svc[i], status);
}

static void
on_stop(struct mdc_loop *l, int sig, void *arg)
{
	struct super *sp = arg;

	(void)l;
	if (!sp->stopping)
		log_info("signal %d: stopping", sig);
	sp->stopping = 1;
}

/* Answer one control request on a fresh connection. */
static void
serve_control(struct mdc_loop *l, int lfd, int revents, void *arg)
{
	struct super *sp = arg;
	char req[64] = "", *ans = NULL;
	size_t len = 0;
	FILE *mem;
	ssize_t n;
	int fd;

	(void)l;
	(void)revents;
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	/* Requests are one short line sent at once by `minidc status|stop`. */
	struct pollfd pfd = {fd, POLLIN, 0};

	if (poll(&pfd, 1, 1000) == 1 &&
	    (n = read(fd, req, sizeof(req) - 1)) > 0)
		req[n] = '\0';
	mdc_str_chomp(req);
	mem = open_memstream(&ans, &len);
	if (mem == NULL)
		goto out;
	if (strcmp(req, "status") == 0) {
		fprintf(mem, "%-10s %-10s %-8s %s\n", "SERVICE", "STATE", "PID",
		        "RESTARTS");
		for (int i = 0; i < sp->n; i++) {
			struct svc *s = &sp->svc[i];

			fprintf(mem, "%-10s %-10s %-8d %d\n", s->def->name,
			        state_names[s->state],
			        s->pid > 0 ? (int)s->pid : 0, s->restarts);
		}
	} else if (strcmp(req, "stop") == 0) {
		log_info("stop requested on the control socket");
		sp->stopping = 1;
		fprintf(mem, "stopping\n");
	} else {
		fprintf(mem, "error: unknown request\n");
	}
	fclose(mem);
	if (send(fd, ans, len, MSG_NOSIGNAL) < 0)
		log_debug("control: reply not sent");
out:
	free(ans);
	close(fd);
}

/* The callbacks check the fd is still the service's: one closed by an
 * earlier event of the same pass may still be reported. */
static void
on_output(struct mdc_loop *l, int fd, int revents, void *arg)
{
	struct svc *s = arg;

	(void)l;
	(void)revents;
	if (s->out_fd == fd)
		relay_output(s, 0);
}

static void
on_guard_chan(struct mdc_loop *l, int fd, int revents, void *arg)
{
	struct svc *s = arg;

	(void)l;
	(void)revents;
	if (mdc_guard_chan_fd(s->guard) == fd)
		mdc_guard_read(s->guard);
}

static void
on_guard_listen(struct mdc_loop *l, int fd, int revents, void *arg)
{
	struct svc *s = arg;

	(void)l;
	(void)revents;
	/* Only while no instance runs (a reaped one may have been
	 * restarted by an event handled before this one). */
	if (mdc_guard_listen_fd(s->guard) == fd)
		mdc_guard_refuse(s->guard);
}

/*
 * Make the loop watch fd (or nothing, -1) in the role *watched has.  Pass
 * 0 drops what changed, pass 1 adds: an fd number freed by one service
 * and reused by another is dropped before it is added again.
 */
static void
watch_role(struct super *sp, int pass, int *watched, int fd, mdc_loop_fd_fn fn,
           struct svc *s)
{
	if (*watched == fd)
		return;
	if (pass == 0 && *watched >= 0) {
		(void)mdc_loop_unwatch(sp->loop, *watched);
		*watched = -1;
	}
	if (pass == 1 && fd >= 0 &&
	    mdc_loop_watch(sp->loop, fd, MDC_LOOP_IN, fn, s) == 0)
		*watched = fd;
}

/* The services' fds come and go with their instances. */
static void
watch_services(struct super *sp)
{
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < sp->n; i++) {
			struct svc *s = &sp->svc[i];

			watch_role(sp, pass, &s->w_out, s->out_fd, on_output,
			           s);
			if (s->guard == NULL)
				continue;
			watch_role(sp, pass, &s->w_chan,
			           mdc_guard_chan_fd(s->guard), on_guard_chan,
			           s);
			watch_role(sp, pass, &s->w_listen,
			           mdc_guard_listen_fd(s->guard),
			           on_guard_listen, s);
		}
}

/* Wait up to ms for events, then handle them all. */
static void
loop_once(struct super *sp, int ms)
{
	int ret;

	watch_services(sp);
	ret = mdc_loop_once(sp->loop, ms);
	if (ret != 0)
		log_debug("event loop: %s", mdc_strerror(ret));
}

/* Start what is due, promote what became ready. */
static void
tick(struct super *sp)
{
	long long now = mdc_now_ms();

	for (int i = 0; i < sp->n && !sp->stopping; i++) {
		struct svc *s = &sp->svc[i];

		if (s->state == SVC_BACKOFF && now >= s->next_ms)
			(void)svc_spawn(sp, s);
		if (s->state == SVC_STARTING &&
		    (s->guard == NULL || mdc_guard_ready(s->guard)) &&
		    s->def->ready(sp->conf) == 0) {
			s->state = SVC_RUNNING;
			log_info("%s: ready (%lld ms)", s->def->name,
			         mdc_now_ms() - s->started_ms);
		}
	}
}

/* Start every service in order, each ready before the next; 0 or error. */
static int
start_all(struct super *sp, struct mdc_err *err)
{
	for (int i = 0; i < sp->n; i++) {
		struct svc *s = &sp->svc[i];
		long long end;

		if (s->state == SVC_DISABLED)
			continue;
		if (svc_spawn(sp, s) != 0) {
			return mdc_err_set(err, MDC_ECHILD,
			                   "%s could not be started",
			                   s->def->name);
		}
		end = mdc_now_ms() + s->def->ready_timeout_ms;
		while (s->state != SVC_RUNNING) {
			loop_once(sp, 50);
			if (sp->stopping) {
				return mdc_err_set(err, MDC_ECHILD,
				                   "stopped during start-up");
			}
			if (s->state != SVC_STARTING || mdc_now_ms() > end) {
				return mdc_err_set(err, MDC_ECHILD,
				                   "%s failed to start (see "
				                   "%s/log/minidc.log)",
				                   s->def->name, sp->conf->dir);
			}
			tick(sp);
		}
	}
	return 0;
}

/* Stop services in reverse order: SIGTERM, 5 s grace, then SIGKILL. */
static void
stop_all(struct super *sp)
{
	sp->stopping = 1;
	for (int i = sp->n - 1; i >= 0; i--) {
		struct svc *s = &sp->svc[i];
		long long end = mdc_now_ms() + 5000;

		if (s->pid <= 0)
			continue;
		log_info("%s: stopping (pid %d)", s->def->name, (int)s->pid);
		kill(-s->pid, SIGTERM);
		while (s->pid > 0 && mdc_now_ms() < end)
			loop_once(sp, 50);
		if (s->pid > 0) {
			log_warn("%s: did not stop in 5 s, killing",
			         s->def->name);
			kill(-s->pid, SIGKILL);
			while (s->pid > 0)
				loop_once(sp, 50);
		}
	}
}

/* The guard socket's peer is a service of another user (slapd). */
static int
share_guard(const char *path, const char *group)
{
	struct group *g = getgrnam(group);

	if (g == NULL)
		return MDC_ENOENT;
	if (chown(path, 0, g->gr_gid) != 0 || chmod(path, 0660) != 0)
		return mdc_err_from_errno(errno);
	return 0;
}

/* The socket a guarded service is reached on is ours (dc/guard.h). */
static int
setup_guard(struct super *sp, struct svc *s, struct mdc_err *err)
{
	char *path = mdc_dc_path(sp->conf, s->def->guard_socket);
	int ret;

	ret = path == NULL
	              ? MDC_ENOMEM
	              : mdc_guard_new(path, s->def->guard_reply, &s->guard);
	if (ret == 0 && s->def->guard_group != NULL)
		ret = share_guard(path, s->def->guard_group);
	if (ret != 0)
		mdc_err_set(err, ret, "%s: socket %s: %s", s->def->name,
		            path != NULL ? path : "?", mdc_strerror(ret));
	free(path);
	return ret;
}

/*
 * Signals come through the loop (lib/loop.h): SIGCHLD reaps, SIGTERM and
 * SIGINT stop, SIGHUP is taken and dropped (a closed terminal must not
 * stop the domain controller).
 */
static int
setup_loop(struct super *sp)
{
	int ret = mdc_loop_daemon(&sp->loop, on_stop, sp);

	if (ret == 0)
		ret = mdc_loop_signal(sp->loop, SIGCHLD, on_sigchld, sp);
	if (ret == 0)
		ret = mdc_loop_signal(sp->loop, SIGHUP, NULL, NULL);
	return ret;
}

static int
setup(struct super *sp, struct mdc_err *err)
{
	char *ctl = mdc_dc_path(sp->conf, "run/control.sock");
	int ret = setup_loop(sp);

	if (ret != 0) {
		mdc_err_set(err, ret, "signals: %s", mdc_strerror(ret));
		free(ctl);
		return ret;
	}
	/* Children inherit it: their lines come back through relay_output(). */
	setenv("MINIDC_SUPERVISED", "1", 1);
	ret = ctl == NULL ? MDC_ENOMEM : mdc_net_listen_unix(ctl, &sp->ctl_fd);
	if (ret == MDC_EADDRINUSE)
		mdc_err_set(err, ret,
		            "a domain controller is already running in %s",
		            sp->conf->dir);
	else if (ret != 0)
		mdc_err_set(err, ret, "control socket %s: %s", ctl,
		            mdc_strerror(ret));
	else
		ret = mdc_loop_watch(sp->loop, sp->ctl_fd, MDC_LOOP_IN,
		                     serve_control, sp);
	free(ctl);
	if (ret != 0)
		return ret;
	for (int i = 0; mdc_services[i] != NULL && sp->n < MAX_SVC; i++) {
		struct svc *s = &sp->svc[sp->n++];

		memset(s, 0, sizeof(*s));
		s->def = mdc_services[i];
		s->pid = -1;
		s->out_fd = -1;
		s->w_out = s->w_chan = s->w_listen = -1;
		s->state = s->def->enabled == NULL ||
		                           s->def->enabled(sp->conf) == 0
		                   ? SVC_STOPPED
		                   : SVC_DISABLED;
		if (s->state != SVC_DISABLED && s->def->prepare != NULL)
			ret = s->def->prepare(sp->conf, err);
		if (ret == 0 && s->state != SVC_DISABLED &&
		    s->def->guard_socket != NULL)
			ret = setup_guard(sp, s, err);
		if (ret != 0)
			return ret;
	}
	return 0;
}

static void
notify(int fd, const char *msg)
{
	if (fd >= 0 && write(fd, msg, strlen(msg)) < 0)
		log_debug("start-up notification not delivered");
}

/*
 * Tell systemd (Type=notify) our state: "READY=1" once every service is
 * ready, "STOPPING=1" when stopping.  The variable is taken out of the
 * environment so that no child (slapd, krb5kdc) speaks for us.
 */
static void
take_notify_socket(struct super *sp)
{
	const char *env = getenv("NOTIFY_SOCKET");

	if (env != NULL && env[0] != '\0')
		sp->notify_socket = strdup(env);
	unsetenv("NOTIFY_SOCKET");
}

static void
sd_notify_state(const struct super *sp, const char *msg)
{
	int ret;

	if (sp->notify_socket == NULL)
		return;
	ret = mdc_notify_send(sp->notify_socket, msg);
	if (ret != 0)
		log_err_r(ret, "service manager notification to %s",
		          sp->notify_socket);
}

int
mdc_super_run(const struct mdc_dcconf *conf, const char *self, int notify_fd)
{
	struct super sp = {.conf = conf, .self = self, .ctl_fd = -1};
	struct mdc_err err = {""};
	char *pidfile = mdc_dc_path(conf, "run/minidc.pid");
	char status[600];
	int ret;

	take_notify_socket(&sp);
	ret = setup(&sp, &err);
	if (ret == 0 && pidfile != NULL)
		ret = mdc_file_printf(pidfile, 0644, "%d\n", (int)getpid());
	if (ret == 0) {
		log_info("starting domain controller %s for %s", conf->fqdn,
		         conf->realm);
		ret = start_all(&sp, &err);
	}
	if (ret == 0) {
		log_info("all services ready");
		notify(notify_fd, "ok\n");
		snprintf(status, sizeof(status),
		         "READY=1\nSTATUS=domain controller %s for %s: all "
		         "services ready",
		         conf->fqdn, conf->realm);
		sd_notify_state(&sp, status);
		while (!sp.stopping) {
			loop_once(&sp, 200);
			tick(&sp);
		}
	} else {
		log_err("start-up failed: %s", mdc_err_text(&err, ret));
		notify(notify_fd, mdc_err_text(&err, ret));
		snprintf(status, sizeof(status), "STATUS=start-up failed: %s",
		         mdc_err_text(&err, ret));
		sd_notify_state(&sp, status);
	}
	sd_notify_state(&sp, "STOPPING=1");
	stop_all(&sp);
	for (int i = 0; i < sp.n; i++)
		mdc_guard_free(sp.svc[i].guard);
	log_info("domain controller stopped");
	if (sp.ctl_fd >= 0) {
		char *ctl = mdc_dc_path(conf, "run/control.sock");

		close(sp.ctl_fd);
		if (ctl != NULL)
			unlink(ctl);
		free(ctl);
	}
	if (pidfile != NULL)
		unlink(pidfile);
	free(pidfile);
	free(sp.notify_socket);
	mdc_loop_free(sp.loop);
	return ret == 0 ? 0 : 1;
}

int
mdc_super_request(const struct mdc_dcconf *conf, const char *req,
                  char **answer_out)
{
	char *ctl = mdc_dc_path(conf, "run/control.sock"), *buf = NULL;
	char *line = NULL;
	size_t len = 0, cap = 0;
	int fd = -1, ret;

	*answer_out = NULL;
	ret = ctl == NULL ? MDC_ENOMEM : mdc_net_connect_unix(ctl, &fd);
	if (ret == -ECONNREFUSED || ret == MDC_ENOENT)
		ret = MDC_ENOENT; /* no supervisor (a stale socket refuses) */
	if (ret != 0)
		goto out;
	line = mdc_strdupf("%s\n", req);
	/* One send: the supervisor answers after its first read. */
	if (line == NULL || send(fd, line, strlen(line), MSG_NOSIGNAL) < 0) {
		ret = mdc_err_from_errno(errno);
		goto out;
	}
	for (;;) {
		char tmp[1024];
		ssize_t n = read(fd, tmp, sizeof(tmp));

		if (n <= 0)
			break;
		if (len + (size_t)n + 1 > cap) {
			char *nb =
			        realloc(buf, cap = (len + (size_t)n + 1) * 2);

			if (nb == NULL) {
				ret = MDC_ENOMEM;
				goto out;
			}
			buf = nb;
		}
		memcpy(buf + len, tmp, (size_t)n);
		len += (size_t)n;
		buf[len] = '\0';
	}
	*answer_out = buf != NULL ? buf : strdup("");
	buf = NULL;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(line);
	free(ctl);
	return ret;
}
