#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rawN over NVMe/TCP, in one guest: an nvmet target (configfs) exports a
# memory-backed null_blk as namespace 1 of one subsystem through two TCP
# ports, 10.99.1.1:4420 and 10.99.2.1:4420; the guest's own nvme-tcp host
# connects to them by writing its option string to /dev/nvme-fabrics,
# and /dev/raw/raw1 is bound to the subsystem's multipath head
# (/dev/nvmeXnY: Debian's nvme_core has multipath on).
# The target's ports listen in a network namespace of their own (nvmet
# opens a port's socket in the namespace of whoever enables it), behind
# two veth pairs: host rawv0 10.99.1.2 - veth0 10.99.1.1 target, rawv1
# 10.99.2.2 - veth1 10.99.2.1. So each path's packets really cross a link,
# and "ip link set rawvN down" cuts it like a pulled cable. (Addresses of
# the host's own namespace would all talk over loopback: taking their
# interface down stops no packet, as a first version of this case saw.
# busybox's tc has no netem.)
#
#   1. One path, default settings: fio verify through raw1 with psync,
#      libaio and io_uring. Not polled: nvme-tcp has poll queues
#      (nr_poll_queues=), but its poll takes the socket lock, which may
#      sleep, and io_uring's iopoll calls it under rcu_read_lock(): the
#      kernel's own O_DIRECT on the namespace prints "WARNING: Voluntary
#      context switch within RCU read-side critical section" on 6.1,
#      6.12 and 7.3, with raw not loaded (Documentation/networked.rst).
#   2. Mid-fio, the path's link is cut for 15 s (more than the 5 s
#      keep-alive timeout), then the target's port is removed for 8 s:
#      the controller leaves "live" (its keep-alive times out, or the
#      target hangs up), tries again every reconnect_delay (10 s) and is
#      "live" again. fio ends only once the I/O caught in the fault has
#      completed: with no error and every byte it wrote checked.
#   3. ctrl_loss_tmo=0, the link dropped, then (connected again) the port
#      removed: the host gives up at once and deletes the controller and
#      the head; fio's I/O fails with EIO within seconds, raw1 closes,
#      opening it again gives ENXIO, and it unbinds.
#   4. Both paths: the first path's link goes down mid-fio: fio goes on
#      over the other path with no error and every byte checked; the
#      path comes back "live" once the link is up.
#
# The runner checks that every page pin came back and dmesg has no
# report.
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

nqn=nqn.2026-12.org.raw:tcp
cfg=/sys/kernel/config/nvmet
sub=$cfg/subsystems/$nqn
addr_a=10.99.1.1 addr_b=10.99.2.1
linkdown=15 portdown=8
log=/tmp/nvme-tcp-fio.log
bytes=0 faults=0 ns_pid=''

# tgt CMD...: run CMD in the target's network namespace.
tgt() { nsenter -t "$ns_pid" -n "$@"; }

# tcp_teardown: unbind raw, delete the host's controllers of $nqn, take
# the target apart, unload the drivers.
tcp_teardown()
{
	raw_unload 2>/dev/null
	for c in /sys/class/nvme/nvme*; do
		[ "$(t_cat "$c/subsysnqn")" != "$nqn" ] ||
			echo 1 >"$c/delete_controller" 2>/dev/null
	done
	for p in "$cfg"/ports/*; do
		[ -d "$p" ] || continue
		rm -f "$p/subsystems/$nqn"
		rmdir "$p"
	done
	if [ -d "$sub" ]; then
		echo 0 >"$sub/namespaces/1/enable" 2>/dev/null
		rmdir "$sub/namespaces/1" "$sub"
	fi
	[ -z "$ns_pid" ] || kill "$ns_pid" 2>/dev/null
	rmmod nvme_tcp nvmet_tcp nvmet nvme_fabrics 2>/dev/null
	:
}
trap 'tcp_teardown; t_cleanup' EXIT

# port_add N ADDR: target port N listening on ADDR:4420, exporting $nqn.
port_add()
{
	mkdir "$cfg/ports/$1" &&
		echo tcp >"$cfg/ports/$1/addr_trtype" &&
		echo ipv4 >"$cfg/ports/$1/addr_adrfam" &&
		echo "$2" >"$cfg/ports/$1/addr_traddr" &&
		echo 4420 >"$cfg/ports/$1/addr_trsvcid" &&
		port_on "$1"
}
# In the target's namespace: enabling the port opens its socket.
port_on() { tgt ln -s "$sub" "$cfg/ports/$1/subsystems/$nqn"; }
port_off() { rm "$cfg/ports/$1/subsystems/$nqn"; }

# ctrl_of ADDR: the host's controller (nvmeN) of $nqn at ADDR, if any.
ctrl_of()
{
	for c in /sys/class/nvme/nvme*; do
		[ "$(t_cat "$c/subsysnqn")" = "$nqn" ] || continue
		case $(t_cat "$c/address") in
		traddr="$1",*) echo "${c##*/}"; return 0 ;;
		esac
	done
	return 1
}

