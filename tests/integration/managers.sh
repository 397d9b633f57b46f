#!/bin/bash
# A Pool whose workers set a Manager's dict (fixtures/python/manager_pool.py):
# one output under one seed, through `nodice run` (six runs) and LD_PRELOAD
# (two), another under another seed. A Manager's answers carry time to its
# clients, not counts (process/carry.c): with counts the task-to-worker
# assignment followed the server's real-time order (3 outputs in 8 runs).
# Then seven runs (two through LD_PRELOAD) with the Manager at the lowest
# priority beside two CPU hogs: its answers come late and the run lasts
# seconds of real time, past the Manager's own 1 s waits, which elapse in
# real time while its accepting thread is outside, and now no sooner than
# the tree's order reaches them (sched/watch.c). Before 2026-12-07 its
# clock jumped a second mid-run and the next answer carried it to a worker:
# 4 outputs in 10 runs, 9 of them not the quiet run's; CI had seen the
# quiet test differ once under load.
# The same with a 1 ms tick, five runs; and a proxy call that waits 0.2 s
# on the server (fixtures/python/manager_wait.py).
# Usage: managers.sh NODICE LIB FIXTURES
here=$(dirname "$(realpath "$0")")
. "$here/checks.sh"

f="$fixtures/python/manager_pool.py"
for i in 1 2 3 4 5 6; do timeout 120 "$nodice" run --seed 7 -- $py "$f" >run$i 2>>err; done
for i in 1 2; do timeout 120 env LD_PRELOAD="$lib" NODICE_SEED=7 $py "$f" >lib$i 2>>err; done
timeout 120 "$nodice" run --seed 8 -- $py "$f" >seed8 2>>err
[ "$(wc -l <run1)" = 1 ] && ok || bad "no output: $(cat run1; tail -c 300 err)"
for o in run2 run3 run4 run5 run6 lib1 lib2; do
	cmp -s run1 $o && ok || bad "$o differs: $(cat run1 $o)"
done
cmp -s run1 seed8 && bad "seed 8 gave seed 7's output: $(cat seed8)" || ok
# A 1 ms tick widens every real-time dependence of the time a Manager's
# answers carry and of the order's look at a client asleep for one: 3
# assignments in 8 runs until 2026-12-07 (fifteenth session; process/
# convo.c, listeners.c), which CI met at the default tick (twice).
for i in 1 2 3 4 5; do timeout 120 "$nodice" run --seed 7 --tick 1000000 -- $py "$f" >tick$i 2>>err; done
[ "$(wc -l <tick1)" = 1 ] && ok || bad "no output with a 1 ms tick: $(cat tick1; tail -c 300 err)"
for i in 2 3 4 5; do
	cmp -s tick1 tick$i && ok || bad "tick$i (1 ms tick) differs: $(cat tick1 tick$i)"
done
# A Manager's method that waits 0.2 s, 0 s and 0.1 s server-side: the
# client's clock sees each call take that long (what the server's thread
# waited on the request), in every run alike; with nothing carried, a
# client's wait_for never ended, and with an earlier answer's wait carried
# again at each read, a Manager-served Pool.imap took 100 s of clock.
w="$fixtures/python/manager_wait.py"
for i in 1 2 3; do timeout 120 "$nodice" run --seed 7 -- $py "$w" >wait$i 2>>err; done
awk '{ exit !($1 >= 0.2 && $1 < 0.25 && $2 < 0.05 && $3 >= 0.1 && $3 < 0.15) }' wait1 && ok ||
	bad "server-side waits of 0.2, 0 and 0.1 s took other times on the client's clock: $(cat wait1; tail -c 300 err)"
for i in 2 3; do
	cmp -s wait1 wait$i && ok || bad "wait$i differs: $(cat wait1 wait$i)"
done
hogs=""
for k in 1 2; do
	timeout 300 sh -c 'while :; do :; done' &
	hogs="$hogs $!"
done
for i in 1 2 3 4 5; do timeout 120 "$nodice" run --seed 7 -- $py "$f" slow >slow$i 2>>err; done
for i in 6 7; do timeout 120 env LD_PRELOAD="$lib" NODICE_SEED=7 $py "$f" slow >slow$i 2>>err; done
kill $hogs 2>/dev/null
wait 2>/dev/null
for i in 1 2 3 4 5 6 7; do
	cmp -s run1 slow$i && ok || bad "slow$i (Manager slowed) differs: $(cat run1 slow$i)"
done
finish managers
