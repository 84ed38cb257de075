/* migrate-auth/vmpages.c - dirty-bitmap bookkeeping and the convergence rule */
#include "config.h"

#include <string.h>

#include "migrate-auth/vmpages.h"

size_t
mdc_vmpg_words(size_t npages)
{
	return (npages + 63) / 64;
}

size_t
mdc_vmpg_count(const uint64_t *bm, size_t npages)
{
	size_t i, n = 0, full = npages / 64;

	for (i = 0; i < full; i++)
		n += (size_t)__builtin_popcountll(bm[i]);
	if (npages % 64 != 0)
		n += (size_t)__builtin_popcountll(
		        bm[full] & ((UINT64_C(1) << (npages % 64)) - 1));
	return n;
}

size_t
mdc_vmpg_next(const uint64_t *bm, size_t npages, size_t from)
{
	size_t w;
	uint64_t v;

	if (from >= npages)
		return npages;
	w = from / 64;
	v = bm[w] & (~UINT64_C(0) << (from % 64));
	for (;;) {
		if (v != 0) {
			size_t i = w * 64 + (size_t)__builtin_ctzll(v);
			return i < npages ? i : npages;
		}
		if (++w >= mdc_vmpg_words(npages))
			return npages;
		v = bm[w];
	}
}

void
mdc_vmpg_fill(uint64_t *bm, size_t npages)
{
	size_t words = mdc_vmpg_words(npages);

	memset(bm, 0xff, npages / 64 * sizeof(uint64_t));
	if (npages % 64 != 0)
		bm[words - 1] = (UINT64_C(1) << (npages % 64)) - 1;
}

void
mdc_vmpg_or(uint64_t *dst, const uint64_t *src, size_t npages)
{
	size_t i;

	for (i = 0; i < mdc_vmpg_words(npages); i++)
		dst[i] |= src[i];
}

int
mdc_vmpg_should_stop(size_t pages, size_t page_size, uint64_t bw_bytes_per_s,
                     uint64_t downtime_ms, unsigned round, unsigned max_rounds)
{
	/* need * 1000 <= have  <=>  need <= have / 1000: no overflow */
	unsigned __int128 need = (unsigned __int128)pages * page_size;
	unsigned __int128 have =
	        (unsigned __int128)bw_bytes_per_s * downtime_ms / 1000u;

	if (need <= have)
		return 1;
	if (round >= max_rounds)
		return 2;
	return 0;
}
