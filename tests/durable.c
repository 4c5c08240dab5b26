// SPDX-License-Identifier: GPL-2.0
/*
 * durable - acknowledged writes through rawN survive a hard stop of the
 * machine (tests/cuts drives it; see Documentation/faults.rst).
 *
 *   durable write BLOCKDEV BOOT MODE
 *	bind raw1 to BLOCKDEV and write 4 KiB records into a ring of
 *	RING slots until killed (or COUNT records), with MODE:
 *	  dsync   open O_DSYNC, pwrite, then acknowledge
 *	  rwf     pwritev2 with RWF_DSYNC, then acknowledge
 *	  fsync   FSYNC_BATCH plain pwrites, fsync, then acknowledge them
 *	After a record is durable by MODE's rules the program prints
 *	"ACK <boot> <seq> <offset> <crc>" on stdout, and when stdout is a
 *	terminal (the guest's serial port) waits until the line is sent
 *	(tcdrain) before it issues the next write, so an acknowledgement the
 *	host saw is never ahead of the device.
 *
 *   durable check BLOCKDEV ACKFILE
 *	bind raw1 to BLOCKDEV and check, for every slot ACKFILE's "ACK"
 *	lines name, that it holds an intact record no older than the last
 *	acknowledged one there: that record itself (same crc), or a later
 *	write that was in flight when the machine stopped.
 *
 * A record: magic, boot, seq, its own byte offset, a pattern depending on
 * all of them (tests/lib t_fill), and a CRC-32 over everything before it
 * in its last 4 bytes, so a torn or misplaced record is caught.  raw must
 * be loaded with raw1 unbound.
 */
#define _GNU_SOURCE
#include "lib/rawtest.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>

#define REC_SIZE	4096
#define RING		512		/* slots: 2 MiB from offset 0 */
#define FSYNC_BATCH	4
#define REC_MAGIC	0x4255445741524b31ULL	/* "1KRAWDUB" */
#define MAX_SHOWN	10

struct rec_head {
	uint64_t magic;
	uint64_t boot;
	uint64_t seq;
	uint64_t offset;
};

static uint32_t crc_table[256];

