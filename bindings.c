// SPDX-License-Identifier: GPL-2.0
/*
 * Raw minors bound to block devices
 *
 * The control device /dev/raw/rawctl (char 162:0) binds raw minor N to a
 * block device with RAW_SETBIND and reports the binding with RAW_GETBIND,
 * the ABI of glibc's <sys/raw.h>.  /dev/raw/rawN and /sys/class/raw/rawN
 * exist while N is bound.  Each binding holds a reference on this module,
 * so the module cannot go away while any minor is bound.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cdev.h>
#include <linux/compat.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <kunit/visibility.h>

#include "include/uapi/raw.h"
#include "dax.h"
#include "raw.h"

#define RAW_MAX_MINORS_LIMIT	65536

static unsigned int max_raw_minors = 256;

VISIBLE_IF_KUNIT int raw_max_minors_set(const char *val,
					const struct kernel_param *kp)
{
	unsigned int n;
	int ret;

	ret = kstrtouint(val, 0, &n);
	if (ret)
		return ret;
	if (n < 1 || n > RAW_MAX_MINORS_LIMIT) {
		pr_err("max_raw_minors=%u is outside 1..%u\n", n,
		       RAW_MAX_MINORS_LIMIT);
		return -EINVAL;
	}
	return param_set_uint(val, kp);
}
EXPORT_SYMBOL_IF_KUNIT(raw_max_minors_set);

static const struct kernel_param_ops raw_max_minors_ops = {
	.set = raw_max_minors_set,
	.get = param_get_uint,
};

module_param_cb(max_raw_minors, &raw_max_minors_ops, &max_raw_minors, 0444);
MODULE_PARM_DESC(max_raw_minors,
		 "Number of raw minors, the control device included (1..65536, default 256)");

/*
 * struct raw_minor - one raw minor
 * @bdev_dev: the block device it is bound to, 0 when unbound
 * @opens:    files open on it; it cannot be rebound while this is non-zero
 * @dev:      its class device (/sys/class/raw/rawN, /dev/raw/rawN) while bound
 * @stats:    its I/O counters while bound
 * @dax:      the DAX device of the bound device while @opens is non-zero
 * @dax_allow: the DAX path may serve I/O (sysfs "dax"), set at bind
 *
 * All fields are protected by raw_mutex.  While a file is open on the minor,
 * @bdev_dev, @dev and @stats do not change, so the I/O path reads them
 * without the mutex.  The sysfs attributes must not take the mutex (unbind
 * holds it while removing them): they read @bdev_dev, @opens and @dax with
 * READ_ONCE(), @stats lives as long as the attributes do, and @dax_allow
 * is theirs to write (with WRITE_ONCE()).
 */
struct raw_minor {
	dev_t bdev_dev;
	unsigned int opens;
	struct device *dev;
	struct raw_stats __percpu *stats;
	struct raw_dax dax;
	bool dax_allow;
};

/* Protects raw_minors[] and every field of every entry. */
static DEFINE_MUTEX(raw_mutex);
static struct raw_minor *raw_minors;

/*
 * The holder of the exclusive claim on bound block devices.  All raw minors
 * share it, so a device can be open through several minors and files at
 * once, but not mounted or claimed by anyone else meanwhile.
 */
static const char raw_holder[] = "raw";

static dev_t raw_devt;
static struct cdev raw_ctl_cdev;
static struct cdev raw_io_cdev;

static char *raw_devnode(RAW_DEVNODE_CONST struct device *dev, umode_t *mode)
{
	return kasprintf(GFP_KERNEL, "raw/%s", dev_name(dev));
}

static const struct attribute_group *raw_minor_groups[];

static struct class raw_class = {
	.name = "raw",
	.devnode = raw_devnode,
};

struct raw_minor *raw_minor_open(unsigned int minor, bool write,
				 struct raw_bdev *rb)
{
	struct raw_minor *m;
	int ret;

	if (minor < 1 || minor >= max_raw_minors)
		return ERR_PTR(-ENXIO);

