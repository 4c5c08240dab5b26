#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The module: its parameter max_raw_minors (default 256, 1..65536), the
# control node, the class, and the module reference every binding holds.
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

# modprobe with an out-of-range parameter fails and leaves nothing loaded
for v in 0 65537 -1; do
	if modprobe raw max_raw_minors=$v 2>/dev/null; then
		not_ok "modprobe raw max_raw_minors=$v is refused"
		rmmod raw
	else
		check "max_raw_minors=$v: module not loaded" \
			test ! -d /sys/module/raw
	fi
done

raw_load
param=/sys/module/raw/parameters/max_raw_minors
check "max_raw_minors reads 256 by default" \
	test "$(t_cat $param)" = 256
check "max_raw_minors is readable by all" \
	test "$(stat -c %A $param | cut -c 2,5,8)" = rrr
check "/proc/devices lists char major 162 raw" \
	grep -qE '^ *162 raw$' /proc/devices
check "/dev/raw/rawctl is char 162:0" \
	test "$(stat -c '%F %t:%T' /dev/raw/rawctl)" = "character special file a2:0"
check "/dev/raw/rawctl is 0600 root:root" \
	test "$(stat -c '%a %u:%g' /dev/raw/rawctl)" = "600 0:0"
check "/sys/class/raw exists" test -d /sys/class/raw
check "refcnt is 0 with nothing bound" test "$(raw_refcnt)" = 0

a=$(nullb_create a 16) || t_fatal "create null_blk a"
b=$(nullb_create b 16) || t_fatal "create null_blk b"
check_rc "bind raw1" 0 rawbind bind 1 "$a"
check "refcnt 1 with one minor bound" test "$(raw_refcnt)" = 1
check "/dev/raw/raw1 appears on bind" test -c /dev/raw/raw1
check_rc "bind raw2" 0 rawbind bind 2 "$a"
check_rc "rebind raw1 to another device" 0 rawbind bind 1 "$b"
check "refcnt 2 with two minors bound (a rebind adds none)" \
	test "$(raw_refcnt)" = 2
check "rmmod raw fails while minors are bound" sh -c '! rmmod raw 2>/dev/null'
check "raw still loaded after the refused rmmod" test -d /sys/module/raw
check_rc "unbind raw1" 0 rawbind unbind 1
check "refcnt 1 after one unbind" test "$(raw_refcnt)" = 1
check "/dev/raw/raw1 disappears on unbind" test ! -e /dev/raw/raw1
check "rmmod raw still fails with raw2 bound" sh -c '! rmmod raw 2>/dev/null'
rawbind unbind 3 2>/dev/null
check "unbinding an unbound minor leaves refcnt at 1" \
	test "$(raw_refcnt)" = 1
check_rc "unbind raw2" 0 rawbind unbind 2
check "refcnt 0 after all unbinds" test "$(raw_refcnt)" = 0
check "rmmod raw works once all are unbound" rmmod raw
check "/dev/raw/rawctl is gone after rmmod" test ! -e /dev/raw/rawctl
check "/sys/class/raw is gone after rmmod" test ! -e /sys/class/raw

# a smaller and the largest table
raw_load max_raw_minors=1
check "max_raw_minors reads 1" test "$(t_cat $param)" = 1
check_rc "max_raw_minors=1: bind raw1 gives EINVAL" 22 rawbind bind 1 "$a"
check "max_raw_minors=1: rmmod works" rmmod raw

raw_load max_raw_minors=4
check_rc "max_raw_minors=4: bind raw3" 0 rawbind bind 3 "$a"
check "max_raw_minors=4: /dev/raw/raw3 appears" test -c /dev/raw/raw3
check_rc "max_raw_minors=4: bind raw4 gives EINVAL" 22 rawbind bind 4 "$a"
check_rc "max_raw_minors=4: query raw4 gives EINVAL" 22 rawbind query 4
check_rc "max_raw_minors=4: unbind raw3" 0 rawbind unbind 3
check "max_raw_minors=4: rmmod works" rmmod raw

raw_load max_raw_minors=65536
check "max_raw_minors reads 65536" test "$(t_cat $param)" = 65536
check_rc "max_raw_minors=65536: bind raw65535" 0 rawbind bind 65535 "$b"
check "/dev/raw/raw65535 is char 162:65535" \
	test "$(stat -c '%F %t:%T' /dev/raw/raw65535)" = "character special file a2:ffff"
check "raw65535 reads \"$(t_devnum "$b")\" in sysfs" \
	test "$(t_cat /sys/class/raw/raw65535/bound)" = "$(t_devnum "$b")"
check_rc "raw65535 opens" 0 rawbind open 65535
check_rc "max_raw_minors=65536: bind raw65536 gives EINVAL" 22 \
	rawbind bind 65536 "$b"
check_rc "unbind raw65535" 0 rawbind unbind 65535
check "max_raw_minors=65536: rmmod works" rmmod raw

t_end
