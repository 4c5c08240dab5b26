#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# io_uring through rawN (tests/async_uring.c): plain and registered buffers
# and files, issue without io-wq workers, pages_pinned unmoved by fixed
# buffers, errors, RWF_NOWAIT/RWF_DSYNC/RWF_HIPRI, and IORING_SETUP_IOPOLL
# with proof that polled requests complete without interrupts (RWF_HIPRI
# with raw.sync_poll=1; interrupt-driven with sync_poll=0):
#  - null_blk with a poll queue and irqmode=2 (timer): interrupt-driven
#    requests take completion_nsec, polled ones complete when polled;
#  - the rig's NVMe disk (nvme.poll_queues=2): the nvme interrupt counts in
#    /proc/interrupts stay flat over polled reads.
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

delay_ms=20

raw_load
slow=$(nullb_create slow 96 irqmode=2 completion_nsec=$((delay_ms * 1000000)) \
	poll_queues=1 hw_queue_depth=256) || t_fatal "create null_blk slow"
check "fill $slow before polled I/O" nullb_fill "$slow"
check "null_blk slow has a poll queue (queue/io_poll)" \
	test "$(t_cat /sys/block/nullb_slow/queue/io_poll)" = 1
rawbind bind 1 "$slow" || t_fatal "bind raw1 to $slow"
t_prog async_uring --poll "$delay_ms" /dev/raw/raw1 "$slow"
rawbind unbind 1 || not_ok "unbind raw1"
nullb_remove slow

if t_disk /dev/nvme0n1; then
	check "nvme0n1 has poll queues (queue/io_poll)" \
		test "$(t_cat /sys/block/nvme0n1/queue/io_poll)" = 1
	rawbind bind 2 /dev/nvme0n1 || t_fatal "bind raw2 to nvme0n1"
	t_prog async_uring --poll nvme /dev/raw/raw2 /dev/nvme0n1
fi

t_end
