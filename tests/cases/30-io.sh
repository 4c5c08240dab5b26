#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Data round trips through rawN (tests/io.c) on null_blk (512 and 4096-byte
# blocks), brd, the rig's virtio and NVMe disks; and one 1 GiB read.
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

raw_load
dev=$(nullb_create a 96) || t_fatal "create null_blk a"
t_prog io "$dev"
dev4k=$(nullb_create b 96 blocksize=4096) || t_fatal "create null_blk b"
t_prog io "$dev4k"
nullb_remove a
nullb_remove b

brd_load 96
t_prog io /dev/ram0
rmmod brd

for disk in /dev/vda /dev/nvme0n1; do
	t_disk "$disk" && t_prog io "$disk"
done

# memory-backed null_blk allocates only what is written: 1 GiB is cheap
huge=$(nullb_create huge 1040) || t_fatal "create null_blk huge"
t_prog io --big 1024 "$huge"

t_end
