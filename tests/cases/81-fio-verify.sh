#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# fio verify (crc32c, verify_fatal) through /dev/raw/rawN with libaio and
# io_uring, mixed random reads and writes, on null_blk (memory_backed), brd,
# the rig's virtio-blk and NVMe disks. Each job of a run writes and checks
# its own region, so numjobs > 1 cannot overlap: a job section of its own
# with offset= and filesize= (fio sizes a character device by size=, so
# numjobs with offset_increment gave every job but the first no I/O at
# all); each job must write something.
#
# The default run is a sample of the matrix that covers each engine on each
# backing, iodepth 1 and 128, numjobs 1 and 4, bs 512 and 1 MiB and a mix of
# sizes. RAW_LONG=1 runs the whole cross product instead: engines x backings
# x iodepth {1,128} x numjobs {1,4} x bs {512,4k,64k,1M,512-1M} x rw
# {randrw,rw}, and io_uring runs again polled (480 fio runs; hours under
# TCG). "polled" is io_uring with hipri, fixedbufs and registerfiles:
# IORING_SETUP_IOPOLL on null_blk's poll queue and the NVMe poll queues.
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

log=/tmp/90-fio.log

# MiB per job for a block size: a few thousand small I/Os at most.
job_size()
{
	case $1 in
	512) echo 1 ;;
	4k) echo 4 ;;
	64k) echo 16 ;;
	*) echo 24 ;;
	esac
}

# fio_verify RAWDEV ENGINE IODEPTH NUMJOBS BS RW [polled]
fio_verify()
{
	f_size=$(job_size "$5") f_poll=''
	[ "${7:-}" != polled ] || f_poll='--hipri --fixedbufs --registerfiles'

	case $5 in
	*-*) f_bs="--bsrange=$5 --blockalign=512" ;;
	*) f_bs="--bs=$5" ;;
	esac
	f_desc="fio $2 ${7:-} iodepth=$3 numjobs=$4 bs=$5 rw=$6 on $backing"
	f_jobs='' f_i=0
	while [ $f_i -lt "$4" ]; do
		f_jobs="$f_jobs --name=raw$f_i --offset=$((f_i * f_size))M"
		f_jobs="$f_jobs --filesize=$(((f_i + 1) * f_size))M"
		f_i=$((f_i + 1))
	done
	# shellcheck disable=SC2086 # f_bs, f_poll and f_jobs are option lists
	fio --filename="$1" --ioengine="$2" --iodepth="$3" \
		$f_bs --rw="$6" --rwmixread=50 $f_poll \
		--direct=1 --iomem_align=4096 --verify=crc32c \
		--verify_fatal=1 --do_verify=1 \
		--output-format=terse $f_jobs >"$log" 2>&1
	f_rc=$?
	# terse v3: field 5 error, 47 KiB written
	f_idle=$(awk -F';' '/^3;/ { n++; e += ($5 != 0 || $47 == 0) }
		END { print e + ('"$4"' - n) }' "$log")
	if [ $f_rc -eq 0 ] && [ "$f_idle" -eq 0 ]; then
		ok "$f_desc"
	else
		not_ok "$f_desc (fio exit $f_rc, $f_idle jobs failed or wrote nothing)"
		grep -v '^3;' "$log" | head -n 15 | sed 's/^/# /'
	fi
}

# run_backing NAME BLOCKDEV MINOR "ENGINE IODEPTH NUMJOBS BS RW" ...
run_backing()
{
	backing=$1 r_dev=$2 r_minor=$3
	shift 3
	rawbind bind "$r_minor" "$r_dev" || t_fatal "bind raw$r_minor to $r_dev"
	if [ "${RAW_LONG:-0}" = 1 ]; then
		for r_eng in libaio io_uring; do
			for r_qd in 1 128; do
				for r_nj in 1 4; do
					for r_bs in 512 4k 64k 1M 512-1M; do
						for r_rw in randrw rw; do
							fio_verify "/dev/raw/raw$r_minor" \
								$r_eng $r_qd $r_nj $r_bs $r_rw
							[ $r_eng = io_uring ] || continue
							fio_verify "/dev/raw/raw$r_minor" \
								$r_eng $r_qd $r_nj $r_bs $r_rw polled
						done
					done
				done
			done
		done
	else
		for r_job in "$@"; do
			# shellcheck disable=SC2086 # the job is a word list
			fio_verify "/dev/raw/raw$r_minor" $r_job
		done
	fi
	r_w=$(t_cat "/sys/class/raw/raw$r_minor/write_bytes")
	r_r=$(t_cat "/sys/class/raw/raw$r_minor/read_bytes")
	check "fio's I/O went through raw$r_minor ($r_w bytes written, $r_r read)" \
		test "${r_w:-0}" -gt 0 -a "${r_r:-0}" -gt 0
	rawbind unbind "$r_minor" || not_ok "unbind raw$r_minor"
}

raw_load
nb=$(nullb_create a 160) || t_fatal "create null_blk a"
check "fill $nb before polled I/O" nullb_fill "$nb"
run_backing null_blk "$nb" 1 \
	"libaio 128 4 512 randrw" \
	"io_uring 1 1 1M randrw" \
	"io_uring 16 1 4k randrw polled"
nullb_remove a

brd_load 160
run_backing brd /dev/ram0 2 \
	"libaio 1 4 1M randrw" \
	"io_uring 128 1 512 randrw"
rmmod brd

if t_disk /dev/vda; then
	run_backing virtio-blk /dev/vda 3 \
		"libaio 128 1 1M randrw" \
		"io_uring 32 4 512-1M randrw"
fi
if t_disk /dev/nvme0n1; then
	run_backing nvme /dev/nvme0n1 4 \
		"libaio 1 1 512 randrw" \
		"io_uring 128 4 4k randrw" \
	"io_uring 32 2 512-64k randrw polled"
fi

t_end
