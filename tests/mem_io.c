// SPDX-License-Identifier: GPL-2.0
/*
 * mem_io - rawN I/O on freshly mapped buffers, for memory pressure: each
 * round maps a new source, fills it with a pattern, writes it through
 * rawN, unmaps it, maps a new untouched destination (so pinning it for the
 * read faults every page in, under whatever reclaim and compaction is
 * going on), reads the data back and checks it.  Buffers alternate
 * between THP (MADV_HUGEPAGE, 2 MiB aligned), small pages, an offset of
 * 512 into the first page and a three-segment iovec.
 *
 * usage: mem_io [-s SECONDS] [-j THREADS] [-m MAX_KIB] BLOCKDEV
 * BLOCKDEV: 512-byte blocks, overwritten in its first THREADS x 64 MiB
 * (or all of it, split between the threads).  raw loaded, minor 1
 * unbound.  Prints "# figure: bytes_verified N".
 */
#define _GNU_SOURCE
#include "lib/rawtest.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#define MB		(1UL << 20)
#define MI_THREADS	8

static int mi_fd;
static unsigned int mi_seconds = 10;
static size_t mi_max = 4 * MB, mi_region;
static double mi_t0;
static atomic_ullong mi_verified, mi_rounds, mi_bad, mi_thp_rounds;

/*
 * A fresh anonymous mapping holding @len bytes at offset @shift: 2 MiB
 * aligned and MADV_HUGEPAGE for @thp, MADV_NOHUGEPAGE otherwise.  The
 * whole mapping goes back through *@map and *@maplen.
 */
static unsigned char *mi_buffer(size_t len, size_t shift, int thp,
				void **map, size_t *maplen)
{
	size_t ml = ((len + shift + 2 * MB - 1) & ~(2 * MB - 1)) + 2 * MB;
	unsigned char *p = mmap(NULL, ml, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *a;

	if (p == MAP_FAILED)
		t_fatal("mmap %zu bytes", ml);
	a = (unsigned char *)(((uintptr_t)p + 2 * MB - 1) & ~(2 * MB - 1));
	if (madvise(a, ml - (a - p), thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
		t_fatal("madvise");
	*map = p;
	*maplen = ml;
	return a + shift;
}

/* I/O of @len bytes at @off, as one buffer or three iovec segments. */
static ssize_t mi_io(int write, unsigned char *buf, size_t len, off_t off,
		     int vec)
{
	struct iovec iov[3];
	size_t a = len / 4 & ~511UL, b = len / 2 & ~511UL;

	if (!vec || !a)
		return write ? pwrite(mi_fd, buf, len, off) :
			pread(mi_fd, buf, len, off);
	iov[0] = (struct iovec){ buf, a };
	iov[1] = (struct iovec){ buf + a, b };
	iov[2] = (struct iovec){ buf + a + b, len - a - b };
	return write ? pwritev(mi_fd, iov, 3, off) : preadv(mi_fd, iov, 3, off);
}

static void *mi_thread(void *arg)
{
	long id = (long)arg;
	uint64_t seed = 0x9e3779b97f4a7c15ULL * (id + 1), round;
	off_t base = (off_t)id * mi_region;

	for (round = 0; t_now_ms() - mi_t0 < mi_seconds * 1000.0; round++) {
		int kind = round % 4, thp = kind == 0;
		size_t len = (t_rand(&seed) % (mi_max / 512) + 1) * 512;
		size_t shift = kind == 2 ? 512 : 0, maplen;
		off_t off = (off_t)(t_rand(&seed) %
				    ((mi_region - len) / 512 + 1)) * 512;
		uint64_t pat = ((uint64_t)id << 32) | round;
		unsigned char *buf;
		void *map;
		ssize_t n;

		off += base;
		buf = mi_buffer(len, shift, thp, &map, &maplen);
		t_fill(buf, len, off, pat);
		n = mi_io(1, buf, len, off, kind == 3);
		munmap(map, maplen);
		if (n != (ssize_t)len) {
			t_ok(0, "thread %ld round %llu: write %zu at %lld: %zd",
			     id, (unsigned long long)round, len,
			     (long long)off, n);
			atomic_fetch_add(&mi_bad, 1);
			break;
		}
		/* untouched: the pin faults each page in */
		buf = mi_buffer(len, shift, thp, &map, &maplen);
		n = mi_io(0, buf, len, off, kind == 3);
		if (n != (ssize_t)len || !t_check(buf, len, off, pat)) {
			t_ok(0, "thread %ld round %llu: read back %zu at %lld: "
			     "%zd", id, (unsigned long long)round, len,
			     (long long)off, n);
			atomic_fetch_add(&mi_bad, 1);
			munmap(map, maplen);
			break;
		}
		munmap(map, maplen);
		atomic_fetch_add(&mi_verified, len);
		atomic_fetch_add(&mi_rounds, 1);
		if (thp)
			atomic_fetch_add(&mi_thp_rounds, 1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[MI_THREADS];
	long threads = 2, i;
	long long pins;
	unsigned int lbs;
	uint64_t size;
	int ctl, bfd, opt;

	while ((opt = getopt(argc, argv, "s:j:m:")) != -1) {
		switch (opt) {
		case 's':
			mi_seconds = t_num(optarg);
			break;
		case 'j':
			threads = t_num(optarg);
			break;
		case 'm':
			mi_max = t_num(optarg) * 1024;
			break;
		default:
			optind = argc + 1;
		}
	}
	if (optind != argc - 1 || threads < 1 || threads > MI_THREADS ||
	    mi_max < 512 || mi_max % 512)
		t_usage(argv[0],
			"[-s SECONDS] [-j THREADS 1-%d] [-m MAX_KIB] BLOCKDEV",
			MI_THREADS);
	bfd = t_bdev_open(argv[optind], O_RDONLY, &size, &lbs);
	close(bfd);
	if (lbs != 512)
		t_fatal("%s: needs 512-byte blocks", argv[optind]);
	mi_region = size / threads;
	if (mi_region > 64 * MB)
		mi_region = 64 * MB;
	mi_region &= ~(MB - 1);
	if (mi_region < mi_max)
		t_fatal("%s: too small for %ld x %zu bytes", argv[optind],
			threads, mi_max);

	mi_fd = t_raw_bind_open(&ctl, 1, argv[optind], O_RDWR);
	pins = t_pins_held();

	mi_t0 = t_now_ms();
	for (i = 0; i < threads; i++)
		pthread_create(&th[i], NULL, mi_thread, (void *)i);
	for (i = 0; i < threads; i++)
		pthread_join(th[i], NULL);

	t_note("mem_io: %ld threads, %u s: %llu rounds (%llu THP), "
	       "%llu bytes verified", threads, mi_seconds,
	       atomic_load(&mi_rounds), atomic_load(&mi_thp_rounds),
	       atomic_load(&mi_verified));
	t_figure("bytes_verified", atomic_load(&mi_verified));
	t_ok(atomic_load(&mi_rounds) > 0 && atomic_load(&mi_bad) == 0,
	     "every round's data came back through raw1 intact");
	close(mi_fd);
	t_check_pins(pins, "fresh-buffer I/O");
	return t_raw_finish(ctl, 1);
}
