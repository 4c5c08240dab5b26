// SPDX-License-Identifier: GPL-2.0
/*
 * api: take the pages behind an iov_iter
 * variant: iov_iter_extract_pages() (6.3+)
 */
#include <linux/uio.h>

static ssize_t __maybe_unused raw_probe(struct iov_iter *iter,
					struct page **pages, size_t *offset)
{
	return iov_iter_extract_pages(iter, &pages, PAGE_SIZE, 1, 0, offset);
}
