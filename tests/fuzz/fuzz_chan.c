/* tests/fuzz/fuzz_chan.c - libFuzzer target: the data channel's frame
 * walk and record decoder (migrate-auth/chan.c) and the live move's
 * messages (live.c); whatever decodes must encode back to the same bytes */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migrate-auth/chan.h"
#include "migrate-auth/live.h"
#include "migrate-auth/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The session input as the relay walks it: u32be length, body. */
static void
walk_frames(const uint8_t *p, size_t n)
{
	size_t len;

	while (n >= 4 && mdc_mig_frame_len(p, &len) == 0) {
		if (len == 0 || len > MDC_MIG_MAX_FRAME)
			abort();
		if (n - 4 < len)
			return;
		p += 4 + len;
		n -= 4 + len;
	}
}

/* The live move's request, progress/report and control messages. */
static void
fuzz_live(int which, const uint8_t *p, size_t n)
{
	static struct mdc_live_req q;
	static uint8_t back[MDC_MIG_CHUNK];
	struct mdc_live_info li;
	struct mdc_live_ctl lc;
	size_t m = 0;
	int ret;

	if (which == 0 && mdc_live_req_decode(p, n, &q) == 0)
		ret = mdc_live_req_encode(&q, back, sizeof(back), &m);
	else if (which == 1 && mdc_live_info_decode(p, n, &li) == 0)
		ret = mdc_live_info_encode(&li, back, sizeof(back), &m);
	else if (which == 2 && mdc_live_ctl_decode(p, n, &lc) == 0)
		ret = mdc_live_ctl_encode(&lc, back, sizeof(back), &m);
	else
		return;
	if (ret != 0 || m != n || memcmp(back, p, n) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t back[MDC_CHAN_MAX_DATA + 2 + 64];
	struct mdc_chan_rec r;
	size_t nstreams, n;

	if (size < 1)
		return 0;
	if (data[0] & 0x80) {
		walk_frames(data + 1, size - 1);
		return 0;
	}
	if (data[0] & 0x40) {
		fuzz_live(data[0] & 3, data + 1, size - 1);
		return 0;
	}
	nstreams = (size_t)(data[0] % (MDC_CHAN_MAX_STREAMS + 1));
	if (mdc_chan_rec_decode(data + 1, size - 1, nstreams, &r) != 0)
		return 0;
	if (r.stream >= nstreams || (r.kind == MDC_CHAN_DATA &&
	                             (r.len == 0 || r.len > MDC_CHAN_MAX_DATA)))
		abort();
	if (mdc_chan_rec_encode(&r, back, sizeof(back), &n) != 0 ||
	    n != size - 1 || memcmp(back, data + 1, n) != 0)
		abort();
	return 0;
}
