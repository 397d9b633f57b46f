#!/bin/bash
# Other people's test suites as the bar: runs the pytest suites Debian ships
# inside python3-numpy and python3-sklearn natively and under `nodice run`,
# and checks that every test passing natively passes under nodice.
# Usage: run.sh NODICE MODULE...   (e.g. numpy.random sklearn.model_selection)
set -u
nodice=$(realpath "$1")
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
here=$(cd "$(dirname "$0")" && pwd)
cd "$work"
status=0
for m in "$@"; do
	/usr/bin/python3 -m pytest -p no:cacheprovider -q --pyargs "$m" --junitxml=native.xml >native.txt 2>&1
	"$nodice" run -- /usr/bin/python3 -m pytest -p no:cacheprovider -q --pyargs "$m" --junitxml=nodice.xml >nodice.txt 2>&1
	/usr/bin/python3 "$here/compare.py" native.xml nodice.xml "$m" || status=1
done
exit $status
