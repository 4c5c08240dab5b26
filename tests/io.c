// SPDX-License-Identifier: GPL-2.0
/*
 * io - data round trips through rawN: raw write then O_DIRECT read of the
 * block device, and O_DIRECT write of the block device then raw read, from
 * one logical block to 64 MiB and from 1 to 64 iovec segments, through
 * read/write, pread/pwrite and readv/writev.
 *
 * usage: io BLOCKDEV
 *        io --big MIB BLOCKDEV   one raw read of MIB MiB (a 1 GiB read)
 * raw must be loaded with nothing bound; BLOCKDEV's data is overwritten.
 */
#define _GNU_SOURCE
#include "lib/rawtest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define MIB		(1024 * 1024)
#define MAX_SEGS	64
#define GUARD_SEED	0x6a5dULL

enum how { H_PRW, H_RW, H_VEC };
static const char *const how_name[] = { "pwrite/pread", "write/read",
					"writev/readv" };

/* One round trip: @sectors logical blocks plus @bytes (4 KiB multiple). */
struct step {
	unsigned int sectors;
	size_t bytes;
	enum how how;
	int nseg;
	int subpage;	/* buffers lbs-aligned but not page-aligned */
};

static const struct step steps[] = {
	{ 1, 0, H_PRW, 1, 0 },
	{ 1, 0, H_RW, 1, 1 },
	{ 1, 0, H_VEC, 1, 0 },
	{ 2, 0, H_VEC, 2, 1 },
	{ 7, 0, H_RW, 1, 0 },
	{ 0, 64 * 1024, H_VEC, 16, 1 },
	{ 1, MIB, H_PRW, 1, 1 },
	{ 0, MIB, H_VEC, 64, 0 },
	{ 3, 4 * MIB, H_VEC, 3, 1 },
	{ 0, 16 * MIB, H_RW, 1, 0 },
	{ 0, 64 * MIB, H_PRW, 1, 0 },
	{ 0, 64 * MIB, H_VEC, 64, 0 },
};

static unsigned int lbs;
static uint64_t dev_size;

struct seg_bufs {
	struct iovec iov[MAX_SEGS];
	void *mem[MAX_SEGS];
	size_t memlen[MAX_SEGS];
	int nseg;
};

/* Split @len into @nseg lbs-multiples, uneven, each in its own buffer. */
static void segs_alloc(struct seg_bufs *s, size_t len, int nseg, int subpage)
{
	size_t units = len / lbs, done = 0;
	size_t shift = subpage && lbs < 4096 ? lbs : 0;
	int i;

	s->nseg = nseg;
	for (i = 0; i < nseg; i++) {
		size_t u = units / nseg + (i < (int)(units % nseg) ? 1 : 0);
		size_t n = u * lbs;

		/* room for an overrun check behind every segment */
		s->memlen[i] = (shift + n + lbs + 4095) & ~(size_t)4095;
		s->mem[i] = s->memlen[i] >= MIB ? t_map(s->memlen[i]) :
			    t_alloc(s->memlen[i], 4096);
		s->iov[i].iov_base = (char *)s->mem[i] + shift;
		s->iov[i].iov_len = n;
		done += n;
	}
	if (done != len)
		t_fatal("segment split %zu != %zu", done, len);
}

static void segs_free(struct seg_bufs *s)
{
	int i;

	for (i = 0; i < s->nseg; i++) {
		if (s->memlen[i] >= MIB)
			t_unmap(s->mem[i], s->memlen[i]);
		else
			free(s->mem[i]);
	}
}

static void segs_fill(struct seg_bufs *s, uint64_t off, uint64_t seed)
{
	int i;

	for (i = 0; i < s->nseg; i++) {
		t_fill(s->iov[i].iov_base, s->iov[i].iov_len, off, seed);
		memset((char *)s->iov[i].iov_base + s->iov[i].iov_len, 0xa5,
		       lbs);
		off += s->iov[i].iov_len;
	}
}

/* Each segment holds the pattern and nothing was written behind it. */
static int segs_check(struct seg_bufs *s, uint64_t off, uint64_t seed)
{
	const unsigned char *tail;
	int i;
	unsigned int j;

	for (i = 0; i < s->nseg; i++) {
		if (!t_check(s->iov[i].iov_base, s->iov[i].iov_len, off, seed))
			return 0;
		tail = (unsigned char *)s->iov[i].iov_base + s->iov[i].iov_len;
		for (j = 0; j < lbs; j++)
			if (tail[j] != 0xa5) {
				t_note("segment %d: byte +%u past its end "
				       "was overwritten", i, j);
				return 0;
			}
		off += s->iov[i].iov_len;
	}
	return 1;
}

static ssize_t raw_io(int fd, int write_, enum how how, struct seg_bufs *s,
		      off_t off)
{
	if (how == H_PRW)
		return write_ ? pwrite(fd, s->iov[0].iov_base,
				       s->iov[0].iov_len, off) :
				pread(fd, s->iov[0].iov_base,
				      s->iov[0].iov_len, off);
	if (lseek(fd, off, SEEK_SET) != off)
		t_fatal("lseek raw to %lld", (long long)off);
	if (how == H_RW)
		return write_ ? write(fd, s->iov[0].iov_base, s->iov[0].iov_len) :
				read(fd, s->iov[0].iov_base, s->iov[0].iov_len);
	return write_ ? writev(fd, s->iov, s->nseg) :
			readv(fd, s->iov, s->nseg);
}