static void crc_init(void)
{
	uint32_t c;
	int i, k;

	for (i = 0; i < 256; i++) {
		c = i;
		for (k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320U ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc32_buf(const unsigned char *p, size_t len)
{
	uint32_t c = 0xffffffffU;

	while (len--)
		c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffU;
}

/* Version order of records: later boot, or same boot and later seq. */
static uint64_t version(uint64_t boot, uint64_t seq)
{
	return boot << 32 | seq;
}

/* Slot of record @seq of @boot: each boot starts somewhere else. */
static uint64_t slot_offset(uint64_t boot, uint64_t seq)
{
	return (boot * 97 + seq) % RING * REC_SIZE;
}

/* Build record (@boot, @seq) in @buf; returns its crc. */
static uint32_t rec_build(unsigned char *buf, uint64_t boot, uint64_t seq)
{
	struct rec_head h = {
		.magic = REC_MAGIC, .boot = boot, .seq = seq,
		.offset = slot_offset(boot, seq),
	};
	uint32_t crc;

	memcpy(buf, &h, sizeof(h));
	t_fill(buf + sizeof(h), REC_SIZE - sizeof(h) - 8, h.offset,
	       version(boot, seq));
	memset(buf + REC_SIZE - 8, 0, 4);
	crc = crc32_buf(buf, REC_SIZE - 4);
	memcpy(buf + REC_SIZE - 4, &crc, 4);
	return crc;
}

/*
 * Does @buf, read at @offset, hold an intact record?  Fills @h and returns
 * 1 if so; else returns 0 and says why in @why.
 */
static int rec_parse(const unsigned char *buf, uint64_t offset,
		     struct rec_head *h, uint32_t *crc, const char **why)
{
	memcpy(h, buf, sizeof(*h));
	memcpy(crc, buf + REC_SIZE - 4, 4);
	if (h->magic != REC_MAGIC) {
		*why = t_is_zero(buf, REC_SIZE) ? "zeros" : "no record magic";
		return 0;
	}
	if (h->offset != offset) {
		*why = "record of another offset";
		return 0;
	}
	if (crc32_buf(buf, REC_SIZE - 4) != *crc) {
		*why = "torn: crc mismatch";
		return 0;
	}
	return 1;
}

/* Print @len bytes and, on a terminal, wait until they are on the wire. */
static void ack_out(const char *line, int len, int tty)
{
	if (write(STDOUT_FILENO, line, len) != len)
		t_fatal("write ack");
	if (tty && tcdrain(STDOUT_FILENO))
		t_fatal("tcdrain");
}

static void ack(uint64_t boot, uint64_t seq, uint32_t crc, int tty)
{
	char line[96];
	int len;

	len = snprintf(line, sizeof(line), "ACK %" PRIu64 " %" PRIu64
		       " %" PRIu64 " %08x\n", boot, seq,
		       slot_offset(boot, seq), crc);
	ack_out(line, len, tty);
}

static int do_write(const char *dev, uint64_t boot, const char *mode,
		    uint64_t count)
{
	int dsync = !strcmp(mode, "dsync"), rwf = !strcmp(mode, "rwf");
	int fsync_mode = !strcmp(mode, "fsync");
	int tty = isatty(STDOUT_FILENO);
	uint32_t crcs[FSYNC_BATCH];
	unsigned char *buf;
	uint64_t seq = 0;
	int ctl, fd, i;

	if (!dsync && !rwf && !fsync_mode) {
		fprintf(stderr, "durable: unknown mode %s\n", mode);
		return 64;
	}
	buf = t_alloc(REC_SIZE, 4096);
	ctl = t_ctl_open();
	t_bind_path(ctl, 1, dev);
	fd = open(t_raw_path(1), O_RDWR | (dsync ? O_DSYNC : 0));
	if (fd < 0)
		t_fatal("open %s", t_raw_path(1));
	printf("# writing boot %" PRIu64 " mode %s from slot %" PRIu64 "\n",
	       boot, mode, slot_offset(boot, 0) / REC_SIZE);
	fflush(stdout);
	while (!count || seq < count) {
		if (fsync_mode) {
			for (i = 0; i < FSYNC_BATCH; i++) {
				crcs[i] = rec_build(buf, boot, seq + i);
				t_pwrite_all(fd, buf, REC_SIZE,
					     slot_offset(boot, seq + i));
			}
			if (fsync(fd))
				t_fatal("fsync");
			for (i = 0; i < FSYNC_BATCH; i++)
				ack(boot, seq + i, crcs[i], tty);
			seq += FSYNC_BATCH;
			continue;
		}
		crcs[0] = rec_build(buf, boot, seq);
		if (rwf) {
			struct iovec iov = { buf, REC_SIZE };

			if (pwritev2(fd, &iov, 1, slot_offset(boot, seq),
				     RWF_DSYNC) != REC_SIZE)
				t_fatal("pwritev2 RWF_DSYNC seq %" PRIu64, seq);
		} else {
			t_pwrite_all(fd, buf, REC_SIZE, slot_offset(boot, seq));
		}
		ack(boot, seq, crcs[0], tty);
		seq++;
	}
	close(fd);
	t_ret(t_bind(ctl, 1, 0, 0), 0, "unbind raw1");
	close(ctl);
	return t_done();
}

/* The last acknowledgement per slot. */
struct slot_ack {
	uint64_t version;
	uint32_t crc;
	int acked;
};

/*
 * NULL if slot @s, read at @off into @buf, holds its last acknowledged
 * record or an intact later one (counted in @newer); else what is wrong.
 */
static const char *slot_verdict(const unsigned char *buf, uint64_t off,
				const struct slot_ack *s,
				unsigned long long *newer)
{
	struct rec_head h;
	const char *why;
	uint32_t crc;
	uint64_t v;

	if (!rec_parse(buf, off, &h, &crc, &why))
		return why;
	v = version(h.boot, h.seq);
	if (v < s->version)
		return "older than its acknowledged write";
	if (v == s->version && crc != s->crc)
		return "acknowledged seq, other crc";
	if (v > s->version)
		(*newer)++;
	return NULL;
}

static int do_check(const char *dev, const char *ackfile)
{
	static struct slot_ack slots[RING];
	unsigned long long nack = 0, nslots = 0, newer = 0, bad = 0;
	uint64_t boot, seq, off, v;
	unsigned char *buf;
	const char *why;
	char line[128];
	unsigned int crc;
	int ctl, fd, i;
	FILE *f;

	f = fopen(ackfile, "r");
	if (!f)
		t_fatal("open %s", ackfile);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "ACK %" SCNu64 " %" SCNu64 " %" SCNu64 " %x",
			   &boot, &seq, &off, &crc) != 4)
			continue;
		if (off != slot_offset(boot, seq)) {
			errno = 0;
			t_fatal("ack names offset %" PRIu64 " for boot %"
				PRIu64 " seq %" PRIu64, off, boot, seq);
		}
		i = off / REC_SIZE;
		v = version(boot, seq);
		if (!slots[i].acked || v > slots[i].version) {
			slots[i].version = v;
			slots[i].crc = crc;
			slots[i].acked = 1;
		}
		nack++;
	}
	fclose(f);

	buf = t_alloc(REC_SIZE, 4096);
	ctl = t_ctl_open();
	t_bind_path(ctl, 1, dev);
	fd = open(t_raw_path(1), O_RDONLY);
	if (fd < 0)
		t_fatal("open %s", t_raw_path(1));
	for (i = 0; i < RING; i++) {
		if (!slots[i].acked)
			continue;
		nslots++;
		off = (uint64_t)i * REC_SIZE;
		t_pread_all(fd, buf, REC_SIZE, off);
		why = slot_verdict(buf, off, &slots[i], &newer);
		if (!why)
			continue;
		if (bad++ < MAX_SHOWN)
			printf("# offset %" PRIu64 ": acked boot %" PRIu64
			       " seq %" PRIu64 " crc %08x: %s\n", off,
			       slots[i].version >> 32,
			       slots[i].version & 0xffffffffU, slots[i].crc,
			       why);
	}
	t_ok(bad == 0, "%llu acks, %llu slots checked: %llu lost or torn, "
	     "%llu hold a later write in flight at the cut",
	     nack, nslots, bad, newer);
	printf("# checked %llu %llu\n", nslots, bad);
	close(fd);
	t_ret(t_bind(ctl, 1, 0, 0), 0, "unbind raw1");
	close(ctl);
	return t_done();
}

int main(int argc, char **argv)
{
	crc_init();
	if (argc == 5 && !strcmp(argv[1], "write"))
		return do_write(argv[2], t_num(argv[3]), argv[4], 0);
	if (argc == 6 && !strcmp(argv[1], "write"))
		return do_write(argv[2], t_num(argv[3]), argv[4],
				t_num(argv[5]));
	if (argc == 4 && !strcmp(argv[1], "check"))
		return do_check(argv[2], argv[3]);
	fprintf(stderr, "usage: %s write BLOCKDEV BOOT dsync|rwf|fsync [COUNT]\n"
		"       %s check BLOCKDEV ACKFILE\n", argv[0], argv[0]);
	return 64;
}
