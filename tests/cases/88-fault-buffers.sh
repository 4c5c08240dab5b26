#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rawN I/O on awkward user memory (tests/fault_buffers.c): THP, hugetlbfs,
# shared memfd pages, two mappings in one buffer, read-only and unmapped
# memory, VM_IO|VM_PFNMAP mappings (BAR 0 of QEMU's pci-testdev, which no
# guest driver binds, the NVMe disk's BAR 0, /dev/mem) and a buffer
# unmapped during a read.
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

raw_load
dev=$(nullb_create a 128) || t_fatal "create null_blk a"
echo 4 >/proc/sys/vm/nr_hugepages 2>/dev/null
note "hugetlb pages: $(t_cat /proc/sys/vm/nr_hugepages)"
pfn='' testdev=''
for d in /sys/bus/pci/devices/*; do
	# NVMe controllers: class 0x010802
	[ "$(t_cat "$d/class")" = 0x010802 ] && pfn="$pfn $d/resource0"
	# pci-testdev, 1b36:0005 (scripts/vm adds one): writes are harmless
	if [ "$(t_cat "$d/vendor"):$(t_cat "$d/device")" = 0x1b36:0x0005 ]; then
		testdev=$d
		pfn="$pfn rw:$d/resource0"
	fi
done
check "a pci-testdev with no driver bound is there to map" \
	test -n "$testdev" -a ! -e "$testdev/driver"
# shellcheck disable=SC2086 # a list of paths
t_prog fault_buffers "$dev" $pfn /dev/mem
echo 0 >/proc/sys/vm/nr_hugepages 2>/dev/null

t_end
