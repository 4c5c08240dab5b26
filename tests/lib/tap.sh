# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The TAP lines of every runner and case (POSIX sh: busybox ash in the
# guests, bash on the host both source it).
#
#   ok DESC / not_ok DESC    one result line, counted
#   note TEXT                a "# TEXT" comment
#   check DESC CMD...        ok if CMD succeeds, else not ok
#   result GOOD DESC         ok if GOOD (a number, e.g. $((a == b))) is not 0
#   tap_count FILE           count the ok / not ok lines of FILE (the output
#                            of a guest or of a sub-run, already shown)
#   tap_summary              print "N passed, N failed"; fails if any failed
#   tap_status               succeeds if nothing failed (a case's exit)
#
# The counts are tap_passed and tap_failed.

tap_passed=0
tap_failed=0

ok() { echo "ok - $*"; tap_passed=$((tap_passed + 1)); }
not_ok() { echo "not ok - $*"; tap_failed=$((tap_failed + 1)); }
note() { echo "# $*"; }

check()
{
	tap_desc=$1
	shift
	if "$@"; then ok "$tap_desc"; else not_ok "$tap_desc"; fi
}

result()
{
	tap_good=$1
	shift
	if [ "$tap_good" -ne 0 ]; then ok "$*"; else not_ok "$*"; fi
}

tap_count()
{
	tap_n=$(grep -c '^ok' "$1") || tap_n=0
	tap_passed=$((tap_passed + tap_n))
	tap_n=$(grep -c '^not ok' "$1") || tap_n=0
	tap_failed=$((tap_failed + tap_n))
}

tap_summary()
{
	echo "$tap_passed passed, $tap_failed failed"
	tap_status
}

tap_status() { [ "$tap_failed" -eq 0 ]; }
