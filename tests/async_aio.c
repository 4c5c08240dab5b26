// SPDX-License-Identifier: GPL-2.0
/*
 * async_aio - libaio (io_submit) through rawN: the call queues the request
 * and returns before the device completes it (the -EIOCBQUEUED path); each
 * request completes exactly once, with its byte count or its error; end of
 * device, misalignment and medium errors report as read(2) would; RWF_NOWAIT
 * on an idle device queues even a request over the pin bound.
 *
 * usage: async_aio RAWDEV DELAY_MS BAD_OFFSET
 *   RAWDEV is bound to a device that takes DELAY_MS to complete each I/O
 *   (null_blk irqmode=2 completion_nsec=...) and fails the 4 KiB at byte
 *   BAD_OFFSET (null_blk badblocks).  Its data is overwritten.
 */
#define _GNU_SOURCE
#include "lib/rawtest.h"

#include <errno.h>
#include <fcntl.h>
#include <libaio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define KIB		1024ULL
#define MIB		(1024 * KIB)
#define NBATCH		48
#define NVEC		3

static io_context_t ctx;
static int fd;
static unsigned int delay_ms;
static uint64_t dev_size;

/* Events ready within @ms milliseconds, at least @min of them wanted. */
static int reap(struct io_event *ev, int min, int max, unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	int got = 0, n;

	while (got < max) {
		n = io_getevents(ctx, got < min ? min - got : 0, max - got,
				 ev + got, &ts);
		t_fatal_if_neg(n, "io_getevents");
		if (!n)
			break;
		got += n;
	}
	return got;
}

/* No event turns up in a further 200 ms: nothing completes twice. */
static void check_no_more(const char *what)
{
	struct io_event ev[4];

	t_ret(reap(ev, 1, 4, 200), 0, "%s: no further completion", what);
}

/* Submit one iocb and return its event's result, or fail the program. */
static long one(struct iocb *cb)
{
	struct iocb *cbs[1] = { cb };
	struct io_event ev;
	int n;

	n = io_submit(ctx, 1, cbs);
	if (n != 1) {
		errno = n < 0 ? -n : 0;
		t_fatal("io_submit");
	}
	if (reap(&ev, 1, 1, 30000) != 1)
		t_fatal("no completion within 30 s");
	if (ev.obj != cb)
		t_fatal("event for another iocb");
	return (long)ev.res;
}

static void check_queued(void *buf)
{
	struct iocb cb, *cbs[1] = { &cb };
	struct io_event ev[2];
	double t0, took;

	t_fill(buf, 64 * KIB, MIB, 1);
	io_prep_pwrite(&cb, fd, buf, 64 * KIB, MIB);
	cb.data = (void *)0x5eed;
	t0 = t_now_ms();
	t_ret(io_submit(ctx, 1, cbs), 1, "io_submit one 64 KiB write");
	took = t_now_ms() - t0;
	t_ok(took < delay_ms,
	     "io_submit returns before the device completes (%.1f ms, the device takes %u ms)",
	     took, delay_ms);
	t_ret(io_getevents(ctx, 0, 1, ev, &(struct timespec){ 0, 0 }), 0,
	      "no event right after io_submit");
	if (t_ret(reap(ev, 1, 1, 30000), 1, "the write completes")) {
		t_ok(ev[0].obj == &cb && ev[0].data == (void *)0x5eed,
		     "its event names its iocb and data");
		t_ret((long)ev[0].res, 64 * KIB, "its result is the byte count");
		t_ret((long)ev[0].res2, 0, "res2 is 0");
	}
	check_no_more("one write");

	memset(buf, 0, 64 * KIB);
	io_prep_pread(&cb, fd, buf, 64 * KIB, MIB);
	t_ret(one(&cb), 64 * KIB, "aio read of it: 64 KiB");
	t_ok(t_check(buf, 64 * KIB, MIB, 1), "aio read returns the aio write");
}

/* Request i of the batch: its length and device offset. */
static size_t batch_len(int i)
{
	static const size_t big[] = { MIB, 4 * MIB, 2 * MIB + 512 };

	if (i < 3)
		return big[i];
	return ((size_t)(i * 7919) % 128 + 1) * 512;
}

/*
 * NBATCH writes (some vectored) in one io_submit, then NBATCH reads of them:
 * every iocb completes exactly once, with its own length.
 */
