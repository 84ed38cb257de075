/* migrate-auth/storage.c - sparse disk copy: extents, zero blocks, zstd
 * chunks, SHA-256 of the logical content, the destination's temp file */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <zstd.h>

#include "migrate-auth/storage.h"

#define ZSTD_LEVEL 1 /* fast: the network, not the CPU, is what we save */

int
mdc_mig_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	/* b[0] == 0 and every byte equals its successor */
	return n == 0 || (b[0] == 0 && memcmp(b, b + 1, n - 1) == 0);
}

int
mdc_mig_extent(int fd, uint64_t from, uint64_t size, uint64_t *start,
               uint64_t *end)
{
	off_t d, h;

	if (from >= size)
		return MDC_ENOENT;
	d = lseek(fd, (off_t)from, SEEK_DATA);
	if (d < 0 && errno == ENXIO)
		return MDC_ENOENT;
	if (d < 0 && errno != EINVAL && errno != EOPNOTSUPP)
		return mdc_err_from_errno(errno);
	if (d < 0) { /* no SEEK_DATA here: all of it is data */
		*start = from;
		*end = size;
		return 0;
	}
	if ((uint64_t)d >= size)
		return MDC_ENOENT;
	h = lseek(fd, d, SEEK_HOLE);
	if (h < 0)
		return mdc_err_from_errno(errno);
	*start = (uint64_t)d;
	*end = (uint64_t)h < size ? (uint64_t)h : size;
	return 0;
}

int
mdc_mig_hash_zeros(EVP_MD_CTX *h, uint64_t n)
{
	static const uint8_t zeros[65536];

	while (n > 0) {
		size_t k = n < sizeof(zeros) ? (size_t)n : sizeof(zeros);
		if (EVP_DigestUpdate(h, zeros, k) != 1)
			return MDC_ECRYPTO;
		n -= k;
	}
	return 0;
}

int
mdc_mig_chunk_pack(const uint8_t *raw, size_t n, int use_zstd, uint8_t *out,
                   struct mdc_mig_msg *m)
{
	size_t z;

	if (n == 0 || n > MDC_MIG_CHUNK)
		return MDC_EINVAL;
	m->rawlen = (uint32_t)n;
	m->data = out;
	if (use_zstd) {
		z = ZSTD_compress(out, MDC_MIG_CHUNK, raw, n, ZSTD_LEVEL);
		if (!ZSTD_isError(z) && z < n) {
			m->codec = MDC_MIG_ZSTD;
			m->datalen = z;
			return 0;
		}
	}
	if (out != raw)
		memcpy(out, raw, n);
	m->codec = MDC_MIG_RAW;
	m->datalen = n;
	return 0;
}

int
mdc_mig_chunk_unpack(const struct mdc_mig_msg *m, int zstd_ok, uint8_t *out)
{
	unsigned long long want;
	size_t z;

	if (m->rawlen == 0 || m->rawlen > MDC_MIG_CHUNK || m->datalen == 0 ||
	    m->datalen > MDC_MIG_CHUNK)
		return MDC_EMALF;
	if (m->codec == MDC_MIG_RAW) {
		if (m->datalen != m->rawlen)
			return MDC_EMALF;
		memcpy(out, m->data, m->datalen);
		return 0;
	}
	if (m->codec != MDC_MIG_ZSTD || !zstd_ok)
		return MDC_EMALF;
	/* one whole frame that says its size: nothing else is accepted */
	if (ZSTD_findFrameCompressedSize(m->data, m->datalen) != m->datalen)
		return MDC_EMALF;
	want = ZSTD_getFrameContentSize(m->data, m->datalen);
	if (want != m->rawlen)
		return MDC_EMALF;
	/* Capacity exactly rawlen: zstd may use all the room it is given as
	 * scratch (wildcopy writes up to 32 bytes past the content), and out
	 * is only promised to hold rawlen bytes. */
	z = ZSTD_decompress(out, m->rawlen, m->data, m->datalen);
	if (ZSTD_isError(z) || z != m->rawlen)
		return MDC_EMALF;
	return 0;
}

int
mdc_mig_src_open(struct mdc_mig_src *s, const char *path, int use_zstd,
                 struct mdc_err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		memset(s, 0, sizeof(*s));
		s->fd = -1;
		return mdc_err_set(e, mdc_err_from_errno(errno), "%s: %s", path,
		                   strerror(errno));
	}
	return mdc_mig_src_open_fd(s, fd, path, use_zstd, e);
}

