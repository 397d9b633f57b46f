#!/bin/bash
# Futexes called without libc are scheduled (shim/sched/futex.c): a pool that
# docks on raw futexes (`threads futex`, inline and through syscall(2)) runs
# without a single wait outside the turn order, and its 3 s timed futex wait
# times out on the virtual clock, at once; bad arguments give the kernel's
# errors; torch with two intra-op threads
# (libgomp's barriers are such futexes) logs neither schedule-outside nor
# tree-order, which it did (239 times) when each barrier wait left the turn
# and rejoined it in real time.
#
#   futex.sh NODICE THREADS-FIXTURE
. "$(dirname "$0")/common.sh"
nodice=$1
fixture=$2

start=$(date +%s%N)
timeout 300 "$nodice" inspect --strict --json "$out/f.json" -- "$fixture" futex >"$out/f.out" 2>&1 ||
	fail "inspect --strict on threads futex: $(tail -5 "$out/f.out")"
ms=$((($(date +%s%N) - start) / 1000000))
grep -q "timed wait timed out after 3000 ms" "$out/f.out" || fail "the timed futex wait: $(head -c 600 "$out/f.out")"
# The wait is virtual: natively it takes 3 s; in the kernel it would too.
[ "$ms" -lt 2500 ] || fail "threads futex took $ms ms: the timed futex wait ran in real time"
/usr/bin/python3 - "$out/f.json" <<'PY' || fail "threads futex waited outside the order"
import json, sys
kinds = {u["kind"] for u in json.load(open(sys.argv[1]))["uncontrolled"]}
assert not kinds & {"schedule-outside", "tree-order", "schedule-stall", "schedule-preempted"}, kinds
PY
# Bad arguments give what the kernel gives, inline and through syscall(2).
"$fixture" futex-errors >"$out/native.txt" 2>&1 || fail "threads futex-errors natively"
timeout 60 "$nodice" run -- "$fixture" futex-errors >"$out/nodice.txt" 2>&1 || fail "threads futex-errors under nodice"
diff "$out/native.txt" "$out/nodice.txt" >"$out/errors.diff" || fail "raw futex errors differ from the kernel's: $(cat "$out/errors.diff")"
# torch: the pool's waits stay in the order. Not --strict as a whole: a
# loaded machine can make a thread run 1 s of real time without a
# synchronization point, which is preempted and fails --strict on its own
# (docs/limits.md), before this change as after it.
timeout 600 "$nodice" inspect --cpus 2 --json "$out/t.json" -- /usr/bin/python3 \
	"$(dirname "$0")/../../fixtures/python/torch_threads.py" >"$out/t.out" 2>&1 ||
	fail "inspect on torch with 2 intra-op threads: $(tail -5 "$out/t.out")"
/usr/bin/python3 - "$out/t.json" <<'PY' || fail "torch's pool waited outside the order"
import json, sys
kinds = {u["kind"] for u in json.load(open(sys.argv[1]))["uncontrolled"]}
assert not kinds & {"schedule-outside", "tree-order"}, kinds
PY
echo "ok: raw futex pools and torch's libgomp pool stay in the turn order"
