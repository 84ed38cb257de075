/* migrate-auth/beneath.c - open a file by a client's path without leaving
 * a directory, in one step */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "migrate-auth/beneath.h"

int
mdc_mig_open_beneath(int dirfd, const char *path, int flags)
{
	struct open_how how;
	long fd;

	memset(&how, 0, sizeof(how));
	how.flags = (unsigned long long)(flags | O_CLOEXEC | O_NOCTTY);
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	/* glibc 2.36 has no wrapper */
	do
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	while (fd < 0 && errno == EINTR);
	if (fd >= 0)
		return (int)fd;
	if (errno == ENOSYS)
		return mdc_mig_open_walk(dirfd, path, flags);
	return -errno;
}

/* The next component of *p into name (NUL-terminated); advances *p past
 * it and its slashes.  Returns 0, or -EXDEV for "." / ".." / too long. */
static int
next_component(const char **p, char *name, size_t len)
{
	const char *s = *p, *end = strchr(s, '/');
	size_t n = end ? (size_t)(end - s) : strlen(s);

	if (n == 0 || n >= len || (n == 1 && s[0] == '.') ||
	    (n == 2 && s[0] == '.' && s[1] == '.'))
		return -EXDEV;
	memcpy(name, s, n);
	name[n] = '\0';
	s += n;
	while (*s == '/')
		s++;
	*p = s;
	return 0;
}

int
mdc_mig_open_walk(int dirfd, const char *path, int flags)
{
	char name[NAME_MAX + 1];
	struct stat st;
	const char *p = path;
	int cur = dirfd, fd, ret;

	if (path[0] == '/' || path[0] == '\0')
		return -EXDEV;
	for (;;) {
		if ((ret = next_component(&p, name, sizeof(name))) != 0)
			break;
		if (*p == '\0') {
			fd = openat(cur, name,
			            flags | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
			ret = fd >= 0 ? fd : -errno;
			break;
		}
		fd = openat(cur, name,
		            O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			/* a symlink on the way: O_NOFOLLOW|O_DIRECTORY says
			 * ENOTDIR; say what it is */
			ret = -errno;
			if (ret == -ENOTDIR &&
			    fstatat(cur, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode))
				ret = -ELOOP;
			break;
		}
		if (cur != dirfd)
			close(cur);
		cur = fd;
	}
	if (cur != dirfd)
		close(cur);
	return ret;
}

const char *
mdc_mig_below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (path[0] != '/')
		return path;
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (strncmp(path, dir, n) != 0 || path[n] != '/')
		return NULL;
	path += n;
	while (*path == '/')
		path++;
	return path;
}

int
mdc_mig_open_in(const char *dir, const char *path, int flags, int *dir_failed)
{
	char canon[PATH_MAX];
	const char *rel = mdc_mig_below(path, dir);
	int dfd, fd;

	*dir_failed = 0;
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		*dir_failed = 1;
		return -errno;
	}
	/* an absolute path may name the directory by its canonical name */
	if (rel == NULL && realpath(dir, canon) != NULL)
		rel = mdc_mig_below(path, canon);
	fd = rel != NULL ? mdc_mig_open_beneath(dfd, rel, flags) : -EXDEV;
	close(dfd);
	return fd;
}
