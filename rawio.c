// SPDX-License-Identifier: GPL-2.0
/*
 * File operations of /dev/raw/rawN: zero-copy block I/O
 *
 * A read or write pins the caller's pages (pin.c), builds bios straight from
 * them, submits them to the bound block device and, as each bio completes,
 * releases its pages (dirtying them first for reads).  There is no bounce
 * copy and no page cache.  One request (struct raw_request) covers one call;
 * it completes when its last bio does:
 *
 *  - synchronously, for read(2), write(2) and friends: the caller sleeps
 *    until then; the request lives on its stack.  Pinned memory is bounded:
 *    once RAW_MAX_PINNED pages are in flight, the submitter waits for
 *    completions before pinning more.
 *  - asynchronously, for io_submit(2) and io_uring: the call returns
 *    -EIOCBQUEUED and the last bio calls ki_complete().  The request lives
 *    in the front pad of its first bio (struct raw_async).  A request whose
 *    user memory needs more than RAW_MAX_PINNED pages goes out in parts of
 *    at most that many (struct raw_cont): the call submits the first, and
 *    when a part's bios have all completed, raw_cont_wq pins and submits
 *    the next in the caller's address space, from the request's own copy
 *    of the iovecs, and completes the call after the last.
 *
 * Most requests fit one bio (up to BIO_MAX_VECS pages), and those take a
 * shorter way that needs no reference counting: raw_io_sync_one(), whose
 * bio lives on the caller's stack, and raw_io_async_one(), completed by
 * its bio's end_io alone.
 *
 * The result is the number of bytes before the first failed bio, or that
 * bio's error when it is the first one.  A bio failing with a media or I/O
 * error is held, pages pinned, until raw_find_bad() has found its first bad
 * logical block, in process context: the result is then exactly the bytes
 * before that block.
 *
 * An IOCB_NOWAIT kiocb (RWF_NOWAIT, io_uring's inline issue) sends
 * REQ_NOWAIT bios, which the block layer fails with BLK_STS_AGAIN where
 * they would wait (for a tag, say).  A synchronous call then returns the
 * bytes before, or -EAGAIN.  An asynchronous one must never complete with
 * -EAGAIN (io_uring re-issues such completions for block devices and
 * regular files only): a first bio failing so while raw is still
 * submitting it makes the call return -EAGAIN instead of -EIOCBQUEUED, and
 * any other is submitted again, without REQ_NOWAIT, from raw_again_work.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/blk-cgroup.h>
#include <linux/blkdev.h>
#include <linux/cgroup.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/llist.h>
#include <linux/moduleparam.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/task_io_accounting_ops.h>
#include <linux/uio.h>
#include <linux/workqueue.h>

#include "dax.h"
#include "pin.h"
#include "raw.h"

/* Most pages one request keeps pinned at a time: 4 MiB. */
#define RAW_MAX_PINNED		(SZ_4M >> PAGE_SHIFT)
/* Bvecs a synchronous one-bio request keeps on the stack. */
#define RAW_INLINE_VECS		4

/*
 * struct raw_request - one read or write call in flight
 * @iocb:     the caller's kiocb
 * @stats:    counters of the minor
 * @waiter:   synchronous requests: the task waiting, NULL once complete
 * @submitter: asynchronous REQ_NOWAIT requests: the task submitting them
 * @host:     the bio the request lives in or beside (its first), or NULL;
 *            it is freed by the request's owner, not when it completes
 * @ref:      one per bio in flight, plus one held by the submitter
 * @pinned:   pages held by bios in flight (synchronous requests)
 * @throttled: the submitter waits for @pinned to drop
 * @is_read:  a read, the device writes into the pages
 * @pins:     the pages carry pins to release
 * @pos:      device offset of the first byte
 * @size:     bytes submitted so far
 * @lock:     protects @err_pos and @error
 * @err_pos:  device offset of the first failed byte, LLONG_MAX if none;
 *            for one-bio asynchronous requests, the bytes asked for
 * @error:    errno of the failure at @err_pos
 * @failed:   bios that failed with an error raw_find_bad() looks into
 * @fail_node: on raw_failed_reqs while raw_settle_work settles it
 * @cont:     asynchronous requests larger than the pinning bound: what
 *            raw_cont_wq needs to submit the rest, part by part; NULL else
 */
struct raw_request {
	struct kiocb *iocb;
	struct raw_stats __percpu *stats;
	struct task_struct *waiter;
	struct task_struct *submitter;
	struct bio *host;
	atomic_t ref;
	atomic_t pinned;
	bool throttled;
	bool is_read;
	bool pins;
	loff_t pos;
	size_t size;
	spinlock_t lock;	/* protects err_pos and error */
	loff_t err_pos;
	int error;
	struct llist_head failed;
	struct llist_node fail_node;
	struct raw_cont *cont;
};

/*
 * struct raw_cont - the rest of an asynchronous request larger than the
 * pinning bound, submitted part by part
 * @work:  on raw_cont_wq when a part's bios are all done
 * @req:   the request
 * @mm:    the caller's address space, held by mmgrab(): its pages are
 *         pinned from the worker while the address space has users
 * @blkcg: the caller's block cgroup (a reference), which the later parts'
 *         bios are charged to as the first part's are; NULL without one
 * @opf:   op and flags of the later parts' bios (no REQ_NOWAIT: the worker
 *         may wait)
 * @iter:  the bytes not yet submitted, over @iov
 * @iov:   the request's own copy of the caller's iovecs: the caller's go
 *         away when the call returns
 *
 * Each part pins at most RAW_MAX_PINNED pages; the next is pinned and
 * submitted when the bios of the one before have all completed.  Only the
 * submitter and then, one part at a time, the worker touch @iter.
 */
struct raw_cont {
	struct work_struct work;
	struct raw_request *req;
	struct mm_struct *mm;
	struct cgroup_subsys_state *blkcg;
	blk_opf_t opf;
	struct iov_iter iter;
	struct iovec iov[];
};

/*
 * struct raw_bio - a bio of a raw request, allocated from raw_bio_set
 * @req:   the request it belongs to
 * @pos:   device offset of its first byte
 * @nr_pages: pages it holds, charged to @req->pinned
 * @dirty_node: on raw_dirty_bios while waiting to be dirtied and released,
 *         on raw_again_bios while waiting to be submitted again, on its
 *         request's failed list or on raw_failed_bios once it failed
 * @iter:  the bio's iterator as submitted
 * @bio:   the bio itself, last: the rest is the bio_set's front pad
 */
struct raw_bio {
	struct raw_request *req;
	loff_t pos;
	unsigned int nr_pages;
	struct llist_node dirty_node;
	struct bvec_iter iter;
	struct bio bio;
};

/*
 * struct raw_async - an asynchronous request and its first bio, allocated
 * together: raw_bio_set's front pad has room for the request in every bio.
 */
struct raw_async {
	struct raw_request req;
	struct raw_bio rbio;
};

static struct bio_set raw_bio_set;

/*
 * Synchronous RWF_HIPRI requests are served as block/fops.c serves them, by
 * interrupt, unless this asks raw to poll them on devices with poll queues.
 */
static bool raw_sync_poll;
module_param_named(sync_poll, raw_sync_poll, bool, 0644);
MODULE_PARM_DESC(sync_poll,
		 "Poll synchronous RWF_HIPRI I/O on poll queues (default: no, interrupts as block O_DIRECT)");

/*
 * Read bios whose pages lost their dirty bit during the I/O wait here for
 * raw_dirty_work, which dirties and releases them in process context.
 */
static LLIST_HEAD(raw_dirty_bios);
static void raw_dirty_workfn(struct work_struct *work);
static DECLARE_WORK(raw_dirty_work, raw_dirty_workfn);

