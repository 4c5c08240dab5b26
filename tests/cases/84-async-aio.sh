#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# libaio through rawN (tests/async_aio.c) on a null_blk whose every I/O
# takes 100 ms (irqmode=2): io_submit returns before the device completes,
# each request completes exactly once with its byte count, errors (end of
# device, misalignment, a bad block) come back in the event, RWF_NOWAIT
# on the idle device queues even a request over the pin bound.
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

delay_ms=100
bad=$((40 << 20))

raw_load
slow=$(nullb_create slow 96 irqmode=2 completion_nsec=$((delay_ms * 1000000)) \
	hw_queue_depth=256) || t_fatal "create null_blk slow"
echo "+$((bad / 512))-$((bad / 512 + 7))" >"$(nullb_dir slow)/badblocks" ||
	t_fatal "set badblocks"
rawbind bind 1 "$slow" || t_fatal "bind raw1 to $slow"
t_prog async_aio /dev/raw/raw1 "$delay_ms" "$bad"

t_end
