// SPDX-License-Identifier: GPL-2.0
/*
 * async_large - asynchronous requests larger than raw's pinning bound
 * (4 MiB of pages) through rawN, by libaio and io_uring:
 *  - 8, 64 and 256 MiB writes and reads return from io_submit(2) and
 *    io_uring_submit() before their I/O completes (no event or CQE is
 *    there yet, the device takes DELAY_MS for each I/O), complete once
 *    with all their bytes, and the data read is the data written;
 *  - an RWF_NOWAIT 64 MiB read on an idle device completes with all its
 *    bytes: nothing in it would block;
 *  - so is 64 MiB from an io_uring registered buffer (nothing to pin);
 *  - the page pins held while such a request runs never exceed the bound;
 *  - a 64 MiB write and read are charged whole to the caller: to its
 *    /proc/self/io and, given CGROUP (a cgroup v2 directory holding this
 *    process, with the io controller), to the cgroup's io.stat for
 *    BLOCKDEV, though raw's worker submits all but their first 4 MiB;
 *  - a process SIGKILLed with a 256 MiB aio or io_uring read in flight,
 *    and an io_uring ring closed with one in flight, leave no pin behind
 *    and a minor that unbinds.
 *
 * usage: async_large MINOR BLOCKDEV DELAY_MS [CGROUP]
 *   binds raw MINOR to BLOCKDEV (at least 256 MiB, every I/O taking
 *   DELAY_MS: null_blk irqmode=2 completion_nsec=...), overwrites its data
 *   and unbinds it at the end.
 */
#define _GNU_SOURCE
#include "lib/rawtest.h"

#include <errno.h>
#include <fcntl.h>
#include <libaio.h>
#include <liburing.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KIB		1024ULL
#define MIB		(1024 * KIB)
#define BIG		(256 * MIB)
/* raw's RAW_MAX_PINNED: 4 MiB of 4 KiB pages. */
#define PIN_BOUND	1024
/*
 * What a sample of the pins held may be off by: /proc/vmstat shows each
 * CPU's count only once it has moved by the vmstat threshold (a few dozen
 * pages on the rig's guests), and a part ending on one CPU while the next
 * starts on another can fall between stat_refresh and the read (1044 was
 * seen once).  A request pinned whole, or two parts at once, is 1024
 * pages over.
 */
#define PIN_SLACK	64

static int fd;
static dev_t bdev;
static const char *cgroup;
static unsigned long long verified;
static unsigned int delay_ms;
static long long pins_base;

/* One request in flight, by either interface. */
struct req {
	const char *api;
	io_context_t ctx;
	struct io_uring ring;
};

/*
 * Submit a read or write of @len at @off, from one buffer or, @vec, three
 * iovecs of it (which are scribbled over once the call returns: the
 * kernel must not need them any more); returns the ms it took.
 */
static double req_submit(struct req *r, int write, char *buf, size_t len,
			 uint64_t off, int flags, int vec)
{
	struct iovec iov[3] = {
		{ buf, len / 4 },
		{ buf + len / 4, len / 2 - 4096 },
		{ buf + 3 * len / 4 - 4096, len / 4 + 4096 },
	};
	double t0 = t_now_ms(), took;

	if (r->ctx) {
		struct iocb cb, *cbs[1] = { &cb };
		int n;

		if (vec && write)
			io_prep_pwritev(&cb, fd, iov, 3, off);
		else if (vec)
			io_prep_preadv(&cb, fd, iov, 3, off);
		else if (write)
			io_prep_pwrite(&cb, fd, buf, len, off);
		else
			io_prep_pread(&cb, fd, buf, len, off);
		cb.aio_rw_flags = flags;
		n = io_submit(r->ctx, 1, cbs);
		if (n != 1) {
			errno = n < 0 ? -n : 0;
			t_fatal("io_submit");
		}
	} else {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);

		if (!sqe)
			t_fatal("io_uring_get_sqe: ring full");
		if (vec && write)
			io_uring_prep_writev(sqe, fd, iov, 3, off);
		else if (vec)
			io_uring_prep_readv(sqe, fd, iov, 3, off);
		else if (write)
			io_uring_prep_write(sqe, fd, buf, len, off);
		else
			io_uring_prep_read(sqe, fd, buf, len, off);
		sqe->rw_flags = flags;
		if (io_uring_submit(&r->ring) != 1)
			t_fatal("%s: io_uring_submit", r->api);
	}
	took = t_now_ms() - t0;
	memset(iov, 0xa5, sizeof(iov));
	/* Keep the scribbling: the array is read by nobody else. */
	__asm__ volatile("" : : "r"(iov) : "memory");
	return took;
}

