#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Block ioctls on rawN answered from the bound device (tests/blkioctl.c):
# null_blk with discard (zeros after discard), 4096-byte blocks, brd and
# the rig's disks.
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

raw_load
dev=$(nullb_create a 16 discard=1) || t_fatal "create null_blk a"
t_prog blkioctl "$dev" discard-zeroes
dev4k=$(nullb_create b 16 blocksize=4096) || t_fatal "create null_blk b"
t_prog blkioctl "$dev4k"
brd_load 16
t_prog blkioctl /dev/ram0
for disk in /dev/vda /dev/nvme0n1; do
	t_disk "$disk" && t_prog blkioctl "$disk"
done

t_end
