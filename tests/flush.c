// SPDX-License-Identifier: GPL-2.0
/*
 * flush - durability requests reach the device: an O_DSYNC, O_SYNC or
 * RWF_DSYNC write through rawN is sent with FUA, and fsync/fdatasync send
 * a cache flush.  On a disk with a volatile write cache but no FUA (QEMU's
 * virtio-blk with cache=writeback) the block layer turns each FUA write
 * into a write plus a flush, and counts every flush in the "flush I/Os"
 * field of /sys/block/DEV/stat; plain writes add none.
 *
 * usage: flush BLOCKDEV   (e.g. /dev/vda; its data is overwritten)
 * raw must be loaded with nothing bound.
 */
#define _GNU_SOURCE
#include "lib/rawtest.h"

#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define NWRITES	16

static char stat_path[128];

/* Flush requests the device has completed: field 16 of its stat file. */
static unsigned long long flushes(void)
{
	unsigned long long v[17] = { 0 };
	char buf[512];
	int n = 0;
	char *p, *save = NULL;

	if (t_read_text(stat_path, buf, sizeof(buf)) <= 0)
		t_fatal("read %s", stat_path);
	for (p = strtok_r(buf, " \n", &save); p && n < 17;
	     p = strtok_r(NULL, " \n", &save))
		v[n++] = strtoull(p, NULL, 10);
	if (n < 16)
		t_fatal("%s has %d fields, no flush count", stat_path, n);
	return v[15];
}

/* @n 4 KiB writes through @fd with pwritev2 @flags; flushes they caused. */
static unsigned long long writes(int fd, void *buf, int n, int flags)
{
	unsigned long long before = flushes();
	struct iovec iov = { .iov_base = buf, .iov_len = 4096 };
	int i;

	for (i = 0; i < n; i++)
		if (pwritev2(fd, &iov, 1, (off_t)i * 4096, flags) != 4096)
			t_fatal("pwritev2 %d", i);
	return flushes() - before;
}

int main(int argc, char **argv)
{
	static const int sync_flag[] = { O_DSYNC, O_SYNC };
	static const char *const sync_name[] = { "O_DSYNC", "O_SYNC" };
	unsigned long long got, before;
	int ctl, fd, i;
	void *buf;

	if (argc != 2)
		t_usage(argv[0], "BLOCKDEV");
	snprintf(stat_path, sizeof(stat_path), "/sys/block/%s/stat",
		 basename(argv[1]));
	buf = t_alloc(4096, 4096);
	t_fill(buf, 4096, 0, 0x5a);
	fd = t_raw_bind_open(&ctl, 1, argv[1], O_RDWR);
	got = writes(fd, buf, NWRITES, 0);
	t_ok(got == 0, "%d plain writes: %llu flushes (want 0)", NWRITES, got);
	got = writes(fd, buf, NWRITES, RWF_DSYNC);
	t_ok(got >= NWRITES, "%d RWF_DSYNC writes: %llu flushes (want >= %d)",
	     NWRITES, got, NWRITES);
	before = flushes();
	t_ret(fsync(fd), 0, "fsync");
	t_ok(flushes() > before, "fsync sends a flush");
	before = flushes();
	t_ret(fdatasync(fd), 0, "fdatasync");
	t_ok(flushes() > before, "fdatasync sends a flush");
	close(fd);

	for (i = 0; i < 2; i++) {
		fd = open(t_raw_path(1), O_RDWR | sync_flag[i]);
		if (fd < 0)
			t_fatal("open raw1 %s", sync_name[i]);
		got = writes(fd, buf, NWRITES, 0);
		t_ok(got >= NWRITES, "%d %s writes: %llu flushes (want >= %d)",
		     NWRITES, sync_name[i], got, NWRITES);
		close(fd);
	}

	return t_raw_finish(ctl, 1);
}
