# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Persistent memory in the rig's guests (POSIX sh; source after guest.sh,
# or alone). scripts/vm --pmem SIZE gives legacy persistent memory
# (memmap=SIZE!1536M: nd_e820), --nvdimm SIZE an emulated NVDIMM (ACPI
# NFIT: nfit); nd_pmem makes both /dev/pmemN.
#
#   pmem_load         load nd_e820, nfit and nd_pmem
#   pmem_legacy       print the legacy device (queue/dax = 1 as it is)
#   pmem_nvdimm       print the NVDIMM's device, in fsdax mode (queue/dax = 1)
#   pmem_unload       unload what pmem_load loaded

pmem_load()
{
	modprobe nd_e820 && modprobe nfit && modprobe nd_pmem
}

# pmem_find PATTERN: the /dev/pmemN whose sysfs path matches PATTERN,
# waiting up to 10 s for it (namespaces probe asynchronously).
pmem_find()
{
	p_i=0
	while [ $p_i -lt 100 ]; do
		for p_b in /sys/block/pmem*; do
			[ -e "$p_b" ] || continue
			# shellcheck disable=SC2254 # $1 is a pattern
			case $(readlink -f "$p_b") in
			$1) echo "/dev/${p_b##*/}"; return 0 ;;
			esac
		done
		sleep 0.1
		p_i=$((p_i + 1))
	done
	return 1
}

# pmem_nd DEV: the nd device (namespaceX.Y, pfnX.Y) nd_pmem binds for DEV.
pmem_nd()
{
	p_p=$(readlink -f "/sys/block/${1#/dev/}")
	p_p=${p_p%/block/*}
	echo "${p_p##*/}"
}

pmem_legacy()
{
	pmem_find '*/e820_pmem/*'
}

# QEMU's NVDIMM has no labels: nfit makes one raw-mode namespace, which
# has no struct pages and so no DAX (queue/dax = 0).  Give it a pfn info
# block (fsdax mode, as "ndctl create-namespace -m fsdax" would); once
# written, nd_pmem finds it at every later probe in the same boot.
pmem_nvdimm()
{
	p_dev=$(pmem_find '*/ACPI0012:*/block/*') || return 1
	if [ "$(cat "/sys/block/${p_dev#/dev/}/queue/dax")" = 1 ]; then
		echo "$p_dev"
		return 0
	fi
	p_ns=$(pmem_nd "$p_dev")
	p_reg=$(readlink -f "/sys/bus/nd/devices/$p_ns")
	p_reg=${p_reg%/*}
	p_pfn=/sys/bus/nd/devices/$(cat "$p_reg/pfn_seed")
	echo "$p_ns" >/sys/bus/nd/drivers/nd_pmem/unbind &&
		cat /proc/sys/kernel/random/uuid >"$p_pfn/uuid" &&
		echo pmem >"$p_pfn/mode" && echo 4096 >"$p_pfn/align" &&
		echo "$p_ns" >"$p_pfn/namespace" &&
		echo "${p_pfn##*/}" >/sys/bus/nd/drivers/nd_pmem/bind ||
		return 1
	pmem_find '*/ACPI0012:*/pfn*/block/*'
}

pmem_unload()
{
	for p_m in nd_pmem nd_btt nd_e820 nfit libnvdimm; do
		[ ! -d "/sys/module/$p_m" ] || rmmod "$p_m" || return 1
	done
}
