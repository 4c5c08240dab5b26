// SPDX-License-Identifier: GPL-2.0
/*
 * Block device ioctls on /dev/raw/rawN
 *
 * rawN answers a few of its bound device's ioctls: the size and block
 * sizes, BLKDISCARD, BLKZEROOUT and BLKFLSBUF, each with the answer the
 * block device itself gives.  Where raw holds the device as a file
 * (raw_bdev_file()), the call goes to that file's own handler, so the
 * checks, the locking and the page cache's truncation are the block
 * layer's.  Kernels without one answer here, with the checks the block
 * layer makes on them (raw_discard_args()).  Native and 32-bit calls take
 * one way, raw_blk_ioctl().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/pagemap.h>
#include <linux/uaccess.h>

#include "raw.h"

/* 32-bit callers' numbers for the ioctls whose argument type is size_t. */
#define RAW_BLKBSZGET_32	_IOR(0x12, 112, int)
#define RAW_BLKGETSIZE64_32	_IOR(0x12, 114, int)

/*
 * Read and check BLKZEROOUT's { start, length } in bytes; both kernels'
 * block devices check it this way.
 */
static int raw_zeroout_args(struct block_device *bdev, bool write,
			    const u64 __user *argp, u64 *start, u64 *len)
{
	u64 range[2], end;

	if (!write)
		return -EBADF;
	if (copy_from_user(range, argp, sizeof(range)))
		return -EFAULT;
	end = range[0] + range[1] - 1;
	if ((range[0] | range[1]) & (SECTOR_SIZE - 1))
		return -EINVAL;
	if (end >= bdev_nr_bytes(bdev) || end < range[0])
		return -EINVAL;
	*start = range[0];
	*len = range[1];
	return 0;
}

/*
 * BLKDISCARD and BLKZEROOUT, with the block device's own argument checks.
 * Cached pages of the range are dropped first, dirty ones included.
 */
static int raw_ioctl_erase(struct file *file, unsigned int cmd,
			   const u64 __user *argp)
{
	struct block_device *bdev = raw_file_bdev(file);
	struct address_space *mapping = raw_bdev_mapping(bdev);
	bool write = file->f_mode & FMODE_WRITE;
	u64 start, len;
	int ret;

	if (cmd == BLKDISCARD)
		ret = raw_discard_args(bdev, write, argp, &start, &len);
	else
		ret = raw_zeroout_args(bdev, write, argp, &start, &len);
	if (ret)
		return ret;

	/* A zero-length discard reaches the block layer, which decides. */
	filemap_invalidate_lock(mapping);
	if (len)
		truncate_inode_pages_range(mapping, start, start + len - 1);
	if (cmd == BLKDISCARD)
		ret = blkdev_issue_discard(bdev, start >> SECTOR_SHIFT,
					   len >> SECTOR_SHIFT, GFP_KERNEL);
	else
		ret = blkdev_issue_zeroout(bdev, start >> SECTOR_SHIFT,
					   len >> SECTOR_SHIFT, GFP_KERNEL,
					   BLKDEV_ZERO_NOUNMAP);
	filemap_invalidate_unlock(mapping);
	return ret;
}

/* The answers where the device is not held as a file: its own, rebuilt. */
static long raw_blk_ioctl_local(struct file *file, unsigned int cmd,
				void __user *argp, bool compat)
{
	struct block_device *bdev = raw_file_bdev(file);
	u64 size = bdev_nr_bytes(bdev);

	switch (cmd) {
	case BLKGETSIZE64:
		return put_user(size, (u64 __user *)argp);
	case BLKGETSIZE:
		if (compat) {
			if ((size >> SECTOR_SHIFT) > U32_MAX)
				return -EFBIG;
			return put_user(size >> SECTOR_SHIFT,
					(compat_ulong_t __user *)argp);
		}
		return put_user(size >> SECTOR_SHIFT,
				(unsigned long __user *)argp);
	case BLKSSZGET:
		return put_user(bdev_logical_block_size(bdev),
				(int __user *)argp);
	case BLKPBSZGET:
		return put_user(bdev_physical_block_size(bdev),
				(unsigned int __user *)argp);
	case BLKBSZGET:
		return put_user(block_size(bdev), (int __user *)argp);
	case BLKIOMIN:
		return put_user(bdev_io_min(bdev),
				(unsigned int __user *)argp);
	case BLKIOOPT:
		return put_user(bdev_io_opt(bdev),
				(unsigned int __user *)argp);
	case BLKDISCARD:
	case BLKZEROOUT:
		return raw_ioctl_erase(file, cmd, argp);
	case BLKFLSBUF:
		if (!capable(CAP_SYS_ADMIN))
			return -EACCES;
		sync_blockdev(bdev);
		invalidate_bdev(bdev);
		return 0;
	default:
		return -ENOTTY;
	}
}

/* The ioctls rawN passes on: 32-bit numbers only from 32-bit callers. */
static bool raw_blk_ioctl_allowed(unsigned int cmd, bool compat)
{
	switch (cmd) {
	case BLKGETSIZE64:
	case BLKGETSIZE:
	case BLKSSZGET:
	case BLKPBSZGET:
	case BLKBSZGET:
	case BLKIOMIN:
	case BLKIOOPT:
	case BLKDISCARD:
	case BLKZEROOUT:
	case BLKFLSBUF:
		return true;
	case RAW_BLKBSZGET_32:
	case RAW_BLKGETSIZE64_32:
		return compat;
	default:
		return false;
	}
}

long raw_blk_ioctl(struct file *file, unsigned int cmd, unsigned long arg,
		   bool compat)
{
	struct raw_file *rf = file->private_data;
	struct file *bdev_file = raw_bdev_file(&rf->rb);
	void __user *argp = (void __user *)arg;

	if (!raw_blk_ioctl_allowed(cmd, compat))
		return -ENOTTY;
	if (bdev_file) {
		/* Opened with rawN's access mode: the same checks apply. */
		if (compat)
			return bdev_file->f_op->compat_ioctl(bdev_file, cmd, arg);
		return bdev_file->f_op->unlocked_ioctl(bdev_file, cmd, arg);
	}
#ifdef CONFIG_COMPAT
	if (compat) {
		argp = compat_ptr(arg);
		/* As the block layer's compat path: the logical block size. */
		if (cmd == RAW_BLKBSZGET_32)
			cmd = BLKSSZGET;
		else if (cmd == RAW_BLKGETSIZE64_32)
			cmd = BLKGETSIZE64;
	}
#endif
	return raw_blk_ioctl_local(file, cmd, argp, compat);
}
