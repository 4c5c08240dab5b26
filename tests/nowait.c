// SPDX-License-Identifier: GPL-2.0
/*
 * nowait - RWF_NOWAIT and io_uring's inline issue on a busy queue: nothing
 * that may not sleep sleeps in raw.
 *
 * The device is slow and narrow (null_blk hw_queue_depth=1, every I/O
 * taking BUSY_MS ms, or dm-linear over it), and two threads keep its one
 * tag taken with reads through rawN.  Then, each several times:
 *  - preadv2()/pwritev2() with RWF_NOWAIT, of one bio and of several,
 *    return -1/EAGAIN in well under BUSY_MS (the block device's O_DIRECT
 *    answers the same, noted for comparison);
 *  - libaio io_submit() of an RWF_NOWAIT read returns as quickly, its
 *    event saying EAGAIN (aio makes a submission's EAGAIN the event);
 *  - io_uring_submit() of a read or a write, of one bio and of several,
 *    returns in well under BUSY_MS (raw answers the inline issue with
 *    EAGAIN, io_uring hands the request to its worker) and the request
 *    completes with all its bytes, never -EAGAIN, the data read being the
 *    data on the device.
 * "Returns at once" is judged by the wall time or, where a loaded host
 * stretched that, by the thread's voluntary context switches: a call
 * that waited for the tag slept, one that did not never did.
 * With the queue idle again, RWF_NOWAIT I/O does its work, and libaio and
 * io_uring RWF_NOWAIT requests of several bios, whose later bios meet the
 * tag their first one holds, complete in full: raw submits those bios
 * again without REQ_NOWAIT (the would-block found late).  Page pins come
 * back to where they started.
 *
 * usage: nowait BUSY_MS BLOCKDEV [TRIES]
 *   TRIES (default 3) of each call; BLOCKDEV (at least 16 MiB) has the
 *   delay above; raw loaded, minor 1
 *   unbound; the data is overwritten.
 */
#define _GNU_SOURCE
#include "lib/rawtest.h"

#include <errno.h>
#include <fcntl.h>
#include <libaio.h>
#include <liburing.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <unistd.h>

#define KIB		1024ULL
#define MIB		(1024 * KIB)
#define SEED		0x90a17
#define BUSY_OFF	(4 * MIB)	/* the busy threads read here */
#define BIG		(2 * MIB)	/* two bios and more */
#define NBUSY		2		/* one holds the tag, one waits */
#define BIG_ROFF	(8 * MIB)
#define BIG_WOFF	(12 * MIB)
#define LATE		MIB		/* several bios, under BIG */

static const char *raw_path;
static int fd, bfd;
static unsigned int busy_ms, tries = 3;
static atomic_int stop;
static double quick_ms;

/*
 * A call's span: its wall time, and how often its thread slept in it
 * (voluntary context switches).  On a loaded host a call that never
 * sleeps can still take long; one that waited for the tag slept.
 */
struct span {
	double t0, ms;
	long csw0, slept;
};

static long span_csw(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru))
		t_fatal("getrusage");
	return ru.ru_nvcsw;
}

static void span_begin(struct span *s)
{
	s->csw0 = span_csw();
	s->t0 = t_now_ms();
}

static void span_end(struct span *s)
{
	s->ms = t_now_ms() - s->t0;
	s->slept = span_csw() - s->csw0;
}

/* Returned at once: in well under an I/O's time, or never sleeping. */
static int span_quick(const struct span *s)
{
	return s->ms < quick_ms || !s->slept;
}

/* Keep the device's one tag taken: back-to-back reads on a raw fd of its own. */
static void *busy_thread(void *arg)
{
	int bfd2 = open(raw_path, O_RDONLY);
	void *buf = t_alloc(4 * KIB, 4096);

	(void)arg;
	if (bfd2 < 0)
		t_fatal("open %s", raw_path);
	while (!atomic_load(&stop))
		if (pread(bfd2, buf, 4 * KIB, BUSY_OFF) != 4 * KIB)
			t_fatal("busy read");
	free(buf);
	close(bfd2);
	return NULL;
}

