/*
 * File times (docs/design.md, "File times").
 *
 * Files from before the run keep their real times: mapping them would
 * invalidate every installed .pyc (CPython compares the source's mtime with
 * the one in the cache). Instead the wall clock moves: a regular file's
 * mtime read by a process is in its past, so its wall clocks join forward to
 * it (vclock.c); make then never sees a file in the future, and every file
 * the tree writes afterwards is newer than every file it looked at.
 *
 * A file the tree writes gets the virtual time on disk: when a process
 * closes a regular file it opened for writing (or ends, or executes another
 * image, with such a descriptor open), and the file changed during the run,
 * futimens gives it the process's virtual now as atime and mtime. So the
 * times are the same in every run, and stay so for the next run and for
 * tools outside nodice. A change the tree has not settled yet (a file still
 * open, or written by a program without the shim) is recognized by its real
 * mtime equal to its real ctime, after the run's start: it reads as the
 * reader's virtual now.
 *
 * ctime cannot be set, and atime follows reads the kernel may or may not
 * record: both read as the mtime. Directories are never rewritten on disk
 * (/tmp is everyone's); one changed during the run reads as the reader's
 * now, and their times never move the clock.
 */
#include "nodice.h"
#include "filetime.h"
#include "vclock.h"
#include "tree.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define FDS 65536
static uint8_t writable[FDS / 8]; /* descriptors this image opened for writing */
static uint8_t opened[FDS / 8];   /* descriptors this image opened at all */

static void set_bit(uint8_t *map, int fd, int on)
{
	uint8_t bit = (uint8_t)(1u << (fd % 8));
	if (on)
		__atomic_or_fetch(&map[fd / 8], bit, __ATOMIC_RELAXED);
	else
		__atomic_and_fetch(&map[fd / 8], (uint8_t)~bit, __ATOMIC_RELAXED);
}

static int bit_of(const uint8_t *map, int fd)
{
	return fd >= 0 && fd < FDS && (__atomic_load_n(&map[fd / 8], __ATOMIC_RELAXED) >> (fd % 8) & 1);
}

static int64_t ns_of(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * ND_NS + ts->tv_nsec;
}

static struct timespec ts_of(int64_t ns)
{
	return (struct timespec){ (time_t)(ns / ND_NS), (long)(ns % ND_NS) };
}

/* The wall clock at this process's last file event (a change it made, or a
 * file time that moved its clock). A change not settled yet reads as it:
 * the same on every read until the process's next file event, so tar,
 * which stats a directory before and after archiving it, sees it unchanged
 * (reading the clock in between moves the clock, not this). */
static int64_t event_wall;

static int64_t last_event(void);

/* What each unsettled file read as, by (device, inode) and its real ctime:
 * the first answer is kept until the file changes again, so two stats of a
 * directory around a join or a write elsewhere agree. Direct-mapped; an
 * evicted entry is answered anew (deterministically, at that read). */
#define SEEN 256
static struct seen_file {
	uint64_t dev, ino;
	int64_t ctime, shown;
} seen_files[SEEN];

static int64_t stable(uint64_t dev, uint64_t ino, int64_t c)
{
	struct seen_file *f = &seen_files[(ino * 0x9e3779b97f4a7c15ull ^ dev) % SEEN];
	if (f->dev != dev || f->ino != ino || f->ctime != c)
		*f = (struct seen_file){ dev, ino, c, last_event() };
	return f->shown;
}

static int64_t last_event(void)
{
	int64_t t = __atomic_load_n(&event_wall, __ATOMIC_RELAXED);
	if (!t) {
		t = nd_vclock_wall_now();
		__atomic_store_n(&event_wall, t, __ATOMIC_RELAXED);
	}
	return t;
}

/* A change to a file is an event of the time line: it moves the line one
 * tick, so changes made one after another (a shell's redirection, then a
 * cp) have times in that order, as natively. */
struct timespec nd_filetime_now(void)
{
	nd_vclock_read();
	int64_t t = nd_vclock_wall_now();
	__atomic_store_n(&event_wall, t, __ATOMIC_RELAXED);
	return ts_of(t);
}

