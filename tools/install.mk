# SPDX-License-Identifier: GPL-2.0
#
# make install / make uninstall for the whole package; the top-level
# Makefile includes this file after defining KDIR and its modules target.
#
#   make install [KDIR=<build tree>] [KRELEASE=<release>] [DESTDIR=<staging>]
#
# KRELEASE, not KVER: the rig uses KVER for the short kernel name (6.1).
#
# raw.ko goes to /lib/modules/$(KRELEASE)/updates, so it wins over any in-tree
# module of the same name; depmod runs only for a live install (no
# DESTDIR): a package runs it from its postinst instead.  The tool, man
# page, udev rules, boot unit, bindings file and header come from
# tools/Makefile, which honours the same DESTDIR.

RAW_TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
# The release the modules of KDIR are built for: utsrelease.h, which
# vermagic uses (Debian's 6.1 kernel.release says "6.1.192", not the
# "6.1.0-56-amd64" of /lib/modules).
KRELEASE ?= $(or $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null),$(shell uname -r))
RAW_MODDIR := $(DESTDIR)/lib/modules/$(KRELEASE)/updates

install: install-module install-tools

install-module: modules
	install -D -m 0644 $(RAW_TOP)/raw.ko $(RAW_MODDIR)/raw.ko
	$(if $(DESTDIR),,depmod -a $(KRELEASE))

install-tools:
	$(MAKE) -C $(RAW_TOP)/tools install

uninstall: uninstall-module uninstall-tools

uninstall-module:
	rm -f $(RAW_MODDIR)/raw.ko
	$(if $(DESTDIR),,depmod -a $(KRELEASE))

uninstall-tools:
	$(MAKE) -C $(RAW_TOP)/tools uninstall

.PHONY: install install-module install-tools
.PHONY: uninstall uninstall-module uninstall-tools
