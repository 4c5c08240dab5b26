# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Helpers for the guest test cases in tests/cases/ (POSIX sh: busybox ash
# and bash both run them). Source it as the first thing in a case:
#
#   . "$(dirname "$0")/../lib/guest.sh"
#
# Convention: every case starts with raw, null_blk and brd unloaded and
# nothing bound. It loads what it needs, and t_end (or the EXIT trap it
# sets) unbinds every raw minor, removes every null_blk in configfs and
# unloads raw, null_blk and brd again, so the next case starts clean. The
# rig's virtio and NVMe disks stay attached for the whole run. A case
# prints "ok - ..." / "not ok - ..." / "# ..." lines (tests/lib/tap.sh)
# and exits non-zero if anything failed.

T_TESTS=$(cd "$(dirname "$0")/.." && pwd)
T_BIN=$T_TESTS/bin
PATH=$T_BIN:$PATH
T_NULLB=/sys/kernel/config/nullb
# ok, not_ok, note, check DESC CMD..., result GOOD DESC
# shellcheck source=tests/lib/tap.sh
. "$T_TESTS/lib/tap.sh"

# t_fatal MSG: report and end the case (the EXIT trap cleans up).
t_fatal() { not_ok "$*"; exit 1; }

# check_rc DESC RC CMD...: ok if CMD exits with status RC (rawbind exits
# with the errno of a failed ioctl: 22 EINVAL, 16 EBUSY, 6 ENXIO).
check_rc()
{
	t_desc=$1 t_want=$2
	shift 2
	"$@" 2>/dev/null
	t_rc=$?
	if [ "$t_rc" -eq "$t_want" ]; then
		ok "$t_desc"
	else
		not_ok "$t_desc (exit $t_rc, expected $t_want)"
	fi
}

# t_prog NAME ARGS...: run a test program from /tests/bin; it prints its own
# ok/not ok lines, a crash or bad exit is reported here.
t_prog()
{
	t_name=$1
	shift
	note "$t_name $*"
	"$T_BIN/$t_name" "$@"
	t_rc=$?
	[ "$t_rc" -eq 0 ] && return 0
	# its not ok lines are its own: count the failure once here
	tap_failed=$((tap_failed + 1))
	[ "$t_rc" -eq 1 ] || not_ok "$t_name $* exited with status $t_rc"
	return 1
}

# t_wait_pid PID SECS: wait up to SECS seconds for the background child
# PID; returns its exit status, or 124 after printing its kernel stack and
# killing it when it is still running then.
t_wait_pid()
{
	t_w=$(($2 * 10))
	while t_st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) &&
		[ "${t_st%% *}" != Z ]; do
		if [ "$t_w" -eq 0 ]; then
			note "pid $1 still running after $2 s, in the kernel at:"
			sed 's/^/#   /' "/proc/$1/stack" 2>/dev/null
			kill -9 "$1" 2>/dev/null
			return 124
		fi
		t_w=$((t_w - 1))
		sleep 0.1
	done
	wait "$1"
}

# Read one line of a file, or nothing.
t_cat() { cat "$1" 2>/dev/null; }

# MAJ:MIN of a block device node, from sysfs.
t_devnum() { t_cat "/sys/class/block/$(basename "$1")/dev"; }

# raw_load [PARAM=VAL...]: modprobe raw; fatal for the case on failure.
# shellcheck disable=SC2120 # the parameters are optional
raw_load()
{
	modprobe raw "$@" || t_fatal "modprobe raw $*"
}

# Unbind every bound minor; then rmmod raw. Returns rmmod's status.
raw_unload()
{
	[ -d /sys/module/raw ] || return 0
	for t_d in /sys/class/raw/raw[0-9]*; do
		[ -d "$t_d" ] || continue
		"$T_BIN/rawbind" unbind "${t_d##*/raw}" ||
			note "could not unbind ${t_d##*/}"
	done
	rmmod raw
}

raw_refcnt() { t_cat /sys/module/raw/refcnt; }

# nullb_dir NAME: the configfs directory of null_blk NAME.
nullb_dir() { echo "$T_NULLB/nullb_$1"; }

# nullb_create NAME SIZE_MB [ATTR=VAL...]: a memory-backed null_blk made
# through configfs (blocksize=, discard=, index=, ...), named nullb_NAME
# (null_blk names the disk after its configfs directory); prints its /dev
# path. t_cleanup removes every null_blk in configfs.
nullb_create()
{
	t_nb=$(nullb_dir "$1") t_size=$2 t_dev=/dev/nullb_$1
	shift 2
	[ -d $T_NULLB ] || modprobe null_blk nr_devices=0 || return 1
	mkdir "$t_nb" || return 1
	echo "$t_size" >"$t_nb/size" && echo 1 >"$t_nb/memory_backed" ||
		return 1
	for t_a in "$@"; do
		echo "${t_a#*=}" >"$t_nb/${t_a%%=*}" || return 1
	done
	echo 1 >"$t_nb/power" && [ -b "$t_dev" ] || return 1
	echo "$t_dev"
}

