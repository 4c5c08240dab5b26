// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of raw.ko's binding table (bindings.c)
 *
 * These call raw.ko itself: the control device's ioctl handlers, the open
 * and release of a minor and the max_raw_minors setter, which bindings.c
 * exports with EXPORT_SYMBOL_IF_KUNIT() when the kernel has KUnit.  So the
 * table they change is the live one: tests/debug/kunit.sh loads raw with
 * its default max_raw_minors (256) and null_blk with one device,
 * /dev/nullb0, before this module, and checks afterwards that raw unloads
 * (every binding made here was undone).  The disk comes by number, as
 * disk=MAJ:MIN: KUnit's threads may not see the guest's /dev (on 7.3 the
 * path lookup gave -ENOENT).  The requests live in user memory
 * (kunit_vm_mmap()), as an ioctl's do.
 */
#include <kunit/test.h>
#include <linux/blkdev.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/kdev_t.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/namei.h>
#include <linux/sizes.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "raw.h"
#include "include/uapi/raw.h"

/* raw.ko's default max_raw_minors: minors 1..255 can be bound. */
#define BIND_MINORS	256
/* The minors these tests bind; bind_test_exit() unbinds them all. */
#define BIND_A		7
#define BIND_B		8
#define BIND_LAST	(BIND_MINORS - 1)
#define BIND_DISK	"/dev/nullb0"

static char *bind_disk;
module_param_named(disk, bind_disk, charp, 0444);
MODULE_PARM_DESC(disk, "MAJ:MIN of " BIND_DISK " (default: look the path up)");

struct bind_ctx {
	void __user *ureq;	/* a page of user memory, nothing after it */
	dev_t disk;		/* /dev/nullb0 */
	dev_t absent;		/* a device number of its major nothing has */
};

/* RAW_SETBIND or RAW_GETBIND through the ioctl handler; @rq in and out. */
static long bind_ioctl(struct kunit *test, unsigned int cmd,
		       struct raw_config_request *rq)
{
	struct bind_ctx *ctx = test->priv;
	long ret;

	KUNIT_ASSERT_EQ(test, copy_to_user(ctx->ureq, rq, sizeof(*rq)), 0);
	ret = raw_ctl_ioctl(NULL, cmd, (unsigned long)ctx->ureq);
	KUNIT_ASSERT_EQ(test, copy_from_user(rq, ctx->ureq, sizeof(*rq)), 0);
	return ret;
}

static long bind_set(struct kunit *test, int minor, u64 major, u64 bminor)
{
	struct raw_config_request rq = {
		.raw_minor = minor,
		.block_major = major,
		.block_minor = bminor,
	};

	return bind_ioctl(test, RAW_SETBIND, &rq);
}

static long bind_set_dev(struct kunit *test, int minor, dev_t dev)
{
	return bind_set(test, minor, MAJOR(dev), MINOR(dev));
}

/* RAW_GETBIND of @minor as a dev_t; the ioctl's result in *@ret. */
static dev_t bind_get(struct kunit *test, int minor, long *ret)
{
	struct raw_config_request rq = {
		.raw_minor = minor,
		.block_major = 0xdead,
		.block_minor = 0xbeef,
	};

	*ret = bind_ioctl(test, RAW_GETBIND, &rq);
	KUNIT_EXPECT_EQ(test, rq.raw_minor, minor);
	return MKDEV(rq.block_major, rq.block_minor);
}

static void bind_expect(struct kunit *test, int minor, dev_t dev)
{
	long ret;

	KUNIT_EXPECT_EQ_MSG(test, bind_get(test, minor, &ret), dev,
			    "raw%d", minor);
	KUNIT_EXPECT_EQ(test, ret, 0);
}

static bool bind_path_exists(const char *dir, int minor)
{
	struct path path;
	char name[40];

	snprintf(name, sizeof(name), "%s/raw%d", dir, minor);
	if (kern_path(name, LOOKUP_FOLLOW, &path))
		return false;
	path_put(&path);
	return true;
}

/* /sys/class/raw/rawN and /dev/raw/rawN exist exactly while N is bound. */
static void bind_expect_nodes(struct kunit *test, int minor, bool bound)
{
	KUNIT_EXPECT_EQ_MSG(test, bind_path_exists("/sys/class/raw", minor),
			    bound, "/sys/class/raw/raw%d", minor);
	KUNIT_EXPECT_EQ_MSG(test, bind_path_exists("/dev/raw", minor),
			    bound, "/dev/raw/raw%d", minor);
}

