#!/bin/bash
# Process pools finish under every way of running nodice (issue 12: the gate
# and the inspector hung on them). Usage: pools.sh NODICE FIXTURES RUNS
# Each of four pool programs runs RUNS times under `run`, `run --log`,
# `inspect` and `verify`; every run must finish within its timeout with the
# status the command defines (run: 0; inspect: 0 or 1; verify: 0 or 1, the
# sums are not yet deterministic across processes). Prints
# "pools: N passed, N failed".
set -u
nodice=$(realpath "$1") fixtures=$(realpath "$2") runs=${3:-3}
py=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
pass=0 fail=0
check() { # name, allowed statuses, command...
	local name=$1 allowed=$2
	shift 2
	timeout 60 "$@" >out.txt 2>err.txt
	local rc=$?
	if [[ " $allowed " == *" $rc "* ]]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $name: status $rc ($( [ $rc = 124 ] && echo 'hung: killed after 60 s' || head -c 300 err.txt))"
	fi
}
for mode in imap_unordered map executor queue; do
	for i in $(seq "$runs"); do
		check "run $mode #$i" "0" "$nodice" run -- $py "$fixtures/python/pools.py" $mode
		rm -f log.jsonl
		check "run --log $mode #$i" "0" "$nodice" run --log log.jsonl -- $py "$fixtures/python/pools.py" $mode
		check "inspect $mode #$i" "0 1" "$nodice" inspect -- $py "$fixtures/python/pools.py" $mode
		check "verify $mode #$i" "0 1" "$nodice" verify -n 2 --quiet -- $py "$fixtures/python/pools.py" $mode
	done
done
# Leftover workers would mean a run left its tree behind.
echo "pools: $pass passed, $fail failed"
[ "$fail" = 0 ]
