/* dns/sync.c - keep the zone current from the directory (RFC 4533
 * refreshAndPersist) */
#include "config.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ad/tsig.h"
#include "dns/ldapdns.h"
#include "dns/sync.h"
#include "lib/log.h"
#include "lib/util.h"

/* At most one snapshot rebuild per this many ms during bursts. */
#define PUBLISH_GAP_MS 100

struct item {
	char uuid[16];
	struct dns_entry e;
};

struct dns_sync {
	const struct dns_conf *conf;
	struct dns_sync_sink sink;
	atomic_int stop; /* set by dns_sync_close */
	LDAP *ld;
	struct dns_ldap_ctx wctx;
	struct mdc_privdrop_id id; /* whom the directory sees */
	ldap_sync_t ls;
	pthread_t th;
	int started;
	ldns_rdf *origin;
	struct item *items;
	size_t n, cap;
	int refreshed, dirty;
	uint32_t serial;
};

static struct item *
find_item(struct dns_sync *y, const struct berval *uuid)
{
	if (uuid == NULL || uuid->bv_len != 16)
		return NULL;
	for (size_t i = 0; i < y->n; i++)
		if (memcmp(y->items[i].uuid, uuid->bv_val, 16) == 0)
			return &y->items[i];
	return NULL;
}

static void
drop_item(struct dns_sync *y, const struct berval *uuid)
{
	struct item *it = find_item(y, uuid);

	if (it == NULL)
		return;
	dns_entry_clear(&it->e);
	*it = y->items[--y->n];
	y->dirty = 1;
}

static int
put_item(struct dns_sync *y, const struct berval *uuid, struct dns_entry *e)
{
	struct item *it = find_item(y, uuid);

	if (it == NULL) {
		if (y->n == y->cap) {
			size_t cap = y->cap ? y->cap * 2 : 64;
			struct item *p = realloc(y->items, cap * sizeof(*p));
			if (p == NULL)
				return MDC_ENOMEM;
			y->items = p;
			y->cap = cap;
		}
		it = &y->items[y->n++];
		memcpy(it->uuid, uuid->bv_val, 16);
	} else {
		dns_entry_clear(&it->e);
	}
	it->e = *e;
	y->dirty = 1;
	return 0;
}

/*
 * Records that fit no DNS message (stored before the size rule, or behind
 * its back) are left out of the zone, with a line in the log.
 */
static void
skip_oversized(struct dns_entry *e)
{
	struct mdc_err why = {""};
	size_t bad = dns_rrs_drop_oversized(e->rrs, &why);

	if (bad > 0)
		log_warn("%s: %zu record(s) not served: %s", e->dn, bad,
		         why.text);
}

static int
on_entry(ldap_sync_t *ls, LDAPMessage *msg, struct berval *uuid,
         ldap_sync_refresh_t phase)
{
	struct dns_sync *y = ls->ls_private;
	struct dns_entry e;

	if (uuid == NULL || uuid->bv_len != 16)
		return LDAP_SUCCESS;
	if (phase == LDAP_SYNC_CAPI_DELETE) {
		drop_item(y, uuid);
		return LDAP_SUCCESS;
	}
	if (phase != LDAP_SYNC_CAPI_ADD && phase != LDAP_SYNC_CAPI_MODIFY)
		return LDAP_SUCCESS;
	if (dns_ldap_entry(ls->ls_ld, msg, y->wctx.container_dn, &e) != 0 ||
	    dns_ldap_soa_self(&e, y->conf->fqdn) != 0) {
		dns_entry_clear(&e);
		drop_item(y, uuid); /* no longer one of ours */
		return LDAP_SUCCESS;
	}
	skip_oversized(&e);
	if (put_item(y, uuid, &e) != 0)
		dns_entry_clear(&e);
	return LDAP_SUCCESS;
}

static int
on_intermediate(ldap_sync_t *ls, LDAPMessage *msg, BerVarray uuids,
                ldap_sync_refresh_t phase)
{
	struct dns_sync *y = ls->ls_private;

	if (phase == LDAP_SYNC_CAPI_DONE) {
		y->refreshed = 1;
		y->dirty = 1;
	}
	if (phase == LDAP_SYNC_CAPI_DELETES_IDSET)
		for (int i = 0; uuids != NULL && uuids[i].bv_val != NULL; i++)
			drop_item(y, &uuids[i]);
	return LDAP_SUCCESS;
}