/* Map ctx->ureq in the current thread's (new) mm: two pages, one left. */
static void bind_map(struct kunit *test)
{
	struct bind_ctx *ctx = test->priv;
	unsigned long addr;

	addr = kunit_vm_mmap(test, NULL, 0, 2 * PAGE_SIZE,
			     PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_FALSE(test, !addr || IS_ERR_VALUE(addr));
	KUNIT_ASSERT_EQ(test, vm_munmap(addr + PAGE_SIZE, PAGE_SIZE), 0);
	ctx->ureq = (void __user *)addr;
}

static int bind_test_init(struct kunit *test)
{
	struct bind_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	test->priv = ctx;
	bind_map(test);
	if (bind_disk) {
		unsigned int major, minor;

		KUNIT_ASSERT_EQ_MSG(test,
				    sscanf(bind_disk, "%u:%u", &major, &minor),
				    2, "disk=%s is not MAJ:MIN", bind_disk);
		ctx->disk = MKDEV(major, minor);
	} else {
		KUNIT_ASSERT_EQ_MSG(test, lookup_bdev(BIND_DISK, &ctx->disk),
				    0, "%s (tests/debug/kunit.sh loads null_blk)",
				    BIND_DISK);
	}
	ctx->absent = MKDEV(MAJOR(ctx->disk), MINOR(ctx->disk) + 1000);
	return 0;
}

/*
 * Leave nothing bound, whatever a failed test left behind.  KUnit runs
 * this in a thread of its own, without the test's mm: map the request
 * again there.
 */
static void bind_test_exit(struct kunit *test)
{
	static const int minors[] = { BIND_A, BIND_B, BIND_LAST };
	int i;

	bind_map(test);
	for (i = 0; i < ARRAY_SIZE(minors); i++)
		KUNIT_EXPECT_EQ(test, bind_set(test, minors[i], 0, 0), 0);
}

/* Minors 1..max_raw_minors - 1 exist; 0 is rawctl, the rest EINVAL. */
static void raw_bind_range_test(struct kunit *test)
{
	static const int bad[] = { 0, -1, BIND_MINORS, BIND_MINORS + 1,
				   65536, INT_MAX, INT_MIN };
	struct bind_ctx *ctx = test->priv;
	long ret;
	int i;

	bind_expect(test, 1, 0);
	bind_expect(test, BIND_LAST, 0);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		bind_get(test, bad[i], &ret);
		KUNIT_EXPECT_EQ_MSG(test, ret, -EINVAL, "GETBIND raw%d", bad[i]);
		KUNIT_EXPECT_EQ_MSG(test, bind_set_dev(test, bad[i], ctx->disk),
				    -EINVAL, "SETBIND raw%d", bad[i]);
	}
	KUNIT_EXPECT_EQ(test, bind_set_dev(test, BIND_LAST, ctx->disk), 0);
	bind_expect(test, BIND_LAST, ctx->disk);
	bind_expect_nodes(test, BIND_LAST, true);
	KUNIT_EXPECT_EQ(test, bind_set(test, BIND_LAST, 0, 0), 0);
	bind_expect_nodes(test, BIND_LAST, false);
}

/* Device numbers a dev_t cannot hold, and 0:N, are refused: no binding. */
static void raw_bind_devnum_test(struct kunit *test)
{
	static const u64 bad[][2] = {
		{ 0, 1 },			/* major 0 is "unbind" only */
		{ 1ULL << 12, 0 },		/* majors have 12 bits */
		{ 8, 1ULL << 20 },		/* minors have 20 bits */
		{ (1ULL << 32) | 8, 0 },	/* not cut to 32 bits */
		{ 8, (1ULL << 32) | 1 },
		{ U64_MAX, U64_MAX },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, bind_set(test, BIND_A, bad[i][0], bad[i][1]),
				    -EINVAL, "%llu:%llu", bad[i][0], bad[i][1]);
		bind_expect(test, BIND_A, 0);
	}
	bind_expect_nodes(test, BIND_A, false);
}

