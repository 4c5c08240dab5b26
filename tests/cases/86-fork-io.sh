#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# fork() while raw I/O on private anonymous buffers is in flight
# (tests/fork_io.c): the parent's reads and writes must carry exactly the
# device's and the parent's data.  The same load through the block
# device's own O_DIRECT is run and reported, not asserted (6.1's takes
# plain page references).  RAW_LONG=1 on the kernel command line
# (RAW_VM_ARGS="--append RAW_LONG=1") runs 30 s per mode instead of 10.
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

secs=10
grep -qw RAW_LONG=1 /proc/cmdline && secs=30

raw_load
# QEMU completes virtio I/O in its own thread: a long window for the fork
if t_disk /dev/vda; then
	t_prog fork_io --seconds $secs /dev/vda
	t_prog fork_io --odirect --seconds $secs /dev/vda
fi

t_end
