// SPDX-License-Identifier: GPL-2.0
/*
 * fork_io - fork() while direct I/O on private anonymous buffers is in
 * flight: the copy-on-write hazard that broke 2.4's raw driver.
 *
 * Reader threads read half a page at a time into private anonymous pages
 * while a toucher thread keeps writing the other half of the same pages and
 * the main thread forks over and over; each child scribbles over every
 * buffer and exits.  With plain page references (FOLL_GET) a fork shares
 * the page being read into, the toucher's next store gives the parent a
 * fresh copy, and the device's data lands in the page the parent no longer
 * maps.  With FOLL_PIN the fork copies a pinned page for the child at once
 * and the parent keeps the one under I/O.  A writer thread does the same
 * from its own pages and checks each write by reading it back.
 *
 * usage: fork_io [--odirect] [--seconds N] BLOCKDEV
 * Default: through /dev/raw/raw1 (bound here; raw loaded, minor 1 unbound),
 * and every corrupted read or write fails.  --odirect: the block device
 * itself with O_DIRECT; the result is only reported, not asserted.
 * BLOCKDEV's first 2 MiB are overwritten.
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
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FI_READERS	2
#define FI_PAGES	8		/* pages per I/O thread */
#define FI_RREGION	(1 << 20)	/* readers read [0, 1 MiB) */
#define FI_WREGION	(1 << 20)	/* the writer writes [1 MiB, 2 MiB) */

static int fi_fd;
static size_t fi_half;			/* bytes of I/O per page */
static unsigned char *fi_pages;		/* (FI_READERS + 1) * FI_PAGES pages */
static size_t fi_len;
static atomic_int fi_stop;
static atomic_long fi_reads, fi_writes, fi_bad_reads, fi_bad_writes;
static atomic_long fi_errors;

static void *fi_reader(void *arg)
{
	long id = (long)arg;
	unsigned char *base = fi_pages + id * FI_PAGES * 4096;
	unsigned char *want = t_alloc(fi_half, 4096);
	uint64_t seed = 0x1234 + id;
	unsigned long i;

	for (i = 0; !atomic_load(&fi_stop); i++) {
		unsigned char *buf = base + (i % FI_PAGES) * 4096;
		off_t off = (t_rand(&seed) % (FI_RREGION / fi_half)) * fi_half;
		ssize_t n;

		memset(buf, 0, fi_half);
		n = pread(fi_fd, buf, fi_half, off);
		if (n != (ssize_t)fi_half) {
			atomic_fetch_add(&fi_errors, 1);
			continue;
		}
		t_fill(want, fi_half, off, 0xf0c);
		if (memcmp(buf, want, fi_half) &&
		    atomic_fetch_add(&fi_bad_reads, 1) == 0)
			t_check(buf, fi_half, off, 0xf0c);
		atomic_fetch_add(&fi_reads, 1);
	}
	free(want);
	return NULL;
}

static void *fi_writer(void *arg)
{
	unsigned char *base = fi_pages + FI_READERS * FI_PAGES * 4096;
	unsigned char *back = t_alloc(fi_half, 4096);
	unsigned long i;

	(void)arg;
	for (i = 0; !atomic_load(&fi_stop); i++) {
		unsigned char *buf = base + (i % FI_PAGES) * 4096;
		off_t off = FI_RREGION + (i % (FI_WREGION / fi_half)) * fi_half;

		t_fill(buf, fi_half, off, i);
		if (pwrite(fi_fd, buf, fi_half, off) != (ssize_t)fi_half ||
		    pread(fi_fd, back, fi_half, off) != (ssize_t)fi_half) {
			atomic_fetch_add(&fi_errors, 1);
			continue;
		}
		for (size_t j = 0; j < fi_half / 8; j++) {
			uint64_t w;

			/* compare with the pattern, not with @buf: children
			 * and the toucher never change the parent's copy */
			t_fill(&w, 8, off + j * 8, i);
			if (memcmp(back + j * 8, &w, 8)) {
				atomic_fetch_add(&fi_bad_writes, 1);
				break;
			}
		}
		atomic_fetch_add(&fi_writes, 1);
	}
	free(back);
	return NULL;
}

