/* tests/fuzz/fuzz_adsid.c - libFuzzer target: the AD overlay's helpers that
 * see request bytes (dc/slapo/adsid.h) */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dc/slapo/adsid.h"

/*
 * Filter values ((objectSid=S-1-...)), <GUID=...> and bind DNs come from
 * clients: any bytes must parse or be refused without reading past size.
 * A parsed SID must be well formed (count matches the length).
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t sid[MDC_ADSID_MAX], guid[16];
	char *s = malloc(size + 1);
	size_t n;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	n = mdc_adsid_parse((const char *)data, size, sid);
	if (n != 0 && (n < 8 || n != 8 + 4 * (size_t)sid[1] || sid[1] > 15))
		abort();
	(void)mdc_adsid_guid_parse((const char *)data, size, guid);
	(void)mdc_adsid_is_ad_form((const char *)data, size, 512);
	(void)mdc_adsid_usn((const char *)data, size);
	(void)mdc_adsid_category(s);
	free(s);
	return 0;
}
