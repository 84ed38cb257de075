/* dc/kdb/kdb_watch.c - syncrepl refreshAndPersist watch for the KDC's cache */
#include "config.h"

#include <lber.h>
#include <stdlib.h>
#include <string.h>

#include "ad/ldapconn.h"
#include "dc/kdb/kdb_watch.h"

#define SYNC_REFRESH_AND_PERSIST 3
#define RETRY_MS                 1000

static const char watch_filter[] = "(|(objectClass=user)(objectClass=group)"
                                   "(objectClass=minidcKrbPrincipal))";

void
mdc_kdb_watch_close(struct mdc_kdb_watch *w)
{
	if (w->ld != NULL)
		ldap_unbind_ext_s(w->ld, NULL, NULL);
	w->ld = NULL;
	w->msgid = -1;
}

/* The Sync Request control value: SEQUENCE { mode ENUMERATED }. */
static int
sync_control(LDAPControl *ctl, struct berval *val)
{
	BerElement *ber = ber_alloc_t(LBER_USE_DER);
	int ret = -1;

	if (ber == NULL)
		return -1;
	if (ber_printf(ber, "{e}", (ber_int_t)SYNC_REFRESH_AND_PERSIST) >= 0 &&
	    ber_flatten2(ber, val, 1) == 0) {
		ctl->ldctl_oid = LDAP_CONTROL_SYNC;
		ctl->ldctl_value = *val;
		ctl->ldctl_iscritical = 1;
		ret = 0;
	}
	ber_free(ber, 1);
	return ret;
}

/* Connect, bind and send the persistent sync search. */
static int
watch_start(struct mdc_kdb_watch *w, const char *uri, const char *base)
{
	char *attrs[] = {"1.1", NULL};
	struct berval val = {0, NULL};
	LDAPControl ctl, *ctls[] = {&ctl, NULL};
	/* No timeout: the persistent search waits while nothing changes. */
	const struct mdc_ad_ldap_how how = {MDC_AD_LDAP_EXTERNAL, 0};
	int ret = -1;

	if (mdc_ad_ldap_connect(uri, &how, &w->ld, NULL) != 0 ||
	    sync_control(&ctl, &val) != 0)
		goto out;
	if (ldap_search_ext(w->ld, base, LDAP_SCOPE_SUBTREE, watch_filter,
	                    attrs, 1, ctls, NULL, NULL, 0,
	                    &w->msgid) == LDAP_SUCCESS)
		ret = 0;
out:
	ber_memfree(val.bv_val);
	if (ret != 0)
		mdc_kdb_watch_close(w);
	return ret;
}

/* Read what is waiting: 1 if anything arrived, -1 if the watch broke. */
static int
drain(struct mdc_kdb_watch *w)
{
	struct timeval zero = {0, 0};
	LDAPMessage *msg = NULL;
	int rc, changed = 0;

	for (;;) {
		rc = ldap_result(w->ld, w->msgid, LDAP_MSG_ONE, &zero, &msg);
		if (rc == 0)
			return changed;
		ldap_msgfree(msg);
		msg = NULL;
		/* A search result ends the persist phase: the server quit. */
		if (rc < 0 || rc == LDAP_RES_SEARCH_RESULT)
			return -1;
		changed = 1;
	}
}

int
mdc_kdb_watch_poll(struct mdc_kdb_watch *w, const char *uri, const char *base,
                   long long now_ms)
{
	int r;

	if (w->ld == NULL) {
		if (now_ms < w->next_try_ms)
			return 1;
		w->next_try_ms = now_ms + RETRY_MS;
		if (watch_start(w, uri, base) != 0)
			return 1;
		/* Whatever happened while we were not watching: assume it. */
		return 1;
	}
	r = drain(w);
	if (r < 0) {
		mdc_kdb_watch_close(w);
		return 1;
	}
	return r;
}
