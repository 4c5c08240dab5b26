# SPDX-License-Identifier: GPL-2.0
#
# Outer driver for the out-of-tree build of raw.ko.
#   make                 build against the running kernel
#   make KDIR=<tree>     build against another kernel's build tree
#   make check           the whole suite (see Documentation/testing.rst)

KDIR ?= /lib/modules/$(shell uname -r)/build

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean

.PHONY: all modules clean