/* Guard blocks around [off, off + len) catch writes that spill over. */
static void guards_write(int bfd, void *g, uint64_t off, size_t len)
{
	if (off >= lbs) {
		t_fill(g, lbs, off - lbs, GUARD_SEED);
		t_pwrite_all(bfd, g, lbs, off - lbs);
	}
	if (off + len + lbs <= dev_size) {
		t_fill(g, lbs, off + len, GUARD_SEED);
		t_pwrite_all(bfd, g, lbs, off + len);
	}
}

static int guards_check(int bfd, void *g, uint64_t off, size_t len)
{
	int ok = 1;

	if (off >= lbs) {
		t_pread_all(bfd, g, lbs, off - lbs);
		ok &= t_check(g, lbs, off - lbs, GUARD_SEED);
	}
	if (off + len + lbs <= dev_size) {
		t_pread_all(bfd, g, lbs, off + len);
		ok &= t_check(g, lbs, off + len, GUARD_SEED);
	}
	return ok;
}

static void *big_alloc(size_t len)
{
	return len >= MIB ? t_map(len) : t_alloc(len, 4096);
}

static void big_free(void *p, size_t len)
{
	if (len >= MIB)
		t_unmap(p, len);
	else
		free(p);
}

static void round_trip(int rfd, int bfd, const struct step *st, int idx)
{
	size_t len = st->sectors * (size_t)lbs + st->bytes;
	uint64_t seed = 0x1000 + idx, off;
	struct seg_bufs s;
	void *cmp, *guard;
	char what[128];
	ssize_t n;

	if (len > dev_size) {
		t_note("device too small for %zu bytes, step skipped", len);
		return;
	}
	/* a different, lbs-aligned, mostly unaligned-to-page offset each */
	off = 0;
	if (dev_size - len > 2 * lbs) {
		off = ((uint64_t)idx * 37 * lbs + lbs) %
		      (dev_size - len - lbs);
		off -= off % lbs;
		if (off == 0)
			off = lbs;
	}
	snprintf(what, sizeof(what), "%zu bytes at %llu, %s, %d segment%s%s",
		 len, (unsigned long long)off, how_name[st->how], st->nseg,
		 st->nseg > 1 ? "s" : "", st->subpage ? ", sub-page buffers" : "");

	segs_alloc(&s, len, st->nseg, st->subpage);
	cmp = big_alloc(len);
	guard = t_alloc(lbs, 4096);

	/* raw write, then read the block device with O_DIRECT */
	guards_write(bfd, guard, off, len);
	segs_fill(&s, off, seed);
	n = raw_io(rfd, 1, st->how, &s, off);
	if (t_ret(n, len, "raw write returns the length: %s", what)) {
		t_pread_all(bfd, cmp, len, off);
		t_ok(t_check(cmp, len, off, seed),
		     "O_DIRECT read of the device sees the raw write: %s", what);
		t_ok(guards_check(bfd, guard, off, len),
		     "blocks around the raw write untouched: %s", what);
	}

	/* O_DIRECT write of the block device, then raw read */
	t_fill(cmp, len, off, ~seed);
	t_pwrite_all(bfd, cmp, len, off);
	segs_fill(&s, off, seed);	/* stale data the read must replace */
	n = raw_io(rfd, 0, st->how, &s, off);
	if (t_ret(n, len, "raw read returns the length: %s", what))
		t_ok(segs_check(&s, off, ~seed),
		     "raw read sees the O_DIRECT write, nothing past it: %s",
		     what);

	free(guard);
	big_free(cmp, len);
	segs_free(&s);
}

/*
 * One huge read: marks written at its start, middle and end must all land
 * at the right place in the buffer.
 */
static void big_read(int rfd, int bfd, size_t len)
{
	const size_t mark = MIB;
	const size_t at[] = { 0, len / 2 - mark / 2, len - mark };
	unsigned char *buf = t_map(len);
	size_t i;

	if (len > dev_size)
		t_fatal("device smaller than %zu bytes", len);
	for (i = 0; i < 3; i++) {
		t_fill(buf, mark, at[i], 0xb16 + i);
		t_pwrite_all(bfd, buf, mark, at[i]);
	}
	memset(buf, 0, mark);
	if (t_ret(pread(rfd, buf, len, 0), len, "one raw read of %zu MiB",
		  len / MIB)) {
		for (i = 0; i < 3; i++)
			t_ok(t_check(buf + at[i], mark, at[i], 0xb16 + i),
			     "%zu MiB read: data at %zu MiB in place",
			     len / MIB, at[i] / MIB);
	}
	t_unmap(buf, len);
}

int main(int argc, char **argv)
{
	int ctl, rfd, bfd;
	size_t i, big = 0;

	if (argc == 4 && !strcmp(argv[1], "--big")) {
		big = t_num(argv[2]) * MIB;
		argv += 2;
	} else if (argc != 2) {
		t_usage(argv[0], "[--big MIB] BLOCKDEV");
	}
	bfd = t_bdev_open(argv[1], O_RDWR | O_DIRECT, &dev_size, &lbs);
	t_note("%s: %llu bytes, logical block %u", argv[1],
	       (unsigned long long)dev_size, lbs);

	rfd = t_raw_bind_open(&ctl, 1, argv[1], O_RDWR);
	if (big)
		big_read(rfd, bfd, big);
	else
		for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
			round_trip(rfd, bfd, &steps[i], (int)i);
	close(rfd);
	close(bfd);
	return t_raw_finish(ctl, 1);
}
