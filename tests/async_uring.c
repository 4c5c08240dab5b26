// SPDX-License-Identifier: GPL-2.0
/*
 * async_uring - io_uring and preadv2/pwritev2 flags through rawN.
 *
 *  - io_uring reads and writes, with plain buffers (which raw pins: the
 *    minor's pages_pinned counter moves) and with registered buffers and
 *    files (which raw uses as they are: pages_pinned does not move); all
 *    issued inline, without io-wq worker threads;
 *  - errors as read(2) reports them;
 *  - RWF_NOWAIT returns data or EAGAIN, and EAGAIN while the block device's
 *    page cache holds the range; RWF_DSYNC writes; RWF_HIPRI reads;
 *  - with --poll: an IORING_SETUP_IOPOLL ring (plain and fixed buffers),
 *    and proof that polled requests complete without interrupts:
 *      --poll nvme: /proc/interrupts counts of the nvme queues stay flat
 *                   over polled reads and rise over interrupt-driven ones;
 *      --poll MS:   the device (null_blk irqmode=2) completes interrupt-
 *                   driven requests after MS ms, polled ones at once;
 *    synchronous RWF_HIPRI reads are polled with raw's sync_poll=1 and
 *    interrupt-driven with sync_poll=0 (the default, as block O_DIRECT);
 *  - last, a request over the pin bound, queued and submitted in parts.
 *
 * usage: async_uring [--poll nvme|MS] RAWDEV BLOCKDEV
 *   RAWDEV is bound to BLOCKDEV (at least 64 MiB); its data is overwritten.
 */
#define _GNU_SOURCE
#include "lib/rawtest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define KIB		1024ULL
#define MIB		(1024 * KIB)
#define NREQ		32
#define REQ_LEN		(16 * KIB)
#define FIXED_LEN	(NREQ * REQ_LEN)

static int fd;
static const char *raw_path, *bdev_path;
static char pinned_path[96];
static uint64_t dev_size;

static unsigned long long pinned(void)
{
	return t_sysfs_u64(pinned_path);
}

static void ring_init(struct io_uring *ring, unsigned int entries,
		      unsigned int flags)
{
	t_fatal_if_neg(io_uring_queue_init(entries, ring, flags),
		       "io_uring_queue_init(%u, %#x)", entries, flags);
}

static struct io_uring_sqe *sqe_get(struct io_uring *ring)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe)
		t_fatal("io_uring_get_sqe: ring full");
	return sqe;
}

/*
 * Submit what is queued and collect @n completions into @res (indexed by
 * user_data); returns how many user_data were out of range or seen twice.
 */
static int complete(struct io_uring *ring, int n, int *res, int nres)
{
	struct io_uring_cqe *cqe;
	char seen[256] = { 0 };
	int i, bad = 0;

	t_fatal_if_neg(io_uring_submit_and_wait(ring, n),
		       "io_uring_submit_and_wait");
	for (i = 0; i < n; i++) {
		t_fatal_if_neg(io_uring_wait_cqe(ring, &cqe),
			       "io_uring_wait_cqe");
		if (cqe->user_data < (unsigned long long)nres &&
		    cqe->user_data < sizeof(seen) && !seen[cqe->user_data]) {
			seen[cqe->user_data] = 1;
			res[cqe->user_data] = cqe->res;
		} else {
			bad++;
		}
		io_uring_cqe_seen(ring, cqe);
	}
	if (!io_uring_peek_cqe(ring, &cqe))
		bad++;
	return bad;
}

/* One request already prepared in the ring: its result. */
static int one(struct io_uring *ring)
{
	int res = 0;

	if (complete(ring, 1, &res, 1))
		t_fatal("a completion for an unknown request");
	return res;
}

/*
 * NREQ writes then NREQ reads of REQ_LEN at @base (queue depth NREQ), from
 * @mem; @fixed: registered buffer 0 (at @mem) and registered file 0.
 * Returns the number of failed checks.
 */
