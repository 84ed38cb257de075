/* lib/privdrop.h - give up root after binding privileged ports */
#ifndef MDC_PRIVDROP_H
#define MDC_PRIVDROP_H

#include "lib/err.h"

/*
 * If running as root, switch to user's uid and gid with no supplementary
 * groups, and verify that root cannot be regained.  Does nothing when not
 * root.  Returns 0, MDC_ENOENT if user does not exist, MDC_EACCES if root
 * could be regained, or the failing call's error.
 */
MDC_MUSTCHECK int mdc_drop_privileges(const char *user);

#endif
