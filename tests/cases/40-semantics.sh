#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# I/O semantics of rawN (tests/semantics.c): alignment, end of device, zero
# length, O_DSYNC/O_SYNC, fsync, lseek; on 512 and 4096-byte blocks and on
# the rig's disks (whose DMA alignment differs from null_blk's).
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

t_disks 16 -- /dev/vda /dev/nvme0n1
for disk in $T_DISKS; do
	t_prog semantics "$disk"
done

t_end
