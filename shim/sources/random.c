/*
 * The entropy family: getrandom(2), getentropy(3), arc4random(3) and friends,
 * all served from the ENTROPY stream. They never block (the stream is always
 * ready), and keep the kernel's and glibc's argument checks exactly, so a
 * program sees the same errors it would natively. No allocation, no lock:
 * each is as async-signal-safe as the original.
 */
#include "nodice.h"
#include "stream.h"
#include "random.h"

#include <stdlib.h>
#include <sys/random.h>
#include <unistd.h>

#define MAX_RW_COUNT 0x7ffff000UL

long nd_random_getrandom(void *buf, size_t len, unsigned flags)
{
	if (flags & ~(unsigned)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if ((flags & (GRND_RANDOM | GRND_INSECURE)) == (GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if (!buf && len)
		return -EFAULT;
	if (len > MAX_RW_COUNT)
		len = MAX_RW_COUNT;
	nd_stream_fill(ND_STREAM_ENTROPY, buf, len);
	return (long)len;
}

/* getrandom(2). */
ND_EXPORT ssize_t getrandom(void *buf, size_t len, unsigned flags)
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.getrandom(buf, len, flags);
	long r = nd_random_getrandom(buf, len, flags);
	nd_log_served(ND_SYM_getrandom, r > 0 ? (uint64_t)r : 0);
	return nd_ret(r);
}

/* getentropy(3): at most 256 bytes, EIO beyond, like glibc. */
ND_EXPORT int getentropy(void *buf, size_t len)
{
	ND_ORDERED();
	if (len > 256)
		return (int)nd_ret(-EIO);
	if (!buf && len)
		return (int)nd_ret(-EFAULT);
	if (nd_passthrough())
		return nd_real.getrandom(buf, len, 0) < 0 ? -1 : 0;
	nd_stream_fill(ND_STREAM_ENTROPY, buf, len);
	nd_log_served(ND_SYM_getentropy, len);
	return 0;
}

/* arc4random_buf(3). */
ND_EXPORT void arc4random_buf(void *buf, size_t len)
{
	ND_ORDERED();
	if (nd_passthrough()) {
		nd_real.getrandom(buf, len, 0);
		return;
	}
	nd_stream_fill(ND_STREAM_ENTROPY, buf, len);
	nd_log_served(ND_SYM_arc4random_buf, len);
}

/* arc4random(3). */
ND_EXPORT uint32_t arc4random(void)
{
	ND_ORDERED();
	uint32_t v = 0;
	if (nd_passthrough()) {
		nd_real.getrandom(&v, sizeof(v), 0);
		return v;
	}
	nd_stream_fill(ND_STREAM_ENTROPY, &v, sizeof(v));
	nd_log_served(ND_SYM_arc4random, sizeof(v));
	return v;
}

/* arc4random_uniform(3): uniform in [0, upper) by rejection, 0 for upper < 2. */
ND_EXPORT uint32_t arc4random_uniform(uint32_t upper)
{
	ND_ORDERED();
	if (upper < 2)
		return 0;
	if (nd_passthrough()) {
		uint32_t v = 0;
		nd_real.getrandom(&v, sizeof(v), 0);
		return v % upper;
	}
	uint32_t min = (uint32_t)-upper % upper, v;
	do
		nd_stream_fill(ND_STREAM_ENTROPY, &v, sizeof(v));
	while (v < min);
	nd_log_served(ND_SYM_arc4random_uniform, sizeof(v));
	return v % upper;
}
