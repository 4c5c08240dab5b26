// SPDX-License-Identifier: GPL-2.0
/*
 * api: ask whether a queue can poll
 * variant: queue_limits.features & BLK_FEAT_POLL (6.11+)
 */
#include <linux/blkdev.h>

static bool __maybe_unused raw_probe(struct request_queue *q)
{
	return q->limits.features & BLK_FEAT_POLL;
}
