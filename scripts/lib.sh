# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers shared by the host-side scripts. Source it, do not run it.
#
#   raw_top               the top of the work tree
#   raw_kernels           the kernel matrix by short name (table below)
#   raw_kver_full SHORT   "7.3" -> "7.3.4+deb13-amd64", as scripts/setup
#                         found it newest in its suite; "debug" -> the
#                         release scripts/debug-kernel built
#   raw_kernel_dir FULL   where scripts/setup unpacked that guest kernel
#                         (or scripts/debug-kernel installed it)
#   raw_kernel_root FULL  the build root FULL's modules build in, if any
#   raw_kernel_build FULL the header tree to build modules against
#   raw_in_root ROOT CMD  run CMD in a build root
#   raw_apt CMD ARGS      apt-get/apt-cache through the private apt setup
#   raw_kmake FULL ARGS   make ARGS on the host or in FULL's build root
#   raw_kbuild FULL DIR   build the module in DIR against FULL, W=1 clean
#   raw_kernel_reports F  print the kernel reports found in a console log

raw_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
raw_cache=$raw_top/.cache

# The kernel matrix, by short name: one Debian kernel line each, which
# follows the newest package of its suite at setup time. "debug" (the debug
# tier's kernel, Documentation/debug-tier.rst) is known too, but opt-in.
#
#   short       suite             image package           built in
#   6.1         bookworm          linux-image-amd64        the host
#   6.12        bookworm          linux-image-6.12-amd64   the host
#   6.12-deb13  trixie            linux-image-amd64        root "trixie"
#   7.3         trixie-backports  linux-image-amd64        root "trixie"
#   7.2         sid               linux-image-amd64        root "sid"
#
# Kernels of the host's own suite build with the host's compiler; the
# others in a build root of their suite (scripts/setup makes them), whose
# gcc and kbuild tools are the ones the kernel was built with.
raw_kernels=(6.1 6.12 6.12-deb13 7.3 7.2)
declare -A raw_line_suite=([6.1]=bookworm [6.12]=bookworm
	[6.12-deb13]=trixie [7.3]=trixie-backports [7.2]=sid)
# shellcheck disable=SC2034 # used by scripts/setup
declare -A raw_line_meta=([6.1]=linux-image-amd64
	[6.12]=linux-image-6.12-amd64 [6.12-deb13]=linux-image-amd64
	[7.3]=linux-image-amd64 [7.2]=linux-image-amd64)
# What make check runs on each line: the whole guest suite, or the smoke
# set (Documentation/testing.rst, "The kernel matrix").
# shellcheck disable=SC2034 # used by tests/run
declare -A raw_line_tier=([6.1]=full [6.12]=full [6.12-deb13]=smoke
	[7.3]=full [7.2]=smoke)
raw_debug_cache=$raw_cache/debug-kernel
# Where scripts/setup records each line's current full version
# (SHORT holds "FULL ROOT", ROOT "-" for the host).
raw_lines=$raw_cache/lines
raw_roots=$raw_cache/roots

raw_die()
{
	echo "${0##*/}: $*" >&2
	exit 1
}

