// SPDX-License-Identifier: GPL-2.0
/*
 * fail_io - I/O on a raw minor while its block device fails or goes away
 *
 *   fail_io load [-t THREADS] [-s SECONDS] [-r READYFILE] RAWDEV MIB
 *   fail_io check [-t THREADS] RAWDEV MIB
 *
 * Both work on the first MIB MiB of RAWDEV, split into THREADS regions (4 by
 * default), one per thread, each thread on an open of RAWDEV of its own.
 * Every block there always receives the same data (a pattern of its offset
 * and FA_SEED), so a write that fails half-way leaves nothing else behind.
 *
 * load: every thread writes its region and reads it back; once all have,
 * READYFILE is created and each thread loops writing a random 64 KiB block
 * of its region and reading it back (then pausing 2 ms), while the case
 * makes the device fail from outside (a dm table of errors, the device
 * deleted).  A thread stops after FA_FAILS failed calls in a row.
 * Asserted: every read that returns data returns the pattern; every
 * failure is EIO, ENXIO or ENODEV, or a short count, or (for a write)
 * ENOSPC: a deleted disk's capacity drops to 0, and then reads return 0
 * and writes fail as past the end; every thread sees the failure within
 * SECONDS (default 60) of READYFILE; no call stays in the kernel longer
 * than FA_STUCK_MS.
 * Printed: the errnos seen, and "# figure: bytes_verified N".
 *
 * check: every thread reads its region and checks it: what the load wrote
 * before and while the device failed is all there.
 */
#define _GNU_SOURCE
#include "lib/rawtest.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FA_SEED		0xfa11ULL
#define FA_BLOCK	(64 << 10)
#define FA_MAX_THREADS	16
#define FA_FAILS	4		/* failed calls in a row that end a thread */
#define FA_STUCK_MS	60000		/* longest a call may take */
#define FA_NERR		256
#define FA_PAUSE_US	2000		/* after each good write and read */

struct fa_thread {
	pthread_t tid;
	int id;
	atomic_llong call_ms;		/* when the current call began, or 0 */
	atomic_int prefilled;		/* 1 when done, -1 when it failed */
	atomic_int failed;		/* saw the device fail */
	atomic_int done;
};

static const char *fa_path;
static int fa_check_only;
static unsigned int fa_nthreads = 4;
static off_t fa_region;
static atomic_int fa_go, fa_stop;
static atomic_llong fa_verified;
static atomic_long fa_errs[FA_NERR], fa_short, fa_bad_data, fa_bad_errno;
static atomic_long fa_ok_calls;
static struct fa_thread fa_threads[FA_MAX_THREADS];

/*
 * One pread or pwrite of a whole block, timed for the watchdog.  Returns 1
 * on success (and for a read, data that was checked), 0 on a failure.
 */
static int fa_call(struct fa_thread *t, int fd, void *buf, off_t off,
		   int write)
{
	ssize_t n;
	int err;

	atomic_store(&t->call_ms, (long long)t_now_ms() + 1);
	if (write)
		n = pwrite(fd, buf, FA_BLOCK, off);
	else
		n = pread(fd, buf, FA_BLOCK, off);
	err = errno;
	atomic_store(&t->call_ms, 0);

	if (n == FA_BLOCK) {
		atomic_fetch_add(&fa_ok_calls, 1);
		if (write)
			return 1;
		if (!t_check(buf, FA_BLOCK, off, FA_SEED)) {
			atomic_fetch_add(&fa_bad_data, 1);
			return 0;
		}
		atomic_fetch_add(&fa_verified, FA_BLOCK);
		return 1;
	}
	if (n >= 0) {
		atomic_fetch_add(&fa_short, 1);
		return 0;
	}
	atomic_fetch_add(&fa_errs[err < FA_NERR ? err : 0], 1);
	if (err != EIO && err != ENXIO && err != ENODEV &&
	    !(err == ENOSPC && write) &&
	    atomic_fetch_add(&fa_bad_errno, 1) == 0)
		t_note("%s %s at %lld: unexpected %s (%d)",
		       fa_path, write ? "pwrite" : "pread", (long long)off,
		       t_errname(err), err);
	return 0;
}

static void *fa_worker(void *arg)
{
	struct fa_thread *t = arg;
	off_t base = t->id * fa_region, off;
	uint64_t seed = FA_SEED + t->id;
	void *wbuf = t_alloc(FA_BLOCK, 4096);
	void *rbuf = t_alloc(FA_BLOCK, 4096);
	int fd, fails = 0;

	fd = open(fa_path, fa_check_only ? O_RDONLY : O_RDWR);
	if (fd < 0) {
		t_ok(0, "thread %d: open %s (%s)", t->id, fa_path,
		     t_errname(errno));
		atomic_store(&t->prefilled, -1);
		goto out;
	}
	for (off = base; off < base + fa_region; off += FA_BLOCK) {
		t_fill(wbuf, FA_BLOCK, off, FA_SEED);
		if ((!fa_check_only && !fa_call(t, fd, wbuf, off, 1)) ||
		    !fa_call(t, fd, rbuf, off, 0)) {
			atomic_store(&t->prefilled, -1);
			goto out_close;
		}
	}
	atomic_store(&t->prefilled, 1);
	if (fa_check_only)
		goto out_close;

	while (!atomic_load(&fa_go) && !atomic_load(&fa_stop))
		usleep(1000);
	while (fails < FA_FAILS && !atomic_load(&fa_stop)) {
		off = base + t_rand(&seed) % (fa_region / FA_BLOCK) * FA_BLOCK;
		t_fill(wbuf, FA_BLOCK, off, FA_SEED);
		if (fa_call(t, fd, wbuf, off, 1) && fa_call(t, fd, rbuf, off, 0)) {
			fails = 0;
			/* leave the CPU to whoever makes the device fail */
			usleep(FA_PAUSE_US);
			continue;
		}
		fails++;
		atomic_store(&t->failed, 1);
	}
out_close:
	close(fd);
out:
	free(wbuf);
	free(rbuf);
	atomic_store(&t->done, 1);
	return NULL;
}

