// SPDX-License-Identifier: GPL-2.0
/*
 * semantics - I/O semantics of rawN: alignment of offset, length, buffer and
 * iovec segments (EINVAL), the end of the device (0, short, ENOSPC),
 * zero-length requests, O_DSYNC/O_SYNC, fsync/fdatasync and lseek.
 *
 * usage: sem BLOCKDEV
 * raw must be loaded with nothing bound; BLOCKDEV's data is overwritten.
 */
#define _GNU_SOURCE
#include "lib/rawtest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

static unsigned int lbs;
static uint64_t dev_size;
static int bfd;		/* the block device, O_DIRECT */

/* Offset, length and buffer misalignments all give EINVAL. */
static void test_alignment(int fd)
{
	const size_t bad_len[] = { 1, lbs / 2, lbs - 1, lbs + 1,
				   lbs + lbs / 2 };
	const size_t bad_shift[] = { 1, 4, lbs / 2, lbs - 8 };
	const off_t bad_off[] = { 1, lbs / 2, lbs + lbs / 2, 8 * lbs - 1 };
	const off_t at = 4 * lbs;
	unsigned char *mem = t_alloc(16384 + 4 * lbs, 4096);
	unsigned char *chk = t_alloc(2 * lbs, 4096);
	size_t i;

	/* what is on the device at @at must survive the refused writes */
	t_fill(mem, 2 * lbs, at, 0xa1);
	t_pwrite_all(bfd, mem, 2 * lbs, at);

	for (i = 0; i < sizeof(bad_off) / sizeof(bad_off[0]); i++) {
		t_errno(pread(fd, mem, lbs, bad_off[i]), EINVAL,
			"read of %u bytes at unaligned offset %lld", lbs,
			(long long)bad_off[i]);
		t_errno(pwrite(fd, mem, lbs, bad_off[i]), EINVAL,
			"write of %u bytes at unaligned offset %lld", lbs,
			(long long)bad_off[i]);
	}
	for (i = 0; i < sizeof(bad_len) / sizeof(bad_len[0]); i++) {
		t_errno(pread(fd, mem, bad_len[i], at), EINVAL,
			"read of unaligned length %zu", bad_len[i]);
		t_errno(pwrite(fd, mem, bad_len[i], at), EINVAL,
			"write of unaligned length %zu", bad_len[i]);
	}
	for (i = 0; i < sizeof(bad_shift) / sizeof(bad_shift[0]); i++) {
		t_errno(pread(fd, mem + bad_shift[i], lbs, at), EINVAL,
			"read into a buffer at page+%zu", bad_shift[i]);
		t_errno(pwrite(fd, mem + bad_shift[i], lbs, at), EINVAL,
			"write from a buffer at page+%zu", bad_shift[i]);
	}
	t_pread_all(bfd, chk, 2 * lbs, at);
	t_ok(t_check(chk, 2 * lbs, at, 0xa1),
	     "refused writes left the device unchanged");

	/* lbs-aligned but not page-aligned buffers are fine */
	if (lbs < 4096) {
		t_fill(mem + lbs, 2 * lbs, at, 0xa2);
		t_ret(pwrite(fd, mem + lbs, 2 * lbs, at), 2 * lbs,
		      "write from a buffer at page+%u", lbs);
		memset(mem, 0, 4 * lbs);
		t_ret(pread(fd, mem + 3 * lbs, 2 * lbs, at), 2 * lbs,
		      "read into a buffer at page+%u", 3 * lbs);
		t_ok(t_check(mem + 3 * lbs, 2 * lbs, at, 0xa2),
		     "sub-page buffers carry the data");
	}
	free(chk);
	free(mem);
}

