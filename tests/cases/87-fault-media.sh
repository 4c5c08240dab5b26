#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Media errors under rawN (tests/fault_media.c): null_blk's configfs
# badblocks (reads and writes fail with EIO) and scsi_debug's medium errors
# (reads fail with BLK_STS_MEDIUM, ENODATA), on 512-byte and 4 KiB blocks:
# every call returns exactly the bytes before the bad range.  Merging is
# turned off on the queues so that raw's bios reach the device as built.
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

bad=16384	# 8 MiB in
nbad=16

raw_load
dev=$(nullb_create bad 32) || t_fatal "create null_blk bad"
echo 2 >"/sys/block/${dev#/dev/}/queue/nomerges" || t_fatal "nomerges"
t_prog fault_media "$dev" $bad $nbad "$(nullb_dir bad)/badblocks"
nullb_remove bad
dev=$(nullb_create bad4k 32 blocksize=4096) || t_fatal "create null_blk bad4k"
echo 2 >"/sys/block/${dev#/dev/}/queue/nomerges" || t_fatal "nomerges"
t_prog fault_media "$dev" $bad $nbad "$(nullb_dir bad4k)/badblocks"
nullb_remove bad4k

trap 't_cleanup; rmmod scsi_debug 2>/dev/null' EXIT
if modprobe scsi_debug opts=2 medium_error_start=$bad \
	medium_error_count=$nbad dev_size_mb=32; then
	sd=
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		for b in /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block/*; do
			[ -e "$b" ] && sd=/dev/${b##*/}
		done
		[ -n "$sd" ] && [ -b "$sd" ] && break
		sleep 1
	done
	if [ -n "$sd" ] && [ -b "$sd" ]; then
		echo 2 >"/sys/block/${sd#/dev/}/queue/nomerges"
		t_prog fault_media "$sd" $bad $nbad
	else
		not_ok "scsi_debug made a disk"
	fi
	raw_unload
	rmmod scsi_debug || not_ok "rmmod scsi_debug"
else
	not_ok "modprobe scsi_debug"
fi

t_end