/* Stores into the halves of the I/O pages that no I/O uses. */
static void *fi_toucher(void *arg)
{
	volatile unsigned char *p = fi_pages;
	unsigned long i = 0;

	(void)arg;
	while (!atomic_load(&fi_stop)) {
		size_t pg;

		for (pg = 0; pg < fi_len / 4096; pg++)
			p[pg * 4096 + fi_half + (i % fi_half)] = (unsigned char)i;
		i++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int odirect = 0, seconds = 3, ctl = -1, bfd, i;
	pthread_t th[FI_READERS + 2];
	unsigned char *init;
	struct timespec t0, t;
	struct utsname u;
	long forks = 0;
	const char *path;

	while (argc > 2 && argv[1][0] == '-') {
		if (!strcmp(argv[1], "--odirect")) {
			odirect = 1;
		} else if (!strcmp(argv[1], "--seconds") && argc > 3) {
			seconds = t_num(argv[2]);
			argv++, argc--;
		} else {
			break;
		}
		argv++, argc--;
	}
	if (argc != 2)
		t_usage(argv[0], "[--odirect] [--seconds N] BLOCKDEV");
	bfd = t_bdev_open(argv[1], O_RDWR | O_DIRECT, NULL, NULL);
	fi_half = 2048;
	if (t_lbs(bfd) > fi_half)
		t_fatal("%s: logical block %u is over half a page", argv[1],
			t_lbs(bfd));
	path = argv[1];
	if (odirect) {
		fi_fd = bfd;
	} else {
		fi_fd = t_raw_bind_open(&ctl, 1, argv[1], O_RDWR);
		path = t_raw_path(1);
	}

	init = t_alloc(FI_RREGION, 4096);
	t_fill(init, FI_RREGION, 0, 0xf0c);
	t_pwrite_all(bfd, init, FI_RREGION, 0);
	free(init);

	fi_len = (FI_READERS + 1) * FI_PAGES * 4096;
	fi_pages = t_map(fi_len);
	memset(fi_pages, 0x55, fi_len);

	for (i = 0; i < FI_READERS; i++)
		pthread_create(&th[i], NULL, fi_reader, (void *)(long)i);
	pthread_create(&th[FI_READERS], NULL, fi_writer, NULL);
	pthread_create(&th[FI_READERS + 1], NULL, fi_toucher, NULL);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		pid_t pid = fork();

		if (pid == 0) {
			memset(fi_pages, 0xee, fi_len);
			_exit(0);
		}
		if (pid < 0)
			t_fatal("fork");
		waitpid(pid, NULL, 0);
		forks++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < seconds);
	atomic_store(&fi_stop, 1);
	for (i = 0; i < FI_READERS + 2; i++)
		pthread_join(th[i], NULL);

	uname(&u);
	t_note("fork during %s I/O on %s (%s): %ld forks, %ld reads "
	       "(%ld corrupt), %ld writes (%ld corrupt), %ld failed calls",
	       odirect ? "O_DIRECT" : "raw", path, u.release, forks,
	       atomic_load(&fi_reads), atomic_load(&fi_bad_reads),
	       atomic_load(&fi_writes), atomic_load(&fi_bad_writes),
	       atomic_load(&fi_errors));
	t_ok(forks > 0 && atomic_load(&fi_reads) > 0 &&
	     atomic_load(&fi_writes) > 0,
	     "%s: forks, reads and writes all ran", path);
	t_ok(atomic_load(&fi_errors) == 0, "%s: every call transferred all "
	     "its bytes", path);
	if (!odirect) {
		/* every read and every write's read back was compared */
		t_figure("bytes_verified",
			 (atomic_load(&fi_reads) + atomic_load(&fi_writes)) *
			 (unsigned long long)fi_half);
		t_ok(atomic_load(&fi_bad_reads) == 0,
		     "raw reads keep the device's data across fork");
		t_ok(atomic_load(&fi_bad_writes) == 0,
		     "raw writes send the parent's data across fork");
		close(fi_fd);
		t_ret(t_bind(ctl, 1, 0, 0), 0, "unbind raw1");
		close(ctl);
	}
	close(bfd);
	return t_done();
}
