#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tests/debug/kunit.sh (in a debug-kernel guest, installed as
# /tests/kunit.sh): load raw_kunit.ko (tests/kunit/), which runs its
# suites on load, and turn the KTAP results in debugfs into the rig's
# "ok - ..." / "not ok - ..." lines. Loading a KUnit module taints the
# kernel with N; tests/debug/run expects that of this guest only.
# The raw_bind suite calls into raw.ko and binds minors to /dev/nullb0:
# raw is loaded first with its default max_raw_minors, null_blk with one
# device, and raw must unload afterwards (no binding left behind).

# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/lib/tap.sh"
res=/sys/kernel/debug/kunit
if ! modprobe null_blk nr_devices=1 || ! modprobe raw; then
	not_ok "modprobe null_blk and raw"
	exit 1
fi
# The disk by number: KUnit's threads may not see this /dev.
if ! modprobe raw_kunit disk="$(cat /sys/block/nullb0/dev)"; then
	not_ok "modprobe raw_kunit"
	exit 1
fi
for suite in raw_pin raw_abi raw_bind; do
	if [ ! -f $res/$suite/results ]; then
		not_ok "kunit suite $suite ran (no $res/$suite/results)"
		continue
	fi
	sed 's/^/# /' $res/$suite/results
	# The cases' lines are indented under the suite's.
	lines=$(sed -nE 's/^[[:space:]]+((not )?ok [0-9]+ .*)$/\1/p' $res/$suite/results |
		sed -E "s/^ok [0-9]+ /ok - kunit $suite: /; s/^not ok [0-9]+ /not ok - kunit $suite: /")
	[ -z "$lines" ] || echo "$lines"
	n=$(echo "$lines" | grep -c 'ok - ')
	n_bad=$(echo "$lines" | grep -c '^not ok') || n_bad=0
	tap_failed=$((tap_failed + n_bad))
	if [ "$n" -eq 0 ]; then
		not_ok "kunit suite $suite reported no test"
	fi
done
rmmod raw_kunit || not_ok "rmmod raw_kunit"
check "raw unloads after the KUnit tests (nothing left bound)" rmmod raw
tap_status
