// SPDX-License-Identifier: GPL-2.0
/*
 * durable - acknowledged writes through rawN survive a hard stop of the
 * machine (tests/cuts drives it; see Documentation/faults.rst).
 *
 *   durable write BLOCKDEV BOOT MODE [COUNT]
 *	bind raw1 to BLOCKDEV and write 4 KiB records into a ring of
 *	RING slots until killed (or COUNT records), with MODE:
 *	  dsync   open O_DSYNC, pwrite, then acknowledge
 *	  rwf     pwritev2 with RWF_DSYNC, then acknowledge
 *	  fsync   FSYNC_BATCH plain pwrites, fsync, then acknowledge them
 *	  plain   plain pwrite, then acknowledge: wrong on purpose, for the
 *	          replay check to catch
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
 *   durable replay LOGDEV ACKFILE [--expect-loss]
 *	read the dm-log-writes log on LOGDEV (through raw2) of a "durable
 *	write" run on the log-writes target, ACKFILE holding that run's
 *	output, and replay it as a device with a volatile cache keeps it:
 *	a plain write counts only once a later flush entry is reached, a
 *	FUA write at once.  Every acknowledged record must be kept at the
 *	point where the log reaches the first write issued after its
 *	acknowledgement (and at the end of the log).  --expect-loss turns
 *	the assertion round, for the "plain" writer.
 *
 * A record: magic, boot, seq, its own byte offset, a pattern depending on
 * all of them (tests/lib t_fill), and a CRC-32 over everything before it
 * in its last 4 bytes, so a torn or misplaced record is caught.  raw must
 * be loaded with raw1 (and, for replay, raw2) unbound.
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
	int plain = !strcmp(mode, "plain");
	int tty = isatty(STDOUT_FILENO);
	uint32_t crcs[FSYNC_BATCH];
	unsigned char *buf;
	uint64_t seq = 0;
	int ctl, fd, i;

	if (!dsync && !rwf && !fsync_mode && !plain) {
		fprintf(stderr, "durable: unknown mode %s\n", mode);
		return 64;
	}
	buf = t_alloc(REC_SIZE, 4096);
	fd = t_raw_bind_open(&ctl, 1, dev, O_RDWR | (dsync ? O_DSYNC : 0));
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
	return t_raw_finish(ctl, 1);
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
	fd = t_raw_bind_open(&ctl, 1, dev, O_RDONLY);
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
	return t_raw_finish(ctl, 1);
}

/*
 * The dm-log-writes log (drivers/md/dm-log-writes.c): a super in sector 0,
 * then from sector 1 one entry after another, each a header sector and,
 * unless a discard, nr_sectors sectors of the data written; "sector" is
 * the data device's logical block size, the fields little-endian.  Writes
 * are logged when they are on stable media: a FUA write when it completes,
 * a plain write just before the next flush entry that covers it.
 */
#define LW_MAGIC	0x6a736677736872ULL
#define LW_FLUSH	(1 << 0)
#define LW_FUA		(1 << 1)
#define LW_DISCARD	(1 << 2)
#define LW_MARK		(1 << 3)

struct lw_super {
	uint64_t magic;
	uint64_t version;
	uint64_t nr_entries;
	uint32_t sectorsize;
};

struct lw_entry {
	uint64_t sector;
	uint64_t nr_sectors;
	uint64_t flags;
	uint64_t data_len;
};

/* One acknowledgement, and the first record version issued after it. */
struct ack_rec {
	uint64_t version;
	uint64_t next_issue;
	uint64_t offset;
	uint32_t crc;
};

/* A write seen in the log: the record it put in a slot. */
struct lw_write {
	int slot;
	struct slot_ack rec;
};

struct replay {
	struct slot_ack kept[RING];	/* what a cut would keep */
	struct lw_write *pending;	/* plain writes since the last flush */
	size_t npending, cap;
	struct ack_rec *acks;
	size_t nacks, next;		/* acks, the first not yet checked */
	unsigned long long missing, flushes, fua, plain;
	int quiet;			/* losses expected: do not list them */
};

/* Read "durable write" output: its ACK lines and, per boot, the mode. */
static void replay_read_acks(struct replay *r, const char *path)
{
	uint64_t boot, seq, off, batch_boot = 0, batch = 1;
	size_t cap = 0;
	char line[128], mode[16];
	unsigned int crc;
	FILE *f = fopen(path, "r");

	if (!f)
		t_fatal("open %s", path);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "# writing boot %" SCNu64 " mode %15s",
			   &batch_boot, mode) == 2) {
			batch = strcmp(mode, "fsync") ? 1 : FSYNC_BATCH;
			continue;
		}
		if (sscanf(line, "ACK %" SCNu64 " %" SCNu64 " %" SCNu64 " %x",
			   &boot, &seq, &off, &crc) != 4)
			continue;
		if (boot != batch_boot) {
			errno = 0;
			t_fatal("%s: ACK of boot %" PRIu64 " without its mode",
				path, boot);
		}
		if (r->nacks == cap) {
			cap = cap ? 2 * cap : 256;
			r->acks = realloc(r->acks, cap * sizeof(*r->acks));
			if (!r->acks)
				t_fatal("realloc");
		}
		r->acks[r->nacks++] = (struct ack_rec) {
			.version = version(boot, seq),
			.next_issue = version(boot, (seq / batch + 1) * batch),
			.offset = off, .crc = crc,
		};
	}
	fclose(f);
}

