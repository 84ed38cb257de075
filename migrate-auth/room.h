/* migrate-auth/room.h - can a destination directory take a VM's disks? */
#ifndef MDC_MIG_ROOM_H
#define MDC_MIG_ROOM_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

/*
 * The storage prerequisites of an incoming move that minidc-migrate check
 * asks about (the move itself finds out only when a write fails): dir (an
 * existing directory: the move's DIR, or the nearest parent of it that a
 * move would create it in) is on a read-write filesystem, writable and
 * searchable by this process, and has at least the sum of sizes[0..n)
 * bytes free for unprivileged writers (f_bavail: logical sizes, so a
 * sparse disk is counted whole, what the guest may come to write).
 * Returns 0 with "DIR has N MiB free for M MiB of disks" in text, or
 * MDC_EDENIED with the reason, then "; fix: " and the command that fixes
 * it (host names where to run it).
 */
MDC_MUSTCHECK int mdc_mig_room(const char *dir, const char *host,
                               const uint64_t *sizes, size_t n, char *text,
                               size_t textlen);

#endif
