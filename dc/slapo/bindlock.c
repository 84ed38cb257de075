/*
 * dc/slapo/bindlock.c - account lockout for LDAP simple binds.
 *
 * The KDC counts bad passwords in badPwdCount/badPasswordTime on the
 * account's entry and refuses a locked account (dc/kdb/kdb_put.c); simple
 * binds share the same counter and the same rules (lib/pwpolicy.h), so a
 * password cannot be guessed over LDAP without limit either.
 */
#include "portable.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "slap.h"

#include "bindlock.h"
#include "lib/pwpolicy.h"

/* AD's answer to a bind of a locked account (775: ERROR_ACCOUNT_LOCKED_OUT). */
#define LOCKED_TEXT                                                            \
	"80090308: LdapErr: DSID-0C09030B, comment: AcceptSecurityContext "    \
	"error, data 775, v4563"

static AttributeDescription *ad_bad_count, *ad_bad_time, *ad_lockout_time,
        *ad_sam;

const struct mdc_slapo_ad mdc_bindlock_ads[] = {
        {"badPwdCount", &ad_bad_count},
        {"badPasswordTime", &ad_bad_time},
        {"lockoutTime", &ad_lockout_time},
        {"sAMAccountName", &ad_sam},
};
const size_t mdc_bindlock_nads =
        sizeof(mdc_bindlock_ads) / sizeof(mdc_bindlock_ads[0]);

/* Now in NT time (100 ns ticks since 1601), as badPasswordTime. */
static long long
nt_now(void)
{
	return ((long long)time(NULL) + 11644473600LL) * 10000000LL;
}

static long long
int_of(Entry *e, AttributeDescription *ad)
{
	Attribute *a = attr_find(e->e_attrs, ad);

	if (a == NULL || a->a_numvals == 0 || a->a_vals[0].bv_val == NULL)
		return 0;
	return strtoll(a->a_vals[0].bv_val, NULL, 10);
}

/* What a bind's result needs to update its account. */
struct bl_state {
	BackendDB *be;
	long long count, time;
};

/* The counts of the account ndn of be; 0 if ndn is no account. */
static int
read_counts(Operation *op, BackendDB *be, struct bl_state *st)
{
	Operation op2 = *op;
	Entry *e = NULL;
	int account;

	op2.o_bd = be;
	if (be_entry_get_rw(&op2, &op->o_req_ndn, NULL, NULL, 0, &e) !=
	            LDAP_SUCCESS ||
	    e == NULL)
		return 0;
	account = attr_find(e->e_attrs, ad_sam) != NULL;
	st->count = int_of(e, ad_bad_count);
	st->time = int_of(e, ad_bad_time);
	be_entry_release_r(&op2, e);
	return account;
}

/* One replaced value, in caller-provided storage. */
struct bl_mod {
	Modifications m;
	struct berval v[2];
	char buf[24];
};

static Modifications *
set_mod(struct bl_mod *bm, AttributeDescription *ad, long long v,
        Modifications *next)
{
	memset(bm, 0, sizeof(*bm));
	bm->v[0].bv_len = snprintf(bm->buf, sizeof(bm->buf), "%lld", v);
	bm->v[0].bv_val = bm->buf;
	bm->m.sml_op = LDAP_MOD_REPLACE;
	bm->m.sml_flags = SLAP_MOD_INTERNAL;
	bm->m.sml_desc = ad;
	bm->m.sml_type = ad->ad_cname;
	bm->m.sml_values = bm->v;
	bm->m.sml_nvalues = bm->v;
	bm->m.sml_numvals = 1;
	bm->m.sml_next = next;
	return &bm->m;
}

/*
 * Write the counts after a bind (bad: a wrong password), as the KDC does:
 * the password that reaches the threshold sets lockoutTime, a good one
 * clears it.  An internal modify as the rootdn through the database's whole
 * overlay stack, on a connection of its own: back-sock hands the dsa the
 * connection's bind DN, which after a good bind is the user's own, and the
 * dsa takes a write without one as slapd's own (a system write).
 */
static void
write_counts(Operation *op, struct bl_state *st, int bad)
{
	Connection conn = {0};
	OperationBuffer opbuf;
	Operation *op2;
	SlapReply rs2 = {REP_RESULT};
	slap_callback cb = {NULL, slap_null_cb, NULL, NULL};
	struct bl_mod bm[3];
	Modifications *ml = NULL;
	long long now = nt_now();
	long long n = bad ? mdc_lockout_next(st->count, st->time, now) : 0;

	if (!bad || n >= MDC_LOCKOUT_THRESHOLD)
		ml = set_mod(&bm[2], ad_lockout_time, bad ? now : 0, ml);
	if (bad)
		ml = set_mod(&bm[1], ad_bad_time, now, ml);
	ml = set_mod(&bm[0], ad_bad_count, n, ml);
	connection_fake_init2(&conn, &opbuf, op->o_threadctx, 0);
	op2 = &opbuf.ob_op;
	op2->o_tag = LDAP_REQ_MODIFY;
	op2->o_bd = st->be;
	op2->o_callback = &cb;
	op2->o_dn = st->be->be_rootdn;
	op2->o_ndn = st->be->be_rootndn;
	op2->o_req_dn = op->o_req_dn;
	op2->o_req_ndn = op->o_req_ndn;
	op2->orm_modlist = ml;
	op2->orm_no_opattrs = 0;
	op2->orm_increment = 0;
	op2->o_do_not_cache = 1;
	if (st->be->be_modify(op2, &rs2) != LDAP_SUCCESS)
		Debug(LDAP_DEBUG_ANY,
		      "mdcad: cannot count the bind of %s: error %d\n",
		      op->o_req_ndn.bv_val, rs2.sr_err);
}

static int
bl_response(Operation *op, SlapReply *rs)
{
	struct bl_state *st = op->o_callback->sc_private;

	if (rs->sr_type != REP_RESULT)
		return SLAP_CB_CONTINUE;
	if (rs->sr_err == LDAP_INVALID_CREDENTIALS)
		write_counts(op, st, 1);
	else if (rs->sr_err == LDAP_SUCCESS && st->count > 0)
		write_counts(op, st, 0);
	return SLAP_CB_CONTINUE;
}

int
mdc_bindlock_bind(Operation *op, SlapReply *rs)
{
	struct bl_state st = {0}, *stp;
	slap_callback *cb;

	if (op->orb_method != LDAP_AUTH_SIMPLE ||
	    BER_BVISEMPTY(&op->o_req_ndn) || BER_BVISEMPTY(&op->orb_cred))
		return 0;
	st.be = select_backend(&op->o_req_ndn, 0);
	if (st.be == NULL || be_isroot_dn(st.be, &op->o_req_ndn) ||
	    !read_counts(op, st.be, &st))
		return 0;
	if (mdc_lockout_locked(st.count, st.time, nt_now())) {
		send_ldap_error(op, rs, LDAP_INVALID_CREDENTIALS, LOCKED_TEXT);
		return 1;
	}
	/* Operation memory: freed with the bind. */
	cb = op->o_tmpcalloc(1, sizeof(*cb) + sizeof(st), op->o_tmpmemctx);
	stp = (struct bl_state *)(cb + 1);
	*stp = st;
	cb->sc_response = bl_response;
	cb->sc_private = stp;
	cb->sc_next = op->o_callback;
	op->o_callback = cb;
	return 0;
}
