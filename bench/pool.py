"""The process-pool benchmark (bench/run.c): 16 CPU-bound tasks on a
multiprocessing.Pool of N workers (argv[1]); prints the sum of the results."""
import multiprocessing
import sys


def task(i):
    x = i
    for _ in range(1_000_000):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
    return x


if __name__ == "__main__":
    with multiprocessing.Pool(int(sys.argv[1])) as pool:
        print(sum(pool.map(task, range(16))))
