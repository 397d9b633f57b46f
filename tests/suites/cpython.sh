#!/bin/bash
# CPython's own test suite (Debian's libpython3.11-testsuite) as the bar:
# runs each module natively and under `nodice run`, and compares test by test
# (compare.py: every test passing natively must pass under nodice). Too long
# for CI; docs/compatibility.md has its latest figures.
#
# Usage: cpython.sh NODICE CLOCKGUARD TIMEOUT MODULE...   e.g. test_os test_time
# A MODULE may be MODULE:PATTERN, to run only the tests regrtest's -m PATTERN
# matches (test_multiprocessing_fork:'WithManager*').
# Under nodice each module runs behind CLOCKGUARD (fixtures/clockguard kill):
# as root, a regression that sets the real clock kills the test instead of
# moving the machine's clock. TIMEOUT (seconds) bounds each run; a module that
# does not finish is reported as timed out, never waited for.
set -u
nodice=$(realpath "$1") guard=$(realpath "$2") limit=$3
shift 3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# regrtest works in $TMPDIR/test_python_<pid>, and under nodice the pid is
# the same in every run: two runs at once would share it.
export TMPDIR=$work
here=$(cd "$(dirname "$0")" && pwd)
cd "$work"
status=0
for m in "$@"; do
	rm -f native.xml nodice.xml
	only=()
	case $m in *:*) only=(-m "${m#*:}") ;; esac
	t0=$(date +%s)
	timeout "$limit" /usr/bin/python3 -m test "${m%%:*}" "${only[@]}" --junit-xml native.xml >native.txt 2>&1
	t1=$(date +%s)
	timeout "$limit" "$guard" kill "$nodice" run -- /usr/bin/python3 -m test "${m%%:*}" "${only[@]}" \
		--junit-xml nodice.xml >nodice.txt 2>&1
	rc=$?
	t2=$(date +%s)
	echo "$m: native $((t1 - t0)) s, nodice $((t2 - t1)) s"
	if [ ! -s native.xml ]; then
		echo "$m: no native report (natively: $(tail -1 native.txt))"
		continue
	fi
	if [ $rc -eq 124 ] || [ ! -s nodice.xml ]; then
		echo "$m: under nodice: no report (exit $rc): $(tail -3 nodice.txt | tr '\n' ' ')"
		status=1
		continue
	fi
	/usr/bin/python3 "$here/compare.py" native.xml nodice.xml "$m" || status=1
done
exit $status
