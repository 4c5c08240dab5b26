#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# RWF_NOWAIT and io_uring's inline issue through rawN on a busy queue
# (tests/nowait.c): a null_blk with one tag whose every I/O takes 200 ms,
# kept busy by reads (no I/O scheduler); then dm-linear over it (a stacked device whose bios
# fail with BLK_STS_AGAIN through its clones).  preadv2/pwritev2 and libaio
# get EAGAIN at once, io_uring_submit returns at once and its requests
# complete in full from io_uring's worker.  On the idle one-tag queue,
# RWF_NOWAIT libaio and io_uring requests of several bios complete in full:
# the bios after the first meet its tag, and raw submits them again without
# REQ_NOWAIT (on dm, the would-block comes back through dm's clones).
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

busy_ms=200

raw_load
dev=$(nullb_create busy 16 hw_queue_depth=1 submit_queues=1 irqmode=2 \
	completion_nsec=$((busy_ms * 1000000))) || t_fatal "create null_blk busy"
# No I/O scheduler: its requests would outnumber the device's one tag.
echo none >"/sys/block/${dev#/dev/}/queue/scheduler" || t_fatal "scheduler none"
t_prog nowait $busy_ms "$dev"

if modprobe dm-mod && dmsetup create rawnw --table \
	"0 $(blockdev --getsz "$dev") linear $dev 0" && dmsetup mknodes rawnw; then
	t_prog nowait $busy_ms /dev/mapper/rawnw 2
	raw_unload
	check "dmsetup remove" dmsetup remove rawnw
else
	not_ok "dmsetup create a linear target on $dev"
fi

t_end
