/* ad/tsig.c - GSS-TSIG (RFC 3645): TKEY negotiation, request checks, signing
 */
#include "config.h"

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ad/dnswire.h"
#include "ad/tsig.h"
#include "lib/gss.h"

#define NKEYS        128
#define KEY_LIFETIME 3600
#define OUR_FUDGE    300

static const uint8_t ALG_GSS[] = "\x08gss-tsig";               /* + root */
static const uint8_t ALG_MS[] = "\x03gss\x09microsoft\x03com"; /* + root */

struct key {
	uint8_t name[256];
	size_t name_len;
	gss_ctx_id_t ctx;
	char *principal;
	long long expiry;
	unsigned long long made; /* order of creation (older: smaller) */
	int ms; /* gss.microsoft.com: no MAC length in the response digest */
};

struct dns_tsig_keys {
	krb5_context kctx;
	krb5_keytab mem; /* MEMORY: copy of the keytab file, kept open */
	char memname[64];
	gss_cred_id_t cred;
	char *service; /* DNS/<host>@REALM: the only name tickets may name */
	struct key keys[NKEYS];
	unsigned long long next; /* keys made so far */
	char msg[256]; /* what the last TKEY did, for the daemon's log */
};

static int
alg_kind(const uint8_t *alg, size_t len)
{
	if (len == sizeof(ALG_GSS) && memcmp(alg, ALG_GSS, len) == 0)
		return 1;
	if (len == sizeof(ALG_MS) && memcmp(alg, ALG_MS, len) == 0)
		return 2;
	return 0;
}

/* Is p a DNS/<host> service principal (the only keys the server needs)? */
static int
dns_service_key(krb5_context ctx, krb5_const_principal p)
{
	const krb5_data *svc;

	if (krb5_princ_size(ctx, p) != 2)
		return 0;
	svc = krb5_princ_component(ctx, p, 0);
	return svc->length == 3 && strncasecmp(svc->data, "DNS", 3) == 0;
}

/*
 * Copy the DNS/ entries of the keytab file into a MEMORY keytab: the
 * server, reachable by anyone, holds no key of the DC's other services
 * (host/, ldap/, the machine account).
 */
static int
copy_keytab(struct dns_tsig_keys *k, const char *path)
{
	krb5_keytab file = NULL;
	krb5_kt_cursor cur;
	krb5_keytab_entry ent;
	char name[1024];
	int ret = MDC_EKRB5, n = 0;

	snprintf(name, sizeof(name), "FILE:%s", path);
	snprintf(k->memname, sizeof(k->memname), "MEMORY:minidc-dns-%ld",
	         (long)getpid());
	if (krb5_kt_resolve(k->kctx, name, &file) != 0 ||
	    krb5_kt_resolve(k->kctx, k->memname, &k->mem) != 0 ||
	    krb5_kt_start_seq_get(k->kctx, file, &cur) != 0)
		goto out;
	while (krb5_kt_next_entry(k->kctx, file, &ent, &cur) == 0) {
		if (dns_service_key(k->kctx, ent.principal) &&
		    krb5_kt_add_entry(k->kctx, k->mem, &ent) == 0) {
			n++;
			if (k->service == NULL &&
			    krb5_unparse_name(k->kctx, ent.principal,
			                      &k->service) != 0)
				k->service = NULL;
		}
		krb5_free_keytab_entry_contents(k->kctx, &ent);
	}
	krb5_kt_end_seq_get(k->kctx, file, &cur);
	ret = n > 0 && k->service != NULL ? 0 : MDC_ENOENT;
out:
	if (file != NULL)
		krb5_kt_close(k->kctx, file);
	return ret;
}

