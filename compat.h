/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place that knows kernel differences.
 *
 * Every kernel API that differs between the kernels raw builds for is
 * wrapped here in a small helper named for what it does; the rest of the
 * module calls only these helpers.  The variant of each API is chosen by
 * the RAW_HAVE_* answers of the feature probes (one source per API variant
 * in probes/, compiled against the target kernel by probes/run into the
 * generated raw_config.h), never by a version number: distribution kernels
 * backport APIs without changing it.  probes/run stops the build, naming
 * the API and the variants it tried, when no variant of an API compiles;
 * the #errors below say the same in short.  What no compile test can see
 * lives in the one behaviour block below, each rule naming the upstream
 * commit it follows.  See Documentation/kernels.rst.
 */
#ifndef _RAW_COMPAT_H
#define _RAW_COMPAT_H

#include "raw_config.h"

#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

/*
 * The behaviour block: kernel behaviour that no compile test can see.  These
 * are the only version tests in raw; each rule follows one upstream commit,
 * named with the release it first appeared in.  A backport of the commit to
 * an older kernel needs its rule widened here.
 */
#include <linux/version.h>

#define RAW_KERNEL_AT_LEAST(major, minor) \
	(KERNEL_VERSION(major, minor, 0) <= LINUX_VERSION_CODE)

/*
 * 65a558f66c30 ("block: Improve performance for BLK_MQ_F_BLOCKING drivers"),
 * 6.6: finishing a plug runs a BLK_MQ_F_BLOCKING queue in the caller when it
 * may sleep; before it, kblockd always ran such queues.
 */
#define RAW_PLUG_RUNS_BLOCKING_QUEUE	RAW_KERNEL_AT_LEAST(6, 6)

/*
 * b99182c501c3 ("bio: add pcpu caching for non-polling bio_put"), 6.2: a
 * REQ_ALLOC_CACHE bio may be put for the last time in interrupt context;
 * before it, only in task context (a WARN otherwise).
 */
#define RAW_BIO_CACHE_PUT_ANY_CONTEXT	RAW_KERNEL_AT_LEAST(6, 2)

/*
 * 30f1e7241422 ("block: move discard checks into the ioctl handler"), 6.10:
 * BLKDISCARD refuses a read-only device (EPERM), a zero length and a range
 * not aligned to the logical block size before it starts; before it, the
 * ioctl checked 512-byte alignment only.
 */
#define RAW_DISCARD_CHECKS_BLOCK_SIZE	RAW_KERNEL_AT_LEAST(6, 10)

/*
 * 7a07210bbcb3 ("block: introduce blk_validate_byte_range()"), 6.12:
 * BLKDISCARD reads its argument (EFAULT) first and checks for discard
 * support (EOPNOTSUPP) before the open mode (EBADF); before it, EBADF,
 * EOPNOTSUPP, EPERM, then EFAULT.
 */
#define RAW_DISCARD_READS_ARG_FIRST	RAW_KERNEL_AT_LEAST(6, 12)

/* End of the behaviour block. */

#if !defined(RAW_HAVE_BDEV_FILE_OPEN_BY_DEV) && \
	!defined(RAW_HAVE_BLKDEV_GET_BY_DEV_FMODE)
#error "raw: no way to open a block device: tried bdev_file_open_by_dev, blkdev_get_by_dev"
#endif

/*
 * struct raw_bdev - a block device opened with an exclusive claim
 * @bdev: the opened block device
 * @file: the block device file holding the open (bdev_file_open_by_dev())
 * @mode: the mode it was opened with (blkdev_get_by_dev())
 */
struct raw_bdev {
	struct block_device *bdev;
#ifdef RAW_HAVE_BDEV_FILE_OPEN_BY_DEV
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
#ifdef RAW_HAVE_BDEV_FILE_OPEN_BY_DEV
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
#ifdef RAW_HAVE_BDEV_FILE_OPEN_BY_DEV
	bdev_fput(rb->file);
#else
	blkdev_put(rb->bdev, rb->mode);
#endif
	rb->bdev = NULL;
}

/**
 * raw_bdev_file() - the block device file holding an open, if there is one
 * @rb: a device opened by raw_bdev_open()
 *
 * Where block devices are opened as files (bdev_file_open_by_dev()), the
 * file's own operations (its ioctl handler, say) can serve callers of raw.
 *
 * Context: any.
 * Return: the file, valid until raw_bdev_release(), or NULL on kernels that
 * open a block device without one.
 */
