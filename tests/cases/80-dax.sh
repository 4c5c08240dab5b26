#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rawN on persistent memory, through the DAX path (Documentation/dax.rst):
# the rig's legacy pmem (memmap=, nd_e820) and its emulated NVDIMM (nfit,
# switched to fsdax mode). On each: tests/semantics.c's I/O semantics, tests/dax.c
# (sysfs switches, no page pinned, data against O_DIRECT, every errno rule
# against the bio path, bad blocks), fio verify with each engine, fork
# safety (tests/fork_io.c); on the legacy one also tests/io.c's round trips
# from 512 bytes to 64 MiB against O_DIRECT on the block device.
# Then the legacy device is unbound from nd_pmem under fio, on the DAX path
# and on the bio path: fio fails and exits, the minor unbinds, the device
# comes back.
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"
# shellcheck source=tests/lib/pmem.sh
. "$T_TESTS/lib/pmem.sh"

trap 't_cleanup; pmem_unload' EXIT
log=/tmp/85-fio.log

# fio_verify RAWDEV ENGINE [fio options]
fio_verify()
{
	f_dev=$1 f_eng=$2
	shift 2
	if fio --name=dax --filename="$f_dev" --ioengine="$f_eng" \
		--iodepth=8 --bsrange=512-64k --blockalign=512 --rw=randrw \
		--size=8M --direct=1 --iomem_align=4096 --verify=crc32c \
		--verify_fatal=1 --do_verify=1 --output-format=terse \
		"$@" >"$log" 2>&1; then
		ok "fio verify $f_eng $* on $f_dev"
	else
		not_ok "fio verify $f_eng $* on $f_dev (fio exit $?)"
		grep -v '^3;' "$log" | head -n 15 | sed 's/^/# /'
	fi
}

# on_pmem DEV [io]: the data and semantics tests on DEV
on_pmem()
{
	note "$1: $(cat "/sys/block/${1#/dev/}/size") sectors," \
		"queue/dax $(cat "/sys/block/${1#/dev/}/queue/dax")"
	t_prog semantics "$1"
	[ "${2:-}" != io ] || t_prog io "$1"
	t_prog dax "$1" "/sys/block/${1#/dev/}/badblocks"
	rawbind bind 1 "$1" || t_fatal "bind raw1 to $1"
	pinned=$(t_cat /sys/class/raw/raw1/pages_pinned)
	for eng in psync pvsync2 libaio io_uring; do
		fio_verify /dev/raw/raw1 $eng
	done
	fio_verify /dev/raw/raw1 io_uring --hipri
	fio_verify /dev/raw/raw1 psync --bs=1M --rw=write
	check "fio on the DAX path pinned no page" \
		[ "$(t_cat /sys/class/raw/raw1/pages_pinned)" = "$pinned" ]
	rawbind unbind 1 || not_ok "unbind raw1"
	t_prog fork_io --seconds 3 "$1"
}

# remove_under_io DEV DAX: unbind DEV's nd device from nd_pmem while fio
# runs on raw2 with the module parameter dax=DAX.
remove_under_io()
{
	r_nd=$(pmem_nd "$1")
	echo "$2" >/sys/module/raw/parameters/dax
	rawbind bind 2 "$1" || t_fatal "bind raw2 to $1"
	fio --name=rm --filename=/dev/raw/raw2 --ioengine=psync --rw=randrw \
		--bs=4k --size=32M --direct=1 --iomem_align=4096 \
		--time_based --runtime=120 --output=/dev/null 2>/dev/null &
	r_pid=$!
	r_i=0
	while [ "$(t_cat /sys/class/raw/raw2/io_path)" = none ] &&
		[ $r_i -lt 100 ]; do
		sleep 0.1
		r_i=$((r_i + 1))
	done
	sleep 1
	r_path=$(t_cat /sys/class/raw/raw2/io_path)
	check "dax=$2: io_path is $3 under fio ($r_path)" [ "$r_path" = "$3" ]
	echo "$r_nd" >/sys/bus/nd/drivers/nd_pmem/unbind ||
		not_ok "dax=$2: unbind $r_nd from nd_pmem"
	r_i=0
	while kill -0 $r_pid 2>/dev/null && [ $r_i -lt 300 ]; do
		sleep 0.1
		r_i=$((r_i + 1))
	done
	if kill -0 $r_pid 2>/dev/null; then
		not_ok "dax=$2: fio ends once $1 is removed"
		kill -9 $r_pid
		wait $r_pid
	else
		wait $r_pid
		r_rc=$?
		check "dax=$2: fio fails once $1 is removed (exit $r_rc)" \
			[ $r_rc -ne 0 ]
	fi
	check "dax=$2: raw2 unbinds after the removal" rawbind unbind 2
	echo "$r_nd" >/sys/bus/nd/drivers/nd_pmem/bind ||
		not_ok "dax=$2: bind $r_nd to nd_pmem again"
	echo 1 >/sys/module/raw/parameters/dax
}

raw_load
if ! grep -q '/nd_pmem\.ko' "/lib/modules/$(uname -r)/modules.dep"; then
	# The debug tier's kernel has no persistent memory drivers.
	ok "80-dax # SKIP $(uname -r) has no nd_pmem: no DAX device to test"
	t_end
fi
pmem_load || t_fatal "load nd_e820, nfit, nd_pmem"
legacy=$(pmem_legacy) || t_fatal "legacy pmem (memmap=) present"
nvdimm=$(pmem_nvdimm) || t_fatal "NVDIMM in fsdax mode"
on_pmem "$legacy" io
on_pmem "$nvdimm"

remove_under_io "$legacy" 1 dax
legacy=$(pmem_legacy) || t_fatal "legacy pmem back"
remove_under_io "$legacy" 0 bio
pmem_legacy >/dev/null || not_ok "legacy pmem back"

t_end
