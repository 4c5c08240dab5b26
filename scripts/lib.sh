# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers shared by the host-side scripts. Source it, do not run it.
#
#   raw_top               the top of the work tree
#   raw_kver_full SHORT   "6.1" -> "6.1.0-56-amd64", from the installed headers;
#                         "debug" -> the release scripts/debug-kernel built
#   raw_kernel_dir FULL   where scripts/setup unpacked that guest kernel
#                         (or scripts/debug-kernel installed it)
#   raw_kernel_build FULL the build tree to build modules against
#   raw_kernel_reports F  print the kernel reports found in a console log

raw_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
raw_cache=$raw_top/.cache

# The kernels this project supports, by short name. "debug" (the debug
# tier's kernel, Documentation/debug-tier.rst) is known too, but opt-in.
raw_kernels=(6.1 6.12)
raw_debug_cache=$raw_cache/debug-kernel

raw_die()
{
	echo "${0##*/}: $*" >&2
	exit 1
}

# Resolve a short kernel name to the full version of the newest installed
# Debian header tree for it, so that a point release needs no edit here.
raw_kver_full()
{
	local short=$1 dir full=

	case $short in
	6.1 | 6.12) ;;
	debug)
		for dir in "$raw_debug_cache"/*/.done; do
			[[ -f $dir ]] || continue
			full=$(printf '%s\n%s\n' "$full" "$(<"$dir")" | sort -V | tail -n 1)
		done
		[[ -n $full ]] || raw_die "no debug kernel: run scripts/debug-kernel"
		echo "$full"
		return ;;
	*) raw_die "unknown kernel '$short' (known: ${raw_kernels[*]} debug)" ;;
	esac
	for dir in /usr/src/linux-headers-"$short".*-amd64; do
		[[ -d $dir ]] || continue
		dir=${dir#/usr/src/linux-headers-}
		full=$(printf '%s\n%s\n' "$full" "$dir" | sort -V | tail -n 1)
	done
	[[ -n $full ]] || raw_die "no /usr/src/linux-headers-$short.*-amd64: run scripts/setup"
	echo "$full"
}

raw_kernel_dir()
{
	local mark

	for mark in "$raw_debug_cache"/*/.done; do
		if [[ -f $mark && $(<"$mark") == "$1" ]]; then
			echo "${mark%/.done}/install"
			return
		fi
	done
	echo "$raw_cache/kernels/$1"
}

raw_kernel_build()
{
	if [[ -d /usr/src/linux-headers-$1 ]]; then
		echo "/usr/src/linux-headers-$1"
	else
		echo "$(raw_kernel_dir "$1")/lib/modules/$1/build"
	fi
}

# Kernel reports that fail a run: the patterns of scripts/kernel-reports.re
# (warnings, BUGs with slub's "BUG kmalloc-64" included, oopses, KFENCE,
# general protection faults, hung tasks, panics; tests/run-guest reads the
# same file in the guest), and taint flags other than O (out-of-tree) and
# E (unsigned).
raw_kernel_reports()
{
	grep -aEf "$raw_top/scripts/kernel-reports.re" "$1" || true
	sed -nE 's/.*Tainted: ([A-Z ]+) [0-9].*/\1/p' "$1" | tr -d ' OE' |
		sed -nE 's/^G//; /./s/^/taint flags: /p' | sort -u
}

# Build the out-of-tree module in DIR against FULL's header tree with W=1
# (plus any extra make arguments). Fails if the build fails or prints any
# warning: compiler, kernel-doc, sparse (C=1/C=2) or modpost.
raw_kbuild()
{
	local full=$1 dir=$2 log kdir
	shift 2

	log=$dir/build.log
	kdir=$(raw_kernel_build "$full")
	# A copy of the module's tree builds through its outer Makefile, which
	# runs the feature probes first; other modules (KUnit, the rig's) build
	# straight from their Kbuild.
	if [[ -f $dir/Makefile ]]; then
		set -- -C "$dir" KDIR="$kdir" W=1 "$@"
	else
		set -- -C "$kdir" M="$dir" W=1 "$@" modules
	fi
	if ! make "$@" 2>&1 | tee "$log"; then
		raw_die "build failed against $full (log: $log)"
	fi
	if grep -qi 'warning:' "$log"; then
		raw_die "build against $full printed warnings (log: $log)"
	fi
}
