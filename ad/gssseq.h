/* ad/gssseq.h - GSS per-message tokens that prove nothing new: replayed,
 * old, reordered, or following a lost one */
#ifndef MDC_AD_GSSSEQ_H
#define MDC_AD_GSSSEQ_H

#include <gssapi/gssapi.h>

/* What a context must have been granted for the checks below to mean
 * anything: without them GSS never sets the supplementary bits. */
#define MDC_AD_GSS_SEQ_FLAGS (GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG)

/*
 * gss_unwrap and gss_verify_mic report a replayed or reordered token as
 * supplementary bits of a successful major status, not as an error.  Given
 * such a major status, return why the message must still be refused
 * ("a replayed message (duplicate token)", ...), or NULL if none of
 * GSS_S_DUPLICATE_TOKEN, GSS_S_OLD_TOKEN, GSS_S_UNSEQ_TOKEN and (unless
 * gap_ok, for datagrams that may be lost) GSS_S_GAP_TOKEN is set.
 */
const char *mdc_ad_gss_seq_refusal(OM_uint32 major, int gap_ok);

#endif
