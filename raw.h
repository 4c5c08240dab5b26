/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The contract between raw's files
 *
 * bindings.c owns the minor table: which block device each raw minor is
 * bound to, how many files have it open, its sysfs device and counters.
 * file.c owns the file operations of /dev/raw/rawN and hands reads and
 * writes to the I/O engine in rawio.c, block ioctls to blkioctl.c.
 */
#ifndef _RAW_RAW_H
#define _RAW_RAW_H

#include <linux/fs.h>
#include <linux/percpu.h>
#include <linux/types.h>

#include "compat.h"

/*
 * struct raw_stats - per-CPU I/O counters of one raw minor, in sysfs
 * @reads:        read calls that reached the device
 * @writes:       write calls that reached the device
 * @read_bytes:   bytes read
 * @write_bytes:  bytes written
 * @errors:       calls part of which failed (a bio error, a fault pinning
 *                the buffer, or a fatal signal stopping a long transfer)
 * @pages_pinned: user pages pinned for I/O
 */
struct raw_stats {
	u64 reads;
	u64 writes;
	u64 read_bytes;
	u64 write_bytes;
	u64 errors;
	u64 pages_pinned;
};

/**
 * raw_done() - the end of every read or write call: count it, move on
 * @iocb: the caller's kiocb; its position advances past what was done
 * @stats: counters of the minor
 * @is_read: the call was a read
 * @ret: the call's result: bytes done or a negative errno
 * @failed: some of the call failed (counted in @stats->errors)
 *
 * The one place where the counters and @iocb->ki_pos are advanced, for
 * every path: bios, synchronous or not, and DAX.  A call that would have
 * blocked (-EAGAIN) did no I/O: it is not counted.  Inlined: it ends the
 * hot 4 KiB path.
 *
 * Context: any.
 */
static __always_inline void raw_done(struct kiocb *iocb,
				     struct raw_stats __percpu *stats,
				     bool is_read, ssize_t ret, bool failed)
{
	if (ret == -EAGAIN)
		return;
	if (is_read) {
		this_cpu_inc(stats->reads);
		if (ret > 0)
			this_cpu_add(stats->read_bytes, ret);
	} else {
		this_cpu_inc(stats->writes);
		if (ret > 0)
			this_cpu_add(stats->write_bytes, ret);
	}
	if (failed)
		this_cpu_inc(stats->errors);
	if (ret > 0)
		iocb->ki_pos += ret;
}

struct raw_minor;

/*
 * struct raw_file - an open /dev/raw/rawN (its file's private_data)
 * @rb:    the bound block device, opened with the caller's access mode
 * @minor: the raw minor, held open
 * @stats: its counters
 * @has_dax: the device has a DAX device: ask @minor which path to take
 */
struct raw_file {
	struct raw_bdev rb;
	struct raw_minor *minor;
	struct raw_stats __percpu *stats;
	bool has_dax;
};

/* The block device an open rawN file is bound to. */
static inline struct block_device *raw_file_bdev(struct file *file)
{
	struct raw_file *rf = file->private_data;

	return rf->rb.bdev;
}

/**
 * raw_minor_open() - open the block device a raw minor is bound to
 * @minor: the raw minor (1 .. max_raw_minors - 1)
 * @write: open it for writing too
 * @rb: filled in with the opened block device
 *
 * Opens the bound device with the claim all raw minors share and counts the
 * open, so the minor cannot be rebound or unbound until raw_minor_release().
 *
 * Context: process context, may sleep; takes the binding mutex.
 * Return: the minor, or an ERR_PTR: -ENXIO if the minor is unbound or the
 * device does not exist, -EBUSY if someone else claims it, -EROFS when
 * @write and the device is read-only.
 */
struct raw_minor *raw_minor_open(unsigned int minor, bool write,
				 struct raw_bdev *rb);

/**
 * raw_minor_release() - undo raw_minor_open()
 * @m: the minor
 * @rb: the block device raw_minor_open() opened
 *
 * Context: process context, may sleep; takes the binding mutex.
 */
void raw_minor_release(struct raw_minor *m, struct raw_bdev *rb);

/**
 * raw_minor_stats() - the counters of an open minor
 * @m: the minor, open
 *
 * Context: any.
 * Return: per-CPU counters, valid until the minor is released.
 */
struct raw_stats __percpu *raw_minor_stats(struct raw_minor *m);

struct raw_dax;