int
dns_tsig_keys_new(const char *keytab_path, struct dns_tsig_keys **out)
{
	struct dns_tsig_keys *k = calloc(1, sizeof(*k));
	gss_key_value_element_desc el = {"keytab", NULL};
	gss_key_value_set_desc store = {1, &el};
	gss_buffer_desc name_buf;
	gss_name_t name = GSS_C_NO_NAME;
	OM_uint32 minor;
	int ret = MDC_ENOMEM;

	if (k == NULL)
		goto out;
	if (access(keytab_path, R_OK) != 0) {
		ret = MDC_ENOENT;
		goto out;
	}
	ret = MDC_EKRB5;
	if (krb5_init_context(&k->kctx) != 0)
		goto out;
	if ((ret = copy_keytab(k, keytab_path)) != 0)
		goto out;
	el.value = k->memname;
	ret = MDC_EKRB5;
	/* Accept as DNS/<host> only (the keytab holds nothing else). */
	name_buf.value = k->service;
	name_buf.length = strlen(k->service);
	if (gss_import_name(&minor, &name_buf, GSS_KRB5_NT_PRINCIPAL_NAME,
	                    &name) != GSS_S_COMPLETE)
		goto out;
	if (gss_acquire_cred_from(&minor, name, GSS_C_INDEFINITE,
	                          GSS_C_NO_OID_SET, GSS_C_ACCEPT, &store,
	                          &k->cred, NULL, NULL) != GSS_S_COMPLETE)
		goto out;
	ret = 0;
out:
	gss_release_name(&minor, &name);
	if (ret != 0) {
		dns_tsig_keys_free(k);
		return ret;
	}
	*out = k;
	return 0;
}

const char *
dns_tsig_message(const struct dns_tsig_keys *k)
{
	return k != NULL ? k->msg : "";
}

int
dns_tsig_keys_new_empty(struct dns_tsig_keys **out)
{
	*out = calloc(1, sizeof(**out));
	return *out != NULL ? 0 : MDC_ENOMEM;
}

static void
key_drop(struct key *key)
{
	OM_uint32 minor;

	if (key->ctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&minor, &key->ctx, GSS_C_NO_BUFFER);
	free(key->principal);
	memset(key, 0, sizeof(*key));
}

void
dns_tsig_keys_free(struct dns_tsig_keys *k)
{
	OM_uint32 minor;

	if (k == NULL)
		return;
	for (int i = 0; i < NKEYS; i++)
		key_drop(&k->keys[i]);
	if (k->cred != GSS_C_NO_CREDENTIAL)
		gss_release_cred(&minor, &k->cred);
	if (k->mem != NULL)
		krb5_kt_close(k->kctx, k->mem);
	if (k->service != NULL)
		krb5_free_unparsed_name(k->kctx, k->service);
	if (k->kctx != NULL)
		krb5_free_context(k->kctx);
	free(k);
}

static struct key *
key_find(struct dns_tsig_keys *k, const uint8_t *name, size_t len,
         long long now)
{
	for (int i = 0; i < NKEYS; i++) {
		struct key *key = &k->keys[i];
		if (key->ctx == GSS_C_NO_CONTEXT)
			continue;
		if (key->expiry < now) {
			key_drop(key);
			continue;
		}
		if (key->name_len == len && memcmp(key->name, name, len) == 0)
			return key;
	}
	return NULL;
}

/* Parse the TSIG RDATA at b (rdlen bytes). */
static int
parse_tsig_rdata(struct mdc_rbuf *b, uint16_t rdlen, struct dns_tsig_rr *t)
{
	size_t end = b->pos + rdlen;
	uint16_t hi;
	uint32_t lo;

	if (mdc_rbuf_left(b) < rdlen ||
	    dns_name_get(b, t->alg, &t->alg_len, 1) != 0 ||
	    mdc_rbuf_get_u16be(b, &hi) != 0 ||
	    mdc_rbuf_get_u32be(b, &lo) != 0 ||
	    mdc_rbuf_get_u16be(b, &t->fudge) != 0 ||
	    mdc_rbuf_get_u16be(b, &t->mac_len) != 0 ||
	    mdc_rbuf_get_ptr(b, &t->mac, t->mac_len) != 0 ||
	    mdc_rbuf_get_u16be(b, &t->orig_id) != 0 ||
	    mdc_rbuf_get_u16be(b, &t->error) != 0 ||
	    mdc_rbuf_get_u16be(b, &t->other_len) != 0 ||
	    mdc_rbuf_get_ptr(b, &t->other, t->other_len) != 0)
		return MDC_EMALF;
	t->time_signed = (uint64_t)hi << 32 | lo;
	return b->pos == end ? 0 : MDC_EMALF;
}

