#!/bin/bash
# Several processes writing one channel (issue 14, sources/writers.c), under
# --order-writes (NODICE_ORDER_WRITES=on through LD_PRELOAD alone): Pool
# workers printing with flush=True into the run's stdout (a pipe and a file),
# three C children writing into an inherited stdout with write(2) and with
# buffered stdio, into a pipe their parent reads, and into a log file opened
# before the fork, a shell's two background jobs echoing into one pipe read
# by md5sum (whose reads are libc's own: found asleep once, not at every
# write), `make -j3` without -O, whose recipes echo into one stdout, and
# `xargs -P 2 md5sum`.
# Each repeats byte for byte over 4 runs unpinned, 1 on one CPU and 2
# through LD_PRELOAD alone; the lines are the native ones in another order;
# the draws move with the seed; and inspect --strict passes (ordered writes
# are not reported). Natively the C children's lines come in a different
# order on nearly every run (checked below: at least 2 orders in 6 runs).
# The C children still compute in parallel: their lines interleave one per
# child, not one child's whole output after another's.
# Without the option the writes go in real time, and inspect --strict
# reports them (tree-order).
# Usage: writers.sh NODICE LIB FIXTURES
. "$(dirname "$0")/checks.sh"
ow=--order-writes
w=$(dirname "$nodice")/../fixtures/writers
pp="$fixtures/python/pool_prints.py"

# same output in every run: repeats NAME CMD... (stdout compared)
repeats() {
	local name=$1
	shift
	for i in 1 2 3 4; do timeout 120 "$nodice" run $ow -- "$@" >"$name.run$i" 2>>err; done
	timeout 120 taskset -c 0 "$nodice" run $ow -- "$@" >"$name.cpu0" 2>>err
	for i in 1 2; do timeout 120 env NODICE_ORDER_WRITES=on LD_PRELOAD="$lib" "$@" >"$name.lib$i" 2>>err; done
	[ -s "$name.run1" ] || bad "$name printed nothing: $(tail -c 300 err)"
	differ=$(for f in "$name".run* "$name".cpu0 "$name".lib*; do md5sum <"$f"; done | sort -u | wc -l)
	[ "$differ" = 1 ] && ok || bad "$name: $differ different outputs in 7 runs: $(for f in "$name".run* "$name".cpu0 "$name".lib*; do
		cmp -s "$f" "$name.run1" || echo "$f: $(diff "$name.run1" "$f" | head -6 | tr '\n' ' ')"; done)"
	# the same lines, the races aside (pool_prints: which worker, and a draw);
	# up to three native runs, since natively two workers' prints once
	# shared a line (a line, then an empty one: a race of the native run)
	local same='s/ in [^:]*:/:/; s/ 0\.[0-9]*$//' want k
	want=$(sed "$same" "$name.run1" | sort | md5sum)
	for k in 1 2 3; do
		timeout 120 "$@" >"$name.native" 2>>err
		[ "$(sed "$same" "$name.native" | sort | md5sum)" = "$want" ] && break
	done
	[ "$(sed "$same" "$name.native" | sort | md5sum)" = "$want" ] && ok ||
		bad "$name: not the native lines: $(diff <(sort "$name.native") <(sort "$name.run1") | head -5)"
}

for mode in write stdio pipe; do
	repeats "c_$mode" "$w" $mode
done
# interleaved, not serialized: the first three lines come from three children
[ "$(head -3 c_write.run1 | cut -d' ' -f2 | sort -u | wc -l)" = 3 ] && ok ||
	bad "the children's lines are not interleaved: $(head -3 c_write.run1 | tr '\n' ' ')"
# natively a race
for i in 1 2 3 4 5 6; do "$w" write | md5sum; done >native.sums
[ "$(sort -u native.sums | wc -l)" -ge 2 ] && ok || bad "natively the children's lines came in one order in 6 runs"

