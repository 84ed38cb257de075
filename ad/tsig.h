/* ad/tsig.h - GSS-TSIG (RFC 3645): TKEY negotiation, request checks, signing
 */
#ifndef DNS_TSIG_H
#define DNS_TSIG_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

struct dns_tsig_keys; /* key name -> GSS context (slow path only) */

/*
 * A TSIG RR found at the end of a message (pointers into that message, or
 * into the records the server parsed it into, dns/msg.h).
 */
struct dns_tsig_rr {
	size_t off;        /* offset of the TSIG RR */
	uint8_t name[256]; /* key name, lower-case wire */
	size_t name_len;
	uint8_t alg[256]; /* algorithm name, lower-case wire */
	size_t alg_len;
	uint64_t time_signed;
	uint16_t fudge, orig_id, error, other_len;
	const uint8_t *mac, *other;
	uint16_t mac_len;
};

/*
 * Acceptor state from a keytab file.  The keytab is copied into a MEMORY
 * keytab now, so the daemon may drop root afterwards.  Returns 0,
 * MDC_ENOENT if the file does not exist, MDC_EKRB5.
 */
MDC_MUSTCHECK int dns_tsig_keys_new(const char *keytab_path,
                                    struct dns_tsig_keys **out);
/*
 * A key table without an acceptor credential (unit tests, fuzzing): TKEY
 * negotiations fail with BADKEY, key lookups miss.  0 or MDC_ENOMEM.
 */
MDC_MUSTCHECK int dns_tsig_keys_new_empty(struct dns_tsig_keys **out);
void dns_tsig_keys_free(struct dns_tsig_keys *k);
/* One line about the last TKEY (key made for whom, or why refused). */
const char *dns_tsig_message(const struct dns_tsig_keys *k);

/*
 * Find the TSIG RR of message m: returns 1 and fills t if the last
 * additional record is a TSIG, 0 if there is none, MDC_EMALF if the message
 * is malformed or a TSIG is not last (FORMERR).
 */
MDC_MUSTCHECK int dns_tsig_find(const uint8_t *m, size_t len,
                                struct dns_tsig_rr *t);

/*
 * Verify request m against its TSIG t at time now (seconds).  Returns 0 and
 * the authenticated principal in *principal_out (owned by k, valid until
 * the next call), or the TSIG error: DNS_R_BADKEY, DNS_R_BADSIG,
 * DNS_R_BADTIME.
 */
int dns_tsig_verify(struct dns_tsig_keys *k, const uint8_t *m, size_t len,
                    const struct dns_tsig_rr *t, long long now,
                    const char **principal_out);

/*
 * Append a TSIG RR to the response in buf (*len bytes, capacity cap) for
 * request TSIG t (may be NULL for an unsigned request such as TKEY, then
 * key_name/alg come from key), with TSIG error err.  With sign == 0 the MAC
 * is empty (BADKEY/BADSIG replies).  ARCOUNT is incremented.
 */
MDC_MUSTCHECK int dns_tsig_append(struct dns_tsig_keys *k,
                                  const struct dns_tsig_rr *t, int sign,
                                  uint16_t err, long long now, uint8_t *buf,
                                  size_t *len, size_t cap);

/* Keys (GSS contexts) one principal may hold at once. */
#define DNS_TSIG_PER_PRINCIPAL 8

/* What dns_tsig_slot_pick knows of one key slot. */
struct dns_tsig_slot {
	int used;                /* holds a live (unexpired) key */
	int mine;                /* ... of the principal asking for a new one */
	const char *owner;       /* that key's principal, or NULL */
	unsigned long long made; /* creation order: smaller is older */
};

/*
 * The slot (index < n) a new key of one principal takes: its own oldest
 * key once it holds limit keys; else a free slot; else (table full) its own
 * oldest, or the oldest key of the principal holding the most keys.  One
 * principal's negotiations never evict another's while it could replace
 * its own.
 */
size_t dns_tsig_slot_pick(const struct dns_tsig_slot *f, size_t n,
                          size_t limit);

/* The TKEY RR (RFC 2930) of a query, as the server's parser found it. */
struct dns_tkey_rr {
	uint8_t name[256]; /* key name, lower-case wire */
	size_t name_len;
	uint8_t alg[256]; /* algorithm name, lower-case wire */
	size_t alg_len;
	uint16_t mode;
	const uint8_t *key; /* the GSS token (not owned) */
	uint16_t key_len;
};

/*
 * Handle the TKEY query (mode 3, GSS-API; mode 5, delete) whose header and
 * question are q[0..qend) and whose TKEY RR is tk; write the response into
 * out.  Returns 0 and *outlen, or MDC_EMALF (FORMERR to send).
 */
MDC_MUSTCHECK int dns_tkey_handle(struct dns_tsig_keys *k, const uint8_t *q,
                                  size_t qend, const struct dns_tkey_rr *tk,
                                  long long now, uint8_t *out, size_t cap,
                                  size_t *outlen);

#endif