/* A file dated later than this after the run's start was dated so on
 * purpose (os.utime with a time in 2109, a future-dated archive): it is in
 * the future, as natively, and must not drag the clock there. The margin
 * covers what the run's own files carry ahead of the real clock (the seed's
 * hour, virtual time that ran ahead). */
#define FUTURE_NS (2 * 3600 * ND_NS)

/* --clamp-mtime: SOURCE_DATE_EPOCH as the program's environment has it
 * (the virtual epoch unless the user named another), in ns. */
static int64_t clamp_ns(void)
{
	static int64_t at = -1;
	if (at < 0) {
		const char *v = getenv("SOURCE_DATE_EPOCH");
		char *end;
		long long s = v ? strtoll(v, &end, 10) : -1;
		at = (v && *v && !*end && s >= 0 ? s : nd_cfg.epoch) * ND_NS;
	}
	return at;
}

/* Changed during the run and not settled: the kernel's times, mtime == ctime,
 * stamped after the run's start. File times come from the coarse clock, so a
 * change in the run's first tick carries the start's own time, as does one
 * in the tick before it. A file this process wrote (settle) takes the tick
 * as the run's; a file read (seen) takes it as older, so a script copied in
 * the moment before `nodice run` is an input like any other. */
static int unsettled(int64_t m, int64_t c, int writer)
{
	return m == c && (writer ? c >= nd_tree->real_start_ns : c > nd_tree->real_start_ns);
}

/* The times a program sees, from the real ones; *now when they are the
 * reader's now (an unsettled change). A regular file the program named
 * joins the wall clock; one it was handed (its standard output redirected
 * by a shell a moment ago) does not: its time is not the program's input. */
static int64_t seen(uint64_t dev, uint64_t ino, int64_t m, int64_t c, int join, int *now)
{
	*now = unsettled(m, c, 0);
	if (*now)
		return stable(dev, ino, c);
	if (nd_cfg.clamp_mtime && m > clamp_ns())
		m = clamp_ns();
	if (join && m <= nd_tree->real_start_ns + FUTURE_NS) {
		int64_t before = nd_vclock_wall_now();
		nd_vclock_wall_join(m);
		if (nd_vclock_wall_now() != before)
			__atomic_store_n(&event_wall, nd_vclock_wall_now(), __ATOMIC_RELAXED);
	}
	return m;
}

/* Reads move atime forward (relatime), at moments only the machine knows,
 * and a file the run wrote can be dated ahead of the real clock: atime reads
 * as the mtime. Kept only when it was set earlier than the mtime on purpose
 * (os.utime with two times), which reads cannot do: older than a day before
 * the run (relatime refreshes an atime a day old at the next read). */
#define DAY_NS (25 * 3600 * ND_NS)
static int64_t atime(int64_t real, int64_t m, int now)
{
	return !now && real < m && real < nd_tree->real_start_ns - DAY_NS ? real : m;
}

void nd_filetime_fix(struct stat *st, int fd)
{
	if (!nd_ready() || nd_exempt)
		return;
	int now, join = S_ISREG(st->st_mode) && (fd < 0 || bit_of(opened, fd));
	int64_t t = seen(st->st_dev, st->st_ino, ns_of(&st->st_mtim), ns_of(&st->st_ctim), join, &now);
	int64_t a = ns_of(&st->st_atim);
	st->st_mtim = st->st_ctim = ts_of(t);
	st->st_atim = ts_of(atime(a, t, now));
}

void nd_filetime_fix_statx(struct statx *stx, int path_given)
{
	if (!nd_ready() || nd_exempt || !(stx->stx_mask & STATX_MTIME))
		return;
	struct timespec m = { stx->stx_mtime.tv_sec, stx->stx_mtime.tv_nsec };
	struct timespec c = { stx->stx_ctime.tv_sec, stx->stx_ctime.tv_nsec };
	int now;
	int64_t t = seen(((uint64_t)stx->stx_dev_major << 32) | stx->stx_dev_minor, stx->stx_ino, ns_of(&m),
			 (stx->stx_mask & STATX_CTIME) ? ns_of(&c) : 0,
			 (stx->stx_mask & STATX_TYPE) && S_ISREG(stx->stx_mode) && path_given, &now);
	struct statx_timestamp v = { .tv_sec = t / ND_NS, .tv_nsec = (uint32_t)(t % ND_NS) };
	int64_t a = atime(stx->stx_atime.tv_sec * ND_NS + stx->stx_atime.tv_nsec, t, now);
	stx->stx_mtime = stx->stx_ctime = v;
	stx->stx_atime = (struct statx_timestamp){ .tv_sec = a / ND_NS, .tv_nsec = (uint32_t)(a % ND_NS) };
	/* A birth time is the file's first time: never after its mtime. */
	if ((stx->stx_mask & STATX_BTIME) && (now || stx->stx_btime.tv_sec * ND_NS + stx->stx_btime.tv_nsec > t))
		stx->stx_btime = v;
}

