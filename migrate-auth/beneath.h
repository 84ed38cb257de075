/* migrate-auth/beneath.h - open a file by a client's path without leaving
 * a directory, in one step (no check-then-open race) */
#ifndef MDC_MIG_BENEATH_H
#define MDC_MIG_BENEATH_H

#include <stddef.h>

#include "lib/err.h"

/*
 * Open path, relative to the directory dirfd, with flags (O_RDONLY ...;
 * O_CLOEXEC and O_NOCTTY are added).  Resolution never leaves the
 * directory: openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS, so a
 * symlink inside the directory that points inside it is followed, and one
 * that points outside (or "..", or an absolute path) fails with EXDEV.
 * Only if the kernel has no openat2 (ENOSYS) does it fall back to
 * mdc_mig_open_walk().  Returns the fd, or -errno.
 */
MDC_MUSTCHECK int mdc_mig_open_beneath(int dirfd, const char *path, int flags);

/*
 * The fallback: one component at a time with O_NOFOLLOW, so no symlink
 * is followed at all (ELOOP), and "..", "" or an absolute path is EXDEV.
 * Returns the fd, or -errno.
 */
MDC_MUSTCHECK int mdc_mig_open_walk(int dirfd, const char *path, int flags);

/*
 * The part of path below dir ("disk.img" for "/srv/st/disk.img" and
 * "/srv/st"); a relative path as it is.  Returns NULL if an absolute path
 * is not below dir (the caller then tries dir's canonical name).
 */
const char *mdc_mig_below(const char *path, const char *dir);

/*
 * Open path (relative to dir, or absolute and below dir or dir's
 * canonical name) with mdc_mig_open_beneath() from a fresh descriptor of
 * dir.  Returns the fd, or -errno with *dir_failed 1 if dir itself could
 * not be opened; an absolute path outside dir is -EXDEV.
 */
MDC_MUSTCHECK int mdc_mig_open_in(const char *dir, const char *path, int flags,
                                  int *dir_failed);

#endif
