#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A bound device that fails or goes away while rawN is under load: fail_io
# (tests/fail_io.c: four threads writing and checking the first 8 MiB) and
# fio (libaio or io_uring, queue depth 16, 500 IOPS, the next 8 MiB) run on
# rawN while
#
#   1. the device-mapper table under it is swapped for an "error" table,
#   2. then for a "flakey" one (up 1 s, down 1 s),
#   3. the null_blk under it is deleted through configfs (its requests
#      taking 20 ms each, so that some are in flight),
#   4. the scsi_debug host under it is removed.
#
# Both must exit within 60 s of the fault, fail_io having seen only EIO,
# ENXIO, ENODEV, short reads or ENOSPC for writes (a deleted disk's
# capacity drops to 0) and right data, fio with an error (or, where its
# reads met the vanished end first, stopped early without one); rawN must
# then close, unbind, and (a removed device) refuse a new open with ENXIO.
# Once the dm table is linear again, and once scsi_debug has a host again
# (its hosts share one store), fail_io check finds all the data written
# before and during the failure.  null_blk and scsi_debug unload
# afterwards, raw at the end.
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

hung=/proc/sys/kernel/hung_task_timeout_secs
hung_old=$(t_cat $hung)
[ -z "$hung_old" ] || echo 10 >$hung

mib=8
ready=/tmp/92-fail-io.ready
fa_log=/tmp/92-fail-io.fail_io.log
fio_log=/tmp/92-fail-io.fio.log
faults=0 scenarios=0

# load_start RAWDEV ENGINE: fail_io, and fio with ENGINE, on RAWDEV in the
# background; wait for fail_io to have written and checked its area.
load_start()
{
	rm -f $ready
	fail_io load -s 60 -r $ready "$1" $mib >$fa_log 2>&1 &
	l_fa=$!
	fio --name=load --filename="$1" --ioengine="$2" --iodepth=16 \
		--rw=randrw --bs=4k --rate_iops=500 --direct=1 \
		--iomem_align=4096 --offset=${mib}M --size=$((2 * mib))M \
		--time_based --runtime=120 \
		>$fio_log 2>&1 &
	l_fio=$!
	l_i=0
	until [ -e $ready ]; do
		l_i=$((l_i + 1))
		if [ $l_i -gt 600 ] || ! kill -0 $l_fa 2>/dev/null; then
			not_ok "fail_io on $1 got ready"
			break
		fi
		sleep 0.1
	done
	sleep 0.5
	faults=$((faults + 1)) scenarios=$((scenarios + 1))
	l_t0=$(now_s)
}

# load_end DESC: the fault is in; both must exit within 60 s (fail_io
# gives itself 60 s from its start to see it).
load_end()
{
	t_wait_pid $l_fa 90
	l_rc=$?
	l_t1=$(since_s "$l_t0")
	sed -n 's/^\(\(not \)\{0,1\}ok - \)/\1'"$1"': /p; /^#/p' $fa_log
	case $l_rc in
	0) ok "$1: fail_io exits" ;;
	1) tap_failed=$((tap_failed + 1)) ;;
	*) not_ok "$1: fail_io exits (status $l_rc)" ;;
	esac
	t_wait_pid $l_fio 60
	l_rc=$?
	note "$1: fail_io exited $l_t1 s, fio $(since_s "$l_t0") s after the fault began"
	l_err=$(grep -o 'error=[^:]*' $fio_log | head -n 1)
	# fio's run time in ms, of its 120 s: a deleted disk's reads at
	# capacity 0 end at its end (0 bytes), which fio takes for the end.
	l_ms=$(sed -n 's/.*run=\([0-9]*\)-[0-9]*msec.*/\1/p' $fio_log | head -n 1)
	if [ $l_rc -ne 0 ] && [ $l_rc -ne 124 ] && [ -n "$l_err" ]; then
		ok "$1: fio exits with an error ($l_err)"
		grep -m 1 'func=' $fio_log | sed 's/^/# /'
	elif [ $l_rc -eq 0 ] && [ -z "$l_err" ] && [ "${l_ms:-120000}" -lt 60000 ]; then
		ok "$1: fio stops at the device's end ($l_ms ms of 120 s, no error)"
	else
		not_ok "$1: fio exits with an error (status $l_rc, ${l_err:-no error})"
		tail -n 5 $fio_log | sed 's/^/# /'
	fi
}

