/* tests/unit/test_migrate_storage.c - Check suite for the disk copy of
 * minidc-migrate: zero blocks, SEEK_DATA extents, the source's chunks and
 * digest, zstd chunks, the destination's sink, the storage messages */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "lib/util.h"
#include "migrate-auth/beneath.h"
#include "migrate-auth/proto.h"
#include "migrate-auth/storage.h"
#include "tests/unit/ck_run.h"

#define MIB (1024u * 1024u)

static char tmpdir[64];
static struct mdc_mig_msg m, d;
/* a DATA payload's bytes (m.data points here; one spare byte for the
 * trailing-byte case) and scratch for encodings that must fail */
static uint8_t pk[MDC_MIG_CHUNK + 1], scratch[4096];

static void
setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_migrate_storage.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	ck_assert_int_eq(mdc_rm_rf(tmpdir), 0);
}

static char *
path(const char *dir, const char *name)
{
	char *p = mdc_strdupf("%s/%s", dir, name);

	ck_assert_ptr_nonnull(p);
	return p;
}

/* A 1 MiB sparse file: 40000 patterned bytes at 100000 (unaligned, across
 * chunks), 64 KiB of written zeros at 512 KiB, 1 byte at the very end. */
static char *
make_disk(uint8_t *content)
{
	char *p = path(tmpdir, "disk.img");
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
	size_t i;

	ck_assert_int_ge(fd, 0);
	memset(content, 0, MIB);
	for (i = 0; i < 40000; i++)
		content[100000 + i] = (uint8_t)(i * 7 + 1) | 1;
	content[MIB - 1] = 0x5a;
	ck_assert_int_eq(ftruncate(fd, MIB), 0);
	ck_assert_int_eq(pwrite(fd, content + 100000, 40000, 100000), 40000);
	ck_assert_int_eq(pwrite(fd, content + 512 * 1024, 65536, 512 * 1024),
	                 65536);
	ck_assert_int_eq(pwrite(fd, content + MIB - 1, 1, MIB - 1), 1);
	close(fd);
	return p;
}

static void
sha256(const uint8_t *p, size_t n, uint8_t *out)
{
	unsigned int dl = 0;

	ck_assert_int_eq(EVP_Digest(p, n, out, &dl, EVP_sha256(), NULL), 1);
	ck_assert_uint_eq(dl, 32);
}

START_TEST(test_zero)
{
	uint8_t b[MDC_MIG_CHUNK];

	memset(b, 0, sizeof(b));
	ck_assert(mdc_mig_zero(b, sizeof(b)));
	ck_assert(mdc_mig_zero(b, 1));
	ck_assert(mdc_mig_zero(b, 0));
	b[sizeof(b) - 1] = 1;
	ck_assert(!mdc_mig_zero(b, sizeof(b)));
	ck_assert(mdc_mig_zero(b, sizeof(b) - 1));
	b[sizeof(b) - 1] = 0;
	b[0] = 0x80;
	ck_assert(!mdc_mig_zero(b, sizeof(b)));
	ck_assert(!mdc_mig_zero(b, 1));
	memset(b, 0xff, sizeof(b));
	ck_assert(!mdc_mig_zero(b, sizeof(b))); /* equal bytes, not zero */
}
END_TEST

START_TEST(test_extent)
{
	static uint8_t content[MIB];
	char *p = make_disk(content);
	uint64_t s, e;
	int fd = open(p, O_RDONLY), ret;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(mdc_mig_extent(fd, 0, MIB, &s, &e), 0);
	ck_assert_uint_le(s, 100000);
	ck_assert_uint_ge(e, 140000);
	ck_assert_uint_le(e, MIB);
	/* past the written zeros: only the last byte's block is data */
	ret = mdc_mig_extent(fd, 600 * 1024, MIB, &s, &e);
	ck_assert_int_eq(ret, 0);
	ck_assert_uint_ge(s, 600 * 1024);
	ck_assert_uint_le(s, MIB - 1);
	ck_assert_uint_eq(e, MIB);
	/* clipped to the size given, and nothing at or past it */
	ck_assert_int_eq(mdc_mig_extent(fd, 100000, 120000, &s, &e), 0);
	ck_assert_uint_eq(e, 120000);
	ck_assert_int_eq(mdc_mig_extent(fd, MIB, MIB, &s, &e), MDC_ENOENT);
	close(fd);
	free(p);
}
END_TEST

