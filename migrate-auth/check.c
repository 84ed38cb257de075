/* migrate-auth/check.c - minidc-migrate check: a move's preflight */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <krb5.h>

#include "migrate-auth/check.h"
#include "migrate-auth/conn.h"
#include "migrate-auth/live.h"
#include "migrate-auth/policy.h"
#include "migrate-auth/proto.h"
#include "migrate-auth/sess.h"
#include "migrate-auth/vmdef.h"

/* The prerequisites, in the order they are printed. */
enum pre {
	P_TICKET,   /* a ticket in the caller's ccache */
	P_FORWARD,  /* ... forwardable */
	P_SRC,      /* the source agent answers and knows the caller */
	P_SRC_ON,   /* migration enabled on the source */
	P_OPER,     /* the caller in Migration Operators */
	P_SRC_ADDR, /* the destination's address: registered or in a network */
	P_VM,       /* the VM defined on the source and not moving */
	P_DST,      /* the destination agent reachable from the source */
	P_DELEG,    /* msDS-AllowedToDelegateTo of the source's account */
	P_DST_ON,   /* migration enabled on the destination */
	P_DST_NETS, /* the source's address in the destination's networks */
	P_DST_NAME, /* no VM of that name on the destination */
	P_CPU,      /* the destination offers the VM's CPU model */
	P_STORE,    /* the destination's storage directory takes the disks */
	P_N
};

/* The order in which a move meets them (after the ticket and the source
 * agent): a live move, or the policy round trip of a VM the source does
 * not define (the prerequisites left out do not apply to it). */
static const enum pre live_order[] = {
        P_SRC_ON, P_OPER,     P_SRC_ADDR, P_VM,  P_DST,  P_DELEG,
        P_DST_ON, P_DST_NETS, P_DST_NAME, P_CPU, P_STORE};
static const enum pre trip_order[] = {P_SRC_ON, P_OPER,   P_SRC_ADDR, P_DST,
                                      P_DELEG,  P_DST_ON, P_DST_NETS};

enum { S_UNCHECKED = 0, S_OK = 1, S_NA = 2, S_MISSING = -1 };