/*
 * REQ_NOWAIT bios of asynchronous requests that would have blocked after
 * their submission wait here for raw_again_work, which submits them again
 * without REQ_NOWAIT.
 */
static LLIST_HEAD(raw_again_bios);
static void raw_again_workfn(struct work_struct *work);
static DECLARE_WORK(raw_again_work, raw_again_workfn);

/*
 * iocb->private of an asynchronous REQ_NOWAIT request while raw submits its
 * first bio, and once that bio would have blocked there: see
 * raw_bio_would_block().  Neither is left there when the call returns.
 */
#define RAW_IOCB_SUBMITTING	((void *)1)
#define RAW_IOCB_AGAIN		((void *)2)

/*
 * Asynchronous requests, and failed bios of one-bio ones, whose result
 * waits for raw_find_bad(): raw_settle_work settles them in process
 * context.
 */
static LLIST_HEAD(raw_failed_reqs);
static LLIST_HEAD(raw_failed_bios);
static void raw_settle_workfn(struct work_struct *work);
static DECLARE_WORK(raw_settle_work, raw_settle_workfn);

/* Submits the later parts of requests larger than the pinning bound. */
static struct workqueue_struct *raw_cont_wq;

static struct raw_bio *raw_bio(struct bio *bio)
{
	return container_of(bio, struct raw_bio, bio);
}

/* Record a failure at device offset @pos, keeping the lowest one. */
static void raw_req_fail(struct raw_request *req, loff_t pos, int error)
{
	unsigned long flags;

	spin_lock_irqsave(&req->lock, flags);
	if (pos < req->err_pos) {
		req->err_pos = pos;
		req->error = error;
	}
	spin_unlock_irqrestore(&req->lock, flags);
}

/* The call's result: bytes before the first failure, else its error. */
static ssize_t raw_req_result(struct raw_request *req)
{
	if (req->err_pos == LLONG_MAX)
		return req->size;
	if (req->err_pos > req->pos)
		return req->err_pos - req->pos;
	return req->error;
}

/* The end of a request of several bios: its result counted, the kiocb moved. */
static void raw_req_done(struct raw_request *req, ssize_t ret)
{
	raw_done(req->iocb, req->stats, req->is_read, ret,
		 req->err_pos != LLONG_MAX && req->error != -EAGAIN);
}

/*
 * Wake the task that waits for a synchronous request, right after its mark
 * (bi_private, req->waiter) was cleared.  A waiter that is still running
 * needs no wake-up: it sets its state before it looks at the mark, and the
 * barrier here pairs with the one in its set_current_state(), so either it
 * sees the mark cleared or we see it going to sleep.  Where kblockd
 * completes the bio, the waiter is usually just preempted in
 * raw_io_sync_one()'s cond_resched(), and try_to_wake_up() would only take
 * its locks to find it running.  The rest is blk_wake_io_task(): a task
 * polling for its own bio, which completes it itself (maybe from
 * schedule()), is only marked running.
 */
static void raw_wake_waiter(struct task_struct *waiter)
{
	if (waiter != current) {
		/* Order the mark's clearing before the state's read: see above. */
		smp_mb();
		if (task_is_running(waiter))
			return;
	}
	blk_wake_io_task(waiter);
}

/*
 * The longest a waiter sleeps before it looks at its condition again.
 * blk_io_schedule(), which the block layer's own waiters use, is not
 * exported from 7.2 on, and the hung-task timeout it sleeps half of is not
 * exported either.  A waiter woken at least this often is never reported
 * as hung for a long I/O wait (under any hung-task timeout of 2 s or more),
 * and one wake-up a second costs nothing next to an I/O that long.
 */
#define RAW_IO_WAIT_SLICE	HZ

/*
 * Sleep, accounted as waiting for I/O, until woken or RAW_IO_WAIT_SLICE
 * passes; the caller has set its task state and loops on its condition,
 * so an early return only makes it look again.
 */
static void raw_io_wait(void)
{
	io_schedule_timeout(RAW_IO_WAIT_SLICE);
}

/* An asynchronous request is over: complete its call, free it. */
static void raw_req_end_async(struct raw_request *req)
{
	struct kiocb *iocb = req->iocb;
	ssize_t ret;

	ret = raw_req_result(req);
	WRITE_ONCE(iocb->private, NULL);
	raw_req_done(req, ret);
	iocb->ki_complete(iocb, ret);
	/* @req lives in its host bio's front pad: this frees it. */
	bio_put(req->host);
}

/* The last reference is gone: every bio has completed and been released. */
static void raw_req_complete(struct raw_request *req)
{
	struct task_struct *waiter = req->waiter;

	if (waiter) {
		/*
		 * The waiter accounts and returns; @req lives on its stack.
		 * The kiocb's private field is not ours to touch here: io_uring
		 * leaves it uninitialised outside polled rings.
		 */
		WRITE_ONCE(req->waiter, NULL);
		raw_wake_waiter(waiter);
		return;
	}

	/* A part is done: the worker settles it and goes on, or ends @req. */
	if (req->cont) {
		queue_work(raw_cont_wq, &req->cont->work);
		return;
	}

	/* Failed bios to look into: not from here, maybe an interrupt. */
	if (unlikely(!llist_empty(&req->failed))) {
		if (llist_add(&req->fail_node, &raw_failed_reqs))
			schedule_work(&raw_settle_work);
		return;
	}
	raw_req_end_async(req);
}

static void raw_req_put(struct raw_request *req)
{
	if (atomic_dec_and_test(&req->ref))
		raw_req_complete(req);
}

/*
 * A bio of @req is done with: uncharge its pages and wake a throttled
 * submitter before the caller drops the bio's reference, until when
 * neither @req nor the waiting task can go away.
 */
static void raw_req_uncharge(struct raw_request *req, struct raw_bio *rbio)
{
	if (atomic_sub_return(rbio->nr_pages, &req->pinned) < RAW_MAX_PINNED &&
	    READ_ONCE(req->throttled))
		wake_up_process(req->waiter);
}

/* A bio's pages are released: account it and drop its request reference. */
static void raw_bio_release(struct bio *bio)
{
	struct raw_bio *rbio = raw_bio(bio);
	struct raw_request *req = rbio->req;

	if (bio->bi_status)
		raw_req_fail(req, rbio->pos, blk_status_to_errno(bio->bi_status));
	raw_req_uncharge(req, rbio);
	if (bio != req->host)
		bio_put(bio);
	raw_req_put(req);
}

/*
 * A bio of @req failed with an error raw_find_bad() looks into: record the
 * failure and keep the bio, pins and all, on the request's failed list for
 * raw_req_settle().  Its pages are uncharged all the same: the submitter
 * stops at a failure, so no more than what was in flight stays pinned.
 */
static void raw_bio_hold(struct bio *bio)
{
	struct raw_bio *rbio = raw_bio(bio);
	struct raw_request *req = rbio->req;

	raw_req_fail(req, rbio->pos, blk_status_to_errno(bio->bi_status));
	llist_add(&rbio->dirty_node, &req->failed);
	raw_req_uncharge(req, rbio);
	raw_req_put(req);
}

static void raw_dirty_workfn(struct work_struct *work)
{
	struct llist_node *list = llist_del_all(&raw_dirty_bios);
	struct raw_bio *rbio, *next;

	llist_for_each_entry_safe(rbio, next, list, dirty_node) {
		raw_unpin_bio(&rbio->bio, true);
		/* A one-bio request has completed already. */
		if (rbio->req)
			raw_bio_release(&rbio->bio);
		else
			bio_put(&rbio->bio);
	}
}

/*
 * Release the pages of completed @bio of @req, if it holds pins.  A read's
 * pages that lost their dirty bit are left to raw_dirty_work, which dirties
 * and releases them in process context: false is returned then, and the
 * bio must not be touched any more.
 */
