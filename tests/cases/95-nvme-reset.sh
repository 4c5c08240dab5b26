#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# NVMe controller resets under rawN I/O. One fio process writes the rig's
# NVMe disk through /dev/raw/raw1 with each engine at once, each job in a
# region of its own, and checks what it wrote as it goes (verify_backlog,
# crc32c; fio sizes a character device by filesize=, the region's end):
# psync in 1 MiB requests (more than one NVMe command each: QEMU's
# NVMe takes 512 KiB at most), libaio at QD32 in 4 KiB, io_uring at QD32
# in 1 MiB from buffers aligned to 512 bytes only, and io_uring polled
# (IORING_SETUP_IOPOLL on the poll queues) at QD32 in 4 KiB and in 1 MiB.
# Meanwhile the controller is reset (reset_controller) until fio's time is
# up. A reset stops every queue for seconds under TCG, and nvme cancels the
# commands in flight and retries them, so every write must land and check
# out. The runner checks that every pin came back and that dmesg has no
# report. This is the path a benchmark guest took before it died of a
# double fault (Documentation/performance-history.rst, the run of 5bcb1e5).
# serialize_overlap: the 1 MiB jobs keep about their whole region in
# flight (32 and 64 blocks at QD 32), and without it fio had two I/Os of
# one block in flight at once: their verify failed on 6.1 in about half
# the runs, and just the same with the block device's own O_DIRECT as the
# file (Documentation/faults.rst).
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

log=/tmp/nvme-reset-fio.log
ctrl=/sys/class/nvme/nvme0/reset_controller
secs=20

raw_load
if t_disk /dev/nvme0n1 && [ -w $ctrl ]; then
	rawbind bind 1 /dev/nvme0n1 || t_fatal "bind raw1 to nvme0n1"
	timeout -s KILL 240 fio --filename=/dev/raw/raw1 --direct=1 \
		--rw=randwrite --verify=crc32c --verify_backlog=8 \
		--verify_fatal=1 --serialize_overlap=1 \
		--time_based --runtime=$secs \
		--output-format=terse \
		--name=psync --ioengine=psync --bs=1M \
		--offset=0 --filesize=16M \
		--name=libaio --ioengine=libaio --iodepth=32 --bs=4k \
		--offset=16M --filesize=32M \
		--name=uring --ioengine=io_uring --iodepth=32 --bs=1M \
		--iomem_align=512 --offset=32M --filesize=64M \
		--name=polled4k --ioengine=io_uring --iodepth=32 --hipri \
		--fixedbufs --registerfiles --bs=4k --offset=64M --filesize=80M \
		--name=polled1M --ioengine=io_uring --iodepth=32 --hipri \
		--fixedbufs --registerfiles --bs=1M --offset=80M --filesize=112M \
		>$log 2>&1 &
	pid=$!
	# Resets from the second second on, while fio runs.
	sleep 2
	n=0 failed=0
	while kill -0 $pid 2>/dev/null; do
		if ! echo 1 >$ctrl; then
			failed=1
			break
		fi
		n=$((n + 1))
		sleep 1
	done
	wait $pid
	rc=$?
	check "no controller reset failed ($n done)" test $failed = 0
	check "resets happened while fio ran ($n)" test $n -gt 0
	# terse v3: field 3 the job's name, 5 its error, 47 KiB written
	if [ $rc -eq 0 ]; then
		ok "fio ends with status 0 across $n resets"
	else
		not_ok "fio ends with status 0 across $n resets (status $rc)"
		sed -n '1,20p' $log
	fi
	awk -F';' '/^3;/ { print $3, $5, $47 }' $log >/tmp/nvme-reset-jobs
	while read -r job err kb; do
		check "$job: no error, wrote and checked $kb KiB" \
			test "$err" = 0 -a "${kb:-0}" -gt 0
	done </tmp/nvme-reset-jobs
	check "fio reported five jobs" test "$(wc -l </tmp/nvme-reset-jobs)" = 5
	note "figure: faults_injected $n"
	note "figure: bytes_verified $(awk '{ b += $3 * 1024 } END { print b }' \
		/tmp/nvme-reset-jobs)"
	rawbind unbind 1 || not_ok "unbind raw1"
fi
t_end
