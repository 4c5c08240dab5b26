// SPDX-License-Identifier: GPL-2.0
/*
 * Pinning user pages for raw I/O and releasing them
 *
 * A pin (FOLL_PIN) rather than a page reference tells the rest of the
 * kernel that a device is doing DMA to or from the page: fork() copies a
 * pinned anonymous page for the child instead of sharing it, and writeback
 * knows the page may change under it.  Every pin taken here is dropped
 * exactly once, by raw_unpin_bio() or raw_unpin_pages().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>

#include "compat.h"
#include "pin.h"

void raw_bio_set_dirty(struct bio *bio)
{
	struct bvec_iter_all iter_all;
	struct bio_vec *bv;

	bio_for_each_segment_all(bv, bio, iter_all) {
		if (!PageDirty(bv->bv_page))
			set_page_dirty_lock(bv->bv_page);
	}
}

bool raw_bio_dirty(struct bio *bio)
{
	struct bvec_iter_all iter_all;
	struct bio_vec *bv;

	bio_for_each_segment_all(bv, bio, iter_all) {
		if (!PageDirty(bv->bv_page))
			return false;
	}
	return true;
}

/*
 * One call per bvec: the pages of a bvec are physically contiguous, and the
 * range call walks them folio by folio, dropping each folio's pins, and
 * dirtying it where it is clean, once for all its pages in the range.
 */
void raw_unpin_bio(struct bio *bio, bool dirty)
{
	struct bio_vec *bv;
	int i;

	bio_for_each_bvec_all(bv, bio, i) {
		size_t first = bv->bv_offset / PAGE_SIZE;
		size_t last = (bv->bv_offset + bv->bv_len - 1) / PAGE_SIZE;

		unpin_user_page_range_dirty_lock(bv->bv_page + first,
						 last - first + 1, dirty);
	}
}
