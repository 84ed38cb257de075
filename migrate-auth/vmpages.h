/* migrate-auth/vmpages.h - dirty-bitmap bookkeeping and the convergence rule */
#ifndef MDC_MIG_VMPAGES_H
#define MDC_MIG_VMPAGES_H

#include <stddef.h>
#include <stdint.h>

/* u64 words a bitmap of npages pages needs (KVM's layout: bit n = page n). */
size_t mdc_vmpg_words(size_t npages);

/* Number of set bits among the first npages. */
size_t mdc_vmpg_count(const uint64_t *bm, size_t npages);

/* Index of the first set bit >= from, or npages when there is none. */
size_t mdc_vmpg_next(const uint64_t *bm, size_t npages, size_t from);

/* Set all npages bits (round 0 sends everything); bits past npages stay 0. */
void mdc_vmpg_fill(uint64_t *bm, size_t npages);

/* dst |= src over npages bits (merge a new sync into pending pages). */
void mdc_vmpg_or(uint64_t *dst, const uint64_t *src, size_t npages);

/*
 * The pre-copy stop rule (QEMU's): stop when the dirty pages left fit the
 * downtime budget at the measured bandwidth,
 *   pages * page_size <= bw_bytes_per_s * downtime_ms / 1000,
 * or when round >= max_rounds.  Returns 1 = converged (fits), 2 = round cap
 * reached without fitting, 0 = do another round.  Never overflows.
 */
int mdc_vmpg_should_stop(size_t pages, size_t page_size,
                         uint64_t bw_bytes_per_s, uint64_t downtime_ms,
                         unsigned round, unsigned max_rounds);

#endif
