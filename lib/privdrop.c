/* lib/privdrop.c - give up root after binding privileged ports */
#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include "lib/privdrop.h"

int
mdc_drop_privileges(const char *user)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return 0;
	pw = getpwnam(user);
	if (pw == NULL)
		return MDC_ENOENT;
	if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0)
		return mdc_err_from_errno(errno);
	if (pw->pw_uid != 0 && setuid(0) == 0)
		return MDC_EACCES; /* must not be able to regain root */
	return 0;
}