static int round_trip(struct io_uring *ring, char *mem, uint64_t base,
		      int fixed, uint64_t seed)
{
	int res[NREQ], pass, i, bad = 0;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < NREQ; i++) {
			struct io_uring_sqe *sqe = sqe_get(ring);
			char *p = mem + i * REQ_LEN;
			uint64_t off = base + i * REQ_LEN;

			if (!pass)
				t_fill(p, REQ_LEN, off, seed);
			else
				memset(p, 0, REQ_LEN);
			if (fixed && pass)
				io_uring_prep_read_fixed(sqe, 0, p, REQ_LEN,
							 off, 0);
			else if (fixed)
				io_uring_prep_write_fixed(sqe, 0, p, REQ_LEN,
							  off, 0);
			else if (pass)
				io_uring_prep_read(sqe, fd, p, REQ_LEN, off);
			else
				io_uring_prep_write(sqe, fd, p, REQ_LEN, off);
			if (fixed)
				sqe->flags |= IOSQE_FIXED_FILE;
			sqe->user_data = i;
			res[i] = -1000;
		}
		bad += complete(ring, NREQ, res, NREQ);
		for (i = 0; i < NREQ; i++)
			if (res[i] != (int)REQ_LEN) {
				t_note("%s %d: res %d", pass ? "read" : "write",
				       i, res[i]);
				bad++;
			}
	}
	for (i = 0; i < NREQ; i++)
		bad += !t_check(mem + i * REQ_LEN, REQ_LEN, base + i * REQ_LEN,
				seed);
	return bad;
}

/* Register @mem as buffer 0 and the raw fd as file 0 of @ring. */
static void register_both(struct io_uring *ring, char *mem)
{
	struct iovec iov = { mem, FIXED_LEN };

	t_fatal_if_neg(io_uring_register_buffers(ring, &iov, 1),
		       "io_uring_register_buffers");
	t_fatal_if_neg(io_uring_register_files(ring, &fd, 1),
		       "io_uring_register_files");
}

/* Threads of this process that are io-wq workers ("iou-wrk-PID"). */
static int io_workers(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	char path[300], comm[64];
	int n = 0;

	if (!d)
		t_fatal("opendir /proc/self/task");
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm",
			 e->d_name);
		if (t_read_text(path, comm, sizeof(comm)) > 0 &&
		    !strncmp(comm, "iou-wrk", 7))
			n++;
	}
	closedir(d);
	return n;
}

/* Plain and fixed buffers on an interrupt-driven ring. */
static void check_ring(char *mem)
{
	struct io_uring ring;
	unsigned long long p0;

	ring_init(&ring, 64, 0);
	p0 = pinned();
	t_ok(!round_trip(&ring, mem, 2 * MIB, 0, 11),
	     "io_uring: %d writes and reads of 16 KiB at depth %d, plain buffers",
	     NREQ, NREQ);
	t_ret(pinned() - p0, 2 * NREQ * (REQ_LEN / 4096),
	      "plain buffers: pages_pinned rises by the pages of the requests");

	register_both(&ring, mem);
	p0 = pinned();
	t_ok(!round_trip(&ring, mem, 3 * MIB, 1, 12),
	     "io_uring: the same with registered buffers and files");
	t_ret(pinned() - p0, 0,
	      "registered buffers: pages_pinned does not move (used without pinning)");
	t_ret(io_workers(), 0,
	      "no io-wq worker threads: every request was issued inline");
	io_uring_queue_exit(&ring);
}

static void prep_rw(struct io_uring *ring, int write, void *buf, size_t len,
		    uint64_t off, int rw_flags)
{
	struct io_uring_sqe *sqe = sqe_get(ring);

	if (write)
		io_uring_prep_write(sqe, fd, buf, len, off);
	else
		io_uring_prep_read(sqe, fd, buf, len, off);
	sqe->rw_flags = rw_flags;
	sqe->user_data = 0;
}