static bool raw_bio_unpin_done(struct bio *bio, const struct raw_request *req)
{
	if (!req->pins)
		return true;
	if (req->is_read && !raw_bio_dirty(bio)) {
		/* Dirtying sleeps: leave it to process context. */
		if (llist_add(&raw_bio(bio)->dirty_node, &raw_dirty_bios))
			schedule_work(&raw_dirty_work);
		return false;
	}
	raw_unpin_bio(bio, false);
	return true;
}

/*
 * A REQ_NOWAIT bio of asynchronous request @req failed with BLK_STS_AGAIN:
 * it would have blocked.  If it is the request's @first bio and its
 * submitter is still in submit_bio() for it (this very task, the kiocb
 * marked so), the mark tells the submitter, which frees the bio and makes
 * the call return -EAGAIN.  Any other such bio is left to raw_again_work.
 * Returns false for a bio without REQ_NOWAIT: its failure is an error.
 */
static noinline bool raw_bio_would_block(struct bio *bio,
					 struct raw_request *req, bool first)
{
	struct kiocb *iocb = req->iocb;

	if (!(bio->bi_opf & REQ_NOWAIT))
		return false;
	if (first && in_task() && req->submitter == current &&
	    READ_ONCE(iocb->private) == RAW_IOCB_SUBMITTING) {
		WRITE_ONCE(iocb->private, RAW_IOCB_AGAIN);
		return true;
	}
	raw_bio(bio)->req = req;
	if (llist_add(&raw_bio(bio)->dirty_node, &raw_again_bios))
		schedule_work(&raw_again_work);
	return true;
}

/*
 * Submit again, without REQ_NOWAIT and so from process context, a bio that
 * would have blocked: reset, as a bio the block layer completed must be,
 * to its pages and its iterator as first submitted, on the raw file's
 * device (a stacking driver may have remapped it).
 */
static void raw_bio_resubmit(struct raw_bio *rbio)
{
	struct bio *bio = &rbio->bio;
	struct block_device *bdev = raw_file_bdev(rbio->req->iocb->ki_filp);
	unsigned short vcnt = bio->bi_vcnt;
	bool borrowed = bio_flagged(bio, BIO_CLONED);
	bio_end_io_t *end_io = bio->bi_end_io;
	unsigned short ioprio = bio->bi_ioprio;

	bio_reset(bio, bdev, bio->bi_opf & ~REQ_NOWAIT);
	bio->bi_vcnt = vcnt;
	bio->bi_iter = rbio->iter;
	bio->bi_end_io = end_io;
	bio->bi_ioprio = ioprio;
	if (borrowed)
		bio_set_flag(bio, BIO_CLONED);
	submit_bio(bio);
}

static void raw_again_workfn(struct work_struct *work)
{
	struct llist_node *list = llist_del_all(&raw_again_bios);
	struct raw_bio *rbio, *next;

	llist_for_each_entry_safe(rbio, next, list, dirty_node)
		raw_bio_resubmit(rbio);
}

/*
 * @bio, submitted to @bdev with iterator @start, failed with a media or
 * I/O error: find its first bad logical block.  The part not yet known
 * good is halved and its first half read or written again, synchronously,
 * from the same pages, until one block is left: log2(blocks) I/Os at most,
 * each at most half the one before, all in process context after an error
 * only.  Every byte before the bad block has then been transferred by one
 * of them.  Returns those bytes; *@error is set to the errno of the last
 * retry that failed, if one did.
 */
static unsigned int raw_find_bad(struct bio *bio, struct bvec_iter start,
				 struct block_device *bdev, int *error)
{
	unsigned int lbs = bdev_logical_block_size(bdev);
	blk_opf_t opf = bio->bi_opf &
			~(REQ_NOWAIT | REQ_POLLED | REQ_ALLOC_CACHE);
	unsigned int good = 0, bad = start.bi_size;

	while (bad - good > lbs) {
		unsigned int mid = good + round_down((bad - good) / 2, lbs);
		struct bio probe;
		int ret;

		bio_init(&probe, bdev, bio->bi_io_vec, bio->bi_vcnt, opf);
		bio_set_flag(&probe, BIO_CLONED);
		probe.bi_iter = start;
		probe.bi_ioprio = bio->bi_ioprio;
		bio_advance(&probe, good);
		probe.bi_iter.bi_size = mid - good;
		ret = submit_bio_wait(&probe);
		bio_uninit(&probe);
		if (ret) {
			bad = mid;
			*error = ret;
		} else {
			good = mid;
		}
	}
	return good;
}

/*
 * Settle request @req whose failed bios were held: find the first bad
 * block of the lowest, if the request's first failure is there, then
 * release them all.
 *
 * Context: process context, sleeps; every bio of @req has completed.
 */
static void raw_req_settle(struct raw_request *req)
{
	struct llist_node *list = llist_del_all(&req->failed);
	struct raw_bio *rbio, *next, *low = NULL;

	llist_for_each_entry(rbio, list, dirty_node) {
		if (!low || rbio->pos < low->pos)
			low = rbio;
	}
	if (low && low->pos == req->err_pos)
		req->err_pos += raw_find_bad(&low->bio, low->iter,
					     raw_file_bdev(req->iocb->ki_filp),
					     &req->error);
	llist_for_each_entry_safe(rbio, next, list, dirty_node) {
		if (req->pins)
			raw_unpin_bio(&rbio->bio, req->is_read);
		if (&rbio->bio != req->host)
			bio_put(&rbio->bio);
	}
}

static void raw_async_one_settle(struct raw_bio *rbio);

static void raw_settle_workfn(struct work_struct *work)
{
	struct llist_node *reqs = llist_del_all(&raw_failed_reqs);
	struct llist_node *bios = llist_del_all(&raw_failed_bios);
	struct raw_request *req, *rnext;
	struct raw_bio *rbio, *bnext;

	llist_for_each_entry_safe(req, rnext, reqs, fail_node) {
		raw_req_settle(req);
		raw_req_end_async(req);
	}
	llist_for_each_entry_safe(rbio, bnext, bios, dirty_node)
		raw_async_one_settle(rbio);
}

/* Media and device errors, whose first bad block raw_find_bad() finds. */
static bool raw_status_probed(blk_status_t status)
{
	return status == BLK_STS_IOERR || status == BLK_STS_MEDIUM ||
	       status == BLK_STS_PROTECTION;
}

/*
 * A bio of a request of several failed: take it over if it would have
 * blocked (asynchronous requests) or if raw_find_bad() is to look into it.
 */
static noinline bool raw_bio_failed(struct bio *bio, struct raw_request *req)
{
	if (bio->bi_status == BLK_STS_AGAIN)
		return !req->waiter &&
		       raw_bio_would_block(bio, req, bio == req->host);
	if (!raw_status_probed(bio->bi_status))
		return false;
	raw_bio_hold(bio);
	return true;
}

static void raw_bio_end_io(struct bio *bio)
{
	struct raw_request *req = raw_bio(bio)->req;

	if (unlikely(bio->bi_status) && raw_bio_failed(bio, req))
		return;
	if (raw_bio_unpin_done(bio, req))
		raw_bio_release(bio);
}

/*
 * Where raw_bio_fill() pins the pages for @bio's free bvecs: the last
 * pointers of the bvec array itself.  A bvec is at least two pointers
 * wide, so filling bvec k (k <= i) from page i never overwrites a page
 * not read yet: bvec k ends at or before page i + 1's slot as long as
 * i + 1 <= room.  No page array of its own, on the stack or allocated,
 * and the whole room is pinned in one call.
 */
static struct page **raw_bio_page_room(struct bio *bio)
{
	struct bio_vec *end = bio->bi_io_vec + bio->bi_max_vecs;