static void test_iovec_alignment(int fd)
{
	unsigned char *a = t_alloc(4 * lbs, 4096), *b = t_alloc(4 * lbs, 4096);
	const off_t at = 8 * lbs;
	struct iovec iov[3];

	iov[0] = (struct iovec){ a, lbs / 2 };
	iov[1] = (struct iovec){ b, lbs / 2 };
	if (lseek(fd, at, SEEK_SET) != at)
		t_fatal("lseek");
	t_errno(readv(fd, iov, 2), EINVAL,
		"readv of two half-block segments (aligned total)");
	t_errno(writev(fd, iov, 2), EINVAL,
		"writev of two half-block segments (aligned total)");

	iov[0] = (struct iovec){ a, lbs };
	iov[1] = (struct iovec){ b + 8, lbs };
	t_errno(readv(fd, iov, 2), EINVAL,
		"readv with a misaligned second segment address");
	t_errno(writev(fd, iov, 2), EINVAL,
		"writev with a misaligned second segment address");

	iov[1] = (struct iovec){ b, lbs + 512 };
	iov[2] = (struct iovec){ a + 2 * lbs, lbs - 512 };
	if (lbs > 512) {
		t_errno(readv(fd, iov, 3), EINVAL,
			"readv with a 512-byte-multiple segment on a %u device",
			lbs);
	}
	t_ok(lseek(fd, 0, SEEK_CUR) == at,
	     "refused vector I/O leaves the file position alone");

	iov[0] = (struct iovec){ a + 3 * lbs, lbs };
	iov[1] = (struct iovec){ b, 2 * lbs };
	t_fill(a + 3 * lbs, lbs, at, 0xb1);
	t_fill(b, 2 * lbs, at + lbs, 0xb1);
	t_ret(writev(fd, iov, 2), 3 * lbs, "writev of aligned segments");
	memset(a, 0, 4 * lbs);
	t_pread_all(bfd, a, 3 * lbs, at);
	t_ok(t_check(a, 3 * lbs, at, 0xb1), "aligned writev landed");
	free(a);
	free(b);
}

static void test_end_of_device(int fd)
{
	unsigned char *buf = t_alloc(4 * lbs, 4096);
	const off_t last = dev_size - lbs;

	t_ret(pread(fd, buf, lbs, dev_size), 0, "read at the end returns 0");
	t_ret(pread(fd, buf, lbs, dev_size + lbs), 0,
	      "read past the end returns 0");
	t_ret(pread(fd, buf, lbs, 1ULL << 50), 0,
	      "read far past the end returns 0");
	t_errno(pwrite(fd, buf, lbs, dev_size), ENOSPC,
		"write at the end");
	t_errno(pwrite(fd, buf, lbs, dev_size + 2 * lbs), ENOSPC,
		"write past the end");
	t_errno(pwrite(fd, buf, lbs, 1ULL << 50), ENOSPC,
		"write far past the end");

	t_fill(buf, lbs, last, 0xc1);
	t_pwrite_all(bfd, buf, lbs, last);
	memset(buf, 0, 4 * lbs);
	t_ret(pread(fd, buf, 4 * lbs, last), lbs,
	      "read across the end is short (one block)");
	t_ok(t_check(buf, lbs, last, 0xc1), "short read carries the last block");

	t_fill(buf, 3 * lbs, last, 0xc2);
	t_ret(pwrite(fd, buf, 3 * lbs, last), lbs,
	      "write across the end is short (one block)");
	memset(buf, 0, 4 * lbs);
	t_pread_all(bfd, buf, lbs, last);
	t_ok(t_check(buf, lbs, last, 0xc2), "short write landed in the last block");

	t_ret(pread(fd, buf, 0, 0), 0, "zero-length read returns 0");
	t_ret(pwrite(fd, buf, 0, 0), 0, "zero-length write returns 0");
	t_ret(pread(fd, buf, 0, lbs), 0, "zero-length read at a block returns 0");
	free(buf);
}

static void test_sync(const char *raw_path, int fd)
{
	static const struct { int flag; const char *name; } modes[] = {
		{ O_DSYNC, "O_DSYNC" }, { O_SYNC, "O_SYNC" },
	};
	unsigned char *buf = t_alloc(8 * lbs, 4096);
	off_t at = 16 * lbs;
	size_t i;

	for (i = 0; i < 2; i++, at += 8 * lbs) {
		int sfd = open(raw_path, O_RDWR | modes[i].flag);

		if (!t_ok(sfd >= 0, "open raw %s", modes[i].name))
			continue;
		t_fill(buf, 8 * lbs, at, 0xd0 + i);
		t_ret(pwrite(sfd, buf, 8 * lbs, at), 8 * lbs,
		      "%s write", modes[i].name);
		memset(buf, 0, 8 * lbs);
		t_pread_all(bfd, buf, 8 * lbs, at);
		t_ok(t_check(buf, 8 * lbs, at, 0xd0 + i),
		     "%s write landed", modes[i].name);
		close(sfd);
	}
	t_ret(fsync(fd), 0, "fsync");
	t_ret(fdatasync(fd), 0, "fdatasync");
	free(buf);
}

