#!/bin/bash
# A program on a stand-in GPU driver (fixtures/c/fakecuda.c, built as
# libcuda.so.1: driver threads, a shared-memory ring, an eventfd the device
# thread blocks on, a timed-wait housekeeping thread, and synchronization by
# spinning, yielding or futex blocking) runs under the shim and exits as
# natively, with the same output, twice, unpinned and on one CPU, through
# the command and the library alone; inspect names the GPU runtime (fails
# --strict) and, for the pure spin, the preemption it took (docs/gpu.md).
# Usage: gpu_standin.sh NODICE LIB CUDA_APP
. "$(dirname "$0")/checks.sh"
app=$fixtures # the third argument is the program here

for mode in yield blocking spin; do
	n=6
	[ $mode = spin ] && n=2 # each wait of a pure spin costs the 1 s preemption bound
	FAKECUDA_SCHED=$mode timeout 60 "$app" $n >native.$mode 2>>err || bad "$mode: native run failed"
	for i in 1 2; do
		FAKECUDA_SCHED=$mode timeout 120 "$nodice" run -- "$app" $n >run.$mode.$i 2>>err
		rc=$?
		[ $rc = 0 ] && cmp -s native.$mode run.$mode.$i && ok ||
			bad "$mode: run $i exit $rc, differs from native: $(diff native.$mode run.$mode.$i | head -4)"
	done
	FAKECUDA_SCHED=$mode timeout 120 taskset -c 0 "$nodice" run -- "$app" $n >pinned.$mode 2>>err
	cmp -s native.$mode pinned.$mode && ok || bad "$mode: on one CPU: $(diff native.$mode pinned.$mode | head -4)"
	FAKECUDA_SCHED=$mode timeout 120 env LD_PRELOAD="$lib" "$app" $n >alone.$mode 2>>err
	cmp -s native.$mode alone.$mode && ok || bad "$mode: library alone: $(diff native.$mode alone.$mode | head -4)"
	grep -q '^batch: done' native.$mode && ok || bad "$mode: the stand-in did not finish natively: $(cat native.$mode)"

	FAKECUDA_SCHED=$mode timeout 120 "$nodice" inspect --strict --json report.$mode -- "$app" $n >/dev/null 2>>err
	[ $? = 1 ] && ok || bad "$mode: inspect --strict passes a run that loaded a GPU runtime"
	$py - report.$mode $mode <<'PY' && ok || bad "$mode: inspect's findings: $(grep -o '"kind":"[a-z-]*"' report.$mode | sort -u | tr '\n' ' ')"
import json, sys
kinds = {u["kind"] for u in json.load(open(sys.argv[1]))["uncontrolled"] if u["observed"]}
assert "gpu" in kinds, kinds
# a pure spin holds the turn until the watchdog's bound: said, not hidden
assert ("schedule-preempted" in kinds) == (sys.argv[2] == "spin"), kinds
PY
done
cmp -s native.yield native.blocking && ok || bad "the stand-in's modes disagree natively"
finish gpu_standin