# a log file the parent opened before forking (O_APPEND), and stdout
for i in 1 2 3; do
	timeout 120 "$nodice" run $ow -- "$w" log "$PWD/log.txt" >log.out$i 2>>err
	md5sum <log.txt >>log.sums
done
[ "$(sort -u log.sums | wc -l)" = 1 ] && [ "$(wc -l <log.txt)" = 36 ] && ok ||
	bad "the shared log file differs between runs or lost lines: $(sort log.sums | uniq -c)"

# Pool workers printing: one output, through a pipe and into a file; another
# seed draws other numbers
repeats pool "$py" "$pp"
for i in 1 2; do timeout 120 "$nodice" run $ow -- "$py" "$pp" >"pool.file$i" 2>>err; done
cmp -s pool.file1 pool.file2 && cmp -s pool.file1 pool.run1 && ok || bad "pool_prints into a file differs"
timeout 120 "$nodice" run $ow --seed 9 -- "$py" "$pp" >pool.seed9 2>>err
! cmp -s pool.seed9 pool.run1 && ok || bad "pool_prints does not move with the seed"

# a shell's two background jobs on one pipe, read by md5sum's fread
jobs='( for i in $(seq 300); do echo a$i; done & for i in $(seq 300); do echo b$i; done & wait ) | md5sum'
for i in 1 2 3; do timeout 60 "$nodice" run $ow -- bash -c "$jobs" >jobs.run$i 2>>err; done
[ -s jobs.run1 ] && [ "$(cat jobs.run* | sort -u | wc -l)" = 1 ] && ok ||
	bad "two background jobs on one pipe: $(cat jobs.run* | sort | uniq -c)"
start=$(date +%s%N)
timeout 60 "$nodice" run $ow -- bash -c "$jobs" >/dev/null 2>>err
ms=$((($(date +%s%N) - start) / 1000000))
[ $ms -lt 10000 ] && ok || bad "600 ordered echoes into md5sum took $ms ms"

# xargs -P 2 running md5sum over a list: two md5sum processes at a time on
# one stdout (natively their lines interleave as they finish; under nodice
# without the option 2 outputs in 4 runs were seen)
xa="ls $fixtures/python/*.py | xargs -P 2 -n 3 md5sum"
for i in 1 2 3 4; do timeout 60 "$nodice" run $ow -- sh -c "$xa" >xargs.run$i 2>>err; done
[ "$(wc -l <xargs.run1)" -ge 20 ] && [ "$(cat xargs.run* | md5sum)" = "$(for i in 1 2 3 4; do cat xargs.run1; done | md5sum)" ] && ok ||
	bad "xargs -P 2 md5sum: $(for f in xargs.run*; do md5sum <$f; done | sort | uniq -c)"

# An exec that begins while another member looks at the tree is not taken
# for a program the shim cannot enter: the look's clock, read before the
# exec began, made its age wrap to 2^64 and the member left the order
# (tree-outside), its writes then in real order — one xargs -P 2 md5sum run
# in about 14 differed so. 400 shells executed by xargs -P 2: none outside,
# and the numbers all there.
timeout 120 "$nodice" run $ow --log execs.log -- sh -c 'seq 400 | xargs -P 2 -n 1 sh -c "echo \$0"' >execs.out 2>>err
[ "$(sort -n execs.out | md5sum)" = "$(seq 400 | md5sum)" ] && ok || bad "400 execs: $(wc -l <execs.out) lines"
! grep -q '"tree-outside"' execs.log && ok || bad "400 execs: $(grep -c '"tree-outside"' execs.log) taken for outside the order"

# make -j3 without -O: the recipes' lines share make's stdout
mk="$fixtures/shell/jobs.mk"
for i in 1 2 3; do timeout 120 "$nodice" run $ow -- make -s -j3 -f "$mk" >make.run$i 2>>err; done
timeout 120 taskset -c 0 "$nodice" run $ow -- make -s -j3 -f "$mk" >make.cpu0 2>>err
[ "$(wc -l <make.run1)" = 21 ] && [ "$(cat make.run* make.cpu0 | md5sum)" = "$(for f in make.run1 make.run1 make.run1 make.run1; do cat $f; done | md5sum)" ] && ok ||
	bad "make -j3: $(for f in make.run* make.cpu0; do md5sum <$f; done | sort | uniq -c)"

