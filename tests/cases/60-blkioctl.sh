#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Block ioctls on rawN answered from the bound device (tests/blkioctl.c):
# null_blk with discard (zeros after discard), 4096-byte blocks, brd and
# the rig's disks.
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

# null_blk a has discard: its discarded blocks read back as zeros
t_disks 16 discard=1 -- /dev/vda /dev/nvme0n1
for disk in $T_DISKS; do
	case $disk in
	/dev/nullb_a) t_prog blkioctl "$disk" discard-zeroes ;;
	*) t_prog blkioctl "$disk" ;;
	esac
done

t_end
