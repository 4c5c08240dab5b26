// SPDX-License-Identifier: GPL-2.0
/*
 * fault_media - media errors through rawN: a request crossing a bad range
 * returns the bytes before it, one starting inside fails (EIO, or ENODATA
 * for BLK_STS_MEDIUM), the minor's errors counter counts each failed call.
 *
 * usage: fault_media BLOCKDEV BAD_SECTOR BAD_COUNT [BADBLOCKS_FILE]
 * The device must fail reads of the BAD_COUNT sectors at BAD_SECTOR (512-byte
 * units).  With BADBLOCKS_FILE (null_blk's configfs badblocks) the range is
 * made bad here, after the data around it is written, and writes are tested
 * too (null_blk fails them; scsi_debug's medium errors are reads only).
 * The device's queue must not merge requests (queue/nomerges = 2): see
 * fm_layout.  raw loaded, minor 1 unbound; the data is overwritten.
 */
#define _GNU_SOURCE
#include "lib/rawtest.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/*
 * raw returns the bytes before its first failed bio, so the expected result
 * depends on where its bios end.  A bio holds at most 256 bvecs
 * (BIO_MAX_VECS) and bio_add_page() merges a segment into the previous bvec
 * only when it continues it physically.  Each iovec segment here is 512
 * bytes at the start of a page of its own: no two can merge, so every bio
 * is exactly 256 segments, 128 KiB, and a request of FM_SEGS segments is
 * FM_SEGS / 256 bios at known offsets.  With merging off, each bio (or each
 * piece the block layer splits it into) is a request of its own, so a bad
 * sector fails only the bio that holds it: the result is the bios before
 * that one, exactly, however the driver fails a request (null_blk on 6.1
 * fails all of it, scsi completes the good sectors before the bad one).
 */
#define FM_SEG		512
#define FM_BIO		(256 * FM_SEG)
#define FM_SEGS		1024			/* IOV_MAX: 4 bios */

static int bfd, fd;
static unsigned char *mem;			/* FM_SEGS pages */
static struct iovec iov[FM_SEGS];
static char errors_path[64];

static void fm_layout(void)
{
	int i;

	for (i = 0; i < FM_SEGS; i++) {
		iov[i].iov_base = mem + (size_t)i * 4096;
		iov[i].iov_len = FM_SEG;
	}
}

/* Check @len bytes read into the iovec against the pattern at @off. */
static int fm_check(off_t off, size_t len)
{
	size_t i;

	for (i = 0; i < len / FM_SEG; i++)
		if (!t_check(iov[i].iov_base, FM_SEG, off + i * FM_SEG, 0xbad))
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
	t_ret(n, want, "read of %d KiB at sector %lld, %s: %zd KiB",
	      FM_SEGS * FM_SEG / 1024, (long long)off / 512, what,
	      want / 1024);
	if (n > 0)
		t_ok(fm_check(off, n), "the %zd bytes returned are the device's",
		     n);
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
	bfd = t_bdev_open(argv[1], O_RDWR | O_DIRECT, NULL, NULL);
	if (t_lbs(bfd) != 512)
		t_fatal("%s: needs 512-byte blocks", argv[1]);
	if (bad < 2 * FM_BIO || end + 4 * FM_BIO > (off_t)t_dev_size(bfd))
		t_fatal("bad range too near an end of the device");

	/*
	 * The pattern around the bad range, written before null_blk's range
	 * goes bad; scsi_debug's medium errors are reads only.
	 */
	start = bad - 2 * FM_BIO;
	flen = end + 4 * FM_BIO - start;
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
	fm_layout();
	e0 = fm_errors();

	/* the bad range starts at the second bio: exactly the first one */
	fm_read_expect(bad - FM_BIO, FM_BIO, "bad range at bio 2");
	nfail++;
	/* ... at the third bio */
	fm_read_expect(bad - 2 * FM_BIO, 2 * FM_BIO, "bad range at bio 3");
	nfail++;
	/*
	 * 8 sectors into the second bio: the bytes before the bad range are
	 * 128 KiB + 4 KiB, raw returns whole bios: the first, 128 KiB.
	 */
	fm_read_expect(bad - FM_BIO - 4096, FM_BIO, "bad range 4 KiB into bio 2");
	nfail++;
	/* a request starting in the bad range transfers nothing */
	memset(mem, 0, 4096);
	t_errno2(pread(fd, mem, 4096, bad), EIO, ENODATA,
		 "read of 4 KiB at the first bad sector");
	nfail++;
	t_errno2(preadv(fd, iov, FM_SEGS, end - 512), EIO, ENODATA,
		 "read starting at the last bad sector");
	nfail++;
	/* the sectors after the bad range read fine */
	fm_read_expect(end, FM_SEGS * FM_SEG, "after the bad range");

	if (bb) {
		ssize_t n;
		int i;

		for (i = 0; i < FM_SEGS; i++)
			t_fill(iov[i].iov_base, FM_SEG,
			       bad - FM_BIO + i * FM_SEG, 0xbad);
		n = pwritev(fd, iov, FM_SEGS, bad - FM_BIO);
		t_ret(n, FM_BIO, "write crossing the bad range at bio 2: "
		      "128 KiB");
		nfail++;
		t_errno2(pwrite(fd, mem, 4096, bad), EIO, ENODATA,
			 "write of 4 KiB at the first bad sector");
		nfail++;
		fm_read_expect(bad - FM_BIO, FM_BIO,
			       "after the failed writes");
		nfail++;
	}
	t_figure("faults_injected", fm_errors() - e0);
	t_ret(fm_errors() - e0, nfail, "errors counter rose by %llu", nfail);

	close(fd);
	close(bfd);
	return t_raw_finish(ctl, 1);
}
