/* lib/privdrop.c - give up root, keeping one directory of one's own */
#include "config.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/privdrop.h"
#include "lib/util.h"

int
mdc_privdrop_lookup(const char *user, struct mdc_privdrop_id *id_out)
{
	struct passwd *pw;

	if (geteuid() != 0) {
		id_out->uid = geteuid();
		id_out->gid = getegid();
		return 0;
	}
	pw = getpwnam(user);
	if (pw == NULL)
		return MDC_ENOENT;
	id_out->uid = pw->pw_uid;
	id_out->gid = pw->pw_gid;
	return 0;
}

int
mdc_privdrop_dir(const char *dir, const struct mdc_privdrop_id *id)
{
	int fd, ret;

	ret = mdc_mkdir_p(dir, 0700);
	if (ret != 0)
		return ret;
	/* O_NOFOLLOW: never hand over what a link in its place points to. */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return mdc_err_from_errno(errno);
	if (geteuid() == 0 && fchown(fd, id->uid, id->gid) != 0)
		ret = mdc_err_from_errno(errno);
	if (ret == 0 && fchmod(fd, 0700) != 0)
		ret = mdc_err_from_errno(errno);
	close(fd);
	return ret;
}

int
mdc_privdrop_enter(const char *dir, const struct mdc_privdrop_id *id)
{
	if (chdir(dir) != 0)
		return mdc_err_from_errno(errno);
	if (geteuid() != 0)
		return 0;
	if (setgroups(0, NULL) != 0 || setgid(id->gid) != 0 ||
	    setuid(id->uid) != 0)
		return mdc_err_from_errno(errno);
	if (id->uid != 0 && setuid(0) == 0)
		return MDC_EACCES; /* must not be able to regain root */
	return 0;
}

/* The probe proper, in the child: the status to report. */
static int
probe_child(const char *dir, const char *sub, const struct mdc_privdrop_id *id)
{
	char name[4096], byte = 0;
	int fd, ret;

	ret = mdc_privdrop_enter(dir, id);
	if (ret != 0)
		return ret;
	if (snprintf(name, sizeof(name), "%s/probe.%ld", sub, (long)getpid()) >=
	    (int)sizeof(name))
		return MDC_ERANGE;
	fd = open(name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	          0600);
	if (fd < 0)
		return mdc_err_from_errno(errno);
	if (write(fd, "x", 1) != 1 || pread(fd, &byte, 1, 0) != 1)
		ret = mdc_err_from_errno(errno != 0 ? errno : EIO);
	else if (byte != 'x')
		ret = MDC_EMALF;
	close(fd);
	if (unlink(name) != 0 && ret == 0)
		ret = mdc_err_from_errno(errno);
	return ret;
}

int
mdc_privdrop_probe(const char *dir, const char *sub,
                   const struct mdc_privdrop_id *id)
{
	int pfd[2], st, ret = MDC_ECHILD;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) != 0)
		return mdc_err_from_errno(errno);
	pid = fork();
	if (pid < 0) {
		ret = mdc_err_from_errno(errno);
		goto out;
	}
	if (pid == 0) {
		ret = probe_child(dir, sub, id);
		_exit(write(pfd[1], &ret, sizeof(ret)) == sizeof(ret) ? 0 : 1);
	}
	close(pfd[1]);
	pfd[1] = -1;
	if (read(pfd[0], &ret, sizeof(ret)) != sizeof(ret))
		ret = MDC_ECHILD;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
out:
	close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	return ret;
}

int
mdc_privdrop_as_peer(const struct mdc_privdrop_id *id, int (*fn)(void *),
                     void *arg)
{
	int ret;

	if (geteuid() != 0)
		return fn(arg);
	if (setegid(id->gid) != 0)
		return mdc_err_from_errno(errno);
	if (seteuid(id->uid) != 0) {
		ret = mdc_err_from_errno(errno);
		return setegid(0) == 0 ? ret : MDC_EACCES;
	}
	/* Back to fsuid 0: the kernel raises the file capabilities again
	 * (capabilities(7)), so path lookups pass root's 0700 directories
	 * while the socket peer is id. */
	(void)setfsuid(0);
	ret = (int)setfsuid((uid_t)-1) == 0 ? fn(arg) : MDC_EACCES;
	if (seteuid(0) != 0 || setegid(0) != 0)
		return MDC_EACCES;
	return ret;
}
