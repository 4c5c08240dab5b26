#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# fail_make_request: a third of the bios raw submits to a null_blk fail
# at submission (should_fail_bio()), for psync, libaio and io_uring reads
# and writes through rawN. Raw must return the errors, hang nowhere, and
# leave every pin released; the device works again once it stops.
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"
# shellcheck source=tests/debug/lib.sh
. "$(dirname "$0")/lib.sh"

fmr=$D_DBG/fail_make_request
[ -d $fmr ] || t_fatal "no $fmr (not the debug kernel?)"
raw_load
dev=$(nullb_create fmr 64) || t_fatal "create null_blk fmr"
rawbind bind 1 "$dev" || t_fatal "bind raw1 to $dev"
pins=$(d_pins)
before=$(d_injected)
d_attr $fmr 33 || t_fatal "arm fail_make_request"
echo 1 >"/sys/block/${dev#/dev/}/make-it-fail" || t_fatal "make-it-fail"

for eng in psync libaio io_uring; do
	for rw in randwrite randread; do
		if d_fio /dev/raw/raw1 $eng $rw 16M; then
			ok "fail_make_request: $eng $rw ends ($(d_errors | head -n 1))"
		else
			not_ok "fail_make_request: $eng $rw hung (killed after 240 s)"
		fi
	done
done
# 64 bios in one 4 MiB request, some of them failed.
if d_fio /dev/raw/raw1 psync randrw 16M --bs=4m; then
	ok "fail_make_request: 4 MiB requests end"
else
	not_ok "fail_make_request: 4 MiB requests hung"
fi

echo 0 >"/sys/block/${dev#/dev/}/make-it-fail"
d_disarm
n=$(($(d_injected) - before))
check "fail_make_request failed bios ($n injected)" test "$n" -gt 0
check "pins balanced after the failed I/O" d_pins_back "$pins"
check "raw1 reads back what it writes once injection stops" \
	d_verify /dev/raw/raw1 8M
t_end
