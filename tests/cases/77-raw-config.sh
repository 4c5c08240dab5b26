#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# 77-raw-config: raw --config, the helper udev's 60-raw.rules and
# raw-bindings.service run, applied by hand: this busybox guest has no udevd
# and no systemd, so the rules and the unit themselves are not exercised
# here, only the command lines they run.  A stable name is played by a
# hand-made /dev/disk/by-id link to brd's /dev/ram1.  Leaves nothing bound.

T_LIB=$(cd "$(dirname "$0")/../lib" && pwd)
# shellcheck source=tests/lib/tap.sh
. "$T_LIB/tap.sh"
dir=/tmp/raw81
conf=$dir/bindings
T_ERR=$dir/err
# shellcheck source=tests/lib/rawtool.sh
. "$T_LIB/rawtool.sh"

mkdir -p "$dir"
if [ ! -d /sys/module/raw ]; then
	loaded_here=1
	modprobe raw || { not_ok "modprobe raw"; exit 1; }
fi
rt_ram_disks
mkdir -p /dev/disk/by-id
ln -sf ../../ram1 /dev/disk/by-id/raw81-stable-disk

cat >"$conf" <<EOF
# raw81 test bindings

raw3 /dev/disk/by-id/raw81-stable-disk   # by a stable name
/dev/raw/raw4	$r0maj $r0min
raw6 /dev/disk/by-id/raw81-not-there-yet
EOF

run --config "$conf"
expect "--config binds the lines whose device exists" 0 "$(line 3 "$r1maj" "$r1min")
$(line 4 "$r0maj" "$r0min")"
run -qa
expect "the missing device's line was skipped" 0 "$(line 3 "$r1maj" "$r1min")
$(line 4 "$r0maj" "$r0min")"
run --config "$conf"
expect "applying again changes nothing and prints nothing" 0 ""

# A raw device in use keeps its binding: re-applying must not trip on it.
exec 3</dev/raw/raw3
run -c "$conf"
expect "re-applying while raw3 is open is quiet" 0 ""
exec 3<&-

# The device "appears": udev runs raw --config --match $devnode.
run /dev/raw/raw3 0 0
run --config --match /dev/ram0 "$conf"
expect "--match /dev/ram0 leaves raw3 alone" 0 ""
run --config --match /dev/ram1 "$conf"
expect "--match /dev/ram1 binds the by-id line" 0 "$(line 3 "$r1maj" "$r1min")"
ln -sf ../../ram0 /dev/disk/by-id/raw81-not-there-yet
run --config --match /dev/disk/by-id/raw81-not-there-yet "$conf"
expect "--match by a link: only the line that names that device" 0 "$(line 6 "$r0maj" "$r0min")"
run -qa
expect "raw3, raw4, raw6 bound" 0 "$(line 3 "$r1maj" "$r1min")
$(line 4 "$r0maj" "$r0min")
$(line 6 "$r0maj" "$r0min")"

# A binding whose device changed is rebound.
ln -sf ../../ram0 /dev/disk/by-id/raw81-stable-disk
run --config "$conf"
expect "a line whose link moved is rebound" 0 "$(line 3 "$r0maj" "$r0min")"

# Errors: the good lines still apply, the status is the worst.
for m in 3 4 6; do
	"$RAW" "/dev/raw/raw$m" 0 0 >/dev/null
done
cat >"$conf.bad" <<EOF
raw3 /dev/ram1
raw4 too many fields here
rawx /dev/ram0
raw0 /dev/ram0
EOF
run --config "$conf.bad"
expect "syntax errors: exit 1, good lines applied" 1 "$(line 3 "$r1maj" "$r1min")" "$conf.bad:2: expected"
case $err in
*":3: expected"*":4: expected"*) ok "each bad line is named" ;;
*) not_ok "each bad line is named # '$err'" ;;
esac
max=$(cat /sys/module/raw/parameters/max_raw_minors)
printf 'raw%s /dev/ram0\nraw5 /dev/null\nraw4 /dev/ram0\n' "$max" >"$conf.refused"
run --config "$conf.refused"
expect "a refused bind: exit 4, later lines applied" 4 "$(line 4 "$r0maj" "$r0min")" "$conf.refused:1: cannot bind /dev/raw/raw$max"
case $err in
*"$conf.refused:2: /dev/null is not a block device"*) ok "a non-block device is named" ;;
*) not_ok "a non-block device is named # '$err'" ;;
esac

run --config "$dir/no-such-file"
expect "an explicit missing file: exit 3" 3 "" "cannot open $dir/no-such-file"
if [ ! -e /etc/raw/bindings ]; then
	run --config
	expect "a missing /etc/raw/bindings is not an error" 0 ""
fi
run --config --match /dev/null "$conf"
expect "--match of a non-block device: exit 3" 3 "" "not a block device"
run --match /dev/ram0
expect "--match without --config: exit 1" 1 "" "--match needs --config"
run --config -q "$conf"
expect "--config with -q: exit 1" 1 "" "--config takes"

# The default file, as the boot unit runs it.
mkdir -p /etc/raw
if [ ! -e /etc/raw/bindings ]; then
	printf 'raw7 /dev/disk/by-id/raw81-stable-disk\n' >/etc/raw/bindings
	run --config
	expect "--config reads /etc/raw/bindings" 0 "$(line 7 "$r0maj" "$r0min")"
	rm -f /etc/raw/bindings
fi

for m in 3 4 6 7; do
	"$RAW" "/dev/raw/raw$m" 0 0 >/dev/null
done
run -qa
expect "nothing left bound" 0 ""
rm -f /dev/disk/by-id/raw81-stable-disk /dev/disk/by-id/raw81-not-there-yet
rm -rf "$dir"
if [ -n "${loaded_here-}" ]; then
	rmmod raw || not_ok "rmmod raw"
fi
tap_status
