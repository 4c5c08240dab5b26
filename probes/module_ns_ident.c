// SPDX-License-Identifier: GPL-2.0
/*
 * api: name a symbol namespace to import
 * variant: MODULE_IMPORT_NS(identifier) (to 6.12)
 */
#include <linux/module.h>

MODULE_IMPORT_NS(RAW_PROBE_NS);
