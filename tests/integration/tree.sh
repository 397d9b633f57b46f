#!/bin/bash
# Timed events across the process tree (shim/process/members.c, order.c;
# shim/time/ptimer.c; shim/sched/outwait.c): a parent's timeout, timer or
# alarm against a child's sleep ends as it does natively, and in the same way
# on every run — 5 runs under `nodice run`, 2 through LD_PRELOAD alone and 2
# pinned to one CPU, compared byte for byte, elapsed (virtual) times included.
# Usage: tree.sh NODICE LIB FIXTURES
. "$(dirname "$0")/checks.sh"

# name, then the command; each run's output in $name.N
run9() {
	local name=$1 i
	shift
	for i in 1 2 3 4 5; do timeout 120 "$nodice" run --seed 3 -- "$@" >"$name.$i" 2>"$name.err"; done
	for i in 6 7; do timeout 120 env LD_PRELOAD="$lib" NODICE_SEED=3 "$@" >"$name.$i" 2>>"$name.err"; done
	for i in 8 9; do timeout 120 taskset -c 0 "$nodice" run --seed 3 -- "$@" >"$name.$i" 2>>"$name.err"; done
}
runs() {
	local name=$1 i
	run9 "$@"
	for i in 2 3 4 5 6 7 8 9; do
		cmp -s "$name.1" "$name.$i" || { bad "$name: run $i differs from run 1: $(diff "$name.1" "$name.$i" | head -4)"; return; }
	done
	ok
}

# Outcomes as natively (each line's name and result, not its timing).
timeout 120 $py "$fixtures/python/tree_timeouts.py" >native.txt 2>&1
runs timeouts $py "$fixtures/python/tree_timeouts.py"
outcome() { sed 's/ [0-9.]*$//' "$1"; }
[ "$(outcome native.txt)" = "$(outcome timeouts.1)" ] && ok ||
	bad "outcomes differ from native: $(diff <(outcome native.txt) <(outcome timeouts.1))"
grep -q '^timeout(1) ok 124' timeouts.1 && grep -q '^alarm-vs-sleeping-child alarm rang 0.4000' timeouts.1 && ok ||
	bad "a parent's timer did not end its child's sleep at its own time: $(cat timeouts.1)"

