// SPDX-License-Identifier: GPL-2.0
/*
 * api: name a symbol namespace to import
 * variant: MODULE_IMPORT_NS("string") (6.13+)
 */
#include <linux/module.h>

MODULE_IMPORT_NS("RAW_PROBE_NS");
