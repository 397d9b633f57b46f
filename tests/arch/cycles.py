"""The architecture check: no cycle of more than MAX object files that call
each other. Reads each object's defined and undefined symbols with nm, draws
an edge A -> B when A uses a symbol B defines, and finds the strongly
connected components (Tarjan). Prints every component of more than one
object, largest first, and fails when one has more than MAX.

Usage: cycles.py MAX DIR [DIR...]   (each DIR holds one target's .o files,
in subfolders or not)
"""
import os
import subprocess
import sys


def symbols(obj):
    out = subprocess.run(["nm", "--defined-only", "-g", obj], capture_output=True, text=True, check=True).stdout
    defined = {line.split()[-1] for line in out.splitlines() if len(line.split()) >= 3}
    out = subprocess.run(["nm", "-u", obj], capture_output=True, text=True, check=True).stdout
    used = {line.split()[-1] for line in out.splitlines() if line.strip()}
    return defined, used


def components(graph):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    limit = int(sys.argv[1])
    objs = {}
    for d in sys.argv[2:]:
        for root, _, names in os.walk(d):
            for name in sorted(names):
                if name.endswith(".c.o"):
                    objs[name[:-4]] = os.path.join(root, name)
    if not objs:
        print("no objects found in", sys.argv[2:])
        return 1
    table = {name: symbols(path) for name, path in objs.items()}
    owner = {}
    for name, (defined, _) in table.items():
        for s in defined:
            owner[s] = name
    graph = {name: {owner[s] for s in used if s in owner and owner[s] != name} for name, (_, used) in table.items()}
    cycles = sorted((c for c in components(graph) if len(c) > 1), key=len, reverse=True)
    for c in cycles:
        print(f"cycle of {len(c)}: {' '.join(c)}")
    worst = len(cycles[0]) if cycles else 1
    print(f"{len(objs)} objects, largest cycle {worst} (limit {limit})")
    return 1 if worst > limit else 0


sys.exit(main())