/* One RWF_NOWAIT preadv2/pwritev2 of @len at @off on @dfd, its span in @s. */
static void nowait_rw(int dfd, int write, void *buf, size_t len, off_t off,
		      ssize_t *ret, int *err, struct span *s)
{
	struct iovec iov = { buf, len };

	errno = 0;
	span_begin(s);
	*ret = write ? pwritev2(dfd, &iov, 1, off, RWF_NOWAIT) :
		       preadv2(dfd, &iov, 1, off, RWF_NOWAIT);
	span_end(s);
	*err = errno;
}

/*
 * On a busy queue an RWF_NOWAIT call either gets EAGAIN at once or, when it
 * happens to find the tag free, does its I/O in about one I/O's time (the
 * wait for one's own I/O is no would-block); a call of several bios may
 * then return the bytes of those before one that would have blocked.
 * Waiting for a tag takes longer than either.  At least one of the tries
 * must meet a taken tag.
 */
static int nowait_ok(ssize_t ret, int err, size_t len, const struct span *s)
{
	if (ret == -1 && err == EAGAIN)
		return span_quick(s);
	/*
	 * Several bios: the ones before a would-block, whole 512 B blocks;
	 * the one sleep is the wait for its own I/O.
	 */
	return ret > 0 && ret <= (ssize_t)len && !(ret % 512) &&
	       (s->ms < 1.5 * busy_ms || s->slept <= 1);
}

/*
 * A try that found the tag free held it for its own I/O; when that ends,
 * this thread and a busy thread wake together and race for the tag.  Let
 * the busy thread take it back before the next try.
 */
static void busy_settle(void)
{
	usleep(busy_ms * 100);
}

static void check_sync(char *buf)
{
	static const size_t lens[] = { 4 * KIB, BIG };
	int i, w, err, again;
	unsigned int t;
	ssize_t ret;
	struct span s;

	for (w = 0; w < 2; w++) {
		for (i = 0; i < 2; i++) {
			for (again = 0, t = 0; t < tries; t++) {
				nowait_rw(fd, w, buf, lens[i], 0, &ret, &err,
					  &s);
				again += ret == -1 && err == EAGAIN;
				if (ret != -1)
					busy_settle();
				t_ok(nowait_ok(ret, err, lens[i], &s),
				     "busy queue: %s RWF_NOWAIT of %zu KiB: %zd (%s) in %.1f ms, %ld sleeps (EAGAIN in < %.0f ms or with none, an I/O takes %u ms)",
				     w ? "pwritev2" : "preadv2",
				     (size_t)(lens[i] / KIB), ret,
				     ret < 0 ? t_errname(err) : "bytes", s.ms,
				     s.slept, quick_ms, busy_ms);
			}
			t_ok(again > 0, "%d of %u met the busy tag: EAGAIN",
			     again, tries);
			nowait_rw(bfd, w, buf, lens[i], 0, &ret, &err, &s);
			t_note("the block device's O_DIRECT, the same call: %zd (%s) in %.1f ms, %ld sleeps",
			       ret, ret < 0 ? t_errname(err) : "bytes", s.ms,
			       s.slept);
		}
	}
}

/*
 * aio turns a submission's EAGAIN into the request's event (it has no
 * retry): io_submit returns at once and the event says EAGAIN, or the
 * bytes if the tag happened to be free.
 */
static void aio_one(io_context_t ctx, int dfd, char *buf, struct span *s,
		    int *n, long *res)
{
	struct iocb cb, *cbs[1] = { &cb };
	struct timespec tmo = { 30, 0 };
	struct io_event ev;

	io_prep_pread(&cb, dfd, buf, 4 * KIB, 0);
	cb.aio_rw_flags = RWF_NOWAIT;
	span_begin(s);
	*n = io_submit(ctx, 1, cbs);
	span_end(s);
	*res = 0;
	if (*n == 1 && io_getevents(ctx, 1, 1, &ev, &tmo) == 1)
		*res = (long)ev.res;
}

