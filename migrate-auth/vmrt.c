/* migrate-auth/vmrt.c - the VM runtime: start, supervise and stop QEMU */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_tun.h>
#include <linux/sockios.h>

#include "lib/proc.h"
#include "lib/util.h"
#include "migrate-auth/vmrt.h"

#define QEMU_DEFAULT   "/usr/bin/qemu-system-x86_64"
#define START_WAIT_MS  60000
#define STATUS_WAIT_MS 2000
#define FIRST_TAP_FD   3

const char *
mdc_vm_state_name(enum mdc_vm_state s)
{
	if (s == MDC_VM_RUNNING)
		return "running";
	if (s == MDC_VM_MIGRATING)
		return "migrating";
	return "stopped";
}

int
mdc_vm_resolve_path(const struct mdc_vm_env *env, const char *path, char *out,
                    size_t outlen, struct mdc_err *e)
{
	char rdir[PATH_MAX], want[PATH_MAX * 2], rp[PATH_MAX];
	size_t n;

	if (env->storage == NULL || realpath(env->storage, rdir) == NULL)
		return mdc_err_set(e, MDC_EINVAL,
		                   "the agent has no usable --storage-dir "
		                   "(VM files live there)");
	if (path[0] == '\0' || strlen(path) > MDC_VM_MAX_PATH)
		return mdc_err_set(e, MDC_EINVAL, "bad path");
	snprintf(want, sizeof(want), "%s%s%s", path[0] == '/' ? "" : rdir,
	         path[0] == '/' ? "" : "/", path);
	if (realpath(want, rp) == NULL)
		return mdc_err_set(e, mdc_err_from_errno(errno), "%.200s: %s",
		                   path, strerror(errno));
	n = strlen(rdir);
	if (strncmp(rp, rdir, n) != 0 || (rp[n] != '/' && n > 1))
		return mdc_err_set(e, MDC_EDENIED,
		                   "%.200s is not inside the agent's storage "
		                   "directory",
		                   path);
	if (!mdc_vm_path_ok(rp) || strlen(rp) >= outlen)
		return mdc_err_set(e, MDC_EINVAL,
		                   "%.200s: not a usable path (absolute, "
		                   "[A-Za-z0-9._/+@-])",
		                   rp);
	memcpy(out, rp, strlen(rp) + 1);
	return 0;
}

int
mdc_vm_resolve_def(const struct mdc_vm_env *env, struct mdc_vm_def *d,
                   struct mdc_err *e)
{
	char tmp[MDC_VM_MAX_PATH + 1];
	size_t i;
	int ret;

	for (i = 0; i < d->ndisks; i++) {
		if ((ret = mdc_vm_resolve_path(env, d->disks[i], tmp,
		                               sizeof(tmp), e)) != 0)
			return ret;
		memcpy(d->disks[i], tmp, sizeof(tmp));
	}
	if (d->kernel[0]) {
		if ((ret = mdc_vm_resolve_path(env, d->kernel, tmp, sizeof(tmp),
		                               e)) != 0)
			return ret;
		memcpy(d->kernel, tmp, sizeof(tmp));
	}
	if (d->initrd[0]) {
		if ((ret = mdc_vm_resolve_path(env, d->initrd, tmp, sizeof(tmp),
		                               e)) != 0)
			return ret;
		memcpy(d->initrd, tmp, sizeof(tmp));
	}
	return 0;
}

int
mdc_vm_rundir(const struct mdc_vm_env *env, const char *name, char *out,
              size_t outlen)
{
	int n;

	if (!mdc_mig_vm_ok(name))
		return MDC_EINVAL;
	n = snprintf(out, outlen, "%s/run/%s", env->state, name);
	return (n < 0 || (size_t)n >= outlen) ? MDC_ESPACE : 0;
}

/* RUNDIR/file (or STATE/run/NAME.exit with file = NULL). */
static int
run_file(const struct mdc_vm_env *env, const char *name, const char *file,
         char *out, size_t outlen)
{
	char dir[PATH_MAX];
	int ret, n;

	if ((ret = mdc_vm_rundir(env, name, dir, sizeof(dir))) != 0)
		return ret;
	if (file == NULL)
		n = snprintf(out, outlen, "%s.exit", dir);
	else
		n = snprintf(out, outlen, "%s/%s", dir, file);
	return (n < 0 || (size_t)n >= outlen) ? MDC_ESPACE : 0;
}

