#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# 32-bit callers: the binding ABI and the block ioctls from i386 programs,
# through compat_ioctl.
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

raw_load
dev=$(nullb_create a 16 discard=1) || t_fatal "create null_blk a"
t_prog bind32 "$dev"
t_prog blkioctl32 "$dev" discard-zeroes
brd_load 16
t_prog blkioctl32 /dev/ram0

t_end
