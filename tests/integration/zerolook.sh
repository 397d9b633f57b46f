#!/bin/bash
# A zero-timeout poll or select of a live child's pipe by a process with
# threads (fixtures/python/zero_look.py): whether each of 24 looks finds the byte
# the child wrote is natively a race between two computations. CI's
# `nodice verify` of asyncio over subprocesses found the loop's epoll_waits
# 102 in one run and 108 in another (2026-12-06), nothing reported
# uncontrolled: such a look showed a child's write whenever it had reached
# the kernel, though its process's order had not reached it. Now the look
# hides it while the writer lives (sched/treeread.c, nd_sched_look): the
# line repeats, alone and four at once. Before, 3 lines in 4 runs. A
# scheduled thread's select went to the kernel outright (waits outside the
# turn); now it is made as a poll (time/select.c): 2 lines in 4 before.
# Usage: zerolook.sh NODICE LIB FIXTURES
here=$(dirname "$(realpath "$0")")
. "$here/checks.sh"

f="$fixtures/python/zero_look.py"
for mode in poll select; do
	for i in 1 2 3 4 5 6 7 8; do timeout 60 $py "$f" $mode; done >native.$mode 2>>err
	[ "$(sort -u native.$mode | wc -l)" -ge 2 ] && ok || bad "$mode: natively the looks did not race: $(sort native.$mode | uniq -c)"
	for i in 1 2 3 4; do timeout 120 "$nodice" run -- $py "$f" $mode >"$mode.run$i" 2>>err; done
	for i in 1 2 3 4; do timeout 120 "$nodice" run -- $py "$f" $mode >"$mode.load$i" 2>>err & done
	wait
	timeout 120 env LD_PRELOAD="$lib" $py "$f" $mode >$mode.lib 2>>err
	[ "$(wc -c <$mode.run1)" = 25 ] && ok || bad "$mode: no line of 24 looks: $(cat $mode.run1; tail -c 300 err)"
	for o in run2 run3 run4 load1 load2 load3 load4 lib; do
		cmp -s $mode.run1 $mode.$o && ok || bad "$mode: $o differs: $(cat $mode.run1 $mode.$o)"
	done
	# nothing of the looks is left to the kernel
	timeout 120 "$nodice" inspect --json $mode.json -- $py "$f" $mode >$mode.txt 2>&1
	$py -c 'import json, sys
r = json.load(open(sys.argv[1]))
left = [u["kind"] for u in r["uncontrolled"] if u["observed"] and u["kind"] not in ("rdtsc",)]
sys.exit(bool(left) or r["exit_status"] != 0)' $mode.json && ok || bad "$mode: inspect: $(grep -A6 Uncontrolled $mode.txt)"
done

# select's answers stay Linux's when made as a poll (before, the wait for
# a socketpair another thread writes during it timed out at once)
s="$fixtures/python/select_threads.py"
timeout 60 $py "$s" >select.native 2>>err
timeout 60 "$nodice" run -- $py "$s" >select.nodice 2>>err
grep -q "('sock-later', 1)" select.native && cmp -s select.native select.nodice && ok ||
	bad "select's answers: $(cat select.native select.nodice)"

finish tree_zero_look