static void check_batch(char *mem, uint64_t base)
{
	static struct iocb cbs[NBATCH];
	static struct iocb *ptrs[NBATCH];
	static struct iovec iov[NBATCH][NVEC];
	struct io_event ev[NBATCH + 1];
	size_t boff[NBATCH];
	uint64_t doff[NBATCH];
	int seen[NBATCH], pass, i, n, bad;
	size_t b = 0;
	uint64_t d = base;
	double t0, took;

	for (i = 0; i < NBATCH; i++) {
		boff[i] = b;
		doff[i] = d;
		b += (batch_len(i) + 4095) & ~4095ULL;
		d += batch_len(i);
	}
	for (pass = 0; pass < 2; pass++) {
		const char *what = pass ? "reads" : "writes";

		for (i = 0; i < NBATCH; i++) {
			size_t len = batch_len(i);
			char *p = mem + boff[i];

			if (!pass)
				t_fill(p, len, doff[i], 2);
			else
				memset(p, 0, len);
			if (i % 4 == 3 && len >= NVEC * 512) {
				size_t a = len / NVEC & ~511ULL;

				iov[i][0] = (struct iovec){ p, a };
				iov[i][1] = (struct iovec){ p + a, a };
				iov[i][2] = (struct iovec){ p + 2 * a,
							    len - 2 * a };
				if (pass)
					io_prep_preadv(&cbs[i], fd, iov[i],
						       NVEC, doff[i]);
				else
					io_prep_pwritev(&cbs[i], fd, iov[i],
							NVEC, doff[i]);
			} else if (pass) {
				io_prep_pread(&cbs[i], fd, p, len, doff[i]);
			} else {
				io_prep_pwrite(&cbs[i], fd, p, len, doff[i]);
			}
			cbs[i].data = (void *)(uintptr_t)i;
			ptrs[i] = &cbs[i];
			seen[i] = 0;
		}
		t0 = t_now_ms();
		n = io_submit(ctx, NBATCH, ptrs);
		took = t_now_ms() - t0;
		t_ret(n, NBATCH, "io_submit %d %s of 512 B to 4 MiB", NBATCH,
		      what);
		/*
		 * Each request takes the device delay_ms: had io_submit waited
		 * for them, all would be ready now.  Counting what is ready
		 * holds however slow the kernel is (a debug kernel pins 4 MiB
		 * slowly); a wall-clock bound did not.
		 */
		n = io_getevents(ctx, 0, NBATCH + 1, ev,
				 &(struct timespec){ 0, 0 });
		t_ok(n >= 0 && n < NBATCH,
		     "io_submit of the %s returns before they complete (%d of %d ready after %.1f ms)",
		     what, n, NBATCH, took);
		if (n < 0)
			n = 0;
		n += reap(ev + n, NBATCH - n, NBATCH + 1 - n, 30000);
		t_ret(n, NBATCH, "%d events for the %s", NBATCH, what);
		bad = 0;
		for (i = 0; i < n; i++) {
			uintptr_t k = (uintptr_t)ev[i].data;

			if (k >= NBATCH || ev[i].obj != &cbs[k]) {
				bad++;
				continue;
			}
			seen[k]++;
			if ((long)ev[i].res != (long)batch_len(k)) {
				t_note("iocb %lu: res %ld, want %zu",
				       (unsigned long)k, (long)ev[i].res,
				       batch_len(k));
				bad++;
			}
		}
		for (i = 0; i < NBATCH; i++)
			if (seen[i] != 1) {
				t_note("iocb %d completed %d times", i,
				       seen[i]);
				bad++;
			}
		t_ok(!bad, "each of the %s completed exactly once with its length",
		     what);
		check_no_more(what);
	}
	bad = 0;
	for (i = 0; i < NBATCH; i++)
		bad += !t_check(mem + boff[i], batch_len(i), doff[i], 2);
	t_ok(!bad, "the batch of reads returns the batch of writes");
}

/*
 * A 2 MiB read in 512 segments of 4 KiB, each from every other page (so no
 * two merge into one bio vector): at least two bios, the first of them
 * clear of the bad block 1.5 MiB in, so the read must be short.
 */
static void check_short_vectored(char *buf, uint64_t lo, uint64_t bad_off)
{
	static struct iovec iov[512];
	struct iocb cb;
	long res;
	int i, good = 1;

	for (i = 0; i < 512; i++) {
		iov[i] = (struct iovec){ buf + i * 8192ULL, 4096 };
		memset(iov[i].iov_base, 0, 4096);
	}
	io_prep_preadv(&cb, fd, iov, 512, lo);
	res = one(&cb);
	t_ok(res > 0 && res <= (long)(bad_off - lo) && res % 4096 == 0,
	     "2 MiB aio readv (512 segments) over the bad block: short, %ld bytes",
	     res);
	for (i = 0; res > 0 && i < res / 4096; i++)
		good &= t_check(iov[i].iov_base, 4096, lo + i * 4096ULL, 3);
	t_ok(good, "the short readv's data is right");
}

