/* lib/util.c - file, directory, secret and string helpers */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util.h"

int
mdc_file_write(const char *path, const void *data, size_t len, mode_t mode)
{
	const char *p = data;
	char *tmp = NULL;
	int fd = -1, ret;

	tmp = mdc_strdupf("%s.tmp.%ld", path, (long)getpid());
	if (tmp == NULL) {
		ret = MDC_ENOMEM;
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	          mode);
	if (fd < 0 || fchmod(fd, mode) != 0) {
		ret = mdc_err_from_errno(errno);
		goto out;
	}
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = mdc_err_from_errno(n < 0 ? errno : EIO);
			goto out;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		ret = mdc_err_from_errno(errno);
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		ret = mdc_err_from_errno(errno);
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (ret != 0 && tmp != NULL)
		unlink(tmp);
	free(tmp);
	return ret;
}

int
mdc_file_printf(const char *path, mode_t mode, const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;
	int n, ret;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return MDC_ENOMEM;
	ret = mdc_file_write(path, text, (size_t)n, mode);
	/* The text may hold a secret (a password file): wipe it. */
	mdc_secret_free(text, (size_t)n);
	return ret;
}

int
mdc_file_read(const char *path, size_t max, char **data_out, size_t *len_out)
{
	char *buf = NULL;
	size_t len = 0;
	struct stat st;
	int fd, ret;

	*data_out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mdc_err_from_errno(errno);
	if (fstat(fd, &st) != 0) {
		ret = mdc_err_from_errno(errno);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = MDC_EINVAL;
		goto out;
	}
	if ((size_t)st.st_size > max) {
		ret = MDC_ERANGE;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		ret = MDC_ENOMEM;
		goto out;
	}
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = mdc_err_from_errno(errno);
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*data_out = buf;
	buf = NULL;
	if (len_out != NULL)
		*len_out = len;
	ret = 0;
out:
	if (buf != NULL)
		mdc_secret_free(buf, (size_t)st.st_size + 1);
	close(fd);
	return ret;
}

int
mdc_mkdir_p(const char *path, mode_t mode)
{
	char *copy, *p;
	int ret = 0;

	copy = strdup(path);
	if (copy == NULL)
		return MDC_ENOMEM;
	for (p = copy + 1; ret == 0; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;

		*p = '\0';
		if (mkdir(copy, mode) != 0 && errno != EEXIST)
			ret = mdc_err_from_errno(errno);
		*p = saved;
		if (saved == '\0')
			break;
	}
	free(copy);
	return ret;
}

int
mdc_rm_rf(const char *path)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int ret = 0;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : mdc_err_from_errno(errno);
	if (!S_ISDIR(st.st_mode))
		return unlink(path) == 0 ? 0 : mdc_err_from_errno(errno);
	d = opendir(path);
	if (d == NULL)
		return mdc_err_from_errno(errno);
	while ((de = readdir(d)) != NULL) {
		char *sub;

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		sub = mdc_strdupf("%s/%s", path, de->d_name);
		if (sub == NULL) {
			ret = MDC_ENOMEM;
			break;
		}
		ret = mdc_rm_rf(sub);
		free(sub);
		if (ret != 0)
			break;
	}
	closedir(d);
	if (ret == 0 && rmdir(path) != 0)
		ret = mdc_err_from_errno(errno);
	return ret;
}

int
mdc_path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

void
mdc_secret_free(char *s, size_t len)
{
	if (s == NULL)
		return;
	explicit_bzero(s, len != 0 ? len : strlen(s));
	free(s);
}

int
mdc_random(void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n > 0) {
		ssize_t got = getrandom(p, n, 0);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return mdc_err_from_errno(errno);
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

int
mdc_random_password(char *out, size_t len)
{
	static const char *const sets[] = {
	        "ABCDEFGHJKLMNPQRSTUVWXYZ",
	        "abcdefghijkmnopqrstuvwxyz",
	        "23456789",
	        "-_.+=%@",
	};
	static const char all[] =
	        "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	        "23456789-_.+=%@";
	uint8_t rnd[128];
	size_t i;
	int ret;

	if (len < 16 || len >= sizeof(rnd))
		return MDC_EINVAL;
	ret = mdc_random(rnd, len);
	if (ret != 0)
		return ret;
	for (i = 0; i < len; i++) {
		/* The first four characters guarantee one of each class. */
		const char *set = i < 4 ? sets[i] : all;

		out[i] = set[rnd[i] % strlen(set)];
	}
	out[len] = '\0';
	explicit_bzero(rnd, sizeof(rnd));
	return 0;
}

char *
mdc_strdupf(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

void
mdc_str_upper(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)toupper((unsigned char)*s);
}

void
mdc_str_lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

void
mdc_str_chomp(char *s)
{
	size_t n = strlen(s);

	if (n > 0 && s[n - 1] == '\n')
		s[--n] = '\0';
	if (n > 0 && s[n - 1] == '\r')
		s[--n] = '\0';
}