struct chk {
	char what[P_N][640];
	char fix[P_N][1600];
	char why[P_N][MDC_MIG_MAX_TEXT + 1]; /* the agent's reason, or "" */
	int state[P_N];
	char user[256], src[MDC_MIG_MAX_HOST + 1], acct[300];
	int defined; /* the VM on the source: 1 yes, 0 no, -1 unknown */
	int have_def;
	uint8_t vmstate;
	struct mdc_vm_def def;
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

/* Which prerequisite a refusal names (the texts of roles.c, policy.c,
 * move*.c and vmhost.c); P_N if the move was accepted. */
static enum pre
classify(const struct chk *k, const struct mdc_mig_msg *r,
         const struct mdc_mig_check_req *q)
{
	char t[MDC_MIG_MAX_HOST + MDC_MIG_MAX_VM + 64];

	if (r->status == MDC_MIG_ACCEPTED)
		return P_N;
	if (strstr(r->text, "is not forwardable") != NULL)
		return P_FORWARD;
	snprintf(t, sizeof(t), "migration is disabled on %s", k->src);
	if (strstr(r->text, t) != NULL &&
	    strstr(r->text, "(the source)") != NULL)
		return P_SRC_ON;
	if (strstr(r->text, "(constrained delegation)") != NULL)
		return P_DELEG;
	if (strstr(r->text, "is not a member of Migration Operators") != NULL)
		return P_OPER;
	if (strstr(r->text, "is neither the registered address of") != NULL ||
	    strstr(r->text, "bad destination address") != NULL)
		return P_SRC_ADDR;
	snprintf(t, sizeof(t), "refused by %s: VM %s is ", k->src, q->vm);
	if (strstr(r->text, t) != NULL)
		return P_VM;
	snprintf(t, sizeof(t), "migration is disabled on %s", q->to);
	if (strstr(r->text, t) != NULL)
		return P_DST_ON;
	if (strstr(r->text, "is not in a migration network of") != NULL)
		return P_DST_NETS;
	if (strstr(r->text, "is already defined here") != NULL)
		return P_DST_NAME;
	if (strstr(r->text, " CPU model ") != NULL)
		return P_CPU;
	if (strstr(r->text, "storage director") != NULL)
		return P_STORE;
	return P_DST; /* a failure on the way, told with its text */
}

/* Append to out (cap bytes) what printf makes of fmt. */
static void cat(char *out, size_t cap, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void
cat(char *out, size_t cap, const char *fmt, ...)
{
	size_t n = strlen(out);
	va_list ap;

	if (n + 1 >= cap)
		return;
	va_start(ap, fmt);
	vsnprintf(out + n, cap - n, fmt, ap);
	va_end(ap);
}

/* The VM defined again with --compat (the model every x86-64 host
 * offers): vm rm keeps the disks. */
static void
fix_cpu(const struct chk *k, const struct mdc_mig_check_req *q, char *out,
        size_t cap)
{
	const struct mdc_vm_def *d = &k->def;
	size_t i;

	out[0] = '\0';
	if (!k->have_def) {
		snprintf(out, cap,
		         "define VM %s again with --compat (minidc-migrate vm "
		         "rm, then vm create ... --compat, --via %s)",
		         q->vm, q->via);
		return;
	}
	if (k->vmstate != 0)
		cat(out, cap, "minidc-migrate vm stop %s --via %s && ", d->name,
		    q->via);
	cat(out, cap,
	    "minidc-migrate vm rm %s --via %s && minidc-migrate vm create %s "
	    "--via %s --memory %u",
	    d->name, q->via, d->name, q->via, d->memory_mib);
	for (i = 0; i < d->ndisks; i++)
		cat(out, cap, " --disk %s", d->disks[i]);
	if (d->kernel[0])
		cat(out, cap, " --kernel %s", d->kernel);
	if (d->initrd[0])
		cat(out, cap, " --initrd %s", d->initrd);
	if (d->append[0])
		cat(out, cap, " --append '%s'", d->append);
	for (i = 0; i < d->nnics; i++)
		cat(out, cap, " --nic bridge=%s,mac=%s", d->nics[i].bridge,
		    d->nics[i].mac);
	cat(out, cap, " --compat");
}

/* The fix of the source's address rule: a network or the registered
 * address ("refused by SRC: ADDR is neither ..."). */
static void
fix_addr(const struct chk *k, const struct mdc_mig_check_req *q,
         const char *text, char *out, size_t cap)
{
	const char *a = strstr(text, ": ");

	if (a == NULL || strstr(text, "is neither") == NULL) {
		snprintf(out, cap,
		         "give the address of %s's agent: --dest-addr "
		         "ADDR:PORT",
		         q->to);
		return;
	}
	a += 2;
	snprintf(out, cap,
	         "minidc-migrate network add %.*s/%d --state DIR   (on %s); "
	         "or --dest-addr the address DNS registers for %s",
	         (int)strcspn(a, " "), a,
	         memchr(a, ':', strcspn(a, " ")) ? 128 : 32, k->src, q->to);
}

/* The fix a refusal carries itself ("...; fix: COMMAND"). */
static void
fix_told(const char *text, char *out, size_t cap)
{
	const char *f = strstr(text, "; fix: ");

	snprintf(out, cap, "%.1500s", f != NULL ? f + 7 : text);
}

/* The agent's reason: its refusal up to the fix it carries. */
static void
reason_of(const char *text, char *out, size_t cap)
{
	const char *f = strstr(text, "; fix: ");
	size_t n = f != NULL ? (size_t)(f - text) : strlen(text);

	snprintf(out, cap, "%.*s", (int)n, text);
}

/* The fix of a missing prerequisite p (DIR: the DC's or the host's). */
static void
fix_of(struct chk *k, enum pre p, const struct mdc_mig_check_req *q,
       const struct mdc_mig_msg *r)
{
	const char *user = k->user[0] ? k->user : "USER";
	char line[1600], addr[MDC_MIG_MAX_ADDR + 1];
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
	else if (p == P_SRC_ADDR)
		fix_addr(k, q, r->text, line, sizeof(line));
	else if (p == P_VM)
		snprintf(line, sizeof(line),
		         "wait for its move to end, or minidc-migrate move "
		         "--cancel %s --via %s",
		         q->vm, q->via);
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
	} else if (p == P_DST_NAME)
		snprintf(line, sizeof(line),
		         "minidc-migrate vm rm %s --via %s   (if the VM there "
		         "is a stale copy)",
		         q->vm, q->dest_addr ? q->dest_addr : q->to);
	else if (p == P_CPU)
		fix_cpu(k, q, line, sizeof(line));
	else if (p == P_STORE)
		fix_told(r->text, line, sizeof(line));
	else
		snprintf(line, sizeof(line), "%.500s", r->text);
	if (p == P_CPU || p == P_STORE)
		reason_of(r->text, k->why[p], sizeof(k->why[p]));
	set(k, p, S_MISSING, line);
}

/* A session with the source agent as the caller; *fd < 0 on failure. */
static int
open_src(struct chk *k, const struct mdc_mig_check_req *q, int *fd,
         gss_ctx_id_t *ctx, struct mdc_err *e)
{
	char ip[MDC_MIG_MAX_ADDR + 1];
	int port, ret;

	*fd = -1;
	*ctx = GSS_C_NO_CONTEXT;
	if (mdc_mig_hostport(q->via, MDC_MIG_DEFAULT_PORT, ip, sizeof(ip),
	                     &port) != 0)
		return mdc_err_set(e, MDC_EINVAL, "bad --via");
	if ((ret = mdc_conn_connect(ip, port, NULL, fd, e)) != 0 ||
	    (ret = mdc_mig_recv_hello(*fd, k->src, sizeof(k->src), e)) != 0 ||
	    (ret = mdc_mig_initiate(*fd, GSS_C_NO_CREDENTIAL, k->src, ctx,
	                            e)) != 0)
		return ret;
	return 0;
}

static void
close_src(int fd, gss_ctx_id_t ctx)
{
	OM_uint32 minor;

	if (ctx != GSS_C_NO_CONTEXT)
		(void)gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
	if (fd >= 0)
		close(fd);
}

/* vm show at the source: does its agent answer, is the VM defined
 * there, moving, its definition?  Returns -1 if the agent cannot be
 * reached (P_SRC missing). */
static int
check_vm(struct chk *k, const struct mdc_mig_check_req *q)
{
	struct mdc_mig_msg m, r;
	struct mdc_err e = {""};
	gss_ctx_id_t ctx;
	int fd;

	k->defined = -1;
	memset(&m, 0, sizeof(m));
	memset(&r, 0, sizeof(r));
	m.type = MDC_MIG_VM;
	m.op = MDC_MIG_VM_SHOW;
	snprintf(m.vm, sizeof(m.vm), "%s", q->vm);
	if (open_src(k, q, &fd, &ctx, &e) != 0) {
		close_src(fd, ctx);
		snprintf(k->fix[P_SRC], sizeof(k->fix[P_SRC]),
		         "start minidc-migrate agent at %.64s (%.400s)", q->via,
		         e.text);
		k->state[P_SRC] = S_MISSING;
		return -1;
	}
	set(k, P_SRC, S_OK, NULL);
	if (mdc_mig_send_msg(fd, ctx, &m, &e) != 0)
		goto out;
	while (mdc_mig_recv_msg(fd, ctx, &r, &e) == 0 &&
	       r.type == MDC_MIG_VM_INFO) {
		k->vmstate = r.vmstate;
		k->have_def = mdc_vm_def_from_json(r.def, r.deflen, &k->def,
		                                   NULL) == 0;
		mdc_mig_msg_clear(&r);
	}
	if (r.type != MDC_MIG_RESULT)
		goto out;
	if (r.status == MDC_MIG_ACCEPTED)
		k->defined = 1;
	else if (strstr(r.text, "no VM named") != NULL)
		k->defined = 0;
	if (k->defined == 1)
		set(k, P_VM,
		    r.status == MDC_MIG_ACCEPTED && k->vmstate <= 1
		            ? S_OK
		            : S_UNCHECKED,
		    NULL);
out:
	mdc_mig_msg_clear(&r);
	close_src(fd, ctx);
	return 0;
}

/* A move's decisions without the move: LIVE_MOVE with the check flag
 * (the policy round trip for a VM the source does not define). */
static int
round_trip(struct chk *k, const struct mdc_mig_check_req *q,
           struct mdc_mig_msg *r, struct mdc_err *e)
{
	struct mdc_mig_msg m;
	struct mdc_live_req lr;
	uint8_t blob[MDC_LIVE_MAX_REQ];
	gss_ctx_id_t ctx;
	int fd, ret;