# subprocess.run capturing both pipes of programs that print through stdio:
# the gate finds the runs identical, event logs included (stdmark.c marks
# stdio's flushes, deliver.c lets one exit's ends of file come together).
# (A thread computing meanwhile still makes the parent's polls real waits:
# docs/limits.md.)
timeout 300 "$nodice" verify -n 5 -- "$py" "$fixtures/python/captured.py" >cap.out 2>&1 && ok ||
	bad "verify on subprocess.run capture_output: $(grep -A3 -e DIFFERS -e 'first div' cap.out | head -8)"
timeout 300 taskset -c 0 "$nodice" verify -n 3 -- "$py" "$fixtures/python/captured.py" >cap.cpu0 2>&1 && ok ||
	bad "verify on subprocess.run capture_output (one CPU): $(grep -A3 -e DIFFERS -e 'first div' cap.cpu0 | head -8)"

# ordered writes are not reported (stdout a file: /dev/null is no channel)
timeout 120 "$nodice" inspect $ow --strict --json c.json -- "$w" write >c.inspect 2>>err && ok ||
	bad "writers write fails --strict: $(grep -o '"detail": "[^"]*' c.json | head -3)"
timeout 120 "$nodice" inspect $ow --strict --json jobs.json -- bash -c "$jobs" >jobs.inspect 2>>err
! grep -q "several processes of the run wrote" jobs.json && ok ||
	bad "two background jobs on one pipe still reported as unordered writes"
# the default: real time, reported (whatever the environment says)
timeout 120 env -u NODICE_ORDER_WRITES "$nodice" inspect --strict --json off.json -- "$py" "$pp" >off.inspect 2>>err
[ $? = 1 ] && grep -q "several processes of the run wrote" off.json && ok ||
	bad "without --order-writes, pool workers' prints are not reported"
timeout 120 env -u NODICE_ORDER_WRITES "$nodice" inspect --strict --json offc.json -- "$w" write >offc.inspect 2>>err
[ $? = 1 ] && grep -q "several processes of the run wrote" offc.json && ok ||
	bad "without --order-writes, the C children's writes are not reported"
# asyncio's subprocesses (started with vfork) under the option: a vfork
# child's registration once left its own descriptors' keys as its parent's,
# the loop read one pipe as another and waited 5 s per child for writes it
# had long read (tree-preempted); now the results repeat, nothing preempted
cw="$fixtures/python/child_waits.py"
for i in 1 2; do timeout 120 "$nodice" run $ow --log "cw$i.log" -- $py "$cw" asyncio >"cw$i.out" 2>>err; done
[ "$(grep -c 'rc=0$' cw1.out)" = 8 ] && cmp -s cw1.out cw2.out && ok || bad "asyncio subprocesses under $ow: $(paste -d'|' cw1.out cw2.out)"
grep -q tree-preempted cw1.log cw2.log && bad "asyncio subprocesses under $ow were preempted: $(grep -ho '"kind":"[^"]*"' cw1.log cw2.log | sort | uniq -c)" || ok
timeout 60 "$nodice" run --order-writes=yes -- true 2>optbad.err
[ $? = 2 ] && ok || bad "--order-writes=yes was not refused with exit 2: $(cat optbad.err)"
timeout 60 env NODICE_ORDER_WRITES=maybe "$nodice" run -- true 2>envbad.err
[ $? != 0 ] && grep -q NODICE_ORDER_WRITES envbad.err && ok || bad "NODICE_ORDER_WRITES=maybe accepted: $(cat envbad.err)"
finish writers
