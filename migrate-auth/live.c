/* migrate-auth/live.c - the messages of a live move (codecs, pure) */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/buf.h"
#include "migrate-auth/live.h"

_Static_assert(MDC_LIVE_MAX_REQ <= MDC_MIG_MAX_BLOB,
               "a live request must fit a LIVE_* blob");

void
mdc_live_req_init(struct mdc_live_req *r)
{
	memset(r, 0, sizeof(*r));
	r->downtime_ms = MDC_LIVE_DOWNTIME_MS;
	r->watchdog_s = 30;
}

static int
req_ok(const struct mdc_live_req *r)
{
	return (r->flags & ~MDC_LIVE_FL_ALL) == 0 && r->downtime_ms >= 1 &&
	       r->downtime_ms <= MDC_LIVE_MAX_DOWNTIME && r->watchdog_s >= 1 &&
	       r->watchdog_s <= 3600 && r->multifd != 1 &&
	       r->multifd <= MDC_LIVE_MAX_MULTIFD &&
	       r->ndisks <= MDC_LIVE_MAX_DISKS &&
	       r->bandwidth_mib <= 1024u * 1024u &&
	       r->storage_mib <= 1024u * 1024u;
}

int
mdc_live_req_encode(const struct mdc_live_req *r, uint8_t *buf, size_t cap,
                    size_t *len_out)
{
	struct mdc_wbuf w;
	size_t i;
	int ret;

	if (!req_ok(r))
		return MDC_EINVAL;
	mdc_wbuf_init(&w, buf, cap);
	if ((ret = mdc_wbuf_put_u8(&w, r->flags)) ||
	    (ret = mdc_wbuf_put_u32be(&w, r->bandwidth_mib)) ||
	    (ret = mdc_wbuf_put_u32be(&w, r->storage_mib)) ||
	    (ret = mdc_wbuf_put_u32be(&w, r->downtime_ms)) ||
	    (ret = mdc_wbuf_put_u16be(&w, r->watchdog_s)) ||
	    (ret = mdc_wbuf_put_u8(&w, r->multifd)) ||
	    (ret = mdc_mig_put_str(&w, r->storage_path, MDC_MIG_MAX_PATH)) ||
	    (ret = mdc_wbuf_put_u8(&w, (uint8_t)r->ndisks)))
		return ret;
	for (i = 0; i < r->ndisks; i++)
		if ((ret = mdc_wbuf_put_u64be(&w, r->disk_size[i])) != 0)
			return ret;
	if ((ret = mdc_mig_put_str(&w, r->def, MDC_LIVE_MAX_DEF)) != 0)
		return ret;
	*len_out = w.len;
	return 0;
}

int
mdc_live_req_decode(const uint8_t *p, size_t n, struct mdc_live_req *out)
{
	struct mdc_rbuf r;
	uint8_t nd;
	size_t i;
	int ret;

	memset(out, 0, sizeof(*out));
	mdc_rbuf_init(&r, p, n);
	if ((ret = mdc_rbuf_get_u8(&r, &out->flags)) ||
	    (ret = mdc_rbuf_get_u32be(&r, &out->bandwidth_mib)) ||
	    (ret = mdc_rbuf_get_u32be(&r, &out->storage_mib)) ||
	    (ret = mdc_rbuf_get_u32be(&r, &out->downtime_ms)) ||
	    (ret = mdc_rbuf_get_u16be(&r, &out->watchdog_s)) ||
	    (ret = mdc_rbuf_get_u8(&r, &out->multifd)) ||
	    (ret = mdc_mig_get_str(&r, out->storage_path, MDC_MIG_MAX_PATH)) ||
	    (ret = mdc_rbuf_get_u8(&r, &nd)))
		return ret;
	if (nd > MDC_LIVE_MAX_DISKS)
		return MDC_EMALF;
	out->ndisks = nd;
	for (i = 0; i < nd; i++)
		if ((ret = mdc_rbuf_get_u64be(&r, &out->disk_size[i])) != 0)
			return ret;
	if ((ret = mdc_mig_get_str(&r, out->def, MDC_LIVE_MAX_DEF)) != 0)
		return ret;
	if (mdc_rbuf_left(&r) != 0 || !req_ok(out))
		return MDC_EMALF;
	return 0;
}

