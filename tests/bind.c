// SPDX-License-Identifier: GPL-2.0
/*
 * bind - the rawctl binding ABI: RAW_SETBIND/RAW_GETBIND, their errnos,
 * privilege, busy minors and the /dev/raw nodes that follow bindings.
 *
 * usage: bind BLOCKDEV
 * raw must be loaded with the default max_raw_minors and nothing bound.
 * Built twice: natively and as a 32-bit program (compat_ioctl).
 */
#define _GNU_SOURCE
#include "lib/rawtest.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/raw.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#define ABSENT_MAJOR	4095		/* largest major; nothing registers it */
#define ABSENT_MINOR	((1u << 20) - 1)	/* largest minor */

static int max_minors;

static int node_state(int minor, struct stat *st)
{
	return stat(t_raw_path(minor), st);
}

/* The node of @minor exists as char 162:@minor, 0600, owned by root. */
static void check_node(int minor)
{
	struct stat st;
	char path[64];

	if (!t_ok(node_state(minor, &st) == 0, "%s exists", t_raw_path(minor)))
		return;
	t_ok(S_ISCHR(st.st_mode) && major(st.st_rdev) == RAW_MAJOR &&
	     minor(st.st_rdev) == (unsigned int)minor,
	     "%s is char %d:%d (is %s %u:%u)", t_raw_path(minor), RAW_MAJOR,
	     minor, S_ISCHR(st.st_mode) ? "char" : "not char",
	     major(st.st_rdev), minor(st.st_rdev));
	t_ok((st.st_mode & 07777) == 0600 && st.st_uid == 0 && st.st_gid == 0,
	     "%s mode 0600 root:root (is %04o %u:%u)", t_raw_path(minor),
	     st.st_mode & 07777, st.st_uid, st.st_gid);
	snprintf(path, sizeof(path), "/sys/class/raw/raw%d", minor);
	t_ok(access(path, F_OK) == 0, "%s exists", path);
}

static void check_no_node(int minor)
{
	struct stat st;
	char path[64];
	int ret = node_state(minor, &st);

	t_ok(ret == -1 && errno == ENOENT, "%s is gone", t_raw_path(minor));
	snprintf(path, sizeof(path), "/sys/class/raw/raw%d", minor);
	t_ok(access(path, F_OK) == -1 && errno == ENOENT, "%s is gone", path);
}

static void check_query(int ctl, int minor, uint64_t maj, uint64_t min,
			const char *what)
{
	uint64_t qmaj = 1, qmin = 1;
	int ret = t_query(ctl, minor, &qmaj, &qmin);

	if (t_ret(ret, 0, "RAW_GETBIND raw%d %s", minor, what))
		t_ok(qmaj == maj && qmin == min,
		     "RAW_GETBIND raw%d %s returns %llu:%llu (got %llu:%llu)",
		     minor, what, (unsigned long long)maj,
		     (unsigned long long)min, (unsigned long long)qmaj,
		     (unsigned long long)qmin);
}

static void test_ctl_node(void)
{
	struct stat st;

	if (!t_ok(stat(RAWCTL_PATH, &st) == 0, "%s exists", RAWCTL_PATH))
		return;
	t_ok(S_ISCHR(st.st_mode) && major(st.st_rdev) == RAW_MAJOR &&
	     minor(st.st_rdev) == 0, "%s is char 162:0 (is %u:%u)",
	     RAWCTL_PATH, major(st.st_rdev), minor(st.st_rdev));
	t_ok((st.st_mode & 07777) == 0600 && st.st_uid == 0 && st.st_gid == 0,
	     "%s mode 0600 root:root (is %04o %u:%u)", RAWCTL_PATH,
	     st.st_mode & 07777, st.st_uid, st.st_gid);
	t_ok(access("/sys/class/raw", F_OK) == 0, "/sys/class/raw exists");
}