	memset(&m, 0, sizeof(m));
	mdc_live_req_init(&lr);
	lr.flags = MDC_LIVE_FL_CHECK;
	if (q->storage_path != NULL)
		snprintf(lr.storage_path, sizeof(lr.storage_path), "%s",
		         q->storage_path);
	m.type = MDC_MIG_LIVE_MOVE;
	m.data = blob;
	snprintf(m.vm, sizeof(m.vm), "%s", q->vm);
	snprintf(m.host, sizeof(m.host), "%s", q->to);
	if (q->dest_addr != NULL)
		snprintf(m.addr, sizeof(m.addr), "%s", q->dest_addr);
	if ((ret = open_src(k, q, &fd, &ctx, e)) == 0 &&
	    (ret = mdc_live_req_encode(&lr, blob, sizeof(blob), &m.datalen)) ==
	            0 &&
	    (ret = mdc_mig_send_msg(fd, ctx, &m, e)) == 0 &&
	    (ret = mdc_mig_recv_msg(fd, ctx, r, e)) == 0 &&
	    r->type != MDC_MIG_RESULT) {
		mdc_mig_msg_clear(r);
		ret = mdc_err_set(e, MDC_EMALF, "unexpected answer");
	}
	close_src(fd, ctx);
	return ret;
}

/* The agents' own decisions, each refusal mapped to its prerequisite. */
static void
check_agents(struct chk *k, const struct mdc_mig_check_req *q)
{
	struct mdc_mig_msg r;
	struct mdc_err e = {""};
	char realm[256] = "";
	const char *at = strchr(k->user, '@');
	const enum pre *ord = live_order;
	size_t n = sizeof(live_order) / sizeof(live_order[0]), i;
	enum pre miss;

	if (check_vm(k, q) != 0)
		return;
	snprintf(realm, sizeof(realm), "%s", at ? at + 1 : "");
	if (mdc_mig_host_account(k->src, realm, k->acct, sizeof(k->acct)) == 0)
		k->acct[strcspn(k->acct, "@")] = '\0';
	if (k->defined == 0) {
		ord = trip_order;
		n = sizeof(trip_order) / sizeof(trip_order[0]);
		for (i = 0; i < P_N; i++)
			if (i == P_VM || i >= P_DST_NAME)
				k->state[i] = S_NA;
	}
	if (round_trip(k, q, &r, &e) != 0)
		mdc_mig_result(&r, MDC_MIG_FAILED, "%s", e.text);
	miss = classify(k, &r, q);
	/* every prerequisite before the refusal was met */
	for (i = 0; i < n && ord[i] != miss; i++)
		if (k->state[ord[i]] == S_UNCHECKED)
			set(k, ord[i], S_OK, NULL);
	if (miss < P_N)
		fix_of(k, miss, q, &r);
}

static void
describe(struct chk *k, const struct mdc_mig_check_req *q)
{
	const char *u = k->user[0] ? k->user : "the caller";
	const char *s = k->src[0] ? k->src : q->via;
	size_t w = sizeof(k->what[0]);

	snprintf(k->what[P_TICKET], w, "Kerberos ticket of %s", u);
	snprintf(k->what[P_FORWARD], w, "forwardable ticket of %s", u);
	snprintf(k->what[P_SRC], w, "source agent at %s", q->via);
	snprintf(k->what[P_SRC_ON], w, "migration enabled on %s (the source)",
	         s);
	snprintf(k->what[P_OPER], w, "%s in Migration Operators", u);
	snprintf(k->what[P_SRC_ADDR], w,
	         "destination address of %s registered or inside a migration "
	         "network of %s",
	         q->to, s);
	snprintf(k->what[P_VM], w, "VM %s defined on %s and not moving", q->vm,
	         s);
	snprintf(k->what[P_DST], w, "destination agent %s reachable from %s",
	         q->to, s);
	snprintf(k->what[P_DELEG], w,
	         "constrained delegation from %.60s to migrate/%.200s",
	         k->acct[0] ? k->acct : s, q->to);
	snprintf(k->what[P_DST_ON], w,
	         "migration enabled on %s (the destination)", q->to);
	snprintf(k->what[P_DST_NETS], w, "%s inside a migration network of %s",
	         s, q->to);
	snprintf(k->what[P_DST_NAME], w, "no other VM named %s on %s", q->vm,
	         q->to);
	snprintf(k->what[P_CPU], w, "CPU model %s of VM %s offered by %s",
	         k->have_def ? k->def.cpu : "(unknown)", q->vm, q->to);
	snprintf(k->what[P_STORE], w,
	         "storage directory of %s writable, with room for the disks "
	         "of VM %s",
	         q->to, q->vm);
}

int
mdc_mig_check(const struct mdc_mig_check_req *q, mdc_mig_say_fn say, void *arg,
              struct mdc_err *e)
{
	static struct chk k;
	char line[1800];
	int p, missing = 0;