static void check_errors(char *mem)
{
	struct io_uring ring;

	ring_init(&ring, 8, 0);
	prep_rw(&ring, 0, mem, 64 * KIB, dev_size - 4096, 0);
	t_ret(one(&ring), 4096, "io_uring read across the end of the device is short");
	prep_rw(&ring, 0, mem, 4096, dev_size, 0);
	t_ret(one(&ring), 0, "io_uring read at the end of the device returns 0");
	prep_rw(&ring, 1, mem, 4096, dev_size, 0);
	t_ret(one(&ring), -ENOSPC, "io_uring write at the end of the device: -ENOSPC");
	prep_rw(&ring, 0, mem, 4096, 4096 + 100, 0);
	t_ret(one(&ring), -EINVAL, "io_uring read at a misaligned offset: -EINVAL");
	prep_rw(&ring, 0, mem + 1, 4096, 4096, 0);
	t_ret(one(&ring), -EINVAL, "io_uring read into a misaligned buffer: -EINVAL");
	io_uring_queue_exit(&ring);
}

/*
 * Over the 4 MiB pin bound raw queues a request all the same and submits
 * it in parts (tests/async_large.c looks closer).
 */
static void check_big(char *mem)
{
	struct io_uring ring;

	ring_init(&ring, 8, 0);
	t_fill(mem, 8 * MIB, 8 * MIB, 13);
	prep_rw(&ring, 1, mem, 8 * MIB, 8 * MIB, 0);
	t_ret(one(&ring), 8 * MIB, "8 MiB io_uring write (over the pin bound)");
	memset(mem, 0, 8 * MIB);
	prep_rw(&ring, 0, mem, 8 * MIB, 8 * MIB, 0);
	t_ret(one(&ring), 8 * MIB, "8 MiB io_uring read");
	t_ok(t_check(mem, 8 * MIB, 8 * MIB, 13), "its data is right");
	io_uring_queue_exit(&ring);
}

/* preadv2/pwritev2 flags, and RWF_NOWAIT against a cached range. */
static void check_flags(char *mem)
{
	struct iovec iov = { mem, 64 * KIB };
	struct io_uring ring;
	uint64_t off = 20 * MIB;
	ssize_t n;
	int bfd;

	t_fill(mem, 64 * KIB, off, 21);
	t_ret(pwritev2(fd, &iov, 1, off, RWF_DSYNC), 64 * KIB,
	      "pwritev2 RWF_DSYNC 64 KiB");
	memset(mem, 0, 64 * KIB);
	n = preadv2(fd, &iov, 1, off, RWF_NOWAIT);
	if (n == -1 && errno == EAGAIN) {
		t_ok(1, "preadv2 RWF_NOWAIT: EAGAIN");
	} else {
		t_ret(n, 64 * KIB, "preadv2 RWF_NOWAIT: data or EAGAIN");
		t_ok(t_check(mem, 64 * KIB, off, 21), "its data is the RWF_DSYNC write");
	}
	memset(mem, 0, 64 * KIB);
	t_ret(preadv2(fd, &iov, 1, off, RWF_HIPRI), 64 * KIB,
	      "preadv2 RWF_HIPRI 64 KiB");
	t_ok(t_check(mem, 64 * KIB, off, 21), "its data is right");

	ring_init(&ring, 8, 0);
	t_fill(mem, 64 * KIB, off + MIB, 22);
	prep_rw(&ring, 1, mem, 64 * KIB, off + MIB, RWF_DSYNC);
	t_ret(one(&ring), 64 * KIB, "io_uring write with RWF_DSYNC");
	memset(mem, 0, 64 * KIB);
	t_pread_all(fd, mem, 64 * KIB, off + MIB);
	t_ok(t_check(mem, 64 * KIB, off + MIB, 22), "it landed");

	/* A dirty page in the block device's cache: raw would write it back. */
	bfd = open(bdev_path, O_RDWR);
	if (bfd < 0)
		t_fatal("open %s", bdev_path);
	t_fill(mem, 4096, off, 23);
	t_pwrite_all(bfd, mem, 4096, off);
	iov.iov_len = 4096;
	t_errno(preadv2(fd, &iov, 1, off, RWF_NOWAIT), EAGAIN,
		"preadv2 RWF_NOWAIT of a range dirty in the page cache: EAGAIN");
	prep_rw(&ring, 0, mem, 4096, off, RWF_NOWAIT);
	t_ret(one(&ring), -EAGAIN,
	      "io_uring read with RWF_NOWAIT of that range: -EAGAIN");
	memset(mem, 0, 4096);
	t_ret(preadv2(fd, &iov, 1, off, 0), 4096,
	      "preadv2 without RWF_NOWAIT of that range");
	t_ok(t_check(mem, 4096, off, 23), "returns the cached write");
	close(bfd);
	io_uring_queue_exit(&ring);
}

