// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of raw.ko's page pinning and of its ABI
 *
 * pin.c and compat.h are the driver's own, built into this module
 * (tests/kunit/build), so these tests run the code raw.ko runs: pins taken
 * from user memory are released exactly once, kernel memory is never
 * pinned, read bios come back dirty, a bad address fails cleanly.  A pin
 * is 1024 on the page's reference count (GUP_PIN_COUNTING_BIAS), so a
 * page's count before and after a pin/unpin pair says whether they balance.
 * The user memory is a KUnit mm (kunit_vm_mmap()).
 */
#include <kunit/test.h>
#include <linux/bio.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/stddef.h>
#include <linux/uio.h>

#include "compat.h"
#include "pin.h"
#include "include/uapi/raw.h"

#define NPAGES	4

struct pin_ctx {
	void __user *ubuf;
	struct page *pages[NPAGES];
	int refs[NPAGES];
};

/* The ABI raw(8) and old binaries were built against. */
static void raw_uapi_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, RAW_MAJOR, 162);
	KUNIT_EXPECT_EQ(test, RAW_SETBIND, 0xac00);
	KUNIT_EXPECT_EQ(test, RAW_GETBIND, 0xac01);
	KUNIT_EXPECT_EQ(test, sizeof(struct raw_config_request), 24);
	KUNIT_EXPECT_EQ(test, offsetof(struct raw_config_request, block_major), 8);
	KUNIT_EXPECT_EQ(test, offsetof(struct raw_config_request, block_minor), 16);
}

/*
 * Map NPAGES of anonymous user memory, fault them in with a first pin,
 * and record each page's reference count without pins.
 */
static int pin_test_init(struct kunit *test)
{
	struct pin_ctx *ctx;
	struct iov_iter iter;
	size_t off;
	ssize_t got;
	unsigned long addr;
	int i;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	test->priv = ctx;
	addr = kunit_vm_mmap(test, NULL, 0, NPAGES * PAGE_SIZE,
			     PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_FALSE(test, !addr || IS_ERR_VALUE(addr));
	ctx->ubuf = (void __user *)addr;
	KUNIT_ASSERT_EQ(test, clear_user(ctx->ubuf, NPAGES * PAGE_SIZE), 0);

	iov_iter_ubuf(&iter, ITER_DEST, ctx->ubuf, NPAGES * PAGE_SIZE);
	got = raw_pin_iter(&iter, ctx->pages, NPAGES * PAGE_SIZE, NPAGES, &off);
	KUNIT_ASSERT_EQ(test, got, (ssize_t)(NPAGES * PAGE_SIZE));
	raw_unpin_pages(ctx->pages, NPAGES);
	for (i = 0; i < NPAGES; i++)
		ctx->refs[i] = page_ref_count(ctx->pages[i]);
	return 0;
}

static void expect_unpinned(struct kunit *test, struct pin_ctx *ctx)
{
	int i;

	for (i = 0; i < NPAGES; i++) {
		KUNIT_EXPECT_EQ_MSG(test, page_ref_count(ctx->pages[i]),
				    ctx->refs[i], "page %d", i);
		KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(page_folio(ctx->pages[i])));
	}
}

/* A read destination in user memory: pinned, writable, released once. */
static void raw_pin_user_test(struct kunit *test)
{
	struct pin_ctx *ctx = test->priv;
	struct page *pages[NPAGES];
	struct iov_iter iter;
	size_t len = NPAGES * PAGE_SIZE - 1024, off = 0;
	ssize_t got;
	int i;

	iov_iter_ubuf(&iter, ITER_DEST, ctx->ubuf + 512, len);
	KUNIT_EXPECT_TRUE(test, raw_pin_needed(&iter));
	got = raw_pin_iter(&iter, pages, len, NPAGES, &off);
	KUNIT_ASSERT_EQ(test, got, (ssize_t)len);
	KUNIT_EXPECT_EQ(test, off, 512);
	KUNIT_EXPECT_EQ(test, iov_iter_count(&iter), 0);
	for (i = 0; i < NPAGES; i++) {
		KUNIT_EXPECT_PTR_EQ(test, pages[i], ctx->pages[i]);
		KUNIT_EXPECT_TRUE(test, folio_maybe_dma_pinned(page_folio(pages[i])));
	}
	raw_unpin_pages(pages, NPAGES);
	expect_unpinned(test, ctx);
}