const char *
mdc_live_phase_name(uint8_t phase)
{
	static const char *names[] = {"?",        "prepare",     "mirror",
	                              "pre-copy", "switch-over", "done"};

	return phase <= MDC_LIVE_DONE ? names[phase] : "?";
}

/* "1.5 GiB" style sizes for the progress line. */
static void
human(uint64_t n, char *out, size_t outlen)
{
	static const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)n;
	int i = 0;

	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	snprintf(out, outlen, i ? "%.1f %s" : "%.0f %s", v, u[i]);
}

void
mdc_live_progress_line(const struct mdc_live_info *pi, char *out, size_t outlen)
{
	char done[32], total[32], rate[32], dirty[32], rem[32], bar[21];
	const uint64_t *v = pi->v;
	uint64_t pct = v[MDC_LIVE_P_TOTAL]
	                       ? v[MDC_LIVE_P_DONE] * 100 / v[MDC_LIVE_P_TOTAL]
	                       : 0;
	int i;

	/* QEMU's mirror counts nothing (offset and len 0) until its first
	 * pass over the disks is over (zeroing or unmapping the
	 * destination, then the dirty bitmap): say so, not "0 B / 0 B" */
	if (pi->phase == MDC_LIVE_MIRROR && v[MDC_LIVE_P_TOTAL] == 0) {
		snprintf(out, outlen, "%-11s preparing the destination disk",
		         mdc_live_phase_name(pi->phase));
		return;
	}
	pct = pct > 100 ? 100 : pct;
	for (i = 0; i < 20; i++)
		bar[i] = (uint64_t)i < pct / 5 ? '#' : '.';
	bar[20] = '\0';
	human(v[MDC_LIVE_P_DONE], done, sizeof(done));
	human(v[MDC_LIVE_P_TOTAL], total, sizeof(total));
	human(v[MDC_LIVE_P_RATE], rate, sizeof(rate));
	human(v[MDC_LIVE_P_DIRTY], dirty, sizeof(dirty));
	human(v[MDC_LIVE_P_REMAIN], rem, sizeof(rem));
	snprintf(out, outlen,
	         "%-11s [%s] %3d%% %s / %s  %s/s  dirty %s/s  remaining %s",
	         mdc_live_phase_name(pi->phase), bar, (int)pct, done, total,
	         rate, dirty, rem);
}

int
mdc_live_info_encode(const struct mdc_live_info *i, uint8_t *buf, size_t cap,
                     size_t *len_out)
{
	struct mdc_wbuf w;
	size_t k;
	int ret;

	if (i->kind < MDC_LIVE_PROGRESS || i->kind > MDC_LIVE_REPORT ||
	    i->phase < MDC_LIVE_PREPARE || i->phase > MDC_LIVE_DONE)
		return MDC_EINVAL;
	mdc_wbuf_init(&w, buf, cap);
	if ((ret = mdc_wbuf_put_u8(&w, i->kind)) ||
	    (ret = mdc_wbuf_put_u8(&w, i->phase)))
		return ret;
	for (k = 0; k < MDC_LIVE_NVAL; k++)
		if ((ret = mdc_wbuf_put_u64be(&w, i->v[k])) != 0)
			return ret;
	*len_out = w.len;
	return 0;
}

int
mdc_live_info_decode(const uint8_t *p, size_t n, struct mdc_live_info *out)
{
	struct mdc_rbuf r;
	size_t k;
	int ret;

	memset(out, 0, sizeof(*out));
	mdc_rbuf_init(&r, p, n);
	if ((ret = mdc_rbuf_get_u8(&r, &out->kind)) ||
	    (ret = mdc_rbuf_get_u8(&r, &out->phase)))
		return ret;
	for (k = 0; k < MDC_LIVE_NVAL; k++)
		if ((ret = mdc_rbuf_get_u64be(&r, &out->v[k])) != 0)
			return ret;
	if (mdc_rbuf_left(&r) != 0 || out->kind < MDC_LIVE_PROGRESS ||
	    out->kind > MDC_LIVE_REPORT || out->phase < MDC_LIVE_PREPARE ||
	    out->phase > MDC_LIVE_DONE)
		return MDC_EMALF;
	return 0;
}

