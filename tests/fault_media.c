// SPDX-License-Identifier: GPL-2.0
/*
 * fault_media - media errors through rawN: a request crossing a bad range
 * returns exactly the bytes before its first bad block, wherever that falls
 * in raw's bios and in the caller's iovec, for pread, preadv, libaio and
 * io_uring alike; one starting inside fails (EIO, or ENODATA for
 * BLK_STS_MEDIUM); the minor's errors counter counts each failed call.
 *
 * usage: fault_media BLOCKDEV BAD_SECTOR BAD_COUNT [BADBLOCKS_FILE]
 * The device (512-byte or 4 KiB logical blocks) must fail reads of the
 * BAD_COUNT sectors at BAD_SECTOR (512-byte units, whole blocks).  With BADBLOCKS_FILE (null_blk's configfs badblocks) the range is
 * made bad here, after the data around it is written, and writes are tested
 * too (null_blk fails them; scsi_debug's medium errors are reads only).
 * The device's queue must not merge requests (queue/nomerges = 2), so that
 * bios stay where fm_layout puts them.  raw loaded, minor 1 unbound; the data is overwritten.
 */
#define _GNU_SOURCE
#include "lib/rawtest.h"

#include <errno.h>
#include <fcntl.h>
#include <libaio.h>
#include <limits.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/*
 * raw returns exactly the bytes before the first bad logical block, however
 * its bios fall.  The iovec requests here are FM_SEGS segments of one
 * logical block each, at the start of a page of their own: no two merge,
 * so every bio is exactly 256 segments (BIO_MAX_VECS) and the bad range
 * can be put at the start, in the middle or at the end of one.  Merging is
 * off on the queue, so each bio is a request of its own.
 */
#define FM_SEGS		1024			/* IOV_MAX: 4 bios */
#define KIB		1024
#define MIB		(1024 * KIB)

static int bfd, fd;
static unsigned int lbs;			/* the device's logical block */
static size_t fm_bio;				/* 256 blocks: one bio */
static unsigned char *mem;			/* FM_SEGS pages */
static unsigned char *flat;			/* 2 MiB, contiguous */
static struct iovec iov[FM_SEGS];
static char errors_path[64];
static struct io_uring ring;
static io_context_t ctx;

static void fm_layout(void)
{
	int i;

	for (i = 0; i < FM_SEGS; i++) {
		iov[i].iov_base = mem + (size_t)i * 4096;
		iov[i].iov_len = lbs;
	}
}

/* Check @len bytes read into the iovec against the pattern at @off. */
static int fm_check(off_t off, size_t len)
{
	size_t i;

	for (i = 0; i < len / lbs; i++)
		if (!t_check(iov[i].iov_base, lbs, off + i * lbs, 0xbad))
			return 0;
	return 1;
}

static unsigned long long fm_errors(void)
{
	return t_sysfs_u64(errors_path);
}

/* A read of the whole iovec at @off; expect @want bytes, checked. */
static void fm_read_expect(off_t off, ssize_t want, const char *what)
{
	ssize_t n;

	memset(mem, 0, (size_t)FM_SEGS * 4096);
	n = preadv(fd, iov, FM_SEGS, off);
	t_ret(n, want, "preadv of %zu KiB at block %lld, %s: %zd bytes",
	      FM_SEGS * (size_t)lbs / KIB, (long long)(off / lbs), what,
	      want);
	if (n > 0)
		t_ok(fm_check(off, n), "the %zd bytes returned are the device's",
		     n);
}

enum fm_way { FM_PREAD, FM_AIO, FM_URING, FM_WAYS };
static const char *const fm_way_name[] = { "pread", "libaio", "io_uring" };

