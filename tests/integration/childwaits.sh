#!/bin/bash
# Threads that wait for children (issue 14): fixtures/python/child_waits.py
# runs 8 subprocesses through asyncio (its child watcher waits for each in a
# thread of its own while the loop reads their pipes with epoll) and through
# a thread pool (each thread runs one and waits for it). Those waits used to
# leave the scheduler for the kernel's wait and rejoin wherever the other
# threads had got to (schedule-outside, tree-order), and the loop's epoll
# wait went outside with them. Now a child's end is a write of the tree
# (process/childend.c, sched/childwait.c) and a scheduled thread's epoll
# wait is made on the set's descriptors (time/poll.c): the results repeat
# over 3 runs unpinned, 1 on one CPU and 2 through LD_PRELOAD alone, move
# with the seed, and nothing of the waits is left to real time. `any`:
# os.wait() in a program with a thread reaps its children in the tree's
# order (it used to leave for the kernel's wait: four orders in five runs),
# and a child another thread starts during the wait is reaped when it ends,
# before the children that end later (sched/childwait.c); `group`:
# waitpid(0) waits for the children of the caller's group only; `ties`: the
# asyncio children without their naps end together, and the order the loop
# hears them in is the order epoll_wait lists their pipes, which was the
# kernel's (the order they became ready: four orders in twelve runs of three
# such children) and is now the descriptors' (time/epolldeliver.c).
# Usage: childwaits.sh NODICE LIB FIXTURES
here=$(dirname "$(realpath "$0")")
. "$here/checks.sh"

f="$fixtures/python/child_waits.py"
for mode in asyncio ties threads any; do
	for i in 1 2 3; do timeout 120 "$nodice" run -- $py "$f" $mode >"$mode.run$i" 2>>err; done
	timeout 120 taskset -c 0 "$nodice" run -- $py "$f" $mode >"$mode.cpu0" 2>>err
	for i in 1 2; do timeout 120 env LD_PRELOAD="$lib" $py "$f" $mode >"$mode.lib$i" 2>>err; done
	[ "$(grep -c 'rc=[0-9]$' "$mode.run1")" = 8 ] && ok || bad "$mode: not 8 results: $(cat "$mode.run1"; tail -c 300 err)"
	n=$(cat "$mode".run* "$mode".cpu0 | sort | uniq -c | awk '$1 != 4' | wc -l)
	[ "$n" = 0 ] && ok || bad "$mode: the runs differ: $(paste -d'|' "$mode".run* "$mode".cpu0)"
	cmp -s "$mode.run1" "$mode.run2" && cmp -s "$mode.run1" "$mode.cpu0" && ok ||
		bad "$mode: the order differs: $(paste -d'|' "$mode.run1" "$mode.run2" "$mode.cpu0")"
	cmp -s "$mode.lib1" "$mode.lib2" && ok || bad "$mode: LD_PRELOAD runs differ: $(paste -d'|' "$mode.lib1" "$mode.lib2")"
	timeout 120 "$nodice" run --seed 7 -- $py "$f" $mode >"$mode.seed7" 2>>err
	cmp -s "$mode.run1" "$mode.seed7" && bad "$mode: seed 7 gave seed 0's results" || ok
	# The waits for children and the loop's waits are the tree's: no thread
	# left the scheduler for them, none rejoined on real time. (dash's own
	# SIGCHLD handler, interrupting its computation when a job of its
	# pipeline ends, is a moment of real time of its own: docs/limits.md.)
	# asyncio's loop's zero-timeout looks are decided too (time/poll.c:
	# before, 85 of its epoll_waits were "real-wait", passed to the kernel;
	# a thread pool's communicate() still is: docs/limits.md).
	timeout 300 "$nodice" inspect --json "$mode.json" -- $py "$f" $mode >"$mode.inspect" 2>&1
	$py "$here/waits_clean.py" "$mode.json" $mode >/dev/null && ok ||
		bad "$mode: $(grep -A8 Uncontrolled "$mode.inspect")"