/**
 * raw_minor_dax() - the DAX device I/O on an open minor should use
 * @m: the minor, open
 *
 * Context: any.
 * Return: the minor's DAX attachment if its device has one and both the
 * minor's "dax" attribute and the module parameter allow the DAX path,
 * else NULL (I/O goes through bios).  Valid while the minor is open.
 */
const struct raw_dax *raw_minor_dax(struct raw_minor *m);

/**
 * raw_minor_has_dax() - whether an open minor's device has a DAX device
 * @m: the minor, open
 *
 * Context: any.
 * Return: true if raw_minor_dax() may return the attachment; this does not
 * change while the caller keeps @m open.
 */
bool raw_minor_has_dax(struct raw_minor *m);

#if IS_ENABLED(CONFIG_KUNIT)
/*
 * bindings.c's own entry points, static unless the kernel has KUnit; then
 * exported (EXPORT_SYMBOL_IF_KUNIT()) for the tests in tests/kunit/.
 */
struct kernel_param;

/**
 * raw_max_minors_set() - the setter of the max_raw_minors parameter
 * @val: the value given, as text
 * @kp: the parameter; its unsigned int is set when @val is valid
 *
 * Context: process context.
 * Return: 0, or -EINVAL when @val is not a number in 1..65536, -ERANGE
 * when it is one beyond UINT_MAX (the parameter is then left alone).
 */
int raw_max_minors_set(const char *val, const struct kernel_param *kp);

/**
 * raw_ctl_ioctl() - RAW_SETBIND and RAW_GETBIND on /dev/raw/rawctl
 * @file: the control device's file (unused)
 * @cmd: the ioctl
 * @arg: user address of a struct raw_config_request
 *
 * Context: process context, may sleep; takes the binding mutex.
 * Return: 0, or -ENOTTY (another @cmd), -EFAULT, -EINVAL (a minor out of
 * range or a device number dev_t cannot hold), -EPERM (RAW_SETBIND without
 * CAP_SYS_ADMIN), -EBUSY (rebinding an open minor) or -ENOMEM.
 */
long raw_ctl_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

#ifdef CONFIG_COMPAT
/**
 * raw_ctl_compat_ioctl() - raw_ctl_ioctl() for a 32-bit caller
 * @file: the control device's file (unused)
 * @cmd: the ioctl
 * @arg: user address of the 20-byte i386 layout of the request
 *
 * Context: process context, may sleep; takes the binding mutex.
 * Return: as raw_ctl_ioctl().
 */
long raw_ctl_compat_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg);
#endif
#endif

/* file.c: the file operations of /dev/raw/rawN. */
extern const struct file_operations raw_fops;

/**
 * raw_rw_iter() - read or write an open rawN: the I/O engine's entry
 * @iocb: the caller's kiocb; its file is a rawN file
 * @iter: the caller's memory
 *
 * Checks the request against the device (alignment, size, read-only), makes
 * the page cache of the range agree, and serves it by bios or, on a DAX
 * device, by copying.
 *
 * Context: process context, may sleep (not for IOCB_NOWAIT, which fails
 * with -EAGAIN where it would).
 * Return: bytes transferred, -EIOCBQUEUED for a queued asynchronous call,
 * or a negative errno.
 */
ssize_t raw_rw_iter(struct kiocb *iocb, struct iov_iter *iter);

/**
 * raw_blk_ioctl() - a block device ioctl on an open rawN
 * @file: the rawN file
 * @cmd: the ioctl, by the caller's numbering
 * @arg: its argument, as the caller passed it
 * @compat: the caller is a 32-bit program
 *
 * Context: process context, may sleep.
 * Return: what the bound block device answers, or -ENOTTY for an ioctl
 * rawN does not pass on.
 */
long raw_blk_ioctl(struct file *file, unsigned int cmd, unsigned long arg,
		   bool compat);

/* rawio.c: the engine's setup. */

/**
 * raw_io_init() - set up the I/O engine (its bio_set and the workqueue that
 * continues large asynchronous requests)
 *
 * Context: module init.
 * Return: 0 or a negative errno.
 */
int raw_io_init(void);

/**
 * raw_io_exit() - tear down what raw_io_init() set up
 *
 * Waits for deferred page releases and request parts still running.
 *
 * Context: module exit, may sleep.
 */
void raw_io_exit(void);

#endif /* _RAW_RAW_H */
