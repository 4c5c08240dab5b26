// SPDX-License-Identifier: GPL-2.0
/*
 * File operations of /dev/raw/rawN
 *
 * Opening a rawN opens the block device its minor is bound to, with the
 * caller's access mode; the file then stands for that device.  Reads and
 * writes go to the I/O engine (raw_rw_iter(), rawio.c), block ioctls to
 * raw_blk_ioctl() (blkioctl.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "raw.h"

static int raw_open(struct inode *inode, struct file *file)
{
	struct raw_file *rf;

	rf = kzalloc(sizeof(*rf), GFP_KERNEL);
	if (!rf)
		return -ENOMEM;
	rf->minor = raw_minor_open(iminor(inode), file->f_mode & FMODE_WRITE,
				   &rf->rb);
	if (IS_ERR(rf->minor)) {
		int ret = PTR_ERR(rf->minor);

		kfree(rf);
		return ret;
	}
	rf->stats = raw_minor_stats(rf->minor);
	rf->has_dax = raw_minor_has_dax(rf->minor);
	file->private_data = rf;
	/*
	 * All raw I/O is direct: say so, so that kiocbs carry IOCB_DIRECT
	 * (io_uring polls only those) whether or not the caller asked.
	 */
	file->f_flags |= O_DIRECT;
	file->f_mode |= FMODE_CAN_ODIRECT;
	/*
	 * As a block device's file: RWF_NOWAIT and io_uring's inline issue
	 * where the queue can fail a bio instead of waiting (the DAX path
	 * never waits for a device).
	 */
	if (rf->has_dax || bdev_nowait(rf->rb.bdev))
		file->f_mode |= FMODE_NOWAIT;
	return 0;
}

static int raw_release(struct inode *inode, struct file *file)
{
	struct raw_file *rf = file->private_data;

	raw_minor_release(rf->minor, &rf->rb);
	kfree(rf);
	return 0;
}

static loff_t raw_llseek(struct file *file, loff_t offset, int whence)
{
	return fixed_size_llseek(file, offset, whence,
				 bdev_nr_bytes(raw_file_bdev(file)));
}

static int raw_fsync(struct file *file, loff_t start, loff_t end,
		     int datasync)
{
	return blkdev_issue_flush(raw_file_bdev(file));
}

static long raw_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return raw_blk_ioctl(file, cmd, arg, false);
}

#ifdef CONFIG_COMPAT
static long raw_compat_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	return raw_blk_ioctl(file, cmd, arg, true);
}
#endif

const struct file_operations raw_fops = {
	.owner = THIS_MODULE,
	.open = raw_open,
	.release = raw_release,
	.read_iter = raw_rw_iter,
	.write_iter = raw_rw_iter,
	.iopoll = iocb_bio_iopoll,
	.llseek = raw_llseek,
	.fsync = raw_fsync,
	.unlocked_ioctl = raw_ioctl,
#ifdef CONFIG_COMPAT
	.compat_ioctl = raw_compat_ioctl,
#endif
};
