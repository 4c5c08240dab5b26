// SPDX-License-Identifier: GPL-2.0
/*
 * api: name the device nodes of a class
 * variant: devnode(const struct device *, umode_t *) (6.2+)
 */
#include <linux/device.h>

static char *raw_probe_devnode(const struct device *dev, umode_t *mode)
{
	return NULL;
}

static struct class raw_probe_class __maybe_unused = {
	.name = "raw_probe",
	.devnode = raw_probe_devnode,
};
