#!/bin/bash
# The three equalities of a reproducible training run (issue 7):
#   seed 7 twice                       -> the same checkpoint
#   seed 8                             -> another checkpoint
#   seed 7 pinned to one CPU (taskset) -> the same checkpoint as unpinned
# With ALT set, seed 7 with the command's last argument replaced by ALT must
# give the same checkpoint too (e.g. ranks launched in the reverse order).
# Compares the "checkpoint sha256" line.  training.sh -- CMD [ARG...]
set -u
shift
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

checkpoint() {
	local name=$1
	shift
	mkdir -p "$out/$name.tmp"
	TMPDIR=$out/$name.tmp "$@" >"$out/$name" 2>"$out/$name.err"
	local rc=$?
	local h
	h=$(sed -n 's/^checkpoint sha256 //p' "$out/$name")
	if [ $rc -ne 0 ] || [ -z "$h" ]; then
		echo "FAIL: $name: exit $rc, no checkpoint: $*" >&2
		tail -5 "$out/$name.err" >&2
		exit 1
	fi
	echo "$h"
}

a=$(checkpoint a "$NODICE" run --seed 7 -- "$@") || exit 1
b=$(checkpoint b "$NODICE" run --seed 7 -- "$@") || exit 1
c=$(checkpoint c "$NODICE" run --seed 8 -- "$@") || exit 1
d=$(checkpoint d taskset -c 0 "$NODICE" run --seed 7 -- "$@") || exit 1
[ "$a" = "$b" ] || { echo "FAIL: two runs with seed 7 differ: $a $b"; exit 1; }
[ "$a" != "$c" ] || { echo "FAIL: seed 8 gives the seed-7 checkpoint"; exit 1; }
[ "$a" = "$d" ] || { echo "FAIL: pinned to CPU 0 differs from unpinned: $d $a"; exit 1; }
if [ -n "${ALT:-}" ]; then
	args=("$@")
	args[${#args[@]}-1]=$ALT
	e=$(checkpoint e "$NODICE" run --seed 7 -- "${args[@]}") || exit 1
	[ "$a" = "$e" ] || { echo "FAIL: with '$ALT' the checkpoint differs: $e $a"; exit 1; }
fi
echo "ok: $a (rerun, pinned${ALT:+, $ALT} equal; seed 8: $c)"
