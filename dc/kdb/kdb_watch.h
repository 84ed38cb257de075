/* dc/kdb/kdb_watch.h - see directory changes at once (syncrepl
 * refreshAndPersist) */
#ifndef MDC_KDB_WATCH_H
#define MDC_KDB_WATCH_H

#include <ldap.h>

/*
 * A second ldapi connection with a refreshAndPersist sync search (RFC 4533;
 * slapd's syncprov overlay) over the accounts, groups and Kerberos entries.
 * krb5kdc drains it without blocking before each lookup; any message means
 * "something changed", and the caller drops its cache.  So a change made by
 * any writer (ldapmodify, the dsa) is seen by the next request, not only
 * after the cache time.  If the watch cannot run, poll says "changed" every
 * time it is down and tries again at most once a second.
 */
struct mdc_kdb_watch {
	LDAP *ld;
	int msgid;
	long long next_try_ms; /* when to reconnect after a failure */
};

/*
 * Drain pending notifications (starting the watch when needed).  Returns 1
 * if the caller must drop its cache, 0 if nothing changed since last time.
 */
int mdc_kdb_watch_poll(struct mdc_kdb_watch *w, const char *uri,
                       const char *base, long long now_ms);
/* Stop the watch (NULL-safe members). */
void mdc_kdb_watch_close(struct mdc_kdb_watch *w);

#endif
