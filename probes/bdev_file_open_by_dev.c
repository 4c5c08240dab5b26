// SPDX-License-Identifier: GPL-2.0
/*
 * api: open a block device
 * variant: bdev_file_open_by_dev() (6.9+)
 */
#include <linux/blkdev.h>
#include <linux/fs.h>

static void __maybe_unused raw_probe(dev_t dev, void *holder)
{
	struct file *file = bdev_file_open_by_dev(dev, BLK_OPEN_READ, holder,
						  NULL);

	if (!IS_ERR(file) && file_bdev(file))
		bdev_fput(file);
}
