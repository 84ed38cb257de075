/* migrate-auth/vmmig.c - memory pre-copy of a micro-VM over a stream socket */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/proc.h"
#include "lib/err.h"
#include "migrate-auth/vmmig.h"
#include "migrate-auth/vmpages.h"

#define FRAME_CAP (MDC_VMW_HDR + MDC_VMW_MAX_PAYLOAD)

uint64_t mdc_vmmig_now_ns(void);

uint64_t
mdc_vmmig_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
write_full(int fd, const void *p, size_t n)
{
	const uint8_t *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : MDC_ETRUNC;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
read_full(int fd, void *p, size_t n)
{
	uint8_t *c = p;

	while (n > 0) {
		ssize_t r = read(fd, c, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : MDC_ETRUNC;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

int
mdc_vmmig_send(int fd, uint32_t type, const void *payload, uint32_t len)
{
	uint8_t hdr[MDC_VMW_HDR];
	int ret;

	ret = mdc_vmw_put_header(hdr, sizeof(hdr), type, len);
	if (ret < 0)
		return ret;
	ret = write_full(fd, hdr, sizeof(hdr));
	if (ret == 0 && len > 0)
		ret = write_full(fd, payload, len);
	return ret;
}

int
mdc_vmmig_recv(int fd, uint8_t *buf, size_t cap, uint32_t *type_out,
               uint32_t *len_out)
{
	uint8_t hdr[MDC_VMW_HDR];
	uint32_t type, len;
	int ret;

	if ((ret = read_full(fd, hdr, sizeof(hdr))) != 0)
		return ret;
	if ((ret = mdc_vmw_parse_header(hdr, sizeof(hdr), &type, &len)) != 0)
		return ret;
	if (len > cap)
		return MDC_EMALF;
	if ((ret = read_full(fd, buf, len)) != 0)
		return ret;
	*type_out = type;
	*len_out = len;
	return 0;
}

/* Sender-side pacing to bw_mbps (MB/s): sleep when ahead of the link. */
struct pacer {
	uint64_t bw_mbps;
	uint64_t t0_ns;
	uint64_t bytes;
};

static void
pace(struct pacer *pc, size_t n)
{
	uint64_t due, now;
	struct timespec ts;

	pc->bytes += n;
	if (pc->bw_mbps == 0)
		return;
	due = pc->t0_ns + pc->bytes * 1000u / pc->bw_mbps;
	now = mdc_vmmig_now_ns();
	if (due <= now)
		return;
	ts.tv_sec = (time_t)((due - now) / 1000000000u);
	ts.tv_nsec = (long)((due - now) % 1000000000u);
	(void)nanosleep(&ts, NULL);
}

/* Send the pages set in bm in batches; counts them into *sent. */
static int
send_pages(struct mdc_vm *vm, int fd, const uint64_t *bm, uint8_t *buf,
           struct pacer *pc, uint64_t *sent)
{
	size_t npages = vm->ram_size / MDC_VM_PAGE, i = 0;
	int ret = 0;

	for (;;) {
		struct mdc_wbuf w;
		uint32_t n = 0;

		mdc_wbuf_init(&w, buf, FRAME_CAP);
		w.len = 4; /* count, filled below */
		while (n < MDC_VMW_MAX_BATCH &&
		       (i = mdc_vmpg_next(bm, npages, i)) < npages) {
			if ((ret = mdc_wbuf_put_u64le(&w, i)) != 0 ||
			    (ret = mdc_wbuf_put_bytes(&w,
			                              vm->ram + i * MDC_VM_PAGE,
			                              MDC_VM_PAGE)) != 0)
				return ret;
			n++;
			i++;
		}
		if (n == 0)
			return 0;
		{
			struct mdc_wbuf cw; /* the count, now known */

			mdc_wbuf_init(&cw, buf, 4);
			if ((ret = mdc_wbuf_put_u32le(&cw, n)) != 0)
				return ret;
		}
		ret = mdc_vmmig_send(fd, MDC_VMW_PAGES, buf, (uint32_t)w.len);
		if (ret != 0)
			return ret;
		*sent += n;
		pace(pc, w.len);
	}
}

struct src_ctx {
	struct mdc_vm *vm;
	int fd;
	uint64_t *bm;  /* pages to send next */
	uint64_t *tmp; /* the last sync, merged into bm */
	uint8_t *buf;
	struct pacer pc;
	int skip_final_sync;
	uint64_t sync_counter; /* guest counter right after the last sync */
};

/*
 * Negative control: make sure the guest has dirtied pages since the last
 * sync (16 increments = 16 fresh pattern pages), then lose them.
 */
static void
wait_for_dirt(struct src_ctx *c)
{
	struct timespec ms = {0, 1000000};
	int i;

	for (i = 0; i < 10000; i++) {
		if (mdc_vm_counter(c->vm) >= c->sync_counter + 16)
			return;
		(void)nanosleep(&ms, NULL);
	}
}

/* Pre-copy rounds until the stop rule says so; stats into st. */
static int
precopy_rounds(struct src_ctx *c, const struct mdc_vmmig_opts *o,
               struct mdc_vmmig_stats *st)
{
	size_t npages = c->vm->ram_size / MDC_VM_PAGE;
	int ret, stop = 0;

	mdc_vmpg_fill(c->bm, npages); /* round 0: everything */
	while (stop == 0) {
		uint64_t t = mdc_vmmig_now_ns(), before = st->pages_sent, bw;
		uint64_t dt;

		ret = send_pages(c->vm, c->fd, c->bm, c->buf, &c->pc,
		                 &st->pages_sent);
		if (ret != 0)
			return ret;
		dt = mdc_vmmig_now_ns() - t;
		bw = (st->pages_sent - before) * MDC_VM_PAGE * 1000000000u /
		     (dt ? dt : 1);
		if (o->bw_mbps != 0 && bw > o->bw_mbps * 1000000u)
			bw = o->bw_mbps * 1000000u;
		if ((ret = mdc_vm_get_dirty(c->vm, c->bm)) != 0)
			return ret;
		c->sync_counter = mdc_vm_counter(c->vm);
		st->rounds++;
		stop = mdc_vmpg_should_stop(mdc_vmpg_count(c->bm, npages),
		                            MDC_VM_PAGE, bw, o->downtime_ms,
		                            st->rounds, o->max_rounds);
	}
	st->converged = stop == 1;
	return 0;
}

/* Stop the vCPU, send the last dirty pages, the registers and END. */
static int
stop_and_copy(struct src_ctx *c, pthread_t runner, struct mdc_vmmig_stats *st,
              uint64_t *kick_ns)
{
	size_t npages = c->vm->ram_size / MDC_VM_PAGE;
	struct mdc_vmw_end end;
	struct mdc_vm_cpu cpu;
	uint64_t before;
	int ret;

	if (c->skip_final_sync)
		wait_for_dirt(c);
	*kick_ns = mdc_vmmig_now_ns();
	mdc_vm_kick(c->vm, runner);
	(void)pthread_join(runner, NULL);
	/*
	 * Mandatory: pages dirtied since the last sync (research, trap 4),
	 * merged with the pages that sync found and no round sent yet.
	 */
	if (!c->skip_final_sync) {
		if ((ret = mdc_vm_get_dirty(c->vm, c->tmp)) != 0)
			return ret;
		mdc_vmpg_or(c->bm, c->tmp, npages);
	}
	before = st->pages_sent;
	c->pc.bw_mbps = 0; /* the guest is paused: no reason to pace */
	ret = send_pages(c->vm, c->fd, c->bm, c->buf, &c->pc, &st->pages_sent);
	if (ret == 0)
		ret = mdc_vm_get_cpu(c->vm, &cpu);
	if (ret == 0)
		ret = mdc_vmmig_send(c->fd, MDC_VMW_CPU, &cpu, sizeof(cpu));
	if (ret != 0)
		return ret;
	st->final_pages = st->pages_sent - before;
	st->src_counter = mdc_vm_counter(c->vm);
	st->src_check_ns = mdc_vmmig_now_ns();
	ret = mdc_vm_checksum(c->vm, st->src_sha);
	st->src_check_ns = mdc_vmmig_now_ns() - st->src_check_ns;
	if (ret != 0)
		return ret;
	end.rounds = st->rounds;
	end.counter = st->src_counter;
	memcpy(end.sha, st->src_sha, sizeof(end.sha));
	ret = mdc_vmw_put_end(c->buf, FRAME_CAP, &end);
	if (ret < 0)
		return ret;
	return mdc_vmmig_send(c->fd, MDC_VMW_END, c->buf, (uint32_t)ret);
}

/* The destination's verdict: RESULT (with its resume time). */
static int
recv_result(struct src_ctx *c, struct mdc_vmmig_stats *st)
{
	uint32_t type, len;
	int ret;

	ret = mdc_vmmig_recv(c->fd, c->buf, FRAME_CAP, &type, &len);
	if (ret != 0)
		return ret;
	if (type != MDC_VMW_RESULT)
		return MDC_EMALF;
	return mdc_vmw_parse_result(c->buf, len, &st->dst);
}

int
mdc_vmmig_source(struct mdc_vm *vm, pthread_t runner, int fd,
                 const struct mdc_vmmig_opts *o, struct mdc_vmmig_stats *st)
{
	size_t npages = vm->ram_size / MDC_VM_PAGE;
	struct src_ctx c = {vm,
	                    fd,
	                    NULL,
	                    NULL,
	                    NULL,
	                    {o->bw_mbps, 0, 0},
	                    o->skip_final_sync,
	                    0};
	uint64_t t0, kick_ns = 0;
	uint8_t hello[12];
	int ret;

	memset(st, 0, sizeof(*st));
	c.bm = calloc(mdc_vmpg_words(npages), sizeof(uint64_t));
	c.tmp = calloc(mdc_vmpg_words(npages), sizeof(uint64_t));
	c.buf = malloc(FRAME_CAP);
	ret = c.bm && c.tmp && c.buf ? 0 : MDC_ENOMEM;
	if (ret == 0 &&
	    (ret = mdc_vmw_put_hello(hello, sizeof(hello), vm->ram_size)) > 0)
		ret = mdc_vmmig_send(fd, MDC_VMW_HELLO, hello, sizeof(hello));
	t0 = c.pc.t0_ns = mdc_vmmig_now_ns();
	if (ret == 0)
		ret = mdc_vm_dirty_log(vm, 1);
	if (ret == 0)
		ret = precopy_rounds(&c, o, st);
	if (ret == 0)
		ret = stop_and_copy(&c, runner, st, &kick_ns);
	else {
		mdc_vm_kick(vm, runner); /* never leave the vCPU running */
		(void)pthread_join(runner, NULL);
	}
	if (ret == 0)
		ret = recv_result(&c, st);
	if (ret == 0) {
		st->total_ms = (long long)((st->dst.resume_ns - t0) / 1000000u);
		st->downtime_ms =
		        (double)(st->dst.resume_ns - kick_ns -
		                 st->src_check_ns - st->dst.check_ns) /
		        1e6;
		st->src_last_out = atomic_load(&vm->last_out);
		st->src_nouts = atomic_load(&vm->nouts);
		st->src_bad_outs = atomic_load(&vm->bad_outs);
	}
	free(c.bm);
	free(c.tmp);
	free(c.buf);
	return ret;
}

static int
page_in(void *arg, uint64_t pfn, const uint8_t *data)
{
	struct mdc_vm *vm = arg;

	memcpy(vm->ram + pfn * MDC_VM_PAGE, data, MDC_VM_PAGE);
	return 0;
}

/* Receive HELLO, PAGES..., CPU, END into vm and cpu. */
static int
dest_receive(struct mdc_vm *vm, int fd, uint8_t *buf, struct mdc_vm_cpu *cpu)
{
	size_t npages = vm->ram_size / MDC_VM_PAGE;
	struct mdc_vmw_end end;
	uint32_t type, len;
	uint64_t ram = 0;
	int ret, have_cpu = 0;

	for (;;) {
		ret = mdc_vmmig_recv(fd, buf, FRAME_CAP, &type, &len);
		if (ret != 0)
			return ret;
		if (ram == 0 && type != MDC_VMW_HELLO)
			return MDC_EMALF;
		if (type == MDC_VMW_HELLO) {
			if (ram != 0 ||
			    (ret = mdc_vmw_parse_hello(buf, len, &ram)) != 0)
				return ret ? ret : MDC_EMALF;
			if (ram != vm->ram_size)
				return MDC_EMALF; /* sizes must match */
		} else if (type == MDC_VMW_PAGES) {
			ret = mdc_vmw_parse_pages(buf, len, npages, page_in,
			                          vm);
		} else if (type == MDC_VMW_CPU) {
			ret = mdc_vmw_parse_cpu(buf, len, cpu);
			have_cpu = ret == 0;
		} else if (type == MDC_VMW_END) {
			ret = mdc_vmw_parse_end(buf, len, &end);
			return ret != 0 ? ret : have_cpu ? 0 : MDC_EMALF;
		} else {
			return MDC_EMALF;
		}
		if (ret != 0)
			return ret;
	}
}

/* Run the received guest for o->dst_run_ms (and until it has OUT twice). */
static int
dest_run(struct mdc_vm *vm, const struct mdc_vmmig_opts *o, uint64_t *resume_ns)
{
	struct mdc_vm_runner r = {vm, 0};
	pthread_t t;
	unsigned waited = 0;

	*resume_ns = mdc_vmmig_now_ns();
	if (pthread_create(&t, NULL, mdc_vm_runner_main, &r) != 0)
		return MDC_ENOMEM;
	mdc_sleep_ms((int)o->dst_run_ms);
	while (atomic_load(&vm->nouts) < 2 && waited < 20000) {
		mdc_sleep_ms(10);
		waited += 10;
	}
	mdc_vm_kick(vm, t);
	(void)pthread_join(t, NULL);
	return r.ret;
}

int
mdc_vmmig_dest(struct mdc_vm *vm, int fd, const struct mdc_vmmig_opts *o)
{
	struct mdc_vmw_result res;
	struct mdc_vm_cpu cpu;
	uint64_t t, check_ns, resume_ns = 0;
	uint8_t *buf = malloc(FRAME_CAP);
	int ret;

	memset(&res, 0, sizeof(res));
	ret = buf ? dest_receive(vm, fd, buf, &cpu) : MDC_ENOMEM;
	t = mdc_vmmig_now_ns();
	if (ret == 0)
		ret = mdc_vm_checksum(vm, res.sha);
	res.counter = mdc_vm_counter(vm);
	check_ns = mdc_vmmig_now_ns() - t;
	if (ret == 0)
		ret = mdc_vm_set_cpu(vm, &cpu);
	if (ret == 0)
		ret = dest_run(vm, o, &resume_ns);
	if (ret == 0) {
		res.first_out = atomic_load(&vm->first_out);
		res.nouts = atomic_load(&vm->nouts);
		res.bad_outs = atomic_load(&vm->bad_outs);
		res.resume_ns = resume_ns;
		res.check_ns = check_ns;
		ret = mdc_vmw_put_result(buf, FRAME_CAP, &res);
	}
	if (ret > 0)
		ret = mdc_vmmig_send(fd, MDC_VMW_RESULT, buf, (uint32_t)ret);
	free(buf);
	return ret;
}