int
mdc_mig_src_open_fd(struct mdc_mig_src *s, int fd, const char *name,
                    int use_zstd, struct mdc_err *e)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	s->fd = fd;
	/* the block read and its packed form: 64 KiB, not on the stack */
	if ((s->buf = malloc(2 * MDC_MIG_CHUNK)) == NULL) {
		mdc_mig_src_close(s);
		return mdc_err_set(e, MDC_ENOMEM, "%s: out of memory", name);
	}
	s->packed = s->buf + MDC_MIG_CHUNK;
	if (fstat(s->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		mdc_mig_src_close(s);
		return mdc_err_set(e, MDC_EINVAL, "%s: not a regular file",
		                   name);
	}
	s->size = (uint64_t)st.st_size;
	s->use_zstd = use_zstd;
	if ((s->h = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(s->h, EVP_sha256(), NULL) != 1) {
		mdc_mig_src_close(s);
		return mdc_err_set(e, MDC_ECRYPTO, "SHA-256 unavailable");
	}
	return 0;
}

/* Read n bytes at off (short reads: the file shrank under us). */
static int
pread_all(int fd, uint8_t *p, size_t n, uint64_t off)
{
	while (n > 0) {
		ssize_t r = pread(fd, p, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? mdc_err_from_errno(errno) : MDC_ETRUNC;
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

/* The end: zeros up to the size, then DONE with the digest. */
static int
src_done(struct mdc_mig_src *s, struct mdc_mig_msg *m, struct mdc_err *e)
{
	unsigned int dl = 0;

	memset(m, 0, sizeof(*m));
	m->type = MDC_MIG_DONE;
	m->size = s->size;
	if (mdc_mig_hash_zeros(s->h, s->size - s->hashed) != 0 ||
	    EVP_DigestFinal_ex(s->h, m->digest, &dl) != 1 ||
	    dl != MDC_MIG_SHA256_LEN)
		return mdc_err_set(e, MDC_ECRYPTO, "SHA-256 failed");
	s->hashed = s->size;
	return MDC_ENOENT;
}

/* Fill s->buf with the next block that is not all zero; *off, *n. */
static int
src_block(struct mdc_mig_src *s, uint64_t *off, size_t *n, struct mdc_err *e)
{
	uint64_t start, end;
	int ret;

	for (;;) {
		if (s->pos >= s->ext_end) {
			ret = mdc_mig_extent(s->fd, s->pos, s->size, &start,
			                     &end);
			if (ret == MDC_ENOENT)
				return ret;
			if (ret != 0)
				return mdc_err_set(e, ret, "seeking: %s",
				                   mdc_strerror(ret));
			s->pos = start;
			s->ext_end = end;
		}
		*off = s->pos;
		*n = s->ext_end - s->pos < MDC_MIG_CHUNK
		             ? (size_t)(s->ext_end - s->pos)
		             : MDC_MIG_CHUNK;
		if ((ret = pread_all(s->fd, s->buf, *n, *off)) != 0)
			return mdc_err_set(e, ret, "reading: %s",
			                   ret == MDC_ETRUNC
			                           ? "the file shrank"
			                           : mdc_strerror(ret));
		s->pos += *n;
		if (!mdc_mig_zero(s->buf, *n))
			return 0;
	}
}

int
mdc_mig_src_next(struct mdc_mig_src *s, struct mdc_mig_msg *m,
                 struct mdc_err *e)
{
	uint64_t off;
	size_t n;
	int ret;

	ret = src_block(s, &off, &n, e);
	if (ret == MDC_ENOENT)
		return src_done(s, m, e);
	if (ret != 0)
		return ret;
	if (mdc_mig_hash_zeros(s->h, off - s->hashed) != 0 ||
	    EVP_DigestUpdate(s->h, s->buf, n) != 1)
		return mdc_err_set(e, MDC_ECRYPTO, "SHA-256 failed");
	s->hashed = off + n;
	m->type = MDC_MIG_DATA;
	m->offset = off;
	if ((ret = mdc_mig_chunk_pack(s->buf, n, s->use_zstd, s->packed, m)))
		return mdc_err_set(e, ret, "packing a chunk");
	s->sent += n;
	s->chunks++;
	return 0;
}

void
mdc_mig_src_close(struct mdc_mig_src *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	EVP_MD_CTX_free(s->h);
	s->h = NULL;
	free(s->buf);
	s->buf = s->packed = NULL;
}

int
mdc_mig_sink_open(struct mdc_mig_sink *k, const char *dir, const char *name,
                  uint64_t size, int zstd_ok, struct mdc_err *e)
{
	struct stat st;
	int n;

	memset(k, 0, sizeof(*k));
	k->fd = -1;
	if (!mdc_mig_file_ok(name))
		return mdc_err_set(e, MDC_EINVAL, "bad file name");
	n = snprintf(k->final, sizeof(k->final), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(k->final) ||
	    snprintf(k->tmp, sizeof(k->tmp), "%s/.%s.XXXXXX", dir, name) >=
	            (int)sizeof(k->tmp))
		return mdc_err_set(e, MDC_ERANGE, "path too long");
	if (lstat(k->final, &st) == 0)
		return mdc_err_set(e, MDC_EEXIST, "%s already exists",
		                   k->final);
	if (size > (uint64_t)INT64_MAX)
		return mdc_err_set(e, MDC_ERANGE, "size too large");
	if ((k->fd = mkostemp(k->tmp, O_CLOEXEC)) < 0) {
		k->tmp[0] = '\0';
		return mdc_err_set(e, mdc_err_from_errno(errno), "%s: %s", dir,
		                   strerror(errno));
	}
	k->size = size;
	k->zstd_ok = zstd_ok;
	/* the holes of the source become holes here */
	if (ftruncate(k->fd, (off_t)size) != 0)
		return mdc_err_set(e, mdc_err_from_errno(errno), "%s: %s",
		                   k->tmp, strerror(errno));
	if ((k->h = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(k->h, EVP_sha256(), NULL) != 1)
		return mdc_err_set(e, MDC_ECRYPTO, "SHA-256 unavailable");
	return 0;
}

static int
pwrite_all(int fd, const uint8_t *p, size_t n, uint64_t off)
{
	while (n > 0) {
		ssize_t w = pwrite(fd, p, n, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? mdc_err_from_errno(errno) : MDC_ETRUNC;
		p += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

int
mdc_mig_sink_put(struct mdc_mig_sink *k, const struct mdc_mig_msg *m,
                 struct mdc_err *e)
{
	int ret;

	if (m->type != MDC_MIG_DATA)
		return mdc_err_set(e, MDC_EMALF, "not a data chunk");
	if (m->offset < k->next || m->offset > k->size ||
	    m->rawlen > k->size - m->offset)
		return mdc_err_set(e, MDC_EMALF,
		                   "chunk at %llu+%u out of order or "
		                   "beyond the size %llu",
		                   (unsigned long long)m->offset, m->rawlen,
		                   (unsigned long long)k->size);
	if (mdc_mig_chunk_unpack(m, k->zstd_ok, k->buf) != 0)
		return mdc_err_set(e, MDC_EMALF, "corrupt chunk at offset %llu",
		                   (unsigned long long)m->offset);
	if (mdc_mig_hash_zeros(k->h, m->offset - k->next) != 0 ||
	    EVP_DigestUpdate(k->h, k->buf, m->rawlen) != 1)
		return mdc_err_set(e, MDC_ECRYPTO, "SHA-256 failed");
	if (!mdc_mig_zero(k->buf, m->rawlen) &&
	    (ret = pwrite_all(k->fd, k->buf, m->rawlen, m->offset)) != 0)
		return mdc_err_set(e, ret, "writing: %s", mdc_strerror(ret));
	k->next = m->offset + m->rawlen;
	k->written += m->rawlen;
	return 0;
}

int
mdc_mig_sink_finish(struct mdc_mig_sink *k, const struct mdc_mig_msg *done,
                    struct mdc_err *e)
{
	uint8_t d[EVP_MAX_MD_SIZE];
	unsigned int dl = 0;

	if (done->type != MDC_MIG_DONE || done->size != k->size)
		return mdc_err_set(e, MDC_EMALF,
		                   "the stream ended with a "
		                   "different size");
	if (mdc_mig_hash_zeros(k->h, k->size - k->next) != 0 ||
	    EVP_DigestFinal_ex(k->h, d, &dl) != 1 || dl != MDC_MIG_SHA256_LEN)
		return mdc_err_set(e, MDC_ECRYPTO, "SHA-256 failed");
	if (CRYPTO_memcmp(d, done->digest, MDC_MIG_SHA256_LEN) != 0)
		return mdc_err_set(e, MDC_EMALF,
		                   "SHA-256 mismatch: the copy "
		                   "differs from the source");
	if (fsync(k->fd) != 0)
		return mdc_err_set(e, mdc_err_from_errno(errno), "fsync: %s",
		                   strerror(errno));
	/* never over a file that appeared meanwhile */
	if (renameat2(AT_FDCWD, k->tmp, AT_FDCWD, k->final, RENAME_NOREPLACE) !=
	    0)
		return mdc_err_set(e, mdc_err_from_errno(errno), "%s: %s",
		                   k->final, strerror(errno));
	k->tmp[0] = '\0';
	return 0;
}

void
mdc_mig_sink_close(struct mdc_mig_sink *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
	if (k->tmp[0] != '\0')
		(void)unlink(k->tmp);
	k->tmp[0] = '\0';
	EVP_MD_CTX_free(k->h);
	k->h = NULL;
}

void
mdc_mig_hex(const uint8_t *d, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	out[2 * n] = '\0';
}
