// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs - /sys/class/raw/rawN: the bound device and the counters reads,
 * writes, read_bytes, write_bytes, errors and pages_pinned, each moving by
 * exactly what the calls made on that minor did.
 *
 * usage: sysfs BLOCKDEV [NULLB_CONFIGFS_DIR]
 *   with the configfs directory of a null_blk BLOCKDEV, also make a read
 *   fail (badblocks) and check the errors counter.
 * raw must be loaded with nothing bound; BLOCKDEV's data is overwritten.
 */
#define _GNU_SOURCE
#include "lib/rawtest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

enum { C_READS, C_WRITES, C_RBYTES, C_WBYTES, C_ERRORS, C_PINNED, NCOUNT };
static const char *const names[NCOUNT] = {
	"reads", "writes", "read_bytes", "write_bytes", "errors",
	"pages_pinned",
};

struct counters {
	unsigned long long v[NCOUNT];
};

static unsigned int lbs;
static size_t page;

static void snap(int minor, struct counters *c)
{
	char path[96];
	int i;

	for (i = 0; i < NCOUNT; i++) {
		snprintf(path, sizeof(path), "/sys/class/raw/raw%d/%s", minor,
			 names[i]);
		c->v[i] = t_sysfs_u64(path);
	}
}

/* Every counter of @minor moved by exactly @d since @before. */
static void check_delta(int minor, const struct counters *before,
			const long long d[NCOUNT], const char *what)
{
	struct counters now;
	int i;

	snap(minor, &now);
	for (i = 0; i < NCOUNT; i++) {
		long long got = (long long)(now.v[i] - before->v[i]);

		t_ok(got == d[i], "raw%d %s moved by %lld after %s (by %lld)",
		     minor, names[i], d[i], what, got);
	}
}

static void test_bound(int minor, dev_t dev)
{
	char path[64], text[64], want[64];

	snprintf(path, sizeof(path), "/sys/class/raw/raw%d/bound", minor);
	snprintf(want, sizeof(want), "%u:%u\n", major(dev), minor(dev));
	if (t_ok(t_read_text(path, text, sizeof(text)) >= 0, "read %s", path))
		t_ok(!strcmp(text, want), "%s is \"%u:%u\\n\" (is \"%.*s\")",
		     path, major(dev), minor(dev),
		     (int)strcspn(text, "\n"), text);
}

static void test_counters(int fd, int minor, int other)
{
	const size_t mib = 1 << 20;
	unsigned char *buf = t_map(16 * mib + page);
	struct counters c, o;
	struct iovec iov[3];

	snap(other, &o);

	snap(minor, &c);
	t_ret(pread(fd, buf, mib, 0), mib, "1 MiB read");
	check_delta(minor, &c, (long long[NCOUNT]){ 1, 0, mib, 0, 0,
		    mib / page }, "a page-aligned 1 MiB read");

	snap(minor, &c);
	t_fill(buf, 64 * 1024, 0, 1);
	t_ret(pwrite(fd, buf, 64 * 1024, 0), 64 * 1024, "64 KiB write");
	check_delta(minor, &c, (long long[NCOUNT]){ 0, 1, 0, 64 * 1024, 0,
		    64 * 1024 / page }, "a page-aligned 64 KiB write");

	snap(minor, &c);
	iov[0] = (struct iovec){ buf, lbs };
	iov[1] = (struct iovec){ buf + 2 * page, lbs };
	iov[2] = (struct iovec){ buf + 5 * page, lbs };
	if (lseek(fd, 0, SEEK_SET))
		t_fatal("lseek");
	t_ret(writev(fd, iov, 3), 3 * lbs, "writev of 3 segments");
	check_delta(minor, &c, (long long[NCOUNT]){ 0, 1, 0, 3 * lbs, 0, 3 },
		    "a 3-segment writev, one page each");

	snap(minor, &c);
	t_ret(readv(fd, iov, 3), 3 * lbs, "readv of 3 segments");
	check_delta(minor, &c, (long long[NCOUNT]){ 1, 0, 3 * lbs, 0, 0, 3 },
		    "a 3-segment readv, one page each");

	if (lbs < page) {
		/* 2 blocks straddling a page boundary pin 2 pages */
		snap(minor, &c);
		t_ret(pread(fd, buf + page - lbs, 2 * lbs, 0), 2 * lbs,
		      "read straddling a page boundary");
		check_delta(minor, &c, (long long[NCOUNT]){ 1, 0, 2 * lbs, 0,
			    0, 2 }, "a 2-block read across a page boundary");
	}

	snap(minor, &c);
	t_ret(pread(fd, buf, 16 * mib, 0), 16 * mib, "16 MiB read");
	check_delta(minor, &c, (long long[NCOUNT]){ 1, 0, 16 * mib, 0, 0,
		    16 * mib / page }, "a page-aligned 16 MiB read");

	snap(minor, &c);
	t_errno(pread(fd, buf + 1, lbs, 0), EINVAL, "misaligned read");
	t_errno(pwrite(fd, buf, lbs, 1), EINVAL, "misaligned write");
	{
		struct counters now;

		snap(minor, &now);
		t_ok(now.v[C_READS] == c.v[C_READS] &&
		     now.v[C_WRITES] == c.v[C_WRITES] &&
		     now.v[C_RBYTES] == c.v[C_RBYTES] &&
		     now.v[C_WBYTES] == c.v[C_WBYTES],
		     "refused (EINVAL) calls count no reads, writes or bytes");
	}
	check_delta(other, &o, (long long[NCOUNT]){ 0 },
		    "I/O on another minor");
	t_unmap(buf, 16 * mib + page);
}

