/*
 * The host's identity: its name (gethostname, uname's nodename,
 * /etc/hostname, /proc/sys/kernel/hostname) and its machine id
 * (/etc/machine-id, /var/lib/dbus/machine-id). By default the machine's own,
 * passed through and reported (family identity), since two machines can
 * never agree on them. With NODICE_HOST (`--host NAME`) they are fixed: the
 * name as given, the machine id 32 hex digits derived from the name alone —
 * so one --host on two machines gives the same identity, and `verify
 * --against` a record made elsewhere can agree. Files go through memfile.c:
 * system calls only.
 */
#include "nodice.h"
#include "memfile.h"
#include "devices.h"

#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

/* gethostname(2): ENAMETOOLONG when the name and its NUL do not fit. */
ND_EXPORT int gethostname(char *name, size_t len)
{
	ND_ORDERED();
	if (nd_passthrough() || !nd_cfg.host[0]) {
		if (!nd_passthrough())
			nd_log_passed(ND_SYM_gethostname);
		return nd_real.gethostname(name, len);
	}
	nd_log_served(ND_SYM_gethostname, 0);
	size_t n = strlen(nd_cfg.host);
	if (len < n + 1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(name, nd_cfg.host, n + 1);
	return 0;
}

/* uname(2): the machine's, with the fixed node name. */
ND_EXPORT int uname(struct utsname *buf)
{
	ND_ORDERED();
	if (nd_passthrough() || !nd_cfg.host[0]) {
		if (!nd_passthrough())
			nd_log_passed(ND_SYM_uname);
		return nd_real.uname(buf);
	}
	int r = nd_real.uname(buf);
	if (r == 0) {
		nd_log_served(ND_SYM_uname, 0);
		memset(buf->nodename, 0, sizeof(buf->nodename));
		memcpy(buf->nodename, nd_cfg.host, strlen(nd_cfg.host));
	}
	return r;
}

/* splitmix64's finalizer: a fixed mixing, independent of the seed (the
 * streams are keyed by it; an identity must not be). */
static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t nd_host_hash(uint64_t which)
{
	uint64_t h = 0x6d616368696e6521ULL; /* "machine!" */
	for (const char *c = nd_cfg.host; *c; c++)
		h = mix(h + 0x9e3779b97f4a7c15ULL + (uint64_t)(unsigned char)*c);
	return mix(h + which);
}

/* 32 hex digits from the host name. */
static void machine_id(char out[33])
{
	uint64_t w[2] = { nd_host_hash(1), nd_host_hash(2) };
	for (int i = 0; i < 32; i++)
		out[i] = "0123456789abcdef"[(w[i / 16] >> (60 - 4 * (i % 16))) & 15];
	out[32] = 0;
}

int nd_hostfile_open(const char *path, int flags, int *out)
{
	if (!nd_cfg.host[0])
		return 0;
	int name = !strcmp(path, "/etc/hostname") || !strcmp(path, "/proc/sys/kernel/hostname");
	int id = !strcmp(path, "/etc/machine-id") || !strcmp(path, "/var/lib/dbus/machine-id");
	if (!name && !id)
		return 0;
	struct nd_memfile o;
	if ((*out = nd_memfile_open("nodice-host", flags, &o)) < 0)
		return 1;
	char mid[33];
	if (id)
		machine_id(mid);
	nd_memfile_puts(&o, name ? nd_cfg.host : mid);
	nd_memfile_puts(&o, "\n");
	*out = nd_memfile_done(&o);
	return 1;
}
