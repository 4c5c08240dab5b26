#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# I/O semantics of rawN (tests/sem.c): alignment, end of device, zero
# length, O_DSYNC/O_SYNC, fsync, lseek; on 512 and 4096-byte blocks and on
# the rig's disks (whose DMA alignment differs from null_blk's).
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

raw_load
dev=$(nullb_create a 16) || t_fatal "create null_blk a"
t_prog sem "$dev"
dev4k=$(nullb_create b 16 blocksize=4096) || t_fatal "create null_blk b"
t_prog sem "$dev4k"
brd_load 16
t_prog sem /dev/ram0
for disk in /dev/vda /dev/nvme0n1; do
	t_disk "$disk" && t_prog sem "$disk"
done

t_end