	mutex_lock(&raw_mutex);
	m = &raw_minors[minor];
	ret = -ENXIO;
	if (!m->bdev_dev)
		goto out_unlock;
	ret = raw_bdev_open(rb, m->bdev_dev, write, (void *)raw_holder);
	if (ret)
		goto out_unlock;
	if (write && bdev_read_only(rb->bdev)) {
		raw_bdev_release(rb);
		ret = -EROFS;
		goto out_unlock;
	}
	/* The DAX holder goes with the claim: first open to last release. */
	if (!m->opens) {
		ret = raw_dax_attach(&m->dax, rb->bdev);
		if (ret) {
			raw_bdev_release(rb);
			goto out_unlock;
		}
	}
	m->opens++;
out_unlock:
	mutex_unlock(&raw_mutex);
	return ret ? ERR_PTR(ret) : m;
}
EXPORT_SYMBOL_IF_KUNIT(raw_minor_open);

void raw_minor_release(struct raw_minor *m, struct raw_bdev *rb)
{
	mutex_lock(&raw_mutex);
	if (!--m->opens)
		raw_dax_detach(&m->dax);
	raw_bdev_release(rb);
	mutex_unlock(&raw_mutex);
}
EXPORT_SYMBOL_IF_KUNIT(raw_minor_release);

struct raw_stats __percpu *raw_minor_stats(struct raw_minor *m)
{
	return m->stats;
}

bool raw_minor_has_dax(struct raw_minor *m)
{
	return m->dax.dax_dev;
}

const struct raw_dax *raw_minor_dax(struct raw_minor *m)
{
	if (!READ_ONCE(m->dax_allow) || !raw_dax_usable(&m->dax))
		return NULL;
	return &m->dax;
}

static int raw_bind_new(unsigned int minor, dev_t bdev_dev)
{
	struct raw_minor *m = &raw_minors[minor];
	struct device *dev;

	lockdep_assert_held(&raw_mutex);
	m->stats = alloc_percpu(struct raw_stats);
	if (!m->stats)
		return -ENOMEM;
	m->bdev_dev = bdev_dev;
	m->dax_allow = true;
	dev = device_create_with_groups(&raw_class, NULL,
					MKDEV(RAW_MAJOR, minor), m,
					raw_minor_groups, "raw%u", minor);
	if (IS_ERR(dev)) {
		m->bdev_dev = 0;
		free_percpu(m->stats);
		m->stats = NULL;
		return PTR_ERR(dev);
	}
	m->dev = dev;
	__module_get(THIS_MODULE);
	return 0;
}

static void raw_unbind(unsigned int minor)
{
	struct raw_minor *m = &raw_minors[minor];

	lockdep_assert_held(&raw_mutex);
	device_destroy(&raw_class, MKDEV(RAW_MAJOR, minor));
	m->dev = NULL;
	free_percpu(m->stats);
	m->stats = NULL;
	m->bdev_dev = 0;
	module_put(THIS_MODULE);
}

/*
 * raw_bind_set() - bind @minor to block device @major:@bminor, or unbind it
 * when both are 0.  The caller has range-checked @minor.
 */
static int raw_bind_set(unsigned int minor, u64 major, u64 bminor)
{
	struct raw_minor *m = &raw_minors[minor];
	dev_t bdev_dev = MKDEV(major, bminor);
	int ret = 0;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (MAJOR(bdev_dev) != major || MINOR(bdev_dev) != bminor)
		return -EINVAL;
	if (!major && bminor)
		return -EINVAL;

	mutex_lock(&raw_mutex);
	if (m->opens) {
		ret = -EBUSY;
	} else if (!bdev_dev) {
		if (m->bdev_dev)
			raw_unbind(minor);
	} else if (m->bdev_dev) {
		WRITE_ONCE(m->bdev_dev, bdev_dev);
	} else {
		ret = raw_bind_new(minor, bdev_dev);
	}
	mutex_unlock(&raw_mutex);
	return ret;
}

static void raw_bind_get(unsigned int minor, u64 *major, u64 *bminor)
{
	dev_t bdev_dev;

	mutex_lock(&raw_mutex);
	bdev_dev = raw_minors[minor].bdev_dev;
	mutex_unlock(&raw_mutex);
	*major = MAJOR(bdev_dev);
	*bminor = MINOR(bdev_dev);
}