static void check_aio(char *buf)
{
	struct io_event ev;
	struct timespec ts = { 0, 0 };
	io_context_t ctx = 0;
	int n, again = 0;
	unsigned int t;
	struct span s;
	long res;

	t_fatal_if_neg(io_setup(4, &ctx), "io_setup");
	for (t = 0; t < tries; t++) {
		aio_one(ctx, fd, buf, &s, &n, &res);
		again += res == -EAGAIN;
		if (res != -EAGAIN)
			busy_settle();
		t_ok(n == 1 && span_quick(&s) &&
		     (res == -EAGAIN || res == 4 * KIB),
		     "busy queue: libaio io_submit of an RWF_NOWAIT read: %d in %.1f ms, %ld sleeps (< %.0f ms or none), its event %ld (%s)",
		     n, s.ms, s.slept, quick_ms, res,
		     res < 0 ? t_errname((int)-res) : "bytes");
	}
	t_ok(again > 0, "%d of %u met the busy tag: EAGAIN", again, tries);
	aio_one(ctx, bfd, buf, &s, &n, &res);
	t_note("the block device's O_DIRECT, the same: %d in %.1f ms, %ld sleeps, event %ld",
	       n, s.ms, s.slept, res);
	t_ret(io_getevents(ctx, 0, 1, &ev, &ts), 0, "libaio: no event left");
	io_destroy(ctx);
}

/*
 * Have io_uring start its worker thread for this task, with one request
 * sent there straight away (IOSQE_ASYNC): the timed submissions then
 * measure raw's inline issue, not the creation of a thread.
 */
static void uring_warm_up(char *buf)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;

	t_fatal_if_neg(io_uring_queue_init(4, &ring, 0), "io_uring_queue_init");
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, fd, buf, 4 * KIB, 0);
	sqe->flags |= IOSQE_ASYNC;
	io_uring_submit(&ring);
	t_fatal_if_neg(io_uring_wait_cqe(&ring, &cqe), "io_uring_wait_cqe");
	io_uring_cqe_seen(&ring, cqe);
	io_uring_queue_exit(&ring);
}

static void check_uring(char *buf, size_t len)
{
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	unsigned int t;
	int w, n;
	struct span s;

	t_fatal_if_neg(io_uring_queue_init(4, &ring, 0), "io_uring_queue_init");
	for (w = 1; w >= 0; w--) {
		for (t = 0; t < tries; t++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
			off_t off = (off_t)(t * len);

			if (w) {
				t_fill(buf, len, off, SEED + 1);
				io_uring_prep_write(sqe, fd, buf, len, off);
			} else {
				memset(buf, 0, len);
				io_uring_prep_read(sqe, fd, buf, len, off);
			}
			span_begin(&s);
			n = io_uring_submit(&ring);
			span_end(&s);
			t_ok(n == 1 && span_quick(&s),
			     "busy queue: io_uring_submit of a %zu KiB %s: %d in %.1f ms, %ld sleeps (< %.0f ms or none)",
			     (size_t)(len / KIB), w ? "write" : "read", n, s.ms,
			     s.slept, quick_ms);
			t_fatal_if_neg(io_uring_wait_cqe(&ring, &cqe),
				       "io_uring_wait_cqe");
			t_ret(cqe->res, (long long)len,
			      "its completion: all %zu KiB (%s)", (size_t)(len / KIB),
			      cqe->res < 0 ? t_errname(-cqe->res) : "bytes");
			if (!w && cqe->res == (int)len)
				t_ok(t_check(buf, len, off, SEED + 1),
				     "the data read is what io_uring wrote");
			io_uring_cqe_seen(&ring, cqe);
		}
	}
	io_uring_queue_exit(&ring);
}

/*
 * io_uring requests of several bios: one read, one write, submitted
 * together while the queue is busy; io_uring_submit must return at once.
 * The busy threads are stopped before the completions are awaited
 * (io_uring's worker would wait its turn for every bio).  The read's
 * range holds the pattern written before the busy threads started.
 */
