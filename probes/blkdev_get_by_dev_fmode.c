// SPDX-License-Identifier: GPL-2.0
/*
 * api: open a block device
 * variant: blkdev_get_by_dev(dev, fmode_t, holder) (to 6.4)
 */
#include <linux/blkdev.h>
#include <linux/fs.h>

static void __maybe_unused raw_probe(dev_t dev, void *holder)
{
	fmode_t mode = FMODE_READ | FMODE_EXCL;
	struct block_device *bdev = blkdev_get_by_dev(dev, mode, holder);

	if (!IS_ERR(bdev))
		blkdev_put(bdev, mode);
}
