/* dc/slapo/csnguard.c - slapd overlay "mdccsn": replication's last writer wins
 */
#include "portable.h"

#include <pthread.h>
#include <time.h>

#include "slap.h"

#include "csnguard.h"

static slap_overinst mdccsn;

/*
 * One modify of the database at a time, from the guard's check to the
 * result: syncrepl compares CSNs when it reads the entry and writes later,
 * so a local write committed in between was overwritten by an older one.
 * Held per thread: memberof's own modifies run inside the outer one.
 * Bounded: a result that never comes costs a writer 5 s, never a hang.
 */
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread int held_here;

/* The entryCSN a replicated modify writes, or NULL. */
static struct berval *
incoming_csn(Operation *op)
{
	for (Modifications *m = op->orm_modlist; m != NULL; m = m->sml_next) {
		if (m->sml_desc != slap_schema.si_ad_entryCSN ||
		    m->sml_numvals < 1)
			continue;
		return m->sml_nvalues != NULL ? &m->sml_nvalues[0]
		                              : &m->sml_values[0];
	}
	return NULL;
}

/* True if the stored entry's entryCSN is later than csn. */
static int
stored_is_later(Operation *op, slap_overinst *on, struct berval *csn)
{
	Entry *e = NULL;
	Attribute *a;
	int later = 0;

	if (overlay_entry_get_ov(op, &op->o_req_ndn, NULL, NULL, 0, &e, on) !=
	            LDAP_SUCCESS ||
	    e == NULL)
		return 0;
	a = attr_find(e->e_attrs, slap_schema.si_ad_entryCSN);
	/* CSNs have one fixed-width text form: byte order is time order. */
	if (a != NULL && a->a_nvals[0].bv_len == csn->bv_len &&
	    memcmp(a->a_nvals[0].bv_val, csn->bv_val, csn->bv_len) > 0)
		later = 1;
	overlay_entry_release_ov(op, e, 0, on);
	return later;
}

/* The modify has its result: let the next writer in. */
static int
unlock_cleanup(Operation *op, SlapReply *rs)
{
	(void)rs;
	held_here = 0;
	pthread_mutex_unlock(&write_lock);
	op->o_tmpfree(op->o_callback, op->o_tmpmemctx);
	op->o_callback = NULL;
	return SLAP_CB_CONTINUE;
}

/* Take write_lock until op's result (1), or not at all (0). */
static int
hold(Operation *op)
{
	struct timespec ts;
	slap_callback *cb;

	if (held_here)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	if (pthread_mutex_timedlock(&write_lock, &ts) != 0)
		return 0;
	cb = op->o_tmpcalloc(1, sizeof(*cb), op->o_tmpmemctx);
	cb->sc_cleanup = unlock_cleanup;
	cb->sc_next = op->o_callback;
	op->o_callback = cb;
	held_here = 1;
	return 1;
}

/* Undo hold() for an op that ends here. */
static void
unhold(Operation *op)
{
	slap_callback *cb = op->o_callback;

	op->o_callback = cb->sc_next;
	op->o_tmpfree(cb, op->o_tmpmemctx);
	held_here = 0;
	pthread_mutex_unlock(&write_lock);
}

static int
mdccsn_modify(Operation *op, SlapReply *rs)
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	struct berval *csn;
	int held = hold(op);

	/* syncrepl applies its diffs with orm_no_opattrs set. */
	if (!op->orm_no_opattrs || (csn = incoming_csn(op)) == NULL ||
	    !stored_is_later(op, on, csn))
		return SLAP_CB_CONTINUE;
	if (held)
		unhold(op);
	Debug(LDAP_DEBUG_SYNC,
	      "mdccsn: %s: replicated change %s is older than the entry's, "
	      "dropped\n",
	      op->o_req_dn.bv_val, csn->bv_val);
	/* syncrepl queued this CSN; without graduating it the database's
	 * contextCSN would stop advancing. */
	slap_graduate_commit_csn(op);
	rs->sr_err = LDAP_SUCCESS;
	send_ldap_result(op, rs);
	return rs->sr_err;
}

int
mdc_csnguard_register(void)
{
	mdccsn.on_bi.bi_type = "mdccsn";
	mdccsn.on_bi.bi_op_modify = mdccsn_modify;
	return overlay_register(&mdccsn);
}
