# SPDX-License-Identifier: GPL-2.0
#
# make install / make uninstall for the whole package; the top-level
# Makefile includes this file after defining KDIR and its modules target.
#
#   make install [KDIR=<build tree>] [KVER=<release>] [DESTDIR=<staging>]
#
# raw.ko goes to /lib/modules/$(KVER)/updates, so it wins over any in-tree
# module of the same name; depmod runs only for a live install (no
# DESTDIR): a package runs it from its postinst instead.  The tool, man
# page, udev rules, boot unit, bindings file and header come from
# tools/Makefile, which honours the same DESTDIR.

RAW_TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
KVER ?= $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null || uname -r)
RAW_MODDIR := $(DESTDIR)/lib/modules/$(KVER)/updates

install: install-module install-tools

install-module: modules
	install -D -m 0644 $(RAW_TOP)/raw.ko $(RAW_MODDIR)/raw.ko
	$(if $(DESTDIR),,depmod -a $(KVER))

install-tools:
	$(MAKE) -C $(RAW_TOP)/tools install

uninstall: uninstall-module uninstall-tools

uninstall-module:
	rm -f $(RAW_MODDIR)/raw.ko
	$(if $(DESTDIR),,depmod -a $(KVER))

uninstall-tools:
	$(MAKE) -C $(RAW_TOP)/tools uninstall

.PHONY: install install-module install-tools
.PHONY: uninstall uninstall-module uninstall-tools
