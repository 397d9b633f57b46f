#!/bin/bash
# The JSON Schemas (docs/schema/, draft 2020-12; installed under
# share/nodice/schema) describe the reports the command writes on real
# programs (issue 19): inspect --json of a torch training script and of a
# shell pipeline, audit --json of python3, libtorch and a static binary,
# verify --json of a reproducible training run (with --vary-seed) and of one
# that diverges, and every line of the event logs. Each schema is itself
# valid, and refuses a report broken on purpose (so the check can fail).
# Usage: schemas.sh NODICE LIB FIXTURES
. "$(dirname "$0")/checks.sh"
schemas=$(realpath "$fixtures/../docs/schema")
static=$(dirname "$nodice")/../fixtures/static_getrandom

timeout 300 "$nodice" inspect --json inspect.torch.json --log torch.log -- \
	$py "$fixtures/python/train_torch.py" >/dev/null 2>>err
timeout 120 "$nodice" inspect --json inspect.shell.json --log shell.log -- \
	sh -c 'date; od -An -N4 -tx4 /dev/urandom | sort; "$0"' "$static" >/dev/null 2>>err
timeout 600 "$nodice" audit --json /usr/bin/python3 /usr/lib/x86_64-linux-gnu/libtorch_cpu.so.1.13 "$static" \
	>audit.json 2>>err
timeout 600 "$nodice" verify -n 2 --vary-seed --artifact ckpt.pt --json verify.same.json -- \
	$py "$fixtures/python/train_torch.py" ckpt.pt >/dev/null 2>>err
timeout 120 "$nodice" verify -n 2 --json verify.differs.json -- "$static" >/dev/null 2>>err

$py - "$schemas" <<'PY' && ok || bad "a report does not match its schema"
import json, sys
from jsonschema import Draft202012Validator as V

schemas = sys.argv[1]
def load(name):
    s = json.load(open(f"{schemas}/{name}.schema.json"))
    V.check_schema(s)
    return V(s)

failed = 0
def check(validator, doc, what, want_valid=True):
    global failed
    errors = list(validator.iter_errors(doc))
    if bool(errors) == want_valid:
        failed += 1
        print(f"FAIL {what}: " + ("; ".join(f"{list(e.path)}: {e.message[:200]}" for e in errors[:3])
                                  if errors else "a broken report was accepted"))

inspect, audit, verify, line = load("inspect"), load("audit"), load("verify"), load("log-line")
reports = {name: json.load(open(name)) for name in
           ["inspect.torch.json", "inspect.shell.json", "audit.json", "verify.same.json", "verify.differs.json"]}
for name in ["inspect.torch.json", "inspect.shell.json"]:
    check(inspect, reports[name], name)
check(audit, reports["audit.json"], "audit.json")
check(verify, reports["verify.same.json"], "verify.same.json")
check(verify, reports["verify.differs.json"], "verify.differs.json")
assert reports["verify.same.json"]["identical"] and not reports["verify.differs.json"]["identical"], "verdicts"
paths = [o["path"] for o in reports["audit.json"]["objects"]]
assert "/usr/bin/python3" in paths and any(p.endswith("static_getrandom") for p in paths) and len(paths) > 50, paths[:5]
assert reports["inspect.torch.json"]["knobs"], "knobs in the torch report"
lines = 0
for log in ["torch.log", "shell.log"]:
    for n, text in enumerate(open(log), 1):
        lines += 1
        check(line, json.loads(text), f"{log} line {n}")
assert lines > 50, lines

# broken on purpose: each must be refused
bad = json.loads(json.dumps(reports["inspect.torch.json"])); del bad["sources"]
check(inspect, bad, "inspect without sources", want_valid=False)
bad = json.loads(json.dumps(reports["inspect.torch.json"])); bad["sources"][0]["controlled"] = "yes"
check(inspect, bad, "inspect with a string for controlled", want_valid=False)
bad = json.loads(json.dumps(reports["audit.json"])); bad["objects"][0]["verdict"] = "fine"
check(audit, bad, "audit with an unknown verdict", want_valid=False)
bad = json.loads(json.dumps(reports["verify.differs.json"])); bad["differences"] = []
check(verify, bad, "verify that differs with no differences", want_valid=False)
bad = json.loads(open("torch.log").readline()); bad["lineage"] = "not-hex"
check(line, bad, "a log line with a bad lineage", want_valid=False)
bad = {"type": "process", "pid": 1, "lineage": "0123456789abcdef", "exe": "/x", "argv0": "x", "format": 1}
check(line, bad, "a process record of format 1", want_valid=False)
sys.exit(1 if failed else 0)
PY
finish schemas
