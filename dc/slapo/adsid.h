/* dc/slapo/adsid.h - pure helpers of the AD overlay (no slapd headers) */
#ifndef MDC_ADSID_H
#define MDC_ADSID_H

#include <stddef.h>
#include <stdint.h>

/* Largest binary SID: revision, count, 6-byte authority, 15 sub-authorities. */
#define MDC_ADSID_MAX (8 + 15 * 4)

/*
 * Parse the string form "S-1-<authority>-<sub>..." (len bytes, not
 * NUL-terminated) into the binary SID AD stores in objectSid: revision,
 * sub-authority count, 48-bit authority big-endian, sub-authorities
 * little-endian.  out must hold MDC_ADSID_MAX bytes.  Returns the binary
 * length, or 0 if s is not a SID (case of the "S" does not matter, as in AD).
 */
size_t mdc_adsid_parse(const char *s, size_t len, uint8_t *out);

/*
 * The cn of the category AD substitutes for a short objectCategory name in
 * a filter: the class's defaultObjectCategory ("user" -> "Person",
 * "computer" -> "Computer", "organizationalUnit" ->
 * "Organizational-Unit"); an unknown name is used as it is.  Returns a
 * static string or name itself.
 */
const char *mdc_adsid_category(const char *name);

/*
 * The USN minidc reports for a CSN or GeneralizedTime
 * "YYYYmmddHHMMSS[.ffffff]Z...": microseconds since 1970.  Returns 0 if
 * the text is not such a time.
 */
uint64_t mdc_adsid_usn(const char *t, size_t len);

/*
 * The bound of a USN filter as the time stamp it stands for (minidc's USNs
 * are microseconds since 1970, mdc_adsid_usn): csn 1 gives an entryCSN
 * "YYYYmmddHHMMSS.ffffffZ#000000#000#000000" (upper 1: the largest CSN of that
 * microsecond, #ffffff#fff#ffffff), csn 0 a GeneralizedTime
 * "YYYYmmddHHMMSSZ" (upper 0 rounds up to the next second, upper 1 down:
 * createTimestamp has whole seconds).  out must hold 48 bytes.  Returns 1, or
 * 0 if usn is beyond year 9999.
 */
int mdc_adsid_usn_bound(uint64_t usn, int csn, int upper, char *out);

/*
 * A GUID of an AD extended DN (<GUID=x>): 32 hex digits of the stored
 * bytes, or the dashed text form (whose first three fields are stored
 * little-endian).  Writes the 16 stored bytes to g; returns 1, or 0 if s (n
 * bytes) is neither.
 */
int mdc_adsid_guid_parse(const char *s, size_t n, uint8_t g[16]);

/*
 * True if s (n bytes, at most max) is an AD DN form that is not an LDAP DN
 * and that slapd's parser would reject: "<...>" (an extended DN), or a
 * name with '@' or '\\' and no '=' (a UPN or NETBIOS\\name bind DN).
 */
int mdc_adsid_is_ad_form(const char *s, size_t n, size_t max);

#endif
