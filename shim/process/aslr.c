/*
 * Address-space randomization off, for the library used alone.
 *
 * ASLR makes addresses differ between runs, and programs feed them into
 * their results: CPython hashes plain objects by address (set order), OpenSSL
 * mixes the thread pointer into its DRBG nonce. The personality flag
 * ADDR_NO_RANDOMIZE only applies at exec, so a preloaded library can only get
 * it by setting the flag and executing the program again, once, from its
 * constructor, with the same argv and environment (/proc/self/exe is the same
 * binary, and for a script it is the interpreter, whose argv already names
 * the script). The new image finds the flag set and goes on; if the flag
 * cannot be set, nothing is re-executed. Two guards make a loop impossible:
 * a re-executed image (it carries NODICE_COMM) never re-executes, and a
 * set-user/group-ID program, for which the kernel clears the flag at exec,
 * is never re-executed at all (found by running passwd under nodice). `nodice run`
 * sets the flag before its own exec, so this costs nothing there.
 * NODICE_ASLR=on leaves randomization as it is.
 *
 * Executing /proc/self/exe would rename the process to "exe" (the kernel
 * takes the name from the path), so the name travels in NODICE_COMM and the
 * new image puts it back and removes the variable.
 */
#include "nodice.h"
#include "aslr.h"
#include "members.h"
#include "fmt.h"
#include "tree.h"

#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/prctl.h>

extern char **environ;
int nd_aslr_on;

/* The kernel clears ADDR_NO_RANDOMIZE when it executes a set-user/group-ID
 * program, so such a program is never re-executed: it would loop. */
static int set_id_program(void)
{
	struct stat st;
	return getauxval(AT_SECURE) ||
	       (stat("/proc/self/exe", &st) == 0 && (st.st_mode & (S_ISUID | S_ISGID)));
}

void nd_aslr_off(char **argv)
{
	char comm[17] = "";
	const char *back = getenv("NODICE_COMM");
	int reexecuted = back != NULL;
	if (back) {
		nd_real.prctl(PR_SET_NAME, (unsigned long)back, 0, 0, 0);
		unsetenv("NODICE_COMM");
	}
	int p = personality(0xffffffff);
	nd_aslr_on = p == -1 || !(p & ADDR_NO_RANDOMIZE);
	if (nd_aslr_on)
		nd_log_uncontrolled("aslr", nd_cfg.keep_aslr ? "left on by NODICE_ASLR=on"
							   : "address space randomization is on");
	/* One re-execution at most: an image that is already one never tries again. */
	if (nd_cfg.keep_aslr || !argv || !nd_aslr_on || reexecuted || set_id_program())
		return;
	if (personality((unsigned long)p | ADDR_NO_RANDOMIZE) == -1)
		return;
	/* The new image keeps the tree's region this one made (tree.c): without
	 * NODICE_TREE it would make another and leave this one's descriptor
	 * open in the program. */
	char tree[16] = "";
	if (nd_tree_fd >= 0 && !getenv("NODICE_TREE")) {
		struct nd_buf b = ND_BUF(tree);
		nd_fmt_u64(&b, (uint64_t)nd_tree_fd);
	}
	if ((personality(0xffffffff) & ADDR_NO_RANDOMIZE) && nd_real.prctl(PR_GET_NAME, (unsigned long)comm, 0, 0, 0) == 0 &&
	    setenv("NODICE_COMM", comm, 1) == 0 && (!tree[0] || setenv("NODICE_TREE", tree, 1) == 0)) {
		nd_member_exec_begin(1); /* the new image takes this one's member slot */
		nd_real.execve("/proc/self/exe", argv, environ);
		nd_member_exec_failed();
		unsetenv("NODICE_COMM");
		if (tree[0])
			unsetenv("NODICE_TREE");
	}
	personality((unsigned long)p);
	nd_log_passed(ND_SYM_execve);
}
