/* lib/util.h - files, directories, secrets and small string helpers */
#ifndef MDC_UTIL_H
#define MDC_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/err.h"

/*
 * Write len bytes to path atomically (temp file in the same directory,
 * fsync, rename) with the given mode.  Secrets are written with 0600 and the
 * mode is set before any byte is written.  Returns 0 or MDC_E*.
 */
MDC_MUSTCHECK int mdc_file_write(const char *path, const void *data, size_t len,
                                 mode_t mode);
/* Printf into a new file (atomic, as mdc_file_write). */
MDC_MUSTCHECK int mdc_file_printf(const char *path, mode_t mode,
                                  const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/*
 * Read a whole file (at most max bytes) into a new NUL-terminated buffer.
 * *data_out is the caller's to free (mdc_secret_free for secrets).
 * Returns MDC_ERANGE if the file is larger than max.
 */
MDC_MUSTCHECK int mdc_file_read(const char *path, size_t max, char **data_out,
                                size_t *len_out);
/* Create a directory and its parents (like mkdir -p); existing is fine. */
MDC_MUSTCHECK int mdc_mkdir_p(const char *path, mode_t mode);
/* Remove a tree (like rm -rf); a missing path is success. */
int mdc_rm_rf(const char *path);
/* True if path exists. */
int mdc_path_exists(const char *path);

/* Zero then free a secret buffer of len bytes (len 0: strlen). NULL-safe. */
void mdc_secret_free(char *s, size_t len);

/* Fill buf with n cryptographically random bytes (getrandom). */
MDC_MUSTCHECK int mdc_random(void *buf, size_t n);
/*
 * Generate a random password of len characters (len >= 16) from a set that
 * satisfies AD complexity (upper, lower, digit, symbol); out holds len + 1.
 */
MDC_MUSTCHECK int mdc_random_password(char *out, size_t len);

/* asprintf that returns NULL on failure instead of an undefined pointer. */
char *mdc_strdupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Upper/lower-case an ASCII string in place. */
void mdc_str_upper(char *s);
void mdc_str_lower(char *s);
/* Strip one trailing newline (and \r) in place. */
void mdc_str_chomp(char *s);

#endif