/* Read the whole source through mdc_mig_src_next: rebuild it from DATA. */
static void
read_source(const char *p, int zstd, uint8_t *rebuilt, uint64_t *chunks,
            uint64_t *sent, uint8_t *digest)
{
	struct mdc_mig_src src;
	struct mdc_err e;
	uint64_t last = 0;
	int ret;

	ck_assert_int_eq(mdc_mig_src_open(&src, p, zstd, &e), 0);
	memset(rebuilt, 0, MIB);
	while ((ret = mdc_mig_src_next(&src, &m, &e)) == 0) {
		ck_assert_int_eq(m.type, MDC_MIG_DATA);
		ck_assert_uint_ge(m.offset, last);
		ck_assert_uint_le(m.offset + m.rawlen, MIB);
		ck_assert_int_eq(
		        mdc_mig_chunk_unpack(&m, 1, rebuilt + m.offset), 0);
		ck_assert(!mdc_mig_zero(rebuilt + m.offset, m.rawlen));
		last = m.offset + m.rawlen;
	}
	ck_assert_int_eq(ret, MDC_ENOENT);
	ck_assert_int_eq(m.type, MDC_MIG_DONE);
	ck_assert_uint_eq(m.size, MIB);
	memcpy(digest, m.digest, 32);
	*chunks = src.chunks;
	*sent = src.sent;
	mdc_mig_src_close(&src);
}

START_TEST(test_source)
{
	static uint8_t content[MIB], rebuilt[MIB];
	uint8_t want[32], got[32];
	uint64_t chunks, sent;
	char *p = make_disk(content);
	int zstd;

	sha256(content, MIB, want);
	for (zstd = 0; zstd <= 1; zstd++) {
		read_source(p, zstd, rebuilt, &chunks, &sent, got);
		ck_assert(memcmp(rebuilt, content, MIB) == 0);
		ck_assert(memcmp(got, want, 32) == 0);
		/* the data and the last byte, never the written zeros */
		ck_assert_uint_ge(sent, 40001);
		ck_assert_uint_le(sent, 3 * MDC_MIG_CHUNK + MDC_MIG_CHUNK);
		ck_assert_uint_le(chunks, 4);
	}
	free(p);
}
END_TEST

START_TEST(test_chunk)
{
	static uint8_t raw[MDC_MIG_CHUNK], out[MDC_MIG_CHUNK];
	uint64_t x = 88172645463325252ULL;
	size_t i;

	memset(raw, 'A', sizeof(raw));
	ck_assert_int_eq(mdc_mig_chunk_pack(raw, sizeof(raw), 1, pk, &m), 0);
	ck_assert_int_eq(m.codec, MDC_MIG_ZSTD);
	ck_assert_uint_lt(m.datalen, 1000);
	ck_assert_int_eq(mdc_mig_chunk_unpack(&m, 1, out), 0);
	ck_assert(memcmp(out, raw, sizeof(raw)) == 0);
	/* zstd only if agreed */
	ck_assert_int_eq(mdc_mig_chunk_unpack(&m, 0, out), MDC_EMALF);
	/* the frame must say exactly rawlen */
	m.rawlen--;
	ck_assert_int_eq(mdc_mig_chunk_unpack(&m, 1, out), MDC_EMALF);
	m.rawlen++;
	pk[m.datalen++] = 0; /* trailing byte after the frame */
	ck_assert_int_eq(mdc_mig_chunk_unpack(&m, 1, out), MDC_EMALF);
	m.datalen -= 2; /* truncated frame */
	ck_assert_int_eq(mdc_mig_chunk_unpack(&m, 1, out), MDC_EMALF);
	/* out holds rawlen bytes: not one byte past them is written, even
	 * where zstd's fast paths would use spare capacity as scratch */
	memset(raw, 'B', 4000);
	ck_assert_int_eq(mdc_mig_chunk_pack(raw, 4000, 1, pk, &m), 0);
	ck_assert_int_eq(m.codec, MDC_MIG_ZSTD);
	memset(out, 0x5a, sizeof(out));
	ck_assert_int_eq(mdc_mig_chunk_unpack(&m, 1, out), 0);
	ck_assert(memcmp(out, raw, 4000) == 0);
	for (i = 4000; i < 4000 + 64; i++)
		ck_assert_uint_eq(out[i], 0x5a);
	/* incompressible: raw */
	for (i = 0; i < sizeof(raw); i++) { /* xorshift: incompressible */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		raw[i] = (uint8_t)(x >> 32);
	}
	ck_assert_int_eq(mdc_mig_chunk_pack(raw, 1000, 1, pk, &m), 0);
	ck_assert_int_eq(m.codec, MDC_MIG_RAW);
	ck_assert_uint_eq(m.datalen, 1000);
	ck_assert_int_eq(mdc_mig_chunk_unpack(&m, 0, out), 0);
	m.datalen = 999;
	ck_assert_int_eq(mdc_mig_chunk_unpack(&m, 0, out), MDC_EMALF);
	ck_assert_int_eq(mdc_mig_chunk_pack(raw, 0, 0, pk, &m), MDC_EINVAL);
	ck_assert_int_eq(mdc_mig_chunk_pack(raw, MDC_MIG_CHUNK + 1, 0, pk, &m),
	                 MDC_EINVAL);
}
END_TEST

