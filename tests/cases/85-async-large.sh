#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Asynchronous requests larger than the pinning bound (tests/async_large.c)
# on a null_blk whose every I/O takes 20 ms (irqmode=2): libaio and
# io_uring requests of 8, 64 and 256 MiB return before their I/O completes
# and read back what was written, an RWF_NOWAIT one on the idle device
# completes, no more than 4 MiB of pages are pinned at once, and SIGKILL
# or a ring closed with one in flight leaves no pin and an unbindable minor.
# It runs in a cgroup of its own with the io controller: a 64 MiB request,
# most of it submitted by raw's worker, is charged whole to the caller's
# /proc/PID/io and to its cgroup's io.stat.
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

delay_ms=20

raw_load
slow=$(nullb_create large 260 irqmode=2 completion_nsec=$((delay_ms * 1000000)) \
	hw_queue_depth=256) || t_fatal "create null_blk large"
cg=/sys/fs/cgroup
own=$cg/raw-async
if grep -qw cgroup2 /proc/filesystems &&
	{ grep -q "^[^ ]* $cg cgroup2 " /proc/mounts || mount -t cgroup2 none $cg; } &&
	echo +io >$cg/cgroup.subtree_control && mkdir -p $own &&
	echo $$ >$own/cgroup.procs; then
	t_prog async_large 1 "$slow" "$delay_ms" $own
	echo $$ >$cg/cgroup.procs
	rmdir $own
else
	# The debug tier's kernel has no cgroups.
	note "no cgroup v2 io controller: the cgroup's charges are not checked"
	t_prog async_large 1 "$slow" "$delay_ms"
fi
nullb_remove large

t_end
