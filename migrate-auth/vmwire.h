/* migrate-auth/vmwire.h - frames of the VM memory pre-copy stream */
#ifndef MDC_MIG_VMWIRE_H
#define MDC_MIG_VMWIRE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "migrate-auth/vm.h"

/*
 * Every frame: u32le type, u32le payload length, payload (doc/vm.md).
 * Pages travel in batches of up to MDC_VMW_MAX_BATCH.
 */
#define MDC_VMW_HDR         8
#define MDC_VMW_MAX_BATCH   64
#define MDC_VMW_PAGE_REC    (8 + MDC_VM_PAGE)
#define MDC_VMW_MAX_PAYLOAD (4 + MDC_VMW_MAX_BATCH * MDC_VMW_PAGE_REC)

enum mdc_vmw_type {
	MDC_VMW_HELLO = 1,  /* src->dst: u64 ram bytes, u32 page size */
	MDC_VMW_PAGES = 2,  /* src->dst: u32 n, n x (u64 pfn, page bytes) */
	MDC_VMW_CPU = 3,    /* src->dst: struct mdc_vm_cpu (same-host ABI) */
	MDC_VMW_END = 4,    /* src->dst: u32 rounds, u64 counter, sha256 */
	MDC_VMW_RESULT = 5, /* dst->src: sha256, u64 counter, first, n, bad,
	                     * resume_ns, check_ns */
};

struct mdc_vmw_end {
	uint32_t rounds;
	uint64_t counter;
	uint8_t sha[32];
};

struct mdc_vmw_result {
	uint8_t sha[32];    /* of the destination's RAM before it ran */
	uint64_t counter;   /* guest counter in RAM before it ran */
	uint64_t first_out; /* first OUT value seen on the destination */
	uint64_t nouts;
	uint64_t bad_outs;  /* OUTs that did not continue by +4096 */
	uint64_t resume_ns; /* CLOCK_MONOTONIC at KVM_RUN (same host only) */
	uint64_t check_ns;  /* time spent on the checksum before resuming */
};

/* Called per page of a valid PAGES frame; data points into the frame. */
typedef int (*mdc_vmw_page_fn)(void *arg, uint64_t pfn, const uint8_t *data);

/*
 * Decoders (checked reader only).  Each returns 0, MDC_ETRUNC or MDC_EMALF
 * (bad length, trailing bytes, out-of-range value); outputs set on success.
 */
int mdc_vmw_parse_header(const uint8_t *p, size_t n, uint32_t *type_out,
                         uint32_t *len_out);
int mdc_vmw_parse_hello(const uint8_t *p, size_t n, uint64_t *ram_out);
/* Validates every pfn < npages first, then calls fn for each page in order. */
int mdc_vmw_parse_pages(const uint8_t *p, size_t n, size_t npages,
                        mdc_vmw_page_fn fn, void *arg);
int mdc_vmw_parse_cpu(const uint8_t *p, size_t n, struct mdc_vm_cpu *out);
int mdc_vmw_parse_end(const uint8_t *p, size_t n, struct mdc_vmw_end *out);
int mdc_vmw_parse_result(const uint8_t *p, size_t n,
                         struct mdc_vmw_result *out);

/* Encoders into caller memory; return the length or MDC_ESPACE. */
int mdc_vmw_put_header(uint8_t *p, size_t cap, uint32_t type, uint32_t len);
int mdc_vmw_put_hello(uint8_t *p, size_t cap, uint64_t ram);
int mdc_vmw_put_end(uint8_t *p, size_t cap, const struct mdc_vmw_end *e);
int mdc_vmw_put_result(uint8_t *p, size_t cap, const struct mdc_vmw_result *r);

#endif
