// SPDX-License-Identifier: GPL-2.0
/*
 * storm - bind, unbind, open, close, I/O and module load/unload attempts
 * on raw from several processes at once
 *
 *   storm [-s SECONDS] [-S SEED] RAW_KO BLOCKDEV_A BLOCKDEV_B [NULLB_C]
 *
 * raw must be loaded with minors 1 .. ST_MINORS + 1 unbound.  storm binds
 * minor ST_MINORS + 1 to A for the whole run (so the module must stay in
 * use), then forks eight processes (nine with NULLB_C) for SECONDS
 * (default 5), each with its own random sequence from SEED (default 1):
 *
 *   binders (2): bind a random minor of 1 .. ST_MINORS to A or B, unbind
 *     one, or query one; through a fresh open of rawctl each time.
 *     Allowed: 0, or EBUSY while the minor is open; a query answers 0:0,
 *     A or B (or C).
 *   openers (4): open a random minor (read-write or read-only, through
 *     nodes of their own, so an unbound minor reaches the driver), do up
 *     to four I/Os of 4 to 64 KiB in the opener's own 1 MiB of the device,
 *     sleep up to 2 ms, close.  Allowed: open 0 or ENXIO (unbound); every
 *     I/O complete, and a write read back with the right data; close 0.
 *   module (1): delete_module("raw", O_NONBLOCK) must fail with EAGAIN
 *     (in use) or EBUSY, finit_module(RAW_KO) with EEXIST.
 *   sysfs reader (1): reads bound and the counters of every minor; 0, or
 *     ENOENT/ENODEV for a minor unbound before or during the read.
 *   remover (1, with NULLB_C, a null_blk's configfs directory): powers
 *     that null_blk off and on again and again (its disk is deleted and
 *     made again with the same number), while binders bind minors to it
 *     too.  An open of such a minor may also fail with ENXIO, and its I/O
 *     with EIO, ENXIO, ENODEV, ENOSPC or a short count, but what it reads
 *     back must still be right.
 *
 * Each process must exit within 30 s of the end.  Then storm unbinds every
 * minor (all must succeed: nothing is open any more), prints the calls made
 * by kind and errno, and "# figure: ops N", "# figure: bytes_verified N"
 * (and "# figure: faults_injected N", the power-offs); any other result
 * fails it.
 */
#define _GNU_SOURCE
#include "lib/rawtest.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define ST_MINORS	4
#define ST_ANCHOR	(ST_MINORS + 1)
#define ST_BINDERS	2
#define ST_OPENERS	4
#define ST_WORKERS	(ST_BINDERS + ST_OPENERS + 2)
#define ST_SLOT		(1 << 20)	/* each opener's part of a device */
#define ST_MAXIO	(64 << 10)
#define ST_NERR		160
#define ST_NODES	"/tmp/storm-nodes"

#define ST_SHORT	(ST_NERR - 1)	/* the "errno" of a short count */

enum st_op {
	ST_BIND, ST_UNBIND, ST_QUERY, ST_OPEN, ST_IO, ST_IO_GONE, ST_CLOSE,
	ST_RMMOD, ST_INSMOD, ST_SYSFS, ST_POWER, ST_NOPS
};

static const char *const st_op_names[ST_NOPS] = {
	"bind", "unbind", "query", "open", "io", "io on the removed disk",
	"close", "rmmod", "insmod", "sysfs read", "power off/on",
};

/* Shared by all processes: calls by kind and errno (0: success). */
struct st_counts {
	atomic_long calls[ST_NOPS][ST_NERR];
	atomic_long unexpected;
	atomic_long bad_data;
	atomic_llong verified;		/* bytes written, read back, right */
	atomic_int stop;
};

static struct st_counts *st;
static dev_t st_devs[3];
static int st_ndevs = 2;
static const char *st_nullb;		/* configfs directory of the third */
static const char *st_ko;
static uint64_t st_seed = 1;

/*
 * Count a call of kind @op that returned @ret (errno @err when -1); @ok1
 * and @ok2 are the errnos allowed besides success (0: none).
 */
