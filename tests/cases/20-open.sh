#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Opening rawN (tests/open.c): the shared exclusive claim and its release,
# read-only devices, O_DIRECT; then devices held by swap and device-mapper,
# and a device that goes away while open.
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

raw_load
dev=$(nullb_create a 64) || t_fatal "create null_blk a"
t_prog open "$dev"
dev4k=$(nullb_create b 64 blocksize=4096) || t_fatal "create null_blk b"
t_prog open "$dev4k"

# swap holds its device exclusively
if mkswap "$dev" >/dev/null && swapon "$dev"; then
	t_prog open --held "$dev"
	check "swapoff $dev" swapoff "$dev"
else
	not_ok "swapon $dev"
fi

# so does a device-mapper target
if modprobe dm-mod && dmsetup create rawtest --table "0 $(blockdev --getsz "$dev4k") linear $dev4k 0"; then
	t_prog open --held "$dev4k"
	check "dmsetup remove" dmsetup remove rawtest
else
	not_ok "dmsetup create a linear target on $dev4k"
fi

# and a mounted file system, where the guest has one
if modprobe ext4 2>/dev/null && mke2fs -q "$dev" && mkdir -p /mnt/raw &&
	mount -t ext2 "$dev" /mnt/raw; then
	t_prog open --held "$dev"
	check "umount" umount /mnt/raw
else
	note "no ext4 module in the guest: mounted-device check skipped"
fi

# the device disappears under an open rawN, then comes back
t_prog open --unplug "$dev" "$(nullb_dir a)"

t_end
