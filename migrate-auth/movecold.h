/* migrate-auth/movecold.h - the move of a stopped VM: its disks by the
 * storage copy's sparse, verified transfer (storage.h) on the agents'
 * session, several disks in a row */
#ifndef MDC_MIG_MOVECOLD_H
#define MDC_MIG_MOVECOLD_H

#include <stddef.h>
#include <stdint.h>

#include <gssapi/gssapi.h>

#include "lib/err.h"
#include "migrate-auth/proto.h"
#include "migrate-auth/sess.h"

/*
 * Source: send every disk in paths[0..n) in turn (DATA..., DONE each;
 * DATA integrity only if plain), stopping early if the destination
 * answers; then read its RESULT into *r.  Returns 0 (r holds the verdict)
 * or MDC_E* with e (r unset) when sending or reading failed.
 */
MDC_MUSTCHECK int mdc_cold_send(int fd, gss_ctx_id_t ctx,
                                const char *const *paths, size_t n, int plain,
                                struct mdc_mig_msg *r, struct mdc_err *e);

/*
 * Destination: receive n disks into dir/names[i] (each a temp file
 * renamed into place when its digest matches; sizes[i] announced by the
 * source).  On failure the disks already in place are removed again.
 * Returns 0 or MDC_E* with e.
 */
MDC_MUSTCHECK int mdc_cold_recv(int fd, gss_ctx_id_t ctx, const char *dir,
                                const char *const *names, const uint64_t *sizes,
                                size_t n, int plain_ok, struct mdc_err *e);

#endif