/* RAW_SETBIND or RAW_GETBIND on @rq, in place. */
static int raw_ctl_request(unsigned int cmd, struct raw_config_request *rq)
{
	if (rq->raw_minor < 1 || (unsigned int)rq->raw_minor >= max_raw_minors)
		return -EINVAL;
	if (cmd == RAW_SETBIND)
		return raw_bind_set(rq->raw_minor, rq->block_major,
				    rq->block_minor);
	raw_bind_get(rq->raw_minor, &rq->block_major, &rq->block_minor);
	return 0;
}

VISIBLE_IF_KUNIT long raw_ctl_ioctl(struct file *file, unsigned int cmd,
				    unsigned long arg)
{
	void __user *argp = (void __user *)arg;
	struct raw_config_request rq;
	int ret;

	if (cmd != RAW_SETBIND && cmd != RAW_GETBIND)
		return -ENOTTY;
	if (copy_from_user(&rq, argp, sizeof(rq)))
		return -EFAULT;
	ret = raw_ctl_request(cmd, &rq);
	if (!ret && cmd == RAW_GETBIND && copy_to_user(argp, &rq, sizeof(rq)))
		return -EFAULT;
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(raw_ctl_ioctl);

#ifdef CONFIG_COMPAT
/* struct raw_config_request as a 32-bit caller lays it out: 20 bytes. */
struct raw_config_request32 {
	compat_int_t raw_minor;
	compat_u64 block_major;
	compat_u64 block_minor;
};

VISIBLE_IF_KUNIT long raw_ctl_compat_ioctl(struct file *file, unsigned int cmd,
					   unsigned long arg)
{
	struct raw_config_request32 __user *argp = compat_ptr(arg);
	struct raw_config_request32 rq32;
	struct raw_config_request rq;
	int ret;

	if (cmd != RAW_SETBIND && cmd != RAW_GETBIND)
		return -ENOTTY;
	if (copy_from_user(&rq32, argp, sizeof(rq32)))
		return -EFAULT;
	rq.raw_minor = rq32.raw_minor;
	rq.block_major = rq32.block_major;
	rq.block_minor = rq32.block_minor;
	ret = raw_ctl_request(cmd, &rq);
	if (ret || cmd != RAW_GETBIND)
		return ret;
	rq32.block_major = rq.block_major;
	rq32.block_minor = rq.block_minor;
	if (copy_to_user(argp, &rq32, sizeof(rq32)))
		return -EFAULT;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(raw_ctl_compat_ioctl);
#endif

static const struct file_operations raw_ctl_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = raw_ctl_ioctl,
#ifdef CONFIG_COMPAT
	.compat_ioctl = raw_ctl_compat_ioctl,
#endif
	.llseek = noop_llseek,
};

/* sysfs: /sys/class/raw/rawN/{bound,reads,writes,...} */

static ssize_t bound_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct raw_minor *m = dev_get_drvdata(dev);
	dev_t bdev_dev = READ_ONCE(m->bdev_dev);

	return sysfs_emit(buf, "%u:%u\n", MAJOR(bdev_dev), MINOR(bdev_dev));
}
static DEVICE_ATTR_RO(bound);

static ssize_t dax_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	struct raw_minor *m = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", READ_ONCE(m->dax_allow));
}

static ssize_t dax_store(struct device *dev, struct device_attribute *attr,
			 const char *buf, size_t count)
{
	struct raw_minor *m = dev_get_drvdata(dev);
	bool allow;
	int ret;

	ret = kstrtobool(buf, &allow);
	if (ret)
		return ret;
	WRITE_ONCE(m->dax_allow, allow);
	return count;
}
static DEVICE_ATTR_RW(dax);

/* The path I/O takes now: "none" while no file is open on the minor. */
static ssize_t io_path_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	struct raw_minor *m = dev_get_drvdata(dev);

	if (raw_minor_dax(m))
		return sysfs_emit(buf, "dax\n");
	return sysfs_emit(buf, "%s\n", READ_ONCE(m->opens) ? "bio" : "none");
}
static DEVICE_ATTR_RO(io_path);

/* A counter of struct raw_stats, found at @offset, as a sysfs attribute. */
struct raw_stat_attribute {
	struct device_attribute attr;
	size_t offset;
};

static ssize_t raw_stat_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct raw_stat_attribute *sa =
		container_of(attr, struct raw_stat_attribute, attr);
	struct raw_minor *m = dev_get_drvdata(dev);
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += *(u64 *)((char *)per_cpu_ptr(m->stats, cpu) + sa->offset);
	return sysfs_emit(buf, "%llu\n", sum);
}

