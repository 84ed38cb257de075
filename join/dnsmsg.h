/* join/dnsmsg.h - parsers of the DNS server's answers (TKEY, signed UPDATE) */
#ifndef MDC_JOIN_DNSMSG_H
#define MDC_JOIN_DNSMSG_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

/* "gss-tsig." in wire form and its length (root label included). */
extern const uint8_t mdc_join_gss_tsig[];
#define MDC_JOIN_GSS_TSIG_LEN 10

/*
 * The TKEY RR of an answer m (any section): its error and key data
 * (*tok points into m).  Returns 0, MDC_EDENIED if the answer's RCODE is
 * not NOERROR, MDC_EMALF for bad bytes or no TKEY (never reads outside m).
 */
MDC_MUSTCHECK int mdc_join_tkey_answer(const uint8_t *m, size_t len,
                                       uint16_t *err, const uint8_t **tok,
                                       size_t *toklen);

/*
 * The digest a signed answer's MAC covers (RFC 8945 4.3.1/4.3.3, RFC 3645):
 * u16 length and the request's MAC, the answer up to its TSIG with the
 * original ID and ARCOUNT - 1, then the TSIG variables for key (wire name).
 * *digest_out is new (caller frees); *mac and *maclen point into m.  Returns
 * 0, MDC_EDENIED if m has no TSIG or a TSIG error, MDC_EMALF, MDC_ENOMEM.
 */
MDC_MUSTCHECK int mdc_join_answer_digest(const uint8_t *reqmac, size_t reqlen,
                                         const uint8_t *key, size_t keylen,
                                         const uint8_t *m, size_t len,
                                         uint8_t **digest_out,
                                         size_t *digest_len,
                                         const uint8_t **mac, size_t *maclen);

#endif
