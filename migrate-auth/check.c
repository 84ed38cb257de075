/* migrate-auth/check.c - minidc-migrate check: a move's preflight */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <krb5.h>

#include "migrate-auth/check.h"
#include "migrate-auth/policy.h"
#include "migrate-auth/proto.h"
#include "migrate-auth/sess.h"

/* The prerequisites, in the order a move meets them. */
enum pre {
	P_TICKET,   /* a ticket in the caller's ccache */
	P_FORWARD,  /* ... forwardable */
	P_SRC,      /* the source agent answers and knows the caller */
	P_SRC_ON,   /* migration enabled on the source */
	P_OPER,     /* the caller in Migration Operators (source and dest) */
	P_DST_ADDR, /* the destination's address: registered or in our nets */
	P_DST,      /* the destination agent reachable from the source */
	P_DELEG,    /* msDS-AllowedToDelegateTo of the source's account */
	P_DST_ON,   /* migration enabled on the destination */
	P_DST_NETS, /* the source's address in the destination's networks */
	P_N
};

struct chk {
	char what[P_N][320];
	char fix[P_N][512];
	int state[P_N]; /* 0 unchecked, 1 ok, -1 missing */
	char user[256], src[MDC_MIG_MAX_HOST + 1], acct[300];
};

static void
set(struct chk *k, enum pre p, int st, const char *fix)
{
	k->state[p] = st;
	if (fix != NULL)
		snprintf(k->fix[p], sizeof(k->fix[p]), "%s", fix);
}

/* The caller's TGT: present, unexpired, forwardable (krb5's ccache API). */
static void
check_ticket(struct chk *k)
{
	krb5_context ctx = NULL;
	krb5_ccache cc = NULL;
	krb5_principal me = NULL, tgs = NULL;
	krb5_creds want, got;
	char *name = NULL;

	memset(&want, 0, sizeof(want));
	memset(&got, 0, sizeof(got));
	if (krb5_init_context(&ctx) != 0)
		return;
	if (krb5_cc_default(ctx, &cc) != 0 ||
	    krb5_cc_get_principal(ctx, cc, &me) != 0 ||
	    krb5_unparse_name(ctx, me, &name) != 0)
		goto out;
	snprintf(k->user, sizeof(k->user), "%s", name);
	if (krb5_build_principal_ext(ctx, &tgs, me->realm.length,
	                             me->realm.data, 6, "krbtgt",
	                             me->realm.length, me->realm.data, 0) != 0)
		goto out;
	want.client = me;
	want.server = tgs;
	if (krb5_cc_retrieve_cred(ctx, cc, 0, &want, &got) != 0 ||
	    got.times.endtime <= time(NULL))
		goto out;
	set(k, P_TICKET, 1, NULL);
	set(k, P_FORWARD, (got.ticket_flags & TKT_FLG_FORWARDABLE) ? 1 : -1,
	    NULL);
out:
	krb5_free_cred_contents(ctx, &got);
	krb5_free_unparsed_name(ctx, name);
	krb5_free_principal(ctx, tgs);
	krb5_free_principal(ctx, me);
	if (cc != NULL)
		krb5_cc_close(ctx, cc);
	krb5_free_context(ctx);
}

/* Which prerequisite a source's refusal names (the texts of agent.c and
 * policy.c); P_N if none. */
static enum pre
classify(const struct chk *k, const struct mdc_mig_msg *r, const char *to)
{
	char disabled[MDC_MIG_MAX_HOST + 64];

	if (strstr(r->text, "is not forwardable") != NULL)
		return P_FORWARD;
	snprintf(disabled, sizeof(disabled), "migration is disabled on %s",
	         k->src);
	if (strstr(r->text, disabled) != NULL &&
	    strstr(r->text, "(the source)") != NULL)
		return P_SRC_ON;
	if (strstr(r->text, "(constrained delegation)") != NULL)
		return P_DELEG;
	if (strstr(r->text, "is not a member of Migration Operators") != NULL)
		return P_OPER;
	if (strstr(r->text, "is neither the registered address of") != NULL)
		return P_DST_ADDR;
	snprintf(disabled, sizeof(disabled), "migration is disabled on %s", to);
	if (strstr(r->text, disabled) != NULL)
		return P_DST_ON;
	if (strstr(r->text, "is not in a migration network of") != NULL)
		return P_DST_NETS;
	if (r->status == MDC_MIG_FAILED)
		return P_DST;
	return P_N;
}

