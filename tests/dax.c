// SPDX-License-Identifier: GPL-2.0
/*
 * dax - rawN on a memory-backed (DAX) block device: the direct-access path
 * against the bio path of the same minor.
 *
 *  - sysfs: io_path is none/dax/bio as files open and the minor's "dax"
 *    attribute and the module parameter "dax" switch the path;
 *  - data: pwrite/pread, readv/writev, io_uring and libaio (plain buffers)
 *    and an io_uring request over the bio path's pin bound, checked against
 *    O_DIRECT reads of the block device; on the DAX path no page is pinned
 *    (/proc/vmstat nr_foll_pin_acquired and pages_pinned do not move), on
 *    the bio path pages_pinned does;
 *  - errno rules: each request of a table gives the same result on both
 *    paths, and the one expected (alignment, end of device, bad buffers,
 *    partly bad buffers, zero length, RWF_NOWAIT, a read-only device);
 *  - bad blocks (last: the kernel keeps them): BADBLOCKS_FILE marks a page
 *    bad; a read of it fails with EIO on both paths, a DAX read across it
 *    returns the bytes before it, and a write over it gives the same
 *    result on both paths (the device's recovery write on the DAX path).
 *
 * usage: dax BLOCKDEV BADBLOCKS_FILE
 * BLOCKDEV: queue/dax = 1, 512-byte blocks, at least 32 MiB, overwritten.
 * raw loaded with dax=1, minor 1 unbound.
 */
#define _GNU_SOURCE
#include "lib/rawtest.h"

#include <errno.h>
#include <fcntl.h>
#include <libaio.h>
#include <liburing.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#define KIB		1024
#define MIB		(1024 * KIB)
#define SYS_RAW1	"/sys/class/raw/raw1/"
#define PARAM_DAX	"/sys/module/raw/parameters/dax"

static int fd, bfd;
static uint64_t dev_size;

static void write_text(const char *path, const char *text)
{
	int f = open(path, O_WRONLY);
	ssize_t len = strlen(text);

	if (f < 0 || write(f, text, len) != len)
		t_fatal("write %s to %s", text, path);
	close(f);
}

/* Does io_path read @want? */
static int io_path_is(const char *want)
{
	char buf[16];

	if (t_read_text(SYS_RAW1 "io_path", buf, sizeof(buf)) < 0)
		t_fatal("read io_path");
	buf[strcspn(buf, "\n")] = 0;
	if (strcmp(buf, want))
		t_note("io_path reads %s", buf);
	return !strcmp(buf, want);
}

/* Choose the path of minor 1 through its sysfs attribute. */
static void use_dax(int on)
{
	write_text(SYS_RAW1 "dax", on ? "1" : "0");
	if (!io_path_is(on ? "dax" : "bio"))
		t_fatal("io_path does not follow the dax attribute");
}

static long long pins_acquired(void)
{
	long long v = -1, n;
	char name[64];
	FILE *f;

	t_pins_held();	/* folds the per-cpu counts in */
	f = fopen("/proc/vmstat", "r");
	if (!f)
		t_fatal("open /proc/vmstat");
	while (fscanf(f, "%63s %lld", name, &n) == 2)
		if (!strcmp(name, "nr_foll_pin_acquired"))
			v = n;
	fclose(f);
	return v;
}

static void check_sysfs(void)
{
	int f;

	t_ok(io_path_is("none"), "io_path is none while raw1 is not open");
	f = t_raw_open(1, O_RDONLY);
	t_ok(io_path_is("dax"), "io_path is dax once raw1 is open");
	write_text(SYS_RAW1 "dax", "0");
	t_ok(io_path_is("bio"), "dax=0 on the minor: io_path is bio");
	write_text(SYS_RAW1 "dax", "1");
	write_text(PARAM_DAX, "0");
	t_ok(io_path_is("bio"), "module parameter dax=0: io_path is bio");
	write_text(PARAM_DAX, "1");
	t_ok(io_path_is("dax"), "both allow it again: io_path is dax");
	close(f);
	t_ok(io_path_is("none"), "io_path is none after the last close");
}

