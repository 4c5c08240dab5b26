#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# What a device losing its volatile cache would keep: dm-log-writes over a
# null_blk with a write cache (cache_size) logs each write only once it is
# on stable media (a FUA write when it completes, a plain write at the
# flush after it).  tests/durable.c writes records through raw1 bound to
# the log-writes target with O_DSYNC, RWF_DSYNC and write+fsync, acking
# each durable record; then replays the log and checks that every acked
# record was on stable media before the next write was issued.  A writer
# that acks plain writes must be caught.  Last, the check that tests/cuts
# runs after each cut must catch a forged ack and a torn record.
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

raw_load
if ! modprobe dm-mod || ! modprobe dm-log-writes; then
	t_fatal "modprobe dm-log-writes"
fi
data=$(nullb_create lwdata 16 cache_size=8) || t_fatal "null_blk with a cache"
logdev=$(nullb_create lwlog 64) || t_fatal "null_blk for the log"
boot=0
for mode in dsync rwf fsync plain; do
	boot=$((boot + 1))
	if ! dmsetup create rawlw --table \
		"0 $(blockdev --getsz "$data") log-writes $data $logdev" ||
		! dmsetup mknodes rawlw; then
		not_ok "$mode: dmsetup create log-writes"
		continue
	fi
	t_prog durable write /dev/mapper/rawlw "$boot" "$mode" 128 \
		>"/tmp/lw.$mode" || cat "/tmp/lw.$mode"
	check "$mode: dmsetup remove" dmsetup remove rawlw
	if [ "$mode" = plain ]; then
		t_prog durable replay "$logdev" "/tmp/lw.$mode" --expect-loss
	else
		t_prog durable replay "$logdev" "/tmp/lw.$mode"
	fi
done

# durable check: passes on what was written, fails on a forged ack (the
# slot holds an older record) and on a record torn by a 512-byte write.
t_prog durable write "$data" 9 dsync 16 >/tmp/ck.acks || cat /tmp/ck.acks
t_prog durable check "$data" /tmp/ck.acks
echo "ACK 9 16 $((((9 * 97 + 16) % 512) * 4096)) 00000000" >/tmp/ck.forged
if durable check "$data" /tmp/ck.forged >/tmp/ck.out; then
	not_ok "check catches an ack of a write that never happened"
else
	ok "check catches an ack of a write that never happened: $(grep -m 1 '^# offset' /tmp/ck.out)"
fi
off=$(awk '$1 == "ACK" { print $4; exit }' /tmp/ck.acks)
dd if=/dev/zero of="$data" bs=512 seek=$((off / 512 + 3)) count=1 \
	conv=notrunc,fsync 2>/dev/null
if durable check "$data" /tmp/ck.acks >/tmp/ck.out; then
	not_ok "check catches a torn record"
else
	ok "check catches a torn record: $(grep -m 1 '^# offset' /tmp/ck.out)"
fi

t_end
