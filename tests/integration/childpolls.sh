#!/bin/bash
# WNOHANG polls for children from a program with threads (issue 14):
# fixtures/python/child_polls.py. Such a process's threads are scheduled,
# and until 2026-12-07 its WNOHANG waits got the kernel's answer (reported
# `tree-order`): a Pool's terminate sent SIGTERM to the workers still
# exiting on one run and not on another, and a busy loop over Popen.poll()
# counted a different number of polls each run. Now the answer is the
# caller's present's (process/reap.c, process/behind.c): the results repeat
# over 3 runs unpinned, 1 on one CPU and 2 through LD_PRELOAD alone, the
# polls with naps count what they count natively (10 ms naps over 0.2 s,
# 0.05 s and 0 s sleeps), and inspect reports no WNOHANG answer left to
# the kernel.
# Usage: childpolls.sh NODICE LIB FIXTURES
here=$(dirname "$(realpath "$0")")
. "$here/checks.sh"

f="$fixtures/python/child_polls.py"
for mode in pool naps spin; do
	for i in 1 2 3; do timeout 120 "$nodice" run -- $py "$f" $mode >"$mode.run$i" 2>>err; done
	timeout 120 taskset -c 0 "$nodice" run -- $py "$f" $mode >"$mode.cpu0" 2>>err
	for i in 1 2; do timeout 120 env LD_PRELOAD="$lib" $py "$f" $mode >"$mode.lib$i" 2>>err; done
	[ -s "$mode.run1" ] && ok || bad "$mode: no output: $(tail -c 300 err)"
	cmp -s "$mode.run1" "$mode.run2" && cmp -s "$mode.run1" "$mode.run3" && cmp -s "$mode.run1" "$mode.cpu0" && ok ||
		bad "$mode: the runs differ: $(cat "$mode".run* "$mode.cpu0")"
	cmp -s "$mode.lib1" "$mode.lib2" && ok || bad "$mode: LD_PRELOAD runs differ: $(cat "$mode".lib*)"
	timeout 300 "$nodice" inspect --json "$mode.json" -- $py "$f" $mode >"$mode.inspect" 2>&1
	$py - "$mode.json" <<'PY' && ok || bad "$mode: $(grep -A8 Uncontrolled "$mode.inspect")"
import json, sys
r = json.load(open(sys.argv[1]))
left = [u["detail"] for u in r["uncontrolled"] if u["observed"] and "WNOHANG" in u["detail"]]
print(left)
sys.exit(r["exit_status"] != 0 or bool(left))
PY
done
want="[(21, 0), (6, 0), (1, 0)]"
[ "$(cat naps.run1)" = "$want" ] && ok || bad "naps: $(cat naps.run1), natively $want"
# a busy loop moves on in time a tick per look: the second child's 2 ms
# sleep takes more looks than the first's none
$py -c 'import ast, sys; c = ast.literal_eval(open("spin.run1").read()); sys.exit(not (0 < c[0][0] < c[1][0]))' && ok ||
	bad "spin: $(cat spin.run1)"
finish childpolls