int
dns_tsig_find(const uint8_t *m, size_t len, struct dns_tsig_rr *t)
{
	struct mdc_rbuf b;
	struct dns_hdr h;
	uint16_t type = 0, cls, rdlen;
	uint32_t ttl;
	size_t off = 0;
	int total, i;

	mdc_rbuf_init(&b, m, len);
	if (dns_hdr_get(&b, &h) != 0)
		return MDC_EMALF;
	for (i = 0; i < h.qd; i++)
		if (dns_name_skip(&b) != 0 ||
		    mdc_rbuf_get_bytes(&b, NULL, 4) != 0)
			return MDC_EMALF;
	total = h.an + h.ns + h.ar;
	for (i = 0; i < total; i++) {
		off = b.pos;
		if (dns_rr_skip(&b, &type) != 0)
			return MDC_EMALF;
		if (type == DNS_T_TSIG && i != total - 1)
			return MDC_EMALF; /* TSIG must be the very last RR */
	}
	if (total == 0 || h.ar == 0 || type != DNS_T_TSIG)
		return 0;
	memset(t, 0, sizeof(*t));
	t->off = off;
	if (mdc_rbuf_seek(&b, off) != 0 ||
	    dns_name_get(&b, t->name, &t->name_len, 1) != 0 ||
	    mdc_rbuf_get_u16be(&b, &type) != 0 ||
	    mdc_rbuf_get_u16be(&b, &cls) != 0 ||
	    mdc_rbuf_get_u32be(&b, &ttl) != 0 ||
	    mdc_rbuf_get_u16be(&b, &rdlen) != 0 || cls != DNS_C_ANY || ttl != 0)
		return MDC_EMALF;
	return parse_tsig_rdata(&b, rdlen, t) == 0 ? 1 : MDC_EMALF;
}

/* TSIG variables (RFC 8945 4.3.3) for the digest. */
static int
put_vars(struct mdc_wbuf *w, const uint8_t *name, size_t name_len,
         const uint8_t *alg, size_t alg_len, uint64_t time, uint16_t fudge,
         uint16_t err, const uint8_t *other, uint16_t other_len)
{
	if (mdc_wbuf_put_bytes(w, name, name_len) != 0 ||
	    mdc_wbuf_put_u16be(w, DNS_C_ANY) != 0 ||
	    mdc_wbuf_put_u32be(w, 0) != 0 ||
	    mdc_wbuf_put_bytes(w, alg, alg_len) != 0 ||
	    mdc_wbuf_put_u16be(w, (uint16_t)(time >> 32)) != 0 ||
	    mdc_wbuf_put_u32be(w, (uint32_t)time) != 0 ||
	    mdc_wbuf_put_u16be(w, fudge) != 0 ||
	    mdc_wbuf_put_u16be(w, err) != 0 ||
	    mdc_wbuf_put_u16be(w, other_len) != 0 ||
	    mdc_wbuf_put_bytes(w, other, other_len) != 0)
		return MDC_ESPACE;
	return 0;
}

static long long
absdiff(long long a, long long b)
{
	return a > b ? a - b : b - a;
}

