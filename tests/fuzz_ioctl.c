// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_ioctl - random ioctls on /dev/raw/rawctl and on a bound rawN: the
 * real commands with random minors, majors and pointers, and random command
 * numbers.  Every call must return 0 or -1 with a sane errno, and where the
 * outcome is certain (a pointer that cannot be read or written, a minor out
 * of range, an unknown command, a query of the minor in use) exactly that.
 * Built for i386 too (fuzz_ioctl32), to go through compat_ioctl.
 *
 * usage: fuzz_ioctl [-n CASES] [-s SEED] BLOCKDEV
 * raw loaded with 256 minors, minor 1 unbound; BLOCKDEV (a scratch device,
 * at least 1 MiB) may be zeroed anywhere.  Other minors are bound at random
 * and left so: the caller unbinds them.
 */
#define _GNU_SOURCE
#include "lib/rawtest.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/raw.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/fs.h>

#define FZ_MINORS	256

static uint64_t fz_state;
static unsigned char *fz_mem;	/* [read-write page][read-only][none] */
static uint64_t fz_size;
static unsigned int fz_lbs;
static dev_t fz_dev;
static unsigned long fz_cases, fz_bad;

static uint64_t fz_below(uint64_t n)
{
	return n ? t_rand(&fz_state) % n : 0;
}

/* A pointer of a random kind; sets how much of it can be read/written. */
static void *fz_ptr(size_t size, int *readable, int *writable)
{
	uintptr_t base = (uintptr_t)fz_mem, p;

	switch (fz_below(6)) {
	case 0:
		*readable = *writable = 0;
		return NULL;
	case 1:		/* above user space, for 64 and 32-bit callers */
		*readable = *writable = 0;
		return (void *)(~(uintptr_t)0 - 4095 + (uintptr_t)fz_below(4000));
	case 2:		/* straddling into the read-only or the last page */
		p = base + 4096 * (1 + fz_below(2)) - fz_below(size);
		break;
	case 3:
		p = base + 4096 + fz_below(4096 - size);
		break;
	default:
		p = base + fz_below(4096 - size);
		break;
	}
	*readable = p + size <= base + 2 * 4096;
	*writable = p + size <= base + 4096;
	return (void *)p;
}

static void fz_fill_random(void)
{
	uint64_t *w = (uint64_t *)fz_mem;
	size_t i;

	for (i = 0; i < 4096 / 8; i++)
		w[i] = t_rand(&fz_state);
}

/* Report a call whose outcome is wrong; count it. */
static void fz_fail(const char *what, unsigned long cmd, int ret, int err,
		    const char *want)
{
	if (fz_bad++ < 20)
		t_ok(0, "case %lu: %s cmd %#lx returned %d (%s), expected %s",
		     fz_cases, what, cmd, ret, ret < 0 ? strerror(err) : "-",
		     want);
}

static int fz_sane(int err)
{
	switch (err) {
	case EINVAL: case EFAULT: case ENOTTY: case ENXIO: case ENODEV:
	case EBUSY: case EPERM: case EACCES: case EBADF: case EOPNOTSUPP:
	case ENOSPC: case EFBIG: case ENOENT: case ENOMEM: case EROFS:
		return 1;
	}
	return 0;
}

/* Check @ret: @want_errno 0 means success, -1 anything sane. */
static void fz_expect(const char *what, unsigned long cmd, int ret,
		      int want_errno)
{
	int err = errno;
	char want[32];

	if (want_errno > 0 && !(ret == -1 && err == want_errno)) {
		snprintf(want, sizeof(want), "errno %d", want_errno);
		fz_fail(what, cmd, ret, err, want);
	} else if (want_errno == 0 && ret != 0) {
		fz_fail(what, cmd, ret, err, "success");
	} else if (want_errno < 0 && ret != 0 && !(ret == -1 && fz_sane(err))) {
		fz_fail(what, cmd, ret, err, "0 or a sane errno");
	}
}

/* A random command outside what the VFS answers for every file. */
static unsigned long fz_random_cmd(void)
{
	for (;;) {
		unsigned long cmd = (uint32_t)t_rand(&fz_state);
		unsigned int type = (cmd >> 8) & 0xff;

		if (type == 'T' || type == 'X' || type == 'f' || type == 0x94 ||
		    type == 0x12)
			continue;
		return cmd;
	}
}

static void fz_ctl(int ctl)
{
	struct raw_config_request *rq;
	int readable, writable, ret, minor;
	unsigned long cmd;

	if (fz_below(8) == 0) {
		cmd = fz_random_cmd();
		rq = fz_ptr(sizeof(*rq), &readable, &writable);
		ret = ioctl(ctl, cmd, rq);
		fz_expect("rawctl", cmd, ret, ENOTTY);
		return;
	}
	cmd = fz_below(2) ? RAW_SETBIND : RAW_GETBIND;
	rq = fz_ptr(sizeof(*rq), &readable, &writable);
	switch (fz_below(4)) {
	case 0:
		minor = (int)t_rand(&fz_state);
		break;
	case 1:
		minor = (int)fz_below(FZ_MINORS + 2) - 1;
		break;
	default:
		minor = 1 + fz_below(FZ_MINORS - 1);
		break;
	}
	if (writable) {
		rq->raw_minor = minor;
		switch (fz_below(4)) {
		case 0:
			rq->block_major = t_rand(&fz_state);
			rq->block_minor = t_rand(&fz_state);
			break;
		case 1:
			rq->block_major = 0;
			rq->block_minor = fz_below(2);
			break;
		case 2:
			rq->block_major = major(fz_dev);
			rq->block_minor = minor(fz_dev) + fz_below(2);
			break;
		default:
			rq->block_major = fz_below(300);
			rq->block_minor = fz_below(20);
			break;
		}
	}
	if (readable)
		minor = rq->raw_minor;	/* a read-only page holds zeros */
	ret = ioctl(ctl, cmd, rq);
	if (!readable) {
		fz_expect("rawctl", cmd, ret, EFAULT);
	} else if (minor < 1 || minor >= FZ_MINORS) {
		fz_expect("rawctl, minor out of range", cmd, ret, EINVAL);
	} else if (cmd == RAW_GETBIND) {
		fz_expect("rawctl GETBIND", cmd, ret, writable ? 0 : EFAULT);
		if (writable && ret == 0 && minor == 1 &&
		    (rq->block_major != major(fz_dev) ||
		     rq->block_minor != minor(fz_dev)))
			fz_fail("rawctl GETBIND of the minor in use", cmd, ret,
				0, "the device it is bound to");
	} else if (rq->block_major >= 4096 || rq->block_minor >= (1 << 20) ||
		   (!rq->block_major && rq->block_minor)) {
		/* no such dev_t: refused before the minor is looked at */
		fz_expect("rawctl SETBIND of a bad device number", cmd, ret,
			  EINVAL);
	} else if (minor == 1) {
		fz_expect("rawctl SETBIND of the open minor", cmd, ret, EBUSY);
	} else {
		fz_expect("rawctl SETBIND", cmd, ret, -1);
	}
}

