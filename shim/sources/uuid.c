/*
 * Time-based UUIDs (version 1) from libuuid: uuid_generate_time and
 * uuid_generate_time_safe, what Python's uuid.uuid1() calls. Natively their
 * time is the real clock, their clock sequence comes from a state file that
 * outlives the run (/var/lib/libuuid/clock.txt: under a virtual clock that
 * starts at the same instant every run, libuuid sees time go back and bumps
 * the sequence, so every run differs) and their node is the machine's MAC.
 *
 * Here: the time is the virtual wall clock (a read, so two UUIDs never share
 * it), the clock sequence is drawn once per process from the device stream,
 * and the node is the machine's first MAC in /sys/class/net (by interface
 * name, loopback aside) — or, with --host, 48 bits derived from the host name
 * with the multicast bit set, as RFC 4122 asks of a node that is not a real
 * address. Raw system calls and a static state: no allocation.
 */
#include "nodice.h"
#include "vclock.h"
#include "stream.h"
#include "devices.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>

#define UUID_EPOCH_OFFSET 0x01B21DD213814000ULL /* 1582-10-15 to 1970-01-01, in 100 ns */

static uint16_t clock_seq;
static int clock_seq_set;
static unsigned char node[6];
static int node_set;

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* aa:bb:cc:dd:ee:ff into node; 0 when it is one and not all zero. */
static int parse_mac(const char *s, unsigned char out[6])
{
	int any = 0;
	for (int i = 0; i < 6; i++, s += 3) {
		int h = hexval(s[0]), l = hexval(s[1]);
		if (h < 0 || l < 0 || (i < 5 && s[2] != ':'))
			return -1;
		out[i] = (unsigned char)(h * 16 + l);
		any |= out[i];
	}
	return any ? 0 : -1;
}

/* The MAC of the interface whose name sorts first, loopback aside. */
struct first_mac {
	char name[256];
	unsigned char mac[6];
};

static int consider(const char *name, void *arg)
{
	struct first_mac *f = arg;
	char path[320], text[32];
	size_t len = strlen(name);
	if (name[0] == '.' || !strcmp(name, "lo") || len >= sizeof(f->name) || (f->name[0] && strcmp(name, f->name) >= 0))
		return 0;
	memcpy(path, "/sys/class/net/", 15);
	memcpy(path + 15, name, len);
	memcpy(path + 15 + len, "/address", 9);
	long r = nd_sys_read_file(path, text, sizeof(text));
	unsigned char mac[6];
	if (r >= 17 && parse_mac(text, mac) == 0) {
		memcpy(f->name, name, len + 1);
		memcpy(f->mac, mac, 6);
	}
	return 0;
}

static int machine_node(unsigned char out[6])
{
	struct first_mac f = { "", { 0 } };
	if (nd_sys_listdir("/sys/class/net", consider, &f) < 0 || !f.name[0])
		return -1;
	memcpy(out, f.mac, 6);
	return 0;
}

static void host_node(unsigned char out[6])
{
	uint64_t h = nd_host_hash(3);
	for (int i = 0; i < 6; i++)
		out[i] = (unsigned char)(h >> (8 * i));
	out[0] |= 0x01; /* multicast: not a real address (RFC 4122, 4.5) */
}

static void generate(unsigned char out[16])
{
	if (!__atomic_load_n(&node_set, __ATOMIC_ACQUIRE)) {
		if (nd_cfg.host[0] || machine_node(node) < 0)
			host_node(node);
		__atomic_store_n(&node_set, 1, __ATOMIC_RELEASE);
	}
	if (!__atomic_load_n(&clock_seq_set, __ATOMIC_ACQUIRE)) {
		clock_seq = (uint16_t)(nd_stream_u64(ND_STREAM_DEVICE) & 0x3fff);
		__atomic_store_n(&clock_seq_set, 1, __ATOMIC_RELEASE);
	}
	int64_t ns;
	nd_vclock_at(CLOCK_REALTIME, nd_vclock_read(), &ns);
	uint64_t t = (uint64_t)(ns / 100) + UUID_EPOCH_OFFSET;
	uint32_t low = (uint32_t)t;
	uint16_t mid = (uint16_t)(t >> 32), hi = (uint16_t)(((t >> 48) & 0x0fff) | 0x1000);
	out[0] = (unsigned char)(low >> 24);
	out[1] = (unsigned char)(low >> 16);
	out[2] = (unsigned char)(low >> 8);
	out[3] = (unsigned char)low;
	out[4] = (unsigned char)(mid >> 8);
	out[5] = (unsigned char)mid;
	out[6] = (unsigned char)(hi >> 8);
	out[7] = (unsigned char)hi;
	out[8] = (unsigned char)(((clock_seq >> 8) & 0x3f) | 0x80);
	out[9] = (unsigned char)clock_seq;
	memcpy(out + 10, node, 6);
}

/* libuuid's prototypes (uuid/uuid.h is not needed to build the shim). */
int uuid_generate_time_safe(unsigned char out[16]);
void uuid_generate_time(unsigned char out[16]);

/* An exempt program gets libuuid's own, where the global scope has it. */
static void *real_uuid(const char *name)
{
	void *fn = nd_exempt ? dlsym(RTLD_NEXT, name) : NULL;
	return fn;
}

/* uuid_generate_time_safe(3): 0, "generated safely" (no other process can
 * hand out the same time: the virtual clock is this process's own). */
ND_EXPORT int uuid_generate_time_safe(unsigned char out[16])
{
	ND_ORDERED();
	int (*real)(unsigned char *) = nd_ready() ? (int (*)(unsigned char *))real_uuid("uuid_generate_time_safe") : NULL;
	if (real)
		return real(out);
	nd_log_served(ND_SYM_uuid_generate_time_safe, 16);
	generate(out);
	return 0;
}

ND_EXPORT void uuid_generate_time(unsigned char out[16])
{
	ND_ORDERED();
	void (*real)(unsigned char *) = nd_ready() ? (void (*)(unsigned char *))real_uuid("uuid_generate_time") : NULL;
	if (real) {
		real(out);
		return;
	}
	nd_log_served(ND_SYM_uuid_generate_time, 16);
	generate(out);
}
