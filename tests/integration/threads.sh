#!/bin/bash
# Runs a multithreaded program under nodice twice unpinned and once pinned to
# CPU 0 (`taskset -c 0`), and compares the outputs byte for byte: the
# deterministic scheduler must make the interleaving independent of how many
# cores the kernel gives the program and of their timing.
#
#   threads.sh EXPECT [NODICE-OPTION...] -- CMD [ARG...]
#   EXPECT  same     the three runs are identical
#           native   ... and equal to a native run (the output does not
#                    depend on the interleaving: sort, xz), checking that the
#                    program still works under the scheduler
# NODICE names the command. Every run has a 300 s limit: a hang fails.
set -u
expect=$1
shift
opts=()
while [ "$1" != "--" ]; do
	opts+=("$1")
	shift
done
shift
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run() {
	local file=$1
	shift
	mkdir -p "$file.tmp"
	TMPDIR=$file.tmp timeout 300 "$@" >"$file" 2>"$file.err"
	local rc=$?
	if [ $rc -ne 0 ]; then
		echo "FAIL: exit $rc: $*"
		tail -5 "$file.err"
		exit 1
	fi
}

run "$out/a" "$NODICE" run --seed 7 "${opts[@]}" -- "$@"
run "$out/b" "$NODICE" run --seed 7 "${opts[@]}" -- "$@"
run "$out/c" taskset -c 0 "$NODICE" run --seed 7 "${opts[@]}" -- "$@"
[ -s "$out/a" ] || { echo "FAIL: no output: $*"; exit 1; }
cmp -s "$out/a" "$out/b" || { echo "FAIL: two runs differ: $*"; diff "$out/a" "$out/b" | head -5; exit 1; }
cmp -s "$out/a" "$out/c" || { echo "FAIL: pinned to CPU 0 differs: $*"; diff "$out/a" "$out/c" | head -5; exit 1; }
if [ "$expect" = native ]; then
	run "$out/n" "$@"
	cmp -s "$out/a" "$out/n" || { echo "FAIL: output differs from native: $*"; exit 1; }
fi
echo "ok: $(sha256sum <"$out/a" | cut -c1-16) three times (${opts[*]:-default options})"
