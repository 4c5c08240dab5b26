// SPDX-License-Identifier: GPL-2.0
/*
 * fault_buffers - rawN I/O on awkward user memory: transparent huge pages,
 * hugetlbfs, shared memfd pages, a buffer spanning two different mappings;
 * read-only, unmapped and VM_PFNMAP/VM_IO memory (EFAULT or EINVAL, nothing
 * transferred); a buffer unmapped by another thread during a large read.
 *
 * usage: fault_buffers BLOCKDEV [[rw:]PFNMAP_FILE...]
 * BLOCKDEV: 512-byte blocks, at least 96 MiB, overwritten.  Each
 * PFNMAP_FILE (a PCI BAR's sysfs resource file, /dev/mem) is mapped and
 * tried as the source of a write where it can be mapped; as the
 * destination of a read too if it is /dev/mem or given as rw:PATH (a BAR
 * whose writes are harmless).  raw loaded, minor 1 unbound.
 */
#define _GNU_SOURCE
#include "lib/rawtest.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MB	(1UL << 20)

static int fd, bfd;

/* Write @len bytes of pattern @seed from @buf at @off, read them back
 * into @buf2, check. */
static void fb_round_trip(unsigned char *buf, unsigned char *buf2,
			  size_t len, off_t off, uint64_t seed,
			  const char *what)
{
	t_fill(buf, len, off, seed);
	t_ret(pwrite(fd, buf, len, off), len, "%s: write %zu KiB", what,
	      len / 1024);
	memset(buf2, 0, len);
	t_ret(pread(fd, buf2, len, off), len, "%s: read %zu KiB", what,
	      len / 1024);
	t_ok(t_check(buf2, len, off, seed), "%s: data intact", what);
}

/* A 2 MiB-aligned anonymous region of @len bytes. */
static unsigned char *fb_map_aligned(size_t len)
{
	unsigned char *p = t_map(len + 2 * MB);
	uintptr_t a = ((uintptr_t)p + 2 * MB - 1) & ~(2 * MB - 1);

	return (unsigned char *)a;
}

static void fb_thp(void)
{
	unsigned char *a = fb_map_aligned(4 * MB), *b = fb_map_aligned(4 * MB);
	char mode[128] = "?";

	t_read_text("/sys/kernel/mm/transparent_hugepage/enabled", mode,
		    sizeof(mode));
	mode[strcspn(mode, "\n")] = '\0';
	if (madvise(a, 4 * MB, MADV_HUGEPAGE) ||
	    madvise(b, 4 * MB, MADV_HUGEPAGE))
		t_note("madvise(MADV_HUGEPAGE): %s", strerror(errno));
	t_note("THP: %s", mode);
	fb_round_trip(a, b, 4 * MB, 8 * MB, 0x7e1, "THP buffers");
	/* an unaligned piece inside a huge page, crossing into the next */
	fb_round_trip(a + 2 * MB - 64 * 1024 + 512, b + MB + 1536,
		      192 * 1024, 16 * MB + 512, 0x7e2, "THP, inside and across");
}

static void fb_hugetlb(void)
{
	size_t len = 4 * MB;
	unsigned char *h = mmap(NULL, len, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB,
				-1, 0);
	unsigned char *b;

	if (h == MAP_FAILED) {
		t_note("hugetlb: MAP_HUGETLB: %s: skipped", strerror(errno));
		return;
	}
	b = t_map(len);
	fb_round_trip(h, b, len, 20 * MB, 0x4b1, "hugetlb source");
	fb_round_trip(b, h, len, 24 * MB, 0x4b2, "hugetlb destination");
	fb_round_trip(h + MB + 4096 + 512, b, 2 * MB, 28 * MB, 0x4b3,
		      "hugetlb, unaligned piece across pages");
	t_unmap(h, len);
	t_unmap(b, len);
}