/* maxpages cuts the run short and the iterator keeps the rest. */
static void raw_pin_maxpages_test(struct kunit *test)
{
	struct pin_ctx *ctx = test->priv;
	struct page *pages[NPAGES];
	struct iov_iter iter;
	size_t off;
	ssize_t got;

	iov_iter_ubuf(&iter, ITER_SOURCE, ctx->ubuf + 512,
		      NPAGES * PAGE_SIZE - 512);
	got = raw_pin_iter(&iter, pages, NPAGES * PAGE_SIZE, 2, &off);
	KUNIT_ASSERT_EQ(test, got, (ssize_t)(2 * PAGE_SIZE - 512));
	KUNIT_EXPECT_EQ(test, iov_iter_count(&iter), (NPAGES - 2) * PAGE_SIZE);
	raw_unpin_pages(pages, 2);
	got = raw_pin_iter(&iter, pages, NPAGES * PAGE_SIZE, NPAGES, &off);
	KUNIT_ASSERT_EQ(test, got, (ssize_t)((NPAGES - 2) * PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, off, 0);
	KUNIT_EXPECT_PTR_EQ(test, pages[0], ctx->pages[2]);
	raw_unpin_pages(pages, NPAGES - 2);
	expect_unpinned(test, ctx);
}

/* An address nothing is mapped at fails, and takes no pin. */
static void raw_pin_fault_test(struct kunit *test)
{
	struct pin_ctx *ctx = test->priv;
	struct page *pages[NPAGES];
	struct iov_iter iter;
	size_t off;
	ssize_t got;

	iov_iter_ubuf(&iter, ITER_DEST, (void __user *)PAGE_SIZE, PAGE_SIZE);
	got = raw_pin_iter(&iter, pages, PAGE_SIZE, NPAGES, &off);
	KUNIT_EXPECT_LT(test, got, 0);
	expect_unpinned(test, ctx);
}

/* Kernel memory (what io_uring's registered buffers look like): no pins. */
static void raw_pin_kernel_test(struct kunit *test)
{
	struct page *page, *got_page = NULL;
	struct bio_vec bv;
	struct iov_iter iter;
	size_t off;
	ssize_t got;
	int ref;

	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	ref = page_ref_count(page);
	bvec_set_page(&bv, page, PAGE_SIZE - 512, 512);
	iov_iter_bvec(&iter, ITER_DEST, &bv, 1, PAGE_SIZE - 512);
	KUNIT_EXPECT_FALSE(test, raw_pin_needed(&iter));
	got = raw_pin_iter(&iter, &got_page, PAGE_SIZE, 1, &off);
	KUNIT_EXPECT_EQ(test, got, (ssize_t)(PAGE_SIZE - 512));
	KUNIT_EXPECT_EQ(test, off, 512);
	KUNIT_EXPECT_PTR_EQ(test, got_page, page);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), ref);
	__free_page(page);
}

/*
 * A bio of NPAGES bvecs for the test alone, freed with the test.  Its
 * bvecs are an array of their own: where a bio keeps its inline ones
 * changed in 7.x (bi_inline_vecs became bio_inline_vecs()), and the test
 * needs neither.
 */
static struct bio *test_bio_alloc(struct kunit *test)
{
	struct bio_vec *bvecs;
	struct bio *bio;

