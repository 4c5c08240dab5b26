/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place that knows kernel versions.
 *
 * raw builds against Debian's 6.1 and 6.12 kernels.  Every API that differs
 * between them is wrapped here in a small helper named for what it does;
 * the rest of the module calls only these helpers.
 */
#ifndef _RAW_COMPAT_H
#define _RAW_COMPAT_H

#include <linux/version.h>
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

/* True when building for kernel @major.@minor or later. */
#define RAW_KERNEL_AT_LEAST(major, minor) \
	(KERNEL_VERSION(major, minor, 0) <= LINUX_VERSION_CODE)

#if RAW_KERNEL_AT_LEAST(6, 5) && !RAW_KERNEL_AT_LEAST(6, 9)
#error "raw supports kernels 6.1 to 6.4 and 6.9 or later"
#endif

/*
 * struct raw_bdev - a block device opened with an exclusive claim
 * @bdev: the opened block device
 * @file: the block device file holding the open (6.9 and later)
 * @mode: the mode it was opened with (before 6.9)
 */
struct raw_bdev {
	struct block_device *bdev;
#if RAW_KERNEL_AT_LEAST(6, 9)
	struct file *file;
#else
	fmode_t mode;
#endif
};

/**
 * raw_bdev_open() - open a block device by number with an exclusive claim
 * @rb: filled in on success
 * @dev: the block device number
 * @write: open for writing as well as reading
 * @holder: the claim's holder; opens with the same holder share the claim
 *
 * Context: process context, may sleep.
 * Return: 0, or a negative errno (-ENXIO when no such device exists,
 * -EBUSY when another holder claims it).  Release with raw_bdev_release().
 */
static inline int raw_bdev_open(struct raw_bdev *rb, dev_t dev, bool write,
				void *holder)
{
#if RAW_KERNEL_AT_LEAST(6, 9)
	blk_mode_t mode = BLK_OPEN_READ | (write ? BLK_OPEN_WRITE : 0);
	struct file *file = bdev_file_open_by_dev(dev, mode, holder, NULL);

	if (IS_ERR(file))
		return PTR_ERR(file);
	rb->file = file;
	rb->bdev = file_bdev(file);
#else
	fmode_t mode = FMODE_READ | FMODE_EXCL | (write ? FMODE_WRITE : 0);
	struct block_device *bdev = blkdev_get_by_dev(dev, mode, holder);

	if (IS_ERR(bdev))
		return PTR_ERR(bdev);
	rb->mode = mode;
	rb->bdev = bdev;
#endif
	return 0;
}

/**
 * raw_bdev_release() - close a block device opened by raw_bdev_open()
 * @rb: the opened device
 *
 * The exclusive claim is dropped before this returns, so the device can be
 * claimed again at once.
 *
 * Context: process context, may sleep.
 */
static inline void raw_bdev_release(struct raw_bdev *rb)
{
#if RAW_KERNEL_AT_LEAST(6, 9)
	bdev_fput(rb->file);
#else
	blkdev_put(rb->bdev, rb->mode);
#endif
	rb->bdev = NULL;
}

/**
 * raw_bdev_mapping() - the page cache of a block device
 * @bdev: the block device
 *
 * Return: the address_space buffered users of @bdev go through.
 */
static inline struct address_space *raw_bdev_mapping(struct block_device *bdev)
{
#if RAW_KERNEL_AT_LEAST(6, 10)
	return bdev->bd_mapping;
#else
	return bdev->bd_inode->i_mapping;
#endif
}

/**
 * raw_bdev_can_poll() - whether bios to a device may be polled (REQ_POLLED)
 * @bdev: the block device
 *
 * Return: true if its queue has poll queues.  A polled bio sent elsewhere
 * fails with -EOPNOTSUPP on newer kernels.
 */
static inline bool raw_bdev_can_poll(struct block_device *bdev)
{
#if RAW_KERNEL_AT_LEAST(6, 11)
	return bdev_get_queue(bdev)->limits.features & BLK_FEAT_POLL;
#else
	return test_bit(QUEUE_FLAG_POLL, &bdev_get_queue(bdev)->queue_flags);
#endif
}

