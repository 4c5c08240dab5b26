// SPDX-License-Identifier: GPL-2.0
/*
 * A deliberately broken module for the rig's self-test: it proves that the
 * guest-side checks of tests/run-guest catch what they claim to catch.
 *
 * mode=clean  load quietly; a write to /dev/rawrig pins and unpins the page
 *             under the user's buffer (the control run: must pass).
 * mode=warn   WARN() once at load: the dmesg and taint checks must fail.
 * mode=pin    a write to /dev/rawrig pins the page under the user's buffer
 *             and never releases it: the page pin check must fail.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/string.h>

static char *rig_mode = "clean";
module_param_named(mode, rig_mode, charp, 0444);
MODULE_PARM_DESC(mode, "clean, warn or pin (see the comment in broken.c)");

static ssize_t rig_write(struct file *file, const char __user *buf,
			 size_t count, loff_t *ppos)
{
	struct page *page;
	int ret;

	if (!count)
		return 0;
	ret = pin_user_pages_fast((unsigned long)buf, 1, 0, &page);
	if (ret != 1)
		return ret < 0 ? ret : -EFAULT;
	if (strcmp(rig_mode, "pin"))
		unpin_user_page(page);
	return count;
}

static const struct file_operations rig_fops = {
	.owner = THIS_MODULE,
	.write = rig_write,
};

static struct miscdevice rig_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "rawrig",
	.fops = &rig_fops,
};

static int __init rig_init(void)
{
	if (strcmp(rig_mode, "clean") && strcmp(rig_mode, "warn") &&
	    strcmp(rig_mode, "pin"))
		return -EINVAL;
	WARN(!strcmp(rig_mode, "warn"), "rig self-test: deliberate warning\n");
	return misc_register(&rig_misc);
}

static void __exit rig_exit(void)
{
	misc_deregister(&rig_misc);
}

module_init(rig_init);
module_exit(rig_exit);
MODULE_DESCRIPTION("Deliberately broken module for the raw test rig self-test");
MODULE_LICENSE("GPL");