/* Bind, read back, unbind with 0:0; unbinding an unbound minor is fine. */
static void raw_bind_unbind_test(struct kunit *test)
{
	struct bind_ctx *ctx = test->priv;

	bind_expect_nodes(test, BIND_A, false);
	KUNIT_EXPECT_EQ(test, bind_set_dev(test, BIND_A, ctx->disk), 0);
	bind_expect(test, BIND_A, ctx->disk);
	bind_expect(test, BIND_B, 0);
	bind_expect_nodes(test, BIND_A, true);
	bind_expect_nodes(test, BIND_B, false);
	KUNIT_EXPECT_EQ(test, bind_set(test, BIND_A, 0, 0), 0);
	bind_expect(test, BIND_A, 0);
	bind_expect_nodes(test, BIND_A, false);
	KUNIT_EXPECT_EQ(test, bind_set(test, BIND_A, 0, 0), 0);
	bind_expect(test, BIND_A, 0);
}

/*
 * A bound minor no file has open can be bound elsewhere, to a device that
 * does not exist too: the binding is a number, checked at open.
 */
static void raw_bind_rebind_test(struct kunit *test)
{
	struct bind_ctx *ctx = test->priv;

	KUNIT_EXPECT_EQ(test, bind_set_dev(test, BIND_A, ctx->disk), 0);
	KUNIT_EXPECT_EQ(test, bind_set_dev(test, BIND_A, ctx->absent), 0);
	bind_expect(test, BIND_A, ctx->absent);
	bind_expect_nodes(test, BIND_A, true);
	KUNIT_EXPECT_EQ(test, bind_set_dev(test, BIND_B, ctx->disk), 0);
	KUNIT_EXPECT_EQ(test, bind_set_dev(test, BIND_A, ctx->disk), 0);
	bind_expect(test, BIND_A, ctx->disk);
	bind_expect(test, BIND_B, ctx->disk);
}

/* While a file has the minor open it can be neither rebound nor unbound. */
static void raw_bind_busy_test(struct kunit *test)
{
	struct bind_ctx *ctx = test->priv;
	struct raw_minor *m1, *m2;
	struct raw_bdev rb1, rb2;

	KUNIT_ASSERT_EQ(test, bind_set_dev(test, BIND_A, ctx->disk), 0);
	m1 = raw_minor_open(BIND_A, false, &rb1);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(m1), "open: %ld", PTR_ERR(m1));
	KUNIT_EXPECT_EQ(test, rb1.bdev->bd_dev, ctx->disk);
	m2 = raw_minor_open(BIND_A, true, &rb2);
	if (IS_ERR(m2)) {
		raw_minor_release(m1, &rb1);
		KUNIT_FAIL(test, "second open: %ld", PTR_ERR(m2));
		return;
	}
	KUNIT_EXPECT_PTR_EQ(test, m2, m1);

	KUNIT_EXPECT_EQ(test, bind_set(test, BIND_A, 0, 0), -EBUSY);
	KUNIT_EXPECT_EQ(test, bind_set_dev(test, BIND_A, ctx->absent), -EBUSY);
	bind_expect(test, BIND_A, ctx->disk);
	/* Another minor is not affected, bound to the same disk or not. */
	KUNIT_EXPECT_EQ(test, bind_set_dev(test, BIND_B, ctx->disk), 0);
	KUNIT_EXPECT_EQ(test, bind_set(test, BIND_B, 0, 0), 0);

	raw_minor_release(m2, &rb2);
	KUNIT_EXPECT_EQ(test, bind_set(test, BIND_A, 0, 0), -EBUSY);
	raw_minor_release(m1, &rb1);
	KUNIT_EXPECT_EQ(test, bind_set_dev(test, BIND_A, ctx->absent), 0);
	KUNIT_EXPECT_EQ(test, bind_set(test, BIND_A, 0, 0), 0);
	bind_expect_nodes(test, BIND_A, false);
}

/* Opening what is not bound, or bound to nothing there, is ENXIO. */
static void raw_minor_open_test(struct kunit *test)
{
	static const unsigned int bad[] = { 0, BIND_A, BIND_MINORS, UINT_MAX };
	struct bind_ctx *ctx = test->priv;
	struct raw_minor *m;
	struct raw_bdev rb;
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		m = raw_minor_open(bad[i], false, &rb);
		KUNIT_EXPECT_PTR_EQ_MSG(test, m, ERR_PTR(-ENXIO), "raw%u", bad[i]);
		if (!IS_ERR(m))
			raw_minor_release(m, &rb);
	}
	KUNIT_ASSERT_EQ(test, bind_set_dev(test, BIND_A, ctx->absent), 0);
	m = raw_minor_open(BIND_A, false, &rb);
	KUNIT_EXPECT_PTR_EQ(test, m, ERR_PTR(-ENXIO));
	if (!IS_ERR(m))
		raw_minor_release(m, &rb);
	/* The failed open was not counted: the minor is free to go. */
	KUNIT_EXPECT_EQ(test, bind_set(test, BIND_A, 0, 0), 0);
}