/**
 * raw_plug_runs_queue() - whether finishing a plug runs @q's hardware queue
 * in the caller
 * @q: a request-based queue
 *
 * Before 6.6 ("block: Improve performance for BLK_MQ_F_BLOCKING drivers")
 * a queue whose driver may sleep in ->queue_rq (memory-backed null_blk,
 * ublk, ...) is always run by kblockd, plug or no plug, so a plug only
 * adds its own cost.  Since then the caller runs it when it may sleep.
 *
 * Return: true if a plugged request may be dispatched when the plug ends.
 */
static inline bool raw_plug_runs_queue(struct request_queue *q)
{
#if RAW_KERNEL_AT_LEAST(6, 6)
	return true;
#else
	return !(q->tag_set->flags & BLK_MQ_F_BLOCKING);
#endif
}

/**
 * raw_bio_cache_any_context() - whether a bio from a bio_set's per-CPU cache
 * may be put for the last time in any context
 *
 * 6.1 takes a cached bio (REQ_ALLOC_CACHE) back only in task context and
 * warns elsewhere, so only polled bios, completed by their submitter, may
 * use the cache there.  6.12 also takes them back in hard interrupts and
 * frees the ones put elsewhere, so any bio may.
 *
 * Return: true if a bio that an interrupt may complete can use the cache.
 */
static inline bool raw_bio_cache_any_context(void)
{
	return RAW_KERNEL_AT_LEAST(6, 9);
}

/**
 * raw_discard_args() - read and check BLKDISCARD's argument as the block
 * device's own ioctl does
 * @bdev: the block device
 * @write: the file is open for writing
 * @argp: the user's { start, length } in bytes
 * @start: set to the start
 * @len: set to the length
 *
 * The kernels check in different orders, and 6.1 checks 512-byte alignment
 * and allows a zero length where 6.12 checks the logical block size and
 * refuses it; raw answers with the errno the block device itself gives.
 *
 * Context: process context (reads user memory).
 * Return: 0 if the discard may go ahead, else a negative errno.
 */
static inline int raw_discard_args(struct block_device *bdev, bool write,
				   const u64 __user *argp, u64 *start, u64 *len)
{
	u64 range[2], end;

#if RAW_KERNEL_AT_LEAST(6, 9)
	if (copy_from_user(range, argp, sizeof(range)))
		return -EFAULT;
	if (!bdev_max_discard_sectors(bdev))
		return -EOPNOTSUPP;
	if (!write)
		return -EBADF;
	if (bdev_read_only(bdev))
		return -EPERM;
	if ((range[0] | range[1]) & (bdev_logical_block_size(bdev) - 1) ||
	    !range[1])
		return -EINVAL;
#else
	if (!write)
		return -EBADF;
	if (!bdev_max_discard_sectors(bdev))
		return -EOPNOTSUPP;
	if (copy_from_user(range, argp, sizeof(range)))
		return -EFAULT;
	if ((range[0] | range[1]) & (SECTOR_SIZE - 1))
		return -EINVAL;
#endif
	if (check_add_overflow(range[0], range[1], &end) ||
	    end > bdev_nr_bytes(bdev))
		return -EINVAL;
	*start = range[0];
	*len = range[1];
	return 0;
}

/**
 * raw_dax_supported() - whether the kernel has the DAX calls raw uses
 *
 * fs_dax_get_by_bdev() finds DAX devices only with CONFIG_FS_DAX (a stub
 * returns NULL without it), and dax_direct_access() exists only then.
 * Debian's kernels have it; a small custom kernel, such as the debug
 * tier's, may not, and raw then sends bios to every device.
 *
 * Return: true if the DAX path can be built and used.
 */
static inline bool raw_dax_supported(void)
{
	return IS_ENABLED(CONFIG_FS_DAX);
}

/**
 * raw_dax_access_poisoned() - whether dax_direct_access() refused known-bad
 * blocks
 * @ret: what dax_direct_access() returned
 *
 * A pmem device reports a range with bad blocks as -EIO on 6.1 and as
 * -EHWPOISON on 6.12 (unless asked for a recovery write).
 *
 * Return: true if @ret says the range holds known-bad blocks.
 */
static inline bool raw_dax_access_poisoned(long ret)
{
#if RAW_KERNEL_AT_LEAST(6, 9)
	return ret == -EHWPOISON;
#else
	return ret == -EIO;
#endif
}

/* The device argument of struct class's devnode callback became const. */
#if RAW_KERNEL_AT_LEAST(6, 2)
#define RAW_DEVNODE_CONST const
#else
#define RAW_DEVNODE_CONST
#endif

