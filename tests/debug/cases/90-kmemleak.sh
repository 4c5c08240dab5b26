#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kmemleak, last: everything the suite and the fault cases before this one
# leaked has aged by now. raw is loaded again and exercised (bind, I/O
# from every engine, unbind), so that its symbols resolve, then kmemleak
# scans. A leak whose allocation backtrace goes through raw ("[raw]")
# fails; other suspects are listed as notes (frames of modules unloaded
# since, e.g. an earlier case's raw, show as bare addresses).
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"
# shellcheck source=tests/debug/lib.sh
. "$(dirname "$0")/lib.sh"

km=$D_DBG/kmemleak
[ -e $km ] || t_fatal "no $km (not the debug kernel, or kmemleak=off)"
d_bind_nullb leak
for eng in psync libaio io_uring; do
	d_fio /dev/raw/raw1 $eng randrw 4M || not_ok "$eng randrw hung"
done
rawbind unbind 1 || not_ok "unbind raw1"

# An object must be older than 5 s and unreferenced in two scans.
sleep 6
echo scan >$km
echo scan >$km
report=/tmp/kmemleak.txt
cat $km >$report
total=$(grep -c '^unreferenced object' $report || true)
mine=$(awk '/^unreferenced object/ { n++ } /\[raw\]/ { hit[n] = 1 }
	END { c = 0; for (i in hit) c++; print c }' $report)
note "kmemleak: $total suspected leaks in all"
if [ "$total" -gt 0 ]; then
	grep -E '^unreferenced|\[<' $report | head -n 40 | sed 's/^/# /'
fi
if [ "$mine" -eq 0 ]; then
	ok "kmemleak: no leak allocated through raw"
else
	not_ok "kmemleak: $mine leaks allocated through raw"
fi
t_end
