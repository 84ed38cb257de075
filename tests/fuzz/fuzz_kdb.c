/* tests/fuzz/fuzz_kdb.c - libFuzzer target: the KDB plugin's directory value
 * decoders */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dc/kdb/kdb_enc.h"
#include "dc/kdb/kdb_ndr.h"

/*
 * minidcKrbKeyData and minidcKrbTlData values come back from slapd over the
 * network; whatever bytes they hold must decode or fail cleanly.  A decoded
 * value must re-encode to the same bytes.  objectSid goes through the SID
 * splitter of the PAC code.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	krb5_key_data *kd = NULL;
	krb5_tl_data *tl = NULL;
	struct mdc_pac_user u;
	uint8_t *enc = NULL;
	size_t len = 0;
	uint32_t rid;
	int n = 0;

	if (mdc_kdb_keys_decode(data, size, &kd, &n) == 0) {
		if (mdc_kdb_keys_encode(kd, n, &enc, &len) != 0 ||
		    len != size || memcmp(enc, data, size) != 0)
			abort();
		free(enc);
		mdc_kdb_keys_free(kd, n);
	}
	if (mdc_kdb_tl_decode(data, size, &tl) == 0) {
		if (mdc_kdb_tl_encode(tl, &enc, &len) != 0 || len != size ||
		    memcmp(enc, data, size) != 0)
			abort();
		free(enc);
		mdc_kdb_tl_free(tl);
	}
	memset(&u, 0, sizeof(u));
	(void)mdc_pac_split_sid(data, size, &u, &rid);
	return 0;
}
