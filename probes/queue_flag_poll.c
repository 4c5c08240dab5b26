// SPDX-License-Identifier: GPL-2.0
/*
 * api: ask whether a queue can poll
 * variant: QUEUE_FLAG_POLL (to 6.10)
 */
#include <linux/blkdev.h>

static bool __maybe_unused raw_probe(struct request_queue *q)
{
	return test_bit(QUEUE_FLAG_POLL, &q->queue_flags);
}
