// SPDX-License-Identifier: GPL-2.0
/*
 * teardown - rawN I/O abandoned while in flight:
 *
 *   aio         a child with NREQ libaio requests in flight is SIGKILLed
 *   uring       the same with an io_uring ring (plain and fixed buffers)
 *   uring-poll  the same with an IORING_SETUP_IOPOLL ring
 *   sync        a child with NTHREAD threads in large read(2)/write(2)
 *               loops is SIGKILLed
 *   ring-close  an io_uring ring with NREQ requests outstanding is closed,
 *               then rawN, then the buffers are unmapped; no waiting
 *
 * Each time the killed child must be reaped within 60 s (a lost completion
 * would leave it in D state: its kernel stack is printed then), and every
 * page pin must be released within 30 s (/proc/vmstat nr_foll_pin_*).  The
 * case then checks that the minor unbinds and raw unloads.
 *
 * usage: teardown MODE RAWDEV
 *   RAWDEV (at least 64 MiB) is best bound to a slow device, so that the
 *   requests are still in flight when the child dies.  Data is overwritten.
 */
#define _GNU_SOURCE
#include "lib/rawtest.h"

#include <errno.h>
#include <fcntl.h>
#include <libaio.h>
#include <liburing.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KIB		1024ULL
#define MIB		(1024 * KIB)
#define NREQ		256
#define REQ_LEN		(64 * KIB)
#define NTHREAD		4
#define SYNC_LEN	(8 * MIB)

static const char *raw_path;
static int ready_fd;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Child: tell the parent its I/O is in flight, then wait to be killed. */
static void child_ready(void)
{
	if (write(ready_fd, "r", 1) != 1)
		_exit(2);
	for (;;)
		pause();
}

static int raw_open(void)
{
	int fd = open(raw_path, O_RDWR);

	if (fd < 0)
		t_fatal("open %s", raw_path);
	return fd;
}

/* Request i: a write for even i, a read for odd, each at its own offset. */
static uint64_t req_off(int i)
{
	return MIB + (uint64_t)i * REQ_LEN;
}

static void child_aio(void)
{
	static struct iocb cbs[NREQ];
	struct iocb *ptrs[NREQ];
	struct io_event ev[NREQ];
	struct timespec zero = { 0, 0 };
	char *mem = t_map(NREQ * REQ_LEN);
	io_context_t ctx = 0;
	int fd = raw_open(), i, n;

	if (io_setup(NREQ, &ctx))
		t_fatal("io_setup");
	for (i = 0; i < NREQ; i++) {
		char *p = mem + i * REQ_LEN;

		if (i % 2)
			io_prep_pread(&cbs[i], fd, p, REQ_LEN, req_off(i));
		else
			io_prep_pwrite(&cbs[i], fd, p, REQ_LEN, req_off(i));
		ptrs[i] = &cbs[i];
	}
	n = io_submit(ctx, NREQ, ptrs);
	t_ret(n, NREQ, "aio: the child submits %d requests", NREQ);
	n = io_getevents(ctx, 0, NREQ, ev, &zero);
	t_ok(n < NREQ / 2, "aio: most are in flight when it is killed (%d of %d complete)",
	     n, NREQ);
	child_ready();
}

/* Queue NREQ requests on @ring: half of them on fixed buffers if @fixed. */
static void uring_queue(struct io_uring *ring, int fd, char *mem, int fixed)
{
	int i;

	for (i = 0; i < NREQ; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
		char *p = mem + i * REQ_LEN;
		int use_fixed = fixed && i % 4 < 2;

		if (!sqe)
			t_fatal("io_uring_get_sqe");
		if (use_fixed && i % 2)
			io_uring_prep_read_fixed(sqe, fd, p, REQ_LEN,
						 req_off(i), 0);
		else if (use_fixed)
			io_uring_prep_write_fixed(sqe, fd, p, REQ_LEN,
						  req_off(i), 0);
		else if (i % 2)
			io_uring_prep_read(sqe, fd, p, REQ_LEN, req_off(i));
		else
			io_uring_prep_write(sqe, fd, p, REQ_LEN, req_off(i));
	}
}

static void uring_setup(struct io_uring *ring, unsigned int flags, int fd,
			char *mem)
{
	struct iovec iov = { mem, NREQ * REQ_LEN };

	t_fatal_if_neg(io_uring_queue_init(NREQ, ring, flags),
		       "io_uring_queue_init");
	t_fatal_if_neg(io_uring_register_buffers(ring, &iov, 1),
		       "io_uring_register_buffers");
	uring_queue(ring, fd, mem, 1);
}

