# Sourced by integration scripts: $out, a scratch directory removed on exit,
# and fail MESSAGE, which prints "FAIL: MESSAGE" and exits 1.
set -u
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