int
dns_tsig_verify(struct dns_tsig_keys *k, const uint8_t *m, size_t len,
                const struct dns_tsig_rr *t, long long now,
                const char **principal_out)
{
	struct key *key;
	struct mdc_wbuf w;
	gss_buffer_desc msg, mac;
	OM_uint32 major, minor;
	uint8_t *buf;
	const char *why;
	int ret = DNS_R_BADSIG;

	if (k == NULL)
		return DNS_R_BADKEY;
	snprintf(k->msg, sizeof(k->msg), "TSIG refused: unknown key");
	if (alg_kind(t->alg, t->alg_len) == 0 ||
	    (key = key_find(k, t->name, t->name_len, now)) == NULL)
		return DNS_R_BADKEY;
	buf = malloc(t->off + 600);
	if (buf == NULL)
		return DNS_R_BADSIG;
	mdc_wbuf_init(&w, buf, t->off + 600);
	if (mdc_wbuf_put_bytes(&w, m, t->off) != 0 ||
	    put_vars(&w, t->name, t->name_len, t->alg, t->alg_len,
	             t->time_signed, t->fudge, t->error, t->other,
	             t->other_len) != 0)
		goto out;
	/* Digest covers the message as it was before TSIG was added. */
	buf[0] = t->orig_id >> 8;
	buf[1] = t->orig_id & 0xff;
	uint16_t ar = (uint16_t)(buf[10] << 8 | buf[11]) - 1;
	buf[10] = ar >> 8;
	buf[11] = ar & 0xff;
	msg.value = buf;
	msg.length = w.len;
	mac.value = (void *)t->mac;
	mac.length = t->mac_len;
	major = gss_verify_mic(&minor, key->ctx, &msg, &mac, NULL);
	/* A replayed, old or reordered token is no proof of a new request;
	 * a gap is: UDP loses messages. */
	why = GSS_ERROR(major) ? "bad MAC" : mdc_gss_seq_refusal(major, 1);
	if (why != NULL) {
		snprintf(k->msg, sizeof(k->msg), "TSIG refused for %s: %s",
		         key->principal != NULL ? key->principal : "?", why);
		goto out;
	}
	ret = absdiff(now, (long long)t->time_signed) > t->fudge ? DNS_R_BADTIME
	                                                         : 0;
	snprintf(k->msg, sizeof(k->msg), "%s",
	         ret != 0 ? "TSIG refused: signed too long ago (BADTIME)" : "");
	*principal_out = key->principal;
out:
	free(buf);
	return ret;
}

struct signer {
	gss_ctx_id_t ctx;          /* GSS_C_NO_CONTEXT: unsigned (empty MAC) */
	const uint8_t *name, *alg; /* key and algorithm names (wire) */
	size_t name_len, alg_len;
	const uint8_t *req_mac; /* NULL: no request MAC (TKEY answer) */
	uint16_t req_mac_len;
	int ms;
	uint16_t err;
	long long now;
};

/* Compute the response MIC over the digest buffer of RFC 3645/8945. */
static int
response_mic(const struct signer *sg, const uint8_t *msg, size_t len,
             const uint8_t *other, uint16_t olen, gss_buffer_desc *mic)
{
	struct mdc_wbuf w;
	gss_buffer_desc in;
	OM_uint32 minor;
	uint8_t *buf = malloc(len + 1200);
	int ret = MDC_ESPACE;

	if (buf == NULL)
		return MDC_ENOMEM;
	mdc_wbuf_init(&w, buf, len + 1200);
	if (sg->req_mac != NULL && !sg->ms &&
	    mdc_wbuf_put_u16be(&w, sg->req_mac_len) != 0)
		goto out;
	if (sg->req_mac != NULL &&
	    mdc_wbuf_put_bytes(&w, sg->req_mac, sg->req_mac_len) != 0)
		goto out;
	if (mdc_wbuf_put_bytes(&w, msg, len) != 0 ||
	    put_vars(&w, sg->name, sg->name_len, sg->alg, sg->alg_len,
	             (uint64_t)sg->now, OUR_FUDGE, sg->err, other, olen) != 0)
		goto out;
	in.value = buf;
	in.length = w.len;
	ret = GSS_ERROR(
	              gss_get_mic(&minor, sg->ctx, GSS_C_QOP_DEFAULT, &in, mic))
	              ? MDC_EKRB5
	              : 0;
out:
	free(buf);
	return ret;
}

