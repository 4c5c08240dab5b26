// SPDX-License-Identifier: GPL-2.0
/*
 * raw(8): bind raw character devices to block devices and query bindings.
 *
 *   raw /dev/raw/rawN <major> <minor>   bind (0 0 unbinds)
 *   raw /dev/raw/rawN /dev/<blockdev>   bind to a block device node
 *   raw -q /dev/raw/rawN                query one minor
 *   raw -qa                             list every bound minor
 *   raw --config [--match DEV] [FILE]   apply "rawN <device>" lines
 *
 * Every request goes through the control device (/dev/raw/rawctl, or the
 * old /dev/rawctl).  With this module a /dev/raw/rawN node exists only
 * while the minor is bound, so the minor is always taken from the name,
 * never from stat() of the raw node.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <raw.h>

#ifndef RAW_VERSION
#define RAW_VERSION "unknown"
#endif

/* Exit statuses, as the classic tool had them. */
#define RAW_EXIT_USAGE	1	/* bad command line or config syntax */
#define RAW_EXIT_ACCESS	3	/* cannot open rawctl or the block device */
#define RAW_EXIT_IOCTL	4	/* the kernel refused the request */

#define RAW_DEV_DIR		"/dev/raw/"
#define RAW_CTL_PATH		"/dev/raw/rawctl"
#define RAW_CTL_OLD_PATH	"/dev/rawctl"
#define RAW_MAX_MINORS_PATH	"/sys/module/raw/parameters/max_raw_minors"
#define RAW_DEFAULT_MAX_MINORS	256
#define RAW_DEFAULT_CONFIG	"/etc/raw/bindings"

static const char *raw_prog = "raw";

static void raw_msg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", raw_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void raw_usage(FILE *out)
{
	fprintf(out,
		"Usage:\n"
		" %1$s %2$srawN <major> <minor>    bind rawN to a block device by number\n"
		" %1$s %2$srawN /dev/<blockdev>    bind rawN to a block device node\n"
		" %1$s %2$srawN 0 0                unbind rawN\n"
		" %1$s -q %2$srawN                 show the binding of rawN\n"
		" %1$s -qa                              show every bound raw device\n"
		" %1$s --config [--match DEV] [FILE]\n"
		"                                      apply \"rawN <device>\" lines from FILE\n"
		"                                      (default %3$s)\n"
		"\n"
		"Options:\n"
		" -q, --query        query instead of bind\n"
		" -a, --all          with -q: every bound raw device\n"
		" -c, --config       apply a bindings file\n"
		" -m, --match DEV    with --config: only lines naming DEV\n"
		" -h, --help         show this help\n"
		" -V, --version      show the version\n"
		"\n"
		"Exit status: 0 done, 1 usage, 3 cannot open rawctl or the block\n"
		"device, 4 the kernel refused the request.  See raw(8).\n",
		raw_prog, RAW_DEV_DIR, RAW_DEFAULT_CONFIG);
}

static int raw_bad_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", raw_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", raw_prog);
	return RAW_EXIT_USAGE;
}

/*
 * Parse a decimal number with nothing else around it.  Returns false if
 * @s is empty, not decimal, or above @max.
 */
static bool raw_parse_ulong(const char *s, unsigned long max,
			    unsigned long *val)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*val = v;
	return true;
}

/*
 * The raw minor named by @name: "/dev/raw/rawN", "/dev/rawN" or "rawN".
 * Returns the minor (>= 0), or -1 if @name names no raw minor.
 */
static int raw_parse_name(const char *name)
{
	const char *base = strrchr(name, '/');
	unsigned long minor;

	base = base ? base + 1 : name;
	if (strncmp(base, "raw", 3))
		return -1;
	if (!raw_parse_ulong(base + 3, INT_MAX, &minor))
		return -1;
	return (int)minor;
}

/* Why the kernel may have refused a bind; NULL if strerror() says it all. */
static const char *raw_bind_hint(int err)
{
	switch (err) {
	case EINVAL:
		return "raw minor out of range (see max_raw_minors), or block device numbers invalid";
	case EPERM:
	case EACCES:
		return "binding needs CAP_SYS_ADMIN";
	case EBUSY:
		return "the raw device is open, or the block device is held exclusively (mounted, swap, RAID, LVM)";
	case ENXIO:
	case ENODEV:
	case ENOENT:
		return "no block device with these numbers";
	case ENOTTY:
		return "the control device does not understand raw ioctls; is it the raw module's rawctl?";
	case EROFS:
		return "the block device is read-only";
	case ENOMEM:
		return "the kernel is out of memory";
	default:
		return NULL;
	}
}

