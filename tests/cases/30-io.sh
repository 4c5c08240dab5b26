#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Data round trips through rawN (tests/io.c) on null_blk (512 and 4096-byte
# blocks), brd, the rig's virtio and NVMe disks; and one 1 GiB read.
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

t_disks 96 -- /dev/vda /dev/nvme0n1
for disk in $T_DISKS; do
	t_prog io "$disk"
done
nullb_remove a
nullb_remove b
rmmod brd

# memory-backed null_blk allocates only what is written: 1 GiB is cheap
huge=$(nullb_create huge 1040) || t_fatal "create null_blk huge"
t_prog io --big 1024 "$huge"

t_end