# nullb_fill DEV: write all of a memory-backed null_blk once, through its
# normal queues, before polled I/O.  null_blk's poll path allocates a
# backing page for a first write while the poller holds rcu_read_lock,
# which a DEBUG_ATOMIC_SLEEP kernel reports as sleeping in atomic context
# (with or without raw: Documentation/debug-tier.rst); with every page
# there already, polled I/O allocates nothing.
nullb_fill()
{
	fio --name=fill --filename="$1" --rw=write --bs=1M --direct=1 \
		--ioengine=psync --output=/dev/null
}

# nullb_remove NAME, or a configfs directory.
nullb_remove()
{
	case $1 in
	/*) t_nb=$1 ;;
	*) t_nb=$(nullb_dir "$1") ;;
	esac
	[ -d "$t_nb" ] || return 0
	echo 0 >"$t_nb/power" 2>/dev/null
	rmdir "$t_nb"
}

# sdebug_disk: wait up to 10 s for a scsi_debug disk to appear; prints
# its /dev path (the last one, if several).
sdebug_disk()
{
	t_i=0
	while [ "$t_i" -lt 50 ]; do
		t_i=$((t_i + 1))
		t_sd=
		for t_b in /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block/*; do
			[ -e "$t_b" ] && t_sd=/dev/${t_b##*/}
		done
		if [ -n "$t_sd" ] && [ -b "$t_sd" ]; then
			echo "$t_sd"
			return 0
		fi
		sleep 0.2
	done
	return 1
}

# brd_load SIZE_MB: one RAM disk, /dev/ram0.
brd_load()
{
	if ! modprobe brd rd_nr=1 rd_size=$(($1 * 1024)) ||
		[ ! -b /dev/ram0 ]; then
		t_fatal "modprobe brd rd_size=$(($1 * 1024))"
	fi
}

# t_disk PATH: the rig's disk at PATH is there and big enough for io's
# 64 MiB transfers; reports it either way.
t_disk()
{
	t_sz=$(blockdev --getsize64 "$1" 2>/dev/null) || t_sz=0
	if [ "$t_sz" -ge $((64 << 20)) ]; then
		ok "rig disk $1 present ($t_sz bytes)"
	else
		not_ok "rig disk $1 present and at least 64 MiB (size $t_sz)"
		return 1
	fi
}

# t_disks SIZE_MB [ATTR=VAL...] [-- RIG_DISK...]: load raw and make the
# disks a case runs its program on, listed in $T_DISKS: a null_blk of
# 512-byte blocks (nullb_a, with the ATTRs), one of 4096-byte blocks
# (nullb_b), a brd RAM disk (/dev/ram0), SIZE_MB each, and each RIG_DISK
# that t_disk finds present.  Fatal for the case if one cannot be made.
t_disks()
{
	t_mb=$1
	shift
	t_attrs=''
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		t_attrs="$t_attrs $1"
		shift
	done
	[ $# -eq 0 ] || shift
	raw_load
	# shellcheck disable=SC2086 # the ATTRs are words
	T_DISKS=$(nullb_create a "$t_mb" $t_attrs) || t_fatal "create null_blk a"
	T_DISKS="$T_DISKS $(nullb_create b "$t_mb" blocksize=4096)" ||
		t_fatal "create null_blk b"
	brd_load "$t_mb"
	T_DISKS="$T_DISKS /dev/ram0"
	for t_rig in "$@"; do
		! t_disk "$t_rig" || T_DISKS="$T_DISKS $t_rig"
	done
}

# Undo what the case set up; then report the end state.
t_cleanup()
{
	raw_unload 2>/dev/null
	swapoff -a 2>/dev/null
	[ ! -e /dev/mapper/control ] || dmsetup remove_all 2>/dev/null
	umount /mnt/raw 2>/dev/null
	for t_nb in "$T_NULLB"/*; do
		[ ! -f "$t_nb/power" ] || nullb_remove "$t_nb"
	done
	rmmod null_blk 2>/dev/null
	rmmod brd 2>/dev/null
	:
}

# t_end: clean up, check the module really went away, exit with the result.
t_end()
{
	trap - EXIT
	t_cleanup
	if [ -d /sys/module/raw ]; then
		not_ok "raw unloads at the end of the case (refcnt $(raw_refcnt))"
	fi
	tap_status
	exit
}

trap 't_cleanup' EXIT
for t_m in raw null_blk brd; do
	[ ! -d /sys/module/$t_m ] || note "$t_m was left loaded by an earlier case"
done
t_cleanup
