// SPDX-License-Identifier: GPL-2.0
/*
 * Direct access (DAX) to memory-backed block devices
 *
 * For a block device the CPU addresses directly, a bio only makes its driver
 * copy between its memory and the bio's pages.  raw skips that: a read or
 * write on a minor bound to such a device copies between the device memory
 * (found with dax_direct_access()) and the caller's buffer, in chunks, each
 * under dax_read_lock() so that the device cannot go away in the middle of
 * a copy.  Reads use the machine-check safe copy, writes the cache-flushing
 * one, so written data is durable when the call returns.  Nothing is pinned.
 *
 * Each DAX device raw uses has one struct raw_dax_host, shared by every
 * minor bound to the device or a partition of it.  Its first user takes the
 * device's holder for raw; the last one gives it back.
 *
 * dax_read_lock() alone does not make removal safe: kill_dax() clears the
 * device's alive bit before it waits for readers, and a copy that passed
 * dax_direct_access()'s alive check just before can reach the driver just
 * after, which then has no private data to work with.  The holder hears of
 * the removal before the bit is cleared, so raw fences its own copies
 * there: each copy runs inside raw_dax_srcu and first checks that its host
 * is not dying; the notification marks the host dying and waits for the
 * copies in flight.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dax.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/pfn.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/srcu.h>

#include "compat.h"
#include "dax.h"
#include "raw.h"

/* Most bytes copied under one dax_read_lock(). */
#define RAW_DAX_CHUNK		SZ_1M

static bool raw_dax_param = true;
module_param_named(dax, raw_dax_param, bool, 0644);
MODULE_PARM_DESC(dax,
		 "Copy directly to and from memory-backed (DAX) devices instead of sending bios (default 1)");

/*
 * struct raw_dax_host - a DAX device raw uses
 * @node:    on raw_dax_hosts
 * @dax_dev: the device (each user holds its own reference)
 * @held:    a reference taken with raw's holder, NULL if another holder
 *           (a file system, device-mapper) had the device first
 * @users:   attachments of the device
 * @dying:   the device is being removed: no new copy may start
 */
struct raw_dax_host {
	struct list_head node;
	struct dax_device *dax_dev;
	struct dax_device *held;
	unsigned int users;
	bool dying;
};

/*
 * Protects raw_dax_hosts and every field of every host; copies read @dying
 * without it, inside raw_dax_srcu.
 */
static DEFINE_MUTEX(raw_dax_mutex);
static LIST_HEAD(raw_dax_hosts);

/* Copies in flight, which a removal waits for: see the top of this file. */
DEFINE_STATIC_SRCU(raw_dax_srcu);

/* raw's holder of DAX devices, shared as the block device claim is. */
static const char raw_dax_holder[] = "raw";

static struct raw_dax_host *raw_dax_host_find(struct dax_device *dax_dev)
{
	struct raw_dax_host *host;

	lockdep_assert_held(&raw_dax_mutex);
	list_for_each_entry(host, &raw_dax_hosts, node)
		if (host->dax_dev == dax_dev)
			return host;
	return NULL;
}

/*
 * Memory failures in a held device, and its removal (offset 0, length all),
 * are reported here.  raw maps none of the device memory into processes,
 * so there is nothing to unmap: for a memory failure the kernel's own
 * handling goes on, and I/O over the range fails with EIO.  A removal is
 * called before the device stops being alive: mark raw's host dying and
 * wait for the copies that may not have seen it, so that none reaches the
 * driver after the device is dead.  Later copies fail with EIO.
 */
static int raw_dax_notify_failure(struct dax_device *dax_dev, u64 offset,
				  u64 len, int mf_flags)
{
	struct raw_dax_host *host;

	if (len != U64_MAX) {
		pr_warn_ratelimited("memory failure in a DAX device at %#llx, %llu bytes\n",
				    offset, len);
		return -EOPNOTSUPP;
	}
	mutex_lock(&raw_dax_mutex);
	host = raw_dax_host_find(dax_dev);
	if (host)
		WRITE_ONCE(host->dying, true);
	mutex_unlock(&raw_dax_mutex);
	synchronize_srcu(&raw_dax_srcu);
	pr_info_ratelimited("DAX device going away under raw\n");
	return 0;
}

