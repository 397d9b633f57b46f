/*
 * Setting the clock. A program under nodice never changes the machine's
 * clock: every call that would set, step or slew it is answered here, from
 * the tree's virtual clock (tree.h), and none reaches the kernel.
 *
 * The caller gets what it would get natively. Whether it may set the clock is
 * decided from its capabilities, never by trying: CAP_SYS_TIME in the
 * effective set, and the initial user namespace (inside another one the
 * capability does not reach the clock; told by /proc/self/uid_map, as
 * systemd does). Arguments are checked in the kernel's order, so EFAULT,
 * EINVAL and EPERM come where they would.
 *
 * What a permitted call does: clock_settime(CLOCK_REALTIME), settimeofday,
 * stime and adjtimex(ADJ_SETOFFSET) move the tree's wall offset, so every
 * process of the run sees the new time; adjtime and ADJ_OFFSET_SINGLESHOT
 * apply their slew at once (the virtual clock slews infinitely fast); the
 * other adjtimex modes update the virtual NTP state that reads return. The
 * monotonic clocks never move. Reads (adjtimex with no mode, ntp_gettime)
 * answer from the same state, with the virtual time.
 *
 * Every call is counted as a served source and logged as a `clock-set`
 * event that says what happened. Called from interposers and from the SIGSYS
 * handler (dispatch.c): no allocation, no lock, raw system calls only.
 */
#include "nodice.h"
#include "vclock.h"
#include "fmt.h"
#include "settime.h"
#include "tree.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <time.h>

/* The kernel's mode bits (glibc's ADJ_OFFSET_SINGLESHOT is 0x8001: both). */
#define K_ADJ_ADJTIME 0x8000
#define K_ADJ_SINGLESHOT 0x0001
#define K_ADJ_READONLY 0x2000
#define NTP_RONLY 0xff00 /* STA_RONLY: status bits only the kernel sets */
#define MAXPHASE 500000000LL
#define MAXFREQ_SCALED (500LL << 16)

/* /proc/self/uid_map of the initial user namespace: "0 0 4294967295". */
static int initial_user_ns(void)
{
	char buf[128];
	long fd = nd_sys(SYS_open, (long)"/proc/self/uid_map", O_RDONLY | O_CLOEXEC, 0, 0, 0, 0);
	if (fd < 0)
		return 1; /* no /proc: nothing says otherwise */
	long n = nd_sys(SYS_read, fd, (long)buf, sizeof(buf) - 1, 0, 0, 0);
	nd_sys(SYS_close, fd, 0, 0, 0, 0, 0);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	long v[3], k = 0;
	for (char *p = buf; k < 3 && *p;) {
		while (*p == ' ')
			p++;
		if (*p < '0' || *p > '9')
			break;
		for (v[k] = 0; *p >= '0' && *p <= '9'; p++)
			v[k] = v[k] * 10 + (*p - '0');
		k++;
	}
	const char *nl = strchr(buf, '\n');
	return k == 3 && v[0] == 0 && v[1] == 0 && v[2] == 4294967295L && (!nl || !nl[1]);
}

int nd_settime_permitted(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	if (nd_sys(SYS_capget, (long)&h, (long)d, 0, 0, 0, 0) < 0)
		return 0;
	return (d[0].effective & (1u << CAP_SYS_TIME)) && initial_user_ns();
}

static void event(const char *fn, const char *what)
{
	char detail[160];
	struct nd_buf b = ND_BUF(detail);
	nd_fmt_str(&b, fn);
	nd_fmt_str(&b, ": ");
	nd_fmt_str(&b, what);
	nd_log_uncontrolled("clock-set", detail);
}

static long refused(const char *fn, long err)
{
	event(fn, err == -EPERM ? "refused with EPERM (no CAP_SYS_TIME), as natively"
				: "refused: invalid arguments, as natively");
	return err;
}

static int64_t wall_now(void)
{
	int64_t ns;
	nd_vclock_at(CLOCK_REALTIME, nd_vclock_read(), &ns);
	return ns;
}

/* Sets the tree's wall clock to `ns`; the kernel refuses a time before the
 * monotonic clock's (it would make the monotonic offset positive). */
static long set_wall(const char *fn, int64_t ns)
{
	int64_t mono;
	nd_vclock_at(CLOCK_MONOTONIC, nd_vclock_now(), &mono);
	if (ns < mono)
		return refused(fn, -EINVAL);
	__atomic_add_fetch(&nd_tree->wall_offset, ns - wall_now(), __ATOMIC_RELAXED);
	event(fn, "the virtual wall clock was set; the machine's clock is untouched");
	return 0;
}

static int valid_settod(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < ND_NS && ts->tv_sec < INT64_MAX / ND_NS;
}