	if (q->vm == NULL || !mdc_mig_vm_ok(q->vm))
		return mdc_err_set(e, MDC_EINVAL,
		                   "check needs one VM name ([A-Za-z0-9._-], "
		                   "up to %d)",
		                   MDC_MIG_MAX_VM);
	if (q->to == NULL || q->via == NULL)
		return mdc_err_set(e, MDC_EINVAL, "%s is required",
		                   q->to == NULL ? "--to" : "--via");
	if (!mdc_mig_host_ok(q->to))
		return mdc_err_set(e, MDC_EINVAL, "invalid --to '%.64s'",
		                   q->to);
	memset(&k, 0, sizeof(k));
	check_ticket(&k);
	if (k.state[P_TICKET] != S_OK)
		set(&k, P_TICKET, S_MISSING, NULL);
	/* with no forwardable ticket the agents cannot say more */
	if (k.state[P_FORWARD] == S_OK)
		check_agents(&k, q);
	if (k.state[P_FORWARD] == S_MISSING || k.state[P_TICKET] == S_MISSING)
		snprintf(k.fix[P_FORWARD], sizeof(k.fix[0]), "kinit -f %s",
		         k.user[0] ? k.user : "USER");
	snprintf(k.fix[P_TICKET], sizeof(k.fix[0]), "kinit -f %s",
	         k.user[0] ? k.user : "USER");
	describe(&k, q);
	for (p = 0; p < P_N; p++) {
		if (k.state[p] == S_NA)
			snprintf(line, sizeof(line),
			         "n/a %s (no VM %s on %s: its move is the "
			         "policy round trip only)",
			         k.what[p], q->vm, k.src);
		else
			snprintf(line, sizeof(line), "%s %s",
			         k.state[p] == S_OK        ? "ok"
			         : k.state[p] == S_MISSING ? "MISSING"
			                                   : "unchecked",
			         k.what[p]);
		say(arg, MDC_MIG_OUT, line);
		if (k.state[p] != S_MISSING)
			continue;
		missing++;
		if (k.why[p][0] != '\0') {
			snprintf(line, sizeof(line), "  why: %s", k.why[p]);
			say(arg, MDC_MIG_OUT, line);
		}
		snprintf(line, sizeof(line), "  fix: %s", k.fix[p]);
		say(arg, MDC_MIG_OUT, line);
	}
	if (missing == 0)
		return 0;
	return mdc_err_set(e, MDC_EDENIED,
	                   "%d prerequisite(s) missing, the first one "
	                   "hides what comes after it",
	                   missing);
}
