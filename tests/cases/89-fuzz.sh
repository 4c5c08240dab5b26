#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Fuzzers with a fixed seed: ioctls on rawctl and rawN from 64 and 32-bit
# callers (tests/fuzz_ioctl.c), and read/write requests on rawN
# (tests/fuzz_req.c).  2000 cases each; RAW_LONG=1 on the kernel command
# line (RAW_VM_ARGS="--append RAW_LONG=1") runs 100000.
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

n=2000
grep -qw RAW_LONG=1 /proc/cmdline && n=100000

raw_load
dev=$(nullb_create a 16) || t_fatal "create null_blk a"
t_prog fuzz_ioctl -n $n "$dev"
t_prog fuzz_ioctl32 -n $n "$dev"
raw_unload
raw_load
t_prog fuzz_req -n $n "$dev"

t_end