# Seconds since boot, and since an earlier reading of it.
now_s() { cut -d ' ' -f 1 /proc/uptime; }
since_s() { echo "$(now_s) $1" | awk '{ printf "%.1f", $1 - $2 }'; }

# dm_table NAME TABLE: load TABLE into NAME and switch to it.
# shellcheck disable=SC2317 # called through check
dm_table()
{
	dmsetup load "$1" --table "$2" && dmsetup resume "$1"
}

# check_gone MINOR DESC: the minor's device is gone: open says ENXIO, the
# minor unbinds.
check_gone()
{
	check_rc "$2: opening raw$1 again gives ENXIO" 6 rawbind open "$1"
	check_rc "$2: raw$1 unbinds" 0 rawbind unbind "$1"
}

raw_load

# 1, 2: dm-error and dm-flakey tables over a null_blk
nb=$(nullb_create a 64) || t_fatal "create null_blk a"
sz=$(blockdev --getsz "$nb")
linear="0 $sz linear $nb 0"
if ! modprobe dm-mod || ! dmsetup create rl --table "$linear"; then
	t_fatal "dmsetup create rl"
fi
dm=$(dmsetup info -c --noheadings -o major,minor rl | tr -d ' ')
rawbind bind 1 "${dm%:*}" "${dm#*:}" || t_fatal "bind raw1 to dm $dm"
for t in error "flakey $nb 0 1 1"; do
	d="dm ${t%% *}" e=libaio
	[ "$d" = "dm error" ] || e=io_uring
	load_start /dev/raw/raw1 $e
	check "$d: table swapped under load" dm_table rl "0 $sz $t"
	note "$d: table swapped in $(since_s "$l_t0") s"
	load_end "$d"
	e=$(t_cat /sys/class/raw/raw1/errors)
	check "$d: raw1 counts the failed calls ($e)" test "${e:-0}" -gt 0
	check "$d: back to the linear table" dm_table rl "$linear"
	t_prog fail_io check /dev/raw/raw1 $mib
done
check_rc "dm: raw1 unbinds" 0 rawbind unbind 1
check "dm: the dm device is removed" dmsetup remove rl
nullb_remove a

# 3: null_blk deleted through configfs, with requests in flight (each
# completes 20 ms after it was queued)
nb=$(nullb_create b 64 irqmode=2 completion_nsec=20000000) ||
	t_fatal "create null_blk b"
rawbind bind 2 "$nb" || t_fatal "bind raw2 to $nb"
load_start /dev/raw/raw2 libaio
nullb_remove b &
t_wait_pid $! 60
check "null_blk: deleted under load (status $?)" test ! -e "$nb"
load_end null_blk
check_gone 2 null_blk
check "null_blk: the module unloads" rmmod null_blk

# 4: scsi_debug host removed
add_host=/sys/bus/pseudo/drivers/scsi_debug/add_host
trap 't_cleanup; rmmod scsi_debug 2>/dev/null' EXIT
if modprobe scsi_debug dev_size_mb=64 && sd=$(sdebug_disk); then
	rawbind bind 3 "$sd" || t_fatal "bind raw3 to $sd"
	load_start /dev/raw/raw3 io_uring
	(echo -1 >$add_host) &
	t_wait_pid $! 60
	check "scsi_debug: host removed under load (status $?)" test ! -e "$sd"
	load_end scsi_debug
	check_gone 3 scsi_debug
	echo 1 >$add_host
	if sd=$(sdebug_disk); then
		rawbind bind 3 "$sd" || t_fatal "bind raw3 to $sd"
		t_prog fail_io check /dev/raw/raw3 $mib
		rawbind unbind 3
	else
		not_ok "scsi_debug: a new host makes a disk"
	fi
	check "scsi_debug: the module unloads" rmmod scsi_debug
else
	not_ok "modprobe scsi_debug made a disk"
fi

echo "# figure: faults_injected $faults"
echo "# figure: cases_run $scenarios"
[ -z "$hung_old" ] || echo "$hung_old" >$hung
t_end
