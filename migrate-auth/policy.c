/* migrate-auth/policy.c - the destination's decision on an incoming VM */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ad/pac.h"
#include "migrate-auth/policy.h"

int
mdc_mig_host_account(const char *fqdn, const char *realm, char *out,
                     size_t outlen)
{
	size_t n = strcspn(fqdn, "."), i;
	int w;

	if (n == 0 || n + 3 + strlen(realm) > outlen)
		return MDC_ESPACE;
	for (i = 0; i < n; i++)
		out[i] = (fqdn[i] >= 'a' && fqdn[i] <= 'z') ? fqdn[i] - 32
		                                            : fqdn[i];
	w = snprintf(out + n, outlen - n, "$@%s", realm);
	return (w < 0 || (size_t)w >= outlen - n) ? MDC_ESPACE : 0;
}

static void
peer_text(const struct sockaddr *sa, char *out, size_t outlen)
{
	const void *a = NULL;

	if (sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (a == NULL || inet_ntop(sa->sa_family, a, out, outlen) == NULL)
		snprintf(out, outlen, "(unknown)");
}

/* Is the LOGON_INFO's user in group rid (primary or listed)? */
static int
in_rid(const uint8_t *logon, size_t logon_len, uint32_t rid, int *yes)
{
	uint32_t rids[MDC_PAC_MAX_GROUPS];
	struct mdc_pac_logon l;
	size_t i;
	int ret;

	*yes = 0;
	ret = mdc_pac_logon_decode(logon, logon_len, &l, rids,
	                           MDC_PAC_MAX_GROUPS);
	if (ret != 0)
		return ret;
	*yes = l.primary == rid;
	for (i = 0; i < l.ngroups; i++)
		if (rids[i] == rid)
			*yes = 1;
	return 0;
}

static int
in_group(const struct mdc_mig_dest_in *in, int *yes)
{
	return in_rid(in->logon, in->logon_len, MDC_RID_MIGRATION_OPERATORS,
	              yes);
}

int
mdc_mig_vm_admin_decide(const char *client, const uint8_t *logon,
                        size_t logon_len, char *text, size_t textlen)
{
	int ops = 0, admins = 0;

	if (logon == NULL ||
	    in_rid(logon, logon_len, MDC_RID_MIGRATION_OPERATORS, &ops) != 0 ||
	    in_rid(logon, logon_len, MDC_RID_DOMAIN_ADMINS, &admins) != 0) {
		snprintf(text, textlen,
		         "no readable group list (PAC logon-info) in the "
		         "ticket of %s",
		         client);
		return MDC_EDENIED;
	}
	if (!ops && !admins) {
		snprintf(text, textlen,
		         "%s is not a member of Migration Operators or Domain "
		         "Admins",
		         client);
		return MDC_EDENIED;
	}
	snprintf(text, textlen, "%s (%s)", client,
	         ops ? "Migration Operators" : "Domain Admins");
	return 0;
}

/* The identity checks: delegation through the source, group membership. */
static int
check_identity(const struct mdc_mig_dest_in *in, struct mdc_pac_deleg *d,
               char *text, size_t textlen)
{
	const char *at = strrchr(in->client, '@');
	char want[MDC_PAC_MAXNAME];
	int yes;

	if (in->deleg == NULL)
		goto nodeleg;
	if (mdc_pac_deleg_decode(in->deleg, in->deleg_len, d) != 0) {
		snprintf(text, textlen,
		         "malformed delegation-info in the "
		         "ticket of %s",
		         in->client);
		return MDC_EDENIED;
	}
	if (at == NULL ||
	    mdc_mig_host_account(in->source_host, at + 1, want, sizeof(want))) {
		snprintf(text, textlen, "cannot name the account of %s",
		         in->source_host);
		return MDC_EDENIED;
	}
	if (strcasecmp(d->last, want) != 0) {
		snprintf(text, textlen,
		         "the ticket of %s was delegated by %s, "
		         "not by the source host's account %s",
		         in->client, d->last, want);
		return MDC_EDENIED;
	}
	if (in->logon == NULL || in_group(in, &yes) != 0) {
		snprintf(text, textlen,
		         "no readable group list (PAC "
		         "logon-info) in the ticket of %s",
		         in->client);
		return MDC_EDENIED;
	}
	if (!yes) {
		snprintf(text, textlen,
		         "%s is not a member of Migration "
		         "Operators",
		         in->client);
		return MDC_EDENIED;
	}
	return 0;
nodeleg:
	snprintf(text, textlen,
	         "%s connected directly: no constrained-"
	         "delegation info in the ticket (a move must come through the "
	         "source host)",
	         in->client);
	return MDC_EDENIED;
}

int
mdc_mig_dest_decide(const struct mdc_mig_dest_in *in, char *text,
                    size_t textlen)
{
	struct mdc_pac_deleg d;
	char peer[64];

	if (check_identity(in, &d, text, textlen) != 0)
		return MDC_EDENIED;
	if (!in->state->enabled) {
		snprintf(text, textlen, "migration is disabled on %s",
		         in->self_host);
		return MDC_EDENIED;
	}
	if (!mdc_mig_state_allows(in->state, in->peer)) {
		peer_text(in->peer, peer, sizeof(peer));
		snprintf(text, textlen,
		         "source address %s is not in a "
		         "migration network of %s",
		         peer, in->self_host);
		return MDC_EDENIED;
	}
	snprintf(text, textlen,
	         "accepted by %s: VM %s from %s for %s, "
	         "delegated by %s",
	         in->self_host, in->vm, in->source_host, in->client, d.last);
	return 0;
}

/* True if a and b are the same IP address (v4-mapped v6 = v4). */
static int
same_addr(const struct sockaddr *a, const struct sockaddr *b)
{
	struct mdc_mig_cidr c;
	char t[INET6_ADDRSTRLEN + 4];

	peer_text(a, t, sizeof(t));
	if (mdc_mig_cidr_parse(t, &c) != 0)
		return 0;
	return mdc_mig_cidr_match(&c, b);
}

int
mdc_mig_src_user_decide(const char *client, const uint8_t *logon,
                        size_t logon_len, const char *self, char *text,
                        size_t textlen)
{
	int yes = 0;

	/* Domain Admins is not enough: a move is the operators' right only */
	if (logon == NULL ||
	    in_rid(logon, logon_len, MDC_RID_MIGRATION_OPERATORS, &yes) != 0 ||
	    !yes) {
		snprintf(text, textlen,
		         "refused by %s: %s is not a member of Migration "
		         "Operators",
		         self, client);
		return MDC_EDENIED;
	}
	return 0;
}

int
mdc_mig_src_decide(const struct mdc_mig_src_in *in, char *text, size_t textlen)
{
	char dest[64];
	size_t i;

	if (mdc_mig_src_user_decide(in->client, in->logon, in->logon_len,
	                            in->self_host, text, textlen) != 0)
		return MDC_EDENIED;
	if (mdc_mig_state_allows(in->state, in->dest))
		return 0;
	for (i = 0; i < in->nregistered; i++)
		if (same_addr(in->dest,
		              (const struct sockaddr *)&in->registered[i]))
			return 0;
	peer_text(in->dest, dest, sizeof(dest));
	snprintf(text, textlen,
	         "refused by %s: %s is neither the registered address of %s "
	         "nor inside a migration network of %s",
	         in->self_host, dest, in->dest_host, in->self_host);
	return MDC_EDENIED;
}
