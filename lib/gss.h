/* lib/gss.h - GSS-API helpers: the text of a failure, and per-message tokens
 * that prove nothing new (replayed, old, reordered, after a lost one) */
#ifndef MDC_GSS_H
#define MDC_GSS_H

#include <gssapi/gssapi.h>
#include <stddef.h>

/*
 * Write the display text of a failed GSS-API call into out (outlen bytes,
 * always terminated): the routine's text for major, then ": " and the
 * mechanism's text for minor (every message of each, joined by ", ").
 * "Unspecified GSS failure" says nothing the minor text does not, so it is
 * left out when there is a minor code.  Both codes unknown: "GSS error N".
 */
void mdc_gss_status(OM_uint32 major, OM_uint32 minor, char *out, size_t outlen);

/* What a context must have been granted for mdc_gss_seq_refusal to mean
 * anything: without them GSS never sets the supplementary bits. */
#define MDC_GSS_SEQ_FLAGS (GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG)

/*
 * gss_unwrap and gss_verify_mic report a replayed or reordered token as
 * supplementary bits of a successful major status, not as an error.  Given
 * such a major status, return why the message must still be refused
 * ("a replayed message (duplicate token)", ...), or NULL if none of
 * GSS_S_DUPLICATE_TOKEN, GSS_S_OLD_TOKEN, GSS_S_UNSEQ_TOKEN and (unless
 * gap_ok, for datagrams that may be lost) GSS_S_GAP_TOKEN is set.
 */
const char *mdc_gss_seq_refusal(OM_uint32 major, int gap_ok);

#endif
