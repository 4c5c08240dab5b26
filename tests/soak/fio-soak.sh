#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The soak (scripts/soak, opt-in): fio verify through rawN for
# RAW_SOAK_MINUTES (kernel command line, default 10) minutes, one fio run
# after another, each with nine concurrent jobs that mix every engine raw
# serves: psync, pvsync2 (plain and RWF_HIPRI), libaio, io_uring (plain
# and polled: hipri, fixedbufs, registerfiles), block sizes from 512 bytes
# to 1 MiB, on null_blk with a poll queue (raw1), the NVMe disk (raw2,
# poll queues) and the virtio disk (raw3).  Every job writes its own
# region in random order and reads all of it back (crc32c, verify_fatal);
# randrepeat=0 gives every run new data, so a stale block from the run
# before fails.  Each run prints "# figure: bytes_verified N", the bytes
# its verify phases read.
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

minutes=$(sed -n 's/.*RAW_SOAK_MINUTES=\([0-9][0-9]*\).*/\1/p' /proc/cmdline)
minutes=${minutes:-10}
log=/tmp/soak-fio.log

raw_load
nb=$(nullb_create soak 256 poll_queues=1 hw_queue_depth=256) ||
	t_fatal "create null_blk soak"
check "fill $nb before polled I/O" nullb_fill "$nb"
t_disk /dev/nvme0n1 || t_fatal "no NVMe disk"
t_disk /dev/vda || t_fatal "no virtio disk"
{ rawbind bind 1 "$nb" && rawbind bind 2 /dev/nvme0n1 &&
	rawbind bind 3 /dev/vda; } || t_fatal "bind raw1-3"
nvme=$(($(blockdev --getsize64 /dev/nvme0n1) >> 20))
[ "$nvme" -ge 512 ] || t_fatal "the NVMe disk has $nvme MiB, 512 needed"

# One job a line: NAME RAWN ENGINE OFFSET_MIB SIZE_MIB BS [fio options]
poll='--hipri --fixedbufs --registerfiles'
jobs_list="\
nb-psync 1 psync 0 24 4k
nb-libaio 1 libaio 32 64 512-256k --iodepth=32
nb-uring-poll 1 io_uring 128 48 4k --iodepth=16 $poll
nvme-pvsync2-hipri 2 pvsync2 0 48 16k --hipri
nvme-uring-poll 2 io_uring 64 96 4k-64k --iodepth=32 $poll
nvme-libaio 2 libaio 192 160 1M --iodepth=8
vda-uring 3 io_uring 0 64 512-64k --iodepth=16
vda-pvsync2 3 pvsync2 96 4 512
vda-psync 3 psync 128 96 128k"

# fio sizes a character device by size=, so a job at offset= past it does
# nothing: the region is [offset, filesize) instead.
set --
jobs=0 want=0
while read -r j_name j_raw j_eng j_off j_size j_bs j_opts; do
	case $j_bs in
	# no blockalign=: it turns fio's random map off, and then a block
	# written twice is verified once
	*-*) j_bs="--bsrange=$j_bs" ;;
	*) j_bs="--bs=$j_bs" ;;
	esac
	# shellcheck disable=SC2086 # j_bs and j_opts are option lists
	set -- "$@" --name="$j_name" --filename="/dev/raw/raw$j_raw" \
		--ioengine="$j_eng" --offset="${j_off}M" \
		--filesize="$((j_off + j_size))M" $j_bs $j_opts
	jobs=$((jobs + 1)) want=$((want + (j_size << 20)))
done <<EOF
$jobs_list
EOF

start=$(date +%s)
end=$((start + minutes * 60))
runs=0 total=0 bad=0
note "soak: $minutes minutes, $jobs jobs per fio run"
while [ "$(date +%s)" -lt $end ]; do
	runs=$((runs + 1))
	t0=$(date +%s)
	fio --direct=1 --rw=randwrite --verify=crc32c --verify_fatal=1 \
		--do_verify=1 --randrepeat=0 --iomem_align=4096 \
		--output-format=terse "$@" >$log 2>&1
	rc=$?
	# terse v3: field 5 error, 6 KiB read (the verify phase), 47 KiB
	# written; every job must write and read back, all their regions
	# must be written (1% slack for the last block of a bsrange job)
	lines=$(grep -c '^3;' $log)
	errs=$(awk -F';' '/^3;/ { e += ($5 != 0 || $6 == 0 || $47 == 0) }
		END { print e + 0 }' $log)
	bytes=$(awk -F';' '/^3;/ { k += $6 } END { printf "%.0f", k * 1024 }' $log)
	wrote=$(awk -F';' '/^3;/ { k += $47 } END { printf "%.0f", k * 1024 }' $log)
	if [ $rc -eq 0 ] && [ "$lines" -eq $jobs ] && [ "$errs" -eq 0 ] &&
		[ "$wrote" -ge $((want * 99 / 100)) ]; then
		ok "fio run $runs: $jobs jobs, $((bytes >> 20)) MiB verified in $(($(date +%s) - t0)) s"
		echo "# figure: bytes_verified $bytes"
		total=$((total + bytes))
	else
		not_ok "fio run $runs: exit $rc, $lines of $jobs jobs reported, $errs failed or idle, $wrote of $want bytes written"
		grep -v '^3;' $log | head -n 20 | sed 's/^/# /'
		awk -F';' '/^3;/ { print "# " $3 ": error " $5 ", KiB written " $47 ", read " $6 }' $log
		bad=$((bad + 1))
		break
	fi
done
elapsed=$(($(date +%s) - start))
check "soak: $runs fio runs in $elapsed s, $((total >> 20)) MiB verified, every run clean" \
	test $bad -eq 0 -a $elapsed -ge $((minutes * 60))
for m in 1 2 3; do
	note "raw$m: $(t_cat /sys/class/raw/raw$m/write_bytes) bytes written, $(t_cat /sys/class/raw/raw$m/read_bytes) read, $(t_cat /sys/class/raw/raw$m/errors) errors"
	check "raw$m counted no errors" test "$(t_cat /sys/class/raw/raw$m/errors)" = 0
done

t_end