/* Append the TSIG RR described by sg to the message in buf. */
static int
append_tsig(const struct signer *sg, uint8_t *buf, size_t *len, size_t cap)
{
	gss_buffer_desc mic = GSS_C_EMPTY_BUFFER;
	struct mdc_wbuf w;
	uint8_t other[6];
	uint16_t olen = 0, ar;
	OM_uint32 minor;
	int ret;

	if (sg->err == DNS_R_BADTIME) { /* other data = our clock */
		uint64_t t = (uint64_t)sg->now;
		for (int i = 0; i < 6; i++)
			other[i] = (uint8_t)(t >> (40 - 8 * i));
		olen = 6;
	}
	if (sg->ctx != GSS_C_NO_CONTEXT &&
	    (ret = response_mic(sg, buf, *len, other, olen, &mic)) != 0)
		return ret;
	mdc_wbuf_init(&w, buf + *len, cap - *len);
	size_t rdlen = sg->alg_len + 10 + mic.length + 6 + olen;
	ret = MDC_ESPACE;
	if (mdc_wbuf_put_bytes(&w, sg->name, sg->name_len) != 0 ||
	    mdc_wbuf_put_u16be(&w, DNS_T_TSIG) != 0 ||
	    mdc_wbuf_put_u16be(&w, DNS_C_ANY) != 0 ||
	    mdc_wbuf_put_u32be(&w, 0) != 0 ||
	    mdc_wbuf_put_u16be(&w, (uint16_t)rdlen) != 0 ||
	    mdc_wbuf_put_bytes(&w, sg->alg, sg->alg_len) != 0 ||
	    mdc_wbuf_put_u16be(&w, (uint16_t)((uint64_t)sg->now >> 32)) != 0 ||
	    mdc_wbuf_put_u32be(&w, (uint32_t)sg->now) != 0 ||
	    mdc_wbuf_put_u16be(&w, OUR_FUDGE) != 0 ||
	    mdc_wbuf_put_u16be(&w, (uint16_t)mic.length) != 0 ||
	    mdc_wbuf_put_bytes(&w, mic.value, mic.length) != 0 ||
	    mdc_wbuf_put_bytes(&w, buf, 2) != 0 || /* original ID */
	    mdc_wbuf_put_u16be(&w, sg->err) != 0 ||
	    mdc_wbuf_put_u16be(&w, olen) != 0 ||
	    mdc_wbuf_put_bytes(&w, other, olen) != 0)
		goto out;
	*len += w.len;
	ar = (uint16_t)(buf[10] << 8 | buf[11]) + 1;
	buf[10] = ar >> 8;
	buf[11] = ar & 0xff;
	ret = 0;
out:
	gss_release_buffer(&minor, &mic);
	return ret;
}

int
dns_tsig_append(struct dns_tsig_keys *k, const struct dns_tsig_rr *t, int sign,
                uint16_t err, long long now, uint8_t *buf, size_t *len,
                size_t cap)
{
	struct signer sg = {.name = t->name,
	                    .name_len = t->name_len,
	                    .alg = t->alg,
	                    .alg_len = t->alg_len,
	                    .req_mac = t->mac,
	                    .req_mac_len = t->mac_len,
	                    .err = err,
	                    .now = now};
	struct key *key = NULL;

	if (sign && k != NULL)
		key = key_find(k, t->name, t->name_len, now - OUR_FUDGE * 4);
	if (key != NULL) {
		sg.ctx = key->ctx;
		sg.ms = key->ms;
	}
	return append_tsig(&sg, buf, len, cap);
}

/* Why the GSS acceptor refused, into k->msg. */
static void
gss_message(struct dns_tsig_keys *k, OM_uint32 major, OM_uint32 minor)
{
	char text[200];

	mdc_gss_status(major, minor, text, sizeof(text));
	snprintf(k->msg, sizeof(k->msg), "TKEY refused: %s", text);
}

/* The facts of slot i for dns_tsig_slot_pick. */
static void
slot_fact(const struct key *key, const char *who, size_t who_len, long long now,
          struct dns_tsig_slot *f)
{
	f->used = key->ctx != GSS_C_NO_CONTEXT && key->expiry >= now;
	f->mine = f->used && key->principal != NULL &&
	          strlen(key->principal) == who_len &&
	          memcmp(key->principal, who, who_len) == 0;
	f->owner = key->principal;
	f->made = key->made;
}

