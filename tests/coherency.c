// SPDX-License-Identifier: GPL-2.0
/*
 * coherency - rawN and the block device's page cache: a raw write is seen
 * by buffered reads right after (the cache is invalidated), and buffered
 * writes still dirty in the cache are seen by a raw read right after (they
 * are written back first), and a raw write is not undone later by an older
 * dirty page.
 *
 * usage: coherency BLOCKDEV
 * raw must be loaded with nothing bound; BLOCKDEV's data is overwritten.
 */
#define _GNU_SOURCE
#include "lib/rawtest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LEN	(16 * 1024)

static unsigned int lbs;

/* raw writes replace what buffered readers have cached */
static void test_raw_write_invalidates(int rfd, int cfd)
{
	unsigned char *buf = t_alloc(LEN, 4096);
	unsigned char *cached = t_alloc(LEN, 4096);
	const off_t at = 1 << 20;

	t_fill(buf, LEN, at, 0x11);
	t_pwrite_all(rfd, buf, LEN, at);
	t_pread_all(cfd, cached, LEN, at);
	t_ok(t_check(cached, LEN, at, 0x11),
	     "buffered read sees a raw write (cold cache)");

	t_fill(buf, LEN, at, 0x12);
	t_pwrite_all(rfd, buf, LEN, at);
	t_pread_all(cfd, cached, LEN, at);
	t_ok(t_check(cached, LEN, at, 0x12),
	     "buffered read sees a raw write over cached pages");

	if (lbs < 4096) {
		/* one block in the middle of a cached page */
		t_fill(buf, lbs, at + lbs, 0x13);
		t_pwrite_all(rfd, buf, lbs, at + lbs);
		t_pread_all(cfd, cached, 4096, at);
		t_ok(t_check(cached, lbs, at, 0x12) &&
		     t_check(cached + lbs, lbs, at + lbs, 0x13) &&
		     t_check(cached + 2 * lbs, 4096 - 2 * lbs, at + 2 * lbs,
			     0x12),
		     "buffered read sees a %u-byte raw write inside a "
		     "cached page", lbs);
	}
	free(cached);
	free(buf);
}

/* dirty cached data reaches the device before a raw read */
static void test_raw_read_writes_back(int rfd, int cfd)
{
	unsigned char *buf = t_alloc(LEN, 4096);
	unsigned char *want = t_alloc(LEN, 4096);
	const off_t at = 2 << 20;

	t_fill(buf, LEN, at, 0x21);
	t_pwrite_all(rfd, buf, LEN, at);
	t_pread_all(cfd, buf, LEN, at);		/* cache it */

	t_fill(want, LEN, at, 0x22);
	t_pwrite_all(cfd, want, LEN, at);	/* dirty, not synced */
	memset(buf, 0, LEN);
	t_pread_all(rfd, buf, LEN, at);
	t_ok(t_check(buf, LEN, at, 0x22),
	     "raw read sees a buffered write still dirty in the cache");

	/* an unaligned 100-byte buffered write inside the second page */
	memset(want + 4096 + 7, 0x5a, 100);
	t_pwrite_all(cfd, want + 4096 + 7, 100, at + 4096 + 7);
	memset(buf, 0, LEN);
	t_pread_all(rfd, buf, 8192, at);
	t_ok(memcmp(buf, want, 8192) == 0,
	     "raw read sees an unaligned 100-byte dirty buffered write");
	free(want);
	free(buf);
}

/* a raw write over a dirty page must not be undone by later writeback */
static void test_raw_write_over_dirty(int rfd, int cfd, int dfd)
{
	unsigned char *buf = t_alloc(LEN, 4096);
	const off_t at = 3 << 20;

	t_fill(buf, LEN, at, 0x31);
	t_pwrite_all(cfd, buf, LEN, at);	/* dirty in the cache */
	t_fill(buf, LEN, at, 0x32);
	t_pwrite_all(rfd, buf, LEN, at);
	memset(buf, 0, LEN);
	t_pread_all(cfd, buf, LEN, at);
	t_ok(t_check(buf, LEN, at, 0x32),
	     "buffered read after a raw write over dirty pages");
	t_ret(fsync(cfd), 0, "fsync of the block device");
	memset(buf, 0, LEN);
	t_pread_all(dfd, buf, LEN, at);
	t_ok(t_check(buf, LEN, at, 0x32),
	     "the raw write is still on the device after fsync");
	free(buf);
}

int main(int argc, char **argv)
{
	int ctl, rfd, cfd, dfd;
	uint64_t size;

	if (argc != 2)
		t_usage(argv[0], "BLOCKDEV");
	cfd = t_bdev_open(argv[1], O_RDWR, &size, &lbs);
	dfd = t_bdev_open(argv[1], O_RDWR | O_DIRECT, NULL, NULL);
	if (size < (4 << 20))
		t_fatal("%s is smaller than 4 MiB", argv[1]);

	rfd = t_raw_bind_open(&ctl, 1, argv[1], O_RDWR);
	test_raw_write_invalidates(rfd, cfd);
	test_raw_read_writes_back(rfd, cfd);
	test_raw_write_over_dirty(rfd, cfd, dfd);
	close(rfd);
	close(dfd);
	close(cfd);
	return t_raw_finish(ctl, 1);
}