int
mdc_live_ctl_encode(const struct mdc_live_ctl *c, uint8_t *buf, size_t cap,
                    size_t *len_out)
{
	struct mdc_wbuf w;
	int ret;

	if (c->type < MDC_LIVE_C_READY || c->type > MDC_LIVE_C_COMMIT ||
	    c->status > MDC_MIG_FAILED)
		return MDC_EINVAL;
	mdc_wbuf_init(&w, buf, cap);
	if ((ret = mdc_wbuf_put_u8(&w, c->type)) ||
	    (ret = mdc_wbuf_put_u8(&w, c->status)) ||
	    (ret = mdc_mig_put_str(&w, c->text, MDC_MIG_MAX_TEXT)))
		return ret;
	*len_out = w.len;
	return 0;
}

int
mdc_live_ctl_decode(const uint8_t *p, size_t n, struct mdc_live_ctl *out)
{
	struct mdc_rbuf r;
	int ret;

	memset(out, 0, sizeof(*out));
	mdc_rbuf_init(&r, p, n);
	if ((ret = mdc_rbuf_get_u8(&r, &out->type)) ||
	    (ret = mdc_rbuf_get_u8(&r, &out->status)) ||
	    (ret = mdc_mig_get_str(&r, out->text, MDC_MIG_MAX_TEXT)))
		return ret;
	if (mdc_rbuf_left(&r) != 0 || out->type < MDC_LIVE_C_READY ||
	    out->type > MDC_LIVE_C_COMMIT || out->status > MDC_MIG_FAILED)
		return MDC_EMALF;
	return 0;
}

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? mdc_err_from_errno(errno) : MDC_ETRUNC;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
mdc_live_ctl_send(int fd, const struct mdc_live_ctl *c)
{
	uint8_t buf[4 + MDC_LIVE_MAX_CTL];
	struct mdc_wbuf w;
	size_t n;
	int ret;

	if ((ret = mdc_live_ctl_encode(c, buf + 4, sizeof(buf) - 4, &n)))
		return ret;
	mdc_wbuf_init(&w, buf, 4);
	if ((ret = mdc_wbuf_put_u32be(&w, (uint32_t)n)) != 0)
		return ret;
	return write_all(fd, buf, n + 4);
}

/* Read n bytes within the deadline of timeout_ms (< 0: none). */
static int
read_n(int fd, uint8_t *p, size_t n, int timeout_ms)
{
	struct pollfd pf = {fd, POLLIN, 0};
	ssize_t r;
	int rc;

	while (n > 0) {
		rc = poll(&pf, 1, timeout_ms);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc == 0)
			return MDC_ETIMEDOUT;
		if (rc < 0)
			return mdc_err_from_errno(errno);
		r = read(fd, p, n);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return r < 0 ? mdc_err_from_errno(errno) : MDC_ETRUNC;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int
mdc_live_ctl_recv(int fd, int timeout_ms, struct mdc_live_ctl *out)
{
	uint8_t buf[MDC_LIVE_MAX_CTL];
	struct mdc_rbuf r;
	uint32_t n;
	int ret;

	if ((ret = read_n(fd, buf, 4, timeout_ms)) != 0)
		return ret;
	mdc_rbuf_init(&r, buf, 4);
	if ((ret = mdc_rbuf_get_u32be(&r, &n)) != 0)
		return ret;
	if (n == 0 || n > MDC_LIVE_MAX_CTL)
		return MDC_EMALF;
	if ((ret = read_n(fd, buf, n, timeout_ms)) != 0)
		return ret == MDC_ETIMEDOUT ? MDC_EMALF : ret;
	return mdc_live_ctl_decode(buf, n, out);
}