/* Every ack whose next write was issued before record @v: kept by now? */
static void replay_check_acks(struct replay *r, uint64_t v)
{
	const struct ack_rec *a;
	const struct slot_ack *k;

	for (; r->next < r->nacks && r->acks[r->next].next_issue <= v;
	     r->next++) {
		a = &r->acks[r->next];
		k = &r->kept[a->offset / REC_SIZE];
		if (k->acked && (k->version > a->version ||
				 (k->version == a->version && k->crc == a->crc)))
			continue;
		if (r->missing++ < MAX_SHOWN && !r->quiet)
			printf("# acked boot %" PRIu64 " seq %" PRIu64
			       " at %" PRIu64 " not on stable media\n",
			       a->version >> 32, a->version & 0xffffffffU,
			       a->offset);
	}
}

static void replay_flush(struct replay *r)
{
	size_t i;

	for (i = 0; i < r->npending; i++)
		r->kept[r->pending[i].slot] = r->pending[i].rec;
	r->npending = 0;
}

/* A write of @len bytes of @data at byte @off: one record per slot. */
static void replay_write(struct replay *r, const unsigned char *data,
			 uint64_t off, uint64_t len, int fua)
{
	struct lw_write w;
	struct rec_head h;
	const char *why;
	uint64_t pos;

	for (pos = 0; pos + REC_SIZE <= len; pos += REC_SIZE) {
		if ((off + pos) % REC_SIZE || off + pos >= RING * REC_SIZE)
			continue;
		w.slot = (off + pos) / REC_SIZE;
		w.rec.acked = rec_parse(data + pos, off + pos, &h, &w.rec.crc,
					&why);
		w.rec.version = version(h.boot, h.seq);
		if (w.rec.acked)
			replay_check_acks(r, w.rec.version);
		if (fua) {
			r->kept[w.slot] = w.rec;
			continue;
		}
		if (r->npending == r->cap) {
			r->cap = r->cap ? 2 * r->cap : 256;
			r->pending = realloc(r->pending,
					     r->cap * sizeof(*r->pending));
			if (!r->pending)
				t_fatal("realloc");
		}
		r->pending[r->npending++] = w;
	}
}

static int do_replay(const char *logdev, const char *ackfile, int expect_loss)
{
	static struct replay r;
	struct lw_super sb;
	struct lw_entry e;
	unsigned char *buf;
	uint64_t i, pos, len, ss;
	size_t buflen = 1 << 20;
	int ctl, fd;

	r.quiet = expect_loss;
	replay_read_acks(&r, ackfile);
	buf = t_alloc(buflen, 4096);
	fd = t_raw_bind_open(&ctl, 2, logdev, O_RDONLY);
	ss = t_lbs(fd);
	t_pread_all(fd, buf, ss, 0);
	memcpy(&sb, buf, sizeof(sb));
	if (sb.magic != LW_MAGIC || sb.sectorsize != ss) {
		errno = 0;
		t_fatal("%s: no dm-log-writes super (magic %#" PRIx64
			", sector size %u)", logdev, sb.magic, sb.sectorsize);
	}
	for (i = 0, pos = ss; i < sb.nr_entries; i++) {
		t_pread_all(fd, buf, ss, pos);
		memcpy(&e, buf, sizeof(e));
		pos += ss;
		if (e.flags & (LW_MARK | LW_DISCARD))
			continue;
		len = e.nr_sectors * ss;
		if (len > buflen) {
			errno = 0;
			t_fatal("log entry %" PRIu64 ": %" PRIu64 " bytes",
				i, len);
		}
		if (len) {
			t_pread_all(fd, buf, len, pos);
			pos += len;
			replay_write(&r, buf, e.sector * ss, len,
				     e.flags & LW_FUA);
			if (e.flags & LW_FUA)
				r.fua++;
			else
				r.plain++;
		}
		if (e.flags & LW_FLUSH) {
			replay_flush(&r);
			r.flushes++;
		}
	}
	replay_check_acks(&r, UINT64_MAX);
	printf("# log: %" PRIu64 " entries, %llu FUA writes, %llu plain "
	       "writes, %llu flushes\n", sb.nr_entries, r.fua, r.plain,
	       r.flushes);
	if (expect_loss)
		t_ok(r.missing > 0, "replay catches the writer that does not "
		     "sync: %llu of %zu acks not on stable media", r.missing,
		     r.nacks);
	else
		t_ok(r.nacks > 0 && r.missing == 0, "replay: %zu acks, each on "
		     "stable media before the next write: %llu missing",
		     r.nacks, r.missing);
	close(fd);
	return t_raw_finish(ctl, 2);
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
	if (argc == 4 && !strcmp(argv[1], "replay"))
		return do_replay(argv[2], argv[3], 0);
	if (argc == 5 && !strcmp(argv[1], "replay") &&
	    !strcmp(argv[4], "--expect-loss"))
		return do_replay(argv[2], argv[3], 1);
	fprintf(stderr, "usage: %s write BLOCKDEV BOOT dsync|rwf|fsync|plain "
		"[COUNT]\n"
		"       %s check BLOCKDEV ACKFILE\n"
		"       %s replay LOGDEV ACKFILE [--expect-loss]\n",
		argv[0], argv[0], argv[0]);
	return 64;
}
