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

d_bind_nullb tmo
nb=$(nullb_dir tmo)
[ -d "$nb/timeout_inject" ] || t_fatal "no $nb/timeout_inject (not the debug kernel?)"
echo 500 >"/sys/block/${D_DEV#/dev/}/queue/io_timeout" || t_fatal "set io_timeout"
pins=$(d_pins)
before=$(d_injected)

for inj in timeout_inject requeue_inject; do
	d_attr "$nb/$inj" 5 || t_fatal "arm $inj"
	# 2 MiB of 64 KiB requests: at 5 % about two time out.
	d_engines "$inj" /dev/raw/raw1 randrw 2M
	echo 0 >"$nb/$inj/probability"
done

n=$(($(d_injected) - before))
check "null_blk injected timeouts and requeues ($n)" test "$n" -gt 0
d_recovered "the timeouts" "$pins"
t_end
