#!/bin/bash
# A process that computes and looks at a child's pipe without waiting while
# the child sleeps 5 ms and then writes (fixtures/python/after_sleep.py):
# natively the iteration of the first look that finds the byte is a race.
# Under nodice a member asleep until a time its looker's clock has passed
# holds the looker's turns by count until it has woken (process/holder.c),
# and a scheduled process renews its horizon then (sched/treeread.c).
# Until 2026-12-07 (fourteenth session) the sleeper woke when the order of time let it and
# wrote at its own, lower count whenever real time brought it there: 4
# iterations in 4 runs (`pipe`), the same in the shell's chain (`sh busy`:
# `sleep 0.005; echo x`, beside a process computing without clock reads)
# and in a process with threads whose horizon had passed the sleeper
# (`pipe threads`). Usage: aftersleep.sh NODICE LIB FIXTURES
here=$(dirname "$(realpath "$0")")
. "$here/checks.sh"

f="$fixtures/python/after_sleep.py"
for i in 1 2 3 4 5 6; do timeout 60 $py "$f" pipe; done | cut -d' ' -f1 >native 2>>err
[ "$(sort -u native | wc -l)" -ge 2 ] && ok || bad "natively the looks did not race: $(sort native | uniq -c)"
for mode in "pipe" "sh busy" "pipe threads"; do
	m=${mode// /_}
	for i in 1 2; do timeout 120 "$nodice" run -- $py "$f" $mode >"$m.run$i" 2>>err; done
	for i in 1 2 3; do timeout 120 "$nodice" run -- $py "$f" $mode >"$m.load$i" 2>>err & done
	wait
	timeout 120 taskset -c 0 "$nodice" run -- $py "$f" $mode >"$m.cpu0" 2>>err
	timeout 120 env LD_PRELOAD="$lib" $py "$f" $mode >"$m.lib" 2>>err
	grep -qE '^[0-9]+ 100\.[0-9]{6}$' "$m.run1" && ok || bad "$mode: no result: $(cat "$m.run1"; tail -c 300 err)"
	for o in run2 load1 load2 load3 cpu0 lib; do
		cmp -s "$m.run1" "$m.$o" && ok || bad "$mode: $o differs: $(cat "$m.run1" "$m.$o")"
	done
	# nothing of it left to real time, and no wait broken by a bound
	timeout 120 "$nodice" inspect --json "$m.json" -- $py "$f" $mode >"$m.txt" 2>&1
	$py -c 'import json, sys
r = json.load(open(sys.argv[1]))
left = [u["kind"] for u in r["uncontrolled"] if u["observed"] and u["kind"] not in ("rdtsc",)]
sys.exit(bool(left) or r["exit_status"] != 0)' "$m.json" && ok || bad "$mode: inspect: $(grep -A6 Uncontrolled "$m.txt")"
done
finish tree_after_sleep
