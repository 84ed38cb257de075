/* lib/gss.c - the text of a GSS-API failure, for error messages */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "lib/gss.h"

/* Append the display text of one status code (all its messages). */
static void
append(OM_uint32 code, int type, char *out, size_t outlen)
{
	gss_buffer_desc b = GSS_C_EMPTY_BUFFER;
	OM_uint32 minor, ctx = 0;
	size_t start = strlen(out), n;

	do {
		if (GSS_ERROR(gss_display_status(&minor, code, type,
		                                 GSS_C_NO_OID, &ctx, &b)))
			return;
		n = strlen(out);
		snprintf(out + n, outlen - n, "%s%.*s", n > start ? ", " : "",
		         (int)b.length, (const char *)b.value);
		(void)gss_release_buffer(&minor, &b);
	} while (ctx != 0);
}

void
mdc_gss_status(OM_uint32 major, OM_uint32 minor, char *out, size_t outlen)
{
	size_t n;

	if (outlen == 0)
		return;
	out[0] = '\0';
	if (GSS_ROUTINE_ERROR(major) != GSS_S_FAILURE || minor == 0)
		append(major, GSS_C_GSS_CODE, out, outlen);
	if (minor != 0) {
		n = strlen(out);
		if (n > 0 && n + 2 < outlen)
			snprintf(out + n, outlen - n, ": ");
		append(minor, GSS_C_MECH_CODE, out, outlen);
		/* Nothing known of the minor code: drop the dangling ": ". */
		if (n > 0 && strlen(out) == n + 2)
			out[n] = '\0';
	}
	if (out[0] == '\0')
		snprintf(out, outlen, "GSS error %u", (unsigned)major);
}

const char *
mdc_gss_seq_refusal(OM_uint32 major, int gap_ok)
{
	if (major & GSS_S_DUPLICATE_TOKEN)
		return "a replayed message (duplicate token)";
	if (major & (GSS_S_OLD_TOKEN | GSS_S_UNSEQ_TOKEN))
		return "an old or out-of-order message";
	if (!gap_ok && (major & GSS_S_GAP_TOKEN))
		return "a message after a missing one (gap token)";
	return NULL;
}