/* out = dir/file; "" if it does not fit (then nothing is found there). */
static void
path_join(char *out, size_t outlen, const char *dir, const char *file)
{
	int n = snprintf(out, outlen, "%s/%s", dir, file);

	if (n < 0 || (size_t)n >= outlen)
		out[0] = '\0';
}

/* The run record: what was started.  pid 0 if none. */
struct run_rec {
	pid_t pid;
	char accel[8];
};

static int
rec_write(const struct mdc_vm_env *env, const char *name,
          const struct run_rec *r)
{
	char path[PATH_MAX];
	int ret;

	if ((ret = run_file(env, name, "run.json", path, sizeof(path))) != 0)
		return ret;
	return mdc_file_printf(path, 0600,
	                       "{\"pid\":%ld,\"accel\":\"%s\","
	                       "\"started\":%lld}\n",
	                       (long)r->pid, r->accel, (long long)time(NULL));
}

static void
rec_read(const struct mdc_vm_env *env, const char *name, struct run_rec *r)
{
	char path[PATH_MAX];
	char *text = NULL;
	size_t len;
	json_t *o = NULL;
	json_int_t pid = 0;
	const char *accel = "";

	memset(r, 0, sizeof(*r));
	if (run_file(env, name, "run.json", path, sizeof(path)) != 0 ||
	    mdc_file_read(path, 4096, &text, &len) != 0)
		return;
	o = json_loadb(text, len, 0, NULL);
	if (o != NULL &&
	    json_unpack(o, "{s:I,s:s}", "pid", &pid, "accel", &accel) == 0 &&
	    pid > 1 && pid < INT_MAX && strlen(accel) < sizeof(r->accel)) {
		r->pid = (pid_t)pid;
		memcpy(r->accel, accel, strlen(accel) + 1);
	}
	json_decref(o);
	free(text);
}

/* Is pid a live (not zombie) QEMU of this run directory? */
static int
qemu_alive(pid_t pid, const char *rundir)
{
	char path[64], want[PATH_MAX], *text = NULL, *p;
	size_t len, i;
	int alive = 0;

	path_join(want, sizeof(want), rundir, "qmp.sock,");
	if (pid <= 1)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (mdc_vm_proc_read(path, 4096, &text, &len) != 0)
		return 0;
	p = strrchr(text, ')');
	alive = p != NULL && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
	free(text);
	if (!alive)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	if (mdc_vm_proc_read(path, 65536, &text, &len) != 0)
		return 0;
	for (i = 0; i < len; i++)
		if (text[i] == '\0')
			text[i] = ' ';
	alive = strstr(text, want) != NULL;
	free(text);
	return alive;
}

/*
 * The tap's own address: the guest's with fe as its first byte (as libvirt
 * does).  A Linux bridge without an address of its own takes the lowest of
 * its ports'; a tap with a random one can lower it, and the bridge's
 * address then changes when a move adds the destination's tap or removes
 * the source's: a guest still sends to the old address (its ARP entry)
 * and nothing answers for seconds.  fe.. is above any vendor's address.
 */
static int
tap_hwaddr(int s, const char *tap, const char *mac, struct mdc_err *e)
{
	struct ifreq ifr;
	unsigned char *a = (unsigned char *)ifr.ifr_hwaddr.sa_data;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", tap);
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	/* the definition's form: "xx:xx:xx:xx:xx:xx", lower-case hex */
	if (strlen(mac) != 17)
		return mdc_err_set(e, MDC_EINVAL, "bad MAC address %s", mac);
	for (int i = 0; i < 6; i++) {
		char h[3] = {mac[3 * i], mac[3 * i + 1], '\0'}, *end = NULL;

		a[i] = (unsigned char)strtoul(h, &end, 16);
		if (end != h + 2 || !isxdigit((unsigned char)h[0]) ||
		    (i < 5 && mac[3 * i + 2] != ':'))
			return mdc_err_set(e, MDC_EINVAL, "bad MAC address %s",
			                   mac);
	}
	a[0] = 0xfe;
	if (ioctl(s, SIOCSIFHWADDR, &ifr) != 0)
		return mdc_err_set(e, mdc_err_from_errno(errno),
		                   "tap %s address: %s", tap, strerror(errno));
	return 0;
}