static void st_count(enum st_op op, long ret, int err, int ok1, int ok2)
{
	int e = ret == -1 ? err : 0;

	atomic_fetch_add(&st->calls[op][e < ST_SHORT ? e : ST_SHORT], 1);
	if (e && e != ok1 && e != ok2 &&
	    atomic_fetch_add(&st->unexpected, 1) < 10)
		t_note("unexpected: %s gave %s (%d)", st_op_names[op],
		       t_errname(e), e);
}

static void st_binder(uint64_t *seed)
{
	int ctl = open(RAWCTL_PATH, O_RDWR | O_CLOEXEC);
	int minor = 1 + t_rand(seed) % ST_MINORS;
	int what = t_rand(seed) % (st_ndevs + 2);
	uint64_t maj, min;
	int ret;

	if (ctl < 0) {
		st_count(ST_BIND, -1, errno, 0, 0);
		return;
	}
	if (what == st_ndevs + 1) {
		ret = t_query(ctl, minor, &maj, &min);
		st_count(ST_QUERY, ret, errno, 0, 0);
		if (!ret && (maj || min) &&
		    makedev(maj, min) != st_devs[0] &&
		    makedev(maj, min) != st_devs[1] &&
		    makedev(maj, min) != st_devs[st_ndevs - 1] &&
		    atomic_fetch_add(&st->unexpected, 1) < 10)
			t_note("unexpected: raw%d bound to %llu:%llu", minor,
			       (unsigned long long)maj,
			       (unsigned long long)min);
	} else if (what == st_ndevs) {
		ret = t_bind(ctl, minor, 0, 0);
		st_count(ST_UNBIND, ret, errno, EBUSY, 0);
	} else {
		ret = t_bind(ctl, minor, major(st_devs[what]),
			     minor(st_devs[what]));
		st_count(ST_BIND, ret, errno, EBUSY, 0);
	}
	close(ctl);
}

/* An I/O result on the disk the remover deletes: errors allowed, counted. */
static void st_count_gone(ssize_t n, size_t len, int err)
{
	int e = n == (ssize_t)len ? 0 : n >= 0 ? ST_SHORT : err;

	atomic_fetch_add(&st->calls[ST_IO_GONE][e < ST_SHORT ? e : ST_SHORT],
			 1);
	if (e && e != ST_SHORT && e != EIO && e != ENXIO && e != ENODEV &&
	    e != ENOSPC && atomic_fetch_add(&st->unexpected, 1) < 10)
		t_note("unexpected: I/O on the removed disk gave %s (%d)",
		       t_errname(e), e);
}

