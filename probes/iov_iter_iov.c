// SPDX-License-Identifier: GPL-2.0
/*
 * api: take the pages behind an iov_iter
 * variant: pin_user_pages_fast() over iter->iov and iter->ubuf (to 6.3)
 */
#include <linux/mm.h>
#include <linux/uio.h>

static int __maybe_unused raw_probe(struct iov_iter *iter, struct page **pages)
{
	unsigned long addr = (unsigned long)iter->ubuf;

	if (iter_is_iovec(iter) && iter->iov_offset == iter->iov->iov_len)
		addr = (unsigned long)iov_iter_iovec(iter).iov_base;
	if (!user_backed_iter(iter))
		return -EFAULT;
	return pin_user_pages_fast(addr, 1, FOLL_WRITE, pages);
}