static void child_uring(unsigned int flags)
{
	struct io_uring ring;
	char *mem = t_map(NREQ * REQ_LEN);
	int fd = raw_open(), n;

	uring_setup(&ring, flags, fd, mem);
	n = io_uring_submit(&ring);
	t_ret(n, NREQ, "%s: the child submits %d requests",
	      flags ? "uring-poll" : "uring", NREQ);
	/* Polled requests complete as soon as polled: only count those. */
	if (flags)
		t_note("uring-poll: %u of %d complete when it is killed",
		       io_uring_cq_ready(&ring), NREQ);
	else
		t_ok(io_uring_cq_ready(&ring) < NREQ / 2,
		     "uring: most are in flight when it is killed (%u of %d complete)",
		     io_uring_cq_ready(&ring), NREQ);
	child_ready();
}

static void *sync_thread(void *arg)
{
	int fd = raw_open(), i = (int)(uintptr_t)arg;
	char *buf = t_map(SYNC_LEN);
	uint64_t off = 16 * MIB + (uint64_t)i * SYNC_LEN;

	for (;;) {
		if (pwrite(fd, buf, SYNC_LEN, off) != (ssize_t)SYNC_LEN ||
		    pread(fd, buf, SYNC_LEN, off) != (ssize_t)SYNC_LEN)
			t_fatal("thread %d: 8 MiB I/O", i);
	}
	return NULL;
}

static void child_sync(void)
{
	pthread_t th;
	int i;

	for (i = 0; i < NTHREAD; i++)
		if (pthread_create(&th, NULL, sync_thread, (void *)(uintptr_t)i))
			t_fatal("pthread_create");
	usleep(300 * 1000);
	t_note("child: %d threads in 8 MiB read/write loops", NTHREAD);
	child_ready();
}

/* Print the kernel stack of every thread of @pid that is still there. */
static void show_stacks(pid_t pid)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd),
		 "for t in /proc/%d/task/*; do cat $t/stat $t/stack; done 2>&1 | sed 's/^/# /'",
		 (int)pid);
	fflush(stdout);
	if (system(cmd))
		t_note("could not read the stacks of %d", (int)pid);
}

static void kill_in_flight(const char *mode)
{
	int pipefd[2], status;
	double t0;
	pid_t pid, w;
	char c;

	if (pipe(pipefd))
		t_fatal("pipe");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		t_fatal("fork");
	if (!pid) {
		close(pipefd[0]);
		ready_fd = pipefd[1];
		if (!strcmp(mode, "aio"))
			child_aio();
		else if (!strcmp(mode, "uring"))
			child_uring(0);
		else if (!strcmp(mode, "uring-poll"))
			child_uring(IORING_SETUP_IOPOLL);
		else
			child_sync();
		_exit(2);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &c, 1) != 1)
		t_note("the child died before its I/O was in flight");
	close(pipefd[0]);
	kill(pid, SIGKILL);
	t0 = now_s();
	while ((w = waitpid(pid, &status, WNOHANG)) == 0 && now_s() - t0 < 60)
		usleep(10 * 1000);
	if (!t_ok(w == pid, "%s: the killed child is reaped (in %.2f s)", mode,
		  now_s() - t0)) {
		show_stacks(pid);
		t_fatal("the child is stuck");
	}
	t_ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	     "%s: the child died of SIGKILL", mode);
}

static void ring_close(const char *mode, unsigned int flags)
{
	struct io_uring ring;
	char *mem = t_map(NREQ * REQ_LEN);
	int fd = raw_open(), n;

	uring_setup(&ring, flags, fd, mem);
	n = io_uring_submit(&ring);
	t_ret(n, NREQ, "%s: %d requests submitted, %u complete", mode, NREQ,
	      io_uring_cq_ready(&ring));
	io_uring_queue_exit(&ring);
	close(fd);
	t_unmap(mem, NREQ * REQ_LEN);
	t_ok(1, "%s: ring, rawN and buffers let go with requests outstanding",
	     mode);
}

int main(int argc, char **argv)
{
	const char *mode;
	long long held;
	double t0;

	if (argc != 3)
		t_usage("teardown",
			"aio|uring|uring-poll|sync|ring-close|ring-close-poll RAWDEV");
	mode = argv[1];
	raw_path = argv[2];
	if (!strcmp(mode, "ring-close"))
		ring_close(mode, 0);
	else if (!strcmp(mode, "ring-close-poll"))
		ring_close(mode, IORING_SETUP_IOPOLL);
	else if (!strcmp(mode, "aio") || !strcmp(mode, "uring") ||
		 !strcmp(mode, "uring-poll") || !strcmp(mode, "sync"))
		kill_in_flight(mode);
	else
		t_fatal("unknown mode %s", mode);

	t0 = now_s();
	while ((held = t_pins_held()) && now_s() - t0 < 30)
		usleep(50 * 1000);
	t_ret(held, 0, "%s: page pins balanced afterwards (in %.2f s)", mode,
	      now_s() - t0);
	return t_done();
}
