# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Helpers for the debug tier's guest cases (tests/debug/cases/, installed
# as /tests/debug/ next to /tests/cases/, so that tests/lib/guest.sh finds
# /tests/bin). Source it after guest.sh. Needs the debug kernel's debugfs
# fault injection (Documentation/debug-tier.rst).

# shellcheck disable=SC2034 # used by the cases
D_DBG=/sys/kernel/debug
D_LOG=/tmp/debug-fio.log

# d_injected: how many "FAULT_INJECTION: forcing a failure" dmesg holds.
d_injected() { dmesg | grep -c 'FAULT_INJECTION: forcing a failure' || true; }

# d_attr DIR: arm the fault_attr in DIR (debugfs) to fail PERCENT % of the
# calls, without end, one line in dmesg per failure (no stack dump).
d_attr()
{
	echo "$2" >"$1/probability" &&
		echo 1 >"$1/interval" &&
		echo -1 >"$1/times" &&
		echo 0 >"$1/space" &&
		echo 1 >"$1/verbose"
}

# d_fio RAWDEV ENGINE RW SIZE [fio options...]: I/O through RAWDEV that
# may fail; fio goes on past errors. Fails only if fio had to be killed
# (a hang): the case's not_ok says what. The output is in $D_LOG.
d_fio()
{
	d_dev=$1 d_eng=$2 d_rw=$3 d_size=$4
	shift 4
	timeout -s KILL 240 fio --name=fault --filename="$d_dev" \
		--ioengine="$d_eng" --iodepth=16 --rw="$d_rw" --bs=64k \
		--size="$d_size" --direct=1 --iomem_align=4096 \
		--continue_on_error=all "$@" >"$D_LOG" 2>&1
	d_rc=$?
	[ "$d_rc" -ne 137 ] || return 1
	return 0
}

# d_bind_nullb NAME: load raw, make a 64 MiB null_blk NAME and bind raw1
# to it; its /dev path in $D_DEV.  Fatal for the case on failure.
d_bind_nullb()
{
	raw_load
	D_DEV=$(nullb_create "$1" 64) || t_fatal "create null_blk $1"
	rawbind bind 1 "$D_DEV" || t_fatal "bind raw1 to $D_DEV"
}

# d_engines LABEL RAWDEV RW SIZE [fio options...]: d_fio with psync,
# libaio and io_uring in turn; ok when it ends, not ok when it hung.
d_engines()
{
	d_label=$1 d_rdev=$2 d_rrw=$3 d_rsize=$4
	shift 4
	for d_e in psync libaio io_uring; do
		if d_fio "$d_rdev" "$d_e" "$d_rrw" "$d_rsize" "$@"; then
			ok "$d_label: $d_e $d_rrw ends ($(d_errors | head -n 1))"
		else
			not_ok "$d_label: $d_e $d_rrw hung (killed after 240 s)"
		fi
	done
}

# d_recovered WHAT PINS: the end of a fault case: the pins are back to
# PINS, and raw1 reads back what it writes once injection has stopped.
d_recovered()
{
	check "pins balanced after $1" d_pins_back "$2"
	check "raw1 reads back what it writes once injection stops" \
		d_verify /dev/raw/raw1 8M
}

# d_errors: the error lines of the last d_fio run, for a note.
d_errors() { grep -m 3 -E 'err=|error' "$D_LOG" | tr -s ' \t' ' '; }

# d_verify RAWDEV SIZE: write and read back SIZE through RAWDEV (crc32c).
d_verify()
{
	fio --name=verify --filename="$1" --ioengine=psync --rw=write \
		--bs=64k --size="$2" --direct=1 --iomem_align=4096 \
		--verify=crc32c --do_verify=1 --verify_fatal=1 >"$D_LOG" 2>&1
}

# d_pins: FOLL_PIN pins held now (acquired - released), after a refresh.
d_pins()
{
	echo 1 >/proc/sys/vm/stat_refresh
	awk '$1 == "nr_foll_pin_acquired" { a = $2 }
	     $1 == "nr_foll_pin_released" { r = $2 }
	     END { print a - r }' /proc/vmstat
}

# d_pins_back N: wait up to 10 s for the pins held to be N again.
d_pins_back()
{
	d_i=0
	while [ "$(d_pins)" -ne "$1" ]; do
		[ $d_i -lt 100 ] || return 1
		sleep 0.1
		d_i=$((d_i + 1))
	done
}

# d_disarm: stop every debugfs fault injection a case may have armed (also
# from its EXIT trap, so that a case that ends early leaves none behind).
d_disarm()
{
	for d_a in failslab fail_page_alloc fail_make_request; do
		[ -d "$D_DBG/$d_a" ] || continue
		echo 0 >"$D_DBG/$d_a/probability"
		[ ! -e "$D_DBG/$d_a/require-start" ] || echo 0 >"$D_DBG/$d_a/require-start"
		[ ! -e "$D_DBG/$d_a/require-end" ] ||
			echo 0xffffffffffffffff >"$D_DBG/$d_a/require-end"
	done
}
trap 'd_disarm; t_cleanup' EXIT