done
# os.wait() on 24 children from a program with a thread: more than the 16 a
# wait for any child took into the order until 2026-12-07 (the rest went to
# the kernel's wait: schedule-outside, tree-order); now up to 31
for i in 1 2; do timeout 120 "$nodice" run -- $py "$f" many >many.run$i 2>>err; done
timeout 120 taskset -c 0 "$nodice" run -- $py "$f" many >many.cpu0 2>>err
[ "$(wc -w <many.run1)" = 24 ] && ok || bad "many: not 24 reaped: $(cat many.run1; tail -c 300 err)"
cmp -s many.run1 many.run2 && cmp -s many.run1 many.cpu0 && ok || bad "many: the runs differ: $(cat many.run1 many.run2 many.cpu0)"
timeout 300 "$nodice" inspect --json many.json -- $py "$f" many >many.inspect 2>&1
$py "$here/waits_clean.py" many.json many >/dev/null && ok || bad "many: $(grep -A8 Uncontrolled many.inspect)"
# the late child (7, started by a thread during the wait, ends at once)
# comes before the two that nap 0.02 (2 and 5): the wait saw it start
order=$(grep -o '^[0-9]' any.run1 | tr -d '\n')
case "$order" in *7*2*5* | *7*5*2*) ok ;; *) bad "any: the late child was not reaped before 2 and 5: $order" ;; esac
# waitpid(0) from a program with a thread waits for the children of its
# group only, in the tree's order (the one that left the group is still
# there for waitpid(-1)), as natively, and nothing is left to the kernel
want="[2, 1, 0, 'ECHILD', 3]"
for i in 1 2; do timeout 60 "$nodice" run --log group.log -- $py "$f" group; done >group.out 2>>err
timeout 60 env LD_PRELOAD="$lib" $py "$f" group >>group.out 2>>err
[ "$(sort -u group.out)" = "$want" ] && [ "$(wc -l <group.out)" = 3 ] && ok || bad "group: $(cat group.out)"
grep -q schedule-outside group.log && bad "group: $(grep -o '"detail":"[^"]*"' group.log | sort | uniq -c)" || ok
# natively the same children in the same calls (their order is the machine's).
# Natively the fourth child leaves the group in its own first instructions,
# which under load (CI's sanitizer pass) can come after the parent's first
# waitpid(0): one native run in three must show it.
native_group() {
	timeout 60 $py "$f" group | $py -c 'import ast, sys; g = ast.literal_eval(sys.stdin.read())
sys.exit(not (sorted(g[:3]) == [0, 1, 2] and g[3:] == ["ECHILD", 3]))'
}
native_group || native_group || native_group && ok || bad "group: natively not as the tree's"
# the gate passes the asyncio program (before: its event logs differed).
# CI's verify twice found the loop's number of zero-timeout looks different
# (2026-12-06: they were the kernel's answer; now decided, docs/design.md),
# and later found a look showing a write of a live child the order had not
# reached (now hidden: zerolook.sh). Left, and documented (docs/limits.md,
# "a member in a timed wait"): a child's shell waking from its wait for
# `sleep` writes at counts the loop's turns may have passed, and the loop
# sees that write one look early, about once in 500 runs here and twice in
# a row once in CI (102 turns instead of 108; the outputs repeat). So one
# of four tries must pass, each of 3 runs: a regression that makes every
# run differ still fails it.
passed=0
for try in 1 2 3 4; do
	if timeout 300 "$nodice" verify --runs 3 -- $py "$f" asyncio >verify.txt 2>&1; then
		passed=1
		break
	fi
	cp verify.txt "verify.fail$try.txt"
done
[ "$passed" = 1 ] && ok || bad "verify, 4 tries: $(tail -20 verify.txt)"
# natively the children's draws differ from run to run
for mode in asyncio any; do
	for i in 1 2; do timeout 120 $py "$f" $mode; done >native.txt
	[ "$(sort -u native.txt | wc -l)" -gt 8 ] && ok || bad "$mode: natively the two runs drew the same"
done

# xargs -P3 of shell pipelines: xargs and each shell wait for any child,
# a reap ordered at the child's end and published with the child's id. The
# others read the waiter's own id there until 2026-12-07, so two waits at
# one time each held the other until the 5 s bound: 10 to 20 s where
# natively it takes 0.3, logged tree-preempted. No wait may be preempted.
xa="seq 1 12 | xargs -P3 -I{} sh -c 'head -c2 /dev/urandom | od -An -tx1 | sed \"s/^/{} /\"'"
timeout 120 "$nodice" inspect --json xargs.json -- sh -c "$xa >xargs.lines" >xargs.out 2>&1 && ok ||
	bad "xargs -P3: $(tail -3 xargs.out)"
$py - xargs.json <<'PY' && ok || bad "xargs -P3: a wait was preempted"
import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(any(u["kind"] == "tree-preempted" and u["observed"] for u in r["uncontrolled"]))
PY
[ "$(grep -c '^[0-9][0-9]*  [0-9a-f][0-9a-f] [0-9a-f][0-9a-f]$' xargs.lines)" = 12 ] && ok ||
	bad "xargs -P3: not 12 lines: $(head -5 xargs.lines)"

finish tree_child_waits