/* The fix of a missing prerequisite p (DIR: the DC's or the host's). */
static void
fix_of(struct chk *k, enum pre p, const struct mdc_mig_check_req *q,
       const struct mdc_mig_msg *r)
{
	const char *user = k->user[0] ? k->user : "USER";
	char line[512], addr[MDC_MIG_MAX_ADDR + 1];
	const char *a;
	size_t n;

	line[0] = '\0';
	if (p == P_FORWARD || p == P_TICKET)
		snprintf(line, sizeof(line), "kinit -f %s", user);
	else if (p == P_SRC_ON)
		snprintf(line, sizeof(line),
		         "minidc-migrate enable --state DIR   (on %s)", k->src);
	else if (p == P_DELEG)
		snprintf(line, sizeof(line),
		         "minidc delegation allow '%s' migrate/%s --dir DIR",
		         k->acct, q->to);
	else if (p == P_OPER)
		snprintf(line, sizeof(line),
		         "minidc group addmember 'Migration Operators' %.*s "
		         "--dir DIR; then kinit -f %s (a new ticket)",
		         (int)strcspn(user, "@"), user, user);
	else if (p == P_DST_ADDR)
		snprintf(line, sizeof(line),
		         "register %s's address in DNS, or minidc-migrate "
		         "network add NET --state DIR   (on %s)",
		         q->to, k->src);
	else if (p == P_DST_ON)
		snprintf(line, sizeof(line),
		         "minidc-migrate enable --state DIR   (on %s)", q->to);
	else if (p == P_DST_NETS &&
	         (a = strstr(r->text, "source address ")) != NULL) {
		a += strlen("source address ");
		n = strcspn(a, " ");
		snprintf(addr, sizeof(addr), "%.*s", (int)n, a);
		snprintf(line, sizeof(line),
		         "minidc-migrate network add %s/%d --state DIR   (on "
		         "%s)",
		         addr, strchr(addr, ':') ? 128 : 32, q->to);
	} else
		snprintf(line, sizeof(line), "%.500s", r->text);
	set(k, p, -1, line);
}

/* The policy round trip of a move through the source (nothing copied). */
static void
check_agents(struct chk *k, const struct mdc_mig_check_req *q)
{
	static struct mdc_mig_msg m, r;
	struct mdc_mig_err e = {"", 0};
	char ip[MDC_MIG_MAX_ADDR + 1], realm[256] = "";
	gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
	OM_uint32 minor;
	const char *at = strchr(k->user, '@');
	enum pre p, miss;
	int fd = -1, port;

	if (mdc_mig_hostport(q->via, MDC_MIG_DEFAULT_PORT, ip, sizeof(ip),
	                     &port) != 0 ||
	    mdc_mig_connect(ip, port, NULL, &fd, &e) != 0 ||
	    mdc_mig_recv_hello(fd, k->src, sizeof(k->src), &e) != 0 ||
	    mdc_mig_initiate(fd, GSS_C_NO_CREDENTIAL, k->src, &ctx, &e) != 0) {
		snprintf(k->fix[P_SRC], sizeof(k->fix[P_SRC]),
		         "start minidc-migrate agent at %.64s (%.400s)", q->via,
		         e.text);
		k->state[P_SRC] = -1;
		goto out;
	}
	snprintf(realm, sizeof(realm), "%s", at ? at + 1 : "");
	if (mdc_mig_host_account(k->src, realm, k->acct, sizeof(k->acct)) == 0)
		k->acct[strcspn(k->acct, "@")] = '\0';
	set(k, P_SRC, 1, NULL);
	memset(&m, 0, sizeof(m));
	m.type = MDC_MIG_MOVE;
	snprintf(m.vm, sizeof(m.vm), "%s", q->vm);
	snprintf(m.host, sizeof(m.host), "%s", q->to);
	if (q->dest_addr != NULL)
		snprintf(m.addr, sizeof(m.addr), "%s", q->dest_addr);
	if (mdc_mig_send_msg(fd, ctx, &m, &e) != 0 ||
	    mdc_mig_recv_msg(fd, ctx, &r, &e) != 0 ||
	    r.type != MDC_MIG_RESULT) {
		mdc_mig_result(&r, MDC_MIG_FAILED, "%s", e.text);
		r.status = MDC_MIG_FAILED;
	}
	miss = r.status == MDC_MIG_ACCEPTED ? P_N : classify(k, &r, q->to);
	/* every prerequisite before the refusal was met */
	for (p = P_SRC_ON; p < miss && p < P_N; p++)
		if (k->state[p] == 0)
			set(k, p, 1, NULL);
	if (miss < P_N)
		fix_of(k, miss, q, &r);
out:
	if (ctx != GSS_C_NO_CONTEXT)
		(void)gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
	if (fd >= 0)
		close(fd);
}