	BUILD_BUG_ON(sizeof(struct bio_vec) < 2 * sizeof(struct page *));
	return (struct page **)end - (bio->bi_max_vecs - bio->bi_vcnt);
}

/* The page @bv ends in. */
static struct page *raw_bvec_last_page(const struct bio_vec *bv)
{
	return bv->bv_page + (bv->bv_offset + bv->bv_len - 1) / PAGE_SIZE;
}

/* Whether @off in @page is where @bv ends, within its last page. */
static bool raw_bvec_same_page(const struct bio_vec *bv, struct page *page,
			       size_t off)
{
	size_t end = bv->bv_offset + bv->bv_len;

	return offset_in_page(end) && off == offset_in_page(end) &&
	       page == raw_bvec_last_page(bv);
}

/*
 * Whether @page, from its start, follows @bv's last page in memory and @bv
 * ends that page.  A bvec then takes physically contiguous pages across
 * folios, as 6.1's and 6.12's block O_DIRECT build them: the block layer
 * walks, splits and maps a bio bvec by bvec, so fewer, longer bvecs cost it
 * less (the 255-sector split of a 1 MiB bio walks each of them).  Both the
 * page frames and their struct pages must follow on: without a virtually
 * mapped memmap, the struct pages of two sections need not.
 */
static bool raw_bvec_next_page(const struct bio_vec *bv, struct page *page,
			       size_t off)
{
	struct page *last = raw_bvec_last_page(bv);

	return !off && !offset_in_page(bv->bv_offset + bv->bv_len) &&
	       page == last + 1 && page_to_pfn(page) == page_to_pfn(last) + 1;
}

/*
 * Append the run of @len bytes from @off in @pages[0] on to @bio, one bvec
 * per physically contiguous stretch.  @bio has a free bvec for every page
 * of the run.
 * A page that continues the last bvec within its final page (an iovec
 * segment ending mid-page, the next one starting there) already holds the
 * bio's pin: its second one is given back, so each page of the bio, as
 * bio_for_each_segment_all() walks them, holds exactly one pin.  Adds the
 * pins the bio keeps to @nr_pages.
 */
static void raw_bio_add_run(struct bio *bio, struct page **pages, size_t len,
			    size_t off, bool pins, unsigned int *nr_pages)
{
	struct bio_vec *bv = NULL;
	unsigned int i, nr = DIV_ROUND_UP(off + len, PAGE_SIZE);

	if (bio->bi_vcnt)
		bv = &bio->bi_io_vec[bio->bi_vcnt - 1];
	bio->bi_iter.bi_size += len;
	for (i = 0; i < nr; i++) {
		/* Read the page before a bvec may take its slot. */
		struct page *page = pages[i];
		unsigned int chunk = min_t(size_t, len, PAGE_SIZE - off);

		if (bv && raw_bvec_same_page(bv, page, off)) {
			if (pins)
				raw_unpin_pages(&page, 1);
			bv->bv_len += chunk;
		} else if (bv && raw_bvec_next_page(bv, page, off)) {
			bv->bv_len += chunk;
			(*nr_pages)++;
		} else {
			bv = &bio->bi_io_vec[bio->bi_vcnt++];
			bvec_set_page(bv, page, chunk, off);
			(*nr_pages)++;
		}
		len -= chunk;
		off = 0;
	}
}

/*
 * Fill @bio with pages from @iter, as many as it has bvecs (a bvec may
 * take several contiguous pages, but the pages a bio pins stay within what
 * the bvecs it was allocated with promise: the pinning bound counts on
 * that).  Returns the bytes added and sets @nr_pages to the pages the bio
 * holds, or returns a negative errno if not even one page could be had; a
 * failure after some pages leaves @iter at the failing address for the
 * next bio.
 */
static ssize_t raw_bio_fill(struct bio *bio, struct iov_iter *iter, bool pins,
			    unsigned int *nr_pages)
{
	ssize_t added = 0;

	*nr_pages = 0;
	while (iov_iter_count(iter) && *nr_pages < bio->bi_max_vecs) {
		struct page **pages = raw_bio_page_room(bio);
		size_t offset;
		ssize_t len;

		/* Each bvec holds a page at least: the room is there. */
		len = raw_pin_iter(iter, pages, UINT_MAX - bio->bi_iter.bi_size,
				   bio->bi_max_vecs - *nr_pages, &offset);
		if (len <= 0)
			return added ? added : (len ? len : -EFAULT);
		raw_bio_add_run(bio, pages, len, offset, pins, nr_pages);
		added += len;
	}
	return added;
}

/*
 * Point @bio, allocated without bvecs, at the bvecs of a kernel-backed
 * @iter (io_uring's registered buffers) as they are, as the block layer's
 * own O_DIRECT does: nothing is pinned, copied or walked page by page, and
 * the block layer splits the bio where the device needs it.  BIO_CLONED
 * says the bvecs are not the bio's to free.  @iter is left as it is: the
 * caller advances it if anyone looks at it afterwards.
 */
static ssize_t raw_bio_borrow_bvec(struct bio *bio, struct iov_iter *iter)
{
	size_t size = iov_iter_count(iter);

	bio->bi_vcnt = iter->nr_segs;
	bio->bi_io_vec = (struct bio_vec *)iter->bvec;
	raw_bio_set_bvec_offset(bio, iter->iov_offset);
	bio->bi_iter.bi_size = size;
	bio_set_flag(bio, BIO_CLONED);
	return size;
}

/*
 * Fill a bio of a request from @iter: borrow a bvec iterator's bvecs,
 * else pin the user pages.  Returns the bytes in @bio or a negative errno;
 * @nr_pages is set to the pages pinned.  @iter is advanced past the bytes
 * unless it is a bvec iterator and @advance is false.
 */
static inline ssize_t raw_bio_fill_one(struct bio *bio, struct iov_iter *iter,
				       bool pins, unsigned int *nr_pages,
				       bool advance)
{
	ssize_t len;

	*nr_pages = 0;
	if (iov_iter_is_bvec(iter)) {
		len = raw_bio_borrow_bvec(bio, iter);
		if (advance)
			iov_iter_advance(iter, len);
		return len;
	}
	len = raw_bio_fill(bio, iter, pins, nr_pages);
	return len ? len : -EFAULT;
}

/*
 * Bvecs to allocate for @iter's bios, BIO_MAX_VECS + 1 if it needs more
 * than one; none to borrow a bvec iterator's bvecs, which one bio takes
 * whole unless REQ_NOWAIT cuts it.
 */
static unsigned int raw_iter_nr_vecs(struct iov_iter *iter)
{
	return iov_iter_is_bvec(iter) ? 0 :
	       iov_iter_npages(iter, BIO_MAX_VECS + 1);
}

/* Whether @iocb's bios go out with REQ_NOWAIT. */
static bool raw_nowait(struct kiocb *iocb, struct block_device *bdev)
{
	return (iocb->ki_flags & IOCB_NOWAIT) && bdev_nowait(bdev);
}

/*
 * The most bytes a REQ_NOWAIT bio to @bdev carries.  The block layer fails
 * such a bio with BLK_STS_AGAIN where it would have to split it (it cannot
 * take back the parts already out), so each one goes out no larger than
 * the queue's limits, in sectors and in segments (a page is at most one).
 * The queue's virtual boundary can still split a bio whose buffer leaves
 * gaps: that bio takes the would-block way, as any other.
 */
static unsigned int raw_nowait_max_bytes(struct block_device *bdev)
{
	struct request_queue *q = bdev_get_queue(bdev);
	unsigned int segs = max(queue_max_segments(q), 2U) - 1;
	unsigned int bytes = queue_max_sectors(q) << SECTOR_SHIFT;

	bytes = min_t(unsigned int, bytes, segs << PAGE_SHIFT);
	return round_down(bytes, bdev_logical_block_size(bdev));
}