/* One io_uring request, waited for; its result. */
static int uring_one(struct io_uring *ring, int write_, void *buf,
		     size_t len, uint64_t off)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;
	int res;

	if (!sqe)
		t_fatal("io_uring_get_sqe");
	if (write_)
		io_uring_prep_write(sqe, fd, buf, len, off);
	else
		io_uring_prep_read(sqe, fd, buf, len, off);
	if (io_uring_submit_and_wait(ring, 1) != 1 ||
	    io_uring_wait_cqe(ring, &cqe))
		t_fatal("io_uring submit and wait");
	res = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return res;
}

/* One libaio request, waited for; its result. */
static long aio_one(io_context_t ctx, int write_, void *buf, size_t len,
		    uint64_t off)
{
	struct iocb cb, *cbp = &cb;
	struct io_event ev;

	if (write_)
		io_prep_pwrite(&cb, fd, buf, len, off);
	else
		io_prep_pread(&cb, fd, buf, len, off);
	if (io_submit(ctx, 1, &cbp) != 1 ||
	    io_getevents(ctx, 1, 1, &ev, NULL) != 1)
		t_fatal("io_submit and io_getevents");
	return (long)ev.res;
}

/* Device offsets of the round trips, per path (disjoint). */
#define RT_BASE(dax)	((dax) ? 2 * MIB : 18 * MIB)
#define RT_BIG		(8 * MIB)

/*
 * Write with every interface, read back with every interface; returns the
 * check's verdict.  Only raw I/O happens here: the caller counts pins.
 */
static void round_trips(int dax, char *buf, char *back, struct io_uring *ring,
			io_context_t ctx)
{
	const char *p = dax ? "dax" : "bio";
	uint64_t base = RT_BASE(dax), seed = dax ? 0xda : 0xb10;
	struct iovec iov[3];
	int i;

	/* pwrite 1 MiB, writev 3 x 64 KiB, io_uring and libaio 64 KiB each */
	t_fill(buf, RT_BIG, base, seed);
	t_ret(pwrite(fd, buf, MIB, base), MIB, "%s: pwrite 1 MiB", p);
	for (i = 0; i < 3; i++) {
		iov[i].iov_base = buf + MIB + i * 64 * KIB;
		iov[i].iov_len = 64 * KIB;
	}
	t_ret(pwritev(fd, iov, 3, base + MIB), 3 * 64 * KIB,
	      "%s: pwritev 3 x 64 KiB", p);
	t_ret(uring_one(ring, 1, buf + 2 * MIB, 64 * KIB, base + 2 * MIB),
	      64 * KIB, "%s: io_uring write 64 KiB", p);
	t_ret(aio_one(ctx, 1, buf + 3 * MIB, 64 * KIB, base + 3 * MIB),
	      64 * KIB, "%s: libaio write 64 KiB", p);
	t_ret(uring_one(ring, 1, buf + 4 * MIB, 4 * MIB, base + 4 * MIB),
	      4 * MIB, "%s: io_uring write 4 MiB", p);

	memset(back, 0, RT_BIG);
	t_ret(pread(fd, back, MIB, base), MIB, "%s: pread 1 MiB", p);
	for (i = 0; i < 3; i++)
		iov[i].iov_base = back + MIB + i * 64 * KIB;
	t_ret(preadv(fd, iov, 3, base + MIB), 3 * 64 * KIB,
	      "%s: preadv 3 x 64 KiB", p);
	t_ret(uring_one(ring, 0, back + 2 * MIB, 64 * KIB, base + 2 * MIB),
	      64 * KIB, "%s: io_uring read 64 KiB", p);
	t_ret(aio_one(ctx, 0, back + 3 * MIB, 64 * KIB, base + 3 * MIB),
	      64 * KIB, "%s: libaio read 64 KiB", p);
	/* over the bio path's 4 MiB pin bound: io-wq there, inline on DAX */
	t_ret(uring_one(ring, 0, back + 4 * MIB, 4 * MIB + 512, base + 4 * MIB),
	      4 * MIB + 512, "%s: io_uring read 4 MiB + 512", p);
}

