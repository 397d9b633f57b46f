"""The process-pool benchmark (bench/run.c): CPU-bound tasks on a
multiprocessing.Pool of N workers (argv[1]); prints the sum of the results.
With a payload (argv[2], bytes), 32 shorter tasks each carry that much data
and go one by one (imap, chunksize 1): the parent's task handler blocks on
the full task pipe while the workers compute, so its threads' waits are on
the way of the pool's throughput."""
import multiprocessing
import sys


def task(arg):
    x, data, n = arg
    x += len(data)
    for _ in range(n):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
    return x


if __name__ == "__main__":
    payload = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    with multiprocessing.Pool(int(sys.argv[1])) as pool:
        if payload:
            print(sum(pool.imap(task, [(i, bytes(payload), 300_000) for i in range(32)], chunksize=1)))
        else:
            print(sum(pool.map(task, [(i, b"", 1_000_000) for i in range(16)])))