static void st_opener(uint64_t *seed, int slot, int ctl, void *buf,
		      void *back)
{
	int minor = 1 + t_rand(seed) % ST_MINORS;
	int rw = t_rand(seed) % 4 != 0;
	int nio = t_rand(seed) % 5, i, fd, gone = 0;
	uint64_t maj, min;
	char path[64];

	snprintf(path, sizeof(path), ST_NODES "/raw%d", minor);
	fd = open(path, (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	st_count(ST_OPEN, fd < 0 ? -1 : 0, errno, ENXIO, 0);
	if (fd < 0)
		return;
	/* open, the minor cannot be rebound: this is the disk it opened */
	if (st_nullb && !t_query(ctl, minor, &maj, &min))
		gone = makedev(maj, min) == st_devs[2];
	for (i = 0; i < nio; i++) {
		size_t len = (1 + t_rand(seed) % (ST_MAXIO / 4096)) * 4096;
		off_t off = (off_t)slot * ST_SLOT +
			    t_rand(seed) % ((ST_SLOT - len) / 4096 + 1) * 4096;
		uint64_t pat = t_rand(seed);
		ssize_t n;

		if (rw) {
			t_fill(buf, len, off, pat);
			n = pwrite(fd, buf, len, off);
			if (n == (ssize_t)len)
				n = pread(fd, back, len, off);
		} else {
			n = pread(fd, back, len, off);
		}
		if (gone) {
			st_count_gone(n, len, errno);
		} else if (n >= 0 && n != (ssize_t)len) {
			t_note("short I/O: %zd of %zu bytes at %lld", n, len,
			       (long long)off);
			st_count(ST_IO, -1, EIO, 0, 0);
		} else {
			st_count(ST_IO, n, errno, 0, 0);
		}
		if (!rw || n != (ssize_t)len)
			continue;
		if (t_check(back, len, off, pat))
			atomic_fetch_add(&st->verified, len);
		else
			atomic_fetch_add(&st->bad_data, 1);
	}
	usleep(t_rand(seed) % 2000);
	st_count(ST_CLOSE, close(fd), errno, 0, 0);
}

/* Write @val to the null_blk's power file; count a failure. */
static int st_power(const char *val)
{
	char path[256];
	int fd, ret = -1;

	snprintf(path, sizeof(path), "%s/power", st_nullb);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		ret = write(fd, val, 1) == 1 ? 0 : -1;
		close(fd);
	}
	if (ret)
		st_count(ST_POWER, -1, errno, 0, 0);
	return ret;
}

static void st_remover(uint64_t *seed)
{
	usleep(20000 + t_rand(seed) % 80000);
	if (!st_power("0"))
		atomic_fetch_add(&st->calls[ST_POWER][0], 1);
	usleep(t_rand(seed) % 50000);
	st_power("1");
}

/* A module call that must fail: count it; a success is a failure. */
static void st_must_fail(enum st_op op, long ret, int err, int ok1, int ok2)
{
	st_count(op, ret, err, ok1, ok2);
	if (!ret && atomic_fetch_add(&st->unexpected, 1) < 10)
		t_note("unexpected: %s succeeded", st_op_names[op]);
}

static void st_module(void)
{
	int fd = open(st_ko, O_RDONLY | O_CLOEXEC);
	long ret;

	ret = syscall(SYS_delete_module, "raw", O_NONBLOCK);
	st_must_fail(ST_RMMOD, ret, errno, EAGAIN, EBUSY);
	if (fd < 0) {
		st_count(ST_INSMOD, -1, errno, 0, 0);
	} else {
		ret = syscall(SYS_finit_module, fd, "", 0);
		st_must_fail(ST_INSMOD, ret, errno, EEXIST, 0);
		close(fd);
	}
	usleep(20 * 1000);
}

static void st_sysfs(uint64_t *seed)
{
	static const char *const attrs[] = {
		"bound", "reads", "writes", "read_bytes", "write_bytes",
		"errors", "pages_pinned",
	};
	int minor = 1 + t_rand(seed) % ST_MINORS;
	char path[96], buf[64];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "/sys/class/raw/raw%d/%s", minor,
		 attrs[t_rand(seed) % (sizeof(attrs) / sizeof(attrs[0]))]);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf));
		close(fd);
	}
	st_count(ST_SYSFS, n < 0 ? -1 : 0, errno, ENOENT, ENODEV);
}

static void st_worker(int id)
{
	uint64_t seed = st_seed * 0x9e3779b97f4a7c15ULL + id + 1;
	void *buf = t_alloc(ST_MAXIO, 4096);
	void *back = t_alloc(ST_MAXIO, 4096);
	int ctl = t_ctl_open();

	while (!atomic_load(&st->stop)) {
		if (id < ST_BINDERS)
			st_binder(&seed);
		else if (id < ST_BINDERS + ST_OPENERS)
			st_opener(&seed, id - ST_BINDERS, ctl, buf, back);
		else if (id == ST_BINDERS + ST_OPENERS)
			st_module();
		else if (id == ST_BINDERS + ST_OPENERS + 1)
			st_sysfs(&seed);
		else
			st_remover(&seed);
	}
	if (id == ST_BINDERS + ST_OPENERS + 2)
		st_power("1");
	_exit(0);
}