/* RAW_SETBIND needs CAP_SYS_ADMIN, RAW_GETBIND does not. */
static void raw_bind_perm_test(struct kunit *test)
{
	struct bind_ctx *ctx = test->priv;
	const struct cred *old;
	struct cred *cred;

	KUNIT_ASSERT_EQ(test, bind_set_dev(test, BIND_A, ctx->disk), 0);
	cred = prepare_creds();
	KUNIT_ASSERT_NOT_NULL(test, cred);
	cap_lower(cred->cap_effective, CAP_SYS_ADMIN);
	old = override_creds(cred);
	KUNIT_EXPECT_EQ(test, bind_set(test, BIND_A, 0, 0), -EPERM);
	KUNIT_EXPECT_EQ(test, bind_set_dev(test, BIND_B, ctx->disk), -EPERM);
	bind_expect(test, BIND_A, ctx->disk);
	bind_expect(test, BIND_B, 0);
	revert_creds(old);
	put_cred(cred);
	KUNIT_EXPECT_EQ(test, bind_set(test, BIND_A, 0, 0), 0);
}

/* Other commands are ENOTTY; a request nothing is mapped at, EFAULT. */
static void raw_bind_ioctl_test(struct kunit *test)
{
	struct bind_ctx *ctx = test->priv;
	unsigned long nowhere = PAGE_SIZE;

	KUNIT_EXPECT_EQ(test, raw_ctl_ioctl(NULL, RAW_GETBIND + 2,
					    (unsigned long)ctx->ureq), -ENOTTY);
	KUNIT_EXPECT_EQ(test, raw_ctl_ioctl(NULL, BLKGETSIZE64,
					    (unsigned long)ctx->ureq), -ENOTTY);
	KUNIT_EXPECT_EQ(test, raw_ctl_ioctl(NULL, RAW_GETBIND, nowhere), -EFAULT);
	KUNIT_EXPECT_EQ(test, raw_ctl_ioctl(NULL, RAW_SETBIND, nowhere), -EFAULT);
	/* A request ending past the mapping is refused as a whole. */
	KUNIT_EXPECT_EQ(test, raw_ctl_ioctl(NULL, RAW_GETBIND,
					    (unsigned long)ctx->ureq + PAGE_SIZE - 8),
			-EFAULT);
	bind_expect(test, BIND_A, 0);
}

#ifdef CONFIG_COMPAT
/*
 * The i386 layout of struct raw_config_request: u64 is 4-byte aligned
 * there, so the fields sit at 0, 4 and 12 and the whole is 20 bytes.
 * A 32-bit caller's pointer has 32 bits (compat_ptr() keeps no more), so
 * its request is in a page mapped below 4 GiB, at a hint this new mm has
 * free.
 */
#define BIND32_SIZE	20
#define BIND32_HINT	SZ_256M

static void bind32_fill(u8 *buf, s32 minor, u64 major, u64 bminor)
{
	memset(buf, 0xa5, PAGE_SIZE);
	memcpy(buf, &minor, 4);
	memcpy(buf + 4, &major, 8);
	memcpy(buf + 12, &bminor, 8);
}

static long bind32_ioctl(struct kunit *test, unsigned int cmd,
			 unsigned long ureq, u8 *buf)
{
	void __user *p = (void __user *)ureq;
	long ret;

	KUNIT_ASSERT_EQ(test, copy_to_user(p, buf, PAGE_SIZE), 0);
	ret = raw_ctl_compat_ioctl(NULL, cmd, ureq);
	KUNIT_ASSERT_EQ(test, copy_from_user(buf, p, PAGE_SIZE), 0);
	return ret;
}