/* Where the new key of principal who (who_len bytes) goes. */
static size_t
key_slot(struct dns_tsig_keys *k, const char *who, size_t who_len,
         long long now)
{
	struct dns_tsig_slot f[NKEYS];

	for (size_t i = 0; i < NKEYS; i++)
		slot_fact(&k->keys[i], who, who_len, now, &f[i]);
	return dns_tsig_slot_pick(f, NKEYS, DNS_TSIG_PER_PRINCIPAL);
}

size_t
dns_tsig_slot_pick(const struct dns_tsig_slot *f, size_t n, size_t limit)
{
	size_t mine = 0, oldest_mine = n, free_slot = n, best = n, cnt;

	for (size_t i = 0; i < n; i++) {
		if (!f[i].used && free_slot == n)
			free_slot = i;
		if (f[i].mine) {
			mine++;
			if (oldest_mine == n || f[i].made < f[oldest_mine].made)
				oldest_mine = i;
		}
	}
	/* At its limit a principal replaces its own oldest key. */
	if (mine >= limit || (free_slot == n && oldest_mine != n))
		return oldest_mine;
	if (free_slot != n)
		return free_slot;
	/* Full, none of ours: the oldest key of whoever holds the most. */
	for (size_t i = 0, top = 0; i < n; i++) {
		cnt = 0;
		for (size_t j = 0; j < n; j++)
			cnt += f[j].owner != NULL && f[i].owner != NULL &&
			       strcmp(f[j].owner, f[i].owner) == 0;
		if (best == n || cnt > top ||
		    (cnt == top && f[i].made < f[best].made)) {
			best = i;
			top = cnt;
		}
	}
	return best;
}

/* Run the GSS acceptor; on success store the key.  Returns TKEY error. */
static int
accept_key(struct dns_tsig_keys *k, const struct dns_tkey_rr *tk, long long now,
           gss_buffer_desc *out_tok, struct key **key_out)
{
	gss_buffer_desc in = {tk->key_len, (void *)tk->key}, dn;
	gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
	gss_name_t src = GSS_C_NO_NAME;
	OM_uint32 major, minor, flags = 0, lifetime = 0;
	struct key *key;

	major = gss_accept_sec_context(&minor, &ctx, k->cred, &in,
	                               GSS_C_NO_CHANNEL_BINDINGS, &src, NULL,
	                               out_tok, &flags, &lifetime, NULL);
	if (major != GSS_S_COMPLETE || !(flags & GSS_C_INTEG_FLAG) ||
	    GSS_ERROR(gss_display_name(&minor, src, &dn, NULL))) {
		if (major == GSS_S_CONTINUE_NEEDED)
			snprintf(k->msg, sizeof(k->msg),
			         "TKEY refused: multi-round GSS negotiation");
		else
			gss_message(k, major, minor);
		gss_release_name(&minor, &src);
		if (ctx != GSS_C_NO_CONTEXT)
			gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
		return DNS_R_BADKEY;
	}
	key = &k->keys[key_slot(k, dn.value, dn.length, now)];
	key_drop(key);
	key->principal = strndup(dn.value, dn.length);
	gss_release_buffer(&minor, &dn);
	gss_release_name(&minor, &src);
	memcpy(key->name, tk->name, tk->name_len);
	key->name_len = tk->name_len;
	key->ctx = ctx;
	key->ms = alg_kind(tk->alg, tk->alg_len) == 2;
	key->expiry = now + (lifetime < KEY_LIFETIME ? lifetime : KEY_LIFETIME);
	key->made = ++k->next;
	snprintf(k->msg, sizeof(k->msg), "TKEY: GSS-TSIG key for %s",
	         key->principal != NULL ? key->principal : "?");
	*key_out = key;
	return 0;
}