static int badblocks(const char *dir, char sign, unsigned long long first,
		     unsigned long long last)
{
	char path[256], cmd[64];
	int fd, n, ok;

	snprintf(path, sizeof(path), "%s/badblocks", dir);
	n = snprintf(cmd, sizeof(cmd), "%c%llu-%llu\n", sign, first, last);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return 0;
	ok = write(fd, cmd, n) == n;
	close(fd);
	return ok;
}

static void test_errors(int fd, int minor, const char *nullb_dir)
{
	const unsigned long long sector = 8 << 11;	/* 8 MiB */
	unsigned char *buf = t_alloc(4 * lbs, page);
	struct counters c;

	if (!badblocks(nullb_dir, '+', sector, sector + 4 * lbs / 512 - 1))
		t_fatal("setting badblocks in %s", nullb_dir);
	snap(minor, &c);
	t_errno(pread(fd, buf, 4 * lbs, sector * 512), EIO,
		"read of a bad block");
	{
		struct counters now;

		snap(minor, &now);
		t_ok(now.v[C_ERRORS] == c.v[C_ERRORS] + 1,
		     "errors moved by 1 after a failed read (by %lld)",
		     (long long)(now.v[C_ERRORS] - c.v[C_ERRORS]));
		t_ok(now.v[C_RBYTES] == c.v[C_RBYTES],
		     "read_bytes did not move after a failed read");
	}
	if (!badblocks(nullb_dir, '-', sector, sector + 4 * lbs / 512 - 1))
		t_fatal("clearing badblocks in %s", nullb_dir);
	t_ret(pread(fd, buf, 4 * lbs, sector * 512), 4 * lbs,
	      "read after clearing the bad block");
	free(buf);
}

int main(int argc, char **argv)
{
	uint64_t size;
	int ctl, fd, bfd;
	dev_t dev;

	if (argc < 2 || argc > 3)
		t_usage(argv[0], "BLOCKDEV [NULLB_CONFIGFS_DIR]");
	page = sysconf(_SC_PAGESIZE);
	dev = t_rdev(argv[1]);
	bfd = t_bdev_open(argv[1], O_RDONLY, &size, &lbs);
	close(bfd);
	if (size < (17 << 20))
		t_fatal("%s is smaller than 17 MiB", argv[1]);

	ctl = t_ctl_open();
	t_bind_path(ctl, 1, argv[1]);
	t_bind_path(ctl, 2, argv[1]);
	test_bound(1, dev);
	test_bound(2, dev);
	fd = t_raw_open(1, O_RDWR);
	test_counters(fd, 1, 2);
	if (argc == 3)
		test_errors(fd, 1, argv[2]);
	close(fd);
	t_ret(t_bind(ctl, 1, 0, 0), 0, "unbind raw1");
	return t_raw_finish(ctl, 2);
}
