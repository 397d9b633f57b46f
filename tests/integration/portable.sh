#!/bin/bash
# --portable (issue 7): results no longer depend on the CPU generation.
# An older CPU is simulated by switching off AVX and later in every
# dispatcher (the same switches a user would reach for). Then:
#   plain run here  vs plain run "older CPU"      -> differ (dispatch changes results)
#   --portable here vs --portable "older CPU"     -> the same
# portable.sh -- CMD [ARG...]   (compares the "checkpoint sha256" line)
set -u
shift
older=(env
	"NPY_DISABLE_CPU_FEATURES=AVX F16C FMA3 AVX2 AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL"
	ATEN_CPU_CAPABILITY=default DNNL_MAX_CPU_ISA=SSE41 OPENBLAS_CORETYPE=Nehalem
	GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX2,-FMA,-AVX)
hash() { "$@" 2>/dev/null | sed -n 's/^checkpoint sha256 //p'; }
plain_here=$(hash "$NODICE" run --seed 7 -- "$@")
plain_older=$(hash "${older[@]}" "$NODICE" run --seed 7 -- "$@")
portable_here=$(hash "$NODICE" run --seed 7 --portable -- "$@")
portable_older=$(hash "${older[@]}" "$NODICE" run --seed 7 --portable -- "$@")
for h in "$plain_here" "$plain_older" "$portable_here" "$portable_older"; do
	[ -n "$h" ] || { echo "FAIL: a run printed no checkpoint"; exit 1; }
done
[ "$plain_here" != "$plain_older" ] || { echo "FAIL: the plain runs agree: this workload does not show dispatch"; exit 1; }
[ "$portable_here" = "$portable_older" ] || { echo "FAIL: --portable differs across CPUs: $portable_here $portable_older"; exit 1; }
echo "ok: plain $plain_here vs $plain_older; portable $portable_here on both"
