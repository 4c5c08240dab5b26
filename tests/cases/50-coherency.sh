#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rawN and the block device's page cache (tests/coherency.c).
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

raw_load
dev=$(nullb_create a 16) || t_fatal "create null_blk a"
t_prog coherency "$dev"
dev4k=$(nullb_create b 16 blocksize=4096) || t_fatal "create null_blk b"
t_prog coherency "$dev4k"
brd_load 16
t_prog coherency /dev/ram0
t_disk /dev/vda && t_prog coherency /dev/vda

t_end
