// SPDX-License-Identifier: GPL-2.0
/*
 * api: start a bio part-way into its first bvec
 * variant: bvec_iter.bi_offset (7.3+)
 */
#include <linux/bvec.h>

static void __maybe_unused raw_probe(struct bvec_iter *iter, size_t done)
{
	iter->bi_offset = done;
}
