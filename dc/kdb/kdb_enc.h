/* dc/kdb/kdb_enc.h - our directory encoding of krb5 key_data and tl_data */
#ifndef MDC_KDB_ENC_H
#define MDC_KDB_ENC_H

#include <stddef.h>
#include <stdint.h>

#include <kdb.h>

#include "lib/err.h"

/*
 * The encodings of the minidcKrbKeyData and minidcKrbTlData attributes
 * (documented in dc/schema/10-kerberos.ldif).  Both are opaque to LDAP:
 * key contents stay encrypted in the realm master key, and libkdb5 interprets
 * the tl_data.  All integers are big-endian; version byte 1.
 */
#define MDC_KDB_ENC_VERSION 1
/* Upper bounds that keep a corrupt value from asking for huge allocations. */
#define MDC_KDB_MAX_KEYS 256
#define MDC_KDB_MAX_TL   256

/*
 * Encode n key_data into a new buffer (*out_out, caller frees; *len_out).
 * Returns 0, MDC_EINVAL (bad key_data_ver or too many keys) or MDC_ENOMEM.
 */
MDC_MUSTCHECK int mdc_kdb_keys_encode(const krb5_key_data *kd, int n,
                                      uint8_t **out_out, size_t *len_out);
/*
 * Decode a minidcKrbKeyData value into a new malloc'd array (*kd_out,
 * *n_out) whose contents are malloc'd too, as libkdb5 frees them.  An empty
 * value gives n = 0, kd = NULL.  Returns 0, MDC_EMALF, MDC_ETRUNC or
 * MDC_ENOMEM; nothing is returned on failure.
 */
MDC_MUSTCHECK int mdc_kdb_keys_decode(const void *data, size_t len,
                                      krb5_key_data **kd_out, int *n_out);
/* Free an array from mdc_kdb_keys_decode (zeroes the contents). NULL-safe. */
void mdc_kdb_keys_free(krb5_key_data *kd, int n);

/* Encode a tl_data list (may be NULL) like mdc_kdb_keys_encode. */
MDC_MUSTCHECK int mdc_kdb_tl_encode(const krb5_tl_data *tl, uint8_t **out_out,
                                    size_t *len_out);
/*
 * Decode a minidcKrbTlData value into a new malloc'd list (*tl_out, NULL
 * when empty) in the order it was encoded.  Same returns as keys_decode.
 */
MDC_MUSTCHECK int mdc_kdb_tl_decode(const void *data, size_t len,
                                    krb5_tl_data **tl_out);
/* Free a tl_data list (NULL-safe). */
void mdc_kdb_tl_free(krb5_tl_data *tl);

#endif
