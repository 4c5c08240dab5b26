#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /sys/class/raw/rawN attributes and counters (tests/sysfs.c), with a
# failing read from null_blk's badblocks for the errors counter.
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

raw_load
dev=$(nullb_create a 32) || t_fatal "create null_blk a"
t_prog sysfs "$dev" "$(nullb_dir a)"
dev4k=$(nullb_create b 32 blocksize=4096) || t_fatal "create null_blk b"
t_prog sysfs "$dev4k" "$(nullb_dir b)"

t_end
