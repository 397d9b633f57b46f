/*
 * host.c: NODICE_HOST fixes the host's identity — name through gethostname,
 * uname, /etc/hostname and /proc/sys/kernel/hostname, machine id derived
 * from the name alone (the same under every seed) — and without it the
 * machine's own is seen, as natively. A bad name is refused in one line.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "child.h"

static const char *script = "hostname; uname -n; cat /etc/hostname /proc/sys/kernel/hostname /etc/machine-id; "
			    "/usr/bin/python3 -c 'import socket, platform; print(socket.gethostname(), platform.node())'";

Test(host, a_fixed_host_is_seen_everywhere_and_its_id_follows_the_name_only)
{
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	const char *s1[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_HOST=ci-runner-7", "NODICE_SEED=1", NULL };
	const char *s2[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_HOST=ci-runner-7", "NODICE_SEED=2", NULL };
	struct spawn_result a = spawn_run(argv, s1), b = spawn_run(argv, s2);
	cr_assert_eq(a.status, 0, "%s", a.err);
	const char *want = "ci-runner-7\nci-runner-7\nci-runner-7\nci-runner-7\n";
	cr_assert(!strncmp(a.out, want, strlen(want)), "%s", a.out);
	const char *id = a.out + strlen(want);
	cr_assert_eq(strspn(id, "0123456789abcdef"), 32, "%s", a.out);
	cr_assert(strstr(a.out, "\nci-runner-7 ci-runner-7\n"), "%s", a.out);
	cr_assert_str_eq(a.out, b.out);
	spawn_free(&a);
	spawn_free(&b);
}

Test(host, without_it_the_machines_name_is_seen)
{
	const char *argv[] = { "/bin/sh", "-c", "hostname; uname -n", NULL };
	const char *env[] = { "LD_PRELOAD=" ND_TEST_LIB, NULL };
	struct spawn_result n = spawn_run(argv, (const char *[]){ NULL }), u = spawn_run(argv, env);
	cr_assert_str_eq(u.out, n.out);
	spawn_free(&n);
	spawn_free(&u);
}

Test(host, a_bad_name_is_refused_in_one_line)
{
	const char *argv[] = { "/bin/true", NULL };
	const char *env[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_HOST=no spaces", NULL };
	struct spawn_result r = spawn_run(argv, env);
	cr_assert_eq(r.status, 125);
	cr_assert(strstr(r.err, "NODICE_HOST"), "%s", r.err);
	cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "%s", r.err);
	spawn_free(&r);
}

/* uuid1 (libuuid's uuid_generate_time_safe): the virtual time, a clock
 * sequence from the seed, the machine's node — or one from --host, marked
 * multicast — and the same on every run. */
Test(host, uuid1_repeats_and_takes_its_node_from_the_host)
{
	const char *argv[] = { "/usr/bin/python3", "-c",
			       "import uuid; a, b = uuid.uuid1(), uuid.uuid1(); "
			       "print(a, b, a.time < b.time, a.node == uuid.getnode())",
			       NULL };
	const char *plain[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_SEED=4", NULL };
	const char *host[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_SEED=4", "NODICE_HOST=ci-runner-7", NULL };
	struct spawn_result a = spawn_run(argv, plain), b = spawn_run(argv, plain), h = spawn_run(argv, host);
	cr_assert_eq(a.status, 0, "%s", a.err);
	cr_assert_str_eq(a.out, b.out);
	cr_assert(strstr(a.out, " True True\n"), "%s", a.out);
	cr_assert(strstr(h.out, " True True\n"), "%s", h.out);
	/* the host's node: 12 hex digits at the end of the first UUID, multicast bit set */
	const char *node = h.out + 24;
	cr_assert(node[1] == '1' || node[1] == '3' || node[1] == '5' || node[1] == '7' || node[1] == '9' ||
			  node[1] == 'b' || node[1] == 'd' || node[1] == 'f',
		  "%s", h.out);
	spawn_free(&a);
	spawn_free(&b);
	spawn_free(&h);
}