static void
describe(struct chk *k, const struct mdc_mig_check_req *q)
{
	const char *u = k->user[0] ? k->user : "the caller";
	const char *s = k->src[0] ? k->src : q->via;

	snprintf(k->what[P_TICKET], sizeof(k->what[0]), "Kerberos ticket of %s",
	         u);
	snprintf(k->what[P_FORWARD], sizeof(k->what[0]),
	         "forwardable ticket of %s", u);
	snprintf(k->what[P_SRC], sizeof(k->what[0]), "source agent at %s",
	         q->via);
	snprintf(k->what[P_SRC_ON], sizeof(k->what[0]),
	         "migration enabled on %s (the source)", s);
	snprintf(k->what[P_DST_ADDR], sizeof(k->what[0]),
	         "address of %.120s registered or inside a migration network "
	         "of %.120s",
	         q->dest_addr ? q->dest_addr : q->to, s);
	snprintf(k->what[P_DST], sizeof(k->what[0]),
	         "destination agent %s reachable from %s", q->to, s);
	snprintf(k->what[P_DELEG], sizeof(k->what[0]),
	         "constrained delegation from %.60s to migrate/%.200s",
	         k->acct[0] ? k->acct : s, q->to);
	snprintf(k->what[P_OPER], sizeof(k->what[0]),
	         "%s in Migration Operators", u);
	snprintf(k->what[P_DST_ON], sizeof(k->what[0]),
	         "migration enabled on %s (the destination)", q->to);
	snprintf(k->what[P_DST_NETS], sizeof(k->what[0]),
	         "%s inside a migration network of %s", s, q->to);
}

int
mdc_mig_check(const struct mdc_mig_check_req *q, mdc_mig_say_fn say, void *arg,
              struct mdc_mig_err *e)
{
	static struct chk k;
	static const char *word[] = {"unchecked", "ok", "MISSING"};
	char line[1100];
	int p, missing = 0;

	if (q->vm == NULL || !mdc_mig_vm_ok(q->vm))
		return mdc_mig_seterr(
		        e, MDC_EINVAL,
		        "check needs one VM name ([A-Za-z0-9._-], "
		        "up to %d)",
		        MDC_MIG_MAX_VM);
	if (q->to == NULL || q->via == NULL)
		return mdc_mig_seterr(e, MDC_EINVAL, "%s is required",
		                      q->to == NULL ? "--to" : "--via");
	if (!mdc_mig_host_ok(q->to))
		return mdc_mig_seterr(e, MDC_EINVAL, "invalid --to '%.64s'",
		                      q->to);
	memset(&k, 0, sizeof(k));
	check_ticket(&k);
	if (k.state[P_TICKET] != 1)
		set(&k, P_TICKET, -1, NULL);
	/* with no forwardable ticket the agents cannot say more */
	if (k.state[P_FORWARD] == 1)
		check_agents(&k, q);
	if (k.state[P_FORWARD] == -1 || k.state[P_TICKET] == -1)
		snprintf(k.fix[P_FORWARD], sizeof(k.fix[0]), "kinit -f %s",
		         k.user[0] ? k.user : "USER");
	snprintf(k.fix[P_TICKET], sizeof(k.fix[0]), "kinit -f %s",
	         k.user[0] ? k.user : "USER");
	describe(&k, q);
	for (p = 0; p < P_N; p++) {
		snprintf(line, sizeof(line), "%s %s",
		         word[k.state[p] < 0 ? 2 : k.state[p]], k.what[p]);
		say(arg, MDC_MIG_OUT, line);
		if (k.state[p] >= 0)
			continue;
		missing++;
		snprintf(line, sizeof(line), "  fix: %s", k.fix[p]);
		say(arg, MDC_MIG_OUT, line);
	}
	if (missing == 0)
		return 0;
	return mdc_mig_seterr(e, MDC_EDENIED,
	                      "%d prerequisite(s) missing, the first one "
	                      "hides what comes after it",
	                      missing);
}