static inline struct file *raw_bdev_file(const struct raw_bdev *rb)
{
#ifdef RAW_HAVE_BDEV_FILE_OPEN_BY_DEV
	return rb->file;
#else
	return NULL;
#endif
}

/**
 * raw_bdev_mapping() - the page cache of a block device
 * @bdev: the block device
 *
 * Return: the address_space buffered users of @bdev go through.
 */
static inline struct address_space *raw_bdev_mapping(struct block_device *bdev)
{
#if defined(RAW_HAVE_BDEV_BD_MAPPING)
	return bdev->bd_mapping;
#elif defined(RAW_HAVE_BDEV_BD_INODE)
	return bdev->bd_inode->i_mapping;
#else
#error "raw: no way to find a block device's page cache: tried bd_mapping, bd_inode"
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
#if defined(RAW_HAVE_BLK_FEAT_POLL)
	return bdev_get_queue(bdev)->limits.features & BLK_FEAT_POLL;
#elif defined(RAW_HAVE_QUEUE_FLAG_POLL)
	return test_bit(QUEUE_FLAG_POLL, &bdev_get_queue(bdev)->queue_flags);
#else
#error "raw: no way to ask whether a queue can poll: tried BLK_FEAT_POLL, QUEUE_FLAG_POLL"
#endif
}

/**
 * raw_plug_runs_queue() - whether finishing a plug runs @q's hardware queue
 * in the caller
 * @q: a request-based queue
 *
 * Without RAW_PLUG_RUNS_BLOCKING_QUEUE (the behaviour block), a queue whose
 * driver may sleep in ->queue_rq (memory-backed null_blk, ublk, ...) is
 * always run by kblockd, plug or no plug, so a plug only adds its own cost.
 * With it, the caller runs the queue when it may sleep.
 *
 * Return: true if a plugged request may be dispatched when the plug ends.
 */
static inline bool raw_plug_runs_queue(struct request_queue *q)
{
	if (RAW_PLUG_RUNS_BLOCKING_QUEUE)
		return true;
	/*
	 * The kernels before that commit offer no accessor saying whether a
	 * queue's driver may block: the flag lives only in the tag set the
	 * driver filled in (include/linux/blk-mq.h), fixed for the queue's
	 * life.  Read it there; newer kernels never get here.
	 */
	return !(q->tag_set->flags & BLK_MQ_F_BLOCKING);
}

/**
 * raw_bio_cache_any_context() - whether a bio from a bio_set's per-CPU cache
 * may be put for the last time in any context
 *
 * Without RAW_BIO_CACHE_PUT_ANY_CONTEXT (the behaviour block) the kernel
 * takes a cached bio (REQ_ALLOC_CACHE) back only in task context and warns
 * elsewhere, so only polled bios, completed by their submitter, may use the
 * cache.  With it, bios put in interrupts are taken back (or freed), so any
 * bio may.
 *
 * Return: true if a bio that an interrupt may complete can use the cache.
 */