/* A 32-bit caller binds and reads back through its own 20-byte layout. */
static void raw_bind_compat_test(struct kunit *test)
{
	struct bind_ctx *ctx = test->priv;
	unsigned long ureq;
	u64 major, bminor;
	s32 minor;
	u8 *buf;
	int i;

	buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	ureq = kunit_vm_mmap(test, NULL, BIND32_HINT, PAGE_SIZE,
			     PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_FALSE(test, !ureq || IS_ERR_VALUE(ureq));
	KUNIT_ASSERT_LE(test, ureq + PAGE_SIZE - 1, (unsigned long)U32_MAX);

	bind32_fill(buf, BIND_A, MAJOR(ctx->disk), MINOR(ctx->disk));
	KUNIT_EXPECT_EQ(test, bind32_ioctl(test, RAW_SETBIND, ureq, buf), 0);
	bind_expect(test, BIND_A, ctx->disk);

	bind32_fill(buf, BIND_A, 0xdead, 0xbeef);
	KUNIT_EXPECT_EQ(test, bind32_ioctl(test, RAW_GETBIND, ureq, buf), 0);
	memcpy(&minor, buf, 4);
	memcpy(&major, buf + 4, 8);
	memcpy(&bminor, buf + 12, 8);
	KUNIT_EXPECT_EQ(test, minor, BIND_A);
	KUNIT_EXPECT_EQ(test, major, MAJOR(ctx->disk));
	KUNIT_EXPECT_EQ(test, bminor, MINOR(ctx->disk));
	/* Not one byte past the 20 of the request is written. */
	for (i = BIND32_SIZE; i < PAGE_SIZE; i++)
		KUNIT_EXPECT_EQ_MSG(test, buf[i], 0xa5, "byte %d", i);

	bind32_fill(buf, BIND_MINORS, MAJOR(ctx->disk), MINOR(ctx->disk));
	KUNIT_EXPECT_EQ(test, bind32_ioctl(test, RAW_SETBIND, ureq, buf), -EINVAL);
	bind32_fill(buf, BIND_B, 0, 1);
	KUNIT_EXPECT_EQ(test, bind32_ioctl(test, RAW_SETBIND, ureq, buf), -EINVAL);
	bind32_fill(buf, BIND_A, 0, 0);
	KUNIT_EXPECT_EQ(test, bind32_ioctl(test, RAW_SETBIND, ureq, buf), 0);
	bind_expect(test, BIND_A, 0);
	KUNIT_EXPECT_EQ(test, raw_ctl_compat_ioctl(NULL, RAW_GETBIND, PAGE_SIZE),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, raw_ctl_compat_ioctl(NULL, RAW_GETBIND + 2, ureq),
			-ENOTTY);
}
#endif

/*
 * max_raw_minors takes 1..65536, in any base kstrtouint() reads; a number
 * too big for it is ERANGE, anything else EINVAL.
 */
static void raw_max_minors_param_test(struct kunit *test)
{
	static const struct {
		const char *val;
		int err;
	} bad[] = { { "0", -EINVAL }, { "65537", -EINVAL }, { "-1", -EINVAL },
		    { "", -EINVAL }, { "abc", -EINVAL }, { "12abc", -EINVAL },
		    { "4294967296", -ERANGE } };
	static const struct {
		const char *val;
		unsigned int n;
	} good[] = { { "1", 1 }, { "65536", 65536 }, { "0x10", 16 },
		     { "256\n", 256 } };
	unsigned int n = 42;
	const struct kernel_param kp = { .name = "max_raw_minors", .arg = &n };
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, raw_max_minors_set(bad[i].val, &kp),
				    bad[i].err, "\"%s\"", bad[i].val);
		KUNIT_EXPECT_EQ(test, n, 42);
	}
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		KUNIT_EXPECT_EQ_MSG(test, raw_max_minors_set(good[i].val, &kp), 0,
				    "\"%s\"", good[i].val);
		KUNIT_EXPECT_EQ(test, n, good[i].n);
	}
}

static struct kunit_case raw_bind_cases[] = {
	KUNIT_CASE(raw_bind_range_test),
	KUNIT_CASE(raw_bind_devnum_test),
	KUNIT_CASE(raw_bind_unbind_test),
	KUNIT_CASE(raw_bind_rebind_test),
	KUNIT_CASE(raw_bind_busy_test),
	KUNIT_CASE(raw_minor_open_test),
	KUNIT_CASE(raw_bind_perm_test),
	KUNIT_CASE(raw_bind_ioctl_test),
#ifdef CONFIG_COMPAT
	KUNIT_CASE(raw_bind_compat_test),
#endif
	KUNIT_CASE(raw_max_minors_param_test),
	{}
};

static struct kunit_suite raw_bind_suite = {
	.name = "raw_bind",
	.init = bind_test_init,
	.exit = bind_test_exit,
	.test_cases = raw_bind_cases,
};

kunit_test_suite(raw_bind_suite);

RAW_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