static void check_uring_big(char *rbuf, char *wbuf, pthread_t *busy)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int i, n, res[2] = { 0, 0 };
	struct span s;

	t_fatal_if_neg(io_uring_queue_init(4, &ring, 0), "io_uring_queue_init");
	memset(rbuf, 0, BIG);
	t_fill(wbuf, BIG, BIG_WOFF, SEED + 3);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, fd, rbuf, BIG, BIG_ROFF);
	io_uring_sqe_set_data64(sqe, 0);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_write(sqe, fd, wbuf, BIG, BIG_WOFF);
	io_uring_sqe_set_data64(sqe, 1);
	span_begin(&s);
	n = io_uring_submit(&ring);
	span_end(&s);
	t_ok(n == 2 && span_quick(&s),
	     "busy queue: io_uring_submit of a %zu KiB read and write: %d in %.1f ms, %ld sleeps (< %.0f ms or none)",
	     (size_t)(BIG / KIB), n, s.ms, s.slept, quick_ms);
	atomic_store(&stop, 1);
	for (i = 0; i < NBUSY; i++)
		pthread_join(busy[i], NULL);
	for (i = 0; i < n; i++) {
		t_fatal_if_neg(io_uring_wait_cqe(&ring, &cqe),
			       "io_uring_wait_cqe");
		res[cqe->user_data ? 1 : 0] = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
	}
	t_ret(res[0], BIG, "the read completes in full");
	if (res[0] == BIG)
		t_ok(t_check(rbuf, BIG, BIG_ROFF, SEED),
		     "with the device's data");
	t_ret(res[1], BIG, "the write completes in full");
	memset(rbuf, 0, BIG);
	t_pread_all(bfd, rbuf, BIG, BIG_WOFF);
	t_ok(t_check(rbuf, BIG, BIG_WOFF, SEED + 3),
	     "the device holds what it wrote");
	io_uring_queue_exit(&ring);
}

static void check_idle(char *buf)
{
	struct span s;
	ssize_t ret;
	int err;

	memset(buf, 0, 4 * KIB);
	nowait_rw(fd, 0, buf, 4 * KIB, 0, &ret, &err, &s);
	if (t_ret(ret, 4 * KIB, "idle queue: preadv2 RWF_NOWAIT does the read"))
		t_ok(t_check(buf, 4 * KIB, 0, SEED + 1), "with the data");
	t_fill(buf, 4 * KIB, 0, SEED + 2);
	nowait_rw(fd, 1, buf, 4 * KIB, 0, &ret, &err, &s);
	t_ret(ret, 4 * KIB, "idle queue: pwritev2 RWF_NOWAIT does the write");
	memset(buf, 0, 4 * KIB);
	t_pread_all(bfd, buf, 4 * KIB, 0);
	t_ok(t_check(buf, 4 * KIB, 0, SEED + 2),
	     "the device holds what it wrote");
}

/*
 * The would-block found late.  On the idle queue an asynchronous RWF_NOWAIT
 * request of several bios finds the one tag free for its first bio, and
 * every later bio fails with BLK_STS_AGAIN (on dm, through its clones).
 * raw submits those again without REQ_NOWAIT, so the request completes in
 * full, one I/O after another, while the call itself returns at once.  The
 * caller asked for RWF_NOWAIT, so neither libaio nor io_uring retries an
 * EAGAIN of its own: the bytes can only come from raw's resubmission.
 */
/* One RWF_NOWAIT libaio or io_uring request of LATE bytes on @dfd; its result. */
static long late_io(int uring, int w, int dfd, char *buf, off_t off,
		    struct span *sub, double *all_ms, int *n)
{
	struct timespec tmo = { 30, 0 };
	struct iocb cb, *cbs[1] = { &cb };
	io_context_t ctx = 0;
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct io_event ev;
	long res = 0;
	double t0;

	if (uring) {
		t_fatal_if_neg(io_uring_queue_init(4, &ring, 0),
			       "io_uring_queue_init");
		sqe = io_uring_get_sqe(&ring);
		if (w)
			io_uring_prep_write(sqe, dfd, buf, LATE, off);
		else
			io_uring_prep_read(sqe, dfd, buf, LATE, off);
		sqe->rw_flags = RWF_NOWAIT;
	} else {
		t_fatal_if_neg(io_setup(4, &ctx), "io_setup");
		if (w)
			io_prep_pwrite(&cb, dfd, buf, LATE, off);
		else
			io_prep_pread(&cb, dfd, buf, LATE, off);
		cb.aio_rw_flags = RWF_NOWAIT;
	}
	span_begin(sub);
	t0 = sub->t0;
	*n = uring ? io_uring_submit(&ring) : io_submit(ctx, 1, cbs);
	span_end(sub);
	if (uring && *n == 1 && !io_uring_wait_cqe(&ring, &cqe)) {
		res = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
	} else if (!uring && *n == 1 &&
		   io_getevents(ctx, 1, 1, &ev, &tmo) == 1) {
		res = (long)ev.res;
	}
	*all_ms = t_now_ms() - t0;
	if (uring)
		io_uring_queue_exit(&ring);
	else
		io_destroy(ctx);
	return res;
}