/* Sum of the /proc/interrupts counts of every nvme queue. */
static unsigned long long nvme_irqs(void)
{
	FILE *f = fopen("/proc/interrupts", "r");
	unsigned long long sum = 0;
	char line[4096];

	if (!f)
		t_fatal("open /proc/interrupts");
	while (fgets(line, sizeof(line), f)) {
		char *p, *end;

		if (!strstr(line, "nvme"))
			continue;
		p = strchr(line, ':');
		if (!p)
			continue;
		for (p++;; p = end) {
			unsigned long long v = strtoull(p, &end, 10);

			if (end == p)
				break;
			sum += v;
		}
	}
	fclose(f);
	return sum;
}

/* raw's switch for polling synchronous RWF_HIPRI requests. */
static void set_sync_poll(int on)
{
	const char *path = "/sys/module/raw/parameters/sync_poll";
	int pfd = open(path, O_WRONLY);

	if (pfd < 0 || write(pfd, on ? "1" : "0", 1) != 1)
		t_fatal("write %s", path);
	close(pfd);
}

enum how { HOW_RING, HOW_HIPRI };

/* @n reads of 4 KiB at depth 1 through @ring (or preadv2 RWF_HIPRI). */
static int reads_qd1(struct io_uring *ring, enum how how, int fixed,
		     char *mem, int n)
{
	struct iovec iov = { mem, 4096 };
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		uint64_t off = 4 * MIB + (uint64_t)(i % 256) * 4096;

		if (how == HOW_HIPRI) {
			bad += preadv2(fd, &iov, 1, off, RWF_HIPRI) != 4096;
			continue;
		}
		if (fixed) {
			struct io_uring_sqe *sqe = sqe_get(ring);

			io_uring_prep_read_fixed(sqe, 0, mem, 4096, off, 0);
			sqe->flags |= IOSQE_FIXED_FILE;
			sqe->user_data = 0;
		} else {
			prep_rw(ring, 0, mem, 4096, off, 0);
		}
		bad += one(ring) != 4096;
	}
	return bad;
}

/*
 * Measure @n depth-1 reads: interrupts of the nvme queues (@nvme) or
 * milliseconds.  Fails the program if any read fails.
 */
static double measure(struct io_uring *ring, enum how how, int fixed,
		      char *mem, int n, int nvme)
{
	unsigned long long i0 = nvme ? nvme_irqs() : 0;
	double t0 = t_now_ms();

	if (reads_qd1(ring, how, fixed, mem, n))
		t_fatal("a 4 KiB read failed");
	return nvme ? (double)(nvme_irqs() - i0) : t_now_ms() - t0;
}

