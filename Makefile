# SPDX-License-Identifier: GPL-2.0
#
# Outer driver for the out-of-tree build of raw.ko.
#   make                 build against the running kernel
#   make KDIR=<tree>     build against another kernel's build tree
#                        (extra arguments such as W=1 or C=2 reach kbuild)
#   make check           the whole suite (see Documentation/testing.rst)
# Both first run the feature probes (probes/run) against the tree, which
# write raw_config.h for compat.h; RAW_PROBE_FORCE=name=0 overrides one
# (Documentation/kernels.rst).

KDIR ?= /lib/modules/$(shell uname -r)/build

all: modules

raw-config:
	RAW_PROBE_FORCE='$(RAW_PROBE_FORCE)' bash $(CURDIR)/probes/run '$(KDIR)' '$(CURDIR)'

modules: raw-config
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(CURDIR)/.probes $(CURDIR)/raw_config.h

.PHONY: all raw-config modules clean

# make install / make uninstall (module, raw(8), udev rules, header); not in
# scripts/build-module's copy of the tree, which builds the module only.
-include tools/install.mk

# The test rig (Documentation/testing.rst). Guest kernels by short name:
# the kernel matrix of scripts/lib.sh (make check KVERS=7.3 takes one).
KVERS := 6.1 6.12 6.12-deb13 7.3 7.2
# The version tests of compat.h's behaviour block are its only ones.
CHECKPATCH := .cache/checkpatch/checkpatch.pl --strict --no-tree --quiet \
	--ignore LINUX_VERSION_CODE -f
CHECKPATCH_FILES := $(filter-out raw_config.h,$(wildcard *.c *.h)) \
	$(wildcard include/uapi/*.h probes/*.c) tests/rig/broken.c
RIG_SCRIPTS := scripts/lib.sh scripts/setup scripts/build-module scripts/vm \
	scripts/vm-init scripts/demo scripts/demo-guest tests/run tests/run-guest \
	tests/cuts \
	tests/rig/selftest tests/rig/broken.sh .ci/run scripts/bench \
	scripts/bench-guest scripts/profile tests/lib/pmem.sh \
	scripts/debug-kernel tests/debug/run tests/debug/lib.sh \
	tests/lib/tap.sh tests/lib/rawtool.sh tests/debug/kunit.sh tests/debug/inject-unpin tests/debug/inject-lockorder \
	$(wildcard tests/debug/cases/*.sh) $(wildcard tests/cases/*.sh) \
	tests/lib/guest.sh tests/kunit/build \
	probes/run tests/probe-check \
	scripts/soak $(wildcard tests/soak/*.sh) scripts/deb \
	tests/system/run tests/system/image tests/system/guest \
	tests/system/qemu.sh tests/db/run tests/db/guest
KVER ?= 6.12
CMD ?= /tests/run-guest

setup:
	scripts/setup

# W=1 builds for every kernel of the matrix; any warning fails.
build-check:
	set -e; for k in $(KVERS); do scripts/build-module $$k; done

# sparse over every file of ours (C=2), every kernel; any warning fails.
sparse:
	set -e; for k in $(KVERS); do scripts/build-module $$k C=2; done

checkpatch:
	@out=$$($(CHECKPATCH) $(CHECKPATCH_FILES) 2>&1) || true; \
	if echo "$$out" | grep -qE '^(ERROR|WARNING|CHECK):'; then \
		echo "$$out"; exit 1; fi

shellcheck:
	shellcheck -x $(RIG_SCRIPTS)

test:
	tests/run $(KVERS)

# dkms.conf builds the module for every kernel (host side or in the
# kernel's build root, nothing loaded).
dkms-check:
	tests/dkms-check $(KVERS)

# A probe forced to the wrong answer stops the build with its message.
probe-check:
	tests/probe-check

check:
	$(MAKE) build-check sparse checkpatch shellcheck dkms-check probe-check
	tests/run $(KVERS)

# make vm KVER=6.1 CMD='modprobe raw && ls -l /dev/raw'
vm:
	scripts/vm $(KVER) --virtio 256M --nvme 256M -- '$(CMD)'

demo:
	scripts/demo $(KVER)

rig-selftest:
	tests/rig/selftest $(KVERS)

# raw vs O_DIRECT vs buffered, deterministic (-icount); see
# Documentation/performance.rst.  bench-quick: 4k cases on null_blk only.
bench:
	scripts/bench $(KVERS)

bench-quick:
	BENCH_QUICK=1 BENCH_JOBS=2 scripts/bench $(KVERS)

# Instructions per I/O by function, raw against O_DIRECT (performance.rst).
profile:
	scripts/profile $(KVERS)

# The debug tier (Documentation/debug-tier.rst), opt-in: a KASAN, lockdep,
# kmemleak, fault-injection and KUnit kernel from Debian's linux-source,
# and the suite, fault injection and KUnit under it. make vm KVER=debug
# boots it too.
debug-kernel:
	scripts/debug-kernel

check-debug: debug-kernel
	tests/debug/run

# fio verify through rawN for RAW_SOAK_MINUTES (default 10) minutes, every
# engine at once, the kernels side by side (opt-in; Documentation/faults.rst).
soak:
	scripts/soak $(KVERS)

.PHONY: setup build-check sparse checkpatch shellcheck test check vm demo \
	rig-selftest bench bench-quick profile debug-kernel check-debug dkms-check soak \
	probe-check

# The Debian packages raw-dkms and raw-utils, built by dpkg-buildpackage
# from a clean copy of the tree into build/deb/, lintian clean
# (Documentation/admin-guide.rst, "Debian packages").
deb:
	scripts/deb

.PHONY: deb

# The system tier (Documentation/testing.rst, "The system tier"), opt-in:
# real Debian roots (trixie, then bookworm) in QEMU install make deb's
# packages with apt; DKMS, autoloading, udev, bindings at boot and on
# hotplug, reboots, trixie's kernel upgrade, purge.  SYSTEM_SUITES takes
# a subset; check-system-broken shows that a wrong udev mode or a failing
# unit fails it.
SYSTEM_SUITES ?= trixie bookworm
check-system:
	tests/system/run $(SYSTEM_SUITES)

# Each broken package must fail the tier at its own check (udev's mode
# of raw1; the unit's result), not merely somewhere.
check-system-broken:
	mkdir -p logs
	! tests/system/run --break mode bookworm >logs/system-broken-mode.log 2>&1
	grep '^not ok - .*udev: /dev/raw/raw1 is root:disk 0660' logs/system-broken-mode.log
	! tests/system/run --break unit bookworm >logs/system-broken-unit.log 2>&1
	grep '^not ok - .*raw-bindings.service ran and succeeded' logs/system-broken-unit.log

.PHONY: check-system check-system-broken

# The database tier (Documentation/databases.rst), opt-in: MariaDB's
# InnoDB on /dev/raw/raw1 in the trixie system guest, under sysbench, a
# restart, hard QEMU kills during the load, raw against the block device.
check-db:
	tests/db/run

# A raw whose fsync does not flush must fail the tier at the flush check,
# and at no other.
check-db-broken:
	mkdir -p logs
	! tests/db/run --break flush >logs/db-broken.log 2>&1
	grep '^not ok - the fsyncs on raw1 reach its disk as flushes' logs/db-broken.log
	test "$$(grep -c '^not ok - ' logs/db-broken.log)" = 1

.PHONY: check-db check-db-broken