# connect ADDR [,OPTS]: connect to $nqn at ADDR; prints the controller.
connect()
{
	echo "transport=tcp,traddr=$1,trsvcid=4420,nqn=$nqn$2" \
		>/dev/nvme-fabrics || return 1
	ctrl_of "$1"
}

# head_disk: wait up to 10 s for the multipath head of $nqn; prints its
# /dev path.
head_disk()
{
	h_i=0
	while [ $h_i -lt 100 ]; do
		for s in /sys/class/nvme-subsystem/*; do
			[ "$(t_cat "$s/subsysnqn")" = "$nqn" ] || continue
			for b in "$s"/nvme*n*; do
				b=${b##*/}
				case $b in
				*c*) ;;
				*) [ -b "/dev/$b" ] && echo "/dev/$b" && return 0 ;;
				esac
			done
		done
		h_i=$((h_i + 1))
		sleep 0.1
	done
	return 1
}

# wait_state CTRL STATE SECS: CTRL's state becomes STATE within SECS s.
# shellcheck disable=SC2317 # called through check
wait_state()
{
	w_i=$(($3 * 10))
	while [ "$(t_cat "/sys/class/nvme/$1/state")" != "$2" ]; do
		[ "$w_i" -gt 0 ] || return 1
		w_i=$((w_i - 1))
		sleep 0.1
	done
}

# wait_gone CTRL SECS: CTRL is deleted within SECS s.
# shellcheck disable=SC2317 # called through check
wait_gone()
{
	w_i=$(($2 * 10))
	while [ -e "/sys/class/nvme/$1" ]; do
		[ "$w_i" -gt 0 ] || return 1
		w_i=$((w_i - 1))
		sleep 0.1
	done
}

# fio_start SECS [JOB...]: fio verify through raw1 in the background for
# SECS s, each job writing at random and checking what it wrote as it
# goes in a 16 MiB region of its own; JOB is psync, libaio or uring.
fio_start()
{
	f_secs=$1 f_jobs='' f_off=0
	shift
	for j in "$@"; do
		case $j in
		psync) f_e='--ioengine=psync' ;;
		libaio) f_e='--ioengine=libaio --iodepth=16' ;;
		uring) f_e='--ioengine=io_uring --iodepth=16' ;;
		esac
		f_jobs="$f_jobs --name=$j $f_e --offset=${f_off}M --filesize=$((f_off + 16))M"
		f_off=$((f_off + 16))
	done
	# shellcheck disable=SC2086 # the job options are a list
	fio --filename=/dev/raw/raw1 --direct=1 --rw=randwrite --bs=4k \
		--iomem_align=4096 --verify=crc32c --verify_backlog=16 \
		--verify_fatal=1 --serialize_overlap=1 --time_based \
		--runtime="$f_secs" --output-format=terse $f_jobs >$log 2>&1 &
	fio_pid=$!
	f_base=$(t_cat /sys/class/raw/raw1/write_bytes)
}

# fio_io: wait (60 s at most) until fio's writes reach raw1, so that a
# fault comes during its I/O and not before it opened the device (fio's
# setup can take seconds on a loaded host).
fio_io()
{
	f_t=0
	while [ "$(t_cat /sys/class/raw/raw1/write_bytes)" -lt \
		$((${f_base:-0} + 1048576)) ]; do
		kill -0 $fio_pid 2>/dev/null || break
		f_t=$((f_t + 1))
		[ $f_t -lt 300 ] || { note "fio wrote no 1 MiB in 60 s"; break; }
		sleep 0.2
	done
	sleep 1
}

