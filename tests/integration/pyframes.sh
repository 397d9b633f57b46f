#!/bin/bash
# Python lines for call sites (issue 18): `inspect --json` names, for each
# site reached from Python code, the Python frames of the calling thread
# (file, line, function; innermost first). A script that imports random at
# line 1 (random.py seeds itself from os.urandom) and calls os.urandom at
# line 5 gets both lines under getrandom, with the script's file name; so
# do a thread, fork-pool workers, DataLoader workers and torchrun ranks.
# The human report shows the user's lines first. Every CPython found in
# pyenv's tree (3.8-3.13 here) is checked too when present.
# Usage: pyframes.sh NODICE LIB FIXTURES
. "$(dirname "$0")/checks.sh"
fx="$fixtures/python/pyframes.py"

# expect_lines JSON SYMBOL FILE-SUFFIX LINE [LINE...]: each line of the file
# is a frame of some site of the symbol
expect_lines() {
	$py - "$@" <<'PY'
import json, sys
path, symbol, suffix, *lines = sys.argv[1:]
report = json.load(open(path))
seen = set()
for source in report["sources"]:
    if source["symbol"] != symbol:
        continue
    for site in source["sites"]:
        for f in site.get("python", []):
            if f["file"].endswith(suffix):
                seen.add(str(f["line"]))
missing = [l for l in lines if l not in seen]
if missing:
    sys.exit(f"{symbol}: no site at {suffix} line(s) {missing}; lines seen {sorted(seen)}")
PY
}

timeout 300 "$nodice" inspect --json main.json -- $py "$fx" pool >main.out 2>main.err && ok ||
	bad "inspect failed: $(tail -3 main.err)"
# line 5 (the script), line 1 (import random), line 9 (a thread), line 13 (pool workers)
expect_lines main.json getrandom pyframes.py 5 1 9 13 && ok || bad "main: lines missing"
# line 1 is reached through random.py's seeding
$py - main.json <<'PY' && ok || bad "import random: no site with random.py under pyframes.py:1"
import json, sys
r = json.load(open(sys.argv[1]))
assert any(any(f["file"].endswith("/random.py") for f in s.get("python", [])) and
           any(f["file"].endswith("pyframes.py") and f["line"] == 1 for f in s["python"])
           for src in r["sources"] if src["symbol"] == "getrandom" for s in src["sites"])
PY
# the human report: the script's lines, innermost function named
grep -q "pyframes.py:5 in <module>" main.out && grep -q "pyframes.py:9 in in_thread" main.out &&
	grep -q "pyframes.py:13 in in_worker" main.out && ok || bad "human report: $(grep -A8 getrandom main.out | head -12)"

# DataLoader workers (forked): the dataset's line in the worker
timeout 300 "$nodice" inspect --json loader.json -- $py "$fixtures/python/loader_shutdown.py" >loader.out 2>loader.err && ok ||
	bad "inspect of the DataLoader failed: $(tail -3 loader.err)"
line=$(grep -n "os.urandom" "$fixtures/python/loader_shutdown.py" | head -1 | cut -d: -f1)
expect_lines loader.json getrandom loader_shutdown.py "$line" && ok || bad "DataLoader worker line missing"

# torchrun ranks (Debian's torch 1.13 on Python 3.11 needs --redirects/--tee
# other than 0, a bug of its own)
cat >rank.py <<'PY'
import os
salt = os.urandom(4)  # line 2
print(os.environ["RANK"], len(salt))
PY
timeout 300 "$nodice" inspect --json ranks.json -- /usr/bin/torchrun --standalone --nproc_per_node=2 --redirects 1 --tee 1 \
	rank.py >ranks.out 2>ranks.err && ok ||
	bad "inspect of torchrun failed: $(tail -3 ranks.err)"
expect_lines ranks.json getrandom rank.py 2 && ok || bad "torchrun ranks' line missing"

# verify names the Python line of the first divergence: pool workers draw as
# many times as a file each run appends to is long (state left by the run before)
rm -f outside
po="$fixtures/python/pool_outside.py"
timeout 300 "$nodice" verify -n 2 --json verify.json -- $py "$po" "$PWD/outside" >verify.out 2>verify.err
status=$?
[ $status = 1 ] && ok || bad "verify of a program fed from outside exited $status: $(tail -5 verify.out)"
line=$(grep -n "os.urandom" "$po" | head -1 | cut -d: -f1)
$py - verify.json "$line" <<'PY' && ok || bad "verify: the divergence names no Python line: $(grep -A3 'first divergent' verify.out)"
import json, sys
event = json.load(open(sys.argv[1]))["first_divergent_event"]
py = event["python"]
assert py["file"].endswith("pool_outside.py") and py["line"] == int(sys.argv[2]), py
assert py["function"] == "task" and py["calls"][0] != py["calls"][1], py
assert event["runs"] == [1, 2], event
PY
grep -q "first divergence: getrandom at .*pool_outside.py:$line in task — run 1: [0-9]* calls, run 2: [0-9]*" verify.out && ok ||
	bad "verify's report: $(grep -A3 'first divergent' verify.out)"