/* Wait for @pid up to @deadline_ms; kill it and say where it was if not. */
static int st_reap(pid_t pid, double deadline_ms)
{
	char path[64], stack[2048];
	int status;

	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (t_now_ms() > deadline_ms) {
			snprintf(path, sizeof(path), "/proc/%d/stack", pid);
			if (t_read_text(path, stack, sizeof(stack)) > 0)
				t_note("process %d is stuck at:\n%s", pid,
				       stack);
			kill(pid, SIGKILL);
			return 0;
		}
		usleep(20 * 1000);
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void st_make_nodes(void)
{
	char path[64];
	int m;

	if (mkdir(ST_NODES, 0700) && errno != EEXIST)
		t_fatal("mkdir " ST_NODES);
	for (m = 1; m <= ST_MINORS; m++) {
		snprintf(path, sizeof(path), ST_NODES "/raw%d", m);
		unlink(path);
		if (mknod(path, S_IFCHR | 0600, makedev(162, m)))
			t_fatal("mknod %s", path);
	}
}

static void st_report(void)
{
	char line[512];
	long total = 0;
	int op, e;

	for (op = 0; op < ST_NOPS; op++) {
		int len = snprintf(line, sizeof(line), "%s:", st_op_names[op]);

		for (e = 0; e < ST_NERR; e++) {
			long n = atomic_load(&st->calls[op][e]);

			if (!n)
				continue;
			total += n;
			len += snprintf(line + len, sizeof(line) - len,
					" %ld %s", n, !e ? "ok" :
					e == ST_SHORT ? "short" : t_errname(e));
			if (len >= (int)sizeof(line))
				break;
		}
		t_note("%s", line);
	}
	printf("# figure: ops %ld\n", total);
	if (st_nullb)
		printf("# figure: faults_injected %ld\n",
		       atomic_load(&st->calls[ST_POWER][0]));
	printf("# figure: bytes_verified %lld\n",
	       (long long)atomic_load(&st->verified));
}

int main(int argc, char **argv)
{
	unsigned int seconds = 5;
	pid_t pids[ST_WORKERS + 1];
	int opt, ctl, i, m, nworkers = ST_WORKERS, all_exited = 1;
	double deadline;

	while ((opt = getopt(argc, argv, "s:S:")) != -1) {
		switch (opt) {
		case 's':
			seconds = t_num(optarg);
			break;
		case 'S':
			st_seed = t_num(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 3 && argc - optind != 4)
		goto usage;
	st_ko = argv[optind];
	st_devs[0] = t_rdev(argv[optind + 1]);
	st_devs[1] = t_rdev(argv[optind + 2]);
	if (argc - optind == 4) {
		char path[320], devnum[32];
		unsigned int maj, min;

		/* the disk comes and goes: take its number from sysfs */
		st_nullb = argv[optind + 3];
		snprintf(path, sizeof(path), "/sys/block/%s/dev",
			 strrchr(st_nullb, '/') + 1);
		if (t_read_text(path, devnum, sizeof(devnum)) < 0 ||
		    sscanf(devnum, "%u:%u", &maj, &min) != 2)
			t_fatal("read %s", path);
		st_devs[2] = makedev(maj, min);
		st_ndevs = 3;
		nworkers++;
	}

	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (st == MAP_FAILED)
		t_fatal("mmap");
	st_make_nodes();
	ctl = t_ctl_open();
	t_bind_path(ctl, ST_ANCHOR, argv[optind + 1]);
	t_note("%d processes for %u s, seed %llu", nworkers, seconds,
	       (unsigned long long)st_seed);

	fflush(stdout);
	for (i = 0; i < nworkers; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			t_fatal("fork");
		if (!pids[i])
			st_worker(i);
	}
	sleep(seconds);
	atomic_store(&st->stop, 1);
	deadline = t_now_ms() + 30000;
	for (i = 0; i < nworkers; i++)
		all_exited &= st_reap(pids[i], deadline);
	t_ok(all_exited, "all %d processes exited within 30 s of the end",
	     nworkers);

	st_report();
	t_ok(!atomic_load(&st->unexpected),
	     "every call gave an allowed result (%ld did not)",
	     atomic_load(&st->unexpected));
	t_ok(!atomic_load(&st->bad_data),
	     "every write read back right (%ld did not)",
	     atomic_load(&st->bad_data));
	for (m = 1; m <= ST_MINORS; m++)
		st_count(ST_UNBIND, t_bind(ctl, m, 0, 0), errno, 0, 0);
	t_ret(t_bind(ctl, ST_ANCHOR, 0, 0), 0, "raw%d unbinds at the end",
	      ST_ANCHOR);
	t_ok(!atomic_load(&st->unexpected),
	     "raw1-%d unbind once the storm is over", ST_MINORS);
	close(ctl);
	return t_done();

usage:
	t_usage("storm",
		"[-s SECONDS] [-S SEED] RAW_KO BLOCKDEV_A BLOCKDEV_B [NULLB_C]");
}
