#!/bin/bash
# Runs the compatibility corpus (corpus.txt beside this script) natively and
# under nodice, each program in a fresh directory with the same input, with a
# time bound; checks the expectation of each line (see corpus.txt) and ends
# with "N passed, M failed". NODICE names the command.
set -u
here=$(cd "$(dirname "$0")" && pwd)
corpus=${1:-$here/corpus.txt}
bound=${COMPAT_TIMEOUT:-120}
passed=0 failed=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Runs a command line in a fresh directory; stdout goes to $2.
fresh() {
	local out=$1
	shift
	local dir
	dir=$(mktemp -d "$work/run.XXXXXX")
	seq 1 2000 | awk '{ print ($1 * 7919) % 2003 }' > "$dir/input.txt"
	(cd "$dir" && timeout "$bound" "$@" > "$out" 2> "$out.err" < /dev/null)
}

while IFS= read -r line; do
	case "$line" in "#"* | "") continue ;; esac
	name=${line%% | *}
	rest=${line#* | }
	expect=${rest%% | *}
	cmd=${rest#* | }
	# EXPECT may carry run options after the word: "reported --no-pid-ns".
	opts=${expect#* }
	[ "$opts" = "$expect" ] && opts=""
	expect=${expect%% *}
	ok=1 why=""
	if [ "$expect" = reported ]; then
		# Uncontrolled for real (nodice runs differ) and named by inspect. An
		# uncontrolled source can agree by chance (pids wrap at 32768), so
		# up to three pairs are tried before calling it controlled.
		report="$work/$name.json"
		differ=0
		for attempt in 1 2 3; do
			fresh "$work/$name.a" "$NODICE" run --seed 7 $opts -- bash -c "$cmd"
			fresh "$work/$name.b" "$NODICE" run --seed 7 $opts -- bash -c "$cmd"
			if [ ! -s "$work/$name.a" ]; then
				why="no output"
				break
			fi
			if ! cmp -s "$work/$name.a" "$work/$name.b"; then
				differ=1
				break
			fi
		done
		[ $differ = 1 ] || { ok=0; why=${why:-"the runs agree: nothing uncontrolled to report"}; }
		fresh "$work/$name.inspect" "$NODICE" inspect $opts --json "$report" -- bash -c "$cmd" || { ok=0; why="inspect failed"; }
		grep -q '"kind":"identity"' "$report" 2>/dev/null || { ok=0; why="the uncontrolled source was not reported"; }
	else
		fresh "$work/$name.a" "$NODICE" run --seed 7 $opts -- bash -c "$cmd" || { ok=0; why="exit $? under nodice"; }
		fresh "$work/$name.b" "$NODICE" run --seed 7 $opts -- bash -c "$cmd" || { ok=0; why="exit $? under nodice"; }
		[ $ok = 1 ] && ! cmp -s "$work/$name.a" "$work/$name.b" && { ok=0; why="two nodice runs differ"; }
		[ $ok = 1 ] && [ ! -s "$work/$name.a" ] && { ok=0; why="no output"; }
		if [ $ok = 1 ] && [ "$expect" = same ]; then
			fresh "$work/$name.n" bash -c "$cmd" || { ok=0; why="exit $? natively"; }
			[ $ok = 1 ] && ! cmp -s "$work/$name.a" "$work/$name.n" && { ok=0; why="differs from native"; }
		fi
	fi
	if [ $ok = 1 ]; then
		passed=$((passed + 1))
		echo "ok     $name ($expect)"
	else
		failed=$((failed + 1))
		echo "FAILED $name ($expect): $why"
		tail -3 "$work/$name".*err 2>/dev/null | sed 's/^/       /'
	fi
done < "$corpus"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
