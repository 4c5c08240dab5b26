// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_req - random read and write requests on rawN: random offsets (past
 * the end, unaligned, negative), lengths (zero, unaligned, far over the
 * buffer), iovec counts up to and beyond IOV_MAX, NULL, unaligned, kernel,
 * read-only and unmapped pointers, mixed with valid requests whose data is
 * checked against a shadow of what was written where.  Every call must give
 * the result the rules of raw and of the VFS before it predict; where a bad
 * pointer is met partway, EFAULT or a short count of whole blocks no longer
 * than the good bytes before it.
 *
 * usage: fuzz_req [-n CASES] [-s SEED] BLOCKDEV
 * BLOCKDEV: 512-byte blocks, at most 64 MiB, overwritten.  raw loaded,
 * minor 1 unbound.
 */
#define _GNU_SOURCE
#include "lib/rawtest.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#define FR_ARENA	(8 << 20)
#define FR_IOV_MAX	1024
#define FR_MAX_RW	0x7ffff000L	/* MAX_RW_COUNT: INT_MAX & PAGE_MASK */
#define FR_USER_MAX	((1ULL << 47) - 4096)	/* x86-64 TASK_SIZE_MAX */

enum fr_kind { FR_OK, FR_NULL, FR_GUARD, FR_KERNEL, FR_RO };

struct fr_seg {
	enum fr_kind kind;
	uintptr_t base;
	size_t len;
};

static uint64_t fr_state;
static unsigned char *fr_arena, *fr_ro;	/* [arena][guard][ro][guard] */
static uint32_t *fr_shadow;		/* pattern seed per sector, 0: unknown */
static uint64_t fr_size;
static int fd;
static unsigned long fr_case, fr_bad, fr_valid, fr_verified;
static struct fr_seg segs[FR_IOV_MAX + 8];
static struct iovec iov[FR_IOV_MAX + 8];

static uint64_t fr_below(uint64_t n)
{
	return n ? t_rand(&fr_state) % n : 0;
}

static void fr_fail(const char *fmt, ...) T_FMT(1, 2);
static void fr_fail(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (fr_bad++ < 20)
		t_ok(0, "case %lu: %s", fr_case, msg);
}

/* Bytes of @s (of which @used are in the request) that can be accessed. */
static size_t fr_good_bytes(const struct fr_seg *s, size_t used, int is_read)
{
	uintptr_t end;

	switch (s->kind) {
	case FR_OK:
		end = (uintptr_t)fr_arena + FR_ARENA;
		break;
	case FR_RO:
		if (is_read)
			return 0;
		end = (uintptr_t)fr_ro + 4096;
		break;
	default:
		return 0;
	}
	return s->base >= end ? 0 : (used < end - s->base ? used :
					      end - s->base);
}

/* Fill the shadow's pattern into a valid write's segments. */
static void fr_fill_write(int nseg, off_t off, uint32_t seed)
{
	int i;

	for (i = 0; i < nseg; i++) {
		t_fill((void *)segs[i].base, segs[i].len, off, seed);
		off += segs[i].len;
	}
}

/* Mark [@off, @off + @len) as holding @seed (0: unknown). */
static void fr_shadow_set(off_t off, size_t len, uint32_t seed)
{
	uint64_t s, e = (off + len + 511) / 512;

	if (e > fr_size / 512)
		e = fr_size / 512;
	for (s = off / 512; s < e; s++)
		fr_shadow[s] = seed;
}

static int fr_verify(int nseg, off_t off, size_t n)
{
	unsigned char want[512];
	int i;

	for (i = 0; i < nseg && n; i++) {
		size_t j, len = segs[i].len < n ? segs[i].len : n;

		for (j = 0; j < len; j += 512) {
			uint32_t seed = fr_shadow[(off + j) / 512];

			if (!seed)
				continue;
			t_fill(want, 512, off + j, seed);
			if (memcmp((void *)(segs[i].base + j), want, 512)) {
				fr_fail("read data at device offset %lld is "
					"not what was written (seed %u)",
					(long long)(off + j), seed);
				return 0;
			}
		}
		off += len;
		n -= len;
	}
	return 1;
}

/* A valid request: aligned segments laid out in the arena without overlap. */
static int fr_make_valid(int *nseg)
{
	uintptr_t p = (uintptr_t)fr_arena;
	size_t total = 0;
	int i, n;

	if (fr_below(20) == 0)
		n = FR_IOV_MAX - fr_below(4);
	else
		n = 1 + fr_below(fr_below(4) ? 8 : 64);
	for (i = 0; i < n; i++) {
		size_t len = n > 64 ? 512 : 512 * (1 + fr_below(32));

		p += 512 * fr_below(9);
		segs[i] = (struct fr_seg){ FR_OK, p, len };
		p += len;
		total += len;
	}
	*nseg = n;
	return (int)total;
}