/* Open a new tap (IFF_NO_PI) with the address above, attach it to
 * bridge, bring it up. */
static int
tap_open(const char *bridge, const char *mac, int *fd_out, struct mdc_err *e)
{
	struct ifreq ifr;
	int fd, s = -1, ret = 0;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return mdc_err_set(e, mdc_err_from_errno(errno),
		                   "/dev/net/tun: %s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "mdct%%d");
	if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
		ret = mdc_err_set(e, mdc_err_from_errno(errno),
		                  "creating a tap: %s", strerror(errno));
		goto out;
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s >= 0 && (ret = tap_hwaddr(s, ifr.ifr_name, mac, e)) != 0)
		goto out;
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) != 0) {
		ret = mdc_err_set(e, mdc_err_from_errno(errno), "tap %s: %s",
		                  ifr.ifr_name, strerror(errno));
		goto out;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) {
		ret = mdc_err_set(e, mdc_err_from_errno(errno), "tap %s up: %s",
		                  ifr.ifr_name, strerror(errno));
		goto out;
	}
	ifr.ifr_ifindex = (int)if_nametoindex(ifr.ifr_name);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", bridge);
	if (ifr.ifr_ifindex == 0 || ioctl(s, SIOCBRADDIF, &ifr) != 0)
		ret = mdc_err_set(e, mdc_err_from_errno(errno),
		                  "attaching a tap to bridge %s: %s", bridge,
		                  strerror(errno));
out:
	if (s >= 0)
		close(s);
	if (ret != 0)
		close(fd);
	else
		*fd_out = fd;
	return ret;
}

