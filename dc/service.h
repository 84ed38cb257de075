/* dc/service.h - a service the supervisor starts, watches and stops */
#ifndef MDC_SERVICE_H
#define MDC_SERVICE_H

#include "ad/dcconf.h"

/*
 * One supervised child.  The supervisor starts services in table order
 * (dc/services.c), waits for each one's readiness probe before starting the
 * next, restarts a crashed one with back-off, and stops them in reverse order.
 */
struct mdc_service {
	const char *name; /* short, used in logs and `minidc status` */
	/*
	 * Build the child's argv (argv[0] an absolute path) as a
	 * NULL-terminated malloc'd array of malloc'd strings; *envp_out
	 * likewise, or NULL to inherit.  self is the absolute path of the
	 * running minidc binary, for services that are internal subcommands.
	 * Mandatory.
	 */
	int (*argv)(const struct mdc_dcconf *conf, const char *self,
	            char ***argv_out, char ***envp_out);
	/* Return 0 when the service answers (probed every 50 ms).  Mandatory.
	 */
	int (*ready)(const struct mdc_dcconf *conf);
	int ready_timeout_ms;
	/* Optional: return 0 if this DC runs the service (NULL: always). */
	int (*enabled)(const struct mdc_dcconf *conf);
	/*
	 * Optional: return 0 if the service can work in conf's layout (DIR
	 * and its users), else MDC_E* with one line in err.  A service that
	 * drops privileges checks here that it will reach what it needs
	 * afterwards.  Called by mdc_services_check().
	 */
	int (*check)(const struct mdc_dcconf *conf, struct mdc_err *err);
	/*
	 * Optional: a unix socket (path under DIR) that the supervisor owns
	 * for the service and keeps across its restarts (dc/guard.h), and
	 * guard_reply, what every connection gets that the service accepted
	 * and did not answer before it died, or that waited while it was
	 * down.  A guarded service is ready once it says so on its channel
	 * and its ready() answers.
	 */
	const char *guard_socket;
	const char *guard_reply;
	/* Optional: the guard socket is root's and this group's, mode 0660
	 * (NULL: root's only, 0600). */
	const char *guard_group;
	/* Optional: the child's working directory, a path under DIR. */
	const char *workdir;
	/*
	 * Optional: make what the service needs under DIR, as root, before the
	 * supervisor opens any guard socket (the dsa's lives in slapd's
	 * directory).  0 or MDC_E* with one line in err.
	 */
	int (*prepare)(const struct mdc_dcconf *conf, struct mdc_err *err);
};

/* The services in start order, NULL-terminated (dc/services.c). */
extern const struct mdc_service *const mdc_services[];

/*
 * Run the check of every service this DC runs, in start order; `minidc
 * provision` and `minidc run` call it before starting anything, so that a
 * layout that cannot work is refused at once instead of failing later.
 * Returns 0, or the first failure with its one-line reason in err.
 */
MDC_MUSTCHECK int mdc_services_check(const struct mdc_dcconf *conf,
                                     struct mdc_err *err);

/* Free an argv/envp array built by an argv() callback (NULL-safe). */
void mdc_strv_free(char **v);
/* Build a NULL-terminated malloc'd string vector from a NULL-terminated list.
 */
char **mdc_strv_new(const char *first, ...);

#endif