# Resolve a short kernel name to the full version scripts/setup found
# newest in its suite ("7.3" -> "7.3.4+deb13-amd64"), so that a point
# release needs no edit here.
raw_kver_full()
{
	local short=$1 dir full=''

	case $short in
	debug)
		for dir in "$raw_debug_cache"/*/.done; do
			[[ -f $dir ]] || continue
			full=$(printf '%s\n%s\n' "$full" "$(<"$dir")" | sort -V | tail -n 1)
		done
		[[ -n $full ]] || raw_die "no debug kernel: run scripts/debug-kernel"
		echo "$full"
		return ;;
	esac
	[[ -n ${raw_line_suite[$short]:-} ]] ||
		raw_die "unknown kernel '$short' (known: ${raw_kernels[*]} debug)"
	[[ -f $raw_lines/$short ]] || raw_die "no kernel $short yet: run scripts/setup"
	read -r full _ <"$raw_lines/$short"
	echo "$full"
}

# The build root a kernel's modules are built in ("trixie", "sid"), or
# nothing for the host.
raw_kernel_root()
{
	local f full root

	for f in "$raw_lines"/*; do
		[[ -f $f ]] || continue
		read -r full root <"$f"
		if [[ $full == "$1" && $root != - ]]; then
			echo "$root"
			return
		fi
	done
}

# The build root that serves a suite: backports build with their base
# suite's userland.
raw_suite_root()
{
	echo "${1%-backports}"
}

# raw_qemu_cmd: set raw_qemu to the QEMU the guests run on and the
# options it needs. RAW_QEMU=cache (the default where scripts/setup
# unpacked it): bookworm-backports' QEMU in .cache/qemu, its data first
# and the system's (seabios and all) after; RAW_QEMU=system: Debian 12's
# own qemu-system-x86_64.
# shellcheck disable=SC2034 # raw_qemu is the callers'
raw_qemu_cmd()
{
	local root=$raw_cache/qemu/root

	case ${RAW_QEMU:-cache} in
	cache)
		if [[ -x $root/usr/bin/qemu-system-x86_64 ]]; then
			raw_qemu=("$root/usr/bin/qemu-system-x86_64"
				-L "$root/usr/share/qemu" -L /usr/share/qemu
				-L /usr/share/seabios)
			return 0
		fi
		[[ -z ${RAW_QEMU:-} ]] ||
			raw_die "RAW_QEMU=cache: no $root (run scripts/setup)"
		;;
	system) ;;
	*) raw_die "RAW_QEMU=$RAW_QEMU: cache or system" ;;
	esac
	raw_qemu=(qemu-system-x86_64)
}

# raw_apt CMD ARGS...: apt-get or apt-cache through the private apt
# configuration scripts/setup writes under .cache/apt (Debian suites
# other than the host's; the host's own apt setup is never touched).
raw_apt()
{
	APT_CONFIG=$raw_cache/apt/apt.conf "$@"
}

# raw_in_root ROOT CMD...: run CMD in build root ROOT, with /proc (objtool
# needs it) and the work tree at its own path, in a mount namespace of its
# own so nothing stays mounted.
raw_in_root()
{
	local root=$raw_roots/$1
	shift
	[[ -f $root/.done ]] || raw_die "no build root $root: run scripts/setup"
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare --mount --propagation private -- bash -c '
		set -e
		root=$1 top=$2
		shift 2
		mount -t proc proc "$root/proc"
		mkdir -p "$root$top"
		mount --bind "$top" "$root$top"
		exec chroot "$root" "$@"' raw_in_root "$root" "$raw_top" "$@"
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

# The header tree to build modules against, as a path in the kernel's
# build root where it has one.
raw_kernel_build()
{
	if [[ -n $(raw_kernel_root "$1") || -d /usr/src/linux-headers-$1 ]]; then
		echo "/usr/src/linux-headers-$1"
	else
		echo "$(raw_kernel_dir "$1")/lib/modules/$1/build"
	fi
}

# raw_kmake FULL ARGS...: make ARGS for kernel FULL, in its build root if
# it has one (the paths in ARGS must lie in the work tree).
raw_kmake()
{
	local root

	root=$(raw_kernel_root "$1")
	shift
	if [[ -n $root ]]; then
		raw_in_root "$root" make "$@"
	else
		make "$@"
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
# warning: compiler, kernel-doc, sparse (C=1/C=2) or modpost; and, with
# C=1/C=2, if sparse checked nothing.
raw_kbuild()
{
	local full=$1 dir=$2 log kdir arg sparse=''
	shift 2

	log=$dir/build.log
	kdir=$(raw_kernel_build "$full")
	for arg; do
		[[ $arg != C=[12] ]] || sparse=${arg#C=}
	done
	if [[ -n $sparse ]]; then
		# Debian's header packages lack scripts/checker-valid.sh, with
		# which kbuild would switch sparse off quietly: say it on the
		# command line. A build root's sparse is the newest Debian has
		# (scripts/setup): 6.13 and later need one that knows
		# __typeof_unqual__.
		set -- "$@" KBUILD_CHECKSRC="$sparse"
		[[ -z $(raw_kernel_root "$full") ]] || set -- "$@" CHECK=/opt/sparse/usr/bin/sparse
	fi
	# A copy of the module's tree builds through its outer Makefile, which
	# runs the feature probes first; other modules (KUnit, the rig's) build
	# straight from their Kbuild.
	if [[ -f $dir/Makefile ]]; then
		set -- -C "$dir" KDIR="$kdir" W=1 "$@"
	else
		set -- -C "$kdir" M="$dir" W=1 "$@" modules
	fi
	if ! raw_kmake "$full" "$@" 2>&1 | tee "$log"; then
		raw_die "build failed against $full (log: $log)"
	fi
	if grep -qi 'warning:' "$log"; then
		raw_die "build against $full printed warnings (log: $log)"
	fi
	if [[ -n $sparse ]] && ! grep -qE '^ +CHECK +' "$log"; then
		raw_die "C=$sparse against $full ran no sparse (log: $log)"
	fi
}
