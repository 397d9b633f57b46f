#!/bin/bash
# The HTML reports (issue 18): `inspect --html` and `verify --html` on real
# programs (a script with a thread and a fork pool; a pool fed from outside
# the run, which differs; the same script, which repeats) write pages that
# are well-formed (xmllint, as XML), fetch nothing (no src, href or url()),
# and render in headless Chromium: the rendered DOM has the run, the
# environment, the process tree, the sources with the script's Python lines,
# what was uncontrolled, and for verify the verdict, the differing lines
# side by side and the first divergence with its Python line. Screenshots
# are kept in $ARTIFACTS (the build tree's test-artifacts/).
# Usage: html.sh NODICE LIB FIXTURES
. "$(dirname "$0")/checks.sh"
artifacts=${ARTIFACTS:-$work}
mkdir -p "$artifacts"
fx="$fixtures/python/pyframes.py" po="$fixtures/python/pool_outside.py"
browser=$(command -v chromium || command -v chromium-browser)
[ -n "$browser" ] && ok || bad "chromium is not installed (.ci/packages lists it)"
render() { # FILE.html: the DOM Chromium made of it, and a screenshot
	timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --dump-dom \
		"file://$PWD/$1" >"$1.dom" 2>>browser.err
	timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars \
		--window-size=1280,1800 --screenshot="$artifacts/${1%.html}.png" "file://$PWD/$1" >/dev/null 2>>browser.err
	[ -s "$1.dom" ] && [ "$(head -c 8 "$artifacts/${1%.html}.png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ] &&
		[ "$(stat -c %s "$artifacts/${1%.html}.png")" -gt 20000 ] && ok || bad "$1 did not render: $(tail -3 browser.err)"
}
# WHAT.dom must have each of the texts (the DOM's text, entities decoded)
has() {
	$py - "$@" <<'PY'
import sys
from html.parser import HTMLParser
class Text(HTMLParser):
    def __init__(self):
        super().__init__(); self.parts = []
    def handle_data(self, d):
        self.parts.append(d)
p = Text(); p.feed(open(sys.argv[1]).read())
text = " ".join(" ".join(p.parts).split())
missing = [t for t in sys.argv[2:] if t not in text]
if missing:
    sys.exit(f"{sys.argv[1]}: missing {missing}")
PY
}
static_page() { # FILE.html: well-formed, and nothing fetched
	xmllint --noout "$1" 2>xml.err && ok || bad "$1 is not well-formed: $(head -3 xml.err)"
	! grep -qiE '(src|href)=|url\(|@import' "$1" && ok || bad "$1 refers to something outside it"
}

timeout 300 "$nodice" inspect --html inspect.html -- $py "$fx" pool >inspect.out 2>inspect.err && ok ||
	bad "inspect --html failed: $(tail -3 inspect.err)"
static_page inspect.html
render inspect.html
has inspect.html.dom "nodice inspect" "Environment" "x86-64" "Process tree (3 process images)" "Sources" \
	"pyframes.py:5 in <module>" "pyframes.py:9 in in_thread" "pyframes.py:13 in in_worker" \
	"Uncontrolled, and why" "getrandom" && ok || bad "the inspect page lacks what it should show"
[ "$(grep -o 'pid [0-9]*' inspect.html.dom | wc -l)" = 3 ] && ok || bad "the process tree: $(grep -o 'pid [0-9]*' inspect.html.dom)"

rm -f outside
timeout 300 "$nodice" verify -n 2 --html differs.html -- $py "$po" "$PWD/outside" >differs.out 2>differs.err
status=$?
[ $status = 1 ] && ok || bad "verify of a program fed from outside exited $status"
static_page differs.html
render differs.html
line=$(grep -n "os.urandom" "$po" | head -1 | cut -d: -f1)
has differs.html.dom "NOT reproducible" "DIFFERS" "run 1" "run 2" "First divergent intercepted event" \
	"pool_outside.py:$line in task" "Likely causes" "Environment" && ok || bad "the verify page lacks what it should show"
# side by side: the two runs' differing stdout lines in the two cells of one row
$py - differs.html.dom differs.out <<'PY' && ok || bad "the differing lines are not side by side"
import re, sys, html
dom = open(sys.argv[1]).read()
row = re.search(r'<td class="minus"><pre>(.*?)</pre></td><td class="plus"><pre>(.*?)</pre></td>', dom, re.S)
out = open(sys.argv[2]).read()
minus = [l[6:] for l in out.splitlines() if l.startswith("    - ")][0]
plus = [l[6:] for l in out.splitlines() if l.startswith("    + ")][0]
assert row and minus in html.unescape(row.group(1)) and plus in html.unescape(row.group(2)), (row, minus, plus)
PY

timeout 300 "$nodice" verify -n 2 --html same.html -- $py "$fx" >same.out 2>same.err && ok ||
	bad "verify of a reproducible script failed: $(tail -3 same.out)"
static_page same.html
render same.html
has same.html.dom "reproducible" "same" "Environment" && ! has same.html.dom "NOT reproducible" 2>/dev/null && ok ||
	bad "the page of a reproducible run"
finish html
