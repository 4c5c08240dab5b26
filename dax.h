/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The direct-access (DAX) path of raw, for memory-backed block devices
 *
 * A block device whose memory the CPU addresses directly (persistent
 * memory, /dev/pmemN with queue/dax = 1) has a DAX device.  While a raw
 * minor bound to it is open, bindings.c keeps it attached (struct raw_dax)
 * and rawio.c sends reads and writes to raw_dax_rw(), which copies between
 * the device's memory and the caller's buffer: no bio, no pinned page.
 */
#ifndef _RAW_DAX_H
#define _RAW_DAX_H

#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/uio.h>

struct dax_device;
struct raw_dax_host;
struct raw_stats;

/*
 * struct raw_dax - the DAX device of an open raw minor's block device
 * @dax_dev: the DAX device, referenced; NULL when the device has none
 * @host:    raw's shared record of @dax_dev, which holds its holder
 * @bdev:    the block device, open while attached
 * @start:   byte offset of @bdev (a partition) in @dax_dev
 */
struct raw_dax {
	struct dax_device *dax_dev;
	struct raw_dax_host *host;
	struct block_device *bdev;
	u64 start;
};

/**
 * raw_dax_attach() - find and reference the DAX device of a block device
 * @rd: filled in; @rd->dax_dev is NULL if @bdev has no usable DAX device
 * @bdev: the block device, opened with raw's claim
 *
 * A device without DAX, or a partition not aligned to pages, is not an
 * error: @rd->dax_dev is left NULL and I/O goes through bios.  The first
 * attachment of a DAX device takes its holder for raw, unless someone else
 * holds it already; the last raw_dax_detach() gives it back.
 *
 * Context: process context, may sleep; takes raw_dax_mutex.
 * Return: 0 (undo with raw_dax_detach()), or -ENOMEM with nothing to undo.
 */
int raw_dax_attach(struct raw_dax *rd, struct block_device *bdev);

/**
 * raw_dax_detach() - undo raw_dax_attach()
 * @rd: the attachment; cleared
 *
 * Context: process context, may sleep; takes raw_dax_mutex.
 */
void raw_dax_detach(struct raw_dax *rd);

/**
 * raw_dax_usable() - whether I/O may take the DAX path
 * @rd: an attachment
 *
 * Context: any.
 * Return: true if @rd has a DAX device and the module parameter ``dax``
 * allows the path.
 */
bool raw_dax_usable(const struct raw_dax *rd);

/**
 * raw_dax_rw() - serve a read or write by copying to or from device memory
 * @rd: the attachment, with a DAX device
 * @iocb: the call; its position is advanced by the bytes transferred
 * @iter: the caller's buffer, already checked and clamped to the device
 * @stats: the minor's counters, updated for the call
 *
 * Reads copy with machine-check recovery; writes copy with cache flushing,
 * so the data is durable when this returns, and an O_DSYNC write also
 * flushes the device (as the bio path's FUA does).  A write over known-bad
 * blocks is retried as the device's recovery write.  Nothing is pinned.
 *
 * Context: process context, may sleep (faults in the caller's pages);
 * takes dax_read_lock() around each chunk.
 * Return: bytes transferred before the first failure, else the failure's
 * negative errno: -EIO for bad blocks or a removed device, -EFAULT for a
 * bad buffer, -EINTR for a fatal signal, or the device flush's error.
 */
ssize_t raw_dax_rw(const struct raw_dax *rd, struct kiocb *iocb,
		   struct iov_iter *iter, struct raw_stats __percpu *stats);

#endif /* _RAW_DAX_H */
