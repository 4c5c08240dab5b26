#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rawN I/O under memory pressure (tests/mem_io.c, tests/mem_hog.c), on the
# rig's NVMe disk, data checked:
# 1. alone in a cgroup v2 with a tight memory.max: the page cache must not
#    grow (raw bypasses it), in the cgroup's memory.stat or /proc/meminfo;
# 2. in that cgroup beside a buffered reader that keeps it at its limit
#    (the cgroup reclaims the reader's page cache to charge raw's fresh
#    buffers), while outside it another buffered reader fills the rest of
#    memory and mem_hog holds most of what is left, replacing 32 MiB
#    of it at a time, with and without huge pages: reclaim and compaction
#    throughout.
# The guest has no swap: the readers' clean page cache (two null_blk
# disks without backing memory) is what reclaim can take.  The case
# asserts that reclaim really ran (pgscan/pgsteal, memory.events) and that
# nothing was OOM killed.  15 s of raw I/O under full pressure; 120 s
# with RAW_LONG=1.
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

secs=15
grep -qw RAW_LONG=1 /proc/cmdline && secs=120
cg=/sys/fs/cgroup
io=$cg/raw-io
stop=/tmp/mem-io.stop
log=/tmp/mem-io.log

vmstat() { awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat; }
# sum of the /proc/vmstat counters whose names start with $1
vmsum() { awk -v k="$1" 'index($1, k) == 1 { s += $2 } END { print s + 0 }' /proc/vmstat; }
meminfo() { awk -v k="$1:" '$1 == k { print $2 * 1024 }' /proc/meminfo; }
# key $1 of the flat-keyed cgroup file $2
cgkey() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }

# in_cg CGROUP CMD...: run CMD inside the cgroup CGROUP.
in_cg()
{
	# shellcheck disable=SC2016 # expanded by the inner sh
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$@"
}

# reader DEV: buffered reads of DEV, 64 MiB at a time, until $stop exists.
reader()
{
	# shellcheck disable=SC2016 # expanded by the inner sh
	echo 'i=0; while [ ! -e '"$stop"' ]; do
		dd if='"$1"' of=/dev/null bs=1M count=64 skip=$((i * 64)) 2>/dev/null
		i=$(((i + 1) % 32)); done'
}

mem_cleanup()
{
	touch $stop
	wait
	[ ! -d $io ] || rmdir $io
	t_cleanup
	rm -f $stop
}
trap mem_cleanup EXIT

if ! grep -qw cgroup2 /proc/filesystems; then
	# The debug tier's kernel has no cgroups.
	ok "94-mem-io # SKIP $(uname -r) has no cgroup2: no memory limit to set"
	t_end
fi
grep -q "^[^ ]* $cg cgroup2 " /proc/mounts ||
	mount -t cgroup2 none $cg || t_fatal "mount cgroup2 on $cg"
echo +memory >$cg/cgroup.subtree_control || t_fatal "enable the memory controller"
mkdir $io || t_fatal "mkdir $io"
{ echo 64M >$io/memory.max && echo 56M >$io/memory.high; } ||
	t_fatal "set memory.max and memory.high of $io"
note "cgroup $io: memory.max $(t_cat $io/memory.max), memory.high $(t_cat $io/memory.high)"

raw_load
t_disk /dev/nvme0n1 || t_fatal "no NVMe disk"
c1=$(nullb_create c1 2048 memory_backed=0) || t_fatal "create null_blk c1"
c2=$(nullb_create c2 2048 memory_backed=0) || t_fatal "create null_blk c2"

# 1. raw I/O alone in the cgroup: no page cache
file0=$(cgkey file $io/memory.stat) cached0=$(meminfo Cached)
in_cg $io mem_io -s 4 -j 2 /dev/nvme0n1 >$log 2>&1
rc=$?
cat $log
[ $rc -eq 0 ] || not_ok "mem_io alone in $io exited with status $rc"
moved=$(sed -n 's/^# figure: bytes_verified //p' $log)
dfile=$(($(cgkey file $io/memory.stat) - file0))
dcached=$(($(meminfo Cached) - cached0))
note "raw moved $((${moved:-0} * 2)) bytes; the cgroup's file pages grew by $dfile bytes, Cached by $dcached"
check "raw I/O in a cgroup adds no page cache to it (file +$dfile bytes)" \
	test "${moved:-0}" -gt 0 -a "$dfile" -lt $((1 << 20))
check "nor to the system's (Cached +$dcached bytes for $((${moved:-0} * 2)) moved)" \
	test "$dcached" -lt $((8 << 20))

# 2. the same beside readers and the hog
avail=$(meminfo MemAvailable)
hog=$(((avail >> 20) * 2 / 3))
note "MemAvailable $((avail >> 20)) MiB: mem_hog takes $hog MiB"
scan0=$(vmsum pgscan_) steal0=$(vmsum pgsteal_) comp0=$(vmsum compact_stall)
thp0=$(vmstat thp_fault_alloc) thpf0=$(vmstat thp_fault_fallback)
high0=$(cgkey high $io/memory.events) max0=$(cgkey max $io/memory.events)
oom0=$(cgkey oom_kill $io/memory.events)
dlines=$(dmesg | wc -l)

in_cg $io sh -c "$(reader "$c1")" &
sh -c "$(reader "$c2")" &
(echo 1000 >/proc/self/oom_score_adj && exec mem_hog -s $((secs + 2)) $hog) \
	>/tmp/mem-io.hog 2>&1 &
hogpid=$!
# full pressure from when the hog holds its memory
for _ in $(seq 120); do
	grep -q '^# mem_hog: filled' /tmp/mem-io.hog && break
	kill -0 $hogpid 2>/dev/null || break
	sleep 1
done
grep -q '^# mem_hog: filled' /tmp/mem-io.hog || not_ok "mem_hog filled its memory"
in_cg $io mem_io -s $secs -j 3 /dev/nvme0n1 >$log 2>&1
rc=$?
cat $log
[ $rc -eq 0 ] || not_ok "mem_io under pressure exited with status $rc"
wait $hogpid
hogrc=$?
cat /tmp/mem-io.hog
touch $stop
wait

dscan=$(($(vmsum pgscan_) - scan0)) dsteal=$(($(vmsum pgsteal_) - steal0))
dhigh=$(($(cgkey high $io/memory.events) - high0))
dmax=$(($(cgkey max $io/memory.events) - max0))
doom=$(($(cgkey oom_kill $io/memory.events) - oom0))
note "pressure: pgscan +$dscan, pgsteal +$dsteal, compact_stall +$(($(vmsum compact_stall) - comp0)), thp_fault_alloc +$(($(vmstat thp_fault_alloc) - thp0)), thp_fault_fallback +$(($(vmstat thp_fault_fallback) - thpf0))"
note "$io: memory.events high +$dhigh, max +$dmax, oom_kill +$doom; memory.peak $(t_cat $io/memory.peak)"
check "mem_hog ran its $secs s without being killed (status $hogrc)" test $hogrc -eq 0
check "reclaim ran (pgscan +$dscan, pgsteal +$dsteal)" \
	test "$dscan" -gt 0 -a "$dsteal" -gt 0
check "the cgroup met its limits (high +$dhigh, max +$dmax)" \
	test $((dhigh + dmax)) -gt 0
ooms=$(dmesg | tail -n "+$((dlines + 1))" | grep -c 'invoked oom-killer')
check "nothing was OOM killed (cgroup oom_kill +$doom, $ooms in dmesg)" \
	test "$doom" -eq 0 -a "$ooms" -eq 0

trap - EXIT
mem_cleanup
t_end
