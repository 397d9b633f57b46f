"""Whether an `inspect --json` report of fixtures/python/child_waits.py says
that its waits for children stayed in the order: no thread left the
scheduler for them or lost its turn while asleep in the kernel, none
rejoined its process on real time (dash's own SIGCHLD handler, a moment of
real time of its own, aside: docs/limits.md), and, for asyncio, none of the
loop's waits went to the kernel. Prints what was left; exit status 1 then.

Usage: waits_clean.py REPORT.json asyncio|ties|threads|any"""
import json
import sys

r = json.load(open(sys.argv[1]))
seen = [(u["kind"], u["detail"]) for u in r["uncontrolled"] if u["observed"]]
kinds = ("schedule-outside", "schedule-preempted") + (("real-wait",) if sys.argv[2] in ("asyncio", "ties") else ())
left = [s for s in seen if s[0] in kinds or
        (s[0] == "tree-order" and not s[1].startswith("a SIGCHLD handler ran in the middle"))]
if r["exit_status"] != 0 or left:
    print("exit status %s, left: %s" % (r["exit_status"], left))
    sys.exit(1)