static int
on_result(ldap_sync_t *ls, LDAPMessage *msg, int refresh_deletes)
{
	struct dns_sync *y = ls->ls_private;

	y->refreshed = 1;
	y->dirty = 1;
	return LDAP_SUCCESS;
}

/* Serial = max(directory value, last + 1); the first is at least now. */
static void
set_serial(struct dns_sync *y, struct dns_entry *ents, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < ldns_rr_list_rr_count(ents[i].rrs);
		     j++) {
			ldns_rr *rr = ldns_rr_list_rr(ents[i].rrs, j);
			/* Every zone's SOA (one counter: serials only grow). */
			if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA ||
			    ldns_dname_compare(ldns_rr_owner(rr),
			                       ents[i].name) != 0)
				continue;
			uint32_t v = ldns_rdf2native_int32(ldns_rr_rdf(rr, 2));
			uint32_t want = y->serial ? y->serial + 1
			                          : (uint32_t)time(NULL);
			if (v < want)
				v = want;
			ldns_rdf *f =
			        ldns_native2rdf_int32(LDNS_RDF_TYPE_INT32, v);
			if (f == NULL)
				return;
			ldns_rdf_deep_free(ldns_rr_set_rdf(rr, f, 2));
			y->serial = v;
		}
	}
}

static void
publish(struct dns_sync *y)
{
	struct dns_entry *ents = calloc(y->n ? y->n : 1, sizeof(*ents));
	struct dns_snapshot *s = NULL;
	int ret;

	if (ents == NULL)
		return;
	for (size_t i = 0; i < y->n; i++)
		ents[i] = y->items[i].e; /* shallow: the build copies */
	set_serial(y, ents, y->n);
	ret = dns_snapshot_build(y->origin, ents, y->n, &s);
	free(ents);
	if (ret != 0) { /* e.g. no SOA: keep serving the last good zone */
		log_err_r(ret, "zone %s not published", y->conf->domain);
		y->dirty = 0; /* retried on the next change, not in a loop */
		return;
	}
	log_debug("zone %s (+%zu more): %zu names, serial %u", y->conf->domain,
	          s->nzones - 1, s->nnodes, s->zones[0].serial);
	y->sink.publish(y->sink.ctx, s);
	y->dirty = 0;
}

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait until the directory connection has data or ms passed.  Used while a
 * publication is held back, so a burst of changes (a bulk load) costs one
 * rebuild per PUBLISH_GAP_MS instead of one per entry.
 */
static void
wait_readable(LDAP *ld, long long ms)
{
	struct pollfd pfd = {.fd = -1, .events = POLLIN};

	if (ldap_get_option(ld, LDAP_OPT_DESC, &pfd.fd) != LDAP_OPT_SUCCESS ||
	    pfd.fd < 0)
		return;
	poll(&pfd, 1, ms > 0 ? (int)ms : 0);
}

static void *
sync_thread(void *arg)
{
	struct dns_sync *y = arg;
	long long last = 0, now;
	int rc;

	while (!atomic_load(&y->stop)) {
		now = mono_ms();
		if (y->refreshed && y->dirty && now - last >= PUBLISH_GAP_MS) {
			publish(y);
			last = now;
		}
		/* Held back: poll without blocking, after a short wait. */
		y->ls.ls_timeout = y->refreshed && y->dirty ? 0 : 1;
		if (y->ls.ls_timeout == 0)
			wait_readable(y->ld, last + PUBLISH_GAP_MS - now);
		rc = ldap_sync_poll(&y->ls);
		if (rc != LDAP_SUCCESS) {
			log_err("directory sync ended: %s",
			        ldap_err2string(rc));
			y->sink.fail(y->sink.ctx); /* the supervisor
			                              restarts us */
			break;
		}
	}
	return NULL;
}

