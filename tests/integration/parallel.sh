#!/bin/bash
# Parallel mode (issue 15) says that it ran: the log's process record and
# inspect's JSON name it, and a race-free program that computes in threads
# between its locks passes `inspect --strict` in it (nothing preempted, no
# thread waited outside the order). A program that synchronizes through
# memory alone (`threads futex`: a pool on its own futex protocol) is not
# ordered in parallel mode: when verify finds its runs differ, it names
# parallel mode among the likely causes, with the advice to run serial.
#
#   parallel.sh NODICE THREADS-FIXTURE
. "$(dirname "$0")/common.sh"
nodice=$1
fixture=$2

timeout 300 "$nodice" inspect --strict --threads parallel --cpus 2 --json "$out/p.json" -- "$fixture" mutex-log \
	>"$out/p.out" 2>&1 || fail "inspect --strict in parallel mode: $(tail -5 "$out/p.out")"
/usr/bin/python3 - "$out/p.json" <<'PY' || fail "inspect's JSON does not name parallel mode"
import json, sys
report = json.load(open(sys.argv[1]))
modes = [p.get("threads") for p in report["processes"]]
assert modes and all(m == "parallel" for m in modes), modes
PY
timeout 300 "$nodice" inspect --json "$out/s.json" -- "$fixture" mutex-log >"$out/s.out" 2>&1 || fail "serial inspect"
/usr/bin/python3 - "$out/s.json" <<'PY' || fail "serial mode is named parallel"
import json, sys
assert all("threads" not in p for p in json.load(open(sys.argv[1]))["processes"])
PY
differed=0
for attempt in 1 2 3; do
	timeout 300 "$nodice" verify --runs 3 --threads parallel --json "$out/v.json" --quiet -- "$fixture" futex \
		>"$out/v.out" 2>&1
	rc=$?
	[ $rc -eq 0 ] && continue
	[ $rc -eq 1 ] || fail "verify in parallel mode: exit $rc: $(tail -5 "$out/v.out")"
	differed=1
	/usr/bin/python3 - "$out/v.json" <<'PY' || fail "verify's likely causes do not name parallel mode: $(cat "$out/v.json")"
import json, sys
causes = json.load(open(sys.argv[1])).get("likely_causes", [])
assert any("schedule-parallel" in c and "--threads serial" in c for c in causes), causes
PY
	break
done
[ $differed -eq 1 ] || fail "threads futex repeated 9 times in parallel mode: the fixture no longer shows what this checks"
echo "ok: parallel mode named in the log, inspect and verify's causes, and --strict passes"
