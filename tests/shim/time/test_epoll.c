/*
 * epolldeliver.c: the events epoll_wait lists come in the order of their
 * descriptors, not in the order the kernel saw them become ready (real
 * time's), and a caller with room for fewer than are ready is handed each in
 * turn, as the kernel turns its ready list (before, a loop taking one event
 * at a time heard the first pipe to become ready and no other).
 */
#include <criterion/criterion.h>

#include "child.h"

#define EPOLL_ORDER ND_TEST_BUILD_DIR "/../fixtures/epoll_order"

Test(epoll, natively_the_kernels_ready_order)
{
	const char *argv[] = { EPOLL_ORDER, NULL };
	spawn_expect(argv, (const char *[]){ NULL }, "all 3 1 4 2\none 3 1 4 2 3\n");
}

Test(epoll, under_nodice_the_descriptors_order_turning)
{
	const char *argv[] = { EPOLL_ORDER, NULL };
	const char *env[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_SEED=7", NULL };
	spawn_expect(argv, env, "all 1 2 3 4\none 1 2 3 4 1\n");
}
