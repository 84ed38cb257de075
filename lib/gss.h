/* lib/gss.h - the text of a GSS-API failure, for error messages */
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

#endif
