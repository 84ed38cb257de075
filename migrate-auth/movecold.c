/* migrate-auth/movecold.c - the move of a stopped VM: its disks in a row
 * over the agents' session */
#include "config.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "migrate-auth/movecold.h"
#include "migrate-auth/storage.h"

/* True if the peer has sent something (the destination gave up). */
static int
peer_spoke(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};

	return poll(&p, 1, 0) > 0;
}

/* One disk: DATA until DONE.  1 if the destination spoke meanwhile. */
static int
send_one(int fd, gss_ctx_id_t ctx, const char *path, int plain,
         struct mdc_mig_msg *d, struct mdc_err *e)
{
	struct mdc_mig_src src = {.fd = -1};
	int ret;

	if ((ret = mdc_mig_src_open(&src, path, 0, e)) != 0)
		return ret;
	for (;;) {
		if (peer_spoke(fd)) {
			ret = 1;
			break;
		}
		ret = mdc_mig_src_next(&src, d, e);
		if (ret != 0 && ret != MDC_ENOENT)
			break;
		/* DONE always confidential, like every other message */
		if (mdc_mig_send_msg_conf(fd, ctx, d, !plain || ret != 0, e)) {
			ret = 1; /* its RESULT says why */
			break;
		}
		if (ret == MDC_ENOENT) {
			ret = 0;
			break;
		}
	}
	mdc_mig_src_close(&src);
	return ret;
}

int
mdc_cold_send(int fd, gss_ctx_id_t ctx, const char *const *paths, size_t n,
              int plain, struct mdc_mig_msg *r, struct mdc_err *e)
{
	struct mdc_mig_msg *d = calloc(1, sizeof(*d));
	size_t i;
	int ret = 0;

	if (d == NULL)
		return mdc_err_set(e, MDC_ENOMEM, "out of memory");
	for (i = 0; i < n && ret == 0; i++)
		ret = send_one(fd, ctx, paths[i], plain, d, e);
	free(d);
	if (ret < 0)
		return ret;
	if ((ret = mdc_mig_recv_msg(fd, ctx, r, e)) != 0)
		return ret;
	if (r->type != MDC_MIG_RESULT) {
		mdc_mig_msg_clear(r);
		return mdc_err_set(e, MDC_EMALF, "unexpected answer");
	}
	return 0;
}

/* One disk into dir/name: DATA... DONE, verified and renamed. */
static int
recv_one(int fd, gss_ctx_id_t ctx, const char *dir, const char *name,
         uint64_t size, int plain_ok, struct mdc_mig_msg *d, struct mdc_err *e)
{
	struct mdc_mig_sink *k = calloc(1, sizeof(*k));
	int ret;

	if (k == NULL)
		return mdc_err_set(e, MDC_ENOMEM, "out of memory");
	ret = mdc_mig_sink_open(k, dir, name, size, 0, e);
	while (ret == 0) {
		if ((ret = mdc_mig_recv_msg_conf(fd, ctx, d, plain_ok, e)))
			break;
		if (d->type == MDC_MIG_DATA) {
			ret = mdc_mig_sink_put(k, d, e);
			mdc_mig_msg_clear(d);
			continue;
		}
		if (d->type != MDC_MIG_DONE)
			ret = mdc_err_set(e, MDC_EMALF, "unexpected message");
		else
			ret = mdc_mig_sink_finish(k, d, e);
		mdc_mig_msg_clear(d);
		break;
	}
	mdc_mig_sink_close(k); /* removes the temp file unless renamed */
	free(k);
	return ret;
}

int
mdc_cold_recv(int fd, gss_ctx_id_t ctx, const char *dir,
              const char *const *names, const uint64_t *sizes, size_t n,
              int plain_ok, struct mdc_err *e)
{
	struct mdc_mig_msg *d = calloc(1, sizeof(*d));
	char path[4096];
	size_t i, done = 0;
	int ret = 0;

	if (d == NULL)
		return mdc_err_set(e, MDC_ENOMEM, "out of memory");
	for (i = 0; i < n && ret == 0; i++) {
		ret = recv_one(fd, ctx, dir, names[i], sizes[i], plain_ok, d,
		               e);
		if (ret == 0)
			done++;
	}
	for (i = 0; ret != 0 && i < done; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		(void)unlink(path);
	}
	free(d);
	return ret;
}