static void fb_shared(void)
{
	size_t len = 2 * MB;
	int mfd = memfd_create("fb", 0);
	unsigned char *s, *b, *chk;

	if (mfd < 0 || ftruncate(mfd, len))
		t_fatal("memfd");
	s = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (s == MAP_FAILED)
		t_fatal("mmap memfd");
	b = t_map(len);
	fb_round_trip(b, s, len, 32 * MB, 0x5a1, "memfd MAP_SHARED destination");
	chk = t_alloc(len, 4096);
	t_ret(pread(mfd, chk, len, 0), len, "read the memfd back");
	t_ok(t_check(chk, len, 32 * MB, 0x5a1),
	     "the data read into shared pages is in the memfd");
	fb_round_trip(s, b, len, 36 * MB, 0x5a2, "memfd MAP_SHARED source");
	free(chk);
	t_unmap(s, len);
	t_unmap(b, len);
	close(mfd);
}

/* An anonymous page followed by a shared memfd page, one buffer. */
static void fb_two_vmas(void)
{
	int mfd = memfd_create("fb2", 0);
	unsigned char *p = t_map(4 * 4096), *q, *b = t_map(4 * 4096);

	if (mfd < 0 || ftruncate(mfd, 2 * 4096))
		t_fatal("memfd");
	q = mmap(p + 2 * 4096, 2 * 4096, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, mfd, 0);
	if (q != p + 2 * 4096)
		t_fatal("mmap memfd at a fixed address");
	fb_round_trip(p + 4096, b, 2 * 4096, 40 * MB, 0x2a1,
		      "destination across anon and shared mappings");
	fb_round_trip(b, p + 4096 + 512, 2 * 4096, 40 * MB, 0x2a2,
		      "source across anon and shared mappings, at page+512");
	t_unmap(p, 4 * 4096);
	t_unmap(b, 4 * 4096);
	close(mfd);
}

/* The device at @off still holds pattern @seed (@len bytes). */
static int fb_device_holds(off_t off, size_t len, uint64_t seed)
{
	unsigned char *c = t_alloc(len, 4096);
	int ok;

	t_pread_all(bfd, c, len, off);
	ok = t_check(c, len, off, seed);
	free(c);
	return ok;
}

static void fb_bad_memory(void)
{
	unsigned char *ro = t_map(64 * 1024), *hole = t_map(64 * 1024);
	unsigned char *b = t_map(64 * 1024);

	t_fill(b, 64 * 1024, 44 * MB, 0xe1);
	t_pwrite_all(bfd, b, 64 * 1024, 44 * MB);
	if (mprotect(ro, 64 * 1024, PROT_READ))
		t_fatal("mprotect");
	t_unmap(hole, 64 * 1024);

	t_errno(pread(fd, ro, 64 * 1024, 44 * MB), EFAULT,
		"read into PROT_READ memory");
	t_ok(t_is_zero(ro, 64 * 1024), "the PROT_READ buffer is untouched");
	t_ret(pwrite(fd, ro, 4096, 48 * MB), 4096,
	      "write from PROT_READ memory");
	t_errno(pread(fd, hole, 64 * 1024, 44 * MB), EFAULT,
		"read into unmapped memory");
	t_errno(pwrite(fd, hole, 64 * 1024, 44 * MB), EFAULT,
		"write from unmapped memory");
	t_ok(fb_device_holds(44 * MB, 64 * 1024, 0xe1),
	     "the device is unchanged by the failed write");
	t_unmap(ro, 64 * 1024);
	t_unmap(b, 64 * 1024);
}

/*
 * The VmFlags line of the mapping at @addr in /proc/self/smaps into @flags
 * (" rd wr ... io pf ..."); -1 if not found.
 */
static int fb_vm_flags(const void *addr, char *flags, size_t size)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int in = 0, found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char perms[8];

		/* a mapping's header: "lo-hi perms offset dev inode path" */
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3) {
			in = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
		} else if (in && !strncmp(line, "VmFlags:", 8)) {
			size_t len = strcspn(line + 8, "\n");

			if (len >= size)
				len = size - 1;
			memcpy(flags, line + 8, len);
			flags[len] = '\0';
			found = 0;
			break;
		}
	}
	fclose(f);
	return found;
}

/*
 * Memory without struct pages: pinning must fail, and the I/O with it.
 * The write (device <- mapping) only reads the mapping; a read into it is
 * tried only where a stray store is harmless: /dev/mem's first page (low
 * memory the kernel reserves) and files the caller marks rw: (the
 * registers of QEMU's pci-testdev only count writes).
 */