/**
 * raw_iter_extract_pages() - take the next run of pages behind an iterator
 * @iter: the iterator, advanced past what was taken
 * @pages: array to fill with the pages
 * @maxsize: at most this many bytes
 * @maxpages: at most this many pages (size of @pages)
 * @offset: set to the offset of the data in the first page
 *
 * User memory (ITER_UBUF, ITER_IOVEC) is pinned with FOLL_PIN, writable when
 * the iterator is a read destination; kernel memory (ITER_BVEC) is taken as
 * it is, without a reference.  raw_iter_will_pin() says which.  The run is
 * virtually contiguous, so it may be shorter than asked for.
 *
 * Context: process context, may sleep (faults the user pages in).
 * Return: bytes taken (> 0), or a negative errno.
 */
#if RAW_KERNEL_AT_LEAST(6, 3)
static inline ssize_t raw_iter_extract_pages(struct iov_iter *iter,
					     struct page **pages,
					     size_t maxsize,
					     unsigned int maxpages,
					     size_t *offset)
{
	return iov_iter_extract_pages(iter, &pages, maxsize, maxpages, 0,
				      offset);
}
#else
static inline ssize_t raw_iter_extract_user(struct iov_iter *iter,
					    struct page **pages,
					    size_t maxsize,
					    unsigned int maxpages,
					    size_t *offset)
{
	unsigned int gup_flags = iov_iter_rw(iter) == READ ? FOLL_WRITE : 0;
	unsigned long addr;
	size_t len;
	int nr;

	/* Step over empty segments so the current one has data. */
	if (iter_is_iovec(iter) && iter->iov_offset == iter->iov->iov_len)
		iov_iter_advance(iter, 0);
	if (iter_is_ubuf(iter)) {
		addr = (unsigned long)iter->ubuf + iter->iov_offset;
		len = iter->count;
	} else {
		struct iovec seg = iov_iter_iovec(iter);

		addr = (unsigned long)seg.iov_base;
		len = seg.iov_len;
	}
	len = min(len, maxsize);
	*offset = offset_in_page(addr);
	nr = min_t(size_t, DIV_ROUND_UP(*offset + len, PAGE_SIZE), maxpages);
	nr = pin_user_pages_fast(addr & PAGE_MASK, nr, gup_flags, pages);
	if (nr <= 0)
		return nr ? nr : -EFAULT;
	len = min_t(size_t, len, (size_t)nr * PAGE_SIZE - *offset);
	iov_iter_advance(iter, len);
	return len;
}

static inline ssize_t raw_iter_extract_bvec(struct iov_iter *iter,
					    struct page **pages,
					    size_t maxsize,
					    unsigned int maxpages,
					    size_t *offset)
{
	const struct bio_vec *bv = iter->bvec;
	size_t skip = bv->bv_offset + iter->iov_offset;
	struct page *first = bv->bv_page + skip / PAGE_SIZE;
	size_t len = min3(maxsize, iter->count,
			  (size_t)bv->bv_len - iter->iov_offset);
	unsigned int i, nr;

	*offset = skip % PAGE_SIZE;
	nr = min_t(size_t, DIV_ROUND_UP(*offset + len, PAGE_SIZE), maxpages);
	for (i = 0; i < nr; i++)
		pages[i] = first + i;
	len = min_t(size_t, len, (size_t)nr * PAGE_SIZE - *offset);
	iov_iter_advance(iter, len);
	return len;
}

static inline ssize_t raw_iter_extract_pages(struct iov_iter *iter,
					     struct page **pages,
					     size_t maxsize,
					     unsigned int maxpages,
					     size_t *offset)
{
	if (!maxsize || !maxpages || !iov_iter_count(iter))
		return 0;
	if (user_backed_iter(iter))
		return raw_iter_extract_user(iter, pages, maxsize, maxpages,
					     offset);
	if (iov_iter_is_bvec(iter))
		return raw_iter_extract_bvec(iter, pages, maxsize, maxpages,
					     offset);
	return -EFAULT;
}
#endif

/**
 * raw_iter_will_pin() - whether raw_iter_extract_pages() pins
 * @iter: the iterator
 *
 * Return: true if the pages taken from @iter hold FOLL_PIN pins that must be
 * released with unpin_user_page().
 */
static inline bool raw_iter_will_pin(const struct iov_iter *iter)
{
	return user_backed_iter(iter);
}

#endif /* _RAW_COMPAT_H */