static inline bool raw_bio_cache_any_context(void)
{
	return RAW_BIO_CACHE_PUT_ANY_CONTEXT;
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
 * The kernels check in different orders, and older ones check 512-byte
 * alignment and allow a zero length where newer ones check the logical
 * block size and refuse it (RAW_DISCARD_* in the behaviour block); raw
 * answers with the errno the block device itself gives.
 *
 * Context: process context (reads user memory).
 * Return: 0 if the discard may go ahead, else a negative errno.
 */
static inline int raw_discard_args(struct block_device *bdev, bool write,
				   const u64 __user *argp, u64 *start, u64 *len)
{
	const bool arg_first = RAW_DISCARD_READS_ARG_FIRST;
	u64 range[2], end;

	if (arg_first && copy_from_user(range, argp, sizeof(range)))
		return -EFAULT;
	if (!arg_first && !write)
		return -EBADF;
	if (!bdev_max_discard_sectors(bdev))
		return -EOPNOTSUPP;
	if (arg_first && !write)
		return -EBADF;
	if (RAW_DISCARD_CHECKS_BLOCK_SIZE && bdev_read_only(bdev))
		return -EPERM;
	if (!arg_first && copy_from_user(range, argp, sizeof(range)))
		return -EFAULT;
	if (RAW_DISCARD_CHECKS_BLOCK_SIZE) {
		if ((range[0] | range[1]) & (bdev_logical_block_size(bdev) - 1) ||
		    !range[1])
			return -EINVAL;
	} else if ((range[0] | range[1]) & (SECTOR_SIZE - 1)) {
		return -EINVAL;
	}
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
 * A pmem device reports a range with bad blocks as -EIO before 1ea7ca1b0901
 * ("dax: enable dax fault handler to report VM_FAULT_HWPOISON", 6.5) and as
 * -EHWPOISON since (unless asked for a recovery write).  Both are taken
 * here, on every kernel: no dax_direct_access() returns -EHWPOISON for
 * anything else, and its only other -EIO (device-mapper: no live target,
 * or one without DAX) fails the retry the caller makes for bad blocks
 * with -EIO again, the errno the caller gives for bad blocks anyway.
 *
 * Return: true if @ret says the range may hold known-bad blocks.
 */
static inline bool raw_dax_access_poisoned(long ret)
{
	return ret == -EHWPOISON || ret == -EIO;
}

/* The device argument of struct class's devnode callback became const. */
#if defined(RAW_HAVE_CLASS_DEVNODE_CONST)
#define RAW_DEVNODE_CONST const
#elif defined(RAW_HAVE_CLASS_DEVNODE)
#define RAW_DEVNODE_CONST
#else
#error "raw: no known class devnode callback: tried const and plain struct device"
#endif

/*
 * MODULE_IMPORT_NS() took the namespace as an identifier, which it
 * stringified, and from 6.13 takes a string literal.  The string form
 * compiles on the older kernels too (naming a namespace with quotes in
 * it), so the identifier form goes first where it exists.  Only the KUnit
 * tests (tests/kunit/) import one.
 */
#if defined(RAW_HAVE_MODULE_NS_IDENT)
#define RAW_IMPORT_NS(ns) MODULE_IMPORT_NS(ns)
#elif defined(RAW_HAVE_MODULE_NS_STRING)
#define RAW_IMPORT_NS(ns) MODULE_IMPORT_NS(#ns)
#else
#error "raw: no known MODULE_IMPORT_NS(): tried an identifier and a string"
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
#if defined(RAW_HAVE_IOV_ITER_EXTRACT_PAGES)
static inline ssize_t raw_iter_extract_pages(struct iov_iter *iter,
					     struct page **pages,
					     size_t maxsize,
					     unsigned int maxpages,
					     size_t *offset)
{
	return iov_iter_extract_pages(iter, &pages, maxsize, maxpages, 0,
				      offset);
}
#elif defined(RAW_HAVE_IOV_ITER_IOV)
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
#else
#error "raw: no way to take an iov_iter's pages: tried iov_iter_extract_pages, iter->iov"
#endif

/**
 * raw_iter_iov() - the iovec an ITER_IOVEC iterator is at
 * @iter: an ITER_IOVEC iterator
 *
 * Context: any.
 * Return: its current segment; @iter->nr_segs segments follow from there,
 * the first with @iter->iov_offset of its bytes already taken.
 */
static inline const struct iovec *raw_iter_iov(const struct iov_iter *iter)
{
#if defined(RAW_HAVE_ITER_IOV)
	return iter_iov(iter);
#elif defined(RAW_HAVE_IOV_ITER_IOV_ARRAY)
	return iter->iov;
#else
#error "raw: no way to find an iterator's iovec array: tried iter_iov(), iter->iov"
#endif
}

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

/**
 * raw_bio_set_bvec_offset() - start a bio's data part-way into its first bvec
 * @bio: a bio whose bvecs are set up but not yet walked
 * @offset: bytes of the first bvec to skip
 *
 * Context: any.
 */
static inline void raw_bio_set_bvec_offset(struct bio *bio, unsigned int offset)
{
#if defined(RAW_HAVE_BVEC_ITER_BI_OFFSET)
	bio->bi_iter.bi_offset = offset;
#elif defined(RAW_HAVE_BVEC_ITER_BI_BVEC_DONE)
	bio->bi_iter.bi_bvec_done = offset;
#else
#error "raw: no way to offset a bio into its first bvec: tried bi_offset, bi_bvec_done"
#endif
}

#endif /* _RAW_COMPAT_H */