/* clock_settime(2): the kernel's order is clock, then the copy, then the
 * value, then the permission. */
long nd_settime_clock(const char *fn, int clk, long user_ts)
{
	struct timespec ts;
	int64_t unused;
	long r;
	/* Another process's or thread's CPU clock (a dynamic id) is checked
	 * and refused; a clock device (PTP) is the machine's; of the fixed ids
	 * only CLOCK_REALTIME has a setter at all. */
	int cpu = clk < 0 && (clk & 7) != 3;
	if (clk < 0 && !cpu)
		return refused(fn, -EPERM);
	if (!cpu && (nd_vclock_at(clk, 0, &unused) < 0 || clk != CLOCK_REALTIME))
		return refused(fn, -EINVAL);
	if ((r = nd_user_read(&ts, user_ts, sizeof(ts))) < 0)
		return refused(fn, r);
	if (cpu)
		return refused(fn, -EPERM);
	if (!valid_settod(&ts))
		return refused(fn, -EINVAL);
	if (!nd_settime_permitted())
		return refused(fn, -EPERM);
	return set_wall(fn, ts.tv_sec * ND_NS + ts.tv_nsec);
}

/* The raw settimeofday(2): either argument may be NULL. */
long nd_settime_tod(const char *fn, long user_tv, long user_tz)
{
	struct timeval tv;
	struct timezone tz;
	struct timespec ts = { 0, 0 };
	long r;
	if (user_tv) {
		if ((r = nd_user_read(&tv, user_tv, sizeof(tv))) < 0)
			return refused(fn, r);
		if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
			return refused(fn, -EINVAL);
		ts = (struct timespec){ tv.tv_sec, tv.tv_usec * 1000 };
		if (!valid_settod(&ts))
			return refused(fn, -EINVAL);
	}
	if (user_tz) {
		if ((r = nd_user_read(&tz, user_tz, sizeof(tz))) < 0)
			return refused(fn, r);
		if (tz.tz_minuteswest > 15 * 60 || tz.tz_minuteswest < -15 * 60)
			return refused(fn, -EINVAL);
	}
	if (!nd_settime_permitted())
		return refused(fn, -EPERM);
	if (user_tz) {
		__atomic_store_n(&nd_tree->tz_minuteswest, tz.tz_minuteswest, __ATOMIC_RELAXED);
		__atomic_store_n(&nd_tree->tz_dsttime, tz.tz_dsttime, __ATOMIC_RELAXED);
		if (!user_tv)
			event(fn, "the virtual timezone was set; the machine's is untouched");
	}
	return user_tv ? set_wall(fn, ts.tv_sec * ND_NS + ts.tv_nsec) : 0;
}

/* Fills a read of the virtual NTP state; returns the clock state. */
static long ntp_read(struct timex *tx)
{
	struct nd_tree_ntp n = nd_tree->ntp;
	int64_t now = wall_now();
	int nano = (n.status & STA_NANO) != 0;
	tx->offset = n.offset;
	tx->freq = n.freq;
	tx->maxerror = n.maxerror;
	tx->esterror = n.esterror;
	tx->status = n.status;
	tx->constant = n.constant;
	tx->precision = 1;
	tx->tolerance = MAXFREQ_SCALED;
	tx->time.tv_sec = now / ND_NS;
	tx->time.tv_usec = nano ? now % ND_NS : (now % ND_NS) / 1000;
	tx->tick = n.tick;
	tx->ppsfreq = tx->jitter = tx->stabil = tx->jitcnt = tx->calcnt = tx->errcnt = tx->stbcnt = 0;
	tx->shift = 0;
	tx->tai = (int)n.tai;
	return (n.status & STA_UNSYNC) ? TIME_ERROR : TIME_OK;
}