static void check_errors(char *buf, uint64_t bad_off)
{
	struct iocb cb;
	uint64_t lo = bad_off - MIB - MIB / 2;
	long res;

	io_prep_pread(&cb, fd, buf, 64 * KIB, dev_size - 4096);
	t_ret(one(&cb), 4096, "aio read across the end of the device is short");
	io_prep_pread(&cb, fd, buf, 4096, dev_size);
	t_ret(one(&cb), 0, "aio read at the end of the device returns 0");
	io_prep_pwrite(&cb, fd, buf, 4096, dev_size);
	t_ret(one(&cb), -ENOSPC, "aio write at the end of the device: -ENOSPC");
	io_prep_pread(&cb, fd, buf, 4096, 4096 + 100);
	t_ret(one(&cb), -EINVAL, "aio read at a misaligned offset: -EINVAL");
	io_prep_pread(&cb, fd, buf + 1, 4096, 4096);
	t_ret(one(&cb), -EINVAL, "aio read into a misaligned buffer: -EINVAL");
	io_prep_pread(&cb, fd, buf, 100, 4096);
	t_ret(one(&cb), -EINVAL, "aio read of a misaligned length: -EINVAL");

	io_prep_pread(&cb, fd, buf, 4096, bad_off);
	t_ret(one(&cb), -EIO, "aio read of a bad block: -EIO");
	t_fill(buf, bad_off - lo, lo, 3);
	io_prep_pwrite(&cb, fd, buf, bad_off - lo, lo);
	t_ret(one(&cb), (long)(bad_off - lo), "aio write up to the bad block");
	memset(buf, 0, 2 * MIB);
	io_prep_pread(&cb, fd, buf, 2 * MIB, lo);
	res = one(&cb);
	if (res > 0) {
		t_ok(res <= (long)(bad_off - lo) && res % 512 == 0,
		     "2 MiB aio read over a bad block 1.5 MiB in: short, %ld bytes",
		     res);
		t_ok(t_check(buf, res, lo, 3), "the short read's data is right");
	} else {
		t_ret(res, -EIO,
		      "2 MiB aio read over a bad block 1.5 MiB in: -EIO or short");
	}
	t_note("2 MiB aio read over the bad block: %ld", res);
	check_short_vectored(buf, lo, bad_off);
	check_no_more("the failed requests");
}

/*
 * Over the 4 MiB pin bound the request goes out in parts
 * (tests/async_large.c looks closer); RWF_NOWAIT on the idle device does
 * not block.
 */
static void check_big(char *buf)
{
	size_t len = 8 * MIB;
	struct iocb cb;
	long res;

	t_fill(buf, len, 64 * MIB, 4);
	io_prep_pwrite(&cb, fd, buf, len, 64 * MIB);
	t_ret(one(&cb), len, "8 MiB aio write (over the pin bound)");
	memset(buf, 0, len);
	io_prep_pread(&cb, fd, buf, len, 64 * MIB);
	t_ret(one(&cb), len, "8 MiB aio read");
	t_ok(t_check(buf, len, 64 * MIB, 4), "8 MiB aio read returns the write");

	io_prep_pread(&cb, fd, buf, len, 64 * MIB);
	cb.aio_rw_flags = RWF_NOWAIT;
	t_ret(one(&cb), len,
	      "8 MiB aio read with RWF_NOWAIT: all its bytes, nothing blocks");
	memset(buf, 0, 64 * KIB);
	io_prep_pread(&cb, fd, buf, 64 * KIB, 64 * MIB);
	cb.aio_rw_flags = RWF_NOWAIT;
	res = one(&cb);
	if (res == -EAGAIN) {
		t_ok(1, "64 KiB aio read with RWF_NOWAIT: -EAGAIN");
	} else {
		t_ret(res, 64 * KIB, "64 KiB aio read with RWF_NOWAIT");
		t_ok(t_check(buf, 64 * KIB, 64 * MIB, 4),
		     "its data is right");
	}
	t_fill(buf, 64 * KIB, 80 * MIB, 5);
	io_prep_pwrite(&cb, fd, buf, 64 * KIB, 80 * MIB);
	cb.aio_rw_flags = RWF_DSYNC;
	t_ret(one(&cb), 64 * KIB, "64 KiB aio write with RWF_DSYNC");
	memset(buf, 0, 64 * KIB);
	t_pread_all(fd, buf, 64 * KIB, 80 * MIB);
	t_ok(t_check(buf, 64 * KIB, 80 * MIB, 5), "the RWF_DSYNC write landed");
}

int main(int argc, char **argv)
{
	size_t memlen = 16 * MIB;
	uint64_t bad_off;
	long long base;
	char *mem;

	if (argc != 4)
		t_usage("async_aio", "RAWDEV DELAY_MS BAD_OFFSET");
	delay_ms = t_num(argv[2]);
	bad_off = t_num(argv[3]);
	fd = open(argv[1], O_RDWR);
	if (fd < 0)
		t_fatal("open %s", argv[1]);
	dev_size = t_dev_size(fd);
	if (dev_size < 96 * MIB || bad_off < 2 * MIB || bad_off > 60 * MIB)
		t_fatal("need 96 MiB and a bad block within 2..60 MiB");
	t_fatal_if_neg(io_setup(NBATCH + 8, &ctx), "io_setup");
	mem = t_map(memlen);

	base = t_pins_held();
	check_queued(mem);
	t_check_pins(base, "the first requests");
	check_batch(mem, 4 * MIB);
	t_check_pins(base, "the batches");
	check_errors(mem, bad_off);
	t_check_pins(base, "the failed requests");
	check_big(mem);
	t_check_pins(base, "the large and flagged requests");

	io_destroy(ctx);
	t_unmap(mem, memlen);
	close(fd);
	return t_done();
}