/* The data round_trips() wrote, as rawN and the block device read it. */
static void check_data(int dax, const char *back)
{
	const char *p = dax ? "dax" : "bio";
	uint64_t base = RT_BASE(dax), seed = dax ? 0xda : 0xb10;
	char *dev = t_alloc(RT_BIG, 4096);
	size_t n = 4 * MIB;

	t_ok(t_check(back, MIB + 3 * 64 * KIB, base, seed) &&
	     t_check(back + 2 * MIB, 64 * KIB, base + 2 * MIB, seed) &&
	     t_check(back + 3 * MIB, 64 * KIB, base + 3 * MIB, seed) &&
	     t_check(back + 4 * MIB, n, base + 4 * MIB, seed),
	     "%s: raw reads return what raw wrote", p);
	t_pread_all(bfd, dev, RT_BIG, base);
	t_ok(t_check(dev, MIB + 3 * 64 * KIB, base, seed) &&
	     t_check(dev + 2 * MIB, 64 * KIB, base + 2 * MIB, seed) &&
	     t_check(dev + 3 * MIB, 64 * KIB, base + 3 * MIB, seed) &&
	     t_check(dev + 4 * MIB, n, base + 4 * MIB, seed),
	     "%s: O_DIRECT reads of the block device agree", p);
	/* and the other way: O_DIRECT writes, raw reads */
	t_fill(dev, MIB, base, seed + 1);
	t_pwrite_all(bfd, dev, MIB, base);
	memset(dev, 0, MIB);
	t_ret(pread(fd, dev, MIB, base), MIB, "%s: raw read of an O_DIRECT write", p);
	t_ok(t_check(dev, MIB, base, seed + 1), "%s: it returns that write", p);
	free(dev);
}

static void check_paths(void)
{
	char *buf = t_map(RT_BIG), *back = t_map(RT_BIG + MIB);
	unsigned long long pinned;
	struct io_uring ring;
	long long acq;
	io_context_t ctx = 0;
	int dax;

	if (io_uring_queue_init(8, &ring, 0) || io_setup(8, &ctx))
		t_fatal("io_uring_queue_init / io_setup");
	for (dax = 1; dax >= 0; dax--) {
		use_dax(dax);
		pinned = t_sysfs_u64(SYS_RAW1 "pages_pinned");
		acq = pins_acquired();
		round_trips(dax, buf, back, &ring, ctx);
		if (dax) {
			t_ret(pins_acquired() - acq, 0,
			      "dax: no page pinned (nr_foll_pin_acquired)");
			t_ret((long long)(t_sysfs_u64(SYS_RAW1 "pages_pinned") -
					  pinned), 0,
			      "dax: pages_pinned does not move");
		} else {
			t_ok(t_sysfs_u64(SYS_RAW1 "pages_pinned") > pinned,
			     "bio: pages_pinned moves (the bio path pins)");
		}
		check_data(dax, back);
	}
	io_destroy(ctx);
	io_uring_queue_exit(&ring);
	t_unmap(buf, RT_BIG);
	t_unmap(back, RT_BIG + MIB);
	use_dax(1);
}

/* A request of the errno table: a result, or -errno. */
static long request(int write_, void *buf, size_t len, off_t off, int flags)
{
	struct iovec iov = { buf, len };
	ssize_t n;

	if (write_)
		n = pwritev2(fd, &iov, 1, off, flags);
	else
		n = preadv2(fd, &iov, 1, off, flags);
	return n < 0 ? -errno : n;
}

/*
 * The errno table.  Buffers are in a 3-page mapping: page 0 good, page 1
 * PROT_NONE, page 2 read-only; @skew bytes into page @page.  @end: @off
 * counts from the end of the device.
 */