static void check_poll(char *mem, const char *poll)
{
	int nvme = !strcmp(poll, "nvme");
	double delay = nvme ? 0 : (double)t_num(poll);
	int n = nvme ? 400 : 40;
	struct io_uring ring, plain;
	double polled, fixed, hipri, hipri_irq, irq;

	ring_init(&ring, 64, IORING_SETUP_IOPOLL);
	t_ok(!round_trip(&ring, mem, 5 * MIB, 0, 31),
	     "IOPOLL ring: %d writes and reads of 16 KiB at depth %d", NREQ,
	     NREQ);
	register_both(&ring, mem);
	t_ok(!round_trip(&ring, mem, 6 * MIB, 1, 32),
	     "IOPOLL ring: the same with registered buffers and files");

	ring_init(&plain, 8, 0);
	polled = measure(&ring, HOW_RING, 0, mem, n, nvme);
	fixed = measure(&ring, HOW_RING, 1, mem, n, nvme);
	set_sync_poll(1);
	hipri = measure(NULL, HOW_HIPRI, 0, mem, n, nvme);
	set_sync_poll(0);
	hipri_irq = measure(NULL, HOW_HIPRI, 0, mem, nvme ? n : n / 4, nvme);
	irq = measure(&plain, HOW_RING, 0, mem, nvme ? n : n / 4, nvme);
	io_uring_queue_exit(&plain);
	io_uring_queue_exit(&ring);

	if (nvme) {
		t_note("nvme interrupts over %d reads: IOPOLL %.0f, IOPOLL fixed %.0f, RWF_HIPRI %.0f (sync_poll=1) %.0f (sync_poll=0), interrupt-driven %.0f",
		       n, polled, fixed, hipri, hipri_irq, irq);
		t_ok(irq >= n / 2,
		     "interrupt-driven reads raise nvme interrupts (%.0f for %d)",
		     irq, n);
		t_ok(polled < n / 8 && fixed < n / 8,
		     "IOPOLL reads complete without interrupts (%.0f, %.0f for %d)",
		     polled, fixed, n);
		t_ok(hipri < n / 8,
		     "preadv2 RWF_HIPRI with sync_poll=1 completes without interrupts (%.0f for %d)",
		     hipri, n);
		t_ok(hipri_irq >= n / 2,
		     "preadv2 RWF_HIPRI with sync_poll=0 is interrupt-driven (%.0f for %d)",
		     hipri_irq, n);
		return;
	}
	t_note("ms for %d reads: IOPOLL %.0f, IOPOLL fixed %.0f, RWF_HIPRI (sync_poll=1) %.0f; %d RWF_HIPRI (sync_poll=0): %.0f, interrupt-driven: %.0f",
	       n, polled, fixed, hipri, n / 4, hipri_irq, irq);
	t_ok(irq >= n / 4 * delay,
	     "interrupt-driven reads take the device delay (%.0f ms for %d)",
	     irq, n / 4);
	t_ok(polled < n * delay / 4 && fixed < n * delay / 4,
	     "IOPOLL reads complete when polled, not after the delay (%.0f, %.0f ms for %d)",
	     polled, fixed, n);
	t_ok(hipri < n * delay / 4,
	     "preadv2 RWF_HIPRI with sync_poll=1 completes when polled (%.0f ms for %d)",
	     hipri, n);
	t_ok(hipri_irq >= n / 4 * delay,
	     "preadv2 RWF_HIPRI with sync_poll=0 takes the device delay (%.0f ms for %d)",
	     hipri_irq, n / 4);
}

int main(int argc, char **argv)
{
	const char *poll = NULL;
	size_t memlen = 8 * MIB;
	struct stat st;
	long long base;
	char *mem;

	if (argc == 5 && !strcmp(argv[1], "--poll")) {
		poll = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc != 3)
		t_usage("async_uring", "[--poll nvme|MS] RAWDEV BLOCKDEV");
	raw_path = argv[1];
	bdev_path = argv[2];
	fd = open(raw_path, O_RDWR);
	if (fd < 0 || fstat(fd, &st))
		t_fatal("open %s", raw_path);
	snprintf(pinned_path, sizeof(pinned_path),
		 "/sys/class/raw/raw%u/pages_pinned", minor(st.st_rdev));
	dev_size = t_dev_size(fd);
	if (dev_size < 64 * MIB)
		t_fatal("%s is smaller than 64 MiB", raw_path);
	mem = t_map(memlen);

	base = t_pins_held();
	check_ring(mem);
	t_check_pins(base, "the ring closed");
	check_errors(mem);
	t_check_pins(base, "the failed requests");
	check_flags(mem);
	t_check_pins(base, "the flagged requests");
	if (poll) {
		check_poll(mem, poll);
		t_check_pins(base, "the IOPOLL ring closed");
	}
	check_big(mem);
	t_check_pins(base, "the large requests");

	t_unmap(mem, memlen);
	close(fd);
	return t_done();
}