# A hundred children asleep for 8 s: the parent's 1 ms sleep is not held
# by them (quiet waits, process/holder.c), so each dies of the SIGTERM that
# follows, as natively, and nothing went on real time (tree-preempted).
timeout 120 $py "$fixtures/python/many_sleepers.py" >many.native 2>&1
timeout 120 "$nodice" inspect --strict --json many.json -- $py "$fixtures/python/many_sleepers.py" >many.out 2>many.err
rc=$?
grep '^exit codes' many.out >many.1
timeout 120 taskset -c 0 "$nodice" run --seed 3 -- $py "$fixtures/python/many_sleepers.py" >many.2 2>>many.err
timeout 120 "$nodice" run --seed 4 -- $py "$fixtures/python/many_sleepers.py" >many.3 2>>many.err
[ $rc = 0 ] && [ "$(sed 's/ slept.*//' many.native)" = "exit codes [-15]" ] && [ "$(sed 's/ slept.*//' many.1)" = "exit codes [-15]" ] &&
	cmp -s many.1 many.2 && cmp -s many.1 many.3 && ok ||
	bad "a hundred sleeping children against their parent's 1 ms sleep (exit $rc): $(cat many.native many.1 many.2 many.3; grep -o '"kind": "[^"]*' many.json | sort | uniq -c)"

# multiprocessing's semaphore-based objects with timeouts across processes:
# Event, Barrier, Queue, Lock (sem_timedwait in a process without threads).
timeout 120 $py "$fixtures/python/tree_sync.py" >sync.native 2>&1
runs sync $py "$fixtures/python/tree_sync.py"
[ "$(head -n -1 sync.native)" = "$(head -n -1 sync.1)" ] && ok ||
	bad "multiprocessing timeouts differ from native: $(diff <(head -n -1 sync.native) <(head -n -1 sync.1))"

# A shell script: background jobs, read -t on pipes, coreutils timeout
# (timer_create, sigsuspend) around sleeps.
timeout 120 bash "$fixtures/shell/tree_timeouts.sh" >shell.native 2>&1
runs shell bash "$fixtures/shell/tree_timeouts.sh"
[ "$(head -n -1 shell.native)" = "$(head -n -1 shell.1)" ] && ok ||
	bad "a shell script's timeouts differ from native: $(diff <(head -n -1 shell.native) <(head -n -1 shell.1))"

# node: a child killed by the parent's timeout (libuv's epoll timeout).
# The elapsed milliseconds are Date.now() differences: node's helper threads
# read the clock a few ticks more or less during start-up (schedule-outside,
# reported), and the start's fraction of a millisecond sits near the
# boundary, so a run may print one millisecond less (seen once in 27 runs:
# 200 for 201). What the runs must agree on: the outcomes exactly, the
# times within that millisecond.
timeout 120 node "$fixtures/node/child_timeout.js" >node.native 2>&1
runs_near() {
	local name=$1
	run9 "$@"
	$py - "$name".[1-9] <<'PY' && ok || bad "$name: the runs differ by more than a millisecond: $(cat "$name".[1-9] | sort | uniq -c)"
import sys
runs = [open(f).read().split("\n") for f in sys.argv[1:]]
for r in runs[1:]:
    assert len(r) == len(runs[0])
    for a, b in zip(runs[0], r):
        a, _, ta = a.rpartition(" ")
        b, _, tb = b.rpartition(" ")
        assert a == b and (ta == tb or abs(int(ta) - int(tb)) <= 1), (a, ta, b, tb)
PY
}
runs_near node node "$fixtures/node/child_timeout.js"
[ "$(sed 's/ [0-9]*$//' node.native)" = "$(sed 's/ [0-9]*$//' node.1)" ] && ok ||
	bad "node's child timeouts differ from native: $(diff node.native node.1)"

# A thread's 100 ms timed wait while the main thread polls a pipe whose
# writer computes (0.4 s natively, no virtual time) and sleeps 50 ms: the
# message comes first in virtual time, on every run (before treewait.c the
# thread's deadline elapsed in real time while the main thread waited
# outside, so it came first, or not, by the machine's speed), and is read at
# the writer's time, not before it was sent (carry.c): the fork's 1 ms spawn
# time and the 50 ms sleep.
runs sleeper $py "$fixtures/python/tree_sleeper.py"
[ "$(tr '\n' ' ' <sleeper.1)" = "child's message read 51 thread's 100 ms wait ended 100 " ] && ok ||
	bad "a thread's timed wait against a child's earlier message: $(cat sleeper.1)"

# On busy cores: a process woken by a child's exit or a pipe's write, and
# preempted while the kernel rechecks its wait, reads as sleeping in /proc;
# it must still be waited for. A writer's `sleep 0.05` against a reader's
# 1 s timeout, 300 times beside three spinning processes (before procstate.c
# asked the kernel where a sleeping thread waits, about 1 in 100 timed out).
hogs=""
for i in 1 2 3; do timeout 120 sh -c 'while :; do :; done' & hogs="$hogs $!"; done
for i in $(seq 300); do
	timeout 60 "$nodice" run --seed 3 -- bash -c '(sleep 0.05; echo early) | { read -t 1 x; echo "rc=$? $x"; }'
done >busy.txt 2>&1
kill $hogs 2>/dev/null
wait $hogs 2>/dev/null
# One run in 300 may still lose (docs/limits.md: about 1 in 1000 on busier
# cores, cause not found; the 1-in-100 race this guards against would show)
good=$(grep -c '^rc=0 early$' busy.txt)
[ "$good" -ge 299 ] && [ "$(grep -cv -e '^rc=0 early$' -e '^rc=142 $' busy.txt)" = 0 ] && ok ||
	bad "on busy cores a reader's timeout beat its writer: $(sort busy.txt | uniq -c)"

# A file lock held across a sleep: the waiter waits in the file's line,
# blocked for the tree (before, it looked like a running member and was
# passed over as tree-asleep), and is handed the lock when the holder's
# flock(1) ends: nothing left to real time, nothing reported
# (sched/filelock.c; tree_filelocks has the races).
"$nodice" inspect --strict --json lock.json -- bash -c \
	'flock lk -c "sleep 0.3; echo first" & sleep 0.05; flock lk -c "echo second"; wait' >lock.out 2>&1
$py - lock.json <<'PY' && ok || bad "a file lock's wait: $(head -c 600 lock.json)"
import json, sys
u = json.load(open(sys.argv[1]))["uncontrolled"]
kinds = {e["kind"] for e in u}
assert "tree-asleep" not in kinds, kinds
assert "tree-order" not in kinds, u
PY
[ "$(grep -E '^(first|second)$' lock.out | tr '\n' ' ')" = "first second " ] && ok || bad "file lock order: $(cat lock.out | head -5)"

# Four ways a parent learns of its children's ends, each with WNOHANG
# waits (fixtures/c/reapers.c; process/reap.c): a SIGCHLD handler while main
# pauses, the signal blocked but for pselect (make), a signalfd in poll, and
# a busy poll. None hangs; each reaps in the order of the ends in virtual
# time on every run (the computing child ends first: computing takes none);
# the busy poll too, flagged until 2026-12-07 (its clock stood still and it
# found an end 20 ms of real time after it was first kept from it; now each
# look that finds none takes a tick, and one that finds a child behind it
# waits for it: process/reap.c, process/behind.c). And a
# main that spins on its handler's count, calling nothing: the SIGCHLD owed
# to it comes as its handler returns (it would wait forever otherwise); its
# sleeping children wait the 5 s a spinning member holds them (tree-preempted).
reapers=$(dirname "$nodice")/../fixtures/reapers
for mode in handler blocked signalfd busypoll; do
	runs reap_$mode "$reapers" $mode
	expect="2@1 1@2 0@4"
	[ $mode = busypoll ] && expect="0@4 1@4 2@4"
	[ "$(cat reap_$mode.1)" = "$expect" ] && ok || bad "reapers $mode: $(cat reap_$mode.1) (expected $expect)"
	timeout 120 "$nodice" inspect --strict --json reap_$mode.json -- "$reapers" $mode >/dev/null 2>&1
	rc=$?
	[ $rc = 0 ] && ok || bad "reapers $mode fails --strict: $(grep -o '"detail": "[^"]*' reap_$mode.json | head -3)"
done

for i in 1 2; do
	timeout 60 "$nodice" run -- "$reapers" spin >reap_spin.$i 2>&1
	[ "$(cat reap_spin.$i)" = "2@1 1@2 0@4" ] && ok || bad "reapers spin, run $i: $(head -c 300 reap_spin.$i)"
done
# ... and a one-shot handler (SA_RESETHAND): the end is not kept from it, as
# a signal owed later would find the default action
timeout 60 "$nodice" run -- "$reapers" oneshot >reap_oneshot 2>&1
[ "$(cat reap_oneshot)" = "1 default" ] && ok || bad "reapers oneshot: $(head -c 300 reap_oneshot)"

# What a socketpair's end receives comes from the run, as a pipe's bytes do:
# not network input (a UDP datagram still is: honesty.sh).
"$nodice" inspect --strict --json pair.json -- $py -c "import os, time, socket
a, b = socket.socketpair()
if os.fork() == 0:
    time.sleep(0.2); a.send(b'x'); os._exit(0)
print(b.recv(1)); os.wait()" >pair.out 2>&1 && ok || bad "a socketpair's message fails --strict: $(grep -A2 'fails --strict' pair.out)"

# The run is not reported as uncontrolled for it, and takes no real time to
# wait for virtual seconds.
start=$(date +%s%N)
"$nodice" inspect --strict --json report.json -- bash -c 'timeout 0.2 sleep 5; timeout 10 sleep 8' >/dev/null 2>&1
took=$((($(date +%s%N) - start) / 1000000))
$py - report.json <<'PY' && ok || bad "inspect lists the tree's timed events as uncontrolled"
import json, sys
kinds = {u["kind"] for u in json.load(open(sys.argv[1]))["uncontrolled"]}
bad = kinds & {"tree-preempted", "tree-asleep", "real-timer", "tree-outside", "tree-full"}
sys.exit(1 if bad else 0)
PY
[ "$took" -lt 5000 ] && ok || bad "8.2 virtual seconds of timeouts took $took ms of real time"
finish tree
