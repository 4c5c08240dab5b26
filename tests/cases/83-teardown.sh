#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Teardown with rawN I/O in flight (tests/teardown.c): a process SIGKILLed
# with 256 libaio or io_uring requests (interrupt-driven and IOPOLL) or with
# four threads in large synchronous reads and writes, and io_uring rings
# closed with 256 requests outstanding. Each must leave no page pin held, no
# task stuck (the killed child is reaped; the hung-task detector runs with a
# 10 s timeout meanwhile and the runner checks dmesg), and a minor that
# unbinds; at the end raw unloads. null_blk completes each I/O after 500 ms
# (irqmode=2) so that the requests are still in flight; its poll queue and
# the rig's NVMe poll queues serve the IOPOLL rings.
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"

hung=/proc/sys/kernel/hung_task_timeout_secs
hung_old=$(t_cat $hung)
[ -z "$hung_old" ] || echo 10 >$hung

# unbind_wait MINOR: unbind, retrying for 5 s while the minor is still open.
unbind_wait()
{
	u_i=0
	until rawbind unbind "$1" 2>/dev/null; do
		u_i=$((u_i + 1))
		[ "$u_i" -lt 50 ] || return 1
		sleep 0.1
	done
}

# teardown_on BLOCKDEV MINOR MODE...
teardown_on()
{
	d_dev=$1 d_minor=$2
	shift 2
	for d_mode in "$@"; do
		rawbind bind "$d_minor" "$d_dev" ||
			t_fatal "bind raw$d_minor to $d_dev"
		t_prog teardown "$d_mode" "/dev/raw/raw$d_minor"
		if unbind_wait "$d_minor"; then
			ok "$d_mode on $d_dev: raw$d_minor unbinds afterwards"
		else
			not_ok "$d_mode on $d_dev: raw$d_minor unbinds afterwards"
		fi
	done
}

raw_load
slow=$(nullb_create slow 96 irqmode=2 completion_nsec=500000000 \
	poll_queues=1 hw_queue_depth=1024) || t_fatal "create null_blk slow"
teardown_on "$slow" 1 aio uring uring-poll sync ring-close ring-close-poll
nullb_remove slow
if t_disk /dev/nvme0n1; then
	teardown_on /dev/nvme0n1 2 uring-poll ring-close-poll
fi

[ -z "$hung_old" ] || echo "$hung_old" >$hung
t_end