/*
 * Whether @count bytes to @bdev go out as one REQ_NOWAIT bio.  A page
 * always does, without a look at the queue: every queue takes a page in
 * one request at least (max_sectors and max_segments say so).
 */
static bool raw_nowait_fits(struct block_device *bdev, size_t count)
{
	return count <= PAGE_SIZE || count <= raw_nowait_max_bytes(bdev);
}

/*
 * The op and flags of the request's bios, as the block layer's own O_DIRECT:
 * writes are SYNC|IDLE, FUA when the caller wants data durability.  A HIPRI
 * request is polled where the queue can poll and the request is @one bio
 * (the poller tracks one); elsewhere interrupts complete it, and io_uring's
 * poll loop notices that all the same.  A synchronous one is polled only
 * with sync_poll set.  Asynchronous bios come from the
 * per-CPU bio cache when the kiocb allows it and their last put may happen
 * there: polled ones always (it is in task context), others where the
 * kernel takes cached bios back in any context.
 */
static blk_opf_t raw_bio_opf(struct kiocb *iocb, struct block_device *bdev,
			     bool is_read, bool sync, bool one)
{
	blk_opf_t opf;

	if (is_read) {
		opf = REQ_OP_READ;
	} else {
		opf = REQ_OP_WRITE | REQ_SYNC | REQ_IDLE;
		if (iocb_is_dsync(iocb))
			opf |= REQ_FUA;
	}
	if (raw_nowait(iocb, bdev))
		opf |= REQ_NOWAIT;
	if (unlikely(iocb->ki_flags & IOCB_HIPRI) && one &&
	    (!sync || READ_ONCE(raw_sync_poll)) && raw_bdev_can_poll(bdev))
		opf |= REQ_POLLED;
	if (!sync && (iocb->ki_flags & IOCB_ALLOC_CACHE) &&
	    ((opf & REQ_POLLED) || raw_bio_cache_any_context()))
		opf |= REQ_ALLOC_CACHE;
	return opf;
}

/* Sleep until the request's pinned pages leave room for @nr more. */
static void raw_req_throttle(struct raw_request *req, unsigned int nr)
{
	if (atomic_read(&req->pinned) + nr <= RAW_MAX_PINNED)
		return;
	WRITE_ONCE(req->throttled, true);
	for (;;) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		if (atomic_read(&req->pinned) + nr <= RAW_MAX_PINNED)
			break;
		raw_io_wait();
	}
	__set_current_state(TASK_RUNNING);
	WRITE_ONCE(req->throttled, false);
}

/*
 * Build and submit the bios of @req from @iter, with @opf, the first one in
 * @bio if not NULL: user memory is pinned, a bvec iterator's bvecs
 * borrowed.  REQ_NOWAIT bios are cut to raw_nowait_max_bytes().  Returns
 * the number of bios submitted; a failure to pin is recorded in @req at its
 * offset.  It stops at a failure, after a first bio that would have blocked
 * (the kiocb says so, see raw_bio_would_block()), and, for a request
 * continued part by part, where the next bio would take the part's pages
 * over RAW_MAX_PINNED.
 */
static unsigned int raw_req_submit(struct raw_request *req,
				   struct block_device *bdev,
				   struct iov_iter *iter, blk_opf_t opf,
				   struct bio *bio)
{
	struct kiocb *iocb = req->iocb;
	unsigned int nr_bios = 0, part = 0;
	size_t max = SIZE_MAX;
	struct blk_plug plug;
	loff_t pos = req->pos + req->size;

	if (opf & REQ_NOWAIT)
		max = raw_nowait_max_bytes(bdev);
	blk_start_plug(&plug);
	while (iov_iter_count(iter)) {
		size_t rest = iov_iter_count(iter), cut = 0;
		struct raw_bio *rbio;
		ssize_t len;

		/* Nothing after a failure counts: stop there. */
		if (unlikely(READ_ONCE(req->err_pos) != LLONG_MAX))
			break;
		if (!bio) {
			unsigned int nr_vecs = min(raw_iter_nr_vecs(iter),
						   BIO_MAX_VECS);

			if (req->waiter) {
				/* A killed caller gets what is done. */
				if (fatal_signal_pending(current)) {
					raw_req_fail(req, pos, -EINTR);
					break;
				}
				raw_req_throttle(req, nr_vecs);
			} else if (req->cont &&
				   part + nr_vecs > RAW_MAX_PINNED) {
				/* The rest is for the next part. */
				break;
			}
			bio = bio_alloc_bioset(bdev, nr_vecs, opf, GFP_KERNEL,
					       &raw_bio_set);
		}
		rbio = raw_bio(bio);
		rbio->req = req;
		rbio->pos = pos;
		bio->bi_iter.bi_sector = pos >> SECTOR_SHIFT;
		bio->bi_ioprio = iocb->ki_ioprio;
		bio->bi_end_io = raw_bio_end_io;

		if (rest > max) {
			cut = rest - max;
			iov_iter_truncate(iter, max);
		}
		len = raw_bio_fill_one(bio, iter, req->pins, &rbio->nr_pages,
				       true);
		iov_iter_reexpand(iter, iov_iter_count(iter) + cut);
		if (len < 0) {
			/* The host is its owner's to free. */
			if (bio != req->host)
				bio_put(bio);
			raw_req_fail(req, pos, len);
			break;
		}
		if (req->pins) {
			this_cpu_add(req->stats->pages_pinned, rbio->nr_pages);
			if (req->is_read)
				raw_bio_set_dirty(bio);
		}
		/* The caller's task, not the worker continuing its request. */
		if (!req->is_read && current == req->submitter)
			task_io_account_write(len);
		part += rbio->nr_pages;
		atomic_add(rbio->nr_pages, &req->pinned);
		atomic_inc(&req->ref);
		req->size += len;
		pos += len;
		nr_bios++;
		rbio->iter = bio->bi_iter;
		submit_bio(bio);
		if ((opf & REQ_NOWAIT) && bio == req->host) {
			/* See raw_bio_would_block(). */
			if (READ_ONCE(iocb->private) == RAW_IOCB_AGAIN)
				break;
			WRITE_ONCE(iocb->private, NULL);
		}
		bio = NULL;
	}
	blk_finish_plug(&plug);
	return nr_bios;
}

static void raw_req_init(struct raw_request *req, struct kiocb *iocb,
			 struct iov_iter *iter, struct raw_file *rf)
{
	req->iocb = iocb;
	req->stats = rf->stats;
	req->waiter = NULL;
	req->submitter = current;
	req->host = NULL;
	atomic_set(&req->ref, 1);
	atomic_set(&req->pinned, 0);
	req->throttled = false;
	req->is_read = iov_iter_rw(iter) == READ;
	req->pins = raw_pin_needed(iter);
	req->pos = iocb->ki_pos;
	req->size = 0;
	spin_lock_init(&req->lock);
	req->err_pos = LLONG_MAX;
	req->error = 0;
	init_llist_head(&req->failed);
	req->cont = NULL;
}

/* Wait for the last bio of a synchronous request. */
static void raw_req_wait(struct raw_request *req)
{
	for (;;) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		if (!READ_ONCE(req->waiter))
			break;
		raw_io_wait();
	}
	__set_current_state(TASK_RUNNING);
}

/*
 * Serve @iocb, more than one bio, while the caller waits; pinned memory
 * stays bounded.
 */
static ssize_t raw_io_sync(struct kiocb *iocb, struct iov_iter *iter,
			   struct raw_file *rf, blk_opf_t opf)
{
	struct block_device *bdev = rf->rb.bdev;
	struct raw_request req;
	ssize_t ret;