static const struct dax_holder_operations raw_dax_holder_ops = {
	.notify_failure = raw_dax_notify_failure,
};

/*
 * The host of @dax_dev, made on first use.  fs_dax_get_by_bdev() with a
 * holder fails when someone holds the device already, and keeps a reference
 * when it does: so raw asks only when dax_holder() says nobody does.
 */
static struct raw_dax_host *raw_dax_host_get(struct dax_device *dax_dev,
					     struct block_device *bdev)
{
	struct raw_dax_host *host;
	u64 start;

	lockdep_assert_held(&raw_dax_mutex);
	host = raw_dax_host_find(dax_dev);
	if (host)
		goto out;
	host = kzalloc(sizeof(*host), GFP_KERNEL);
	if (!host)
		return NULL;
	host->dax_dev = dax_dev;
	if (!dax_holder(dax_dev))
		host->held = fs_dax_get_by_bdev(bdev, &start, (void *)raw_dax_holder,
						&raw_dax_holder_ops);
	list_add(&host->node, &raw_dax_hosts);
out:
	host->users++;
	return host;
}

static void raw_dax_host_put(struct raw_dax_host *host)
{
	lockdep_assert_held(&raw_dax_mutex);
	if (--host->users)
		return;
	list_del(&host->node);
	fs_put_dax(host->held, (void *)raw_dax_holder);
	kfree(host);
}

int raw_dax_attach(struct raw_dax *rd, struct block_device *bdev)
{
	struct dax_device *dax_dev;
	struct raw_dax_host *host;
	u64 start;

	rd->host = NULL;
	rd->bdev = NULL;
	WRITE_ONCE(rd->dax_dev, NULL);
	/* No holder: a plain reference, NULL for a non-DAX or unaligned bdev. */
	dax_dev = fs_dax_get_by_bdev(bdev, &start, NULL, NULL);
	if (!dax_dev)
		return 0;

	mutex_lock(&raw_dax_mutex);
	host = raw_dax_host_get(dax_dev, bdev);
	mutex_unlock(&raw_dax_mutex);
	if (!host) {
		fs_put_dax(dax_dev, NULL);
		return -ENOMEM;
	}
	rd->host = host;
	rd->bdev = bdev;
	rd->start = start;
	WRITE_ONCE(rd->dax_dev, dax_dev);
	return 0;
}

void raw_dax_detach(struct raw_dax *rd)
{
	struct dax_device *dax_dev = rd->dax_dev;

	if (!dax_dev)
		return;
	WRITE_ONCE(rd->dax_dev, NULL);
	mutex_lock(&raw_dax_mutex);
	raw_dax_host_put(rd->host);
	mutex_unlock(&raw_dax_mutex);
	rd->host = NULL;
	rd->bdev = NULL;
	fs_put_dax(dax_dev, NULL);
}

bool raw_dax_usable(const struct raw_dax *rd)
{
	return READ_ONCE(rd->dax_dev) && READ_ONCE(raw_dax_param);
}

/*
 * Why a copy moved nothing: the caller's buffer when it cannot be faulted
 * in, else (for a read) a machine check in the device memory.
 */
static int raw_dax_copy_error(struct iov_iter *iter, size_t len, bool is_read)
{
	if (is_read)
		return fault_in_iov_iter_writeable(iter, len) ? -EFAULT : -EIO;
	return fault_in_iov_iter_readable(iter, len) ? -EFAULT : -EIO;
}

