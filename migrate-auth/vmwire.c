/* migrate-auth/vmwire.c - frames of the VM memory pre-copy stream */
#include "config.h"

#include <string.h>

#include "lib/buf.h"
#include "migrate-auth/vmwire.h"

static int
done(const struct mdc_rbuf *b)
{
	return mdc_rbuf_left(b) == 0 ? 0 : MDC_EMALF;
}

int
mdc_vmw_parse_header(const uint8_t *p, size_t n, uint32_t *type_out,
                     uint32_t *len_out)
{
	struct mdc_rbuf b;
	uint32_t type, len;
	int ret;

	mdc_rbuf_init(&b, p, n);
	if ((ret = mdc_rbuf_get_u32le(&b, &type)) != 0 ||
	    (ret = mdc_rbuf_get_u32le(&b, &len)) != 0)
		return ret;
	if (type < MDC_VMW_HELLO || type > MDC_VMW_RESULT ||
	    len > MDC_VMW_MAX_PAYLOAD)
		return MDC_EMALF;
	*type_out = type;
	*len_out = len;
	return 0;
}

int
mdc_vmw_parse_hello(const uint8_t *p, size_t n, uint64_t *ram_out)
{
	struct mdc_rbuf b;
	uint64_t ram;
	uint32_t psz;
	int ret;

	mdc_rbuf_init(&b, p, n);
	if ((ret = mdc_rbuf_get_u64le(&b, &ram)) != 0 ||
	    (ret = mdc_rbuf_get_u32le(&b, &psz)) != 0)
		return ret;
	if (psz != MDC_VM_PAGE || ram == 0 || ram % MDC_VM_PAGE != 0)
		return MDC_EMALF;
	if ((ret = done(&b)) != 0)
		return ret;
	*ram_out = ram;
	return 0;
}

/* Walk a PAGES payload; fn == NULL only validates. */
static int
walk_pages(const uint8_t *p, size_t n, size_t npages, mdc_vmw_page_fn fn,
           void *arg)
{
	struct mdc_rbuf b;
	const uint8_t *data;
	uint32_t count, i;
	uint64_t pfn;
	int ret;

	mdc_rbuf_init(&b, p, n);
	if ((ret = mdc_rbuf_get_u32le(&b, &count)) != 0)
		return ret;
	if (count == 0 || count > MDC_VMW_MAX_BATCH)
		return MDC_EMALF;
	for (i = 0; i < count; i++) {
		if ((ret = mdc_rbuf_get_u64le(&b, &pfn)) != 0 ||
		    (ret = mdc_rbuf_get_ptr(&b, &data, MDC_VM_PAGE)) != 0)
			return ret;
		if (pfn >= npages)
			return MDC_EMALF;
		if (fn != NULL && (ret = fn(arg, pfn, data)) != 0)
			return ret;
	}
	return done(&b);
}

int
mdc_vmw_parse_pages(const uint8_t *p, size_t n, size_t npages,
                    mdc_vmw_page_fn fn, void *arg)
{
	int ret = walk_pages(p, n, npages, NULL, NULL);

	if (ret != 0 || fn == NULL)
		return ret;
	return walk_pages(p, n, npages, fn, arg);
}

int
mdc_vmw_parse_cpu(const uint8_t *p, size_t n, struct mdc_vm_cpu *out)
{
	struct mdc_rbuf b;
	struct mdc_vm_cpu c;
	int ret;

	mdc_rbuf_init(&b, p, n);
	if ((ret = mdc_rbuf_get_bytes(&b, &c, sizeof(c))) != 0)
		return ret;
	if ((ret = done(&b)) != 0)
		return ret;
	*out = c;
	return 0;
}