/* Why the kernel may have refused a query; NULL if strerror() says it all. */
static const char *raw_query_hint(int err)
{
	switch (err) {
	case EINVAL:
		return "raw minor out of range (see max_raw_minors)";
	case EPERM:
	case EACCES:
		return "querying was refused by the kernel";
	case ENOTTY:
		return "the control device does not understand raw ioctls; is it the raw module's rawctl?";
	default:
		return NULL;
	}
}

static void raw_ioctl_error(int minor, const char *what, int err,
			    const char *hint)
{
	if (hint)
		raw_msg("%sraw%d: %s: %s (%s)", RAW_DEV_DIR, minor, what,
			strerror(err), hint);
	else
		raw_msg("%sraw%d: %s: %s", RAW_DEV_DIR, minor, what,
			strerror(err));
}

/*
 * Open the control device: /dev/raw/rawctl, then the pre-devfs
 * /dev/rawctl.  Returns the fd, or -1 after saying why.
 */
static int raw_open_ctl(int flags)
{
	int fd, err;

	fd = open(RAW_CTL_PATH, flags | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	err = errno;
	fd = open(RAW_CTL_OLD_PATH, flags | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	/* The old name missing tells nothing; report the first failure. */
	if (errno != ENOENT)
		err = errno;
	if (err == ENOENT || err == ENXIO || err == ENODEV)
		raw_msg("cannot open %s or %s: %s (is the raw module loaded? try 'modprobe raw')",
			RAW_CTL_PATH, RAW_CTL_OLD_PATH, strerror(err));
	else if (err == EACCES || err == EPERM)
		raw_msg("cannot open %s: %s (needs root)", RAW_CTL_PATH,
			strerror(err));
	else
		raw_msg("cannot open %s: %s", RAW_CTL_PATH, strerror(err));
	return -1;
}

static void raw_print_binding(int minor, unsigned long long bmajor,
			      unsigned long long bminor)
{
	printf("%sraw%d:  bound to major %llu, minor %llu\n", RAW_DEV_DIR,
	       minor, bmajor, bminor);
}

/* RAW_GETBIND; returns 0 or an errno. */
static int raw_get(int ctl, int minor, struct raw_config_request *rq)
{
	memset(rq, 0, sizeof(*rq));
	rq->raw_minor = minor;
	return ioctl(ctl, RAW_GETBIND, rq) < 0 ? errno : 0;
}

/* RAW_SETBIND; returns 0 or an errno. */
static int raw_set(int ctl, int minor, unsigned long bmajor,
		   unsigned long bminor)
{
	struct raw_config_request rq = {
		.raw_minor = minor,
		.block_major = bmajor,
		.block_minor = bminor,
	};

	return ioctl(ctl, RAW_SETBIND, &rq) < 0 ? errno : 0;
}

static int raw_bind(int minor, unsigned long bmajor, unsigned long bminor)
{
	int ctl, err;

	ctl = raw_open_ctl(O_RDWR);
	if (ctl < 0)
		return RAW_EXIT_ACCESS;
	err = raw_set(ctl, minor, bmajor, bminor);
	close(ctl);
	if (err) {
		raw_ioctl_error(minor, bmajor || bminor ? "cannot bind" :
				"cannot unbind", err, raw_bind_hint(err));
		return RAW_EXIT_IOCTL;
	}
	raw_print_binding(minor, bmajor, bminor);
	return 0;
}

/*
 * The device numbers of block device node @path.  Returns 0, or an exit
 * status after saying why not.
 */
static int raw_stat_block(const char *path, dev_t *dev)
{
	struct stat st;

	if (stat(path, &st)) {
		raw_msg("cannot stat block device %s: %s", path,
			strerror(errno));
		return RAW_EXIT_ACCESS;
	}
	if (!S_ISBLK(st.st_mode)) {
		raw_msg("%s is not a block device", path);
		return RAW_EXIT_ACCESS;
	}
	*dev = st.st_rdev;
	return 0;
}

static int raw_query_one(int minor)
{
	struct raw_config_request rq;
	int ctl, err;

	ctl = raw_open_ctl(O_RDONLY);
	if (ctl < 0)
		return RAW_EXIT_ACCESS;
	err = raw_get(ctl, minor, &rq);
	close(ctl);
	if (err) {
		raw_ioctl_error(minor, "cannot query", err,
				raw_query_hint(err));
		return RAW_EXIT_IOCTL;
	}
	raw_print_binding(minor, rq.block_major, rq.block_minor);
	return 0;
}

/* max_raw_minors of the loaded module, or the default if unreadable. */
static int raw_max_minors(void)
{
	unsigned long val;
	char buf[32];
	FILE *f;

	f = fopen(RAW_MAX_MINORS_PATH, "re");
	if (!f)
		return RAW_DEFAULT_MAX_MINORS;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	if (!raw_parse_ulong(buf, INT_MAX, &val) || val < 1)
		return RAW_DEFAULT_MAX_MINORS;
	return (int)val;
}

static int raw_query_all(void)
{
	struct raw_config_request rq;
	int ctl, max, minor, err;
	int ret = 0;

	ctl = raw_open_ctl(O_RDONLY);
	if (ctl < 0)
		return RAW_EXIT_ACCESS;
	max = raw_max_minors();
	for (minor = 1; minor < max; minor++) {
		err = raw_get(ctl, minor, &rq);
		/* Past the module's range: nothing more to list. */
		if (err == EINVAL)
			break;
		/* Unbound minors may answer "no such device". */
		if (err == ENXIO || err == ENODEV)
			continue;
		if (err) {
			raw_ioctl_error(minor, "cannot query", err,
					raw_query_hint(err));
			ret = RAW_EXIT_IOCTL;
			break;
		}
		if (rq.block_major || rq.block_minor)
			raw_print_binding(minor, rq.block_major,
					  rq.block_minor);
	}
	close(ctl);
	return ret;
}

/* A "rawN <device>" or "rawN <major> <minor>" line of a bindings file. */
struct raw_config_line {
	const char *file;
	unsigned int lineno;
	int minor;
	const char *device;	/* NULL when given by numbers */
	dev_t dev;
};

/*
 * Split @line into at most @max fields in place; returns the count, or
 * max + 1 if there are more.  '#' starts a comment.
 */
static int raw_split(char *line, char **field, int max)
{
	int n = 0;
	char *p;

	line[strcspn(line, "#\n")] = '\0';
	for (p = strtok(line, " \t\r"); p; p = strtok(NULL, " \t\r")) {
		if (n == max)
			return max + 1;
		field[n++] = p;
	}
	return n;
}

/*
 * Fill @cl from @field.  Returns 0, -ENOENT if the device does not exist
 * (yet), or an exit status after saying why not.
 */
static int raw_config_parse(struct raw_config_line *cl, char **field, int n)
{
	unsigned long bmajor, bminor;
	struct stat st;

	cl->minor = raw_parse_name(field[0]);
	if (cl->minor < 1 || (n != 2 && n != 3)) {
		raw_msg("%s:%u: expected \"rawN <device>\" or \"rawN <major> <minor>\"",
			cl->file, cl->lineno);
		return RAW_EXIT_USAGE;
	}
	if (n == 3) {
		if (!raw_parse_ulong(field[1], UINT_MAX, &bmajor) ||
		    !raw_parse_ulong(field[2], UINT_MAX, &bminor)) {
			raw_msg("%s:%u: bad device numbers %s %s", cl->file,
				cl->lineno, field[1], field[2]);
			return RAW_EXIT_USAGE;
		}
		cl->device = NULL;
		cl->dev = makedev((unsigned int)bmajor, (unsigned int)bminor);
		return 0;
	}
	cl->device = field[1];
	if (stat(cl->device, &st)) {
		if (errno == ENOENT)
			return -ENOENT;
		raw_msg("%s:%u: cannot stat %s: %s", cl->file, cl->lineno,
			cl->device, strerror(errno));
		return RAW_EXIT_ACCESS;
	}
	if (!S_ISBLK(st.st_mode)) {
		raw_msg("%s:%u: %s is not a block device", cl->file,
			cl->lineno, cl->device);
		return RAW_EXIT_ACCESS;
	}
	cl->dev = st.st_rdev;
	return 0;
}

/* Bind one config line unless it is bound so already. */
static int raw_config_apply(int ctl, const struct raw_config_line *cl)
{
	struct raw_config_request rq;
	const char *hint;
	int err;

	if (!raw_get(ctl, cl->minor, &rq) &&
	    rq.block_major == major(cl->dev) &&
	    rq.block_minor == minor(cl->dev))
		return 0;
	err = raw_set(ctl, cl->minor, major(cl->dev), minor(cl->dev));
	if (err) {
		hint = raw_bind_hint(err);
		raw_msg("%s:%u: cannot bind %sraw%d to %s (%u:%u): %s%s%s%s",
			cl->file, cl->lineno, RAW_DEV_DIR, cl->minor,
			cl->device ? cl->device : "device", major(cl->dev),
			minor(cl->dev), strerror(err), hint ? " (" : "",
			hint ? hint : "", hint ? ")" : "");
		return RAW_EXIT_IOCTL;
	}
	raw_print_binding(cl->minor, major(cl->dev), minor(cl->dev));
	return 0;
}

static int raw_worse(int a, int b)
{
	return a > b ? a : b;
}

/*
 * Apply every line of @path, or with @match only the lines whose device
 * is @match.  Lines whose device does not exist yet are skipped: udev runs
 * this again when it appears.  A missing default file is not an error.
 */
static int raw_config(const char *path, bool explicit_path, const char *match)
{
	struct raw_config_line cl = { .file = path };
	char *line = NULL, *field[4];
	dev_t match_dev = 0;
	size_t size = 0;
	int ctl = -1, ret = 0, n, err;
	FILE *f;

	if (match) {
		err = raw_stat_block(match, &match_dev);
		if (err)
			return err;
	}
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT && !explicit_path)
			return 0;
		raw_msg("cannot open %s: %s", path, strerror(errno));
		return RAW_EXIT_ACCESS;
	}
	/* Serialise against the boot unit and other udev events. */
	flock(fileno(f), LOCK_EX);
	while (getline(&line, &size, f) > 0) {
		cl.lineno++;
		n = raw_split(line, field, 3);
		if (!n)
			continue;
		err = raw_config_parse(&cl, field, n);
		if (err == -ENOENT)
			continue;
		if (err) {
			ret = raw_worse(ret, err);
			continue;
		}
		if (match && cl.dev != match_dev)
			continue;
		if (ctl < 0) {
			ctl = raw_open_ctl(O_RDWR);
			if (ctl < 0) {
				ret = RAW_EXIT_ACCESS;
				break;
			}
		}
		ret = raw_worse(ret, raw_config_apply(ctl, &cl));
	}
	free(line);
	if (ctl >= 0)
		close(ctl);
	fclose(f);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "query",   no_argument,       NULL, 'q' },
		{ "all",     no_argument,       NULL, 'a' },
		{ "config",  no_argument,       NULL, 'c' },
		{ "match",   required_argument, NULL, 'm' },
		{ "help",    no_argument,       NULL, 'h' },
		{ "version", no_argument,       NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	bool query = false, all = false, config = false;
	const char *match = NULL;
	unsigned long bmajor, bminor;
	int opt, nargs, minor, err;
	dev_t dev;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:qacm:hV", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'q':
			query = true;
			break;
		case 'a':
			all = true;
			break;
		case 'c':
			config = true;
			break;
		case 'm':
			match = optarg;
			break;
		case 'h':
			raw_usage(stdout);
			return 0;
		case 'V':
			printf("raw (raw module tools) %s\n", RAW_VERSION);
			return 0;
		case ':':
			return raw_bad_usage("option '%s' needs an argument",
					     argv[optind - 1]);
		default:
			if (optopt)
				return raw_bad_usage("invalid option -- '%c'",
						     optopt);
			return raw_bad_usage("invalid option '%s'",
					     argv[optind - 1]);
		}
	}
	argv += optind;
	nargs = argc - optind;

	if (config) {
		if (query || all || nargs > 1)
			return raw_bad_usage("--config takes at most one file and no -q/-a");
		return raw_config(nargs ? argv[0] : RAW_DEFAULT_CONFIG,
				  nargs, match);
	}
	if (match)
		return raw_bad_usage("--match needs --config");
	if (all) {
		if (!query || nargs)
			return raw_bad_usage("-a goes with -q and no device");
		return raw_query_all();
	}
	if (!nargs)
		return raw_bad_usage("no raw device given");

	minor = raw_parse_name(argv[0]);
	if (minor < 0)
		return raw_bad_usage("'%s' is not a raw device name (%srawN)",
				     argv[0], RAW_DEV_DIR);
	if (minor == 0)
		return raw_bad_usage("'%s' is the control device; use raw<N> with N > 0",
				     argv[0]);

	if (query) {
		if (nargs != 1)
			return raw_bad_usage("-q takes one raw device");
		return raw_query_one(minor);
	}

	/* A lone number is a forgotten minor, not a file named "8". */
	if (nargs == 2 && !raw_parse_ulong(argv[1], ULONG_MAX, &bmajor)) {
		err = raw_stat_block(argv[1], &dev);
		if (err)
			return err;
		return raw_bind(minor, major(dev), minor(dev));
	}
	if (nargs != 3)
		return raw_bad_usage("bind needs a block device or <major> <minor>");
	if (!raw_parse_ulong(argv[1], UINT_MAX, &bmajor))
		return raw_bad_usage("bad major number '%s'", argv[1]);
	if (!raw_parse_ulong(argv[2], UINT_MAX, &bminor))
		return raw_bad_usage("bad minor number '%s'", argv[2]);
	return raw_bind(minor, bmajor, bminor);
}