# fio_end DESC N: fio ends within 120 s, with status 0 and N jobs that
# each wrote and checked something with no error.
fio_end()
{
	t_wait_pid $fio_pid 120
	f_rc=$?
	if [ $f_rc -eq 0 ]; then
		ok "$1: fio ends with status 0"
	else
		not_ok "$1: fio ends with status 0 (status $f_rc)"
		sed -n '1,10p' $log | sed 's/^/# /'
	fi
	# terse v3: field 3 the job's name, 5 its error, 47 KiB written
	awk -F';' '/^3;/ { print $3, $5, $47 }' $log >/tmp/nvme-tcp-jobs
	while read -r job err kb; do
		check "$1: $job: no error, wrote and checked $kb KiB" \
			test "$err" = 0 -a "${kb:-0}" -gt 0
		bytes=$((bytes + ${kb:-0} * 1024))
	done </tmp/nvme-tcp-jobs
	check "$1: fio reported $2 jobs" test "$(wc -l </tmp/nvme-tcp-jobs)" = "$2"
}

# fio_fails DESC ERRNO: fio ends within 60 s of the fault with its I/O
# failed with ERRNO (fio's own error field).
fio_fails()
{
	t_wait_pid $fio_pid 60
	f_rc=$?
	f_err=$(awk -F';' '/^3;/ { print $5; exit }' $log)
	note "$1: fio status $f_rc, error ${f_err:-none}, $(since_s "$fault_t0") s after the fault"
	grep -m 1 'error' $log | sed 's/^/# /'
	check "$1: fio's I/O fails with errno $2" test "$f_rc" -ne 0 -a \
		"$f_rc" -ne 124 -a "${f_err:-0}" = "$2"
}

now_s() { cut -d ' ' -f 1 /proc/uptime; }
since_s() { echo "$(now_s) $1" | awk '{ printf "%.1f", $1 - $2 }'; }

# fault_link IFACE SECS: IFACE down for SECS s (in the background:
# fault_pid; fault_t0 when it began).
fault_link()
{
	fault_t0=$(now_s)
	faults=$((faults + 1))
	{
		ip link set "$1" down || not_ok "ip link set $1 down"
		sleep "$2"
		ip link set "$1" up || not_ok "ip link set $1 up"
	} &
	fault_pid=$!
}

# fault_port N SECS: target port N off for SECS s, in the background.
fault_port()
{
	fault_t0=$(now_s)
	faults=$((faults + 1))
	{
		port_off "$1" || not_ok "remove port $1"
		sleep "$2"
		port_on "$1" || not_ok "restore port $1"
	} &
	fault_pid=$!
}

# fault_watch CTRL [OTHER]: wait for the fault to end; seen, the states
# other than "live" CTRL went through meanwhile; other, those OTHER went
# through.
fault_watch()
{
	seen='' other=''
	while kill -0 "$fault_pid" 2>/dev/null; do
		seen=$(states_add "$seen" "$1")
		[ -z "$2" ] || other=$(states_add "$other" "$2")
		sleep 0.2
	done
	wait "$fault_pid"
}

# states_add LIST CTRL: LIST, with CTRL's state added if not "live" and
# not in it yet.
states_add()
{
	s_st=$(t_cat "/sys/class/nvme/$2/state")
	case " $1 " in
	*" $s_st "*) echo "$1" ;;
	*) [ "$s_st" = live ] && echo "$1" || echo "${1:+$1 }$s_st" ;;
	esac
}

# bind_head: bind raw1 to $nqn's head disk; prints it.
bind_head()
{
	b_dev=$(head_disk) || return 1
	rawbind bind 1 "$b_dev" >/dev/null || return 1
	echo "$b_dev"
}

# --- set-up
for m in nvme_tcp nvmet_tcp veth; do
	if ! modprobe $m; then
		ok "96-nvme-tcp # SKIP $(uname -r) has no $m"
		t_end
	fi
done
unshare -n sleep 100000 &
ns_pid=$!
sleep 0.5
tgt ip link set lo up || t_fatal "the target's network namespace"
# busybox's ip cannot name the peer: the kernel calls them veth0, veth1
if ! ip link add rawv0 type veth || ! ip link add rawv1 type veth; then
	t_fatal "veth pairs"
fi
for i in 0 1; do
	if ! ip link set veth$i netns $ns_pid ||
		! ip addr add 10.99.$((i + 1)).2/24 dev rawv$i ||
		! ip link set rawv$i up ||
		! tgt ip addr add 10.99.$((i + 1)).1/24 dev veth$i ||
		! tgt ip link set veth$i up; then
		t_fatal "veth pair rawv$i - veth$i"
	fi