void nd_filetime_opened(int fd, int flags)
{
	if (fd < 0 || fd >= FDS)
		return;
	set_bit(opened, fd, 1);
	set_bit(writable, fd, (flags & O_ACCMODE) != O_RDONLY);
}

/* Gives a regular file written during the run the virtual time `at` on
 * disk. Whether it is still unsettled can depend on other processes (a
 * shared standard output), so the time line never depends on the answer. */
static void settle(int fd, struct timespec at)
{
	struct stat st;
	if (nd_sys(SYS_fstat, fd, (long)&st, 0, 0, 0, 0) < 0 || !S_ISREG(st.st_mode) ||
	    !unsettled(ns_of(&st.st_mtim), ns_of(&st.st_ctim), 1))
		return;
	long fl = nd_sys(SYS_fcntl, fd, F_GETFL, 0, 0, 0, 0);
	if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY)
		return;
	struct timespec both[2] = { at, at };
	nd_sys(SYS_utimensat, fd, 0, (long)both, 0, 0, 0);
}

int nd_filetime_marked(int fd)
{
	return bit_of(writable, fd);
}

int nd_filetime_owned(int fd)
{
	return bit_of(opened, fd);
}

void nd_filetime_copy(int from, int to)
{
	if (to < 0 || to >= FDS)
		return;
	set_bit(opened, to, bit_of(opened, from));
	set_bit(writable, to, bit_of(writable, from));
}

void nd_filetime_closing(int fd)
{
	if (fd < 0 || fd >= FDS || !nd_ready() || nd_exempt)
		return;
	int written = bit_of(writable, fd), mine = bit_of(opened, fd);
	set_bit(opened, fd, 0);
	set_bit(writable, fd, 0);
	if (written)
		settle(fd, nd_filetime_now()); /* one tick per close, in program order */
	else if (!mine)
		settle(fd, ts_of(nd_vclock_wall_now())); /* inherited: gzip closing its stdout */
}

void nd_filetime_settle_path(int dirfd, const char *path, int flags)
{
	if (!nd_ready() || nd_exempt)
		return;
	struct stat st;
	if (nd_sys(SYS_newfstatat, dirfd, (long)path, (long)&st, flags, 0, 0) < 0 || !S_ISREG(st.st_mode) ||
	    !unsettled(ns_of(&st.st_mtim), ns_of(&st.st_ctim), 1))
		return;
	struct timespec both[2];
	both[0] = both[1] = nd_filetime_now();
	nd_sys(SYS_utimensat, dirfd, (long)path, (long)both, flags & AT_SYMLINK_NOFOLLOW, 0, 0);
}

void nd_filetime_settle_fd(int fd)
{
	if (nd_ready() && !nd_exempt)
		settle(fd, nd_filetime_now());
}

static int settle_entry(const char *name, void *arg)
{
	const struct timespec *at = arg;
	int fd = 0;
	for (const char *c = name; *c; c++) {
		if (*c < '0' || *c > '9')
			return 0;
		fd = fd * 10 + (*c - '0');
	}
	if (*name && !nd_tree_fd_is(fd))
		settle(fd, *at);
	return 0;
}

/* Every descriptor, not only the marked ones: a shell's redirection is
 * opened by the shell and written by the program it executes. */
void nd_filetime_settle_all(void)
{
	if (!nd_ready() || nd_exempt)
		return;
	struct timespec at = ts_of(nd_vclock_wall_now()); /* no tick: see settle */
	nd_sys_listdir("/proc/self/fd", settle_entry, &at);
}