# the environment record: the Python that ran, the packages whose code was
# loaded (with the versions their metadata give), the variables as the
# program saw them (the knobs nodice set included), the options
$py - main.json loader.json <<'PY' && ok || bad "the environment record of inspect is wrong"
import json, sys, platform, importlib.metadata as m
main, loader = (json.load(open(f))["environment"] for f in sys.argv[1:])
assert main["libraries"]["python"] == platform.python_version(), main["libraries"]
assert "torch" not in main["libraries"], main["libraries"]  # not loaded by that script
for name in ("torch", "numpy"):
    assert loader["libraries"][name] == m.version(name), (name, loader["libraries"])
assert loader["variables"]["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8", loader["variables"]
assert loader["variables"]["OMP_NUM_THREADS"] == "1", loader["variables"]
assert main["options"] == ["--json", "main.json"], main["options"]
assert main["isa"].startswith("x86-64") and main["kernel"] and main["glibc"], main
PY
# verify --against a record from "another machine": its differences come
# first among the likely causes
timeout 300 "$nodice" verify -n 2 --record rec.json -- $py "$fx" >/dev/null 2>>rec.err && ok || bad "verify --record failed"
$py - <<'PY'
import json
r = json.load(open("rec.json"))
r["environment"]["libraries"]["python"] = "3.99.0"
r["environment"]["variables"]["OMP_NUM_THREADS"] = "64"
r["hashes"]["stdout"] = "0" * 64
json.dump(r, open("other.json", "w"))
PY
timeout 300 "$nodice" verify --against other.json --json against.json -- $py "$fx" >against.out 2>>rec.err
$py - <<'PY' && ok || bad "verify --against: $(grep -A4 'likely causes' against.out)"
import json
causes = json.load(open("against.json"))["likely_causes"]
assert causes[0] == 'libraries python: "%s" here, "3.99.0" in the record' % json.load(open("rec.json"))["environment"]["libraries"]["python"], causes
assert causes[1] == 'variables OMP_NUM_THREADS: "1" here, "64" in the record', causes
PY

# the reports with Python lines keep to their schemas
$py - "$fixtures/../docs/schema" <<'PY' && ok || bad "a report with Python lines breaks its schema"
import json, sys, jsonschema
schema = lambda name: json.load(open(f"{sys.argv[1]}/{name}.schema.json"))
jsonschema.validate(json.load(open("main.json")), schema("inspect"))
jsonschema.validate(json.load(open("loader.json")), schema("inspect"))
jsonschema.validate(json.load(open("verify.json")), schema("verify"))
PY

# frames that cannot be read (a stand-in for CPython whose thread state
# points at unmapped memory, as a signal handler may catch CPython's between
# two stores): the fault is caught, the call gets C frames only, and the
# program runs on
broken=$(dirname "$nodice")/../fixtures/broken_python
timeout 60 "$nodice" run --log broken.log -- "$broken" >broken.out 2>broken.err
[ $? = 0 ] && [ "$(cat broken.out)" = "drew 24 bytes" ] && ok || bad "a fault while reading frames: $(cat broken.out broken.err)"
$py - broken.log <<'PY' && ok || bad "the stand-in's getrandom site"
import json, sys
sites = [json.loads(l) for l in open(sys.argv[1]) if '"type":"site"' in l]
assert any(s["symbol"] == "getrandom" and "python" not in s for s in sites), sites
PY

# other CPythons, when this machine has them (pyenv); Debian's is checked
# above. Line 1 is not asked of them: a .pth file of theirs may import random
# at start-up, before the script does.
for other in /root/.pyenv/versions/3.*/bin/python3; do
	[ -x "$other" ] || continue
	v=$("$other" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
	case $v in 3.8 | 3.9 | 3.10 | 3.11 | 3.12 | 3.13) ;; *) continue ;; esac
	timeout 300 "$nodice" inspect --json "py$v.json" -- "$other" "$fx" >/dev/null 2>>"py$v.err" && ok ||
		bad "inspect under Python $v failed: $(tail -3 "py$v.err")"
	expect_lines "py$v.json" getrandom pyframes.py 5 9 && ok || bad "Python $v: lines missing"
done
finish pyframes
