/* dc/cmd_run.c - the run, status and stop subcommands */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ad/dcconf.h"
#include "dc/cmd.h"
#include "dc/replica.h"
#include "dc/service.h"
#include "dc/super.h"
#include "lib/log.h"
#include "lib/proc.h"
#include "lib/util.h"

/* Detach: the parent waits for the child's start-up verdict on a pipe. */
static int
run_daemon(const struct mdc_dcconf *c, const char *self, const char *logpath)
{
	char msg[512] = "";
	int pfd[2], fd;
	ssize_t n;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) != 0) {
		mdc_cmd_error("run", "pipe: %s", strerror(errno));
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		mdc_cmd_error("run", "fork: %s", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		close(pfd[0]);
		setsid();
		/* Only 0-2 survive: children must not inherit these. */
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
		fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		          0640);
		if (fd >= 0)
			dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
		mdc_log_open("minidc", NULL,
		             c->log_debug ? MDC_LOG_DEBUG : MDC_LOG_INFO);
		_exit(mdc_super_run(c, self, pfd[1]));
	}
	close(pfd[1]);
	n = read(pfd[0], msg, sizeof(msg) - 1);
	close(pfd[0]);
	msg[n > 0 ? n : 0] = '\0';
	if (strcmp(msg, "ok\n") == 0) {
		printf("minidc: domain controller %s for %s running (pid %d); "
		       "log: %s\n",
		       c->fqdn, c->realm, (int)pid, logpath);
		return 0;
	}
	mdc_str_chomp(msg);
	mdc_cmd_error("run", "%s",
	              msg[0] ? msg : "start-up failed (see the log)");
	(void)mdc_proc_wait(pid, 10000, NULL);
	return 1;
}

/* DIR/run may be a link into /run (installed layout), emptied at boot. */
static int
make_run_dir(const struct mdc_dcconf *c)
{
	char *link = mdc_dc_path(c, "run"), target[PATH_MAX];
	ssize_t n =
	        link != NULL ? readlink(link, target, sizeof(target) - 1) : -1;
	int ret = 0;

	if (n > 0) {
		target[n] = '\0';
		ret = mdc_mkdir_p(target, 0755);
		if (ret != 0)
			mdc_cmd_error("run", "cannot create %s: %s", target,
			              mdc_strerror(ret));
	}
	free(link);
	return ret;
}

int
mdc_cmd_run(int argc, char **argv)
{
	struct mdc_dcconf c;
	struct mdc_err err = {""};
	char self[PATH_MAX], *logpath = NULL, *answer = NULL;
	int fg = 0, ret;
	ssize_t n;

	ret = mdc_cmd_load_dir("run", argc, argv, &c, &fg);
	if (ret != 0)
		return ret;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	logpath = mdc_dc_path(&c, "log/minidc.log");
	if (logpath == NULL || make_run_dir(&c) != 0) {
		ret = 1;
		goto out;
	}
	if (mdc_super_request(&c, "status", &answer) == 0) {
		mdc_cmd_error("run",
		              "a domain controller is already running in %s",
		              c.dir);
		ret = 1;
		goto out;
	}
	/* A layout the services cannot work in: one line now, not later. */
	if (mdc_services_check(&c, &err) != 0) {
		mdc_cmd_error("run", "%s", err.text);
		ret = 1;
		goto out;
	}
	if (fg) {
		if (mdc_log_open("minidc", logpath,
		                 c.log_debug ? MDC_LOG_DEBUG : MDC_LOG_INFO) !=
		    0)
			mdc_cmd_error("run",
			              "cannot open %s (logging to stderr only)",
			              logpath);
		ret = mdc_super_run(&c, self, -1);
	} else {
		ret = run_daemon(&c, self, logpath);
	}
out:
	free(answer);
	free(logpath);
	mdc_dcconf_free(&c);
	return ret;
}

int
mdc_cmd_status(int argc, char **argv)
{
	struct mdc_dcconf c;
	char *answer = NULL;
	int ret;

	ret = mdc_cmd_load_dir("status", argc, argv, &c, NULL);
	if (ret != 0)
		return ret;
	ret = mdc_super_request(&c, "status", &answer);
	if (ret == MDC_ENOENT) {
		printf("domain controller %s: not running\n", c.fqdn);
		ret = 3; /* as LSB status: program is not running */
	} else if (ret != 0) {
		mdc_cmd_error("status", "control socket: %s",
		              mdc_strerror(ret));
		ret = 1;
	} else {
		printf("domain controller %s (%s): running\n%s", c.fqdn,
		       c.realm, answer);
		(void)mdc_replica_status(&c, stdout);
		ret = 0;
	}
	free(answer);
	mdc_dcconf_free(&c);
	return ret;
}

int
mdc_cmd_stop(int argc, char **argv)
{
	struct mdc_dcconf c;
	char *answer = NULL;
	long long end;
	int ret;

	ret = mdc_cmd_load_dir("stop", argc, argv, &c, NULL);
	if (ret != 0)
		return ret;
	ret = mdc_super_request(&c, "stop", &answer);
	free(answer);
	answer = NULL;
	if (ret == MDC_ENOENT) {
		printf("domain controller %s: not running\n", c.fqdn);
		ret = 0;
		goto out;
	}
	if (ret != 0) {
		mdc_cmd_error("stop", "control socket: %s", mdc_strerror(ret));
		ret = 1;
		goto out;
	}
	/* Stopped when the control socket no longer answers. */
	for (end = mdc_now_ms() + 60000; mdc_now_ms() < end; mdc_sleep_ms(50)) {
		if (mdc_super_request(&c, "status", &answer) != 0)
			break;
		free(answer);
		answer = NULL;
	}
	free(answer);
	if (mdc_now_ms() >= end) {
		mdc_cmd_error("stop",
		              "domain controller still running after 60 s");
		ret = 1;
		goto out;
	}
	printf("domain controller %s: stopped\n", c.fqdn);
out:
	mdc_dcconf_free(&c);
	return ret;
}
