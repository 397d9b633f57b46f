/*
 * The other end of a connected AF_UNIX stream socket: a socketpair's, or a
 * connection to a named listener's (multiprocessing's Manager, a server of
 * the run). What is written to one end is read from the other, which is
 * another inode; to let those bytes carry their writer's time (and, for a
 * socketpair, count: process/carry.c), a write is marked under the
 * receiving end's inode. The kernel tells it through sock_diag (a
 * NETLINK_SOCK_DIAG request for the socket's inode with UDIAG_SHOW_PEER:
 * what `ss -x` shows), asked once per descriptor with raw
 * system calls on a netlink socket closed at once. A kernel without
 * unix_diag answers nothing, and the socket carries no count, as before.
 */
#include "nodice.h"
#include "devices.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>

/* A connected AF_UNIX stream socket: 1 when neither end has a name (a
 * socketpair's end), 2 when one has (a named listener's connection, either
 * end), else 0. */
static int connected_stream(int fd)
{
	struct sockaddr_un a;
	socklen_t len = sizeof(a), plen = sizeof(a);
	int type = 0;
	socklen_t tlen = sizeof(type);
	if (nd_sys(SYS_getsockname, fd, (long)&a, (long)&len, 0, 0, 0) < 0 || a.sun_family != AF_UNIX ||
	    nd_sys(SYS_getpeername, fd, (long)&a, (long)&plen, 0, 0, 0) < 0 ||
	    nd_sys(SYS_getsockopt, fd, SOL_SOCKET, SO_TYPE, (long)&type, (long)&tlen, 0) < 0 || type != SOCK_STREAM)
		return 0;
	return len <= sizeof(sa_family_t) && plen <= sizeof(sa_family_t) ? 1 : 2;
}

uint64_t nd_sockpeer_inode(int fd, uint64_t ino, int *named)
{
	int c = connected_stream(fd);
	*named = c == 2;
	if (!c)
		return 0;
	long nl = nd_sys(SYS_socket, AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG, 0, 0, 0);
	if (nl < 0)
		return 0;
	struct {
		struct nlmsghdr h;
		struct unix_diag_req r;
	} req;
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = sizeof(req);
	req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.h.nlmsg_flags = NLM_F_REQUEST;
	req.r.sdiag_family = AF_UNIX;
	req.r.udiag_states = ~0u;
	req.r.udiag_ino = (uint32_t)ino;
	req.r.udiag_show = UDIAG_SHOW_PEER;
	req.r.udiag_cookie[0] = req.r.udiag_cookie[1] = ~0u; /* no cookie */
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	uint64_t peer = 0;
	union {
		struct nlmsghdr h;
		char bytes[1024];
	} reply;
	if (nd_sys(SYS_sendto, nl, (long)&req, sizeof(req), 0, (long)&kernel, sizeof(kernel)) == sizeof(req)) {
		long n = nd_sys(SYS_recvfrom, nl, (long)&reply, sizeof(reply), 0, 0, 0);
		struct nlmsghdr *h = &reply.h;
		if (n >= (long)NLMSG_LENGTH(sizeof(struct unix_diag_msg)) && NLMSG_OK(h, (unsigned)n) &&
		    h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
			struct unix_diag_msg *m = NLMSG_DATA(h);
			struct rtattr *a = (struct rtattr *)(m + 1);
			int left = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*m));
			for (; m->udiag_ino == ino && RTA_OK(a, left); a = RTA_NEXT(a, left))
				if (a->rta_type == UNIX_DIAG_PEER && RTA_PAYLOAD(a) >= sizeof(uint32_t))
					peer = *(uint32_t *)RTA_DATA(a);
		}
	}
	nd_sys(SYS_close, nl, 0, 0, 0, 0, 0);
	return peer;
}
