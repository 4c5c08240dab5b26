// SPDX-License-Identifier: GPL-2.0
/*
 * api: find a block device's page cache
 * variant: bdev->bd_mapping (6.10+)
 */
#include <linux/blk_types.h>
#include <linux/fs.h>

static __maybe_unused struct address_space *
raw_probe(struct block_device *bdev)
{
	return bdev->bd_mapping;
}