done
raw_load
dev=$(nullb_create tcp 128) || t_fatal "create null_blk tcp"
if ! { mkdir "$sub" && echo 1 >"$sub/attr_allow_any_host" &&
	mkdir "$sub/namespaces/1" &&
	echo "$dev" >"$sub/namespaces/1/device_path" &&
	echo 1 >"$sub/namespaces/1/enable"; }; then
	t_fatal "nvmet subsystem on $dev"
fi
port_add 1 $addr_a || t_fatal "nvmet port 1"
port_add 2 $addr_b || t_fatal "nvmet port 2"

# --- 1. one path, every engine
ca=$(connect $addr_a) || t_fatal "connect to $addr_a"
disk=$(bind_head) || t_fatal "bind raw1 to the head of $ca"
ok "raw1 bound to $disk, path $ca ($(t_cat /sys/class/nvme/"$ca"/address))"
fio_start 8 psync libaio uring
fio_end "one path" 3

# --- 2. faults with the default reconnect settings
fio_start $((linkdown + 10)) psync libaio uring
fio_io
fault_link rawv0 $linkdown
fault_watch "$ca"
check "link down: $ca left live ($seen)" test -n "$seen"
check "link down: $ca live again within 30 s" wait_state "$ca" live 30
note "link down: $ca live $(since_s "$fault_t0") s after the link went down"
fio_end "link down $linkdown s" 3

fio_start $((portdown + 8)) psync libaio uring
fio_io
fault_port 1 $portdown
fault_watch "$ca"
check "port removed: $ca left live ($seen)" test -n "$seen"
check "port removed: $ca live again within 30 s" wait_state "$ca" live 30
note "port removed: $ca live $(since_s "$fault_t0") s after the port went"
fio_end "port removed $portdown s" 3
rawbind unbind 1 || not_ok "unbind raw1"
echo 1 >/sys/class/nvme/"$ca"/delete_controller || not_ok "delete $ca"

# --- 3. ctrl_loss_tmo=0: the I/O fails
for fault in link port; do
	ca=$(connect $addr_a ,ctrl_loss_tmo=0) ||
		t_fatal "connect to $addr_a with ctrl_loss_tmo=0"
	disk=$(bind_head) || t_fatal "bind raw1 to the head of $ca"
	fio_start 60 psync
	fio_io
	if [ $fault = link ]; then
		fault_link rawv0 $linkdown
	else
		fault_port 1 $portdown
	fi
	fio_fails "ctrl_loss_tmo=0, $fault" 5
	wait "$fault_pid"
	check "ctrl_loss_tmo=0, $fault: $ca deleted" wait_gone "$ca" 30
	check_rc "ctrl_loss_tmo=0, $fault: opening raw1 again gives ENXIO" 6 \
		rawbind open 1
	check_rc "ctrl_loss_tmo=0, $fault: raw1 unbinds" 0 rawbind unbind 1
done

# --- 4. two paths, one fails
ca=$(connect $addr_a) || t_fatal "connect to $addr_a"
cb=$(connect $addr_b) || t_fatal "connect to $addr_b"
disk=$(bind_head) || t_fatal "bind raw1 to the head of $ca and $cb"
# nvmeSnN, the head; nvmeScCnN, its path through controller nvmeC
h=${disk#/dev/}
check "$ca and $cb are paths of $disk" \
	test -e "/sys/class/nvme/$ca/${h%n*}c${ca#nvme}n${h##*n}" -a \
	-e "/sys/class/nvme/$cb/${h%n*}c${cb#nvme}n${h##*n}"
# Round-robin (the head's device is its subsystem), so that both paths
# carry I/O when the fault comes.
echo round-robin >"/sys/block/$h/device/iopolicy" ||
	not_ok "iopolicy round-robin"
fio_start $((linkdown + 8)) psync libaio uring
fio_io
fault_link rawv0 $linkdown
fault_watch "$ca" "$cb"
check "multipath: $ca left live ($seen)" test -n "$seen"
check "multipath: $cb stayed live (${other:-live})" test -z "$other"
fio_end "multipath, one path down $linkdown s" 3
check "multipath: $ca live again within 30 s" wait_state "$ca" live 30
note "multipath: $ca live $(since_s "$fault_t0") s after the link went down"

note "figure: faults_injected $faults"
note "figure: bytes_verified $bytes"
tcp_teardown
t_end