/* Source -> sink in tmpdir/dst; returns finish's result. */
static int
copy(const char *p, const char *name, int corrupt)
{
	struct mdc_mig_src src;
	struct mdc_mig_sink *k = malloc(sizeof(*k));
	struct mdc_err e;
	char *dst = path(tmpdir, "dst");
	int ret;

	ck_assert_ptr_nonnull(k);
	(void)mkdir(dst, 0700);
	ck_assert_int_eq(mdc_mig_src_open(&src, p, 1, &e), 0);
	ck_assert_int_eq(mdc_mig_sink_open(k, dst, name, src.size, 1, &e), 0);
	while ((ret = mdc_mig_src_next(&src, &m, &e)) == 0)
		ck_assert_int_eq(mdc_mig_sink_put(k, &m, &e), 0);
	ck_assert_int_eq(ret, MDC_ENOENT);
	m.digest[0] ^= (uint8_t)corrupt;
	ret = mdc_mig_sink_finish(k, &m, &e);
	mdc_mig_sink_close(k);
	mdc_mig_src_close(&src);
	free(k);
	free(dst);
	return ret;
}

START_TEST(test_sink)
{
	static uint8_t content[MIB];
	char *p = make_disk(content), *out, *got = NULL;
	struct stat st;
	size_t n;

	ck_assert_int_eq(copy(p, "copy.img", 0), 0);
	out = path(tmpdir, "dst/copy.img");
	ck_assert_int_eq(mdc_file_read(out, 2 * MIB, &got, &n), 0);
	ck_assert_uint_eq(n, MIB);
	ck_assert(memcmp(got, content, MIB) == 0);
	free(got);
	ck_assert_int_eq(stat(out, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	/* sparse: the 64 KiB of written zeros did not come along */
	ck_assert_int_lt((long)st.st_blocks * 512, 256 * 1024);
	/* never over an existing file */
	{
		struct mdc_mig_sink *k = malloc(sizeof(*k));
		struct mdc_err e;
		char *dst = path(tmpdir, "dst");
		ck_assert_int_eq(
		        mdc_mig_sink_open(k, dst, "copy.img", 1, 0, &e),
		        MDC_EEXIST);
		mdc_mig_sink_close(k);
		ck_assert_int_eq(mdc_mig_sink_open(k, dst, "../x", 1, 0, &e),
		                 MDC_EINVAL);
		mdc_mig_sink_close(k);
		free(dst);
		free(k);
	}
	ck_assert_int_eq(unlink(out), 0);
	/* a wrong digest: refused, and nothing remains */
	ck_assert_int_eq(copy(p, "copy.img", 1), MDC_EMALF);
	free(out);
	out = path(tmpdir, "dst");
	ck_assert_int_eq(rmdir(out), 0); /* empty: no temp file either */
	free(out);
	free(p);
}
END_TEST

START_TEST(test_sink_order)
{
	struct mdc_mig_sink *k = malloc(sizeof(*k));
	struct mdc_err e;
	uint8_t raw[100];

	memset(raw, 7, sizeof(raw));
	ck_assert_int_eq(mdc_mig_sink_open(k, tmpdir, "o.img", 1000, 0, &e), 0);
	ck_assert_int_eq(mdc_mig_chunk_pack(raw, sizeof(raw), 0, pk, &m), 0);
	m.type = MDC_MIG_DATA;
	m.offset = 500;
	ck_assert_int_eq(mdc_mig_sink_put(k, &m, &e), 0);
	m.offset = 550; /* overlaps */
	ck_assert_int_eq(mdc_mig_sink_put(k, &m, &e), MDC_EMALF);
	m.offset = 100; /* goes back */
	ck_assert_int_eq(mdc_mig_sink_put(k, &m, &e), MDC_EMALF);
	m.offset = 901; /* beyond the size */
	ck_assert_int_eq(mdc_mig_sink_put(k, &m, &e), MDC_EMALF);
	m.offset = 900; /* exactly up to it */
	ck_assert_int_eq(mdc_mig_sink_put(k, &m, &e), 0);
	memset(&d, 0, sizeof(d));
	d.type = MDC_MIG_DONE;
	d.size = 999; /* another size */
	ck_assert_int_eq(mdc_mig_sink_finish(k, &d, &e), MDC_EMALF);
	mdc_mig_sink_close(k);
	free(k);
	ck_assert_int_eq(rmdir(tmpdir), 0); /* the temp file is gone */
	ck_assert_int_eq(mkdir(tmpdir, 0700), 0);
}
END_TEST

static void
roundtrip(void)
{
	static uint8_t buf[MDC_MIG_MAX_MSG + 1]; /* d points into it */
	size_t n, i;

	ck_assert_int_eq(mdc_mig_msg_encode(&m, buf, sizeof(buf), &n), 0);
	ck_assert_int_eq(mdc_mig_msg_decode(buf, n, &d), 0);
	ck_assert_int_eq(d.type, m.type);
	for (i = 0; i < n; i++)
		ck_assert_int_ne(mdc_mig_msg_decode(buf, i, &d), 0);
	buf[n] = 0;
	ck_assert_int_eq(mdc_mig_msg_decode(buf, n + 1, &d), MDC_EMALF);
	ck_assert_int_eq(mdc_mig_msg_decode(buf, n, &d), 0);
}

START_TEST(test_messages)
{
	size_t n;

	memset(&m, 0, sizeof(m));
	m.type = MDC_MIG_MOVE_STORAGE;
	snprintf(m.vm, sizeof(m.vm), "vm1");
	snprintf(m.host, sizeof(m.host), "host2.example.com");
	snprintf(m.path, sizeof(m.path), "/var/lib/vm/disk.img");
	m.flags = MDC_MIG_FL_ZSTD;
	roundtrip();
	ck_assert_str_eq(d.path, "/var/lib/vm/disk.img");
	ck_assert_str_eq(d.name, "");
	ck_assert_uint_eq(d.flags, MDC_MIG_FL_ZSTD);
	m.flags = 0x80;
	ck_assert_int_eq(mdc_mig_msg_encode(&m, scratch, sizeof(scratch), &n),
	                 MDC_EINVAL);
	m.flags = 0;
	m.type = MDC_MIG_PREPARE_STORAGE;
	snprintf(m.name, sizeof(m.name), "disk.img");
	m.size = 0x123456789aULL;
	roundtrip();
	ck_assert_uint_eq(d.size, 0x123456789aULL);
	ck_assert_str_eq(d.name, "disk.img");
	snprintf(m.name, sizeof(m.name), "..");
	ck_assert_int_eq(mdc_mig_msg_encode(&m, scratch, sizeof(scratch), &n),
	                 MDC_EINVAL);
	memset(&m, 0, sizeof(m));
	m.type = MDC_MIG_DATA;
	m.offset = 1ULL << 40;
	memset(pk, 1, 10);
	ck_assert_int_eq(mdc_mig_chunk_pack(pk, 10, 0, pk, &m), 0);
	roundtrip();
	ck_assert_uint_eq(d.offset, 1ULL << 40);
	ck_assert_uint_eq(d.rawlen, 10);
	m.offset = UINT64_MAX - 5; /* offset + length overflows */
	{
		uint8_t buf[64];
		ck_assert_int_eq(mdc_mig_msg_encode(&m, buf, sizeof(buf), &n),
		                 0);
		ck_assert_int_eq(mdc_mig_msg_decode(buf, n, &d), MDC_EMALF);
		buf[9] = 2; /* unknown codec */
		ck_assert_int_eq(mdc_mig_msg_decode(buf, n, &d), MDC_EMALF);
	}
	memset(&m, 0, sizeof(m));
	m.type = MDC_MIG_DONE;
	m.size = 42;
	memset(m.digest, 0xab, sizeof(m.digest));
	roundtrip();
	ck_assert_uint_eq(d.digest[31], 0xab);
	ck_assert(mdc_mig_file_ok("disk-1_a.img"));
	ck_assert(!mdc_mig_file_ok(".hidden"));
	ck_assert(!mdc_mig_file_ok("a/b"));
	ck_assert(!mdc_mig_file_ok(""));
}
END_TEST

/* tmpdir/st: the storage directory, tmpdir/secret outside it, and the
 * symlinks a user who can write into st might plant. */
static char *
plant(void)
{
	char *st = path(tmpdir, "st"), *sub = path(st, "sub"), *p;
	const char *files[][2] = {{"st/disk.img", "in"},
	                          {"st/sub/inner.img", "inner"},
	                          {"secret", "out"}};
	const char *links[][2] = {{"st/out.lnk", "../secret"},
	                          {"st/abs.lnk", NULL}, /* tmpdir/secret */
	                          {"st/in.lnk", "disk.img"},
	                          {"st/sub/up.lnk", "../disk.img"},
	                          {"st/dir.lnk", ".."},
	                          {"st/magic.lnk", "/proc/self/root"}};
	size_t i;

	ck_assert_int_eq(mkdir(st, 0700), 0);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	for (i = 0; i < 3; i++) {
		p = path(tmpdir, files[i][0]);
		ck_assert_int_eq(mdc_file_write(p, files[i][1],
		                                strlen(files[i][1]), 0600),
		                 0);
		free(p);
	}
	for (i = 0; i < 6; i++) {
		char *target = links[i][1] ? strdup(links[i][1])
		                           : path(tmpdir, "secret");

		p = path(tmpdir, links[i][0]);
		ck_assert_int_eq(symlink(target, p), 0);
		free(p);
		free(target);
	}
	free(sub);
	return st;
}

/* What fd holds ("in", "out", ...), closing it; or the error's name. */
static const char *
got(int fd)
{
	static char buf[32];
	ssize_t n;

	if (fd == -EXDEV)
		return "EXDEV";
	if (fd == -ELOOP)
		return "ELOOP";
	if (fd == -ENOENT)
		return "ENOENT";
	if (fd < 0)
		return "other error";
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

START_TEST(test_open_beneath)
{
	char *st = plant();
	int dfd = open(st, O_PATH | O_DIRECTORY);

	ck_assert_int_ge(dfd, 0);
	ck_assert_str_eq(got(mdc_mig_open_beneath(dfd, "disk.img", O_RDONLY)),
	                 "in");
	ck_assert_str_eq(
	        got(mdc_mig_open_beneath(dfd, "sub/inner.img", O_RDONLY)),
	        "inner");
	/* symlinks that stay inside are followed */
	ck_assert_str_eq(got(mdc_mig_open_beneath(dfd, "in.lnk", O_RDONLY)),
	                 "in");
	ck_assert_str_eq(got(mdc_mig_open_beneath(dfd, "sub/up.lnk", O_RDONLY)),
	                 "in");
	/* every way out fails, whatever the target */
	ck_assert_str_eq(got(mdc_mig_open_beneath(dfd, "out.lnk", O_RDONLY)),
	                 "EXDEV");
	ck_assert_str_eq(got(mdc_mig_open_beneath(dfd, "abs.lnk", O_RDONLY)),
	                 "EXDEV");
	ck_assert_str_eq(
	        got(mdc_mig_open_beneath(dfd, "dir.lnk/secret", O_RDONLY)),
	        "EXDEV");
	ck_assert_str_eq(got(mdc_mig_open_beneath(dfd, "magic.lnk/etc/passwd",
	                                          O_RDONLY)),
	                 "EXDEV");
	ck_assert_str_eq(got(mdc_mig_open_beneath(dfd, "../secret", O_RDONLY)),
	                 "EXDEV");
	ck_assert_str_eq(
	        got(mdc_mig_open_beneath(dfd, "/etc/passwd", O_RDONLY)),
	        "EXDEV");
	ck_assert_str_eq(got(mdc_mig_open_beneath(dfd, "nope.img", O_RDONLY)),
	                 "ENOENT");
	close(dfd);
	free(st);
}
END_TEST

START_TEST(test_open_walk)
{
	char *st = plant();
	int dfd = open(st, O_PATH | O_DIRECTORY);

	ck_assert_int_ge(dfd, 0);
	ck_assert_str_eq(got(mdc_mig_open_walk(dfd, "disk.img", O_RDONLY)),
	                 "in");
	ck_assert_str_eq(
	        got(mdc_mig_open_walk(dfd, "sub//inner.img", O_RDONLY)),
	        "inner");
	/* the fallback follows no symlink at all */
	ck_assert_str_eq(got(mdc_mig_open_walk(dfd, "in.lnk", O_RDONLY)),
	                 "ELOOP");
	ck_assert_str_eq(got(mdc_mig_open_walk(dfd, "out.lnk", O_RDONLY)),
	                 "ELOOP");
	ck_assert_str_eq(
	        got(mdc_mig_open_walk(dfd, "dir.lnk/secret", O_RDONLY)),
	        "ELOOP");
	ck_assert_str_eq(got(mdc_mig_open_walk(dfd, "../secret", O_RDONLY)),
	                 "EXDEV");
	ck_assert_str_eq(
	        got(mdc_mig_open_walk(dfd, "sub/../disk.img", O_RDONLY)),
	        "EXDEV");
	ck_assert_str_eq(got(mdc_mig_open_walk(dfd, "/etc/passwd", O_RDONLY)),
	                 "EXDEV");
	ck_assert_str_eq(got(mdc_mig_open_walk(dfd, "nope.img", O_RDONLY)),
	                 "ENOENT");
	close(dfd);
	free(st);
}
END_TEST

START_TEST(test_open_in)
{
	char *st = plant(), *abs = path(st, "disk.img");
	char *alias = path(tmpdir, "alias"), *missing = path(tmpdir, "none");
	int dir_failed = -1;

	ck_assert_str_eq(got(mdc_mig_open_in(st, abs, O_RDONLY, &dir_failed)),
	                 "in");
	ck_assert_int_eq(dir_failed, 0);
	/* the directory named through a symlink: its canonical name counts */
	ck_assert_int_eq(symlink(st, alias), 0);
	ck_assert_str_eq(
	        got(mdc_mig_open_in(alias, abs, O_RDONLY, &dir_failed)), "in");
	ck_assert_str_eq(
	        got(mdc_mig_open_in(st, "/etc/passwd", O_RDONLY, &dir_failed)),
	        "EXDEV");
	ck_assert_str_eq(
	        got(mdc_mig_open_in(st, "out.lnk", O_RDONLY, &dir_failed)),
	        "EXDEV");
	ck_assert_int_eq(dir_failed, 0);
	ck_assert_int_lt(
	        mdc_mig_open_in(missing, "disk.img", O_RDONLY, &dir_failed), 0);
	ck_assert_int_eq(dir_failed, 1);
	ck_assert_ptr_null(mdc_mig_below("/srv/stx/a", "/srv/st"));
	ck_assert_str_eq(mdc_mig_below("/srv/st//a/b", "/srv/st/"), "a/b");
	free(st);
	free(abs);
	free(alias);
	free(missing);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("migrate_storage");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_zero);
	tcase_add_test(tc, test_extent);
	tcase_add_test(tc, test_source);
	tcase_add_test(tc, test_chunk);
	tcase_add_test(tc, test_sink);
	tcase_add_test(tc, test_sink_order);
	tcase_add_test(tc, test_messages);
	tcase_add_test(tc, test_open_beneath);
	tcase_add_test(tc, test_open_walk);
	tcase_add_test(tc, test_open_in);
	suite_add_tcase(s, tc);
	return mdc_ck_run(s);
}