/* The update backend: its own connection, the DC's account name. */
static int
open_writer(struct dns_sync *y, struct dns_slow *sl)
{
	const struct dns_conf *c = y->conf;
	const char *kt;
	int ret;

	if ((ret = dns_ldap_connect_as(c, &y->id, &y->wctx.ld)) != 0)
		return ret;
	y->wctx.container_dn = dns_ldap_container_dn(c);
	y->wctx.base_dn = strdup(c->base_dn);
	y->wctx.dc_account = mdc_strdupf("%s$", c->host_name);
	y->wctx.domain_sid = strdup(c->domain_sid);
	if (y->wctx.container_dn == NULL || y->wctx.base_dn == NULL ||
	    y->wctx.dc_account == NULL || y->wctx.domain_sid == NULL)
		return MDC_ENOMEM;
	kt = c->keytab != NULL ? c->keytab : "";
	ret = dns_tsig_keys_new(kt, &sl->keys);
	if (ret != 0)
		log_warn("no GSS-TSIG (keytab %s: %s): secure updates refused",
		         kt, mdc_strerror(ret));
	sl->ops = &dns_ldap_ops;
	sl->ops_ctx = &y->wctx;
	return 0;
}

static int
start_search(struct dns_sync *y)
{
	char *base = dns_ldap_container_dn(y->conf);
	int rc;

	if (base == NULL || ldap_sync_initialize(&y->ls) == NULL) {
		free(base);
		return MDC_ENOMEM;
	}
	y->ls.ls_base = base; /* freed by ldap_sync_destroy */
	y->ls.ls_scope = LDAP_SCOPE_SUBTREE;
	y->ls.ls_filter = strdup(dns_ldap_filter);
	y->ls.ls_attrs = dns_ldap_attrs;
	y->ls.ls_timeout = 1; /* seconds: how soon the thread sees a stop */
	y->ls.ls_search_entry = on_entry;
	y->ls.ls_intermediate = on_intermediate;
	y->ls.ls_search_result = on_result;
	y->ls.ls_private = y;
	y->ls.ls_ld = y->ld;
	rc = ldap_sync_init(&y->ls, LDAP_SYNC_REFRESH_AND_PERSIST);
	if (rc != LDAP_SUCCESS) {
		log_err("directory sync of %s: %s", base, ldap_err2string(rc));
		return MDC_ELDAP;
	}
	return 0;
}

int
dns_sync_open(const struct dns_conf *conf, const struct dns_sync_sink *sink,
              struct dns_slow *sl, struct dns_sync **out)
{
	struct dns_sync *y = calloc(1, sizeof(*y));
	int ret = MDC_ENOMEM;

	if (y == NULL)
		return MDC_ENOMEM;
	y->conf = conf;
	y->sink = *sink;
	y->origin = ldns_dname_new_frm_str(conf->domain);
	if (y->origin == NULL)
		goto out;
	/* Both connections carry the identity we drop to, not root's: it
	 * reads cn=dns and what updates are decided by (dc/slapdconf.c). */
	if ((ret = mdc_privdrop_lookup(MDC_PRIVDROP_USER, &y->id)) != 0 ||
	    (ret = dns_ldap_connect_as(conf, &y->id, &y->ld)) != 0) {
		log_err("cannot bind to the directory over ldapi");
		goto out;
	}
	if ((ret = open_writer(y, sl)) != 0 || (ret = start_search(y)) != 0)
		goto out;
	/* The refresh may already be complete: publish before serving. */
	if (y->refreshed && y->dirty)
		publish(y);
out:
	if (ret != 0) {
		dns_sync_close(y);
		return ret;
	}
	*out = y;
	return 0;
}

int
dns_sync_start(struct dns_sync *y)
{
	if (pthread_create(&y->th, NULL, sync_thread, y) != 0)
		return MDC_ENOMEM;
	y->started = 1;
	return 0;
}

void
dns_sync_close(struct dns_sync *y)
{
	if (y == NULL)
		return;
	atomic_store(&y->stop, 1);
	if (y->started)
		pthread_join(y->th, NULL);
	y->ls.ls_attrs = NULL; /* static array, not ours to free */
	y->ls.ls_ld = NULL;
	if (y->ls.ls_base != NULL || y->ls.ls_filter != NULL)
		ldap_sync_destroy(&y->ls, 0);
	if (y->ld != NULL)
		ldap_unbind_ext_s(y->ld, NULL, NULL);
	if (y->wctx.ld != NULL)
		ldap_unbind_ext_s(y->wctx.ld, NULL, NULL);
	free(y->wctx.container_dn);
	free(y->wctx.base_dn);
	free(y->wctx.dc_account);
	free(y->wctx.domain_sid);
	for (size_t i = 0; i < y->n; i++)
		dns_entry_clear(&y->items[i].e);
	free(y->items);
	if (y->origin != NULL)
		ldns_rdf_deep_free(y->origin);
	free(y);
}