static int
put_tkey_answer(struct mdc_wbuf *w, const struct dns_tkey_rr *tk, long long now,
                long long expiry, uint16_t err, const gss_buffer_desc *tok)
{
	size_t rdlen = tk->alg_len + 16 + tok->length;

	if (mdc_wbuf_put_bytes(w, tk->name, tk->name_len) != 0 ||
	    mdc_wbuf_put_u16be(w, DNS_T_TKEY) != 0 ||
	    mdc_wbuf_put_u16be(w, DNS_C_ANY) != 0 ||
	    mdc_wbuf_put_u32be(w, 0) != 0 ||
	    mdc_wbuf_put_u16be(w, (uint16_t)rdlen) != 0 ||
	    mdc_wbuf_put_bytes(w, tk->alg, tk->alg_len) != 0 ||
	    mdc_wbuf_put_u32be(w, (uint32_t)now) != 0 ||
	    mdc_wbuf_put_u32be(w, (uint32_t)expiry) != 0 ||
	    mdc_wbuf_put_u16be(w, tk->mode) != 0 ||
	    mdc_wbuf_put_u16be(w, err) != 0 ||
	    mdc_wbuf_put_u16be(w, (uint16_t)tok->length) != 0 ||
	    mdc_wbuf_put_bytes(w, tok->value, tok->length) != 0 ||
	    mdc_wbuf_put_u16be(w, 0) != 0)
		return MDC_ESPACE;
	return 0;
}

/* Decide the TKEY error and negotiate; *key_out set when complete. */
static uint16_t
tkey_process(struct dns_tsig_keys *k, const struct dns_tkey_rr *tk,
             long long now, gss_buffer_desc *tok, struct key **key_out)
{
	struct key *old;

	snprintf(k->msg, sizeof(k->msg), "TKEY refused: mode %u or algorithm",
	         tk->mode);
	if (alg_kind(tk->alg, tk->alg_len) == 0)
		return DNS_R_BADALG;
	old = key_find(k, tk->name, tk->name_len, now);
	if (tk->mode == 5) { /* delete */
		if (old == NULL)
			return DNS_R_BADNAME;
		key_drop(old);
		return 0;
	}
	if (tk->mode != 3)
		return DNS_R_BADMODE;
	if (old != NULL)
		return DNS_R_BADNAME;
	if (tk->key_len == 0 || tk->key_len > 65000)
		return DNS_R_BADKEY;
	return (uint16_t)accept_key(k, tk, now, tok, key_out);
}

int
dns_tkey_handle(struct dns_tsig_keys *k, const uint8_t *q, size_t qend,
                const struct dns_tkey_rr *tk, long long now, uint8_t *out,
                size_t cap, size_t *outlen)
{
	gss_buffer_desc tok = GSS_C_EMPTY_BUFFER;
	struct key *key = NULL;
	struct dns_hdr h = {0};
	struct mdc_wbuf w;
	OM_uint32 minor;
	uint16_t err;
	int ret;

	if (qend < DNS_HDR_LEN || cap < qend)
		return MDC_EMALF;
	err = tkey_process(k, tk, now, &tok, &key);
	h.id = (uint16_t)(q[0] << 8 | q[1]);
	h.flags = DNS_F_QR | (uint16_t)((q[2] << 8 | q[3]) & DNS_F_RD);
	h.qd = 1;
	h.an = 1;
	dns_hdr_put(out, &h);
	memcpy(out + DNS_HDR_LEN, q + DNS_HDR_LEN, qend - DNS_HDR_LEN);
	mdc_wbuf_init(&w, out, cap);
	w.len = qend;
	ret = put_tkey_answer(&w, tk, now, key != NULL ? key->expiry : now, err,
	                      &tok);
	gss_release_buffer(&minor, &tok);
	if (ret != 0)
		return ret;
	*outlen = w.len;
	if (key != NULL) { /* sign with the new context (RFC 3645 4.1.2) */
		struct signer sg = {.ctx = key->ctx,
		                    .name = tk->name,
		                    .name_len = tk->name_len,
		                    .alg = tk->alg,
		                    .alg_len = tk->alg_len,
		                    .ms = key->ms,
		                    .now = now};
		ret = append_tsig(&sg, out, outlen, cap);
	}
	return ret;
}
