// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_ioctl32 - fuzz_ioctl built for i386, through compat_ioctl.
 *
 * tests/Makefile's "%32" rule builds this program from fuzz_ioctl.c with
 * -m32: for $(OUT)/fuzz_ioctl32 both pattern rules match and make takes the
 * one with the shorter stem.  The source is here so that the program is in
 * the Makefile's list of every tests/*.c; it is never compiled itself.
 */
#error "built from fuzz_ioctl.c by the %32 rule of tests/Makefile"
