# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The QEMU side that the system tier (tests/system/run) and the database
# tier (tests/db/run) share.  Source it.
#
#   sys_qemu_start DIR N KERNEL INITRD
#        sets sys_qemu to the common command line: TCG, 2 CPUs, 2 GiB,
#        the console (ttyS0) in DIR/console-N.log, the guest's output
#        (ttyS1) in DIR/out-N.log, a monitor at DIR/monitor.sock, and
#        DIR/root.img and DIR/payload.img (read-only) as virtio disks
#   sys_disk ID FILE SERIAL
#        adds FILE as a virtio-blk disk with that serial, cache=writeback
#        (flushes reach the host file: Documentation/faults.rst)
#   sys_boot DIR N TIMEOUT HOOK
#        runs sys_qemu; while it runs, calls "HOOK DIR N PID" once a
#        second (HOOK may kill QEMU); kills it after TIMEOUT seconds
#   sys_monitor DIR CMD
#        one QEMU monitor command

sys_qemu_start()
{
	local dir=$1 n=$2 kernel=$3 initrd=$4
	# shellcheck disable=SC2054 # QEMU's own comma-separated options
	sys_qemu=(qemu-system-x86_64 -accel tcg -m 2G -smp 2
		-display none -nodefaults -no-reboot
		-kernel "$kernel" -initrd "$initrd"
		-append "root=/dev/vda rw console=ttyS0,115200 panic=-1 systemd.show_status=0"
		-serial "file:$dir/console-$n.log" -serial "file:$dir/out-$n.log"
		-monitor "unix:$dir/monitor.sock,server,nowait"
		-drive "if=none,id=root,file=$dir/root.img,format=raw,cache=writeback"
		-device virtio-blk-pci,drive=root
		-drive "if=none,id=payload,file=$dir/payload.img,format=raw,readonly=on"
		-device virtio-blk-pci,drive=payload)
}

sys_disk()
{
	# shellcheck disable=SC2054
	sys_qemu+=(-drive "if=none,id=$1,file=$2,format=raw,cache=writeback"
		-device "virtio-blk-pci,drive=$1,serial=$3")
}

sys_monitor()
{
	echo "$2" | socat - "UNIX-CONNECT:$1/monitor.sock" >>"$1/monitor.log" 2>&1
}

sys_boot()
{
	local dir=$1 n=$2 timeout=$3 hook=$4 qpid t
	rm -f "$dir/monitor.sock"
	: >"$dir/out-$n.log"
	"${sys_qemu[@]}" >"$dir/qemu-$n.log" 2>&1 &
	qpid=$!
	t=$SECONDS
	while kill -0 "$qpid" 2>/dev/null; do
		if ((SECONDS - t > timeout)); then
			echo "# boot $n: killed after ${timeout}s"
			kill -9 "$qpid" 2>/dev/null || true
			break
		fi
		"$hook" "$dir" "$n" "$qpid"
		sleep 1
	done
	wait "$qpid" 2>/dev/null || true
	echo "# boot $n: $((SECONDS - t)) s"
}