static void test_minor_range(int ctl)
{
	const int bad[] = { 0, -1, max_minors, max_minors + 1, INT_MAX,
			    INT_MIN, 65536 };
	uint64_t maj, min;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t_errno(t_bind(ctl, bad[i], ABSENT_MAJOR, 0), EINVAL,
			"RAW_SETBIND raw_minor %d (max_raw_minors %d)",
			bad[i], max_minors);
		t_errno(t_query(ctl, bad[i], &maj, &min), EINVAL,
			"RAW_GETBIND raw_minor %d", bad[i]);
	}
}

static void test_devt_range(int ctl)
{
	const struct { uint64_t maj, min; } bad[] = {
		{ 4096, 0 }, { 4096, 1 }, { 1, 1u << 20 },
		{ 1ULL << 32, 0 }, { 0, 1ULL << 32 }, { (1ULL << 32) | 1, 0 },
		{ UINT64_MAX, UINT64_MAX }, { 0, 1 }, { 0, ABSENT_MINOR },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t_errno(t_bind(ctl, 1, bad[i].maj, bad[i].min), EINVAL,
			"RAW_SETBIND to %llu:%llu",
			(unsigned long long)bad[i].maj,
			(unsigned long long)bad[i].min);
	}
	check_query(ctl, 1, 0, 0, "after refused binds");
	check_no_node(1);
}

static void test_bind_unbind(int ctl, dev_t bdev)
{
	int last = max_minors - 1;

	check_query(ctl, last, 0, 0, "unbound");
	check_no_node(last);

	/* binding needs no device behind the numbers yet */
	t_ret(t_bind(ctl, last, ABSENT_MAJOR, ABSENT_MINOR), 0,
	      "bind raw%d to absent %u:%u", last, ABSENT_MAJOR, ABSENT_MINOR);
	check_query(ctl, last, ABSENT_MAJOR, ABSENT_MINOR, "absent device");
	check_node(last);
	t_errno(open(t_raw_path(last), O_RDONLY), ENXIO,
		"open raw%d bound to an absent device", last);

	t_ret(t_bind(ctl, last, major(bdev), minor(bdev)), 0,
	      "rebind unopened raw%d to %u:%u", last, major(bdev),
	      minor(bdev));
	check_query(ctl, last, major(bdev), minor(bdev), "rebound");
	check_node(last);

	t_ret(t_bind(ctl, last, 0, 0), 0, "unbind raw%d with 0/0", last);
	check_query(ctl, last, 0, 0, "after unbind");
	check_no_node(last);
}

static void test_busy(int ctl, dev_t bdev, const char *bdev_path)
{
	int fd, fd2;

	t_ret(t_bind(ctl, 1, major(bdev), minor(bdev)), 0,
	      "bind raw1 to %s", bdev_path);
	fd = open(t_raw_path(1), O_RDONLY);
	if (!t_ok(fd >= 0, "open raw1 read-only"))
		return;
	t_errno(t_bind(ctl, 1, ABSENT_MAJOR, 0), EBUSY,
		"rebind raw1 while open");
	t_errno(t_bind(ctl, 1, major(bdev), minor(bdev)), EBUSY,
		"rebind raw1 to the same device while open");
	t_errno(t_bind(ctl, 1, 0, 0), EBUSY, "unbind raw1 while open");
	check_query(ctl, 1, major(bdev), minor(bdev), "open, after EBUSY");
	fd2 = dup(fd);
	close(fd);
	t_errno(t_bind(ctl, 1, 0, 0), EBUSY,
		"unbind raw1 while a dup of the open file is alive");
	close(fd2);
	t_ret(t_bind(ctl, 1, 0, 0), 0, "unbind raw1 after the last close");
	check_no_node(1);
}

static int drop_cap_sys_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[CAP_SYS_ADMIN / 32].effective &= ~(1u << (CAP_SYS_ADMIN % 32));
	data[CAP_SYS_ADMIN / 32].permitted &= ~(1u << (CAP_SYS_ADMIN % 32));
	return syscall(SYS_capset, &hdr, data);
}