static void
close_fds(int *fds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* In the child: fds[i] -> FIRST_TAP_FD + i, nothing else above stderr. */
static void
child_fds(const int *fds, size_t n, int logfd)
{
	int hi[MDC_VM_MAX_NICS];
	size_t i;
	int nul = open("/dev/null", O_RDONLY);

	if (nul >= 0)
		(void)dup2(nul, 0);
	(void)dup2(logfd, 1);
	(void)dup2(logfd, 2);
	for (i = 0; i < n; i++)
		hi[i] = fcntl(fds[i], F_DUPFD, 64 + MDC_VM_MAX_NICS);
	for (i = 0; i < n; i++)
		(void)dup2(hi[i], FIRST_TAP_FD + (int)i);
	(void)close_range(FIRST_TAP_FD + (unsigned)n, ~0u, 0);
}

/* fork + exec argv with the taps and the log; *pid_out on success. */
static int
spawn(char **argv, const int *fds, size_t n, const char *log, pid_t *pid_out,
      struct mdc_err *e)
{
	static char *envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
	sigset_t all;
	pid_t pid;
	int logfd, sig;

	logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (logfd < 0)
		return mdc_err_set(e, mdc_err_from_errno(errno), "%s: %s", log,
		                   strerror(errno));
	pid = fork();
	if (pid == 0) {
		(void)setsid();
		for (sig = 1; sig < NSIG; sig++)
			(void)signal(sig, SIG_DFL);
		sigemptyset(&all);
		(void)sigprocmask(SIG_SETMASK, &all, NULL);
		child_fds(fds, n, logfd);
		execve(argv[0], argv, envp);
		dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(logfd);
	if (pid < 0)
		return mdc_err_set(e, mdc_err_from_errno(errno), "fork: %s",
		                   strerror(errno));
	*pid_out = pid;
	return 0;
}

/* The last non-empty line of path into out ("" if none). */
static void
last_line(const char *path, char *out, size_t outlen)
{
	char *text = NULL, *p;
	size_t len;

	out[0] = '\0';
	if (mdc_file_read(path, 1024 * 1024, &text, &len) != 0)
		return;
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		text[--len] = '\0';
	p = strrchr(text, '\n');
	mdc_mig_sanitize(p ? p + 1 : text, out, outlen);
	free(text);
}

/* A pidfd for pid, or -1. */
static int
pidfd_of(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Wait up to ms for the process behind pidfd (or pid) to end. */
static int
wait_gone(int pidfd, pid_t pid, int ms)
{
	struct pollfd p = {pidfd, POLLIN, 0};
	long long deadline = mdc_now_ms() + ms;
	int st;

	if (pidfd >= 0) {
		if (poll(&p, 1, ms) <= 0)
			return 0;
		(void)waitpid(pid, &st, WNOHANG); /* if it is ours */
		return 1;
	}
	while (mdc_now_ms() < deadline) {
		if (kill(pid, 0) != 0 || waitpid(pid, &st, WNOHANG) == pid)
			return 1;
		mdc_sleep_ms(50);
	}
	return 0;
}

/* End pid: SIGTERM, then SIGKILL, each bounded. */
static void
kill_bounded(pid_t pid, int pidfd, int ms)
{
	if (kill(pid, SIGTERM) == 0 && wait_gone(pidfd, pid, ms))
		return;
	if (kill(pid, SIGKILL) == 0)
		(void)wait_gone(pidfd, pid, 5000);
}

/* Wait (at most START_WAIT_MS) for QEMU's QMP in rundir while checking
 * that it still runs; *q_out is the caller's. */
static int
qmp_wait(const char *rundir, pid_t pid, struct mdc_qmp **q_out,
         struct mdc_err *e)
{
	long long deadline = mdc_now_ms() + START_WAIT_MS;
	char sock[PATH_MAX];
	int st;

	path_join(sock, sizeof(sock), rundir, "qmp.sock");
	for (;;) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return mdc_err_set(e, MDC_ECHILD, "QEMU exited");
		if (mdc_qmp_connect(sock, 5000, q_out, e) == 0)
			return 0;
		if (mdc_now_ms() > deadline)
			return mdc_err_set(e, MDC_ETIMEDOUT,
			                   "QEMU's QMP did not come up: %s",
			                   e->text);
		mdc_sleep_ms(100);
	}
}

/* The new QEMU: its run state, the CPU features it could not give the
 * model (QEMU only warns), then "cont" if wanted. */
static int
start_talk(const char *rundir, pid_t pid, const char *cpu, int cont,
           struct mdc_vm_status *st, struct mdc_err *e)
{
	struct mdc_qmp *q = NULL;
	json_t *r = NULL;
	const char *s;
	int ret;

	if ((ret = qmp_wait(rundir, pid, &q, e)) != 0)
		return ret;
	if ((ret = mdc_qmp_exec(q, "query-status", NULL, &r, e)) != 0)
		goto out;
	s = json_string_value(json_object_get(r, "status"));
	mdc_mig_sanitize(s ? s : "?", st->status, sizeof(st->status));
	if (mdc_vm_cpu_missing(q, cpu, st->cpu_missing, sizeof(st->cpu_missing),
	                       e) != 0)
		snprintf(st->cpu_missing, sizeof(st->cpu_missing), "?");
	if (cont && (ret = mdc_qmp_exec(q, "cont", NULL, NULL, e)) == 0)
		snprintf(st->status, sizeof(st->status), "running");
out:
	json_decref(r);
	mdc_qmp_close(q);
	return ret;
}

/* The run directory, fresh: removed if left over, created 0700. */
static int
fresh_rundir(const struct mdc_vm_env *env, const char *name, char *rundir,
             size_t len, struct mdc_err *e)
{
	char parent[PATH_MAX], exitf[PATH_MAX];
	int ret;

	if ((ret = mdc_vm_rundir(env, name, rundir, len)) != 0)
		return mdc_err_set(e, ret, "state directory path too long");
	snprintf(parent, sizeof(parent), "%s/run", env->state);
	if ((ret = mdc_mkdir_p(parent, 0700)) != 0)
		return mdc_err_set(e, ret, "%s: %s", parent, mdc_strerror(ret));
	(void)mdc_rm_rf(rundir);
	if (mkdir(rundir, 0700) != 0)
		return mdc_err_set(e, mdc_err_from_errno(errno), "%s: %s",
		                   rundir, strerror(errno));
	if (run_file(env, name, NULL, exitf, sizeof(exitf)) == 0)
		(void)unlink(exitf);
	return 0;
}

/* Taps for every NIC of d into fds (all -1 first). */
static int
open_taps(const struct mdc_vm_def *d, int *fds, struct mdc_err *e)
{
	size_t i;
	int ret;

	for (i = 0; i < MDC_VM_MAX_NICS; i++)
		fds[i] = -1;
	for (i = 0; i < d->nnics; i++)
		if ((ret = tap_open(d->nics[i].bridge, d->nics[i].mac, &fds[i],
		                    e)) != 0)
			return ret;
	return 0;
}

/* Launch QEMU for d in rundir: argv, taps, fork; run.json written. */
static int
launch(const struct mdc_vm_env *env, const struct mdc_vm_def *d,
       const char *rundir, const char *accel, const struct mdc_vm_start_opts *o,
       pid_t *pid_out, struct mdc_err *e)
{
	static const int first[MDC_VM_MAX_NICS] = {
	        FIRST_TAP_FD, FIRST_TAP_FD + 1, FIRST_TAP_FD + 2,
	        FIRST_TAP_FD + 3};
	struct mdc_vm_argv_in in;
	struct run_rec rec;
	int taps[MDC_VM_MAX_NICS], ret;
	char **argv = NULL, log[PATH_MAX];

	memset(&in, 0, sizeof(in));
	in.qemu = env->qemu ? env->qemu : QEMU_DEFAULT;
	in.accel = accel;
	in.rundir = rundir;
	in.incoming = o->incoming;
	in.paused = o->paused;
	in.tapfds = first;
	for (ret = 0; ret < MDC_VM_MAX_NICS; ret++)
		taps[ret] = -1;
	if ((ret = mdc_vm_argv(d, &in, &argv)) != 0) {
		ret = mdc_err_set(e, ret,
		                  "cannot build QEMU's command "
		                  "line (state path too long?)");
		goto out;
	}
	if ((ret = open_taps(d, taps, e)) != 0)
		goto out;
	path_join(log, sizeof(log), rundir, "qemu.log");
	if ((ret = spawn(argv, taps, d->nnics, log, pid_out, e)) != 0)
		goto out;
	rec.pid = *pid_out;
	snprintf(rec.accel, sizeof(rec.accel), "%s", accel);
	if ((ret = rec_write(env, d->name, &rec)) != 0) {
		kill_bounded(*pid_out, -1, 1000);
		ret = mdc_err_set(e, ret, "writing the run record: %s",
		                  mdc_strerror(ret));
	}
out:
	close_fds(taps, d->nnics);
	mdc_vm_argv_free(argv);
	return ret;
}

/* After a failed start: kill QEMU, say why from its log, clean up. */
static int
start_failed(const char *rundir, pid_t pid, int ret, struct mdc_err *e)
{
	char log[PATH_MAX], line[512], why[MDC_MIG_MAX_TEXT + 1];
	int st;

	if (ret != MDC_ECHILD) { /* else it is reaped: the pid is free */
		int pidfd = pidfd_of(pid);

		kill_bounded(pid, pidfd, 2000);
		(void)waitpid(pid, &st, WNOHANG);
		if (pidfd >= 0)
			close(pidfd);
	}
	path_join(log, sizeof(log), rundir, "qemu.log");
	last_line(log, line, sizeof(line));
	snprintf(why, sizeof(why), "%s", e->text);
	(void)mdc_rm_rf(rundir);
	if (line[0] != '\0')
		return mdc_err_set(e, ret, "QEMU failed: %s", line);
	return mdc_err_set(e, ret, "QEMU failed: %s", why);
}

int
mdc_vm_start(const struct mdc_vm_env *env, const char *name,
             const struct mdc_vm_start_opts *o, struct mdc_vm_status *st_out,
             struct mdc_err *e)
{
	struct mdc_vm_def d;
	struct mdc_vm_status st;
	char rundir[PATH_MAX];
	const char *accel;
	pid_t pid = 0;
	int ret;

	if ((ret = mdc_vm_def_load(env->state, name, &d, e)) != 0)
		return ret;
	if ((ret = mdc_vm_status_get(env, name, &st, e)) != 0)
		return ret;
	if (st.state != MDC_VM_STOPPED)
		return mdc_err_set(e, MDC_EEXIST,
		                   "VM %s is already running (QEMU pid %ld)",
		                   name, (long)st.pid);
	if ((ret = mdc_vm_accel_resolve(env->accel, &accel, e)) != 0 ||
	    (ret = fresh_rundir(env, name, rundir, sizeof(rundir), e)) != 0)
		return ret;
	if ((ret = launch(env, &d, rundir, accel, o, &pid, e)) != 0) {
		(void)mdc_rm_rf(rundir);
		return ret;
	}
	memset(&st, 0, sizeof(st));
	ret = start_talk(rundir, pid, d.cpu, !o->paused && !o->incoming, &st,
	                 e);
	if (ret != 0)
		return start_failed(rundir, pid, ret, e);
	st.state = MDC_VM_RUNNING;
	st.pid = pid;
	snprintf(st.accel, sizeof(st.accel), "%s", accel);
	if (st_out != NULL)
		*st_out = st;
	return 0;
}

/* "quit" on q; QEMU may close the monitor before it answers, and the
 * caller waits for the process and kills it if it stays. */
static void
quit_on(struct mdc_qmp *q)
{
	struct mdc_err e = {""};

	if (mdc_qmp_exec(q, "quit", NULL, NULL, &e) != 0)
		return;
}

/* Ask QEMU to quit on the status monitor (the main one may be held). */
static void
qmp_quit(const char *rundir)
{
	struct mdc_err e = {""};
	struct mdc_qmp *q = NULL;
	char sock[PATH_MAX];

	path_join(sock, sizeof(sock), rundir, "qmps.sock");
	if (mdc_qmp_connect(sock, STATUS_WAIT_MS, &q, &e) != 0)
		return;
	mdc_qmp_set_timeout(q, STATUS_WAIT_MS);
	quit_on(q);
	mdc_qmp_close(q);
}

static void
write_exit(const struct mdc_vm_env *env, const char *name, const char *text)
{
	char path[PATH_MAX];

	if (run_file(env, name, NULL, path, sizeof(path)) == 0)
		if (mdc_file_printf(path, 0600, "%s\n", text) != 0)
			path[0] = '\0'; /* best effort: the log has it */
}

int
mdc_vm_stop(const struct mdc_vm_env *env, const char *name, int timeout_ms,
            int force, struct mdc_err *e)
{
	struct mdc_vm_status st;
	char rundir[PATH_MAX], mark[PATH_MAX];
	int ret, pidfd;

	if ((ret = mdc_vm_status_get(env, name, &st, e)) != 0)
		return ret;
	if (st.state == MDC_VM_STOPPED)
		return mdc_err_set(e, MDC_ENOENT, "VM %s is not running", name);
	if (st.state == MDC_VM_MIGRATING && !force)
		return mdc_err_set(e, MDC_EDENIED,
		                   "VM %s is migrating (move --cancel it "
		                   "first)",
		                   name);
	if ((ret = mdc_vm_rundir(env, name, rundir, sizeof(rundir))) != 0)
		return mdc_err_set(e, ret, "bad VM name");
	path_join(mark, sizeof(mark), rundir, "stopping");
	if (mdc_file_printf(mark, 0600, "%ld\n", (long)st.pid) != 0)
		mark[0] = '\0'; /* reported as an unexpected exit */
	pidfd = pidfd_of(st.pid);
	qmp_quit(rundir);
	if (!wait_gone(pidfd, st.pid, timeout_ms))
		kill_bounded(st.pid, pidfd, 5000);
	if (pidfd >= 0)
		close(pidfd);
	write_exit(env, name, "stopped by request");
	(void)mdc_rm_rf(rundir);
	return 0;
}

/* QEMU's run state over qmps.sock into out ("-" if it does not answer). */
static void
qmp_status(const char *rundir, char *out, size_t outlen)
{
	struct mdc_err e = {""};
	struct mdc_qmp *q = NULL;
	char sock[PATH_MAX];
	json_t *r = NULL;
	const char *s;

	snprintf(out, outlen, "-");
	path_join(sock, sizeof(sock), rundir, "qmps.sock");
	if (mdc_qmp_connect(sock, STATUS_WAIT_MS, &q, &e) != 0)
		return;
	mdc_qmp_set_timeout(q, STATUS_WAIT_MS);
	if (mdc_qmp_exec(q, "query-status", NULL, &r, &e) == 0 &&
	    (s = json_string_value(json_object_get(r, "status"))) != NULL)
		mdc_mig_sanitize(s, out, outlen);
	json_decref(r);
	mdc_qmp_close(q);
}

int
mdc_vm_status_get(const struct mdc_vm_env *env, const char *name,
                  struct mdc_vm_status *out, struct mdc_err *e)
{
	char rundir[PATH_MAX], path[PATH_MAX];
	struct run_rec rec;

	memset(out, 0, sizeof(*out));
	snprintf(out->accel, sizeof(out->accel), "-");
	snprintf(out->status, sizeof(out->status), "-");
	if (mdc_vm_rundir(env, name, rundir, sizeof(rundir)) != 0)
		return mdc_err_set(e, MDC_EINVAL, "bad VM name");
	if (run_file(env, name, NULL, path, sizeof(path)) == 0)
		last_line(path, out->last_exit, sizeof(out->last_exit));
	rec_read(env, name, &rec);
	if (!qemu_alive(rec.pid, rundir))
		return 0;
	out->pid = rec.pid;
	snprintf(out->accel, sizeof(out->accel), "%s", rec.accel);
	path_join(path, sizeof(path), rundir, "migrating");
	out->state = mdc_path_exists(path) ? MDC_VM_MIGRATING : MDC_VM_RUNNING;
	qmp_status(rundir, out->status, sizeof(out->status));
	return 0;
}

int
mdc_vm_set_migrating(const struct mdc_vm_env *env, const char *name, int on)
{
	char path[PATH_MAX];
	int ret;

	if ((ret = run_file(env, name, "migrating", path, sizeof(path))) != 0)
		return ret;
	if (on)
		return mdc_file_printf(path, 0600, "1\n");
	if (unlink(path) != 0 && errno != ENOENT)
		return mdc_err_from_errno(errno);
	return 0;
}

int
mdc_vm_qmp_open(const struct mdc_vm_env *env, const char *name, int timeout_ms,
                struct mdc_qmp **q_out, struct mdc_err *e)
{
	char path[PATH_MAX];
	int ret;

	*q_out = NULL;
	if ((ret = run_file(env, name, "qmp.sock", path, sizeof(path))) != 0)
		return mdc_err_set(e, ret, "bad VM name");
	return mdc_qmp_connect(path, timeout_ms, q_out, e);
}

int
mdc_vm_become_reaper(void)
{
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
		return mdc_err_from_errno(errno);
	return 0;
}

/* "exited with status N" / "killed by signal N" */
static void
wait_text(int wstatus, char *out, size_t outlen)
{
	if (WIFEXITED(wstatus))
		snprintf(out, outlen, "exited with status %d",
		         WEXITSTATUS(wstatus));
	else if (WIFSIGNALED(wstatus))
		snprintf(out, outlen, "killed by signal %d", WTERMSIG(wstatus));
	else
		snprintf(out, outlen, "ended (wait status %d)", wstatus);
}

/* Report and clean up the VM whose run record names pid. */
static int
reaped_one(const struct mdc_vm_env *env, const char *name, pid_t pid,
           int wstatus, char *text, size_t textlen)
{
	char rundir[PATH_MAX], mark[PATH_MAX], how[64], line[256];
	struct run_rec rec;
	int asked;

	rec_read(env, name, &rec);
	if (rec.pid != pid || mdc_vm_rundir(env, name, rundir, sizeof(rundir)))
		return 0;
	path_join(mark, sizeof(mark), rundir, "stopping");
	asked = mdc_path_exists(mark);
	wait_text(wstatus, how, sizeof(how));
	snprintf(line, sizeof(line), "QEMU (pid %ld) %s%s", (long)pid, how,
	         asked ? " after a stop request"
	               : ", unexpectedly; not restarted");
	write_exit(env, name, asked ? "stopped by request" : line);
	snprintf(text, textlen, "VM %s: %s", name, line);
	(void)mdc_rm_rf(rundir);
	return 1;
}

int
mdc_vm_reaped(const struct mdc_vm_env *env, pid_t pid, int wstatus,
              char *name_out, size_t namelen, char *text, size_t textlen)
{
	char **names = NULL;
	struct mdc_err e = {""};
	size_t n = 0, i;
	int found = 0;

	if (mdc_vm_def_list(env->state, &names, &n, &e) != 0)
		return 0;
	for (i = 0; i < n && !found; i++) {
		found = reaped_one(env, names[i], pid, wstatus, text, textlen);
		if (found)
			snprintf(name_out, namelen, "%s", names[i]);
	}
	mdc_vm_names_free(names, n);
	return found;
}

int
mdc_vm_stop_all(const struct mdc_vm_env *env, int timeout_ms)
{
	struct mdc_err e = {""};
	char **names = NULL;
	size_t n = 0, i;
	int stopped = 0;

	if (mdc_vm_def_list(env->state, &names, &n, &e) != 0)
		return 0;
	for (i = 0; i < n; i++)
		if (mdc_vm_stop(env, names[i], timeout_ms, 1, &e) == 0)
			stopped++;
	mdc_vm_names_free(names, n);
	return stopped;
}

/* The probe QEMU's argv: no machine, only a QMP monitor. */
static int
probe_argv(const struct mdc_vm_env *env, const char *accel, const char *dir,
           char **argv, size_t n, char *buf, size_t buflen)
{
	int w = snprintf(buf, buflen,
	                 "socket,id=qmp,path=%s/qmp.sock,server=on,wait=off",
	                 dir);
	size_t i = 0;

	if (w < 0 || (size_t)w >= buflen || n < 16)
		return MDC_ESPACE;
	argv[i++] = (char *)(env->qemu ? env->qemu : QEMU_DEFAULT);
	argv[i++] = "-nodefaults";
	argv[i++] = "-no-user-config";
	argv[i++] = "-machine";
	argv[i++] = "none";
	argv[i++] = "-accel";
	argv[i++] = (char *)accel;
	argv[i++] = "-display";
	argv[i++] = "none";
	argv[i++] = "-S";
	argv[i++] = "-chardev";
	argv[i++] = buf;
	argv[i++] = "-mon";
	argv[i++] = "chardev=qmp,mode=control";
	argv[i] = NULL;
	return 0;
}

int
mdc_vm_cpu_probe(const struct mdc_vm_env *env, const char *model, char *missing,
                 size_t missinglen, struct mdc_err *e)
{
	char dir[PATH_MAX], log[PATH_MAX], spec[PATH_MAX + 64], *argv[16];
	struct mdc_qmp *q = NULL;
	const char *accel;
	pid_t pid = 0;
	int ret;

	if ((ret = mdc_vm_accel_resolve(env->accel, &accel, e)) != 0)
		return ret;
	snprintf(dir, sizeof(dir), "%s/run", env->state);
	if ((ret = mdc_mkdir_p(dir, 0700)) != 0)
		return mdc_err_set(e, ret, "%s: %s", dir, mdc_strerror(ret));
	snprintf(dir, sizeof(dir), "%s/run/.probe-XXXXXX", env->state);
	if (mkdtemp(dir) == NULL)
		return mdc_err_set(e, mdc_err_from_errno(errno), "%s: %s", dir,
		                   strerror(errno));
	path_join(log, sizeof(log), dir, "qemu.log");
	if ((ret = probe_argv(env, accel, dir, argv, 16, spec, sizeof(spec))) ||
	    (ret = spawn(argv, NULL, 0, log, &pid, e)) ||
	    (ret = qmp_wait(dir, pid, &q, e)))
		goto out;
	ret = mdc_vm_cpu_missing(q, model, missing, missinglen, e);
	quit_on(q);
out:
	mdc_qmp_close(q);
	if (pid > 0 && !wait_gone(-1, pid, 5000))
		kill_bounded(pid, -1, 2000);
	(void)mdc_rm_rf(dir);
	return ret;
}