	raw_req_init(&req, iocb, iter, rf);
	req.waiter = current;
	raw_req_submit(&req, bdev, iter, opf, NULL);
	raw_req_put(&req);
	raw_req_wait(&req);
	if (unlikely(!llist_empty(&req.failed)))
		raw_req_settle(&req);

	ret = raw_req_result(&req);
	raw_req_done(&req, ret);
	return ret;
}

/*
 * The first bio of an asynchronous request would have blocked in its
 * submission, and nothing else went out: free it, the request with it,
 * and return -EAGAIN for io_uring to try again from its worker.
 */
static ssize_t raw_async_again(struct kiocb *iocb, struct bio *bio,
			       bool pins)
{
	WRITE_ONCE(iocb->private, NULL);
	if (pins)
		raw_unpin_bio(bio, false);
	bio_put(bio);
	return -EAGAIN;
}

/* Whether user memory behind @iter needs more pins than one part may hold. */
static bool raw_needs_parts(struct iov_iter *iter)
{
	return raw_pin_needed(iter) &&
	       iov_iter_npages(iter, RAW_MAX_PINNED + 1) > RAW_MAX_PINNED;
}

static void raw_cont_workfn(struct work_struct *work);

/*
 * Set up the continuation of a request from user-backed @iter: copy its
 * iovecs (the rest of them, the first one trimmed to where @iter is) and
 * take a hold on the caller's address space.  Returns NULL when the copy
 * cannot be allocated with @gfp.
 */
static struct raw_cont *raw_cont_alloc(struct iov_iter *iter, blk_opf_t opf,
				       gfp_t gfp)
{
	unsigned long nr_segs = iter_is_ubuf(iter) ? 1 : iter->nr_segs;
	struct raw_cont *cont;

	cont = kmalloc(struct_size(cont, iov, nr_segs), gfp);
	if (!cont)
		return NULL;
	if (iter_is_ubuf(iter)) {
		cont->iov[0].iov_base = iter->ubuf;
		cont->iov[0].iov_len = iter->iov_offset + iov_iter_count(iter);
	} else {
		memcpy(cont->iov, raw_iter_iov(iter),
		       nr_segs * sizeof(*cont->iov));
	}
	cont->iov[0].iov_base += iter->iov_offset;
	cont->iov[0].iov_len -= iter->iov_offset;
	iov_iter_init(&cont->iter, iov_iter_rw(iter), cont->iov, nr_segs,
		      iov_iter_count(iter));
	INIT_WORK(&cont->work, raw_cont_workfn);
	cont->opf = opf & ~(REQ_NOWAIT | REQ_ALLOC_CACHE);
	cont->mm = current->mm;
	mmgrab(cont->mm);
	cont->blkcg = NULL;
	return cont;
}

static void raw_cont_free(struct raw_cont *cont)
{
	if (cont->blkcg)
		css_put(cont->blkcg);
	mmdrop(cont->mm);
	kfree(cont);
}

/*
 * Pin and submit the next part of @req, from the worker.  The pins are
 * taken in the caller's address space while it still has users; once the
 * caller has exited, the request ends with the bytes done before.
 */
static void raw_cont_submit(struct raw_request *req, struct raw_cont *cont)
{
	struct block_device *bdev = raw_file_bdev(req->iocb->ki_filp);

	atomic_set(&req->ref, 1);
	if (mmget_not_zero(cont->mm)) {
		kthread_use_mm(cont->mm);
		kthread_associate_blkcg(cont->blkcg);
		raw_req_submit(req, bdev, &cont->iter, cont->opf, NULL);
		kthread_associate_blkcg(NULL);
		kthread_unuse_mm(cont->mm);
		/*
		 * Not mmput(): the last user's put runs exit_aio(), which
		 * waits for this very request.
		 */
		mmput_async(cont->mm);
	} else {
		raw_req_fail(req, req->pos + req->size, -EINTR);
	}
	raw_req_put(req);
}

/*
 * A part of a request continued part by part is done: settle its failed
 * bios, then submit the next part if bytes remain and nothing failed, else
 * complete the call.
 */
static void raw_cont_workfn(struct work_struct *work)
{
	struct raw_cont *cont = container_of(work, struct raw_cont, work);
	struct raw_request *req = cont->req;

	if (unlikely(!llist_empty(&req->failed)))
		raw_req_settle(req);
	if (iov_iter_count(&cont->iter) && req->err_pos == LLONG_MAX) {
		raw_cont_submit(req, cont);
		return;
	}
	req->cont = NULL;
	raw_cont_free(cont);
	raw_req_end_async(req);
}

/*
 * Charge the caller, in /proc/PID/io, with the bytes the worker will
 * submit for it, as O_DIRECT's caller is charged when it submits all its
 * bios at once: the worker's task is not the caller's (and submit_bio()
 * counts a read in the worker's own figures as well).  Called before the
 * submitter's reference goes, while @cont->iter is still its own.
 */
static void raw_cont_account(struct raw_request *req, struct raw_cont *cont)
{
	size_t rest = iov_iter_count(&cont->iter);

	if (req->is_read)
		task_io_account_read(rest);
	else
		task_io_account_write(rest);
}

/*
 * Submit @iocb, more than one bio, and return -EIOCBQUEUED.  A request
 * that needs more pins than RAW_MAX_PINNED is continued by raw_cont_wq
 * from its own copy of the iovecs: only the first part is submitted here.
 * Not inlined: its stack frame (a plug, the stack protector's canary)
 * would burden every one-bio call of raw_rw_iter().
 */
static noinline ssize_t raw_io_async(struct kiocb *iocb,
				     struct iov_iter *iter,
				     struct raw_file *rf, blk_opf_t opf)
{
	struct block_device *bdev = rf->rb.bdev;
	struct raw_cont *cont = NULL;
	struct raw_request *req;
	struct raw_async *ra;
	struct bio *bio;
	ssize_t ret;

	if (raw_needs_parts(iter)) {
		bool nowait = iocb->ki_flags & IOCB_NOWAIT;

		cont = raw_cont_alloc(iter, opf, nowait ? GFP_NOWAIT :
							  GFP_KERNEL);
		if (!cont)
			return nowait ? -EAGAIN : -ENOMEM;
		iter = &cont->iter;
	}
	/* The first bio holds the request in its front pad. */
	bio = bio_alloc_bioset(bdev, min(raw_iter_nr_vecs(iter), BIO_MAX_VECS),
			       opf, GFP_KERNEL, &raw_bio_set);
	ra = container_of(bio, struct raw_async, rbio.bio);
	req = &ra->req;
	raw_req_init(req, iocb, iter, rf);
	req->host = bio;
	if (cont) {
		cont->req = req;
		req->cont = cont;
		/* The cgroup the caller's bios go to, for the worker's too. */
		cont->blkcg = bio_blkcg_css(bio);
		if (cont->blkcg)
			css_get(cont->blkcg);
	}
	if (opf & REQ_NOWAIT)
		WRITE_ONCE(iocb->private, RAW_IOCB_SUBMITTING);
	if (raw_req_submit(req, bdev, iter, opf, bio)) {
		if (unlikely(READ_ONCE(iocb->private) == RAW_IOCB_AGAIN)) {
			if (cont)
				raw_cont_free(cont);
			return raw_async_again(iocb, bio, req->pins);
		}
		if (cont)
			raw_cont_account(req, cont);
		raw_req_put(req);
		return -EIOCBQUEUED;
	}
	/* Nothing went out: fail the call here rather than through ki_complete. */
	ret = req->error;
	if (cont)
		raw_cont_free(cont);
	bio_put(bio);
	return ret;
}

