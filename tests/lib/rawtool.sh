# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Helpers for the cases that run raw(8) itself (the raw-tool and
# raw-config cases): run it, keep what it printed and its status, and
# compare them with what is expected.  Source it after tests/lib/tap.sh;
# RAW is the raw(8) to run, T_ERR the file its stderr goes through.

RAW=${RAW:-/tests/bin/raw}
T_ERR=${T_ERR:-/tmp/rawtool.err}
out='' err='' rc=0

# run ARGS...: run raw, keeping stdout, stderr and the exit status.
run()
{
	out=$("$RAW" "$@" 2>"$T_ERR")
	rc=$?
	err=$(cat "$T_ERR")
}

# as_nobody ARGS...: the same, as uid 65534.
as_nobody()
{
	out=$(su -s /bin/sh nobody -c "$RAW $*" 2>"$T_ERR")
	rc=$?
	err=$(cat "$T_ERR")
}

# expect DESC STATUS STDOUT [STDERR-SUBSTRING]: the last run's result.
expect()
{
	case $err in
	*"${4-}"*) tr_good_err=1 ;;
	*) tr_good_err='' ;;
	esac
	if [ "$rc" = "$2" ] && [ "$out" = "$3" ] && [ -n "$tr_good_err" ]; then
		ok "$1"
	else
		not_ok "$1 # exit $rc (want $2), stdout '$out' (want '$3'), stderr '$err' (want '${4-}')"
	fi
}

# rt_ram_disks: brd's /dev/ram0 and /dev/ram1 (loads brd if needed), their
# numbers in r0maj r0min r1maj r1min; ends the case if they are not there.
rt_ram_disks()
{
	[ -b /dev/ram1 ] || modprobe brd rd_nr=2 rd_size=8192
	if [ ! -b /dev/ram0 ] || [ ! -b /dev/ram1 ]; then
		not_ok "brd gives /dev/ram0 and /dev/ram1"
		exit 1
	fi
	# shellcheck disable=SC2034 # used by the cases
	r0maj=$(devmajor /dev/ram0) r0min=$(devminor /dev/ram0)
	# shellcheck disable=SC2034 # used by the cases
	r1maj=$(devmajor /dev/ram1) r1min=$(devminor /dev/ram1)
}

# line N MAJOR MINOR: the line raw -q prints for a bound rawN.
line() { printf '/dev/raw/raw%s:  bound to major %s, minor %s' "$1" "$2" "$3"; }
devmajor() { echo $((0x$(stat -c %t "$1"))); }
devminor() { echo $((0x$(stat -c %T "$1"))); }
