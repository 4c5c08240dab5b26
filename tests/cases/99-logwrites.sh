#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# What a device losing its volatile cache would keep: dm-log-writes over a
# null_blk with a write cache (cache_size) logs each write only once it is
# on stable media (a FUA write when it completes, a plain write at the
# flush after it).  tests/durable.c writes records through raw1 bound to
# the log-writes target with O_DSYNC, RWF_DSYNC and write+fsync, acking
# each durable record; then replays the log and checks that every acked
# record was on stable media before the next write was issued.  A writer
# that acks plain writes must be caught.
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

raw_load
modprobe dm-mod && modprobe dm-log-writes || t_fatal "modprobe dm-log-writes"
data=$(nullb_create lwdata 16 cache_size=8) || t_fatal "null_blk with a cache"
logdev=$(nullb_create lwlog 64) || t_fatal "null_blk for the log"
boot=0
for mode in dsync rwf fsync plain; do
	boot=$((boot + 1))
	if ! dmsetup create rawlw --table \
		"0 $(blockdev --getsz "$data") log-writes $data $logdev" ||
		! dmsetup mknodes rawlw; then
		notok "$mode: dmsetup create log-writes"
		continue
	fi
	t_prog durable write /dev/mapper/rawlw "$boot" "$mode" 128 \
		>"/tmp/lw.$mode" || cat "/tmp/lw.$mode"
	check "$mode: dmsetup remove" dmsetup remove rawlw
	if [ "$mode" = plain ]; then
		t_prog durable replay "$logdev" "/tmp/lw.$mode" --expect-loss
	else
		t_prog durable replay "$logdev" "/tmp/lw.$mode"
	fi
done

t_end
