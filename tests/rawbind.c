// SPDX-License-Identifier: GPL-2.0
/*
 * rawbind - bind, unbind and query raw minors from shell test cases.
 *
 *   rawbind bind N MAJOR MINOR     bind /dev/raw/rawN to MAJOR:MINOR
 *   rawbind bind N /dev/BLOCKDEV   bind /dev/raw/rawN to that device
 *   rawbind unbind N               the same as "bind N 0 0"
 *   rawbind query N                print "MAJOR:MINOR" (0:0 when unbound)
 *   rawbind open N                 open and close /dev/raw/rawN read-only
 *
 * Exit status: 0 on success, the errno value when open or the ioctl fails
 * (so a case can assert it: 22 is EINVAL, 16 EBUSY), 64 on bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/raw.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int usage(void)
{
	fputs("usage: rawbind bind N MAJOR MINOR | bind N /dev/BLOCKDEV |\n"
	      "       rawbind unbind N | query N | open N\n", stderr);
	return 64;
}

static int num(const char *s, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return end != s && !*end && !errno;
}

static int fail(const char *what)
{
	int err = errno;

	fprintf(stderr, "rawbind: %s: %s\n", what, strerror(err));
	return err ? err : 1;
}

int main(int argc, char **argv)
{
	struct raw_config_request rq = { 0 };
	unsigned long long n, maj = 0, min = 0;
	unsigned long req = RAW_SETBIND;
	struct stat st;
	int fd;

	if (argc < 3 || !num(argv[2], &n))
		return usage();
	if (!strcmp(argv[1], "bind") && argc == 5) {
		if (!num(argv[3], &maj) || !num(argv[4], &min))
			return usage();
	} else if (!strcmp(argv[1], "bind") && argc == 4) {
		if (stat(argv[3], &st))
			return fail(argv[3]);
		if (!S_ISBLK(st.st_mode)) {
			errno = ENOTBLK;
			return fail(argv[3]);
		}
		maj = major(st.st_rdev);
		min = minor(st.st_rdev);
	} else if (!strcmp(argv[1], "query") && argc == 3) {
		req = RAW_GETBIND;
	} else if (!strcmp(argv[1], "open") && argc == 3) {
		char path[32];

		snprintf(path, sizeof(path), "/dev/raw/raw%llu", n);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			return fail(path);
		close(fd);
		return 0;
	} else if (strcmp(argv[1], "unbind") || argc != 3) {
		return usage();
	}
	rq.raw_minor = (int)n;
	rq.block_major = maj;
	rq.block_minor = min;

	fd = open("/dev/raw/rawctl", O_RDWR);
	if (fd < 0)
		return fail("/dev/raw/rawctl");
	if (ioctl(fd, req, &rq))
		return fail(req == RAW_GETBIND ? "RAW_GETBIND" : "RAW_SETBIND");
	close(fd);
	if (req == RAW_GETBIND)
		printf("%" PRIu64 ":%" PRIu64 "\n", (uint64_t)rq.block_major,
		       (uint64_t)rq.block_minor);
	return 0;
}
