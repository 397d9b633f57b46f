"""The architecture check on file size: no source file of the given
folders over MAX lines (a file that grows past it holds more than one
concern and is split by concern, not by line count).

Usage: lengths.py MAX DIR [DIR...]
"""
import os
import sys

limit = int(sys.argv[1])
over = []
count = 0
for d in sys.argv[2:]:
    for root, _, names in os.walk(d):
        for name in sorted(names):
            if name.endswith((".c", ".h")):
                path = os.path.join(root, name)
                with open(path, encoding="utf-8") as f:
                    n = sum(1 for _ in f)
                count += 1
                if n > limit:
                    over.append((n, path))
for n, path in sorted(over, reverse=True):
    print(f"{path}: {n} lines (limit {limit})")
print(f"{count} files, {len(over)} over {limit} lines")
sys.exit(1 if over else 0)
