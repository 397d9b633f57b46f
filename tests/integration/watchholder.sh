#!/bin/bash
# A child's end reaching the kernel while another thread of its parent holds
# the turn (fixtures/python/end_during.py): a thread waits for the end of
# file of the child's pipe (eof) or for the child (wait) while the main
# thread computes; natively the waiter mostly wakes in the middle of the
# computation, on real time. The watch (sched/watch.c) used to wake such a waiter 10 ms of real
# time after the end of file reached the kernel, whatever the holder did:
# `tree-order` in every run of eof (and once in CI at asyncio's loop,
# 2026-12-06). Now input of the tree waits for the holder to reach a point,
# block or sleep in the kernel (sched/treeread.c, nd_sched_watch_fds): the
# line repeats, alone, two at once and through LD_PRELOAD, and inspect
# reports nothing of the waits. And a holder in an uninterruptible wait
# (an fsync) is not taken for one asleep outside (below).
# Usage: watchholder.sh NODICE LIB FIXTURES
here=$(dirname "$(realpath "$0")")
. "$here/checks.sh"

f="$fixtures/python/end_during.py"
for i in 1 2 3 4 5 6; do timeout 60 $py "$f" eof; timeout 60 $py "$f" wait; done >native 2>>err
grep -q "mid=True" native && ok || bad "natively the waiters never woke mid-computation: $(sort native | uniq -c)"
for mode in eof wait; do
	for i in 1 2 3; do timeout 120 "$nodice" run -- $py "$f" $mode >"$mode.run$i" 2>>err; done
	for i in 1 2; do timeout 120 "$nodice" run -- $py "$f" $mode >"$mode.load$i" 2>>err & done
	wait
	timeout 120 env LD_PRELOAD="$lib" $py "$f" $mode >$mode.lib 2>>err
	grep -q "^$mode mid=False \[" $mode.run1 && ok || bad "$mode: no result: $(cat $mode.run1; tail -c 300 err)"
	for o in run2 run3 load1 load2 lib; do
		cmp -s $mode.run1 $mode.$o && ok || bad "$mode: $o differs: $(cat $mode.run1 $mode.$o)"
	done
	timeout 120 "$nodice" inspect --json $mode.json -- $py "$f" $mode >$mode.txt 2>&1
	$py "$here/waits_clean.py" $mode.json threads >/dev/null && ok || bad "$mode: $(grep -A8 Uncontrolled $mode.txt)"
done

# A holder in an uninterruptible wait (fixtures/python/fsync_hold.py: the
# main thread fsyncs 32 MB while a thread waits for a child's byte) keeps
# the turn: the watch took 'D' for a wait outside and preempted it in every
# run (schedule-preempted, and the byte shown on real time: tree-order).
f="$fixtures/python/fsync_hold.py"
for i in 1 2 3; do timeout 60 $py "$f" "$PWD"; done >fsync.native 2>>err
grep -q True fsync.native && ok || bad "fsync: natively the waiter never read during the writes: $(cat fsync.native)"
for i in 1 2 3; do timeout 120 "$nodice" run -- $py "$f" "$PWD" >fsync.run$i 2>>err; done
grep -q "^\[False, False, False, False\] \[b'x'\]" fsync.run1 && ok || bad "fsync: $(cat fsync.run1; tail -c 300 err)"
cmp -s fsync.run1 fsync.run2 && cmp -s fsync.run1 fsync.run3 && ok || bad "fsync: the runs differ: $(cat fsync.run*)"
timeout 120 "$nodice" inspect --json fsync.json -- $py "$f" "$PWD" >fsync.txt 2>&1
$py "$here/waits_clean.py" fsync.json threads >/dev/null && ok || bad "fsync: $(grep -A8 Uncontrolled fsync.txt)"

finish tree_watch_holder
