// SPDX-License-Identifier: GPL-2.0
/*
 * mem_hog - memory pressure: hold MIB MiB of anonymous memory, stored into
 * page by page, in 32 MiB chunks, then for SECONDS keep replacing the
 * oldest chunk with a new one, so that the memory stays taken and page
 * faults keep allocating (every other chunk with MADV_HUGEPAGE, so that
 * they compact as well as reclaim).  Prints "# mem_hog: filled" once it
 * holds MIB MiB.  Does no raw I/O itself.
 *
 * usage: mem_hog [-s SECONDS] MIB
 */
#define _GNU_SOURCE
#include "lib/rawtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MH_CHUNK	(32UL << 20)

static unsigned long long mh_chunks;

/* A new chunk, every page stored into. */
static unsigned char *mh_chunk(void)
{
	unsigned char *p = mmap(NULL, MH_CHUNK, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t off;

	if (p == MAP_FAILED)
		t_fatal("mem_hog: mmap a chunk");
	madvise(p, MH_CHUNK, mh_chunks % 2 ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	for (off = 0; off < MH_CHUNK; off += 4096)
		p[off] = (unsigned char)(off >> 12);
	mh_chunks++;
	return p;
}

int main(int argc, char **argv)
{
	unsigned long long seconds = 10;
	unsigned char **ring;
	size_t n, i;
	double t0;
	int opt;

	while ((opt = getopt(argc, argv, "s:")) != -1) {
		if (opt != 's')
			break;
		seconds = t_num(optarg);
	}
	if (optind != argc - 1)
		t_usage(argv[0], "[-s SECONDS] MIB");
	n = (t_num(argv[optind]) << 20) / MH_CHUNK;
	if (!n)
		t_fatal("mem_hog: at least %lu MiB", MH_CHUNK >> 20);
	ring = calloc(n, sizeof(*ring));
	if (!ring)
		t_fatal("calloc");
	t0 = t_now_ms();
	for (i = 0; i < n; i++)
		ring[i] = mh_chunk();
	t_note("mem_hog: filled %zu MiB in %.1f s", n * (MH_CHUNK >> 20),
	       (t_now_ms() - t0) / 1000);
	t0 = t_now_ms();
	for (i = 0; t_now_ms() - t0 < seconds * 1000.0; i = (i + 1) % n) {
		munmap(ring[i], MH_CHUNK);
		ring[i] = mh_chunk();
	}
	t_note("mem_hog: %llu chunks of %lu MiB mapped and stored into",
	       mh_chunks, MH_CHUNK >> 20);
	return t_done();
}
