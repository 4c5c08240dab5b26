#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# 76-raw-tool: raw(8) against the real module.  Binding by numbers and by
# device node, -q, -qa up to max_raw_minors, unbinding, the exact output
# line, the exit statuses (1 usage, 3 access, 4 ioctl) and the messages for
# EINVAL, EBUSY, EPERM, EACCES, ENOTTY and a missing module; the fallback to
# /dev/rawctl.  Uses brd's /dev/ram0 and /dev/ram1 (loads brd if needed) and
# leaves nothing bound.  Guest only (busybox sh).

T_LIB=$(cd "$(dirname "$0")/../lib" && pwd)
# shellcheck source=tests/lib/tap.sh
. "$T_LIB/tap.sh"
T_ERR=/tmp/raw80.err
# shellcheck source=tests/lib/rawtool.sh
. "$T_LIB/rawtool.sh"

# --- no module: exit 3 with a hint ------------------------------------------
if [ ! -d /sys/module/raw ]; then
	run -qa
	expect "-qa without the module: exit 3" 3 "" "modprobe raw"
	loaded_here=1
	modprobe raw || { not_ok "modprobe raw"; exit 1; }
else
	ok "-qa without the module # SKIP raw was already loaded"
fi

rt_ram_disks
max=$(cat /sys/module/raw/parameters/max_raw_minors)
last=$((max - 1))

# --- help, version, usage errors: exit 0 / 1 -------------------------------
run -h
check "-h prints usage, exit 0" test "$rc" = 0 -a -z "${out##Usage:*-qa*}"
run --version
check "-V prints the version, exit 0" \
	test "$rc" = 0 -a -z "${out##raw (raw module tools) *}"
run
expect "no arguments: exit 1" 1 "" "no raw device given"
run --bogus
expect "unknown option: exit 1" 1 "" "invalid option"
run /dev/raw/raw1 8
expect "bind with one number: exit 1" 1 "" "bind needs"
run /dev/raw/raw1 x 0
expect "bind with a bad major: exit 1" 1 "" "bad major"
run /dev/raw/raw1 1 -2
expect "bind with a bad minor: exit 1" 1 "" "bad minor"
run /dev/sda 1 0
expect "not a raw name: exit 1" 1 "" "not a raw device name"
run /dev/raw/raw0 1 0
expect "raw0 is the control device: exit 1" 1 "" "control device"
run -a
expect "-a without -q: exit 1" 1 "" "-a goes with -q"
run -qa /dev/raw/raw1
expect "-qa with a device: exit 1" 1 "" "-a goes with -q"

# --- nothing bound yet --------------------------------------------------
run -qa
expect "-qa lists nothing when nothing is bound" 0 ""
run -q /dev/raw/raw1
expect "-q of an unbound minor prints 0/0" 0 "$(line 1 0 0)"

# --- bind by numbers, by node; query ---------------------------------------
run /dev/raw/raw1 "$r0maj" "$r0min"
expect "bind raw1 by numbers" 0 "$(line 1 "$r0maj" "$r0min")"
check "/dev/raw/raw1 appeared" test -c /dev/raw/raw1
run /dev/raw/raw2 /dev/ram1
expect "bind raw2 by device node" 0 "$(line 2 "$r1maj" "$r1min")"
run raw3 /dev/ram1
expect "bind by a bare rawN name" 0 "$(line 3 "$r1maj" "$r1min")"
run -q /dev/raw/raw1
expect "-q raw1" 0 "$(line 1 "$r0maj" "$r0min")"
run --query /dev/raw2
expect "--query with the /dev/rawN form" 0 "$(line 2 "$r1maj" "$r1min")"
run "/dev/raw/raw$last" /dev/ram0
expect "bind the last minor raw$last" 0 "$(line "$last" "$r0maj" "$r0min")"
run -qa
expect "-qa lists every bound minor, up to max_raw_minors - 1" 0 "$(line 1 "$r0maj" "$r0min")
$(line 2 "$r1maj" "$r1min")
$(line 3 "$r1maj" "$r1min")
$(line "$last" "$r0maj" "$r0min")"
run --query --all
expect "--query --all is -qa" 0 "$(line 1 "$r0maj" "$r0min")
$(line 2 "$r1maj" "$r1min")
$(line 3 "$r1maj" "$r1min")
$(line "$last" "$r0maj" "$r0min")"

