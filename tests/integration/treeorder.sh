#!/bin/bash
# The order of communication between processes (issue 14): programs whose
# results are a race natively — a Pool's imap_unordered order, a Pool whose
# workers draw unseeded randomness (which worker gets which task), a
# ProcessPoolExecutor with as_completed, two producers on one
# multiprocessing.Queue, a spawn-context Pool whose workers draw, sklearn's
# cross_val_predict on joblib's loky workers, the children os.wait and
# os.waitid(P_ALL) reap (process/reap.c), make -j2 -O and -j3 -O — repeat
# byte for byte under
# nodice, over 5 runs
# unpinned and 2 on one CPU, through `nodice run` and through LD_PRELOAD
# alone; the draws move with the seed; the results are the native ones
# (the same multiset) where they do not draw. A DataLoader's workers see the done event set when the
# main process's final None reaches them through a pipe (bytes carry their
# writer's count: process/carry.c), under run, run --log and inspect; a
# semaphore released before a message through a pipe or a socketpair is seen
# by a try after it (fixtures/python/carried.py). 250 rounds of workers and
# queues one after another repeat (the table of semaphores reuses what no
# event depends on).
# A process-shared mutex, and semaphores of value 1 and 2, between C
# processes that compute: who takes them repeats.
# Usage: treeorder.sh NODICE LIB FIXTURES
. "$(dirname "$0")/checks.sh"
un="$fixtures/python/unordered.py"

for mode in imap_order pool_draws as_completed queue_producers spawn_pool loky_cv reap_any; do
	: >"$mode.all"
	for i in 1 2 3 4 5; do
		timeout 300 "$nodice" run -- $py "$un" $mode >"$mode.run$i" 2>>err
		[ -s "$mode.run$i" ] || bad "$mode: run $i printed nothing ($(tail -c 300 err))"
	done
	for i in 1 2; do
		timeout 300 taskset -c 0 "$nodice" run -- $py "$un" $mode >"$mode.cpu0.$i" 2>>err
	done
	for i in 1 2 3; do
		timeout 300 env LD_PRELOAD="$lib" $py "$un" $mode >"$mode.lib$i" 2>>err
		[ -s "$mode.lib$i" ] || bad "$mode: library run $i printed nothing"
	done
	differ=$(for f in "$mode".run* "$mode".cpu0.*; do md5sum <"$f"; done | sort -u | wc -l)
	[ "$differ" = 1 ] && ok || bad "$mode: $differ different outputs in 7 runs: $(sort "$mode".run* | uniq -c | head -c 600)"
	differ=$(for f in "$mode".lib*; do md5sum <"$f"; done | sort -u | wc -l)
	[ "$differ" = 1 ] && ok || bad "$mode: library alone gave $differ different outputs in 3 runs"
	# the results are the native ones: same elements, whatever their order
	timeout 300 $py "$un" $mode >"$mode.native" 2>>err
	if [ $mode != pool_draws ] && [ $mode != spawn_pool ] && [ $mode != loky_cv ]; then
		$py - "$mode.native" "$mode.run1" <<'PY' && ok || bad "$mode: not the native results: $(cat "$mode.native" "$mode.run1")"
import ast, sys
a, b = (ast.literal_eval(open(f).read()) for f in sys.argv[1:])
assert sorted(a) == sorted(b), (a, b)
PY
	fi
done
# children reaped by their ends' virtual times: the sleepers last, the
# shorter sleep first, as natively
case "$(cat reap_any.run1)" in
*"'s50', 's100']") ok ;;
*) bad "reap_any: the sleepers are not reaped last, shorter first: $(cat reap_any.run1)" ;;
esac
# make -j2 -O prints each job's output when it reaps the job: the jobs'
# blocks come in one order on every run, the order of their ends in virtual
# time (a, b, c as on an idle machine natively), with the times `date` read in
# them; and `nodice inspect --strict` passes it (process/reap.c)
jobs="$fixtures/shell/jobs.mk"
for j in 2 3; do
	for i in 1 2 3 4 5; do timeout 120 "$nodice" run -- make -s -j$j -O -f "$jobs" >make$j.run$i 2>>err; done
	for i in 1 2; do timeout 120 taskset -c 0 "$nodice" run -- make -s -j$j -O -f "$jobs" >make$j.cpu0.$i 2>>err; done
	for i in 1 2; do timeout 120 env LD_PRELOAD="$lib" make -s -j$j -O -f "$jobs" >make$j.lib$i 2>>err; done
	differ=$(for f in make$j.*; do md5sum <"$f"; done | sort -u | wc -l)
	[ "$differ" = 1 ] && ok || bad "make -j$j -O: $differ different outputs in 9 runs: $(sort make$j.* | uniq -c | head -c 600)"
	[ "$(grep -o '^[abc]6' make$j.run1 | tr '\n' ' ')" = "a6 b6 c6 " ] && ok ||
		bad "make -j$j -O: the jobs' blocks are not in the order a, b, c: $(cat make$j.run1)"
