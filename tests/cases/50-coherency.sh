#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rawN and the block device's page cache (tests/coherency.c).
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

t_disks 16 -- /dev/vda
for disk in $T_DISKS; do
	t_prog coherency "$disk"
done

t_end
