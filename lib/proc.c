/* lib/proc.c - spawn, run and stop child processes */
#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/proc.h"

extern char **environ;

long long
mdc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
mdc_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* In the child: wire fds and exec; never returns. */
static void
child_exec(char *const argv[], char *const envp[], int in_fd, int out_fd,
           const char *cwd)
{
	sigset_t none;
	int devnull;

	setpgid(0, 0);
	/* A child must not outlive its supervisor (kill -9 of minidc). */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	devnull = open("/dev/null", O_RDWR);
	dup2(in_fd >= 0 ? in_fd : devnull, STDIN_FILENO);
	if (out_fd >= 0) {
		dup2(out_fd, STDOUT_FILENO);
		dup2(out_fd, STDERR_FILENO);
	}
	if (cwd != NULL && chdir(cwd) != 0)
		_exit(127);
	execve(argv[0], argv, envp != NULL ? envp : environ);
	_exit(127);
}

int
mdc_proc_spawn(char *const argv[], char *const envp[], int log_fd,
               pid_t *pid_out)
{
	return mdc_proc_spawn_in(argv, envp, log_fd, NULL, pid_out);
}

int
mdc_proc_spawn_in(char *const argv[], char *const envp[], int log_fd,
                  const char *cwd, pid_t *pid_out)
{
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return mdc_err_from_errno(errno);
	if (pid == 0)
		child_exec(argv, envp, -1, log_fd, cwd);
	setpgid(pid, pid);
	*pid_out = pid;
	return 0;
}

int
mdc_proc_wait(pid_t pid, int timeout_ms, int *status)
{
	long long end = mdc_now_ms() + timeout_ms;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid) {
			if (status != NULL)
				*status = st;
			return 0;
		}
		if (r < 0)
			return mdc_err_from_errno(errno);
		if (mdc_now_ms() >= end)
			return MDC_ETIMEDOUT;
		mdc_sleep_ms(10);
	}
}

void
mdc_proc_stop(pid_t pid, int timeout_ms)
{
	if (pid <= 0)
		return;
	kill(-pid, SIGTERM);
	kill(pid, SIGTERM);
	if (mdc_proc_wait(pid, timeout_ms, NULL) == 0)
		return;
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	if (mdc_proc_wait(pid, 2000, NULL) != 0)
		return; /* unkillable: nothing more to do */
}

/* Append what is readable on fd to a growing buffer; 0 at EOF, 1 if more. */
static int
drain(int fd, char **buf, size_t *len, size_t *cap)
{
	char tmp[4096];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (n == 0)
		return 0;
	if (*len + (size_t)n + 1 > *cap) {
		size_t ncap = (*cap + (size_t)n + 1) * 2;
		char *nb = realloc(*buf, ncap);

		if (nb == NULL)
			return 0;
		*buf = nb;
		*cap = ncap;
	}
	memcpy(*buf + *len, tmp, (size_t)n);
	*len += (size_t)n;
	(*buf)[*len] = '\0';
	return 1;
}

int
mdc_proc_run(char *const argv[], char *const envp[], const char *input,
             size_t input_len, int timeout_ms, char **out_out)
{
	return mdc_proc_run_in(argv, envp, NULL, input, input_len, timeout_ms,
	                       out_out);
}

int
mdc_proc_run_in(char *const argv[], char *const envp[], const char *cwd,
                const char *input, size_t input_len, int timeout_ms,
                char **out_out)
{
	int inp[2] = {-1, -1}, outp[2] = {-1, -1}, st = 0, ret;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	long long end = mdc_now_ms() + timeout_ms;
	pid_t pid = -1;

	if (out_out != NULL)
		*out_out = NULL;
	if (pipe2(inp, O_CLOEXEC) != 0 || pipe2(outp, O_CLOEXEC) != 0) {
		ret = mdc_err_from_errno(errno);
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		ret = mdc_err_from_errno(errno);
		goto out;
	}
	if (pid == 0)
		child_exec(argv, envp, inp[0], outp[1], cwd);
	close(inp[0]);
	close(outp[1]);
	inp[0] = outp[1] = -1;
	if (input != NULL && input_len > 0) {
		/* Small inputs (LDIF, passwords) fit the pipe buffer or are
		 * consumed as we write; a failed write shows in the exit code.
		 */
		signal(SIGPIPE, SIG_IGN);
		if (write(inp[1], input, input_len) < 0) {
			/* fall through: the child's status tells what happened
			 */
		}
	}
	close(inp[1]);
	inp[1] = -1;
	for (;;) {
		struct pollfd pfd = {outp[0], POLLIN, 0};
		long long left = end - mdc_now_ms();

		if (left <= 0) {
			mdc_proc_stop(pid, 100);
			pid = -1;
			ret = MDC_ETIMEDOUT;
			goto out;
		}
		if (poll(&pfd, 1, (int)left) > 0 &&
		    !drain(outp[0], &buf, &len, &cap))
			break;
	}
	if (waitpid(pid, &st, 0) != pid) {
		ret = mdc_err_from_errno(errno);
		goto out;
	}
	pid = -1;
	ret = WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : MDC_ECHILD;
out:
	if (pid > 0)
		mdc_proc_stop(pid, 100);
	for (int i = 0; i < 2; i++) {
		if (inp[i] >= 0)
			close(inp[i]);
		if (outp[i] >= 0)
			close(outp[i]);
	}
	if (out_out != NULL && buf == NULL)
		buf = strdup("");
	if (out_out != NULL) {
		*out_out = buf;
		buf = NULL;
	}
	free(buf);
	return ret;
}