done
timeout 120 "$nodice" inspect --strict --json make.json -- make -s -j2 -O -f "$jobs" >/dev/null 2>>err && ok ||
	bad "make -j2 -O fails --strict: $(grep -o '"detail": "[^"]*' make.json | head -3)"

# another seed, another (repeatable) assignment of tasks to workers
for mode in pool_draws loky_cv; do
	for i in 1 2; do
		timeout 300 "$nodice" run --seed 11 -- $py "$un" $mode >$mode.seed11.$i 2>>err
	done
	cmp -s $mode.seed11.1 $mode.seed11.2 && ! cmp -s $mode.seed11.1 $mode.run1 && ok ||
		bad "$mode does not move with the seed, or does not repeat under seed 11"
done
# causality through every channel that carries counts: a release made
# before a message is seen by a try made after it, through a pipe, a
# socketpair read with os.read and one read with recv (before carry.c a try
# at a lower count never counted it)
expected=$(printf 'pipe True\nduplex True\nsocket True')
for i in 1 2; do
	out=$(timeout 120 "$nodice" run -- $py "$fixtures/python/carried.py" 2>>err)
	[ "$out" = "$expected" ] && ok || bad "carried.py run $i: $(echo $out)"
done
out=$(timeout 120 env LD_PRELOAD="$lib" $py "$fixtures/python/carried.py" 2>>err)
[ "$out" = "$expected" ] && ok || bad "carried.py, library alone: $(echo $out)"

# more process-shared semaphores than the tree's object table holds (1024).
# Alone, a process's old entries serve new semaphores (nothing to come depends
# on them: process/objects.c), so all 1200 stay ordered and nothing is
# reported; with a child asleep at an early count, every release stays ahead
# of it, the table fills, and the rest are the kernel's, as natively, and
# reported (sem_trywait once set errno to -1 for them: "OSError: [Errno -1]"
# in test_concurrent_futures)
ms="$fixtures/python/many_semaphores.py"
for a in "" --idle-child; do
	out=$(timeout 120 "$nodice" run -- $py "$ms" $a 2>&1)
	[ "$out" = "1200 0 1200" ] && ok || bad "many_semaphores $a: $(echo "$out" | tail -2)"
done
timeout 120 "$nodice" inspect --strict --json ms.json -- $py "$ms" >/dev/null 2>&1
[ $? = 0 ] && ! grep -q "than the tree's table holds" ms.json && ok ||
	bad "many_semaphores: entries no event depends on were not given to new semaphores"
timeout 120 "$nodice" inspect --strict --json msi.json -- $py "$ms" --idle-child >/dev/null 2>&1
[ $? = 1 ] && grep -q "than the tree's table holds" msi.json && ok ||
	bad "many_semaphores --idle-child: the full table is not reported"

# 250 rounds of new workers and queues, as DataLoader workers every epoch:
# more semaphores over the run than the table holds (1024); the last round's
# task assignment and result order repeat as the first's did, and nothing is
# reported (before the table's entries were reused, the runs differed once
# it was full: 4 results in 4 runs)
seq="$fixtures/python/queues_in_sequence.py"
for i in 1 2 3; do timeout 300 "$nodice" run -- $py "$seq" >seq.run$i 2>>err; done
timeout 300 taskset -c 0 "$nodice" run -- $py "$seq" >seq.cpu0 2>>err
timeout 300 env LD_PRELOAD="$lib" $py "$seq" >seq.lib1 2>>err
timeout 300 env LD_PRELOAD="$lib" $py "$seq" >seq.lib2 2>>err
grep -q "^250 rounds" seq.run1 && ok || bad "queues_in_sequence printed: $(tail -c 300 seq.run1; tail -c 300 err)"
differ=$(cat seq.run1 seq.run2 seq.run3 seq.cpu0 | sort -u | wc -l)
[ "$differ" = 2 ] && ok || bad "queues_in_sequence: $((differ / 2)) or more different results in 4 runs"
cmp -s seq.lib1 seq.lib2 && ok || bad "queues_in_sequence: the library alone gave 2 results"
timeout 300 "$nodice" inspect --strict -- $py "$seq" >/dev/null 2>&1 && ok ||
	bad "queues_in_sequence: inspect --strict reported something uncontrolled"

# a process-shared mutex and semaphores between processes that compute
# (fixtures/c/shared_mutex.c; sched/treemutex.c, treesem.c): who takes the
# lock each time repeats over 5 runs, 2 on one CPU and 2 through the library
# alone (before: 10 orders in 10 runs of sem2, and one run in twenty of sem
# differed: a hand-off already used was passed on); the semantics of
# trylock, timed lock, error-checking and foreign unlock are libc's
sm=$(dirname "$nodice")/../fixtures/shared_mutex
for mode in order sem sem2; do
	for i in 1 2 3 4 5; do timeout 60 "$nodice" run -- "$sm" $mode >sm_$mode.run$i 2>>err; done
	for i in 1 2; do
		timeout 60 taskset -c 0 "$nodice" run -- "$sm" $mode >sm_$mode.cpu0.$i 2>>err
		timeout 60 env LD_PRELOAD="$lib" "$sm" $mode >sm_$mode.lib$i 2>>err
	done
	[ -s sm_$mode.run1 ] && ok || bad "shared_mutex $mode printed nothing: $(tail -c 300 err)"
	differ=$(cat sm_$mode.run* sm_$mode.cpu0.* | sort -u | wc -l)
	[ "$differ" = 1 ] && ok || bad "shared_mutex $mode: $differ orders in 7 runs: $(sort sm_$mode.run* sm_$mode.cpu0.* | uniq -c)"
	differ=$(cat sm_$mode.lib* | sort -u | wc -l)
	[ "$differ" = 1 ] && ok || bad "shared_mutex $mode: the library alone gave $differ orders in 2 runs"
done
want=$("$sm" semantics)
[ "$want" = "trylock EBUSY, foreign unlock EPERM, timedlock ETIMEDOUT after 50 ms, lock 0, relock EDEADLK" ] && ok ||
	bad "shared_mutex semantics natively: $want"
got=$(timeout 60 "$nodice" run -- "$sm" semantics 2>&1)
[ "$got" = "$want" ] && ok || bad "shared_mutex semantics under nodice: $got"
timeout 60 "$nodice" inspect --strict -- "$sm" sem2 >/dev/null 2>&1 && ok || bad "shared_mutex sem2: inspect --strict failed"

# FIXTURE MODE PATTERN NAME: 4 runs, 2 on one CPU and 2 through the library
# alone give one output, which matches PATTERN, and inspect --strict passes
repeats() {
	local f=$1 mode=$2 pattern=$3 name=$4
	for i in 1 2 3 4; do timeout 60 "$nodice" run -- "$f" $mode >$name.run$i 2>>err; done
	for i in 1 2; do
		timeout 60 taskset -c 0 "$nodice" run -- "$f" $mode >$name.cpu0.$i 2>>err
		timeout 60 env LD_PRELOAD="$lib" "$f" $mode >$name.lib$i 2>>err
	done
	grep -qx "$pattern" $name.run1 && ok || bad "$name $mode: $(cat $name.run1; tail -c 300 err)"
	differ=$(cat $name.run* $name.cpu0.* $name.lib* | sort -u | wc -l)
	[ "$differ" = 1 ] && ok || bad "$name $mode: $differ outputs in 8 runs: $(sort $name.run* $name.cpu0.* $name.lib* | uniq -c)"
	timeout 60 "$nodice" inspect --strict -- "$f" $mode >/dev/null 2>&1 && ok || bad "$name $mode: inspect --strict failed"
}

# a process-shared barrier between three processes that compute unequal
# amounts (fixtures/c/shared_barrier.c; sched/treebarrier.c): the serial
# party of each of 30 rounds is the last in the tree's order, the same on
# every run (natively it is the last to arrive: 4 sequences in 4 runs), and
# nobody passes a round early
sb=$(dirname "$nodice")/../fixtures/shared_barrier
repeats "$sb" procs '[012]\{30\} ok' sb
# two threads of one process and a child: a thread's wait in the barrier's
# line waits in its process's scheduler and is woken at the process's turn
# of the tree at the hand-off's count (sched/treeline.c): the same on every
# run, nothing left to real time (before: where the woken thread rejoined
# its process's order followed real time, reported as tree-order)
repeats "$sb" threads '[012]\{30\} ok' sbt

# a process-shared condition variable between processes (fixtures/c/
# shared_cond.c; sched/treecond.c): two producers and a consumer on a
# bounded queue in shared memory take turns in one order on every run
# (natively 3 orders in 3 runs), each producer's items in their order; a
# timed wait's timeout is virtual (2 timeouts of 70 ms before a child's
# flag set after 200 ms)
sc=$(dirname "$nodice")/../fixtures/shared_cond
repeats "$sc" queue '[12]\{40\} ok' sc
got=$(timeout 60 "$nodice" run -- "$sc" timed 2>&1)
[ "$got" = "timeouts 2 flag 1" ] && ok || bad "shared_cond timed under nodice: $got"
# a waiter killed in line does not take a later signal with it (it did, and
# the live waiter slept on: natively glibc wakes it)
got=$(timeout 60 "$nodice" run -- "$sc" killed 2>&1)
[ "$got" = "woken" ] && ok || bad "shared_cond killed under nodice: '$got'"

# the same under pressure: three runs at a time beside two spinning
# processes, where real time and the order disagree most (this found a child
# counted from its parent's own count, and a counting semaphore's releases
# reaching its line out of stamp order: 7 results in 15 runs, 2 in 12)
timeout 300 sh -c 'while :; do :; done' &
spin1=$!
timeout 300 sh -c 'while :; do :; done' &
spin2=$!
for b in 1 2 3; do
	runs=""
	for j in 1 2 3; do
		timeout 300 env LD_PRELOAD="$lib" $py "$seq" >busy_seq.$b.$j 2>>err &
		runs="$runs $!"
		timeout 300 env LD_PRELOAD="$lib" "$sm" sem2 >busy_sem2.$b.$j 2>>err &
		runs="$runs $!"
		timeout 300 env LD_PRELOAD="$lib" "$sb" procs >busy_sb.$b.$j 2>>err &
		runs="$runs $!"
		timeout 300 env LD_PRELOAD="$lib" "$sc" queue >busy_sc.$b.$j 2>>err &
		runs="$runs $!"
	done
	wait $runs
done
kill $spin1 $spin2 2>/dev/null
wait $spin1 $spin2 2>/dev/null
differ=$(cat busy_seq.* | sort -u | wc -l)
[ "$differ" = 2 ] && ok || bad "queues_in_sequence on a busy machine: $(cat busy_seq.* | sort | uniq -c | head -c 400)"
differ=$(cat busy_sem2.* | sort -u | wc -l)
[ "$differ" = 1 ] && ok || bad "shared_mutex sem2 on a busy machine: $(cat busy_sem2.* | sort | uniq -c)"
for f in sb sc; do
	differ=$(cat busy_$f.* | sort -u | wc -l)
	[ "$differ" = 1 ] && ok || bad "$f on a busy machine: $(cat busy_$f.* | sort | uniq -c)"
done

# causality through a pipe: DataLoader's shutdown (the worker asserts the
# event it was told about is set; before carry.c its try came "before" the
# set in the order of events, and every run with the log on failed)
ls="$fixtures/python/loader_shutdown.py"
timeout 300 "$nodice" run -- $py "$ls" >ls.run 2>ls.err1 && ok || bad "loader_shutdown under run: $(tail -3 ls.err1)"
timeout 300 "$nodice" run --log ls.log -- $py "$ls" >ls.log.out 2>ls.err2 && ok ||
	bad "loader_shutdown under run --log: $(tail -3 ls.err2)"
timeout 300 "$nodice" inspect --json ls.json -- $py "$ls" >ls.inspect 2>ls.err3 && ok ||
	bad "loader_shutdown under inspect: $(tail -3 ls.err3)"
! grep -q -E "AssertionError|exited unexpectedly" ls.err1 ls.err2 ls.err3 && ok ||
	bad "a DataLoader worker failed: $(grep -h -m2 -E 'AssertionError|exited unexpectedly' ls.err*)"
cmp -s ls.run ls.log.out && [ "$(head -1 ls.inspect)" = "$(cat ls.run)" ] && ok ||
	bad "loader_shutdown: run, run --log and inspect printed different sums: $(cat ls.run ls.log.out) $(head -1 ls.inspect)"
finish treeorder
