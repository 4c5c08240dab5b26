// SPDX-License-Identifier: GPL-2.0
/*
 * rawtest.c - helpers shared by the guest test programs of raw.ko.
 */
#define _GNU_SOURCE
#include "rawtest.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <sys/raw.h>
#include <unistd.h>
#include <linux/fs.h>

static int t_nfail;

static void t_vline(int cond, const char *fmt, va_list ap, const char *why)
{
	fputs(cond ? "ok - " : "not ok - ", stdout);
	vprintf(fmt, ap);
	if (!cond && why)
		printf(" (%s)", why);
	putchar('\n');
	fflush(stdout);
	if (!cond)
		t_nfail++;
}

int t_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	t_vline(cond, fmt, ap, NULL);
	va_end(ap);
	return cond;
}

const char *t_errname(int e)
{
	static const struct { int e; const char *n; } names[] = {
		{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EIO, "EIO" },
		{ ENXIO, "ENXIO" }, { EBADF, "EBADF" }, { EACCES, "EACCES" },
		{ EFAULT, "EFAULT" }, { EBUSY, "EBUSY" }, { ENODEV, "ENODEV" },
		{ EINVAL, "EINVAL" }, { ENOTTY, "ENOTTY" }, { ENOSPC, "ENOSPC" },
		{ EROFS, "EROFS" }, { EOPNOTSUPP, "EOPNOTSUPP" },
		{ EAGAIN, "EAGAIN" }, { ENODATA, "ENODATA" },
		{ ESPIPE, "ESPIPE" }, { EFBIG, "EFBIG" }, { EEXIST, "EEXIST" },
		{ ENOMEDIUM, "ENOMEDIUM" }, { ETIMEDOUT, "ETIMEDOUT" },
		{ EINTR, "EINTR" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].n;
	return "E?";
}

static const char *t_describe(long ret, int err)
{
	static char why[160];

	if (ret == -1)
		snprintf(why, sizeof(why), "got -1 %s %d: %s",
			 t_errname(err), err, strerror(err));
	else
		snprintf(why, sizeof(why), "got %ld, no error", ret);
	return why;
}

int t_errno(long ret, int want, const char *fmt, ...)
{
	int err = errno, cond = ret == -1 && err == want;
	char why[256];
	va_list ap;

	snprintf(why, sizeof(why), "expected -1 %s: %s; %s", t_errname(want),
		 strerror(want), t_describe(ret, err));
	va_start(ap, fmt);
	t_vline(cond, fmt, ap, why);
	va_end(ap);
	errno = err;
	return cond;
}

int t_errno2(long ret, int want1, int want2, const char *fmt, ...)
{
	int err = errno;
	int cond = ret == -1 && (err == want1 || err == want2);
	char why[256];
	va_list ap;

	snprintf(why, sizeof(why), "expected -1 %s or %s; %s",
		 t_errname(want1), t_errname(want2), t_describe(ret, err));
	va_start(ap, fmt);
	t_vline(cond, fmt, ap, why);
	va_end(ap);
	errno = err;
	return cond;
}

int t_ret(long long ret, long long want, const char *fmt, ...)
{
	int err = errno, cond = ret == want;
	char why[256];
	va_list ap;

	if (ret == -1)
		snprintf(why, sizeof(why), "expected %lld; got -1 %s: %s",
			 want, t_errname(err), strerror(err));
	else
		snprintf(why, sizeof(why), "expected %lld; got %lld",
			 want, ret);
	va_start(ap, fmt);
	t_vline(cond, fmt, ap, why);
	va_end(ap);
	errno = err;
	return cond;
}

void t_note(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void t_figure(const char *key, unsigned long long n)
{
	t_note("figure: %s %llu", key, n);
}

void t_fatal(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	fputs("not ok - fatal: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (err)
		printf(": %s", strerror(err));
	putchar('\n');
	fflush(stdout);
	exit(1);
}

void t_fatal_if_neg(long ret, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (ret >= 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errno = -ret;
	t_fatal("%s", msg);
}

void t_usage(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "usage: %s ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(64);
}

int t_failures(void)
{
	return t_nfail;
}

int t_done(void)
{
	if (t_nfail)
		t_note("%d assertion(s) failed", t_nfail);
	return t_nfail ? 1 : 0;
}

void *t_alloc(size_t len, size_t align)
{
	void *p;
	int err = posix_memalign(&p, align, len ? len : 1);

	if (err) {
		errno = err;
		t_fatal("posix_memalign(%zu, %zu)", align, len);
	}
	return p;
}

void *t_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		t_fatal("mmap %zu bytes", len);
	return p;
}

void t_unmap(void *p, size_t len)
{
	if (munmap(p, len))
		t_fatal("munmap");
}

static uint64_t t_word(uint64_t off, uint64_t seed)
{
	uint64_t x = (off + 1) * 0x9e3779b97f4a7c15ULL ^ seed;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	return x ^ (x >> 29);
}

void t_fill(void *buf, size_t len, uint64_t devoff, uint64_t seed)
{
	uint64_t *w = buf;
	size_t i;

	for (i = 0; i < len / 8; i++)
		w[i] = t_word(devoff + i * 8, seed);
}

int t_check(const void *buf, size_t len, uint64_t devoff, uint64_t seed)
{
	const uint64_t *w = buf;
	size_t i;

	for (i = 0; i < len / 8; i++) {
		uint64_t want = t_word(devoff + i * 8, seed);

		if (w[i] != want) {
			t_note("mismatch at device offset %" PRIu64
			       " (buffer +%zu): got %016" PRIx64
			       " want %016" PRIx64, devoff + i * 8, i * 8,
			       w[i], want);
			return 0;
		}
	}
	return 1;
}

int t_is_zero(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i]) {
			t_note("non-zero byte 0x%02x at +%zu", p[i], i);
			return 0;
		}
	return 1;
}

int t_ctl_open(void)
{
	int fd = open(RAWCTL_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		t_fatal("open %s", RAWCTL_PATH);
	return fd;
}

int t_bind(int ctl, int minor, uint64_t major, uint64_t bminor)
{
	struct raw_config_request rq = {
		.raw_minor = minor,
		.block_major = major,
		.block_minor = bminor,
	};

	return ioctl(ctl, RAW_SETBIND, &rq);
}

int t_query(int ctl, int minor, uint64_t *major, uint64_t *bminor)
{
	struct raw_config_request rq = {
		.raw_minor = minor,
		.block_major = 0xdead,
		.block_minor = 0xbeef,
	};
	int ret = ioctl(ctl, RAW_GETBIND, &rq);

	if (ret == 0) {
		*major = rq.block_major;
		*bminor = rq.block_minor;
	}
	return ret;
}

void t_bind_path(int ctl, int minor, const char *bdev_path)
{
	dev_t d = t_rdev(bdev_path);

	if (t_bind(ctl, minor, major(d), minor(d)))
		t_fatal("bind raw%d to %s (%u:%u)", minor, bdev_path,
			major(d), minor(d));
}

const char *t_raw_path(int minor)
{
	static char path[32];

	snprintf(path, sizeof(path), "/dev/raw/raw%d", minor);
	return path;
}

int t_raw_open(int minor, int flags)
{
	int fd = open(t_raw_path(minor), flags);

	if (fd < 0)
		t_fatal("open raw%d", minor);
	return fd;
}

int t_raw_bind_open(int *ctl, int minor, const char *bdev_path, int flags)
{
	*ctl = t_ctl_open();
	t_bind_path(*ctl, minor, bdev_path);
	return t_raw_open(minor, flags);
}

int t_raw_finish(int ctl, int minor)
{
	t_ret(t_bind(ctl, minor, 0, 0), 0, "unbind raw%d", minor);
	close(ctl);
	return t_done();
}

int t_raw_finish_wait(int ctl, int minor)
{
	double t0 = t_now_ms();
	int ret;

	while ((ret = t_bind(ctl, minor, 0, 0)) && errno == EBUSY &&
	       t_now_ms() - t0 < 5000)
		usleep(20 * 1000);
	t_ret(ret, 0, "unbind raw%d (after %.0f ms)", minor, t_now_ms() - t0);
	close(ctl);
	return t_done();
}

uint64_t t_dev_size(int fd)
{
	uint64_t size;

	if (ioctl(fd, BLKGETSIZE64, &size))
		t_fatal("BLKGETSIZE64");
	return size;
}

unsigned int t_lbs(int fd)
{
	int lbs;

	if (ioctl(fd, BLKSSZGET, &lbs))
		t_fatal("BLKSSZGET");
	return lbs;
}

int t_bdev_open(const char *path, int flags, uint64_t *size,
		unsigned int *lbs)
{
	int fd = open(path, flags);

	if (fd < 0)
		t_fatal("open %s", path);
	if (size)
		*size = t_dev_size(fd);
	if (lbs)
		*lbs = t_lbs(fd);
	return fd;
}

dev_t t_rdev(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		t_fatal("stat %s", path);
	if (!S_ISBLK(st.st_mode)) {
		errno = ENOTBLK;
		t_fatal("%s", path);
	}
	return st.st_rdev;
}

ssize_t t_read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

unsigned long long t_sysfs_u64(const char *path)
{
	char buf[64], *end;
	unsigned long long v;

	if (t_read_text(path, buf, sizeof(buf)) < 0)
		t_fatal("read %s", path);
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (end == buf || (*end && *end != '\n') || errno) {
		errno = 0;
		t_fatal("%s holds \"%s\", not a decimal number", path, buf);
	}
	return v;
}

/* Fatal unless a pread or pwrite of @len returned @n == @len. */
static void t_all_or_fatal(const char *call, ssize_t n, size_t len, off_t off)
{
	if (n != (ssize_t)len) {
		if (n >= 0)
			errno = 0;
		t_fatal("%s %zu at %lld returned %zd", call, len,
			(long long)off, n);
	}
}

void t_pread_all(int fd, void *buf, size_t len, off_t off)
{
	t_all_or_fatal("pread", pread(fd, buf, len, off), len, off);
}

void t_pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	t_all_or_fatal("pwrite", pwrite(fd, buf, len, off), len, off);
}

unsigned long long t_num(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (end == s || *end || errno) {
		errno = 0;
		t_fatal("not a number: \"%s\"", s);
	}
	return v;
}

const char *t_fuzz_args(int argc, char **argv, unsigned long *cases,
			uint64_t *seed)
{
	int opt;

	while ((opt = getopt(argc, argv, "n:s:")) != -1) {
		if (opt == 'n')
			*cases = t_num(optarg);
		else if (opt == 's')
			*seed = t_num(optarg) | 1;
		else
			exit(64);
	}
	if (optind != argc - 1)
		t_usage(argv[0], "[-n CASES] [-s SEED] BLOCKDEV");
	return argv[optind];
}

uint64_t t_rand(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

double t_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

long long t_pins_held(void)
{
	long long acq = -1, rel = -1, v;
	char name[64];
	FILE *f;
	int fd;

	/* Fold the per-cpu counts in: else /proc/vmstat lags by a second. */
	fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);
	if (fd >= 0) {
		/* It fails with EINVAL if some other count is negative. */
		ssize_t n = write(fd, "1", 1);

		(void)n;
		close(fd);
	}
	f = fopen("/proc/vmstat", "r");
	if (!f)
		t_fatal("open /proc/vmstat");
	while (fscanf(f, "%63s %lld", name, &v) == 2) {
		if (!strcmp(name, "nr_foll_pin_acquired"))
			acq = v;
		else if (!strcmp(name, "nr_foll_pin_released"))
			rel = v;
	}
	fclose(f);
	if (acq < 0 || rel < 0)
		t_fatal("no nr_foll_pin_* in /proc/vmstat");
	return acq - rel;
}

void t_check_pins(long long base, const char *what)
{
	double t0 = t_now_ms();
	long long held;

	while ((held = t_pins_held()) != base && t_now_ms() - t0 < 5000)
		usleep(20 * 1000);
	t_ret(held - base, 0, "page pins balanced after %s", what);
}
