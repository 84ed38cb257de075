/* tests/fuzz/fuzz_join.c - libFuzzer target: minidc-join's parsers of DNS
 * answers (TKEY answer, signed UPDATE answer digest) */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "join/dnsmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[] = "\x08"
	                             "0badf00d\x0bminidc-join";
	static const uint8_t reqmac[32] = {1, 2, 3};
	const uint8_t *tok, *mac;
	uint8_t *digest = NULL;
	size_t toklen, dlen, maclen;
	uint16_t err;
	volatile uint8_t sink = 0;

	if (mdc_join_tkey_answer(data, size, &err, &tok, &toklen) == 0 &&
	    toklen > 0)
		sink ^= tok[toklen - 1]; /* the token lies inside the input */
	if (mdc_join_answer_digest(reqmac, sizeof(reqmac), key, sizeof(key),
	                           data, size, &digest, &dlen, &mac,
	                           &maclen) == 0) {
		if (dlen > 0)
			sink ^= digest[dlen - 1];
		if (maclen > 0)
			sink ^= mac[maclen - 1];
		free(digest);
	}
	(void)sink;
	return 0;
}
