#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# failslab, then fail_page_alloc, at 5 % for allocations that raw makes:
# the stack-trace filter (require-start/require-end) limits both to calls
# with raw's code on the stack, so the shell, fio and the rest of the
# kernel allocate as usual. Allocations that may sleep fail too. Under
# bind/unbind ioctls and psync, libaio and io_uring I/O through raw1,
# every failure must be an error returned to the caller: no report, no
# hang, no pin left behind (raw's bios come from mempools, which fall back
# to their reserve rather than fail).
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"
# shellcheck source=tests/debug/lib.sh
. "$(dirname "$0")/lib.sh"

raw_load
dev=$(nullb_create slab 64) || t_fatal "create null_blk slab"
start=$(cat /sys/module/raw/sections/.text) || t_fatal "raw's .text"
size=$(cat /sys/module/raw/coresize) || t_fatal "raw's coresize"
end=$(printf '%#x' $((start + size)))
note "raw: $start..$end"
pins=$(d_pins)
before=$(d_injected)

for attr in failslab fail_page_alloc; do
	a=$D_DBG/$attr
	[ -d "$a" ] || t_fatal "no $a (not the debug kernel?)"
	echo N >"$a/task-filter"
	echo N >"$a/ignore-gfp-wait"
	[ ! -e "$a/ignore-gfp-highmem" ] || echo N >"$a/ignore-gfp-highmem"
	[ ! -e "$a/min-order" ] || echo 0 >"$a/min-order"
	echo 32 >"$a/stacktrace-depth"
	if ! echo "$start" >"$a/require-start" || ! echo "$end" >"$a/require-end"; then
		t_fatal "$attr: stack-trace filter"
	fi
	n0=$(d_injected)
	d_attr "$a" 5 || t_fatal "arm $attr"

	bound=0 failed=0
	for i in $(seq 1 20); do
		if rawbind bind "$i" "$dev" 2>/dev/null; then
			bound=$((bound + 1))
		else
			failed=$((failed + 1))
		fi
		rawbind unbind "$i" 2>/dev/null
	done
	note "$attr: bind: $bound bound, $failed failed"
	for i in $(seq 1 20); do
		rawbind bind "$i" "$dev" 2>/dev/null
	done
	for i in $(seq 1 20); do
		rawbind unbind "$i" 2>/dev/null
	done
	# A bind makes many allocations: retry until one gets through.
	i=0
	until rawbind bind 1 "$dev" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 200 ] || t_fatal "$attr: no bind of raw1 in 200 tries"
	done
	d_engines "$attr" /dev/raw/raw1 randrw 8M
	d_disarm
	note "$attr: $(($(d_injected) - n0)) failures injected"
	rawbind unbind 1 || not_ok "$attr: unbind raw1"
done
for i in $(seq 1 20); do
	rawbind unbind "$i" 2>/dev/null
done

n=$(($(d_injected) - before))
check "allocations made by raw failed ($n injected)" test "$n" -gt 0
check "pins balanced after the failed allocations" d_pins_back "$pins"
check "raw unloads after the failed allocations" raw_unload
raw_load
rawbind bind 1 "$dev" || t_fatal "bind raw1 to $dev"
check "raw1 reads back what it writes once injection stops" \
	d_verify /dev/raw/raw1 8M
t_end
