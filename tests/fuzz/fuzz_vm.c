/* tests/fuzz/fuzz_vm.c - libFuzzer target: the VM pre-copy stream's frame
 * decoders (migrate-auth/vmwire.c); the first byte picks the decoder */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migrate-auth/vmwire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_PAGES 16

static uint8_t ram[FUZZ_PAGES * MDC_VM_PAGE];

static int
page_in(void *arg, uint64_t pfn, const uint8_t *p)
{
	(void)arg;
	if (pfn >= FUZZ_PAGES)
		abort(); /* the decoder promised pfn < npages */
	memcpy(ram + pfn * MDC_VM_PAGE, p, MDC_VM_PAGE);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mdc_vmw_result r;
	struct mdc_vmw_end e;
	struct mdc_vm_cpu cpu;
	uint32_t type, len;
	uint64_t v;

	if (size < 1)
		return 0;
	switch (data[0] % 6) {
	case 0:
		if (mdc_vmw_parse_header(data + 1, size - 1, &type, &len) ==
		            0 &&
		    len > MDC_VMW_MAX_PAYLOAD)
			abort();
		break;
	case 1:
		(void)mdc_vmw_parse_hello(data + 1, size - 1, &v);
		break;
	case 2:
		(void)mdc_vmw_parse_pages(data + 1, size - 1, FUZZ_PAGES,
		                          page_in, NULL);
		break;
	case 3:
		(void)mdc_vmw_parse_cpu(data + 1, size - 1, &cpu);
		break;
	case 4:
		(void)mdc_vmw_parse_end(data + 1, size - 1, &e);
		break;
	default:
		(void)mdc_vmw_parse_result(data + 1, size - 1, &r);
		break;
	}
	return 0;
}
