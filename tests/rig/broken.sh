#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The rig self-test's one case: load broken.ko in mode $RIG_MODE (clean,
# warn or pin) and write to its device, or (hang) never finish.

set -euo pipefail

mode=${RIG_MODE:-clean}
if [[ $mode == hang ]]; then
	echo "# sleeping until the runner kills this case"
	sleep 100000
fi
modprobe broken mode="$mode"
echo data >/dev/rawrig
modprobe -r broken
echo "ok - broken.ko loaded with mode=$mode, written to and unloaded"
