/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The raw character device ABI, identical to glibc's <sys/raw.h> and to the
 * in-kernel driver removed in Linux 5.14.  For programs that do not use
 * glibc's header, and for the module itself.
 */
#ifndef _UAPI_RAW_H
#define _UAPI_RAW_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define RAW_MAJOR	162	/* char major; minor 0 is the control device */

#define RAW_SETBIND	_IO(0xac, 0)	/* bind or, with 0/0, unbind a minor */
#define RAW_GETBIND	_IO(0xac, 1)	/* query a minor's binding */

/*
 * struct raw_config_request - argument of RAW_SETBIND and RAW_GETBIND
 * @raw_minor:   raw minor, 1 .. max_raw_minors - 1
 * @block_major: major of the block device (0 with minor 0: unbound)
 * @block_minor: minor of the block device
 *
 * 24 bytes on 64-bit, 20 bytes on i386 (no padding after @raw_minor).
 */
struct raw_config_request {
	int	raw_minor;
	__u64	block_major;
	__u64	block_minor;
};

#endif /* _UAPI_RAW_H */
