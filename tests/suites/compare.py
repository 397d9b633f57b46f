"""Compares two pytest JUnit XML reports: every test that passed natively
must pass under nodice. Prints 'suites: N passed, N failed' (N: tests that
passed natively; failed: those that did not pass under nodice)."""
import sys
import xml.etree.ElementTree as ET


def passed(path):
    ok = set()
    for case in ET.parse(path).iter("testcase"):
        if not any(child.tag in ("failure", "error", "skipped") for child in case):
            ok.add(case.get("classname", "") + "::" + case.get("name", ""))
    return ok


native, nodice = passed(sys.argv[1]), passed(sys.argv[2])
lost = sorted(native - nodice)
for name in lost:
    print("passes natively, not under nodice:", name)
print(f"{sys.argv[3]}: {len(native)} passed natively, {len(native & nodice)} under nodice")
print(f"suites: {len(native) - len(lost)} passed, {len(lost)} failed")
sys.exit(1 if lost or not native else 0)
