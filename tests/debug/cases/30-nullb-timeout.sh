#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# null_blk fault injection (configfs timeout_inject / requeue_inject):
# requests that never complete until the block layer's timeout (0.5 s
# here) ends them with an error, and requests requeued at random, under
# raw I/O from every engine. The I/O must end, with errors, and every pin
# must come back.
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"
# shellcheck source=tests/debug/lib.sh
. "$(dirname "$0")/lib.sh"

raw_load
dev=$(nullb_create tmo 64) || t_fatal "create null_blk tmo"
nb=$(nullb_dir tmo)
[ -d "$nb/timeout_inject" ] || t_fatal "no $nb/timeout_inject (not the debug kernel?)"
echo 500 >"/sys/block/${dev#/dev/}/queue/io_timeout" || t_fatal "set io_timeout"
rawbind bind 1 "$dev" || t_fatal "bind raw1 to $dev"
pins=$(d_pins)
before=$(d_injected)

for inj in timeout_inject requeue_inject; do
	d_attr "$nb/$inj" 5 || t_fatal "arm $inj"
	for eng in psync libaio io_uring; do
		# 2 MiB of 64 KiB requests: at 5 % about two time out.
		if d_fio /dev/raw/raw1 $eng randrw 2M; then
			ok "$inj: $eng randrw ends ($(d_errors | head -n 1))"
		else
			not_ok "$inj: $eng randrw hung (killed after 240 s)"
		fi
	done
	echo 0 >"$nb/$inj/probability"
done

n=$(($(d_injected) - before))
check "null_blk injected timeouts and requeues ($n)" test "$n" -gt 0
check "pins balanced after the timeouts" d_pins_back "$pins"
check "raw1 reads back what it writes once injection stops" \
	d_verify /dev/raw/raw1 8M
t_end
