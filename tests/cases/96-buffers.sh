#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rawN I/O on awkward user memory (tests/fault_buffers.c): THP, hugetlbfs,
# shared memfd pages, two mappings in one buffer, read-only and unmapped
# memory, VM_PFNMAP mappings (the NVMe disk's BAR 0, /dev/mem) and a buffer
# unmapped during a read.
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

raw_load
dev=$(nullb_create a 128) || t_fatal "create null_blk a"
echo 4 >/proc/sys/vm/nr_hugepages 2>/dev/null
note "hugetlb pages: $(t_cat /proc/sys/vm/nr_hugepages)"
pfn=
for d in /sys/bus/pci/devices/*; do
	# NVMe controllers: class 0x010802
	[ "$(t_cat "$d/class")" = 0x010802 ] && pfn="$pfn $d/resource0"
done
# shellcheck disable=SC2086 # a list of paths
t_prog fault_buffers "$dev" $pfn /dev/mem
echo 0 >/proc/sys/vm/nr_hugepages 2>/dev/null

t_end
