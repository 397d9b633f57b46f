#!/bin/bash
# Which of several children's pipes a parent hears first (issue 14, "a parent
# reading two children's pipes with select"): fixtures/python/dispatch_select.py
# hands each task to whichever of three workers answers first, waiting with
# select.select, select.poll, multiprocessing.connection.wait and an epoll
# set (select.epoll, level-triggered, as asyncio's selector). Natively the
# log differs from run to run (checked: at least 2 results in 5 runs); under
# nodice the writes' counts decide (process/deliver.c) and each mode repeats
# over 3 runs unpinned, 1 on one CPU and 2 through LD_PRELOAD alone, moves
# with the seed, and passes the gate (`nodice verify`) and `inspect --strict`;
# so do Pool programs, whose parent's threads wait on the workers' pipes.
# Usage: treeselect.sh NODICE LIB FIXTURES
. "$(dirname "$0")/checks.sh"

f="$fixtures/python/dispatch_select.py"
for mode in select poll wait epoll; do
	for i in 1 2 3; do timeout 120 "$nodice" run -- $py "$f" $mode >"$mode.run$i" 2>>err; done
	timeout 120 taskset -c 0 "$nodice" run -- $py "$f" $mode >"$mode.cpu0" 2>>err
	for i in 1 2; do timeout 120 env LD_PRELOAD="$lib" $py "$f" $mode >"$mode.lib$i" 2>>err; done
	grep -q "^worker .* task 11 " "$mode.run1" || bad "$mode: no log: $(tail -c 300 err)"
	n=$(cat "$mode".run* "$mode".cpu0 | sort -u | wc -l)
	[ "$n" = 13 ] && ok || bad "$mode: the runs differ: $(cat "$mode".run* "$mode".cpu0 | sort | uniq -c)"
	[ "$(cat "$mode".lib1)" = "$(cat "$mode".lib2)" ] && ok || bad "$mode: LD_PRELOAD runs differ"
	timeout 120 "$nodice" run --seed 7 -- $py "$f" $mode >"$mode.seed7" 2>>err
	cmp -s "$mode.run1" "$mode.seed7" && bad "$mode: seed 7 gave seed 0's log" || ok
done
# an edge-triggered set keeps the kernel's order (deciding it would use up
# the events a look leaves out) and the dispatcher finishes as natively
timeout 120 "$nodice" run -- $py "$f" epoll_et >epoll_et.run 2>>err
[ "$(grep -c '^worker ' epoll_et.run)" = 12 ] && ok || bad "epoll_et: the dispatcher did not finish: $(tail -3 epoll_et.run err)"
timeout 300 "$nodice" verify --runs 3 -- $py "$f" poll >verify.txt 2>&1 && ok || bad "verify: $(tail -20 verify.txt)"
# the waits are the tree's: nothing left uncontrolled (the old shim said "poll passed through")
timeout 300 "$nodice" inspect --strict -- $py "$f" select >inspect.txt 2>&1 && ok || bad "inspect --strict: $(grep -A5 Uncontrolled inspect.txt)"
# A Pool's parent: its result and worker-handler threads see the workers'
# writes at the same points in every run (sched/treeread.c), so the gate
# passes and nothing is left uncontrolled (before: the worker handler polled
# the unread result a real-time number of times, and verify failed)
for prog in "$fixtures/python/mp_pool.py" "$fixtures/python/unordered.py imap_order" \
	"$fixtures/python/unordered.py pool_draws"; do
	timeout 300 "$nodice" verify --runs 3 -- $py $prog >verify.pool.txt 2>&1 && ok ||
		bad "verify $prog: $(tail -12 verify.pool.txt)"
done
timeout 300 "$nodice" inspect --strict -- $py "$fixtures/python/unordered.py" pool_draws >inspect.pool.txt 2>&1 && ok ||
	bad "inspect --strict pool_draws: $(grep -A5 Uncontrolled inspect.pool.txt)"
for i in 1 2 3 4 5; do $py "$f" select | tail -1; done >native.txt
[ "$(sort -u native.txt | wc -l)" -ge 2 ] && ok || bad "natively the workers answered in one order in 5 runs"

finish tree_select
