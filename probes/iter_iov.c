// SPDX-License-Identifier: GPL-2.0
/*
 * api: the iovec array an ITER_IOVEC iterator is at
 * variant: iter_iov() (6.4+)
 */
#include <linux/uio.h>

static __maybe_unused const struct iovec *
raw_probe(const struct iov_iter *iter)
{
	return iter_iov(iter);
}
