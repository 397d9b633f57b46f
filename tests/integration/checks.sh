# Sourced by the integration scripts called as `SCRIPT NODICE LIB FIXTURES`:
# the three paths, python, a scratch directory (removed at exit, and the
# working directory), and the pass/fail tally: ok, bad MESSAGE, finish NAME.
set -u
nodice=$(realpath "$1") lib=$(realpath "$2") fixtures=$(realpath "$3")
py=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
finish() {
	echo "$1: $pass passed, $fail failed"
	[ $fail -eq 0 ]
}