/* The request's result if it has completed, else 1 (none is positive). */
static long req_peek(struct req *r)
{
	long res;

	if (r->ctx) {
		struct timespec zero = { 0, 0 };
		struct io_event ev;
		int n = io_getevents(r->ctx, 0, 1, &ev, &zero);

		t_fatal_if_neg(n, "io_getevents");
		return n ? (long)ev.res : 1;
	} else {
		struct io_uring_cqe *cqe;

		if (io_uring_peek_cqe(&r->ring, &cqe))
			return 1;
		res = cqe->res;
		io_uring_cqe_seen(&r->ring, cqe);
		return res;
	}
}

/*
 * Wait up to 60 s for the request, sampling the pins held meanwhile;
 * returns its result, the most pins seen in *@peak.
 */
static long req_wait(struct req *r, long long *peak)
{
	double t0 = t_now_ms();
	long res;

	*peak = 0;
	while ((res = req_peek(r)) == 1) {
		long long held = t_pins_held() - pins_base;

		if (held > *peak)
			*peak = held;
		if (t_now_ms() - t0 > 60000)
			t_fatal("%s: no completion within 60 s", r->api);
		usleep(2000);
	}
	return res;
}

/*
 * A write or read of @len at @off: returns before its I/O completes,
 * completes with all its bytes, within the pinning bound.
 */
static void one_large(struct req *r, int write, char *buf, size_t len,
		      uint64_t off, int flags, int vec)
{
	const char *what = write ? (vec ? "writev" : "write") :
				   (vec ? "readv" : "read");
	long long peak;
	double t0, sub, done;
	long res;

	t0 = t_now_ms();
	sub = req_submit(r, write, buf, len, off, flags, vec);
	res = req_peek(r);
	t_ok(res == 1,
	     "%s %llu MiB %s%s: the submission returns before the I/O completes (%.1f ms)",
	     r->api, (unsigned long long)(len / MIB), what,
	     flags ? " RWF_NOWAIT" : "", sub);
	if (res == 1)
		res = req_wait(r, &peak);
	else
		peak = 0;
	done = t_now_ms() - t0;
	t_ret(res, len, "%s %llu MiB %s%s: all its bytes (in %.0f ms, submitted in %.1f ms)",
	      r->api, (unsigned long long)(len / MIB), what,
	      flags ? " RWF_NOWAIT" : "", done, sub);
	t_ok(sub < done, "%s %llu MiB %s%s: submit time %.1f ms < completion time %.0f ms",
	     r->api, (unsigned long long)(len / MIB), what,
	     flags ? " RWF_NOWAIT" : "", sub, done);
	t_ok(peak <= PIN_BOUND + PIN_SLACK,
	     "%s %llu MiB %s%s: at most %d pages pinned at once (%lld seen, vmstat drift %d allowed)",
	     r->api, (unsigned long long)(len / MIB), what,
	     flags ? " RWF_NOWAIT" : "", PIN_BOUND, peak, PIN_SLACK);
	t_ok(req_peek(r) == 1, "%s: one completion only", r->api);
}

/*
 * The value of @key in /proc/self/io, the whole process's; -1 on a kernel
 * without task I/O accounting (the debug tier's), which has no such file.
 */
static long long proc_io(const char *key)
{
	char name[32];
	long long v, ret = -1;
	FILE *f = fopen("/proc/self/io", "r");

	if (!f && errno == ENOENT)
		return -1;
	if (!f)
		t_fatal("/proc/self/io");
	while (fscanf(f, "%31[^:]: %lld\n", name, &v) == 2)
		if (!strcmp(name, key))
			ret = v;
	fclose(f);
	if (ret < 0)
		t_fatal("/proc/self/io has no %s", key);
	return ret;
}

/* @key ("rbytes", "wbytes") of BLOCKDEV's line in the cgroup's io.stat. */
static long long cg_io(const char *key)
{
	char path[256], line[512], want[32], *p;
	long long ret = 0;
	size_t klen = strlen(key);
	FILE *f;

	snprintf(path, sizeof(path), "%s/io.stat", cgroup);
	snprintf(want, sizeof(want), "%u:%u ", major(bdev), minor(bdev));
	f = fopen(path, "r");
	if (!f)
		t_fatal("%s", path);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, want, strlen(want)))
			continue;
		for (p = strstr(line, key); p; p = strstr(p + 1, key))
			if (p[klen] == '=' && p[-1] == ' ')
				ret = strtoll(p + klen + 1, NULL, 10);
	}
	fclose(f);
	return ret;
}

