/* ad/gssseq.c - GSS per-message tokens that prove nothing new */
#include "config.h"

#include "ad/gssseq.h"

const char *
mdc_ad_gss_seq_refusal(OM_uint32 major, int gap_ok)
{
	if (major & GSS_S_DUPLICATE_TOKEN)
		return "a replayed message (duplicate token)";
	if (major & (GSS_S_OLD_TOKEN | GSS_S_UNSEQ_TOKEN))
		return "an old or out-of-order message";
	if (!gap_ok && (major & GSS_S_GAP_TOKEN))
		return "a message after a missing one (gap token)";
	return NULL;
}