/*
 * Wait for every thread to be done; with @prefill, only until each has
 * prefilled (or failed to).  Returns 0 if a call stayed in the kernel for
 * more than FA_STUCK_MS, 1 otherwise; after @deadline_ms tells the threads
 * to stop.
 */
static int fa_wait(int prefill, double deadline_ms)
{
	unsigned int i, busy;

	do {
		double now = t_now_ms();

		usleep(20 * 1000);
		if (deadline_ms && now > deadline_ms)
			atomic_store(&fa_stop, 1);
		busy = 0;
		for (i = 0; i < fa_nthreads; i++) {
			struct fa_thread *t = &fa_threads[i];
			long long began = atomic_load(&t->call_ms);

			if (began && now - began > FA_STUCK_MS) {
				t_ok(0, "%s: thread %u is stuck in a call for %.0f s",
				     fa_path, i, (now - began) / 1000);
				return 0;
			}
			if (prefill ? !atomic_load(&t->prefilled) :
				      !atomic_load(&t->done))
				busy++;
		}
	} while (busy);
	return 1;
}

static void fa_report(void)
{
	int e;

	t_note("%s: %ld calls succeeded, %ld short, %lld bytes checked",
	       fa_path, atomic_load(&fa_ok_calls), atomic_load(&fa_short),
	       (long long)atomic_load(&fa_verified));
	for (e = 0; e < FA_NERR; e++)
		if (atomic_load(&fa_errs[e]))
			t_note("%s: %ld calls failed with %s", fa_path,
			       atomic_load(&fa_errs[e]), t_errname(e));
	printf("# figure: bytes_verified %lld\n",
	       (long long)atomic_load(&fa_verified));
}

static int fa_usage(void)
{
	fprintf(stderr,
		"usage: fail_io load [-t THREADS] [-s SECONDS] [-r READYFILE] RAWDEV MIB\n"
		"       fail_io check [-t THREADS] RAWDEV MIB\n");
	return 64;
}

int main(int argc, char **argv)
{
	const char *ready = NULL;
	unsigned int seconds = 60, i, prefilled = 0, failed = 0;
	int opt, fd;

	if (argc < 2)
		return fa_usage();
	if (!strcmp(argv[1], "check"))
		fa_check_only = 1;
	else if (strcmp(argv[1], "load"))
		return fa_usage();
	optind = 2;
	while ((opt = getopt(argc, argv, "t:s:r:")) != -1) {
		switch (opt) {
		case 't':
			fa_nthreads = t_num(optarg);
			break;
		case 's':
			seconds = t_num(optarg);
			break;
		case 'r':
			ready = optarg;
			break;
		default:
			return fa_usage();
		}
	}
	if (argc - optind != 2 || !fa_nthreads ||
	    fa_nthreads > FA_MAX_THREADS)
		return fa_usage();
	fa_path = argv[optind];
	fa_region = (off_t)t_num(argv[optind + 1]) * (1 << 20) / fa_nthreads;
	fa_region -= fa_region % FA_BLOCK;
	if (!fa_region)
		return fa_usage();

	for (i = 0; i < fa_nthreads; i++) {
		fa_threads[i].id = i;
		if (pthread_create(&fa_threads[i].tid, NULL, fa_worker,
				   &fa_threads[i]))
			t_fatal("pthread_create");
	}
	if (!fa_wait(1, 0))
		goto out_stuck;
	for (i = 0; i < fa_nthreads; i++)
		prefilled += atomic_load(&fa_threads[i].prefilled) == 1;
	t_ok(prefilled == fa_nthreads, "%s: %u of %u regions %s", fa_path,
	     prefilled, fa_nthreads,
	     fa_check_only ? "hold their data" : "written and read back");

	if (!fa_check_only && prefilled == fa_nthreads) {
		if (ready) {
			fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd < 0)
				t_fatal("create %s", ready);
			close(fd);
		}
		atomic_store(&fa_go, 1);
		if (!fa_wait(0, t_now_ms() + seconds * 1000.0))
			goto out_stuck;
		for (i = 0; i < fa_nthreads; i++)
			failed += atomic_load(&fa_threads[i].failed);
		t_ok(failed == fa_nthreads,
		     "%s: %u of %u threads saw the device fail within %u s",
		     fa_path, failed, fa_nthreads, seconds);
	} else {
		atomic_store(&fa_stop, 1);
		if (!fa_wait(0, 0))
			goto out_stuck;
	}
	for (i = 0; i < fa_nthreads; i++)
		pthread_join(fa_threads[i].tid, NULL);

	fa_report();
	t_ok(!atomic_load(&fa_bad_data), "%s: every read returned the right data (%ld did not)",
	     fa_path, atomic_load(&fa_bad_data));
	if (!fa_check_only)
		t_ok(!atomic_load(&fa_bad_errno),
		     "%s: every failure is EIO, ENXIO, ENODEV, a short count or a write's ENOSPC (%ld were not)",
		     fa_path, atomic_load(&fa_bad_errno));
	return t_done();

out_stuck:
	fa_report();
	fflush(stdout);
	_exit(1);
}