#define RAW_STAT_ATTR(_name)						\
	struct raw_stat_attribute raw_stat_##_name = {			\
		.attr.attr = { .name = #_name, .mode = 0444 },		\
		.attr.show = raw_stat_show,				\
		.offset = offsetof(struct raw_stats, _name),		\
	}

static RAW_STAT_ATTR(reads);
static RAW_STAT_ATTR(writes);
static RAW_STAT_ATTR(read_bytes);
static RAW_STAT_ATTR(write_bytes);
static RAW_STAT_ATTR(errors);
static RAW_STAT_ATTR(pages_pinned);

static struct attribute *raw_minor_attrs[] = {
	&dev_attr_bound.attr,
	&dev_attr_dax.attr,
	&dev_attr_io_path.attr,
	&raw_stat_reads.attr.attr,
	&raw_stat_writes.attr.attr,
	&raw_stat_read_bytes.attr.attr,
	&raw_stat_write_bytes.attr.attr,
	&raw_stat_errors.attr.attr,
	&raw_stat_pages_pinned.attr.attr,
	NULL,
};

static const struct attribute_group raw_minor_group = {
	.attrs = raw_minor_attrs,
};

static const struct attribute_group *raw_minor_groups[] = {
	&raw_minor_group,
	NULL,
};

static int raw_cdevs_add(void)
{
	int ret;

	cdev_init(&raw_ctl_cdev, &raw_ctl_fops);
	raw_ctl_cdev.owner = THIS_MODULE;
	ret = cdev_add(&raw_ctl_cdev, raw_devt, 1);
	if (ret || max_raw_minors == 1)
		return ret;

	cdev_init(&raw_io_cdev, &raw_fops);
	raw_io_cdev.owner = THIS_MODULE;
	ret = cdev_add(&raw_io_cdev, MKDEV(RAW_MAJOR, 1), max_raw_minors - 1);
	if (ret)
		cdev_del(&raw_ctl_cdev);
	return ret;
}

static void raw_cdevs_del(void)
{
	if (max_raw_minors > 1)
		cdev_del(&raw_io_cdev);
	cdev_del(&raw_ctl_cdev);
}

static int __init raw_init(void)
{
	struct device *ctl;
	int ret;

	raw_minors = kvcalloc(max_raw_minors, sizeof(*raw_minors), GFP_KERNEL);
	if (!raw_minors)
		return -ENOMEM;

	ret = raw_io_init();
	if (ret)
		goto out_free_minors;

	raw_devt = MKDEV(RAW_MAJOR, 0);
	ret = register_chrdev_region(raw_devt, max_raw_minors, "raw");
	if (ret) {
		pr_err("cannot register char major %d: %d\n", RAW_MAJOR, ret);
		goto out_io_exit;
	}

	ret = class_register(&raw_class);
	if (ret)
		goto out_unregister_region;

	ret = raw_cdevs_add();
	if (ret)
		goto out_unregister_class;

	ctl = device_create(&raw_class, NULL, raw_devt, NULL, "rawctl");
	if (IS_ERR(ctl)) {
		ret = PTR_ERR(ctl);
		goto out_cdevs_del;
	}
	return 0;

out_cdevs_del:
	raw_cdevs_del();
out_unregister_class:
	class_unregister(&raw_class);
out_unregister_region:
	unregister_chrdev_region(raw_devt, max_raw_minors);
out_io_exit:
	raw_io_exit();
out_free_minors:
	kvfree(raw_minors);
	return ret;
}

static void __exit raw_exit(void)
{
	device_destroy(&raw_class, raw_devt);
	raw_cdevs_del();
	class_unregister(&raw_class);
	unregister_chrdev_region(raw_devt, max_raw_minors);
	raw_io_exit();
	kvfree(raw_minors);
}

module_init(raw_init);
module_exit(raw_exit);

MODULE_DESCRIPTION("Raw character devices: unbuffered zero-copy block I/O");
MODULE_LICENSE("GPL");
MODULE_VERSION(RAW_VERSION);
MODULE_ALIAS_CHARDEV_MAJOR(RAW_MAJOR);
MODULE_ALIAS("devname:raw/rawctl");
MODULE_ALIAS_CHARDEV(RAW_MAJOR, 0);