static void test_lseek(int fd)
{
	unsigned char *buf = t_alloc(2 * lbs, 4096);

	t_ret(lseek(fd, 0, SEEK_END), dev_size, "SEEK_END is the device size");
	t_ret(lseek(fd, -(off_t)lbs, SEEK_END), dev_size - lbs,
	      "SEEK_END - one block");
	t_ret(lseek(fd, 3 * lbs, SEEK_SET), 3 * lbs, "SEEK_SET");
	t_ret(lseek(fd, lbs, SEEK_CUR), 4 * lbs, "SEEK_CUR forward");
	t_ret(lseek(fd, -(off_t)(2 * lbs), SEEK_CUR), 2 * lbs,
	      "SEEK_CUR backward");
	t_errno(lseek(fd, -(off_t)(3 * lbs), SEEK_CUR), EINVAL,
		"SEEK_CUR before the start");

	t_fill(buf, 2 * lbs, 2 * lbs, 0xe1);
	t_pwrite_all(bfd, buf, 2 * lbs, 2 * lbs);
	memset(buf, 0, 2 * lbs);
	t_ret(read(fd, buf, lbs), lbs, "read at the file position");
	t_ok(t_check(buf, lbs, 2 * lbs, 0xe1), "read used the file position");
	t_ret(lseek(fd, 0, SEEK_CUR), 3 * lbs, "read advanced the position");
	t_fill(buf, lbs, 3 * lbs, 0xe2);
	t_ret(write(fd, buf, lbs), lbs, "write at the file position");
	t_ret(lseek(fd, 0, SEEK_CUR), 4 * lbs, "write advanced the position");
	t_pread_all(bfd, buf, lbs, 3 * lbs);
	t_ok(t_check(buf, lbs, 3 * lbs, 0xe2), "write used the file position");
	t_ret(pread(fd, buf, lbs, 0), lbs, "pread");
	t_ret(lseek(fd, 0, SEEK_CUR), 4 * lbs, "pread left the position alone");

	t_ret(lseek(fd, -(off_t)lbs, SEEK_END), dev_size - lbs,
	      "SEEK_END to the last block");
	t_ret(read(fd, buf, 2 * lbs), lbs, "read of the last block is short");
	t_ret(lseek(fd, 0, SEEK_CUR), dev_size, "position is at the end");
	t_ret(read(fd, buf, lbs), 0, "read at the end returns 0");
	t_errno(write(fd, buf, lbs), ENOSPC, "write at the end");
	free(buf);
}

/* @n, from a call of @len bytes over a valid page then a PROT_NONE one */
static void check_efault_or_short(ssize_t n, size_t len, const char *dir)
{
	t_ok((n == -1 && errno == EFAULT) ||
	     (n > 0 && n < (ssize_t)len && n % lbs == 0),
	     "%s a valid then a PROT_NONE page: EFAULT or short "
	     "(got %zd%s%s)", dir, n, n < 0 ? ", " : "",
	     n < 0 ? strerror(errno) : "");
}

/*
 * Buffers the kernel may not fill or read give EFAULT (the runner checks
 * afterwards that no page stays pinned).
 */
static void test_bad_buffers(int fd)
{
	const size_t pg = 4096;
	unsigned char *m = t_map(4 * pg);

	/* pages: 0 read-only, 1 PROT_NONE, 2 writable, 3 PROT_NONE */
	if (mprotect(m, pg, PROT_READ) || mprotect(m + pg, pg, PROT_NONE) ||
	    mprotect(m + 3 * pg, pg, PROT_NONE))
		t_fatal("mprotect");
	t_errno(pread(fd, m, pg, 0), EFAULT, "read into read-only memory");
	t_errno(pread(fd, m + pg, pg, 0), EFAULT, "read into PROT_NONE memory");
	t_errno(pwrite(fd, m + pg, pg, 0), EFAULT,
		"write from PROT_NONE memory");
	t_errno(pread(fd, (void *)(uintptr_t)pg, pg, 0), EFAULT,
		"read into unmapped memory");

	/* a valid page followed by a PROT_NONE one: EFAULT or short */
	check_efault_or_short(pread(fd, m + 2 * pg, 2 * pg, 0), 2 * pg,
			      "read into");
	check_efault_or_short(pwrite(fd, m + 2 * pg, 2 * pg, 0), 2 * pg,
			      "write from");
	t_ret(pread(fd, m + 2 * pg, pg, 0), pg, "read into the valid page");
	t_unmap(m, 4 * pg);
}

int main(int argc, char **argv)
{
	int ctl, fd;

	if (argc != 2)
		t_usage(argv[0], "BLOCKDEV");
	bfd = t_bdev_open(argv[1], O_RDWR | O_DIRECT, &dev_size, &lbs);
	t_note("%s: %llu bytes, logical block %u", argv[1],
	       (unsigned long long)dev_size, lbs);

	fd = t_raw_bind_open(&ctl, 1, argv[1], O_RDWR);
	test_alignment(fd);
	test_iovec_alignment(fd);
	test_end_of_device(fd);
	test_sync(t_raw_path(1), fd);
	test_lseek(fd);
	test_bad_buffers(fd);
	close(fd);
	close(bfd);
	return t_raw_finish(ctl, 1);
}
