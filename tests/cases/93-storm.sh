#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Lifecycle races (tests/storm.c): bind, unbind, query, open, I/O, close,
# sysfs reads, rmmod and insmod attempts from eight processes at once on
# two null_blk disks, while a ninth powers a third null_blk off and on
# (its disk deleted and made again) with minors bound to it too; 5 s (60 s
# with RAW_LONG=1 on the kernel command line).  rmmod must be refused all along, while minors are bound or open;
# afterwards every minor unbinds, rmmod works, and after a reload a bind
# and fio's verified writes work.
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

secs=5
grep -qw RAW_LONG=1 /proc/cmdline && secs=60
ko=/lib/modules/$(uname -r)/extra/raw.ko

hung=/proc/sys/kernel/hung_task_timeout_secs
hung_old=$(t_cat $hung)
[ -z "$hung_old" ] || echo 10 >$hung

raw_load
a=$(nullb_create a 16) || t_fatal "create null_blk a"
b=$(nullb_create b 16) || t_fatal "create null_blk b"
nullb_create c 16 >/dev/null || t_fatal "create null_blk c"
t_prog storm -s $secs "$ko" "$a" "$b" "$(nullb_dir c)"
check "refcnt 0 after the storm" test "$(raw_refcnt)" = 0
check "rmmod raw works after the storm" rmmod raw

raw_load
check_rc "reloaded: raw1 binds" 0 rawbind bind 1 "$a"
if fio --name=verify --filename=/dev/raw/raw1 --ioengine=psync --bs=64k \
	--rw=randwrite --size=8M --direct=1 --iomem_align=4096 \
	--verify=crc32c --verify_fatal=1 --do_verify=1 \
	--output=/tmp/93-storm.fio.log; then
	ok "reloaded: fio writes and verifies 8 MiB on raw1"
	echo "# figure: bytes_verified $((8 << 20))"
else
	not_ok "reloaded: fio writes and verifies 8 MiB on raw1"
	tail -n 5 /tmp/93-storm.fio.log | sed 's/^/# /'
fi
check_rc "reloaded: raw1 unbinds" 0 rawbind unbind 1
echo "# figure: cases_run 1"

[ -z "$hung_old" ] || echo "$hung_old" >$hung
t_end
