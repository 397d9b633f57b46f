#!/bin/bash
# Process and thread ids repeat in the run's PID namespace (shim/process/
# pids.c, inspect/pidns.c): a tree whose processes create processes and
# threads at the same time (fork, CPython's vfork subprocesses, threads),
# 5 runs and 2 pinned to one CPU, byte for byte; another seed moves them;
# inspect and verify find them controlled; --no-pid-ns gives the kernel's.
# Usage: pids.sh NODICE LIB FIXTURES
. "$(dirname "$0")/checks.sh"

fx="$fixtures/python/tree_pids.py"
for i in 1 2 3 4 5; do timeout 120 "$nodice" run --seed 3 -- $py "$fx" >"run.$i" 2>>err; done
for i in 6 7; do timeout 120 taskset -c 0 "$nodice" run --seed 3 -- $py "$fx" >"run.$i" 2>>err; done
same=1
for i in 2 3 4 5 6 7; do
	cmp -s run.1 "run.$i" || { same=0; bad "run $i differs from run 1: $(diff run.1 "run.$i" | head -4)"; }
done
[ $same = 1 ] && ok
[ "$(grep -c 'exit 0' run.1)" = 2 ] && [ "$(grep -c 'reaped True' run.1)" = 2 ] && ok ||
	bad "the tree did not run as natively: $(cat run.1 err | head -20)"
# every id is one a machine could give, and none twice
$py - run.1 <<'PY' && ok || bad "ids out of range or repeated: $(cat run.1)"
import re, sys
ids = [int(x) for x in re.findall(r"\d+", open(sys.argv[1]).read()) if int(x) > 3]
pids = [i for i in ids if i >= 1000]
assert len(pids) >= 20, ids
sys.exit(0 if all(1000 <= i < 32768 for i in pids) else 1)
PY
# No id is given twice in a run while the range lasts, as the kernel's
# order never gives one back before it wraps: 800 short-lived children of a
# shell, one after another, each print their pid (drawn from the range
# alone, some 10 of them would repeat one of the children before: a
# ProcessPoolExecutor with max_tasks_per_child then joined a live worker
# that had the pid of one just ended, and hung). Two runs agree.
seqkids='for i in $(seq 800); do sh -c "echo \$\$"; done'
timeout 300 "$nodice" run --seed 3 -- bash -c "$seqkids" >kids.1 2>>err
timeout 300 "$nodice" run --seed 3 -- bash -c "$seqkids" >kids.2 2>>err
[ "$(wc -l <kids.1)" = 800 ] && [ "$(sort -u kids.1 | wc -l)" = 800 ] && ok ||
	bad "a pid was given twice in one run: $(sort kids.1 | uniq -d | head -5 | tr '\n' ' ')($(wc -l <kids.1) lines)"
cmp -s kids.1 kids.2 && ok || bad "800 children: two runs gave other pids: $(diff kids.1 kids.2 | head -4)"

timeout 120 "$nodice" run --seed 4 -- $py "$fx" >other 2>>err
cmp -s run.1 other && bad "another seed gave the same ids" || ok

# The kernel's ids without the namespace: two runs differ (the test can fail).
timeout 120 "$nodice" run --seed 3 --no-pid-ns -- $py "$fx" >real.1 2>>err
timeout 120 "$nodice" run --seed 3 --no-pid-ns -- $py "$fx" >real.2 2>>err
cmp -s real.1 real.2 && bad "--no-pid-ns: two runs gave the same ids" || ok

# inspect: the id reads are controlled, nothing moved; verify passes.
timeout 120 "$nodice" inspect --strict --json report.json -- $py "$fx" >/dev/null 2>>err && ok ||
	bad "inspect --strict fails on the tree: $(grep -o '"kind":"[a-z-]*"' report.json | sort -u | tr '\n' ' ')"
$py - report.json <<'PY' && ok || bad "inspect reports getpid as uncontrolled"
import json, sys
r = json.load(open(sys.argv[1]))
ids = [s for s in r["sources"] if s["symbol"] in ("getpid", "getppid", "gettid")]
kinds = {u["kind"] for u in r["uncontrolled"]}
sys.exit(0 if ids and all(s["controlled"] for s in ids) and "pid-moved" not in kinds else 1)
PY
timeout 300 "$nodice" verify -n 3 --quiet -- $py "$fx" >/dev/null 2>>err && ok || bad "verify fails on the tree"
timeout 300 "$nodice" verify -n 2 --quiet --no-pid-ns -- $py "$fx" >/dev/null 2>>err && bad "verify passes with the kernel's ids" || ok
finish pids
