#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# O_DSYNC/O_SYNC/RWF_DSYNC writes and fsync through rawN reach the device
# as FUA and flushes (tests/flush.c), on the rig's virtio disk, whose
# host-side cache=writeback gives it a volatile cache without FUA.
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

raw_load
if t_disk /dev/vda; then
	t_prog flush /dev/vda
fi

t_end