static void check_late_one(int uring, int w, char *buf, off_t off, int seed)
{
	const char *call = uring ? "io_uring_submit" : "libaio io_submit";
	struct span sub;
	double all_ms;
	long res;
	int n;

	if (w)
		t_fill(buf, LATE, off, seed);
	else
		memset(buf, 0, LATE);
	res = late_io(uring, w, fd, buf, off, &sub, &all_ms, &n);
	t_ok(n == 1 && span_quick(&sub),
	     "idle queue, one tag: %s of an RWF_NOWAIT %s of %llu KiB returns at once: %d in %.1f ms, %ld sleeps (< %.0f ms or none)",
	     call, w ? "write" : "read", LATE / KIB, n, sub.ms, sub.slept,
	     quick_ms);
	t_ret(res, LATE, "its completion: all %llu KiB (%s), never EAGAIN",
	      LATE / KIB, res < 0 ? t_errname((int)-res) : "bytes");
	t_ok(all_ms >= 1.8 * busy_ms,
	     "in %.0f ms: its bios went one after another through the one tag (>= 2 I/Os of %u ms)",
	     all_ms, busy_ms);
	if (res == LATE) {
		if (w) {
			memset(buf, 0, LATE);
			t_pread_all(bfd, buf, LATE, off);
		}
		t_ok(t_check(buf, LATE, off, seed), w ?
		     "the device holds what it wrote" :
		     "the data read is the device's");
	}
	if (w)
		t_fill(buf, LATE, off, seed);
	res = late_io(uring, w, bfd, buf, off, &sub, &all_ms, &n);
	t_note("the block device's O_DIRECT, the same: %d in %.1f ms, result %ld (%s) in %.0f ms",
	       n, sub.ms, res, res < 0 ? t_errname((int)-res) : "bytes",
	       all_ms);
}

static void check_late(char *buf)
{
	check_late_one(0, 0, buf, BIG_ROFF, SEED);
	check_late_one(0, 1, buf, BIG_WOFF, SEED + 4);
	check_late_one(1, 0, buf, BIG_ROFF + LATE, SEED);
	check_late_one(1, 1, buf, BIG_WOFF + LATE, SEED + 5);
}

int main(int argc, char **argv)
{
	pthread_t busy[NBUSY];
	long long pins0;
	char *buf, *buf2;
	int ctl, i;

	if (argc != 3 && argc != 4)
		t_usage(argv[0], "BUSY_MS BLOCKDEV [TRIES]");
	busy_ms = (unsigned int)t_num(argv[1]);
	if (argc == 4)
		tries = (unsigned int)t_num(argv[3]);
	quick_ms = busy_ms / 2.0;
	bfd = t_bdev_open(argv[2], O_RDWR | O_DIRECT, NULL, NULL);
	fd = t_raw_bind_open(&ctl, 1, argv[2], O_RDWR);
	raw_path = t_raw_path(1);
	buf = t_alloc(BIG, 4096);
	buf2 = t_alloc(BIG, 4096);
	t_fill(buf, BIG, BIG_ROFF, SEED);
	t_pwrite_all(bfd, buf, BIG, BIG_ROFF);
	pins0 = t_pins_held();

	for (i = 0; i < NBUSY; i++)
		if (pthread_create(&busy[i], NULL, busy_thread, NULL))
			t_fatal("pthread_create");
	usleep(busy_ms * 2000);

	check_sync(buf);
	check_aio(buf);
	uring_warm_up(buf);
	check_uring(buf, 4 * KIB);
	check_uring_big(buf, buf2, busy);	/* stops the busy threads */
	check_idle(buf);
	check_late(buf);
	t_check_pins(pins0, "after the busy queue");

	free(buf);
	free(buf2);
	close(fd);
	close(bfd);
	return t_raw_finish(ctl, 1);
}