	bio = kunit_kzalloc(test, sizeof(*bio), GFP_KERNEL);
	bvecs = kunit_kcalloc(test, NPAGES, sizeof(*bvecs), GFP_KERNEL);
	if (!bio || !bvecs)
		return NULL;
	bio_init(bio, NULL, bvecs, NPAGES, REQ_OP_READ);
	return bio;
}

/*
 * A read bio: raw_bio_set_dirty() dirties every page, raw_unpin_bio()
 * releases every pin it was built from.
 */
static void raw_unpin_bio_test(struct kunit *test)
{
	struct pin_ctx *ctx = test->priv;
	struct page *pages[NPAGES];
	struct iov_iter iter;
	struct bio *bio;
	size_t off;
	ssize_t got;
	int i;

	iov_iter_ubuf(&iter, ITER_DEST, ctx->ubuf, NPAGES * PAGE_SIZE);
	got = raw_pin_iter(&iter, pages, NPAGES * PAGE_SIZE, NPAGES, &off);
	KUNIT_ASSERT_EQ(test, got, (ssize_t)(NPAGES * PAGE_SIZE));
	bio = test_bio_alloc(test);
	if (!bio)
		raw_unpin_pages(pages, NPAGES);
	KUNIT_ASSERT_NOT_NULL(test, bio);
	for (i = 0; i < NPAGES; i++)
		__bio_add_page(bio, pages[i], PAGE_SIZE, 0);
	raw_bio_set_dirty(bio);
	KUNIT_EXPECT_TRUE(test, raw_bio_dirty(bio));
	raw_unpin_bio(bio, false);
	bio_uninit(bio);
	expect_unpinned(test, ctx);
}

/* The same with dirty = true: what completion does in process context. */
static void raw_unpin_bio_dirty_test(struct kunit *test)
{
	struct pin_ctx *ctx = test->priv;
	struct page *pages[NPAGES];
	struct iov_iter iter;
	struct bio *bio;
	size_t off;
	ssize_t got;
	int i;

	iov_iter_ubuf(&iter, ITER_DEST, ctx->ubuf, NPAGES * PAGE_SIZE);
	got = raw_pin_iter(&iter, pages, NPAGES * PAGE_SIZE, NPAGES, &off);
	KUNIT_ASSERT_EQ(test, got, (ssize_t)(NPAGES * PAGE_SIZE));
	bio = test_bio_alloc(test);
	if (!bio)
		raw_unpin_pages(pages, NPAGES);
	KUNIT_ASSERT_NOT_NULL(test, bio);
	for (i = 0; i < NPAGES; i++)
		__bio_add_page(bio, pages[i], PAGE_SIZE, 0);
	raw_unpin_bio(bio, true);
	for (i = 0; i < NPAGES; i++)
		KUNIT_EXPECT_TRUE(test, PageDirty(pages[i]));
	bio_uninit(bio);
	expect_unpinned(test, ctx);
}

static struct kunit_case raw_pin_cases[] = {
	KUNIT_CASE(raw_pin_user_test),
	KUNIT_CASE(raw_pin_maxpages_test),
	KUNIT_CASE(raw_pin_fault_test),
	KUNIT_CASE(raw_unpin_bio_test),
	KUNIT_CASE(raw_unpin_bio_dirty_test),
	{}
};

static struct kunit_suite raw_pin_suite = {
	.name = "raw_pin",
	.init = pin_test_init,
	.test_cases = raw_pin_cases,
};

static struct kunit_case raw_abi_cases[] = {
	KUNIT_CASE(raw_uapi_test),
	KUNIT_CASE(raw_pin_kernel_test),
	{}
};

static struct kunit_suite raw_abi_suite = {
	.name = "raw_abi",
	.test_cases = raw_abi_cases,
};

kunit_test_suites(&raw_pin_suite, &raw_abi_suite);

MODULE_DESCRIPTION("KUnit tests of raw.ko's pinning and ABI");
MODULE_LICENSE("GPL");