# --- kernel refusals: exit 4 -----------------------------------------------
run "/dev/raw/raw$max" /dev/ram0
expect "bind raw$max (= max_raw_minors): EINVAL, exit 4" 4 "" "Invalid argument (raw minor out of range"
run -q "/dev/raw/raw$max"
expect "query raw$max: EINVAL, exit 4" 4 "" "Invalid argument"
run /dev/raw/raw5 4096 0
expect "bind to major 4096: EINVAL, exit 4" 4 "" "Invalid argument"
run /dev/raw/raw5 0 7
expect "bind to 0:7: EINVAL, exit 4" 4 "" "Invalid argument"
exec 3</dev/raw/raw1
run /dev/raw/raw1 0 0
expect "unbind an open raw1: EBUSY, exit 4" 4 "" "busy (the raw device is open"
run /dev/raw/raw1 /dev/ram1
expect "rebind an open raw1: EBUSY, exit 4" 4 "" "busy"
exec 3<&-
run -q /dev/raw/raw1
expect "raw1 kept its binding after EBUSY" 0 "$(line 1 "$r0maj" "$r0min")"

# --- access errors: exit 3 -------------------------------------------------
run /dev/raw/raw5 /dev/no-such-disk
expect "bind to a missing node: exit 3" 3 "" "cannot stat block device"
run /dev/raw/raw5 /dev/null
expect "bind to a char device: exit 3" 3 "" "not a block device"

# --- unprivileged ----------------------------------------------------------
grep -q '^nobody:' /etc/passwd 2>/dev/null ||
	echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>/etc/passwd
if [ "$(su -s /bin/sh nobody -c 'id -u' 2>/dev/null)" = 65534 ]; then
	as_nobody -qa
	expect "nobody cannot open a 0600 rawctl: EACCES, exit 3" 3 "" "needs root"
	chmod 0666 /dev/raw/rawctl
	as_nobody /dev/raw/raw5 /dev/ram0
	expect "nobody binding: EPERM, exit 4" 4 "" "CAP_SYS_ADMIN"
	as_nobody /dev/raw/raw1 0 0
	expect "nobody unbinding: EPERM, exit 4" 4 "" "CAP_SYS_ADMIN"
	as_nobody -q /dev/raw/raw1
	expect "nobody may query" 0 "$(line 1 "$r0maj" "$r0min")"
	chmod 0600 /dev/raw/rawctl
else
	not_ok "su to nobody works in the guest"
fi

# --- a control device that is not raw's: ENOTTY ------------------------------
if mount --bind /dev/null /dev/raw/rawctl; then
	run -q /dev/raw/raw1
	expect "rawctl that is /dev/null: ENOTTY, exit 4" 4 "" "does not understand raw ioctls"
	umount /dev/raw/rawctl
else
	not_ok "bind-mount /dev/null over rawctl"
fi

# --- the old /dev/rawctl name ------------------------------------------------
mkdir -p /tmp/raw80-empty
mknod /dev/rawctl c 162 0
if mount --bind /tmp/raw80-empty /dev/raw; then
	run -q /dev/raw/raw1
	expect "falls back to /dev/rawctl" 0 "$(line 1 "$r0maj" "$r0min")"
	umount /dev/raw
else
	not_ok "hide /dev/raw"
fi
rm -f /dev/rawctl
run -q /dev/raw/raw1
expect "/dev/raw/rawctl again after the fallback test" 0 "$(line 1 "$r0maj" "$r0min")"

# --- unbind everything -----------------------------------------------------
for m in 1 2 3 $last; do
	run "/dev/raw/raw$m" 0 0
	expect "unbind raw$m with 0 0" 0 "$(line "$m" 0 0)"
done
check "/dev/raw/raw1 is gone" test ! -e /dev/raw/raw1
run -qa
expect "-qa lists nothing after unbinding" 0 ""

if [ -n "${loaded_here-}" ]; then
	rmmod raw || not_ok "rmmod raw"
fi
rm -f /tmp/raw80.err
tap_status
