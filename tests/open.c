// SPDX-License-Identifier: GPL-2.0
/*
 * open - opening rawN: the exclusive claim shared by all raw minors, its
 * immediate release on last close, read-only devices and O_DIRECT.
 *
 * usage: open BLOCKDEV          the whole test; BLOCKDEV must be unused
 *        open --held BLOCKDEV   only check that rawN refuses a device the
 *                               caller holds (mounted, swap, dm) with EBUSY
 *        open --unplug BLOCKDEV NULLB_CONFIGFS_DIR
 *                               power the null_blk off under an open rawN
 * raw must be loaded with nothing bound.
 */
#define _GNU_SOURCE
#include "lib/rawtest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/fs.h>

static const char *bdev_path;

/* An O_EXCL open of the block device succeeds right now (then closed). */
static void check_excl_free(const char *when)
{
	int fd = open(bdev_path, O_RDONLY | O_EXCL);

	if (t_ok(fd >= 0, "O_EXCL open of %s %s", bdev_path, when))
		close(fd);
	else
		t_note("errno %d", errno);
}

static void test_shared_claim(int ctl)
{
	int a, b, c, fd;

	t_bind_path(ctl, 1, bdev_path);
	t_bind_path(ctl, 2, bdev_path);
	a = open(t_raw_path(1), O_RDWR);
	t_ok(a >= 0, "open raw1 O_RDWR");
	b = open(t_raw_path(1), O_RDONLY);
	t_ok(b >= 0, "open raw1 O_RDONLY while open O_RDWR");
	c = open(t_raw_path(2), O_RDWR);
	t_ok(c >= 0, "open raw2, bound to the same device, at the same time");

	t_errno(open(bdev_path, O_RDONLY | O_EXCL), EBUSY,
		"O_EXCL open of %s while raw holds it", bdev_path);
	fd = open(bdev_path, O_RDONLY);
	if (t_ok(fd >= 0, "plain open of %s while raw holds it", bdev_path))
		close(fd);

	close(a);
	close(c);
	t_errno(open(bdev_path, O_RDONLY | O_EXCL), EBUSY,
		"O_EXCL open of %s while one raw open is left", bdev_path);
	close(b);
	check_excl_free("right after the last raw close");

	a = open(t_raw_path(1), O_RDWR);
	if (t_ok(a >= 0, "reopen raw1 right after the last close"))
		close(a);
	t_ret(t_bind(ctl, 1, 0, 0), 0, "unbind raw1 right after close");
	t_bind_path(ctl, 1, bdev_path);
	a = open(t_raw_path(1), O_RDONLY);
	if (t_ok(a >= 0, "open raw1 after an immediate rebind"))
		close(a);
	check_excl_free("after closing the rebound raw1");
	t_ret(t_bind(ctl, 1, 0, 0), 0, "unbind raw1");
	t_ret(t_bind(ctl, 2, 0, 0), 0, "unbind raw2");
}

static void test_foreign_holder(int ctl)
{
	int up[2], down[2], fd;
	pid_t pid;
	char c;

	if (pipe(up) || pipe(down))
		t_fatal("pipe");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		t_fatal("fork");
	if (pid == 0) {
		/* hold the device exclusively until the parent says stop */
		fd = open(bdev_path, O_RDONLY | O_EXCL);
		c = fd >= 0 ? 'y' : 'n';
		if (write(up[1], &c, 1) != 1 || read(down[0], &c, 1) < 0)
			_exit(2);
		_exit(0);
	}
	if (read(up[0], &c, 1) != 1 || c != 'y')
		t_fatal("child could not open %s O_EXCL", bdev_path);

	t_bind_path(ctl, 1, bdev_path);
	t_errno(open(t_raw_path(1), O_RDONLY), EBUSY,
		"open raw1 O_RDONLY while another process holds it O_EXCL");
	t_errno(open(t_raw_path(1), O_RDWR), EBUSY,
		"open raw1 O_RDWR while another process holds it O_EXCL");

	if (write(down[1], "x", 1) != 1)
		t_fatal("pipe write");
	waitpid(pid, NULL, 0);
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
	fd = open(t_raw_path(1), O_RDWR);
	if (t_ok(fd >= 0, "open raw1 once the holder has exited"))
		close(fd);
	t_ret(t_bind(ctl, 1, 0, 0), 0, "unbind raw1");
}

static void set_ro(int bfd, int ro)
{
	if (ioctl(bfd, BLKROSET, &ro))
		t_fatal("BLKROSET %d on %s", ro, bdev_path);
}

static void test_read_only(int ctl)
{
	int bfd = open(bdev_path, O_RDONLY), fd;

	if (bfd < 0)
		t_fatal("open %s", bdev_path);
	t_bind_path(ctl, 1, bdev_path);
	set_ro(bfd, 1);
	t_errno2(open(t_raw_path(1), O_RDWR), EROFS, EACCES,
		 "open raw1 O_RDWR on a read-only device");
	t_errno2(open(t_raw_path(1), O_WRONLY), EROFS, EACCES,
		 "open raw1 O_WRONLY on a read-only device");
	fd = open(t_raw_path(1), O_RDONLY);
	if (t_ok(fd >= 0, "open raw1 O_RDONLY on a read-only device"))
		close(fd);
	set_ro(bfd, 0);
	fd = open(t_raw_path(1), O_RDWR);
	if (t_ok(fd >= 0, "open raw1 O_RDWR once the device is writable"))
		close(fd);
	close(bfd);
	t_ret(t_bind(ctl, 1, 0, 0), 0, "unbind raw1");
}