static void fb_pfnmap(const char *arg)
{
	int try_read = !strncmp(arg, "rw:", 3);
	const char *path = try_read ? arg + 3 : arg;
	int rfd = open(path, O_RDWR | O_SYNC);
	char flags[256];
	unsigned char *m;
	ssize_t n;

	try_read |= !strcmp(path, "/dev/mem");

	if (rfd < 0) {
		t_note("%s: %s: skipped", path, strerror(errno));
		return;
	}
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, rfd, 0);
	if (m == MAP_FAILED) {
		t_note("%s: mmap: %s: skipped", path, strerror(errno));
		close(rfd);
		return;
	}
	if (fb_vm_flags(m, flags, sizeof(flags)))
		t_fatal("%s: no VmFlags for the mapping in smaps", path);
	t_ok(strstr(flags, " io") && strstr(flags, " pf"),
	     "%s is mapped VM_IO|VM_PFNMAP (VmFlags:%s)", path, flags);
	{
		unsigned char *b = t_map(4096);

		t_fill(b, 4096, 52 * MB, 0xe2);
		t_pwrite_all(bfd, b, 4096, 52 * MB);
		t_unmap(b, 4096);
	}
	n = pwrite(fd, m, 4096, 52 * MB);
	t_errno2(n, EFAULT, EINVAL, "write from a VM_PFNMAP mapping of %s "
		 "(%s)", path, n < 0 ? strerror(errno) : "no error");
	t_ok(fb_device_holds(52 * MB, 4096, 0xe2),
	     "the device is unchanged by it");
	if (try_read) {
		n = pread(fd, m, 4096, 52 * MB);
		t_errno2(n, EFAULT, EINVAL,
			 "read into a VM_PFNMAP mapping of %s (%s)", path,
			 n < 0 ? strerror(errno) : "no error");
	}
	munmap(m, 4096);
	close(rfd);
}

struct fb_unmapper {
	unsigned char *p;
	size_t len;
	long delay_us;
};

static void *fb_unmap_thread(void *arg)
{
	struct fb_unmapper *u = arg;
	struct timespec ts = { 0, u->delay_us * 1000 };

	nanosleep(&ts, NULL);
	munmap(u->p, u->len);
	return NULL;
}

static void fb_munmap_race(void)
{
	static const long delay_us[] = { 0, 200, 1000, 5000, 20000 };
	size_t len = 64 * MB, i;

	for (i = 0; i < sizeof(delay_us) / sizeof(delay_us[0]); i++) {
		struct fb_unmapper u = { t_map(len), len, delay_us[i] };
		pthread_t th;
		ssize_t n;
		int err;

		pthread_create(&th, NULL, fb_unmap_thread, &u);
		n = pread(fd, u.p, len, 0);
		err = errno;
		pthread_join(th, NULL);
		t_ok((n == -1 && err == EFAULT) ||
		     (n >= 0 && (size_t)n <= len && n % 512 == 0),
		     "64 MiB read, buffer unmapped after %ld us: %zd%s%s",
		     delay_us[i], n, n < 0 ? " " : "",
		     n < 0 ? strerror(err) : "");
	}
}

int main(int argc, char **argv)
{
	int ctl, i;

	if (argc < 2)
		t_usage(argv[0], "BLOCKDEV [PFNMAP_FILE...]");
	bfd = t_bdev_open(argv[1], O_RDWR | O_DIRECT, NULL, NULL);
	if (t_lbs(bfd) != 512 || t_dev_size(bfd) < 96 * MB)
		t_fatal("%s: needs 512-byte blocks and 96 MiB", argv[1]);
	fd = t_raw_bind_open(&ctl, 1, argv[1], O_RDWR);

	fb_thp();
	fb_hugetlb();
	fb_shared();
	fb_two_vmas();
	fb_bad_memory();
	for (i = 2; i < argc; i++)
		fb_pfnmap(argv[i]);
	fb_munmap_race();

	close(fd);
	close(bfd);
	return t_raw_finish(ctl, 1);
}
