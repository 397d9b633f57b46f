"""N Python-level clock reads (time.time, time.perf_counter) and N/100
os.urandom draws from three functions of this file: under the log, each
call is looked up by its Python lines (docs/python.md)."""
import os
import sys
import time


def wall():
    return time.time()


def perf():
    return time.perf_counter()


def draw():
    return os.urandom(8)


total = 0.0
for i in range(int(sys.argv[1]) // 2):
    total += wall() + perf()
    if i % 50 == 0:
        draw()
