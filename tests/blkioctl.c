// SPDX-License-Identifier: GPL-2.0
/*
 * blkioctl - block ioctls on rawN are answered from the bound device: each
 * result (return value, errno, data) is compared with the same ioctl on the
 * block device itself; BLKZEROOUT (and BLKDISCARD where the device zeroes
 * discarded blocks) is verified by reading zeros back.
 *
 * usage: blkioctl BLOCKDEV [discard-zeroes]
 *   discard-zeroes: the device reads back zeros after a discard
 *   (null_blk memory_backed=1 discard=1)
 * raw must be loaded with nothing bound; BLOCKDEV's data is overwritten.
 * Built twice: natively and as a 32-bit program (compat_ioctl).
 */
#define _GNU_SOURCE
#include "lib/rawtest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/fs.h>

#define LEN	(256 * 1024)

static uint64_t dev_size;

/* Both answers: return value, errno and the bytes written to the arg. */
struct answer {
	int ret, err;
	unsigned char data[16];
};

static void ask(int fd, unsigned long req, const void *arg, size_t len,
		struct answer *a)
{
	memset(a->data, 0, sizeof(a->data));
	memcpy(a->data, arg, len);
	errno = 0;
	a->ret = ioctl(fd, req, a->data);
	a->err = a->ret ? errno : 0;
}

/* The first @n bytes of @p in hex, in one of two static buffers. */
static const char *hex(const unsigned char *p, size_t n, int which)
{
	static char out[2][40];
	size_t i;

	for (i = 0; i < n && i < 16; i++)
		snprintf(out[which] + 2 * i, 3, "%02x", p[i]);
	return out[which];
}

/* The same ioctl on rawN and the block device gives the same result. */
static int compare(int rfd, int bfd, unsigned long req, const char *name,
		   const void *arg, size_t len, const char *what)
{
	struct answer r, b;

	ask(bfd, req, arg, len, &b);
	ask(rfd, req, arg, len, &r);
	if (memcmp(r.data, b.data, sizeof(r.data)))
		t_note("%s data: raw %s, block device %s", name,
		       hex(r.data, 8, 0), hex(b.data, 8, 1));
	return t_ok(r.ret == b.ret && r.err == b.err &&
		    !memcmp(r.data, b.data, sizeof(r.data)),
		    "%s %s: raw ret %d errno %d (%s), block device ret %d "
		    "errno %d (%s)%s", name, what, r.ret, r.err,
		    strerror(r.err), b.ret, b.err, strerror(b.err),
		    memcmp(r.data, b.data, sizeof(r.data)) ?
		    ", data differs" : "");
}

static void test_getters(int rfd, int bfd)
{
	static const struct { unsigned long req; const char *name; } q[] = {
		{ BLKGETSIZE64, "BLKGETSIZE64" }, { BLKGETSIZE, "BLKGETSIZE" },
		{ BLKSSZGET, "BLKSSZGET" }, { BLKPBSZGET, "BLKPBSZGET" },
		{ BLKBSZGET, "BLKBSZGET" }, { BLKIOMIN, "BLKIOMIN" },
		{ BLKIOOPT, "BLKIOOPT" },
	};
	unsigned char zero[8] = { 0 };
	unsigned long sectors = 0;
	uint64_t size = 0;
	size_t i;

	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++)
		compare(rfd, bfd, q[i].req, q[i].name, zero, sizeof(zero),
			"matches");
	t_ret(ioctl(rfd, BLKGETSIZE64, &size), 0, "BLKGETSIZE64 on raw");
	t_ok(size == dev_size && size > 0,
	     "BLKGETSIZE64 on raw is the size (%llu)",
	     (unsigned long long)size);
	t_ret(ioctl(rfd, BLKGETSIZE, &sectors), 0, "BLKGETSIZE on raw");
	t_ok((uint64_t)sectors == dev_size >> 9,
	     "BLKGETSIZE on raw is the size in sectors (%lu)", sectors);
	compare(rfd, bfd, BLKFLSBUF, "BLKFLSBUF", zero, 0, "matches");
	t_ret(ioctl(rfd, BLKFLSBUF, 0), 0, "BLKFLSBUF on raw");
}

/* Pattern over [off, off + LEN) of the device, through O_DIRECT. */
static void scribble(int dfd, uint64_t off, uint64_t seed)
{
	void *buf = t_alloc(LEN, 4096);

	t_fill(buf, LEN, off, seed);
	t_pwrite_all(dfd, buf, LEN, off);
	free(buf);
}

