#!/bin/bash
# Runs a real program under nodice with seed 7 twice and seed 8 once, and
# compares the outputs byte for byte.
#
#   twice.sh MODE EXPECT -- CMD [ARG...]
#   MODE    run      through `nodice run --seed N`
#           preload  through LD_PRELOAD=libnodice.so NODICE_SEED=N (no command)
#   EXPECT  varies   the output must change with the seed (the program draws randomness)
#           fixed    the output must not change with the seed (no source the seed moves)
# NODICE and NODICE_LIB name the command and the library.
set -u
mode=$1 expect=$2
shift 3
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run() {
	local seed=$1 file=$2
	shift 2
	# Identical runs make identical temporary names: each gets its own TMPDIR
	# so that runs going on at the same time do not collide.
	mkdir -p "$file.tmp"
	export TMPDIR=$file.tmp
	case $mode in
	run) "$NODICE" run --seed "$seed" -- "$@" >"$file" 2>"$file.err" ;;
	preload) LD_PRELOAD="$NODICE_LIB" NODICE_SEED=$seed "$@" >"$file" 2>"$file.err" ;;
	esac
	local rc=$?
	if [ $rc -ne 0 ]; then
		echo "FAIL: exit $rc (seed $seed): $*"
		cat "$file.err"
		exit 1
	fi
}

run 7 "$out/a" "$@"
run 7 "$out/b" "$@"
run 8 "$out/c" "$@"
if [ ! -s "$out/a" ]; then
	echo "FAIL: no output from: $*"
	exit 1
fi
if ! cmp -s "$out/a" "$out/b"; then
	echo "FAIL: two runs with seed 7 differ: $*"
	diff "$out/a" "$out/b" | head -20
	exit 1
fi
if [ "$expect" = varies ] && cmp -s "$out/a" "$out/c"; then
	echo "FAIL: seed 8 gives the same output as seed 7: $*"
	exit 1
fi
if [ "$expect" = fixed ] && ! cmp -s "$out/a" "$out/c"; then
	echo "FAIL: output depends on the seed: $*"
	exit 1
fi
echo "ok: $mode $expect: $* ($(wc -c <"$out/a") bytes, identical twice)"
