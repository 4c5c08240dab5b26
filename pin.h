/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pinning the user pages behind an iov_iter, and releasing them
 *
 * The I/O engine builds bios straight from the pages raw_pin_iter() hands
 * it.  User memory is pinned with FOLL_PIN (never plain references); memory
 * the kernel already holds (io_uring's registered buffers) is used as it is.
 * Pages a device wrote into are marked dirty before they are unpinned.
 */
#ifndef _RAW_PIN_H
#define _RAW_PIN_H

#include <linux/bio.h>
#include <linux/mm.h>
#include <linux/uio.h>

#include "compat.h"

/**
 * raw_pin_iter() - pin the next virtually contiguous run behind an iterator
 * @iter: the iterator; advanced past the bytes returned
 * @pages: filled with the pages
 * @maxsize: at most this many bytes
 * @maxpages: at most this many pages
 * @offset: set to the offset of the first byte in @pages[0]
 *
 * Pins writable pages when @iter is a read destination.  Whether the pages
 * hold pins follows from the iterator: raw_pin_needed().
 *
 * Context: process context, may sleep.
 * Return: bytes (> 0), 0 when @iter is empty, or a negative errno (-EFAULT
 * for an unmapped or unpinnable address).
 */
static inline ssize_t raw_pin_iter(struct iov_iter *iter, struct page **pages,
				   size_t maxsize, unsigned int maxpages,
				   size_t *offset)
{
	return raw_iter_extract_pages(iter, pages, maxsize, maxpages, offset);
}

/**
 * raw_pin_needed() - whether pages taken from @iter carry pins
 * @iter: the iterator
 *
 * Return: true for user memory, whose pages must be released with
 * raw_unpin_bio(); false for kernel memory, which needs no release.
 */
static inline bool raw_pin_needed(const struct iov_iter *iter)
{
	return raw_iter_will_pin(iter);
}

/**
 * raw_unpin_pages() - release pins that never made it into a bio
 * @pages: the pages
 * @nr: how many
 *
 * Context: any.
 */
static inline void raw_unpin_pages(struct page **pages, unsigned int nr)
{
	unpin_user_pages(pages, nr);
}

/**
 * raw_bio_set_dirty() - mark the pages of a read bio dirty before it runs
 * @bio: the bio, not yet submitted
 *
 * Done in process context so that completion usually finds the pages dirty
 * and can release them at once (raw_bio_dirty()).
 *
 * Context: process context, may sleep (locks the pages).
 */
void raw_bio_set_dirty(struct bio *bio);

/**
 * raw_bio_dirty() - whether all pages of a bio are still dirty
 * @bio: the completed bio
 *
 * Context: any, including interrupt.
 * Return: true if raw_unpin_bio(@bio, false) loses no data.
 */
bool raw_bio_dirty(struct bio *bio);

/**
 * raw_unpin_bio() - release the pins of a completed bio
 * @bio: the bio; its pages were pinned by raw_pin_iter(), and the pages of
 *       each bvec follow each other in the memory map (as any bvec's do)
 * @dirty: mark every page dirty first (the device wrote into them), where
 *         it is not already
 *
 * Context: any when !@dirty; process context when @dirty (dirtying locks
 * the pages and may sleep).
 */
void raw_unpin_bio(struct bio *bio, bool dirty);

#endif /* _RAW_PIN_H */
