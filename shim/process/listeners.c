/*
 * Which member listens on a named Unix socket: a client of the run
 * blocked in a read of its connection waits for that member's answer
 * (members.h's nd_member_block_on). A Manager's proxies, a DataLoader's
 * resource sharer: the server is a member, and whether the others passed
 * over a client asleep in such a read followed real time (the client acts
 * at its count once answered, which they had passed): a Pool worker's
 * first proxy call (an incref, at its start) let the other worker take
 * the first task or not (`tree_managers` in CI).
 *
 * A member enters its listening socket's name at each accept on it
 * (before any client can be answered; a listener only a child accepts on
 * is entered by the child). A full table gives the entry of a member gone
 * or replaced. The name's key: the socket file's device and inode (a
 * relative path and an absolute one meet), or an abstract name's bytes.
 */
#include "nodice.h"
#include "listeners.h"
#include "member_slots.h"
#include "members.h"
#include "tree.h"

#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>

#define ABSTRACT (1ULL << 63)

uint64_t nd_listener_key(const struct sockaddr *addr, socklen_t len)
{
	const struct sockaddr_un *un = (const struct sockaddr_un *)addr;
	size_t at = offsetof(struct sockaddr_un, sun_path);
	if (!addr || len <= at || len > sizeof(struct sockaddr_un) || un->sun_family != AF_UNIX)
		return 0;
	size_t n = len - at;
	uint64_t key;
	if (un->sun_path[0] == '\0') {
		key = 0xcbf29ce484222325ULL; /* FNV-1a */
		for (size_t i = 1; i < n; i++)
			key = (key ^ (unsigned char)un->sun_path[i]) * 0x100000001b3ULL;
		key |= ABSTRACT;
	} else {
		char path[sizeof un->sun_path + 1];
		memcpy(path, un->sun_path, n);
		path[n] = '\0';
		struct stat st;
		if (nd_sys(SYS_stat, (long)path, (long)&st, 0, 0, 0, 0) != 0 || !S_ISSOCK(st.st_mode))
			return 0;
		key = (((uint64_t)st.st_dev << 40) ^ (uint64_t)st.st_ino) & ~ABSTRACT;
	}
	return key ? key : 1;
}

static int live(struct nd_tree_listener *l, int *member)
{
	int m = __atomic_load_n(&l->member, __ATOMIC_ACQUIRE), pid = __atomic_load_n(&l->pid, __ATOMIC_ACQUIRE);
	*member = m;
	return m >= 0 && m < ND_MEMBERS && pid > 0 && __atomic_load_n(&slot(m)->pid, __ATOMIC_ACQUIRE) == pid;
}

static void enter(uint64_t key)
{
	int me = nd_member_me, pid = __atomic_load_n(&slot(me)->pid, __ATOMIC_ACQUIRE), m;
	struct nd_tree_listener *free = NULL;
	for (int i = 0; i < ND_TREE_LISTENERS; i++) {
		struct nd_tree_listener *l = &nd_tree->listeners[i];
		uint64_t k = __atomic_load_n(&l->key, __ATOMIC_ACQUIRE);
		if (k == key) {
			free = l;
			break;
		}
		if (!free && (!k || !live(l, &m)))
			free = l;
	}
	if (!free)
		return;
	uint64_t have = __atomic_load_n(&free->key, __ATOMIC_ACQUIRE);
	if (have != key && !__atomic_compare_exchange_n(&free->key, &have, key, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return; /* another took it meanwhile: the next accept tries again */
	__atomic_store_n(&free->pid, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&free->member, me, __ATOMIC_RELEASE);
	__atomic_store_n(&free->pid, pid, __ATOMIC_RELEASE);
}

void nd_listener_accepting(int fd)
{
	struct sockaddr_un un;
	socklen_t len = sizeof un;
	if (nd_member_me < 0 || nd_sys(SYS_getsockname, fd, (long)&un, (long)&len, 0, 0, 0) != 0)
		return;
	uint64_t key = nd_listener_key((const struct sockaddr *)&un, len);
	if (key)
		enter(key);
}

int nd_listener_member(uint64_t key)
{
	for (int i = 0; key && i < ND_TREE_LISTENERS; i++) {
		struct nd_tree_listener *l = &nd_tree->listeners[i];
		int m;
		if (__atomic_load_n(&l->key, __ATOMIC_ACQUIRE) == key && live(l, &m) &&
		    __atomic_load_n(&l->key, __ATOMIC_ACQUIRE) == key)
			return m;
	}
	return -1;
}