static uintptr_t fr_fuzz_seg(struct fr_seg *s, int last)
{
	size_t lens[] = { 0, 512, 4096, 1 + fr_below(8192),
			  512 * (1 + fr_below(256)) };

	s->len = lens[fr_below(5)];
	switch (fr_below(10)) {
	case 0:
		s->kind = FR_NULL;
		s->base = 0;
		break;
	case 1:
		s->kind = FR_GUARD;
		s->base = (uintptr_t)fr_arena + FR_ARENA + fr_below(4096);
		break;
	case 2:
		s->kind = FR_KERNEL;
		s->base = 0xffff888000000000ULL + 512 * fr_below(1 << 20);
		if (!s->len)
			s->len = 512;
		break;
	case 3:
		s->kind = FR_RO;
		s->base = (uintptr_t)fr_ro + 512 * fr_below(8);
		if (s->base + s->len > (uintptr_t)fr_ro + 4096)
			s->len = (uintptr_t)fr_ro + 4096 - s->base;
		break;
	default:
		s->kind = FR_OK;
		s->base = (uintptr_t)fr_arena + fr_below(FR_ARENA / 512) * 512;
		if (fr_below(4) == 0)
			s->base += fr_below(512);
		else if (fr_below(8) == 0)	/* near the guard page */
			s->base = (uintptr_t)fr_arena + FR_ARENA -
				  512 * fr_below(16);
		break;
	}
	if (last && s->kind == FR_OK && fr_below(8) == 0)
		s->len = 1ULL << 40;	/* far past the buffer */
	return s->base;
}

static void fr_one(void)
{
	int is_read = fr_below(2), vec = fr_below(3) != 0, valid, nseg, i;
	uint32_t seed = (uint32_t)fr_case + 2;
	size_t total = 0, count, good = 0, mask_bits = 0;
	int has_kernel = 0, beyond = 0;
	off_t off;
	ssize_t n;
	int err;

	valid = fr_below(5) < 3;
	if (valid) {
		fr_make_valid(&nseg);
		if (!vec) {
			nseg = 1;
		}
		off = 512 * fr_below(fr_size / 512 + 64);
	} else {
		nseg = vec ? (int)fr_below(fr_below(8) ? 16 : FR_IOV_MAX + 8) :
			     1;
		for (i = 0; i < nseg; i++)
			fr_fuzz_seg(&segs[i], i == nseg - 1);
		switch (fr_below(8)) {
		case 0:
			off = t_rand(&fr_state) >> 2;
			break;
		case 1:
			off = -512 * (off_t)(1 + fr_below(8));
			break;
		case 2:
			off = fr_below(fr_size + 65536);
			break;
		default:
			off = 512 * fr_below(fr_size / 512 + 64);
			break;
		}
	}

	/* what the VFS makes of the segments: MAX_RW_COUNT truncation */
	for (i = 0; i < nseg; i++) {
		size_t len = segs[i].len;

		if (len > (size_t)FR_MAX_RW - total)
			len = FR_MAX_RW - total;
		iov[i].iov_base = (void *)segs[i].base;
		iov[i].iov_len = segs[i].len;
		if (segs[i].len && segs[i].kind == FR_KERNEL)
			has_kernel = 1;
		if (segs[i].base + segs[i].len > FR_USER_MAX)
			beyond = 1;
		if (len)
			mask_bits |= segs[i].base | len;
		total += len;
	}
	if (valid && !is_read)
		fr_fill_write(nseg, off, seed);

	errno = 0;
	if (vec)
		n = is_read ? preadv(fd, iov, nseg, off) :
			      pwritev(fd, iov, nseg, off);
	else
		n = is_read ? pread(fd, iov[0].iov_base, iov[0].iov_len, off) :
			      pwrite(fd, iov[0].iov_base, iov[0].iov_len, off);
	err = errno;

	if (!is_read && !(valid && n > 0 && (size_t)n == total))
		fr_shadow_set(off < 0 ? 0 : off, n > 0 ? (size_t)n : total, 0);

	/* the expected outcome, in the order the kernel checks */
	if (nseg > FR_IOV_MAX || off < 0) {
		if (!(n == -1 && err == EINVAL))
			fr_fail("%s of %d segments at %lld: %zd (%s), expected "
				"EINVAL", is_read ? "read" : "write", nseg,
				(long long)off, n, strerror(err));
		return;
	}
	if (has_kernel) {
		if (!(n == -1 && err == EFAULT))
			fr_fail("%s from a kernel address: %zd (%s), expected "
				"EFAULT", is_read ? "read" : "write", n,
				strerror(err));
		return;
	}
	/*
	 * A length running past the end of user space: access_ok() on it
	 * fails before MAX_RW_COUNT truncates it, or after (6.12's single
	 * segment iovecs): EFAULT, or what the truncated request gives.
	 */
	if (beyond && n == -1 && err == EFAULT)
		return;
	if (!total) {
		if (n != 0)
			fr_fail("zero-length request: %zd (%s)", n,
				strerror(err));
		return;
	}
	if ((off | mask_bits) & 511) {
		if (!(n == -1 && err == EINVAL))
			fr_fail("unaligned request (off %lld): %zd (%s), "
				"expected EINVAL", (long long)off, n,
				strerror(err));
		return;
	}
	if ((uint64_t)off >= fr_size) {
		if (is_read ? n != 0 : !(n == -1 && err == ENOSPC))
			fr_fail("%s at %lld, past the end: %zd (%s)",
				is_read ? "read" : "write", (long long)off, n,
				strerror(err));
		return;
	}
	count = total < fr_size - off ? total : fr_size - off;
	for (i = 0; i < nseg && good < count; i++) {
		size_t used = count - good < segs[i].len ? count - good :
							    segs[i].len;
		size_t g = fr_good_bytes(&segs[i], used, is_read);

		good += g;
		if (g < used)
			break;
	}
	if (good == count) {
		if (n != (ssize_t)count) {
			fr_fail("%s of %zu bytes at %lld: %zd (%s)",
				is_read ? "read" : "write", count,
				(long long)off, n, strerror(err));
			return;
		}
	} else if (!((n == -1 && err == EFAULT) ||
		     (n > 0 && (size_t)n <= good && n % 512 == 0))) {
		fr_fail("%s of %zu bytes at %lld, %zu good: %zd (%s), expected "
			"EFAULT or a short count", is_read ? "read" : "write",
			count, (long long)off, good, n, strerror(err));
		return;
	}
	if (!valid || n <= 0)
		return;
	fr_valid++;
	if (is_read) {
		fr_verified += fr_verify(nseg, off, n);
	} else {
		fr_shadow_set(off, n, seed);
	}
}

