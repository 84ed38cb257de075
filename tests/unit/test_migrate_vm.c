/* tests/unit/test_migrate_vm.c - Check suite for the VM pre-copy data path:
 * dirty-bitmap bookkeeping, the convergence rule, the frame codecs */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "migrate-auth/vmmig.h"
#include "migrate-auth/vmpages.h"
#include "migrate-auth/vmwire.h"
#include "tests/unit/ck_run.h"

START_TEST(test_bitmap)
{
	uint64_t bm[3] = {0, 0, 0}, other[3] = {0, 0, 0};
	size_t n = 130; /* not a multiple of 64: a partial last word */

	ck_assert_uint_eq(mdc_vmpg_words(0), 0);
	ck_assert_uint_eq(mdc_vmpg_words(64), 1);
	ck_assert_uint_eq(mdc_vmpg_words(n), 3);
	ck_assert_uint_eq(mdc_vmpg_count(bm, n), 0);
	ck_assert_uint_eq(mdc_vmpg_next(bm, n, 0), n);
	mdc_vmpg_fill(bm, n);
	ck_assert_uint_eq(mdc_vmpg_count(bm, n), n);
	ck_assert_uint_eq(bm[2], 3); /* bits past npages stay clear */
	memset(bm, 0, sizeof(bm));
	bm[0] = UINT64_C(1) << 5;
	bm[1] = UINT64_C(1) << 63;
	bm[2] = UINT64_C(1) << 1 | UINT64_C(1) << 40; /* bit 168: past n */
	ck_assert_uint_eq(mdc_vmpg_count(bm, n), 3);
	ck_assert_uint_eq(mdc_vmpg_next(bm, n, 0), 5);
	ck_assert_uint_eq(mdc_vmpg_next(bm, n, 5), 5);
	ck_assert_uint_eq(mdc_vmpg_next(bm, n, 6), 127);
	ck_assert_uint_eq(mdc_vmpg_next(bm, n, 128), 129);
	ck_assert_uint_eq(mdc_vmpg_next(bm, n, 130), n);
	ck_assert_uint_eq(mdc_vmpg_next(bm, n, 1000), n);
	/* a new sync merges into pages not yet sent: none lost */
	other[0] = UINT64_C(1) << 7 | UINT64_C(1) << 5;
	mdc_vmpg_or(bm, other, n);
	ck_assert_uint_eq(mdc_vmpg_count(bm, n), 4);
	ck_assert_uint_eq(mdc_vmpg_next(bm, n, 6), 7);
}
END_TEST

START_TEST(test_should_stop)
{
	/* 100 MB/s * 300 ms = 30 MB = 7324 pages of 4 KiB */
	ck_assert_int_eq(
	        mdc_vmpg_should_stop(7324, 4096, 100000000, 300, 1, 12), 1);
	ck_assert_int_eq(
	        mdc_vmpg_should_stop(7325, 4096, 100000000, 300, 1, 12), 0);
	ck_assert_int_eq(
	        mdc_vmpg_should_stop(7325, 4096, 100000000, 300, 12, 12), 2);
	ck_assert_int_eq(mdc_vmpg_should_stop(0, 4096, 0, 0, 1, 12), 1);
	ck_assert_int_eq(mdc_vmpg_should_stop(1, 4096, 0, 300, 1, 12), 0);
	/* no overflow with absurd inputs */
	ck_assert_int_eq(mdc_vmpg_should_stop(SIZE_MAX, 4096, UINT64_MAX,
	                                      UINT64_MAX, 1, 12),
	                 1);
	ck_assert_int_eq(mdc_vmpg_should_stop(SIZE_MAX, SIZE_MAX, 1, 1, 1, 2),
	                 0);
}
END_TEST