/*
 * Write and read 64 MiB by @r, each charged whole to this process and its
 * cgroup.  raw's worker submits every part after the first: without care
 * its bytes would count for the worker and the root cgroup.  The slack
 * covers whatever else the process's threads did meanwhile (nothing of
 * this size).
 */
static void check_charges(struct req *r, char *buf)
{
	static const char *const pkey[2] = { "read_bytes", "write_bytes" };
	static const char *const ckey[2] = { "rbytes", "wbytes" };
	const long long len = 64 * MIB, slack = MIB;
	long long p0, c0 = 0, dp, dc;
	int w;

	t_fill(buf, len, 0, 77);
	for (w = 1; w >= 0; w--) {
		p0 = proc_io(pkey[w]);
		if (cgroup)
			c0 = cg_io(ckey[w]);
		if (!w)
			memset(buf, 0, len);
		one_large(r, w, buf, len, 0, 0, 0);
		dp = proc_io(pkey[w]) - p0;
		if (p0 < 0)
			t_note("no /proc/self/io: %s not checked", pkey[w]);
		else
			t_ok(dp >= len && dp <= len + slack,
			     "%s 64 MiB %s: /proc/self/io %s grew by %lld (%lld expected)",
			     r->api, w ? "write" : "read", pkey[w], dp, len);
		if (!cgroup)
			continue;
		dc = cg_io(ckey[w]) - c0;
		t_ok(dc >= len && dc <= len + slack,
		     "%s 64 MiB %s: the cgroup's io.stat %s for %u:%u grew by %lld (%lld expected)",
		     r->api, w ? "write" : "read", ckey[w], major(bdev),
		     minor(bdev), dc, len);
	}
	t_ok(t_check(buf, len, 0, 77), "%s: the data read is the data written",
	     r->api);
}

static void req_open(struct req *r, int uring)
{
	memset(r, 0, sizeof(*r));
	if (uring) {
		r->api = "io_uring";
		t_fatal_if_neg(io_uring_queue_init(4, &r->ring, 0),
			       "io_uring_queue_init");
	} else {
		r->api = "aio";
		t_fatal_if_neg(io_setup(4, &r->ctx), "io_setup");
	}
}

static void req_close(struct req *r)
{
	if (r->ctx)
		io_destroy(r->ctx);
	else
		io_uring_queue_exit(&r->ring);
}

/*
 * Write and read back 8, 64 and 256 MiB by @r; then 64 MiB by three
 * iovecs each way, and a RWF_NOWAIT read of it.
 */
static void check_sizes(struct req *r, char *buf, uint64_t seed)
{
	static const size_t sizes[] = { 8 * MIB, 64 * MIB, 256 * MIB };
	size_t len = 64 * MIB;
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];

		t_fill(buf, n, 0, seed + i);
		one_large(r, 1, buf, n, 0, 0, 0);
		memset(buf, 0, n);
		one_large(r, 0, buf, n, 0, 0, 0);
		if (t_ok(t_check(buf, n, 0, seed + i),
			 "%s %llu MiB read returns the write", r->api,
			 (unsigned long long)(n / MIB)))
			verified += n;
	}
	t_fill(buf, len, 0, seed + 9);
	one_large(r, 1, buf, len, 0, 0, 1);
	memset(buf, 0, len);
	one_large(r, 0, buf, len, 0, 0, 1);
	if (t_ok(t_check(buf, len, 0, seed + 9),
		 "%s 64 MiB readv returns the writev", r->api))
		verified += len;
	memset(buf, 0, len);
	one_large(r, 0, buf, len, 0, RWF_NOWAIT, 0);
	if (t_ok(t_check(buf, len, 0, seed + 9),
		 "%s RWF_NOWAIT read returns the data", r->api))
		verified += len;
}

/*
 * 64 MiB through a registered buffer: io_uring's bvecs, which raw borrows
 * without pinning anything; queued all the same.
 */