/*
 * Copy up to RAW_DAX_CHUNK bytes between device offset @pos and @iter, on a
 * device not being removed.
 * A read stops at the first page with known-bad blocks, and fails with EIO
 * when it starts there; a write over them becomes the device's recovery
 * write, which clears them if the device can (whole pages only).  Returns
 * the bytes copied (> 0) or a negative errno.
 */
static ssize_t raw_dax_copy_alive(const struct raw_dax *rd, loff_t pos,
				  struct iov_iter *iter, bool is_read)
{
	u64 off = rd->start + pos;
	pgoff_t pgoff = off >> PAGE_SHIFT;
	size_t skip = offset_in_page(off);
	size_t len = min_t(size_t, iov_iter_count(iter), RAW_DAX_CHUNK);
	long nr_pages = PFN_UP(skip + len);
	bool recovery = false;
	void *kaddr;
	size_t done;
	long avail;
	int id;

	id = dax_read_lock();
	avail = dax_direct_access(rd->dax_dev, pgoff, nr_pages, DAX_ACCESS,
				  &kaddr, NULL);
	if (raw_dax_access_poisoned(avail) && !is_read) {
		avail = dax_direct_access(rd->dax_dev, pgoff, nr_pages,
					  DAX_RECOVERY_WRITE, &kaddr, NULL);
		recovery = avail > 0;
	} else if (raw_dax_access_poisoned(avail) && nr_pages > 1) {
		/* Read up to the bad blocks, a page per call. */
		avail = dax_direct_access(rd->dax_dev, pgoff, 1, DAX_ACCESS,
					  &kaddr, NULL);
	}
	if (avail <= 0) {
		/* Bad blocks, or the device is gone: EIO, as a bio gets. */
		dax_read_unlock(id);
		return -EIO;
	}
	len = min_t(size_t, len, PFN_PHYS(avail) - skip);
	kaddr += skip;
	if (recovery)
		done = dax_recovery_write(rd->dax_dev, pgoff, kaddr, len, iter);
	else if (is_read)
		done = _copy_mc_to_iter(kaddr, len, iter);
	else
		done = _copy_from_iter_flushcache(kaddr, len, iter);
	dax_read_unlock(id);

	if (done)
		return done;
	return recovery ? -EIO : raw_dax_copy_error(iter, len, is_read);
}

/*
 * raw_dax_copy_alive() unless the device is being removed (EIO then, as a
 * bio gets), fenced against the removal: see the top of this file.
 */
static ssize_t raw_dax_copy(const struct raw_dax *rd, loff_t pos,
			    struct iov_iter *iter, bool is_read)
{
	ssize_t ret = -EIO;
	int idx;

	/* Nothing attaches without it; this drops the calls from the build. */
	if (!raw_dax_supported())
		return -EOPNOTSUPP;
	idx = srcu_read_lock(&raw_dax_srcu);
	if (!READ_ONCE(rd->host->dying))
		ret = raw_dax_copy_alive(rd, pos, iter, is_read);
	srcu_read_unlock(&raw_dax_srcu, idx);
	return ret;
}

ssize_t raw_dax_rw(const struct raw_dax *rd, struct kiocb *iocb,
		   struct iov_iter *iter, struct raw_stats __percpu *stats)
{
	bool is_read = iov_iter_rw(iter) == READ;
	size_t count = iov_iter_count(iter);
	size_t done = 0;
	ssize_t ret = 0;

	while (iov_iter_count(iter)) {
		/* A killed caller gets what is done. */
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		ret = raw_dax_copy(rd, iocb->ki_pos + done, iter, is_read);
		if (ret < 0)
			break;
		done += ret;
		cond_resched();
	}
	/* The copy reached the persistence domain; O_DSYNC flushes it too. */
	if (done && !is_read && iocb_is_dsync(iocb)) {
		int err = blkdev_issue_flush(rd->bdev);

		if (err) {
			ret = err;
			done = 0;
		}
	}
	if (done)
		ret = done;
	raw_done(iocb, stats, is_read, ret, ret < 0 || ret != count);
	return ret;
}
