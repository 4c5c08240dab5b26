/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rawtest.h - helpers shared by the guest test programs of raw.ko.
 *
 * Output is TAP-like: one "ok - <desc>" or "not ok - <desc>" line per
 * assertion and "# <text>" for comments.  A program ends with
 * "return t_done();", which exits non-zero if any assertion failed.
 */
#ifndef RAWTEST_H
#define RAWTEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RAWCTL_PATH	"/dev/raw/rawctl"

/* Formatting attribute for the printf-like helpers below. */
#define T_FMT(a, b)	__attribute__((format(printf, a, b)))

/* Report one assertion; returns @cond so callers can chain on success. */
int t_ok(int cond, const char *fmt, ...) T_FMT(2, 3);
/* Expect @ret == -1 with errno == @want (errno read at call time). */
int t_errno(long ret, int want, const char *fmt, ...) T_FMT(3, 4);
/* Expect @ret == -1 with errno one of @want1, @want2. */
int t_errno2(long ret, int want1, int want2, const char *fmt, ...) T_FMT(4, 5);
/* Expect @ret == @want; reports errno when @ret is -1. */
int t_ret(long long ret, long long want, const char *fmt, ...) T_FMT(3, 4);
void t_note(const char *fmt, ...) T_FMT(1, 2);
/* The symbolic name of an errno value ("EIO"), or "E?". */
const char *t_errname(int e);
/*
 * "# figure: KEY N": a count tests/run sums per kernel for the suite's
 * summary (keys in Documentation/testing.rst, "Figures").
 */
void t_figure(const char *key, unsigned long long n);
/* Print "not ok - <msg>: <strerror>" (if errno set) and exit 1. */
void t_fatal(const char *fmt, ...) T_FMT(1, 2) __attribute__((noreturn));
/*
 * For calls that return a negative errno rather than set errno (liburing,
 * libaio): if @ret < 0, t_fatal() with errno -@ret; else nothing.
 */
void t_fatal_if_neg(long ret, const char *fmt, ...) T_FMT(2, 3);
/*
 * Print "usage: PROG <args>" to stderr and exit with status 64, what every
 * program does with a command line it does not take.
 */
void t_usage(const char *prog, const char *fmt, ...) T_FMT(2, 3)
	__attribute__((noreturn));
/* Exit status for main: 0 if every assertion passed. */
int t_done(void);
int t_failures(void);

/* Buffers: aligned heap memory, or fresh anonymous mappings. */
void *t_alloc(size_t len, size_t align);
void *t_map(size_t len);
void t_unmap(void *p, size_t len);

/*
 * Patterns: every 8-byte word depends on its byte offset on the device and
 * on @seed, so data landing at the wrong offset or from another write is
 * caught.  @devoff must be a multiple of 8.
 */
void t_fill(void *buf, size_t len, uint64_t devoff, uint64_t seed);
/* Returns 1 if @buf holds the pattern; prints the first mismatch if not. */
int t_check(const void *buf, size_t len, uint64_t devoff, uint64_t seed);
/* Returns 1 if @buf is all zero bytes. */
int t_is_zero(const void *buf, size_t len);

/* Control device and bindings (return the ioctl's result, errno set). */
int t_ctl_open(void);
int t_bind(int ctl, int minor, uint64_t major, uint64_t bminor);
int t_query(int ctl, int minor, uint64_t *major, uint64_t *bminor);
/* Bind @minor to the block device at @bdev_path; fatal on failure. */
void t_bind_path(int ctl, int minor, const char *bdev_path);
/* "/dev/raw/rawN" in a static buffer. */
const char *t_raw_path(int minor);
/* Open /dev/raw/raw@minor with @flags; fatal ("open rawN") if it fails. */
int t_raw_open(int minor, int flags);
/*
 * The setup most programs start with: open rawctl into *@ctl, bind raw
 * @minor to the block device at @bdev_path and open /dev/raw/raw@minor
 * with @flags.  Returns the raw descriptor; fatal on any failure.
 */
int t_raw_bind_open(int *ctl, int minor, const char *bdev_path, int flags);
/*
 * The end most programs share: assert that raw @minor unbinds ("unbind
 * rawN"), close @ctl and return t_done()'s exit status for main.  Close
 * the descriptors of raw @minor first: an open minor does not unbind.
 */
int t_raw_finish(int ctl, int minor);
/*
 * t_raw_finish() for a program whose last asynchronous completion may
 * hold the minor's file a moment after the event: the file is released
 * from a workqueue, so EBUSY is retried for up to 5 s.
 */
int t_raw_finish_wait(int ctl, int minor);

/* Block device facts, through ioctls on @fd; fatal on failure. */
uint64_t t_dev_size(int fd);
unsigned int t_lbs(int fd);
/*
 * Open the block device at @path with @flags and, where @size and @lbs
 * are not NULL, store its size in bytes and its logical block size there.
 * Returns the descriptor; fatal ("open PATH") on any failure.
 */
int t_bdev_open(const char *path, int flags, uint64_t *size,
		unsigned int *lbs);
/* dev_t of the block device node at @path; fatal if not one. */
dev_t t_rdev(const char *path);

/* Read a decimal number from a sysfs file; fatal on failure. */
unsigned long long t_sysfs_u64(const char *path);
/* Read a small text file into @buf (NUL-terminated); -1 on failure. */
ssize_t t_read_text(const char *path, char *buf, size_t size);

/* Full-length positioned I/O that must succeed; fatal otherwise. */
void t_pread_all(int fd, void *buf, size_t len, off_t off);
void t_pwrite_all(int fd, const void *buf, size_t len, off_t off);

/* Parse a decimal or 0x number argument; fatal on junk. */
unsigned long long t_num(const char *s);
/*
 * The fuzzers' command line, "[-n CASES] [-s SEED] BLOCKDEV": *@cases and
 * *@seed keep what they hold unless given, a seed given is made odd.
 * Returns BLOCKDEV; exits 64 on any other command line.
 */
const char *t_fuzz_args(int argc, char **argv, unsigned long *cases,
			uint64_t *seed);

/*
 * xorshift64: advance *@state (never 0) and return it.  The same start
 * gives the same sequence, so a run is repeated from the seed it printed.
 */
uint64_t t_rand(uint64_t *state);

/* Monotonic time in milliseconds. */
double t_now_ms(void);
/* Page pins held system-wide: nr_foll_pin_acquired - nr_foll_pin_released. */
long long t_pins_held(void);
/* Assert that pins come back to @base within 5 s (completions may lag). */
void t_check_pins(long long base, const char *what);

#endif /* RAWTEST_H */