static int reads_zero(int fd, uint64_t off)
{
	void *buf = t_alloc(LEN, 4096);
	int ret;

	memset(buf, 0xff, LEN);
	t_pread_all(fd, buf, LEN, off);
	ret = t_is_zero(buf, LEN);
	free(buf);
	return ret;
}

static void cache_range(int cfd, uint64_t off)
{
	void *buf = t_alloc(LEN, 4096);

	t_pread_all(cfd, buf, LEN, off);
	free(buf);
}

/* Erasing ioctls: BLKDISCARD or BLKZEROOUT with assorted ranges. */
static void test_erase(int rfd, int bfd, int rofd, int robfd, int dfd,
		       int cfd, unsigned long req, const char *name,
		       int zeroes)
{
	const uint64_t a = 1 << 20, b = 2 << 20;
	const struct { uint64_t r[2]; const char *what; } bad[] = {
		{ { a + 1, 4096 }, "with an unaligned start" },
		{ { a, 4096 + 100 }, "with an unaligned length" },
		{ { dev_size - 4096, 8192 }, "across the end" },
		{ { dev_size, 4096 }, "at the end" },
		{ { a, 0 }, "of zero length" },
		{ { UINT64_MAX & ~4095ULL, 8192 }, "wrapping around" },
	};
	uint64_t ra[2] = { a, LEN }, rb[2] = { b, LEN };
	int rret, rerr, bret, berr;
	size_t i;

	scribble(dfd, a, 0x41);
	scribble(dfd, b, 0x42);
	cache_range(cfd, a);
	rret = ioctl(rfd, req, ra);
	rerr = rret ? errno : 0;
	bret = ioctl(bfd, req, rb);
	berr = bret ? errno : 0;
	t_ok(rret == bret && rerr == berr,
	     "%s of %d KiB: raw ret %d errno %d (%s), block device ret %d "
	     "errno %d (%s)", name, LEN / 1024, rret, rerr, strerror(rerr),
	     bret, berr, strerror(berr));
	if (zeroes) {
		t_ret(rret, 0, "%s through raw succeeds", name);
		t_ok(reads_zero(dfd, a), "%s through raw reads back zeros",
		     name);
		t_ok(reads_zero(cfd, a), "%s through raw: buffered read of "
		     "a cached range sees zeros", name);
		t_ok(reads_zero(dfd, b), "%s through the block device reads "
		     "back zeros (the device zeroes)", name);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		compare(rfd, bfd, req, name, bad[i].r, sizeof(bad[i].r),
			bad[i].what);
	compare(rofd, robfd, req, name, ra, sizeof(ra),
		"on descriptors opened read-only");
}

int main(int argc, char **argv)
{
	int ctl, rfd, bfd, rofd, robfd, dfd, cfd, zeroes;

	if (argc < 2 || argc > 3 ||
	    (argc == 3 && strcmp(argv[2], "discard-zeroes")))
		t_usage(argv[0], "BLOCKDEV [discard-zeroes]");
	zeroes = argc == 3;
	bfd = t_bdev_open(argv[1], O_RDWR, &dev_size, NULL);
	robfd = t_bdev_open(argv[1], O_RDONLY, NULL, NULL);
	dfd = t_bdev_open(argv[1], O_RDWR | O_DIRECT, NULL, NULL);
	cfd = t_bdev_open(argv[1], O_RDONLY, NULL, NULL);
	if (dev_size < (4 << 20))
		t_fatal("%s is smaller than 4 MiB", argv[1]);

	rfd = t_raw_bind_open(&ctl, 1, argv[1], O_RDWR);
	rofd = t_raw_open(1, O_RDONLY);
	t_note("struct sizes here: size_t %zu, long %zu", sizeof(size_t),
	       sizeof(long));

	test_getters(rfd, bfd);
	test_erase(rfd, bfd, rofd, robfd, dfd, cfd, BLKZEROOUT, "BLKZEROOUT",
		   1);
	test_erase(rfd, bfd, rofd, robfd, dfd, cfd, BLKDISCARD, "BLKDISCARD",
		   zeroes);

	close(rofd);
	close(rfd);
	close(cfd);
	close(dfd);
	close(robfd);
	close(bfd);
	return t_raw_finish(ctl, 1);
}