struct errcase {
	const char *what;
	int write_, page, skew;
	size_t len;
	int end;
	off_t off;
	int flags;
	long want;
};

static const struct errcase errcases[] = {
	{ "read at a misaligned offset", 0, 0, 0, 512, 0, 1, 0, -EINVAL },
	{ "read of a misaligned length", 0, 0, 0, 100, 0, 0, 0, -EINVAL },
	{ "read into a misaligned buffer", 0, 0, 1, 512, 0, 0, 0, -EINVAL },
	{ "write from a misaligned buffer", 1, 0, 8, 512, 0, 0, 0, -EINVAL },
	{ "read at the end of the device", 0, 0, 0, 4096, 1, 0, 0, 0 },
	{ "write at the end of the device", 1, 0, 0, 4096, 1, 0, 0, -ENOSPC },
	{ "read past the end", 0, 0, 0, 4096, 1, 4096, 0, 0 },
	{ "read across the end: short", 0, 0, 0, 8192, 1, -4096, 0, 4096 },
	{ "write across the end: short", 1, 0, 0, 8192, 1, -4096, 0, 4096 },
	{ "zero-length write", 1, 0, 0, 0, 0, 0, 0, 0 },
	{ "read into PROT_NONE memory", 0, 1, 0, 4096, 0, 0, 0, -EFAULT },
	{ "read into read-only memory", 0, 2, 0, 4096, 0, 0, 0, -EFAULT },
	{ "write from PROT_NONE memory", 1, 1, 0, 4096, 0, 0, 0, -EFAULT },
	{ "read into a good then a bad page: short", 0, 0, 0, 8192, 0, 0, 0,
	  4096 },
	{ "write from a good then a bad page: short", 1, 0, 0, 8192, 0, 0, 0,
	  4096 },
	{ "RWF_NOWAIT read", 0, 0, 0, 4096, 0, 0, RWF_NOWAIT, 4096 },
	{ "RWF_NOWAIT|RWF_DSYNC write", 1, 0, 0, 4096, 0, 0,
	  RWF_NOWAIT | RWF_DSYNC, 4096 },
};

static void check_errnos(void)
{
	char *mem = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;
	long r[2];
	int ro;

	if (mem == MAP_FAILED)
		t_fatal("mmap");
	memset(mem, 0x5a, 3 * 4096);
	if (mprotect(mem + 4096, 4096, PROT_NONE) ||
	    mprotect(mem + 2 * 4096, 4096, PROT_READ))
		t_fatal("mprotect");

	for (i = 0; i < sizeof(errcases) / sizeof(errcases[0]); i++) {
		const struct errcase *c = &errcases[i];
		char *buf = mem + c->page * 4096 + c->skew;
		off_t off = c->end ? (off_t)dev_size + c->off : c->off;
		int dax;

		for (dax = 1; dax >= 0; dax--) {
			use_dax(dax);
			r[dax] = request(c->write_, buf, c->len, off, c->flags);
		}
		if (!t_ok(r[1] == c->want && r[0] == c->want,
			  "%s: %ld on both paths", c->what, c->want))
			t_note("dax %ld, bio %ld", r[1], r[0]);
	}

	/* a device made read-only after the open: EPERM on both paths */
	ro = 1;
	if (ioctl(bfd, BLKROSET, &ro))
		t_fatal("BLKROSET 1");
	use_dax(1);
	r[1] = request(1, mem, 4096, 0, 0);
	use_dax(0);
	r[0] = request(1, mem, 4096, 0, 0);
	ro = open(t_raw_path(1), O_RDWR);
	t_ok(ro < 0 && errno == EROFS,
	     "open O_RDWR of a read-only device: EROFS");
	if (ro >= 0)
		close(ro);
	ro = 0;
	if (ioctl(bfd, BLKROSET, &ro))
		t_fatal("BLKROSET 0");
	if (!t_ok(r[1] == -EPERM && r[0] == -EPERM,
		  "write to a device made read-only: EPERM on both paths"))
		t_note("dax %ld, bio %ld", r[1], r[0]);
	use_dax(1);
	munmap(mem, 3 * 4096);
}

