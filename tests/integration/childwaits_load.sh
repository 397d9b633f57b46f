#!/bin/bash
# The waits of tree_child_waits on a loaded machine: four inspections of
# fixtures/python/child_waits.py at once on two CPUs, four rounds, for the
# thread pool and for asyncio. Under such load CI found what an idle
# machine never showed: a vfork parent resumed before its child's exec had
# closed the pipe CPython's Popen reads for the exec's result, the end of
# file then came while another thread ran (`tree-order`); a child watcher
# asleep in vfork, or waiting for a child's marked end to reach the kernel,
# was preempted as a thread stuck outside (`schedule-preempted`); and the
# scheduler's watch woke a thread waiting for a child's end the order had
# not reached whenever the kernel showed it (`tree-order` at Popen.wait).
# Before the fixes (2026-12-06) 5 runs in 32 of the pool and 3 in 32 of
# asyncio were so; after, 1 in 384 (a `schedule-preempted` not explained
# yet: docs/limits.md). So the check is a count: at most one of the 16 runs
# of each program may show one (before: 2 or more in 72% of the pool's
# sets of 16, 42% of asyncio's).
# Usage: childwaits_load.sh NODICE LIB FIXTURES
here=$(dirname "$(realpath "$0")")
. "$here/checks.sh"

f="$fixtures/python/child_waits.py"
for mode in threads asyncio; do
	for round in 1 2 3 4; do
		for k in 1 2 3 4; do
			timeout 300 "$nodice" inspect --json "$mode.$round.$k.json" -- $py "$f" $mode \
				>"$mode.$round.$k.out" 2>&1 &
		done
		wait
	done
	left=0 results=0
	for j in "$mode".*.json; do
		$py "$here/waits_clean.py" "$j" $mode >>"$mode.left" || left=$((left + 1))
	done
	for o in "$mode".*.out; do
		[ "$(grep -c 'rc=[0-9]$' "$o")" = 8 ] && results=$((results + 1))
	done
	[ "$results" = 16 ] && ok || bad "$mode: $((16 - results)) of 16 runs without their 8 results"
	[ "$left" -le 1 ] && ok || bad "$mode: $left of 16 runs left waits to real time: $(sort "$mode.left" | uniq -c)"
done

finish tree_child_waits_load