START_TEST(test_header)
{
	uint8_t h[MDC_VMW_HDR];
	uint32_t type = 0, len = 0;

	ck_assert_int_eq(mdc_vmw_put_header(h, sizeof(h), MDC_VMW_PAGES, 12),
	                 MDC_VMW_HDR);
	ck_assert_int_eq(mdc_vmw_parse_header(h, sizeof(h), &type, &len), 0);
	ck_assert_uint_eq(type, MDC_VMW_PAGES);
	ck_assert_uint_eq(len, 12);
	ck_assert_int_eq(mdc_vmw_parse_header(h, 7, &type, &len), MDC_ETRUNC);
	ck_assert_int_eq(mdc_vmw_put_header(h, 7, 1, 1), MDC_ESPACE);
	(void)mdc_vmw_put_header(h, sizeof(h), 0, 0); /* unknown type */
	ck_assert_int_eq(mdc_vmw_parse_header(h, sizeof(h), &type, &len),
	                 MDC_EMALF);
	(void)mdc_vmw_put_header(h, sizeof(h), 6, 0);
	ck_assert_int_eq(mdc_vmw_parse_header(h, sizeof(h), &type, &len),
	                 MDC_EMALF);
	(void)mdc_vmw_put_header(h, sizeof(h), 2, MDC_VMW_MAX_PAYLOAD + 1);
	ck_assert_int_eq(mdc_vmw_parse_header(h, sizeof(h), &type, &len),
	                 MDC_EMALF);
}
END_TEST

static int npage_calls;
static uint64_t last_pfn;

static int
count_page(void *arg, uint64_t pfn, const uint8_t *data)
{
	(void)arg;
	ck_assert_uint_eq(data[0], (uint8_t)pfn);
	last_pfn = pfn;
	npage_calls++;
	return 0;
}

/* A PAGES payload of n pages with the given pfns. */
static size_t
make_pages(uint8_t *p, uint32_t n, const uint64_t *pfn)
{
	uint32_t i;
	size_t off = 4;

	memcpy(p, &n, 4); /* little-endian host (x86: KVM here) */
	for (i = 0; i < n; i++) {
		memcpy(p + off, &pfn[i], 8);
		memset(p + off + 8, (int)(uint8_t)pfn[i], MDC_VM_PAGE);
		off += MDC_VMW_PAGE_REC;
	}
	return off;
}

START_TEST(test_pages)
{
	uint8_t *p = calloc(1, MDC_VMW_MAX_PAYLOAD + 64);
	uint64_t pfns[3] = {3, 9, 2};
	size_t len = make_pages(p, 3, pfns);

	npage_calls = 0;
	ck_assert_int_eq(mdc_vmw_parse_pages(p, len, 10, count_page, NULL), 0);
	ck_assert_int_eq(npage_calls, 3);
	ck_assert_uint_eq(last_pfn, 2);
	/* a pfn outside RAM: refused before any page is written */
	npage_calls = 0;
	ck_assert_int_eq(mdc_vmw_parse_pages(p, len, 9, count_page, NULL),
	                 MDC_EMALF);
	ck_assert_int_eq(npage_calls, 0);
	ck_assert_int_eq(mdc_vmw_parse_pages(p, len - 1, 10, count_page, NULL),
	                 MDC_ETRUNC);
	ck_assert_int_eq(npage_calls, 0);
	ck_assert_int_eq(mdc_vmw_parse_pages(p, 3, 10, count_page, NULL),
	                 MDC_ETRUNC);
	p[len] = 0;
	ck_assert_int_eq(mdc_vmw_parse_pages(p, len + 1, 10, NULL, NULL),
	                 MDC_EMALF); /* trailing byte */
	memset(p, 0, 4);
	ck_assert_int_eq(mdc_vmw_parse_pages(p, 4, 10, NULL, NULL), MDC_EMALF);
	p[0] = MDC_VMW_MAX_BATCH + 1;
	ck_assert_int_eq(mdc_vmw_parse_pages(p, len, 10, NULL, NULL),
	                 MDC_EMALF);
	free(p);
}
END_TEST