static void check_badblocks(const char *bb_file)
{
	uint64_t bad = 24 * MIB, start = bad - 64 * KIB;
	char cmd[64], text[64], *buf = t_alloc(128 * KIB, 4096);
	int cleared[2] = { 0, 0 }, dax;
	unsigned long long e0;
	long r[2], w[2];

	t_fill(buf, 128 * KIB, start, 0xbb);
	t_pwrite_all(bfd, buf, 128 * KIB, start);
	snprintf(cmd, sizeof(cmd), "%llu 8", (unsigned long long)bad / 512);
	write_text(bb_file, cmd);
	t_note("%s: %s", bb_file, cmd);
	e0 = t_sysfs_u64(SYS_RAW1 "errors");

	use_dax(1);
	r[1] = request(0, buf, 4096, bad, 0);
	use_dax(0);
	r[0] = request(0, buf, 4096, bad, 0);
	if (!t_ok(r[1] == -EIO && r[0] == -EIO,
		  "read of the bad page: EIO on both paths"))
		t_note("dax %ld, bio %ld", r[1], r[0]);

	use_dax(1);
	memset(buf, 0, 128 * KIB);
	t_ret(request(0, buf, 128 * KIB, start, 0), 64 * KIB,
	      "dax: a read across the bad page returns the bytes before it");
	t_ok(t_check(buf, 64 * KIB, start, 0xbb), "dax: and they are the data");
	t_ret(request(0, buf, 64 * KIB, bad + 4096, 0), 64 * KIB,
	      "dax: the page after it reads fine");
	t_ok(t_sysfs_u64(SYS_RAW1 "errors") - e0 >= 2,
	     "the errors counter counts the failed calls");

	/*
	 * A write over it: the recovery write on the DAX path, the driver's
	 * own clearing on the bio path; the page is marked bad again between
	 * the two, as a write that clears it unmarks it.
	 */
	t_fill(buf, 4096, bad, 0xcc);
	for (dax = 1; dax >= 0; dax--) {
		use_dax(dax);
		write_text(bb_file, cmd);
		w[dax] = request(1, buf, 4096, bad, 0);
		if (w[dax] != 4096)
			continue;
		cleared[dax] = t_read_text(bb_file, text, sizeof(text)) == 0;
		memset(buf, 0, 4096);
		t_ret(request(0, buf, 4096, bad, 0), 4096,
		      "%s: once written, the page reads", dax ? "dax" : "bio");
		t_ok(t_check(buf, 4096, bad, 0xcc),
		     "%s: with the data written", dax ? "dax" : "bio");
	}
	use_dax(1);
	t_note("a write of the bad page: dax %ld, bio %ld", w[1], w[0]);
	t_ok(w[1] == w[0] && (w[1] == 4096 || w[1] == -EIO),
	     "a write of the bad page: the same result on both paths");
	if (w[1] == 4096)
		t_ok(cleared[1] && cleared[0],
		     "the writes cleared the bad blocks on both paths");
	free(buf);
}

int main(int argc, char **argv)
{
	int ctl;

	if (argc != 3)
		t_usage(argv[0], "BLOCKDEV BADBLOCKS_FILE");
	bfd = t_bdev_open(argv[1], O_RDWR | O_DIRECT, &dev_size, NULL);
	if (t_lbs(bfd) != 512 || dev_size < 32 * MIB)
		t_fatal("%s: needs 512-byte blocks and 32 MiB", argv[1]);

	ctl = t_ctl_open();
	t_bind_path(ctl, 1, argv[1]);
	check_sysfs();
	fd = t_raw_open(1, O_RDWR);
	check_paths();
	check_errnos();
	check_badblocks(argv[2]);
	close(fd);
	t_ok(!t_bind(ctl, 1, 0, 0), "raw1 unbinds");
	close(bfd);
	return t_done();
}