/* One read of @len into the flat buffer at @off, the @way given. */
static long long fm_flat_read(enum fm_way way, size_t len, off_t off)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct iocb cb, *cbs[1] = { &cb };
	struct io_event ev;
	long long res;

	memset(flat, 0, len);
	switch (way) {
	case FM_PREAD:
		return pread(fd, flat, len, off);
	case FM_AIO:
		io_prep_pread(&cb, fd, flat, len, off);
		if (io_submit(ctx, 1, cbs) != 1 ||
		    io_getevents(ctx, 1, 1, &ev, NULL) != 1)
			t_fatal("libaio read");
		res = (long)ev.res;
		break;
	default:
		sqe = io_uring_get_sqe(&ring);
		io_uring_prep_read(sqe, fd, flat, len, off);
		if (io_uring_submit(&ring) != 1 ||
		    io_uring_wait_cqe(&ring, &cqe))
			t_fatal("io_uring read");
		res = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
		break;
	}
	if (res < 0) {
		errno = (int)-res;
		return -1;
	}
	return res;
}

/*
 * Reads into one contiguous buffer, of one bio and of several, with the
 * bad range @before bytes in: each way must return exactly @before bytes,
 * the device's data.  Returns the failed calls made.
 */
static unsigned int fm_flat(off_t bad)
{
	static const struct { size_t len; size_t before; } cases[] = {
		{ 64 * KIB, 12 * KIB },		/* one bio, middle */
		{ 2 * MIB, 256 * KIB },		/* issue 17's example */
		{ 2 * MIB, MIB + 8 * KIB },	/* in the second bio */
	};
	unsigned int i, n = 0;
	int way;

	for (way = 0; way < FM_WAYS; way++) {
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			off_t off = bad - cases[i].before;
			long long got = fm_flat_read(way, cases[i].len, off);

			t_ret(got, cases[i].before,
			      "%s of %zu KiB, bad range %zu KiB in: the bytes before it",
			      fm_way_name[way], cases[i].len / KIB,
			      cases[i].before / KIB);
			if (got > 0)
				t_ok(t_check(flat, got, off, 0xbad),
				     "and they are the device's");
			n++;
		}
		errno = 0;
		t_errno2(fm_flat_read(way, 64 * KIB, bad), EIO, ENODATA,
			 "%s starting on the bad range: the block layer's errno",
			 fm_way_name[way]);
		n++;
	}
	return n;
}

/* A 2-segment preadv whose second segment crosses the bad range. */
static unsigned int fm_two_segments(off_t bad)
{
	size_t first = 64 * KIB, before = first + 12 * KIB;
	struct iovec two[2] = {
		{ flat, first }, { flat + first + 4096, MIB },
	};
	ssize_t n;

	memset(flat, 0, 2 * MIB);
	n = preadv(fd, two, 2, bad - before);
	t_ret(n, before, "2-segment preadv, bad range in the second: %zu KiB",
	      before / KIB);
	if (n == (ssize_t)before)
		t_ok(t_check(flat, first, bad - before, 0xbad) &&
		     t_check(flat + first + 4096, n - first,
			     bad - before + first, 0xbad),
		     "both segments hold the device's data");
	return 1;
}