static void check_fixed(char *buf, uint64_t seed)
{
	struct iovec iov = { buf, 64 * MIB };
	struct io_uring_sqe *sqe;
	int w, bad = 0;
	long long peak;
	struct req r;
	long res;

	req_open(&r, 1);
	t_fatal_if_neg(io_uring_register_buffers(&r.ring, &iov, 1),
		       "io_uring_register_buffers");
	t_fill(buf, iov.iov_len, 0, seed);
	for (w = 1; w >= 0; w--) {
		if (!w)
			memset(buf, 0, iov.iov_len);
		sqe = io_uring_get_sqe(&r.ring);
		if (w)
			io_uring_prep_write_fixed(sqe, fd, buf, iov.iov_len, 0, 0);
		else
			io_uring_prep_read_fixed(sqe, fd, buf, iov.iov_len, 0, 0);
		if (io_uring_submit(&r.ring) != 1)
			t_fatal("io_uring_submit");
		res = req_peek(&r);
		bad += res != 1;
		if (res == 1)
			res = req_wait(&r, &peak);
		t_ret(res, iov.iov_len, "io_uring 64 MiB %s from a registered buffer",
		      w ? "write" : "read");
	}
	t_ok(!bad, "their submissions return before the I/O completes");
	if (t_ok(t_check(buf, iov.iov_len, 0, seed),
		 "the registered-buffer read returns the write"))
		verified += iov.iov_len;
	req_close(&r);
}

/*
 * A child submits a 256 MiB read by @uring or aio and is SIGKILLed while
 * it is in flight (after two device delays: some part is pinned).
 */
static void check_kill(const char *path, int uring)
{
	int pipefd[2], status;
	char c = 0;
	pid_t pid;

	if (pipe(pipefd))
		t_fatal("pipe");
	pid = fork();
	if (pid < 0)
		t_fatal("fork");
	if (!pid) {
		char *buf = t_map(BIG);
		struct req r;

		close(pipefd[0]);
		fd = open(path, O_RDWR);
		if (fd < 0)
			_exit(2);
		req_open(&r, uring);
		req_submit(&r, 0, buf, BIG, 0, 0, 0);
		if (write(pipefd[1], &c, 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
	close(pipefd[1]);
	t_ret(read(pipefd[0], &c, 1), 1, "%s: the child submitted a 256 MiB read",
	      uring ? "io_uring" : "aio");
	close(pipefd[0]);
	usleep(2 * delay_ms * 1000);
	kill(pid, SIGKILL);
	t_ret(waitpid(pid, &status, 0), pid, "reap the child");
	t_ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	     "the child died of SIGKILL");
	t_check_pins(pins_base, uring ? "SIGKILL with an io_uring read in flight" :
			"SIGKILL with an aio read in flight");
}

/* Close an io_uring ring with a 64 MiB read in flight. */
static void check_ring_close(char *buf)
{
	struct req r;

	req_open(&r, 1);
	req_submit(&r, 0, buf, 64 * MIB, 0, 0, 0);
	usleep(2 * delay_ms * 1000);
	t_ok(req_peek(&r) == 1, "io_uring: the 64 MiB read is in flight");
	io_uring_queue_exit(&r.ring);
	t_check_pins(pins_base, "the ring closed with a 64 MiB read in flight");
}

int main(int argc, char **argv)
{
	const char *path;
	struct req r;
	int ctl, minor;
	char *buf;

	if (argc != 4 && argc != 5)
		t_usage("async_large", "MINOR BLOCKDEV DELAY_MS [CGROUP]");
	minor = t_num(argv[1]);
	delay_ms = t_num(argv[3]);
	bdev = t_rdev(argv[2]);
	if (argc == 5)
		cgroup = argv[4];
	fd = t_raw_bind_open(&ctl, minor, argv[2], O_RDWR);
	path = t_raw_path(minor);
	if (t_dev_size(fd) < BIG)
		t_fatal("%s is smaller than 256 MiB", argv[2]);
	buf = t_map(BIG);

	pins_base = t_pins_held();
	req_open(&r, 0);
	check_sizes(&r, buf, 40);
	check_charges(&r, buf);
	req_close(&r);
	t_check_pins(pins_base, "the aio requests");
	req_open(&r, 1);
	check_sizes(&r, buf, 50);
	check_charges(&r, buf);
	req_close(&r);
	t_check_pins(pins_base, "the io_uring requests");
	check_fixed(buf, 60);
	t_check_pins(pins_base, "the registered buffer");
	check_ring_close(buf);
	close(fd);

	t_unmap(buf, BIG);
	check_kill(path, 0);
	check_kill(path, 1);
	t_figure("bytes_verified", verified);
	return t_raw_finish_wait(ctl, minor);
}