static void fz_raw(int fd)
{
	static const unsigned long get4[] = {
		BLKSSZGET, BLKPBSZGET, BLKBSZGET, BLKIOMIN, BLKIOOPT,
	};
	int readable, writable, ret;
	unsigned long cmd;
	void *p;

	switch (fz_below(6)) {
	case 0:
		cmd = fz_random_cmd();
		p = fz_ptr(8, &readable, &writable);
		ret = ioctl(fd, cmd, p);
		fz_expect("rawN", cmd, ret, ENOTTY);
		return;
	case 1:
		cmd = BLKGETSIZE64;
		p = fz_ptr(8, &readable, &writable);
		ret = ioctl(fd, cmd, p);
		fz_expect("rawN", cmd, ret, writable ? 0 : EFAULT);
		if (writable && ret == 0 && *(uint64_t *)p != fz_size)
			fz_fail("rawN BLKGETSIZE64 value", cmd, ret, 0,
				"the device size");
		return;
	case 2:
		cmd = BLKGETSIZE;
		p = fz_ptr(sizeof(long), &readable, &writable);
		ret = ioctl(fd, cmd, p);
		fz_expect("rawN", cmd, ret, writable ? 0 : EFAULT);
		if (writable && ret == 0 && *(unsigned long *)p != fz_size >> 9)
			fz_fail("rawN BLKGETSIZE value", cmd, ret, 0,
				"the size in sectors");
		return;
	case 3:
		cmd = get4[fz_below(5)];
		p = fz_ptr(4, &readable, &writable);
		ret = ioctl(fd, cmd, p);
		fz_expect("rawN", cmd, ret, writable ? 0 : EFAULT);
		if (writable && ret == 0 && cmd == BLKSSZGET &&
		    *(unsigned int *)p != fz_lbs)
			fz_fail("rawN BLKSSZGET value", cmd, ret, 0,
				"the logical block size");
		return;
	case 4:
		cmd = fz_below(2) ? BLKDISCARD : BLKZEROOUT;
		p = fz_ptr(16, &readable, &writable);
		if (writable && fz_below(2)) {
			uint64_t *r = p;

			/* a small range, often valid */
			r[0] = fz_below(fz_size / 512 + 4) * 512 +
			       (fz_below(4) ? 0 : fz_below(512));
			r[1] = fz_below(128) * 512;
		}
		ret = ioctl(fd, cmd, p);
		/*
		 * 6.1's block layer (and raw with it) refuses a discard
		 * without discard support before reading the range.
		 */
		if (!readable && cmd == BLKDISCARD && ret == -1 &&
		    errno == EOPNOTSUPP)
			return;
		fz_expect("rawN erase", cmd, ret, readable ? -1 : EFAULT);
		return;
	default:
		cmd = fz_below(2) ? BLKFLSBUF : RAW_SETBIND;
		ret = ioctl(fd, cmd, NULL);
		fz_expect("rawN", cmd, ret, cmd == BLKFLSBUF ? 0 : ENOTTY);
		return;
	}
}

int main(int argc, char **argv)
{
	unsigned long n = 2000, i;
	const char *bdev;
	int ctl, fd, bfd;
	uint64_t seed0;

	fz_state = 0x5eed;
	bdev = t_fuzz_args(argc, argv, &n, &fz_state);
	seed0 = fz_state;
	bfd = t_bdev_open(bdev, O_RDONLY, &fz_size, &fz_lbs);
	close(bfd);
	fz_dev = t_rdev(bdev);
	fz_mem = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fz_mem == MAP_FAILED ||
	    mprotect(fz_mem + 4096, 4096, PROT_READ) ||
	    mprotect(fz_mem + 2 * 4096, 4096, PROT_NONE))
		t_fatal("map the pointer pages");

	fd = t_raw_bind_open(&ctl, 1, bdev, O_RDWR);
	for (i = 0; i < n; i++) {
		fz_cases = i;
		fz_fill_random();
		if (fz_below(2))
			fz_ctl(ctl);
		else
			fz_raw(fd);
	}
	t_note("%lu ioctl cases (%zu-bit caller, seed %#" PRIx64 "), "
	       "%lu wrong", n, sizeof(long) * 8, seed0, fz_bad);
	t_figure("cases_run", n);
	t_ok(fz_bad == 0, "every ioctl returned a sane result");
	close(fd);
	return t_raw_finish(ctl, 1);
}