int main(int argc, char **argv)
{
	unsigned long long e0, nfail = 0;
	off_t bad, end, start;
	const char *bb = argc == 5 ? argv[4] : NULL;
	unsigned char *fill;
	size_t flen;
	int ctl;

	if (argc != 4 && argc != 5)
		t_usage(argv[0],
			"BLOCKDEV BAD_SECTOR BAD_COUNT [BADBLOCKS_FILE]");
	bad = (off_t)t_num(argv[2]) * 512;
	end = bad + (off_t)t_num(argv[3]) * 512;
	bfd = t_bdev_open(argv[1], O_RDWR | O_DIRECT, NULL, &lbs);
	fm_bio = 256 * (size_t)lbs;
	if ((bad | end) % lbs)
		t_fatal("bad range not on %u-byte blocks", lbs);
	if (bad < 2 * (off_t)fm_bio || bad < 2 * MIB ||
	    end + 4 * (off_t)fm_bio + 2 * MIB > (off_t)t_dev_size(bfd))
		t_fatal("bad range too near an end of the device");
	t_note("%u-byte blocks, bad range %lld-%lld", lbs, (long long)bad,
	       (long long)end - 1);

	/*
	 * The pattern around the bad range, written before null_blk's range
	 * goes bad; scsi_debug's medium errors are reads only.
	 */
	start = bad - 2 * MIB;
	flen = end + 4 * fm_bio + 2 * MIB - start;
	fill = t_alloc(flen, 4096);
	t_fill(fill, flen, start, 0xbad);
	t_pwrite_all(bfd, fill, flen, start);
	free(fill);
	if (bb) {
		char cmd[64];
		int bbfd = open(bb, O_WRONLY);
		int len = snprintf(cmd, sizeof(cmd), "+%lld-%lld",
				   (long long)bad / 512,
				   (long long)end / 512 - 1);

		if (bbfd < 0 || write(bbfd, cmd, len) != len)
			t_fatal("write %s to %s", cmd, bb);
		close(bbfd);
		t_note("null_blk badblocks %s", cmd);
	}

	fd = t_raw_bind_open(&ctl, 1, argv[1], O_RDWR);
	snprintf(errors_path, sizeof(errors_path), "/sys/class/raw/raw1/errors");
	mem = t_map((size_t)FM_SEGS * 4096);
	flat = t_alloc(2 * MIB + 4096, 4096);
	t_fatal_if_neg(io_uring_queue_init(4, &ring, 0), "io_uring_queue_init");
	t_fatal_if_neg(io_setup(4, &ctx), "io_setup");
	fm_layout();
	e0 = fm_errors();

	/* at the start of a bio: the second, then the third */
	fm_read_expect(bad - fm_bio, fm_bio, "bad range at the start of bio 2");
	fm_read_expect(bad - 2 * fm_bio, 2 * fm_bio,
		       "bad range at the start of bio 3");
	/* in the middle of one, and at its very end */
	fm_read_expect(bad - fm_bio - 8 * lbs, fm_bio + 8 * lbs,
		       "bad range 8 blocks into bio 2");
	fm_read_expect(bad - fm_bio / 2 - 3 * lbs, fm_bio / 2 + 3 * lbs,
		       "bad range in the middle of bio 1");
	fm_read_expect(bad - (fm_bio - lbs), fm_bio - lbs,
		       "bad range on the last block of bio 1");
	nfail += 5;
	/* a request starting in the bad range transfers nothing */
	memset(mem, 0, 4096);
	t_errno2(pread(fd, mem, lbs, bad), EIO, ENODATA,
		 "read of one block at the first bad block");
	t_errno2(preadv(fd, iov, FM_SEGS, end - lbs), EIO, ENODATA,
		 "read starting at the last bad block");
	nfail += 2;
	/* the blocks after the bad range read fine */
	fm_read_expect(end, FM_SEGS * lbs, "after the bad range");

	nfail += fm_flat(bad);
	nfail += fm_two_segments(bad);

	if (bb) {
		ssize_t n;
		int i;

		for (i = 0; i < FM_SEGS; i++)
			t_fill(iov[i].iov_base, lbs,
			       bad - fm_bio - 8 * lbs + i * lbs, 0xbad);
		n = pwritev(fd, iov, FM_SEGS, bad - fm_bio - 8 * lbs);
		t_ret(n, fm_bio + 8 * lbs,
		      "write crossing the bad range 8 blocks into bio 2: the bytes before it");
		t_fill(flat, 64 * KIB, bad - 12 * KIB, 0xbad);
		t_ret(pwrite(fd, flat, 64 * KIB, bad - 12 * KIB), 12 * KIB,
		      "64 KiB write with the bad range 12 KiB in: 12 KiB");
		t_errno2(pwrite(fd, mem, lbs, bad), EIO, ENODATA,
			 "write of one block at the first bad block");
		nfail += 3;
		fm_read_expect(bad - fm_bio, fm_bio,
			       "after the failed writes");
		nfail++;
	}
	t_figure("faults_injected", fm_errors() - e0);
	t_ret(fm_errors() - e0, nfail, "errors counter rose by %llu", nfail);

	io_destroy(ctx);
	io_uring_queue_exit(&ring);
	close(fd);
	close(bfd);
	return t_raw_finish(ctl, 1);
}
