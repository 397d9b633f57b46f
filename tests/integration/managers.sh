#!/bin/bash
# A Pool whose workers set a Manager's dict (fixtures/python/manager_pool.py):
# one output under one seed, through `nodice run` (six runs) and LD_PRELOAD
# (two), another under another seed. A Manager's answers carry time to its
# clients, not counts (process/carry.c): with counts the task-to-worker
# assignment followed the server's real-time order (3 outputs in 8 runs).
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
finish managers