/* In a child: lose privilege after opening rawctl, then try the ioctls. */
static void unprivileged(int ctl, dev_t bdev, int how)
{
	const char *who = how ? "uid nobody" : "no CAP_SYS_ADMIN";
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		t_fatal("fork");
	if (pid == 0) {
		int ret = how ? setuid(65534) : drop_cap_sys_admin();

		if (ret)
			t_fatal("dropping privilege (%s)", who);
		t_errno(t_bind(ctl, 2, major(bdev), minor(bdev)), EPERM,
			"RAW_SETBIND bind as %s", who);
		t_errno(t_bind(ctl, 1, 0, 0), EPERM,
			"RAW_SETBIND unbind as %s", who);
		check_query(ctl, 1, major(bdev), minor(bdev), who);
		check_query(ctl, 2, 0, 0, who);
		_exit(t_done());
	}
	if (waitpid(pid, &status, 0) != pid)
		t_fatal("waitpid");
	t_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	     "child running as %s passed", who);
}

static void test_privilege(int ctl, dev_t bdev)
{
	t_ret(t_bind(ctl, 1, major(bdev), minor(bdev)), 0, "bind raw1");
	unprivileged(ctl, bdev, 0);
	unprivileged(ctl, bdev, 1);
	check_query(ctl, 1, major(bdev), minor(bdev), "after the children");
	check_query(ctl, 2, 0, 0, "after the children");
	t_ret(t_bind(ctl, 1, 0, 0), 0, "unbind raw1");
}

static void test_bad_ioctls(int ctl, dev_t bdev)
{
	uint64_t size;
	int fd;

	t_errno(ioctl(ctl, _IO(0xac, 2), 0), ENOTTY,
		"unknown ioctl _IO(0xac, 2) on rawctl");
	t_errno(ioctl(ctl, _IOWR('x', 42, int), &size), ENOTTY,
		"unknown ioctl _IOWR('x', 42, int) on rawctl");
	t_errno(ioctl(ctl, RAW_SETBIND, (void *)16), EFAULT,
		"RAW_SETBIND with a bad pointer");
	t_errno(ioctl(ctl, RAW_GETBIND, (void *)16), EFAULT,
		"RAW_GETBIND with a bad pointer");

	t_ret(t_bind(ctl, 1, major(bdev), minor(bdev)), 0, "bind raw1");
	fd = open(t_raw_path(1), O_RDONLY);
	if (t_ok(fd >= 0, "open raw1")) {
		t_errno(ioctl(fd, _IO(0xac, 7), 0), ENOTTY,
			"unknown ioctl _IO(0xac, 7) on raw1");
		t_errno(ioctl(fd, _IOR('x', 43, int), &size), ENOTTY,
			"unknown ioctl _IOR('x', 43, int) on raw1");
		close(fd);
	}
	t_ret(t_bind(ctl, 1, 0, 0), 0, "unbind raw1");
}

int main(int argc, char **argv)
{
	dev_t bdev;
	int ctl;

	if (argc != 2)
		t_usage(argv[0], "BLOCKDEV");
	t_note("struct raw_config_request is %zu bytes here",
	       sizeof(struct raw_config_request));
	bdev = t_rdev(argv[1]);
	max_minors = (int)t_sysfs_u64("/sys/module/raw/parameters/max_raw_minors");
	t_ok(max_minors == 256, "max_raw_minors defaults to 256 (is %d)",
	     max_minors);

	test_ctl_node();
	ctl = t_ctl_open();
	test_minor_range(ctl);
	test_devt_range(ctl);
	test_bind_unbind(ctl, bdev);
	test_busy(ctl, bdev, argv[1]);
	test_privilege(ctl, bdev);
	test_bad_ioctls(ctl, bdev);
	close(ctl);
	return t_done();
}
