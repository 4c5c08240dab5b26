#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The binding ABI on rawctl (tests/bind.c), and a binding made before its
# block device exists: ENXIO on open until the device appears.
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

raw_load
dev=$(nullb_create a 16) || t_fatal "create null_blk a"
t_prog bind "$dev"

# A binding made before its device exists. null_blk numbers its disks with
# the lowest free index, the minor: nullb_a has 0, so the next one gets 1.
major=$(awk '$2 == "nullb" { print $1 }' /proc/devices)
check_rc "bind raw5 to $major:1 before that device exists" 0 \
	rawbind bind 5 "$major" 1
check_rc "open raw5 gives ENXIO while $major:1 does not exist" 6 \
	rawbind open 5
later=$(nullb_create later 16) || t_fatal "create null_blk later"
check "the new device is $major:1" test "$(t_devnum "$later")" = "$major:1"
check_rc "open raw5 works once $major:1 exists" 0 rawbind open 5
check "rawbind query raw5 shows $major:1" \
	test "$(rawbind query 5)" = "$major:1"
check_rc "unbind raw5" 0 rawbind unbind 5

t_end