int main(int argc, char **argv)
{
	unsigned long cases = 2000;
	unsigned char *init;
	const char *bdev;
	int ctl, bfd;
	uint64_t seed0;

	fr_state = 0x5eed;
	bdev = t_fuzz_args(argc, argv, &cases, &fr_state);
	seed0 = fr_state;
	bfd = t_bdev_open(bdev, O_RDWR | O_DIRECT, &fr_size, NULL);
	if (t_lbs(bfd) != 512 || fr_size > (64 << 20))
		t_fatal("%s: needs 512-byte blocks and at most 64 MiB", bdev);
	fr_arena = mmap(NULL, FR_ARENA + 3 * 4096, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fr_arena == MAP_FAILED)
		t_fatal("mmap arena");
	fr_ro = fr_arena + FR_ARENA + 4096;
	if (mprotect(fr_arena + FR_ARENA, 4096, PROT_NONE) ||
	    mprotect(fr_ro, 4096, PROT_READ) ||
	    mprotect(fr_ro + 4096, 4096, PROT_NONE))
		t_fatal("mprotect");
	fr_shadow = calloc(fr_size / 512, sizeof(*fr_shadow));
	init = t_alloc(fr_size, 4096);
	t_fill(init, fr_size, 0, 1);
	t_pwrite_all(bfd, init, fr_size, 0);
	free(init);
	fr_shadow_set(0, fr_size, 1);
	close(bfd);

	fd = t_raw_bind_open(&ctl, 1, bdev, O_RDWR);
	for (fr_case = 0; fr_case < cases; fr_case++)
		fr_one();
	t_note("%lu request cases (seed %#" PRIx64 "): %lu valid, %lu reads "
	       "verified, %lu wrong", cases, seed0, fr_valid, fr_verified,
	       fr_bad);
	t_figure("cases_run", cases);
	t_ok(fr_bad == 0, "every request returned a sane result");
	close(fd);
	return t_raw_finish(ctl, 1);
}