static int64_t clamp(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* adjtimex(2) and clock_adjtime(2) on CLOCK_REALTIME: the kernel's checks in
 * its order (timekeeping_validate_timex), then the modes applied to the
 * virtual state. */
static long adjust(const char *fn, struct timex *tx)
{
	unsigned m = tx->modes;
	if (m & K_ADJ_ADJTIME) {
		if (!(m & K_ADJ_SINGLESHOT))
			return refused(fn, -EINVAL);
		if (!(m & K_ADJ_READONLY) && !nd_settime_permitted())
			return refused(fn, -EPERM);
	} else {
		if (m && !nd_settime_permitted())
			return refused(fn, -EPERM);
		if ((m & ADJ_TICK) && (tx->tick < 9000 || tx->tick > 11000))
			return refused(fn, -EINVAL);
	}
	if (m & ADJ_SETOFFSET) {
		long lim = (m & ADJ_NANO) ? ND_NS : 1000000;
		if (tx->time.tv_usec < 0 || tx->time.tv_usec >= lim)
			return refused(fn, -EINVAL);
	}
	if ((m & ADJ_FREQUENCY) && (tx->freq < INT64_MIN / 1000 || tx->freq > INT64_MAX / 1000))
		return refused(fn, -EINVAL);

	struct nd_tree_ntp *n = &nd_tree->ntp;
	if (m & K_ADJ_ADJTIME) {
		/* adjtime(3)'s slew: applied at once, so the pending slew the
		 * kernel reports back in offset is always 0. */
		if (!(m & K_ADJ_READONLY)) {
			__atomic_add_fetch(&nd_tree->wall_offset, (int64_t)tx->offset * 1000, __ATOMIC_RELAXED);
			event(fn, "the slew was applied to the virtual wall clock at once; the machine's clock is untouched");
		}
		long st = ntp_read(tx);
		tx->offset = 0;
		return st;
	}
	if (m & ADJ_SETOFFSET) {
		int64_t d = tx->time.tv_sec * ND_NS + ((m & ADJ_NANO) ? tx->time.tv_usec : tx->time.tv_usec * 1000);
		__atomic_add_fetch(&nd_tree->wall_offset, d, __ATOMIC_RELAXED);
	}
	if (m & ADJ_NANO)
		n->status |= STA_NANO;
	if (m & ADJ_MICRO)
		n->status &= ~STA_NANO;
	if (m & ADJ_STATUS)
		n->status = (n->status & NTP_RONLY) | (tx->status & ~NTP_RONLY);
	if (m & ADJ_MAXERROR)
		n->maxerror = clamp(tx->maxerror, 0, 16000000);
	if (m & ADJ_ESTERROR)
		n->esterror = clamp(tx->esterror, 0, 16000000);
	if (m & ADJ_TIMECONST)
		n->constant = clamp(tx->constant, 0, 10);
	if ((m & ADJ_TAI) && tx->constant >= 0)
		n->tai = tx->constant;
	if (m & ADJ_FREQUENCY)
		n->freq = clamp(tx->freq, -MAXFREQ_SCALED, MAXFREQ_SCALED);
	if (m & ADJ_OFFSET)
		n->offset = clamp(tx->offset, (n->status & STA_NANO) ? -MAXPHASE : -MAXPHASE / 1000,
				  (n->status & STA_NANO) ? MAXPHASE : MAXPHASE / 1000);
	if (m & ADJ_TICK)
		n->tick = tx->tick;
	if (m)
		event(fn, (m & ADJ_SETOFFSET) ? "the virtual wall clock was stepped; the machine's clock is untouched"
					      : "the virtual NTP state was changed; the machine's clock is untouched");
	return ntp_read(tx);
}

/* adjtimex(2) (clk CLOCK_REALTIME) and clock_adjtime(2): the kernel checks
 * the clock, copies the structure in, works, and copies it back. */
long nd_settime_adjtimex(const char *fn, int clk, long user_tx)
{
	struct timex tx;
	long r;
	int64_t unused;
	if (clk < 0 && (clk & 7) == 3)
		return refused(fn, -EPERM); /* a clock device (PTP) is the machine's */
	if (clk < 0 || (clk != CLOCK_REALTIME && nd_vclock_at(clk, 0, &unused) == 0))
		return refused(fn, -EOPNOTSUPP);
	if (clk != CLOCK_REALTIME)
		return refused(fn, -EINVAL);
	if ((r = nd_user_read(&tx, user_tx, sizeof(tx))) < 0)
		return refused(fn, r);
	long st = adjust(fn, &tx);
	if (st < 0)
		return st;
	return (r = nd_user_write(user_tx, &tx, sizeof(tx))) < 0 ? r : st;
}

/* clock_settime(2). */
ND_EXPORT int clock_settime(clockid_t clk, const struct timespec *ts)
{
	ND_ORDERED();
	if (!nd_ready())
		return (int)nd_ret(-EPERM);
	nd_log_served(ND_SYM_clock_settime, 0);
	return (int)nd_ret(nd_settime_clock("clock_settime", clk, (long)ts));
}

/* settimeofday(2) as glibc 2.36 has it: both arguments at once is EINVAL, a
 * timezone alone sets the timezone; neither is EFAULT (glibc would crash). */
ND_EXPORT int settimeofday(const struct timeval *tv, const struct timezone *tz)
{
	ND_ORDERED();
	if (!nd_ready())
		return (int)nd_ret(-EPERM);
	nd_log_served(ND_SYM_settimeofday, 0);
	if (!tv != !tz)
		return (int)nd_ret(nd_settime_tod("settimeofday", (long)tv, (long)tz));
	return (int)nd_ret(tv ? -EINVAL : -EFAULT);
}

/* stime(2), a compatibility symbol in glibc 2.36 that old binaries still use. */
int nd_stime(const time_t *when) __asm__("stime");
ND_EXPORT int nd_stime(const time_t *when)
{
	ND_ORDERED();
	if (!nd_ready())
		return (int)nd_ret(-EPERM);
	nd_log_served(ND_SYM_stime, 0);
	if (!when)
		return (int)nd_ret(-EINVAL);
	struct timespec ts = { *when, 0 };
	return (int)nd_ret(nd_settime_clock("stime", CLOCK_REALTIME, (long)&ts));
}

/* adjtimex(2). */
ND_EXPORT int adjtimex(struct timex *tx)
{
	ND_ORDERED();
	if (!nd_ready())
		return (int)nd_ret(-EPERM);
	nd_log_served(ND_SYM_adjtimex, 0);
	return (int)nd_ret(nd_settime_adjtimex("adjtimex", CLOCK_REALTIME, (long)tx));
}

/* ntp_adjtime(3): adjtimex under its NTP name. */
ND_EXPORT int ntp_adjtime(struct timex *tx)
{
	ND_ORDERED();
	if (!nd_ready())
		return (int)nd_ret(-EPERM);
	nd_log_served(ND_SYM_ntp_adjtime, 0);
	return (int)nd_ret(nd_settime_adjtimex("ntp_adjtime", CLOCK_REALTIME, (long)tx));
}

/* clock_adjtime(2). */
ND_EXPORT int clock_adjtime(clockid_t clk, struct timex *tx)
{
	ND_ORDERED();
	if (!nd_ready())
		return (int)nd_ret(-EPERM);
	nd_log_served(ND_SYM_clock_adjtime, 0);
	return (int)nd_ret(nd_settime_adjtimex("clock_adjtime", clk, (long)tx));
}

/* adjtime(3), as glibc builds it on adjtimex (its internal call would reach
 * the kernel, so the whole function is answered here). */
ND_EXPORT int adjtime(const struct timeval *delta, struct timeval *olddelta)
{
	ND_ORDERED();
	const long max_sec = INT32_MAX / 1000000L - 2, min_sec = INT32_MIN / 1000000L + 2;
	struct timex tx = { .modes = ADJ_OFFSET_SS_READ };
	if (!nd_ready())
		return (int)nd_ret(-EPERM);
	nd_log_served(ND_SYM_adjtime, 0);
	if (delta) {
		long sec = delta->tv_sec + delta->tv_usec / 1000000L, usec = delta->tv_usec % 1000000L;
		if (sec > max_sec || sec < min_sec)
			return (int)nd_ret(-EINVAL);
		tx = (struct timex){ .modes = ADJ_OFFSET_SINGLESHOT, .offset = usec + sec * 1000000L };
	}
	long r = nd_settime_adjtimex("adjtime", CLOCK_REALTIME, (long)&tx);
	if (r < 0)
		return (int)nd_ret(r);
	if (olddelta)
		*olddelta = (struct timeval){ tx.offset / 1000000, tx.offset % 1000000 };
	return 0;
}

/* ntp_gettimex(3) and the older ntp_gettime(3): reads of the virtual clock
 * and NTP state (glibc's own would ask the kernel through adjtimex). */
static int ntp_get(struct ntptimeval *ntv, int with_tai)
{
	struct timex tx = { .modes = 0 };
	long r = nd_settime_adjtimex("ntp_gettime", CLOCK_REALTIME, (long)&tx);
	if (r < 0)
		return (int)nd_ret(r);
	ntv->time = tx.time;
	ntv->maxerror = tx.maxerror;
	ntv->esterror = tx.esterror;
	if (with_tai) {
		ntv->tai = tx.tai;
		ntv->__glibc_reserved1 = ntv->__glibc_reserved2 = ntv->__glibc_reserved3 = ntv->__glibc_reserved4 = 0;
	}
	return (int)r;
}

ND_EXPORT int ntp_gettimex(struct ntptimeval *ntv)
{
	ND_ORDERED();
	if (!nd_ready())
		return (int)nd_ret(-EPERM);
	nd_log_served(ND_SYM_ntp_gettimex, 0);
	return ntp_get(ntv, 1);
}

int nd_ntp_gettime(struct ntptimeval *ntv) __asm__("ntp_gettime");
ND_EXPORT int nd_ntp_gettime(struct ntptimeval *ntv)
{
	ND_ORDERED();
	if (!nd_ready())
		return (int)nd_ret(-EPERM);
	nd_log_served(ND_SYM_ntp_gettime, 0);
	return ntp_get(ntv, 0);
}
