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
d_bind_nullb fmr
dev=$D_DEV
pins=$(d_pins)
before=$(d_injected)
d_attr $fmr 33 || t_fatal "arm fail_make_request"
echo 1 >"/sys/block/${dev#/dev/}/make-it-fail" || t_fatal "make-it-fail"

for rw in randwrite randread; do
	d_engines fail_make_request /dev/raw/raw1 $rw 16M
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
d_recovered "the failed I/O" "$pins"
t_end