/*
 * Submit the one bio of a request.  On a queue with an I/O scheduler, a bio
 * submitted without a plug is dispatched by kblockd, a context switch away
 * (and two back); under a plug it is dispatched here, when the plug is
 * finished.  Queues without a scheduler dispatch at once either way, and
 * skip the plug's cost.  Where kblockd runs the queue anyway (see
 * raw_plug_runs_queue()), a plug still gathers the requests of a bio split
 * to the queue's limits into one insertion and one run, but buys nothing
 * for a bio that makes one request.  Polled bios go straight out.  Where
 * the caller already plugs (io_uring, io_submit() of several), this plug
 * is a no-op.
 */
static inline bool raw_plug_helps(struct bio *bio)
{
	struct request_queue *q;

	if (bio->bi_opf & REQ_POLLED)
		return false;
	q = bdev_get_queue(bio->bi_bdev);
	if (!READ_ONCE(q->elevator))
		return false;
	return raw_plug_runs_queue(q) || bio_sectors(bio) > queue_max_sectors(q);
}

/*
 * Not inlined: a plug on the stack makes its caller's frame carry the stack
 * protector's canary, which every unplugged one-bio call would pay for.
 */
static noinline void raw_submit_plugged(struct bio *bio)
{
	struct blk_plug plug;

	blk_start_plug(&plug);
	submit_bio(bio);
	blk_finish_plug(&plug);
}

static inline void raw_submit_one(struct bio *bio)
{
	if (raw_plug_helps(bio))
		raw_submit_plugged(bio);
	else
		submit_bio(bio);
}

static void raw_sync_end_io(struct bio *bio)
{
	struct task_struct *waiter = bio->bi_private;

	WRITE_ONCE(bio->bi_private, NULL);
	raw_wake_waiter(waiter);
}

/*
 * The one bio of a synchronous request, @len bytes at @pos taken from
 * @iter, failed: the call's result.  For a media or I/O error, the bytes
 * before the first bad block (raw_find_bad(), from the iterator the bio had:
 * borrowed bvecs take it again from @iter), else the errno.
 */
static noinline ssize_t raw_sync_one_failed(struct bio *bio,
					    struct iov_iter *iter,
					    struct block_device *bdev,
					    loff_t pos, size_t len)
{
	struct bvec_iter start = { .bi_size = len };
	int error = blk_status_to_errno(bio->bi_status);
	unsigned int good;

	if (!raw_status_probed(bio->bi_status))
		return error;
	if (bio_flagged(bio, BIO_CLONED)) {
		iov_iter_revert(iter, len);
		raw_bio_borrow_bvec(bio, iter);
		iov_iter_advance(iter, len);
		start = bio->bi_iter;
	}
	start.bi_sector = pos >> SECTOR_SHIFT;
	good = raw_find_bad(bio, start, bdev, &error);
	return good ? (ssize_t)good : error;
}

/*
 * Serve @iocb, one bio of @nr_vecs bvecs, while the caller waits: the bio
 * lives on the stack (its bvecs too when they are few), and the pages are
 * released after the wait, dirtied there in process context for a read.
 * A polled bio (sync_poll) completes only when polled: the caller polls it
 * itself, no interrupt, no sleep.
 */
static ssize_t raw_io_sync_one(struct kiocb *iocb, struct iov_iter *iter,
			       struct raw_file *rf, blk_opf_t opf,
			       unsigned int nr_vecs)
{
	struct bio_vec inline_vecs[RAW_INLINE_VECS], *vecs = inline_vecs;
	bool is_read = iov_iter_rw(iter) == READ;
	bool pins = raw_pin_needed(iter);
	size_t count = iov_iter_count(iter);
	unsigned int nr_pages;
	struct bio bio;
	ssize_t ret;

	if (nr_vecs > RAW_INLINE_VECS) {
		vecs = kmalloc_array(nr_vecs, sizeof(*vecs), GFP_KERNEL);
		if (!vecs)
			return -ENOMEM;
	}
	bio_init(&bio, rf->rb.bdev, vecs, nr_vecs, opf);
	bio.bi_iter.bi_sector = iocb->ki_pos >> SECTOR_SHIFT;
	bio.bi_ioprio = iocb->ki_ioprio;
	bio.bi_end_io = raw_sync_end_io;
	bio.bi_private = current;

	ret = raw_bio_fill_one(&bio, iter, pins, &nr_pages, true);
	if (ret < 0)
		goto out;
	if (pins)
		this_cpu_add(rf->stats->pages_pinned, nr_pages);
	if (!is_read)
		task_io_account_write(ret);
	raw_submit_one(&bio);
	/*
	 * Where kblockd dispatches the bio, its worker was just woken: let it
	 * run before sleeping, as wait_for_completion()'s might_sleep() does,
	 * so that a fast device may complete the bio before we need to wait.
	 */
	cond_resched();
	for (;;) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		if (!READ_ONCE(bio.bi_private))
			break;
		if (opf & REQ_POLLED) {
			__set_current_state(TASK_RUNNING);
			bio_poll(&bio, NULL, 0);
			cond_resched();
		} else {
			raw_io_wait();
		}
	}
	__set_current_state(TASK_RUNNING);
	if (unlikely(bio.bi_status))
		ret = raw_sync_one_failed(&bio, iter, rf->rb.bdev, iocb->ki_pos,
					  ret);
	if (pins)
		raw_unpin_bio(&bio, is_read);
out:
	bio_uninit(&bio);
	if (vecs != inline_vecs)
		kfree(vecs);
	raw_done(iocb, rf->stats, is_read, ret, ret != count);
	return ret;
}

/* Complete the call of the one-bio asynchronous request @req with @ret. */
static __always_inline void raw_async_one_done(struct raw_request *req,
					       ssize_t ret)
{
	struct kiocb *iocb = req->iocb;

	WRITE_ONCE(iocb->private, NULL);
	raw_done(iocb, req->stats, req->is_read, ret, ret != req->err_pos);
	iocb->ki_complete(iocb, ret);
}

/*
 * The failed bio of a one-bio asynchronous request, in raw_settle_work:
 * find its first bad block, complete the call, release the bio.
 */
static void raw_async_one_settle(struct raw_bio *rbio)
{
	struct raw_async *ra = container_of(rbio, struct raw_async, rbio);
	struct raw_request *req = &ra->req;
	struct bio *bio = &rbio->bio;
	int error = blk_status_to_errno(bio->bi_status);
	unsigned int good;

	good = raw_find_bad(bio, rbio->iter, raw_file_bdev(req->iocb->ki_filp),
			    &error);
	raw_async_one_done(req, good ? (ssize_t)good : error);
	if (req->pins)
		raw_unpin_bio(bio, req->is_read);
	bio_put(bio);
}

/*
 * The one bio of an asynchronous request failed: take it over if it would
 * have blocked, or leave it to raw_settle_work if raw_find_bad() is to
 * look into it.
 */
static noinline bool raw_async_one_failed(struct bio *bio,
					  struct raw_request *req)
{
	if (bio->bi_status == BLK_STS_AGAIN)
		return raw_bio_would_block(bio, req, true);
	if (!raw_status_probed(bio->bi_status))
		return false;
	if (llist_add(&raw_bio(bio)->dirty_node, &raw_failed_bios))
		schedule_work(&raw_settle_work);
	return true;
}

/* The one bio of an asynchronous request has completed: so has the request. */
static void raw_async_one_end_io(struct bio *bio)
{
	struct raw_async *ra = container_of(bio, struct raw_async, rbio.bio);
	struct raw_request *req = &ra->req;
	ssize_t ret = req->size;

	if (unlikely(bio->bi_status)) {
		if (raw_async_one_failed(bio, req))
			return;
		ret = blk_status_to_errno(bio->bi_status);
	}
	raw_async_one_done(req, ret);

	/* No request is left for raw_dirty_work to release. */
	ra->rbio.req = NULL;
	if (raw_bio_unpin_done(bio, req))
		bio_put(bio);
}