static void test_odirect(int ctl)
{
	int fd, fl;
	void *buf = t_alloc(4096, 4096);

	t_bind_path(ctl, 1, bdev_path);
	fd = open(t_raw_path(1), O_RDWR | O_DIRECT);
	if (t_ok(fd >= 0, "open raw1 O_RDWR|O_DIRECT")) {
		t_ret(pread(fd, buf, 4096, 0), 4096, "read 4096 via O_DIRECT fd");
		close(fd);
	}
	fd = t_raw_open(1, O_RDWR);
	fl = fcntl(fd, F_GETFL);
	t_ret(fcntl(fd, F_SETFL, fl | O_DIRECT), 0, "fcntl F_SETFL O_DIRECT");
	t_ok(fcntl(fd, F_GETFL) & O_DIRECT, "F_GETFL shows O_DIRECT");
	t_ret(pread(fd, buf, 4096, 0), 4096, "read 4096 after F_SETFL");
	t_ret(fcntl(fd, F_SETFL, fl & ~O_DIRECT), 0,
	      "fcntl F_SETFL clearing O_DIRECT");
	close(fd);
	free(buf);
	t_ret(t_bind(ctl, 1, 0, 0), 0, "unbind raw1");
}

/* The device is held by someone else (a mount, swap): rawN refuses it. */
static void test_held(int ctl)
{
	int fd;

	t_bind_path(ctl, 1, bdev_path);
	t_errno(open(t_raw_path(1), O_RDONLY), EBUSY,
		"open raw1 O_RDONLY on held %s", bdev_path);
	t_errno(open(t_raw_path(1), O_RDWR), EBUSY,
		"open raw1 O_RDWR on held %s", bdev_path);
	fd = open(bdev_path, O_RDONLY | O_EXCL);
	t_errno(fd, EBUSY, "%s really is held (O_EXCL open)", bdev_path);
	if (fd >= 0)
		close(fd);
	t_ret(t_bind(ctl, 1, 0, 0), 0, "unbind raw1");
}

static int nullb_power(const char *dir, int on)
{
	char path[256];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/power", dir);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return 0;
	ok = write(fd, on ? "1\n" : "0\n", 2) == 2;
	close(fd);
	return ok;
}

/* Result of a 4 KiB pread or pwrite as "ret/errno" text. */
static const char *rw_result(int fd, void *buf, int write_)
{
	static char out[2][32];
	static int which;
	ssize_t n = write_ ? pwrite(fd, buf, 4096, 0) : pread(fd, buf, 4096, 0);

	which ^= 1;
	snprintf(out[which], sizeof(out[which]), "%zd/%s", n,
		 n < 0 ? strerror(errno) : "-");
	return out[which];
}

/*
 * The device goes away under an open rawN: I/O fails as it does on an open
 * descriptor of the block device itself, close and unbind work, open gives
 * ENXIO until the device is back.
 */
static void test_unplug(int ctl, const char *nullb_dir)
{
	void *buf = t_alloc(4096, 4096);
	const char *r, *b;
	int fd, bfd;

	t_bind_path(ctl, 1, bdev_path);
	fd = open(t_raw_path(1), O_RDWR);
	bfd = open(bdev_path, O_RDWR | O_DIRECT);
	if (fd < 0 || bfd < 0)
		t_fatal("open raw1 and %s", bdev_path);
	t_ret(pread(fd, buf, 4096, 0), 4096, "read before the device goes");
	if (!nullb_power(nullb_dir, 0))
		t_fatal("power off %s", nullb_dir);
	r = rw_result(fd, buf, 0);
	b = rw_result(bfd, buf, 0);
	t_ok(!strcmp(r, b) && strcmp(r, "4096/-"),
	     "read after the device went away fails as on the block device "
	     "(raw %s, block device %s)", r, b);
	r = rw_result(fd, buf, 1);
	b = rw_result(bfd, buf, 1);
	t_ok(!strcmp(r, b) && strcmp(r, "4096/-"),
	     "write after the device went away fails as on the block device "
	     "(raw %s, block device %s)", r, b);
	close(bfd);
	t_ret(close(fd), 0, "close raw1 after the device went away");
	t_errno(open(t_raw_path(1), O_RDONLY), ENXIO,
		"open raw1 while its device is gone");
	if (!nullb_power(nullb_dir, 1))
		t_fatal("power on %s", nullb_dir);
	fd = open(t_raw_path(1), O_RDONLY);
	if (t_ok(fd >= 0, "open raw1 once the device is back"))
		close(fd);
	t_ret(t_bind(ctl, 1, 0, 0), 0, "unbind raw1");
	free(buf);
}

int main(int argc, char **argv)
{
	int ctl;

	if (argc == 4 && !strcmp(argv[1], "--unplug")) {
		bdev_path = argv[2];
		ctl = t_ctl_open();
		test_unplug(ctl, argv[3]);
		close(ctl);
		return t_done();
	}

	if (argc == 3 && !strcmp(argv[1], "--held")) {
		bdev_path = argv[2];
		ctl = t_ctl_open();
		test_held(ctl);
		close(ctl);
		return t_done();
	}
	if (argc != 2)
		t_usage(argv[0], "[--held] BLOCKDEV | --unplug BLOCKDEV DIR");
	bdev_path = argv[1];
	ctl = t_ctl_open();
	check_excl_free("before the test (nothing else holds it)");
	test_shared_claim(ctl);
	test_foreign_holder(ctl);
	test_read_only(ctl);
	test_odirect(ctl);
	check_excl_free("at the end");
	close(ctl);
	return t_done();
}