int
mdc_vmw_parse_end(const uint8_t *p, size_t n, struct mdc_vmw_end *out)
{
	struct mdc_rbuf b;
	struct mdc_vmw_end e;
	int ret;

	mdc_rbuf_init(&b, p, n);
	if ((ret = mdc_rbuf_get_u32le(&b, &e.rounds)) != 0 ||
	    (ret = mdc_rbuf_get_u64le(&b, &e.counter)) != 0 ||
	    (ret = mdc_rbuf_get_bytes(&b, e.sha, sizeof(e.sha))) != 0)
		return ret;
	if ((ret = done(&b)) != 0)
		return ret;
	*out = e;
	return 0;
}

int
mdc_vmw_parse_result(const uint8_t *p, size_t n, struct mdc_vmw_result *out)
{
	struct mdc_rbuf b;
	struct mdc_vmw_result r;
	int ret;

	mdc_rbuf_init(&b, p, n);
	if ((ret = mdc_rbuf_get_bytes(&b, r.sha, sizeof(r.sha))) != 0 ||
	    (ret = mdc_rbuf_get_u64le(&b, &r.counter)) != 0 ||
	    (ret = mdc_rbuf_get_u64le(&b, &r.first_out)) != 0 ||
	    (ret = mdc_rbuf_get_u64le(&b, &r.nouts)) != 0 ||
	    (ret = mdc_rbuf_get_u64le(&b, &r.bad_outs)) != 0 ||
	    (ret = mdc_rbuf_get_u64le(&b, &r.resume_ns)) != 0 ||
	    (ret = mdc_rbuf_get_u64le(&b, &r.check_ns)) != 0)
		return ret;
	if ((ret = done(&b)) != 0)
		return ret;
	*out = r;
	return 0;
}

static int
finish(const struct mdc_wbuf *w, int ret)
{
	return ret != 0 ? ret : (int)w->len;
}

int
mdc_vmw_put_header(uint8_t *p, size_t cap, uint32_t type, uint32_t len)
{
	struct mdc_wbuf w;
	int ret;

	mdc_wbuf_init(&w, p, cap);
	ret = mdc_wbuf_put_u32le(&w, type);
	if (ret == 0)
		ret = mdc_wbuf_put_u32le(&w, len);
	return finish(&w, ret);
}

int
mdc_vmw_put_hello(uint8_t *p, size_t cap, uint64_t ram)
{
	struct mdc_wbuf w;
	int ret;

	mdc_wbuf_init(&w, p, cap);
	ret = mdc_wbuf_put_u64le(&w, ram);
	if (ret == 0)
		ret = mdc_wbuf_put_u32le(&w, MDC_VM_PAGE);
	return finish(&w, ret);
}

int
mdc_vmw_put_end(uint8_t *p, size_t cap, const struct mdc_vmw_end *e)
{
	struct mdc_wbuf w;
	int ret;

	mdc_wbuf_init(&w, p, cap);
	ret = mdc_wbuf_put_u32le(&w, e->rounds);
	if (ret == 0)
		ret = mdc_wbuf_put_u64le(&w, e->counter);
	if (ret == 0)
		ret = mdc_wbuf_put_bytes(&w, e->sha, sizeof(e->sha));
	return finish(&w, ret);
}

int
mdc_vmw_put_result(uint8_t *p, size_t cap, const struct mdc_vmw_result *r)
{
	struct mdc_wbuf w;
	int ret;

	mdc_wbuf_init(&w, p, cap);
	ret = mdc_wbuf_put_bytes(&w, r->sha, sizeof(r->sha));
	if (ret == 0)
		ret = mdc_wbuf_put_u64le(&w, r->counter);
	if (ret == 0)
		ret = mdc_wbuf_put_u64le(&w, r->first_out);
	if (ret == 0)
		ret = mdc_wbuf_put_u64le(&w, r->nouts);
	if (ret == 0)
		ret = mdc_wbuf_put_u64le(&w, r->bad_outs);
	if (ret == 0)
		ret = mdc_wbuf_put_u64le(&w, r->resume_ns);
	if (ret == 0)
		ret = mdc_wbuf_put_u64le(&w, r->check_ns);
	return finish(&w, ret);
}
