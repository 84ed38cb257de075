/* lib/privdrop.h - give up root, keeping one directory of one's own */
#ifndef MDC_PRIVDROP_H
#define MDC_PRIVDROP_H

#include <sys/types.h>

#include "lib/err.h"

/* The account the network-facing services become once their ports are bound.
 */
#define MDC_PRIVDROP_USER "nobody"

/* Whom a service becomes. */
struct mdc_privdrop_id {
	uid_t uid;
	gid_t gid;
};

/*
 * Set *id_out to user's uid and gid.  When not root there is nobody else to
 * become: *id_out is our own.  Returns 0, or MDC_ENOENT (as root) if user
 * does not exist.
 */
MDC_MUSTCHECK int mdc_privdrop_lookup(const char *user,
                                      struct mdc_privdrop_id *id_out);

/*
 * Make dir (and missing parents) the private directory of id: mode 0700 and,
 * as root, owned by id.  A symbolic link in its place is refused.  Returns 0
 * or the failing call's error (the negated EPERM where the filesystem cannot
 * give a file to another owner, as vfat).
 */
MDC_MUSTCHECK int mdc_privdrop_dir(const char *dir,
                                   const struct mdc_privdrop_id *id);

/*
 * Enter dir (chdir; "/" for a service that opens no file afterwards) and, as
 * root, become id with no supplementary groups, verifying that root cannot be
 * regained.  Names relative to "." stay reachable afterwards whatever the
 * modes of dir's ancestors, which is the point: everything a service opens
 * after the drop lives under dir and is named relative to it.  Does only the
 * chdir when not root.  Returns 0, MDC_EACCES if root could be regained, or
 * the failing call's error.
 */
MDC_MUSTCHECK int mdc_privdrop_enter(const char *dir,
                                     const struct mdc_privdrop_id *id);

/*
 * Call fn(arg) with the effective uid and gid of id but root's access to
 * files (the filesystem uid stays 0), then become root again.  What fn
 * connects to over a Unix socket sees id as its peer (SO_PEERCRED takes the
 * effective ids), though the socket lies in a directory only root enters:
 * how a service opens, before it drops root, a connection that carries the
 * identity it drops to.  Only while the process has one thread (the ids
 * are the process's).  Not root: just calls fn.  Returns fn's result, the
 * failing call's error, or MDC_EACCES if root could not be regained.
 */
MDC_MUSTCHECK int mdc_privdrop_as_peer(const struct mdc_privdrop_id *id,
                                       int (*fn)(void *), void *arg);

/*
 * What a service does with its directory, tried in a child process: enter
 * dir as id, then create, write, read back and remove a file in sub (a path
 * relative to dir, "." for dir itself).  Returns 0, or the first failure in
 * the child (MDC_ECHILD if it died).
 */
MDC_MUSTCHECK int mdc_privdrop_probe(const char *dir, const char *sub,
                                     const struct mdc_privdrop_id *id);

#endif
