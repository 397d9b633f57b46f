#!/bin/bash
# A zero-timeout poll of a live child's pipe by a process with threads
# (fixtures/python/zero_look.py): whether each of 24 looks finds the byte
# the child wrote is natively a race between two computations. CI's
# `nodice verify` of asyncio over subprocesses found the loop's epoll_waits
# 102 in one run and 108 in another (2026-12-06), nothing reported
# uncontrolled: such a look showed a child's write whenever it had reached
# the kernel, though its process's order had not reached it. Now the look
# hides it while the writer lives (sched/treeread.c, nd_sched_look): the
# line repeats, alone and four at once. Before, 3 lines in 4 runs.
# Usage: zerolook.sh NODICE LIB FIXTURES
here=$(dirname "$(realpath "$0")")
. "$here/checks.sh"

f="$fixtures/python/zero_look.py"
for i in 1 2 3 4 5 6 7 8; do timeout 60 $py "$f"; done >native.txt 2>>err
[ "$(sort -u native.txt | wc -l)" -ge 2 ] && ok || bad "natively the looks did not race: $(sort native.txt | uniq -c)"
for i in 1 2 3 4; do timeout 120 "$nodice" run -- $py "$f" >"run$i" 2>>err; done
for i in 1 2 3 4; do timeout 120 "$nodice" run -- $py "$f" >"load$i" 2>>err & done
wait
timeout 120 env LD_PRELOAD="$lib" $py "$f" >lib1 2>>err
[ "$(wc -c <run1)" = 25 ] && ok || bad "no line of 24 looks: $(cat run1; tail -c 300 err)"
for o in run2 run3 run4 load1 load2 load3 load4; do
	cmp -s run1 $o && ok || bad "$o differs: $(cat run1 $o)"
done
cmp -s run1 lib1 && ok || bad "through LD_PRELOAD alone: $(cat run1 lib1)"
# nothing of the looks is left to the kernel
timeout 120 "$nodice" inspect --json look.json -- $py "$f" >look.txt 2>&1
$py -c 'import json, sys
r = json.load(open(sys.argv[1]))
left = [u["kind"] for u in r["uncontrolled"] if u["observed"] and u["kind"] not in ("rdtsc",)]
sys.exit(bool(left) or r["exit_status"] != 0)' look.json && ok || bad "inspect: $(grep -A6 Uncontrolled look.txt)"

finish tree_zero_look