START_TEST(test_small_frames)
{
	uint8_t b[256];
	struct mdc_vmw_end e = {7, 123456789, {0}}, e2;
	struct mdc_vmw_result r = {{0}, 5, 6, 7, 0, 8, 9}, r2;
	struct mdc_vm_cpu cpu, cpu2;
	uint64_t ram = 0;
	int n;

	n = mdc_vmw_put_hello(b, sizeof(b), 64u << 20);
	ck_assert_int_eq(n, 12);
	ck_assert_int_eq(mdc_vmw_parse_hello(b, (size_t)n, &ram), 0);
	ck_assert_uint_eq(ram, 64u << 20);
	ck_assert_int_eq(mdc_vmw_parse_hello(b, 11, &ram), MDC_ETRUNC);
	b[9] = 0; /* page size 0 */
	ck_assert_int_eq(mdc_vmw_parse_hello(b, 12, &ram), MDC_EMALF);

	memset(e.sha, 0xab, sizeof(e.sha));
	n = mdc_vmw_put_end(b, sizeof(b), &e);
	ck_assert_int_eq(n, 44);
	ck_assert_int_eq(mdc_vmw_parse_end(b, (size_t)n, &e2), 0);
	ck_assert_uint_eq(e2.counter, 123456789);
	ck_assert_int_eq(memcmp(e2.sha, e.sha, 32), 0);
	ck_assert_int_eq(mdc_vmw_parse_end(b, (size_t)n + 1, &e2), MDC_EMALF);
	ck_assert_int_eq(mdc_vmw_put_end(b, 43, &e), MDC_ESPACE);

	n = mdc_vmw_put_result(b, sizeof(b), &r);
	ck_assert_int_eq(n, 32 + 6 * 8);
	ck_assert_int_eq(mdc_vmw_parse_result(b, (size_t)n, &r2), 0);
	ck_assert_uint_eq(r2.first_out, 6);
	ck_assert_uint_eq(r2.check_ns, 9);
	ck_assert_int_eq(mdc_vmw_parse_result(b, (size_t)n - 1, &r2),
	                 MDC_ETRUNC);

	memset(&cpu, 0x5a, sizeof(cpu));
	ck_assert_int_eq(mdc_vmw_parse_cpu((uint8_t *)&cpu, sizeof(cpu), &cpu2),
	                 0);
	ck_assert_int_eq(memcmp(&cpu, &cpu2, sizeof(cpu)), 0);
	ck_assert_int_eq(
	        mdc_vmw_parse_cpu((uint8_t *)&cpu, sizeof(cpu) - 1, &cpu2),
	        MDC_ETRUNC);
}
END_TEST

/* The transport's reader: header checked before any payload is read. */
START_TEST(test_recv)
{
	uint8_t buf[64], hdr[MDC_VMW_HDR];
	uint32_t type = 0, len = 0;
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(mdc_vmmig_send(sv[0], MDC_VMW_END, "abc", 3), 0);
	ck_assert_int_eq(mdc_vmmig_recv(sv[1], buf, sizeof(buf), &type, &len),
	                 0);
	ck_assert_uint_eq(type, MDC_VMW_END);
	ck_assert_uint_eq(len, 3);
	ck_assert_int_eq(memcmp(buf, "abc", 3), 0);
	/* longer than the caller's buffer: refused, not overrun */
	ck_assert_int_eq(mdc_vmmig_send(sv[0], MDC_VMW_END, buf, 64), 0);
	ck_assert_int_eq(mdc_vmmig_recv(sv[1], buf, 63, &type, &len),
	                 MDC_EMALF);
	ck_assert_int_eq(read(sv[1], buf, 64), 64); /* drain */
	/* an oversized length in the header */
	(void)mdc_vmw_put_header(hdr, sizeof(hdr), MDC_VMW_PAGES, UINT32_MAX);
	ck_assert_int_eq(write(sv[0], hdr, sizeof(hdr)), (ssize_t)sizeof(hdr));
	ck_assert_int_eq(mdc_vmmig_recv(sv[1], buf, sizeof(buf), &type, &len),
	                 MDC_EMALF);
	/* the peer goes away mid-header */
	ck_assert_int_eq(write(sv[0], hdr, 3), 3);
	close(sv[0]);
	ck_assert_int_eq(mdc_vmmig_recv(sv[1], buf, sizeof(buf), &type, &len),
	                 MDC_ETRUNC);
	close(sv[1]);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("migrate_vm");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_bitmap);
	tcase_add_test(tc, test_should_stop);
	tcase_add_test(tc, test_header);
	tcase_add_test(tc, test_pages);
	tcase_add_test(tc, test_small_frames);
	tcase_add_test(tc, test_recv);
	suite_add_tcase(s, tc);
	return mdc_ck_run(s);
}