/*
 * Submit @iocb, one bio of @nr_vecs bvecs, and return -EIOCBQUEUED; the
 * bio's completion completes the call.  Only the fields of the request in
 * the bio's front pad that this needs are set: @err_pos holds the bytes
 * asked for, so that a short bio counts as an error.
 */
static ssize_t raw_io_async_one(struct kiocb *iocb, struct iov_iter *iter,
				struct raw_file *rf, blk_opf_t opf,
				unsigned int nr_vecs)
{
	struct raw_request *req;
	struct raw_async *ra;
	struct bio *bio;
	ssize_t len;

	bio = bio_alloc_bioset(rf->rb.bdev, nr_vecs, opf, GFP_KERNEL,
			       &raw_bio_set);
	ra = container_of(bio, struct raw_async, rbio.bio);
	req = &ra->req;
	req->iocb = iocb;
	req->stats = rf->stats;
	req->is_read = iov_iter_rw(iter) == READ;
	req->pins = raw_pin_needed(iter);
	req->err_pos = iov_iter_count(iter);
	bio->bi_iter.bi_sector = iocb->ki_pos >> SECTOR_SHIFT;
	bio->bi_ioprio = iocb->ki_ioprio;
	bio->bi_end_io = raw_async_one_end_io;

	/* Nobody looks at a queued call's iterator: no need to advance it. */
	len = raw_bio_fill_one(bio, iter, req->pins, &ra->rbio.nr_pages, false);
	if (len < 0) {
		bio_put(bio);
		return len;
	}
	req->size = len;
	if (req->pins) {
		this_cpu_add(rf->stats->pages_pinned, ra->rbio.nr_pages);
		if (req->is_read)
			raw_bio_set_dirty(bio);
	}
	if (!req->is_read)
		task_io_account_write(len);
	ra->rbio.iter = bio->bi_iter;
	if (opf & REQ_NOWAIT) {
		req->submitter = current;
		WRITE_ONCE(iocb->private, RAW_IOCB_SUBMITTING);
	}
	raw_submit_one(bio);
	if (opf & REQ_NOWAIT) {
		/* See raw_bio_would_block(). */
		if (unlikely(READ_ONCE(iocb->private) == RAW_IOCB_AGAIN))
			return raw_async_again(iocb, bio, req->pins);
		WRITE_ONCE(iocb->private, NULL);
	}
	if (opf & REQ_POLLED)
		WRITE_ONCE(iocb->private, bio);
	return -EIOCBQUEUED;
}

/* Make the page cache of the range agree with the device before direct I/O. */
static int raw_sync_cache(struct kiocb *iocb, struct block_device *bdev,
			  size_t count, bool is_read)
{
	struct address_space *mapping = raw_bdev_mapping(bdev);
	loff_t end = iocb->ki_pos + count - 1;
	int ret;

	if (!mapping->nrpages)
		return 0;
	if (iocb->ki_flags & IOCB_NOWAIT) {
		if (filemap_range_has_page(mapping, iocb->ki_pos, end))
			return -EAGAIN;
		return 0;
	}
	ret = filemap_write_and_wait_range(mapping, iocb->ki_pos, end);
	if (ret)
		return ret;
	if (!is_read)
		invalidate_inode_pages2_range(mapping,
					      iocb->ki_pos >> PAGE_SHIFT,
					      end >> PAGE_SHIFT);
	return 0;
}

/* Drop cached pages a direct write made stale. */
static void raw_invalidate_cache(struct block_device *bdev, loff_t pos,
				 size_t count)
{
	struct address_space *mapping = raw_bdev_mapping(bdev);

	if (mapping->nrpages)
		invalidate_inode_pages2_range(mapping, pos >> PAGE_SHIFT,
					      (pos + count - 1) >> PAGE_SHIFT);
}

/*
 * Serve @iocb by bios: in one bio where it fits (for REQ_NOWAIT, within
 * raw_nowait_max_bytes()), synchronously where the caller waits.
 */
static ssize_t raw_io(struct kiocb *iocb, struct iov_iter *iter,
		      struct raw_file *rf, bool is_read, bool sync)
{
	struct block_device *bdev = rf->rb.bdev;
	unsigned int nr_vecs = raw_iter_nr_vecs(iter);
	bool one = nr_vecs <= BIO_MAX_VECS;
	blk_opf_t opf;

	if (one && raw_nowait(iocb, bdev) &&
	    !raw_nowait_fits(bdev, iov_iter_count(iter)))
		one = false;
	opf = raw_bio_opf(iocb, bdev, is_read, sync, one);

	if (!sync) {
		if (one)
			return raw_io_async_one(iocb, iter, rf, opf, nr_vecs);
		return raw_io_async(iocb, iter, rf, opf);
	}
	if (one)
		return raw_io_sync_one(iocb, iter, rf, opf, nr_vecs);
	return raw_io_sync(iocb, iter, rf, opf);
}

/*
 * The alignment of @iter's memory and length, as iov_iter_alignment()
 * gives it, without the call where a bvec iterator's bytes are all in its
 * first bvec (an io_uring registered buffer, as a rule).
 */
static unsigned long raw_iter_alignment(const struct iov_iter *iter)
{
	size_t count = iov_iter_count(iter);

	if (iov_iter_is_bvec(iter) &&
	    iter->bvec->bv_len - iter->iov_offset >= count)
		return (iter->bvec->bv_offset + iter->iov_offset) | count;
	return iov_iter_alignment(iter);
}

ssize_t raw_rw_iter(struct kiocb *iocb, struct iov_iter *iter)
{
	struct raw_file *rf = iocb->ki_filp->private_data;
	const struct raw_dax *dax = rf->has_dax ? raw_minor_dax(rf->minor) :
						  NULL;
	struct block_device *bdev = rf->rb.bdev;
	bool is_read = iov_iter_rw(iter) == READ;
	unsigned int mask = (bdev_logical_block_size(bdev) - 1) |
			    bdev_dma_alignment(bdev);
	loff_t size = bdev_nr_bytes(bdev);
	loff_t pos = iocb->ki_pos;
	size_t count = iov_iter_count(iter);
	size_t shorted = 0;
	ssize_t ret;

	if (!count)
		return 0;
	if ((pos | raw_iter_alignment(iter)) & mask)
		return -EINVAL;
	if (pos >= size)
		return is_read ? 0 : -ENOSPC;
	if (!is_read && bdev_read_only(bdev))
		return -EPERM;
	if (count > size - pos) {
		shorted = count - (size - pos);
		iov_iter_truncate(iter, size - pos);
		count = size - pos;
	}

	ret = raw_sync_cache(iocb, bdev, count, is_read);
	if (ret)
		goto out;

	if (dax)
		ret = raw_dax_rw(dax, iocb, iter, rf->stats);
	else
		ret = raw_io(iocb, iter, rf, is_read, is_sync_kiocb(iocb));
	if (!is_read && ret > 0)
		raw_invalidate_cache(bdev, pos, ret);
out:
	iov_iter_reexpand(iter, iov_iter_count(iter) + shorted);
	return ret;
}

int raw_io_init(void)
{
	int ret;

	raw_cont_wq = alloc_workqueue("raw_cont", WQ_UNBOUND, 0);
	if (!raw_cont_wq)
		return -ENOMEM;
	ret = bioset_init(&raw_bio_set, BIO_POOL_SIZE,
			  offsetof(struct raw_async, rbio.bio),
			  BIOSET_NEED_BVECS | BIOSET_PERCPU_CACHE);
	if (ret)
		destroy_workqueue(raw_cont_wq);
	return ret;
}

void raw_io_exit(void)
{
	flush_work(&raw_again_work);
	flush_work(&raw_settle_work);
	flush_work(&raw_dirty_work);
	destroy_workqueue(raw_cont_wq);
	bioset_exit(&raw_bio_set);
}
