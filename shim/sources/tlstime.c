/*
 * Certificate validity against the real clock. OpenSSL decides whether a
 * certificate (or a CRL, or an OCSP response) is valid *now* with
 * X509_cmp_time(t, NULL), which reads time(): under nodice that is the
 * virtual clock, by default in 2000, so every certificate issued since is
 * "not yet valid" and every HTTPS client under nodice fails to connect.
 * A certificate check is a conversation with the outside world, which
 * lives in real time: here, and only here, the comparison is made with the
 * real time, and each such call is logged as passed through (family
 * external). Certificates a program *creates* keep virtual dates
 * (X509_time_adj and friends read the virtual clock), so `openssl req
 * -x509` under nodice still writes the same certificate in every run.
 *
 * libcrypto calls X509_cmp_time through its PLT (from X509_cmp_timeframe,
 * X509_cmp_current_time, the CRL and OCSP checks), so the preloaded symbol
 * sees those calls. The real function is the one of the caller's libcrypto:
 * CPython's _ssl loads it privately (RTLD_LOCAL), where RTLD_NEXT cannot
 * see it, so it is found through the calling object (dladdr, then dlsym on
 * that object's handle) on first use, never during start-up, and only in
 * programs that verify certificates.
 */
#include "nodice.h"

#include <dlfcn.h>
#include <sys/syscall.h>
#include <time.h>

typedef int cmp_time_fn(const void *ctm, time_t *cmp_time);

/* OpenSSL's prototype (openssl/x509.h), without depending on its headers. */
int X509_cmp_time(const void *ctm, time_t *cmp_time);

/* The X509_cmp_time that the calling object (its path, or NULL when dladdr
 * found none) would call. */
static cmp_time_fn *real_for(const char *caller_path)
{
	cmp_time_fn *fn = NULL;
	if (caller_path) {
		void *h = dlopen(caller_path, RTLD_LAZY | RTLD_NOLOAD);
		if (h) {
			fn = (cmp_time_fn *)dlsym(h, "X509_cmp_time");
			dlclose(h);
		}
	}
	if (!fn || fn == X509_cmp_time) /* the global scope finds this one first */
		fn = (cmp_time_fn *)dlsym(RTLD_NEXT, "X509_cmp_time");
	return fn == X509_cmp_time ? NULL : fn;
}

/* The functions found so far, by the base of the object that called:
 * each slot is claimed once and published when filled. */
#define SEEN 8
static struct {
	void *base;
	cmp_time_fn *fn;
	int ready;
} seen[SEEN];

static cmp_time_fn *lookup(void *base)
{
	for (int i = 0; i < SEEN; i++)
		if (__atomic_load_n(&seen[i].ready, __ATOMIC_ACQUIRE) && seen[i].base == base)
			return seen[i].fn;
	return NULL;
}

static void remember(void *base, cmp_time_fn *fn)
{
	for (int i = 0; i < SEEN; i++) {
		void *expected = NULL;
		if (__atomic_compare_exchange_n(&seen[i].base, &expected, base, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			seen[i].fn = fn;
			__atomic_store_n(&seen[i].ready, 1, __ATOMIC_RELEASE);
			return;
		}
		if (expected == base)
			return;
	}
}

ND_EXPORT int X509_cmp_time(const void *ctm, time_t *cmp_time)
{
	ND_ORDERED();
	Dl_info info;
	int found = dladdr(__builtin_return_address(0), &info);
	void *base = found ? info.dli_fbase : NULL;
	cmp_time_fn *fn = base ? lookup(base) : NULL;
	if (!fn) {
		if (!(fn = real_for(found ? info.dli_fname : NULL)))
			return 0; /* OpenSSL's own answer for "cannot compare" */
		if (base)
			remember(base, fn);
	}
	if (cmp_time || nd_passthrough())
		return fn(ctm, cmp_time);
	struct timespec ts;
	nd_sys(SYS_clock_gettime, CLOCK_REALTIME, (long)&ts, 0, 0, 0, 0);
	time_t now = ts.tv_sec;
	nd_log_passed(ND_SYM_X509_cmp_time);
	return fn(ctm, &now);
}
