/* migrate-auth/storage.h - the storage copy of Move-VM -IncludeStorage:
 * sparse reading, chunk compression, the destination's verified file */
#ifndef MDC_MIG_STORAGE_H
#define MDC_MIG_STORAGE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "lib/err.h"
#include "migrate-auth/proto.h"
#include "migrate-auth/sess.h"

/* True if the n bytes at p are all zero. */
int mdc_mig_zero(const void *p, size_t n);

/*
 * The next data extent of fd at or after from, clipped to size:
 * [*start, *end).  Uses SEEK_DATA/SEEK_HOLE; where the file system has
 * neither, the rest of the file is one extent.  Returns 0, MDC_ENOENT when
 * only holes remain, or -errno.
 */
MDC_MUSTCHECK int mdc_mig_extent(int fd, uint64_t from, uint64_t size,
                                 uint64_t *start, uint64_t *end);

/* Feed n zero bytes to the digest h.  Returns 0 or MDC_ECRYPTO. */
MDC_MUSTCHECK int mdc_mig_hash_zeros(EVP_MD_CTX *h, uint64_t n);

/*
 * Fill m's payload from the n (1..MDC_MIG_CHUNK) raw bytes at raw: a zstd
 * frame if use_zstd and it is smaller, else the raw bytes, into out
 * (MDC_MIG_CHUNK bytes; may be raw itself without zstd).  Sets codec,
 * rawlen, datalen, data (= out).  Returns 0 or MDC_EINVAL.
 */
MDC_MUSTCHECK int mdc_mig_chunk_pack(const uint8_t *raw, size_t n, int use_zstd,
                                     uint8_t *out, struct mdc_mig_msg *m);
/*
 * Decode a DATA payload into out, which must hold m->rawlen bytes (the
 * caller checks m->rawlen <= MDC_MIG_CHUNK first or gives MDC_MIG_CHUNK):
 * exactly m->rawlen bytes are written, never a byte past them, or
 * MDC_EMALF (a zstd frame of another size, trailing bytes, bad frame).
 * Allows MDC_MIG_ZSTD only if zstd_ok.
 */
MDC_MUSTCHECK int mdc_mig_chunk_unpack(const struct mdc_mig_msg *m, int zstd_ok,
                                       uint8_t *out);

/* The source side: a regular file read extent by extent. */
struct mdc_mig_src {
	int fd;
	int use_zstd;
	uint64_t size;    /* logical size */
	uint64_t pos;     /* next byte to look at */
	uint64_t ext_end; /* end of the current data extent (0: none) */
	uint64_t hashed;  /* bytes fed to h so far */
	uint64_t sent;    /* raw bytes sent in DATA */
	uint64_t chunks;  /* DATA messages */
	EVP_MD_CTX *h;
	uint8_t *buf;    /* MDC_MIG_CHUNK bytes: the block read (heap) */
	uint8_t *packed; /* MDC_MIG_CHUNK bytes: its DATA payload */
};

/* Open path (a regular file) read-only.  Returns 0 or MDC_E* with e. */
MDC_MUSTCHECK int mdc_mig_src_open(struct mdc_mig_src *s, const char *path,
                                   int use_zstd, struct mdc_err *e);
/* The same with fd already open (read-only; s owns it from now on, even
 * on a failure); name is for the error text. */
MDC_MUSTCHECK int mdc_mig_src_open_fd(struct mdc_mig_src *s, int fd,
                                      const char *name, int use_zstd,
                                      struct mdc_err *e);
/*
 * The next message to send: a DATA (0) for the next block that is not all
 * zero, or at the end the DONE with the size and SHA-256 of the whole
 * logical content (holes and zero blocks as zeros) (MDC_ENOENT).  Other
 * errors: MDC_E* with e.
 */
MDC_MUSTCHECK int mdc_mig_src_next(struct mdc_mig_src *s, struct mdc_mig_msg *m,
                                   struct mdc_err *e);
/* Close (never modifies the file). */
void mdc_mig_src_close(struct mdc_mig_src *s);

/* The destination side: a temp file renamed into place when verified. */
struct mdc_mig_sink {
	int fd;
	int zstd_ok;
	uint64_t size;    /* announced logical size */
	uint64_t next;    /* DATA offsets must not go below this */
	uint64_t written; /* raw bytes received */
	EVP_MD_CTX *h;
	char tmp[PATH_MAX];
	char final[PATH_MAX];
	uint8_t buf[MDC_MIG_CHUNK];
};

/*
 * Create DIR/.NAME.XXXXXX (0600) of the given size, for DIR/NAME.  name
 * must be mdc_mig_file_ok.  MDC_EEXIST if DIR/NAME exists.  Returns 0 or
 * MDC_E* with e.
 */
MDC_MUSTCHECK int mdc_mig_sink_open(struct mdc_mig_sink *k, const char *dir,
                                    const char *name, uint64_t size,
                                    int zstd_ok, struct mdc_err *e);
/* Store one DATA: offsets strictly ascending without overlap, inside the
 * size; all-zero blocks stay holes.  Returns 0 or MDC_E* with e. */
MDC_MUSTCHECK int mdc_mig_sink_put(struct mdc_mig_sink *k,
                                   const struct mdc_mig_msg *m,
                                   struct mdc_err *e);
/* DONE: check size and SHA-256, fsync, rename into place (never over an
 * existing file).  On failure the caller still calls abort. */
MDC_MUSTCHECK int mdc_mig_sink_finish(struct mdc_mig_sink *k,
                                      const struct mdc_mig_msg *done,
                                      struct mdc_err *e);
/* Close; remove the temp file unless finish succeeded. */
void mdc_mig_sink_close(struct mdc_mig_sink *k);

/* Hex of a digest into out (2 * MDC_MIG_SHA256_LEN + 1 bytes). */
void mdc_mig_hex(const uint8_t *d, size_t n, char *out);

#endif
