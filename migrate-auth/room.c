/* migrate-auth/room.c - can a destination directory take a VM's disks? */
#include "config.h"

#include <stdio.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "migrate-auth/room.h"

#define MIB (1024u * 1024u)

static unsigned long long
mib_up(uint64_t bytes)
{
	return (unsigned long long)((bytes + MIB - 1) / MIB);
}

int
mdc_mig_room(const char *dir, const char *host, const uint64_t *sizes, size_t n,
             char *text, size_t textlen)
{
	struct statvfs fs;
	uint64_t need = 0, avail;
	size_t i;

	for (i = 0; i < n; i++)
		need += sizes[i];
	if (statvfs(dir, &fs) != 0) {
		snprintf(text, textlen,
		         "storage directory %s cannot be examined; fix: "
		         "mkdir -p -m 0700 %s   (on %s)",
		         dir, dir, host);
		return MDC_EDENIED;
	}
	if (fs.f_flag & ST_RDONLY) {
		snprintf(text, textlen,
		         "storage directory %s is on a read-only filesystem; "
		         "fix: mount -o remount,rw \"$(findmnt -no TARGET -T "
		         "%s)\"   (on %s)",
		         dir, dir, host);
		return MDC_EDENIED;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		snprintf(text, textlen,
		         "storage directory %s is not writable by the agent "
		         "(uid %u); fix: chown %u %s && chmod u+rwx %s   (on "
		         "%s)",
		         dir, (unsigned)geteuid(), (unsigned)geteuid(), dir,
		         dir, host);
		return MDC_EDENIED;
	}
	avail = (uint64_t)fs.f_bavail * fs.f_frsize;
	if (avail < need) {
		snprintf(text, textlen,
		         "storage directory %s has %llu MiB free, the disks "
		         "need %llu MiB; fix: free %llu MiB there (du -sh "
		         "%s/*), or move with --storage-path DIR on a larger "
		         "filesystem inside the storage directory   (on %s)",
		         dir, (unsigned long long)(avail / MIB), mib_up(need),
		         mib_up(need - avail), dir, host);
		return MDC_EDENIED;
	}
	snprintf(text, textlen, "%s has %llu MiB free for %llu MiB of disks",
	         dir, (unsigned long long)(avail / MIB), mib_up(need));
	return 0;
}
