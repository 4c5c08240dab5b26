// SPDX-License-Identifier: GPL-2.0
/*
 * insn-count.so: a QEMU TCG plugin that counts the guest instructions run
 * from each translation block's start address, for scripts/profile.
 *
 * Neither QEMU the guests run on ships a plugin header, so the few entry
 * points used are declared here.  They are the ones that API version 1
 * (Debian 12's QEMU 7.2) and version 2 and later (bookworm-backports'
 * QEMU 10, which dropped the inline counters of version 1) both have;
 * the version the plugin claims is chosen at build time, -DINSN_COUNT_API=N
 * (default 1).  Each block's runs are counted by a callback.  At
 * exit the plugin writes "ADDRESS INSTRUCTIONS" lines, one per address, to
 * the file named by its "out" argument (-plugin FILE,out=PATH).  With
 * "reset=ADDRESS" (hex), every count restarts from zero each time the
 * guest runs the code at ADDRESS, so that only what follows is counted.
 * Under -icount the guest's clock is its instruction count, so these are
 * the costs that decide a benchmark's figures there.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
typedef void (*tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
					  vcpu_udata_cb_t cb,
					  enum qemu_plugin_cb_flags flags,
					  void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, udata_cb_t cb,
				    void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);

#ifndef INSN_COUNT_API
#define INSN_COUNT_API 1
#endif
__attribute__((visibility("default"))) int qemu_plugin_version = INSN_COUNT_API;

/* One translation of a block: it may be translated more than once. */
struct block {
	uint64_t vaddr;
	uint64_t insns;
	uint64_t runs;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct block **blocks;
static size_t nr_blocks, max_blocks;
static char *out_path;
static uint64_t reset_vaddr;

static void on_reset(unsigned int vcpu_index, void *userdata)
{
	size_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < nr_blocks; i++)
		blocks[i]->runs = 0;
	pthread_mutex_unlock(&lock);
}

/* Under -icount there is one vCPU, so the plain increment is safe. */
static void on_run(unsigned int vcpu_index, void *userdata)
{
	struct block *b = userdata;

	b->runs++;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	struct block *b = calloc(1, sizeof(*b));

	if (!b)
		abort();
	b->vaddr = qemu_plugin_tb_vaddr(tb);
	b->insns = qemu_plugin_tb_n_insns(tb);
	pthread_mutex_lock(&lock);
	if (nr_blocks == max_blocks) {
		max_blocks = max_blocks ? 2 * max_blocks : 65536;
		blocks = realloc(blocks, max_blocks * sizeof(*blocks));
		if (!blocks)
			abort();
	}
	blocks[nr_blocks++] = b;
	pthread_mutex_unlock(&lock);
	qemu_plugin_register_vcpu_tb_exec_cb(tb, on_run, QEMU_PLUGIN_CB_NO_REGS,
					     b);
	if (reset_vaddr && b->vaddr == reset_vaddr)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, on_reset,
						     QEMU_PLUGIN_CB_NO_REGS,
						     NULL);
}

static int by_vaddr(const void *a, const void *b)
{
	const struct block *x = *(struct block *const *)a;
	const struct block *y = *(struct block *const *)b;

	return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

static void on_quit(qemu_plugin_id_t id, void *userdata)
{
	FILE *f = fopen(out_path, "w");
	size_t i = 0;

	if (!f) {
		perror(out_path);
		return;
	}
	qsort(blocks, nr_blocks, sizeof(*blocks), by_vaddr);
	while (i < nr_blocks) {
		uint64_t vaddr = blocks[i]->vaddr, sum = 0;

		for (; i < nr_blocks && blocks[i]->vaddr == vaddr; i++)
			sum += blocks[i]->runs * blocks[i]->insns;
		if (sum)
			fprintf(f, "%" PRIx64 " %" PRIu64 "\n", vaddr, sum);
	}
	fclose(f);
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const void *info, int argc,
			char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			out_path = strdup(argv[i] + 4);
		else if (!strncmp(argv[i], "reset=", 6))
			reset_vaddr = strtoull(argv[i] + 6, NULL, 16);
	if (!out_path) {
		fprintf(stderr, "insn-count: needs out=PATH\n");
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, on_quit, NULL);
	return 0;
}
