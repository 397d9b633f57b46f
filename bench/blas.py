"""The threaded-BLAS benchmark (bench/run.c, issue 15): 1024x1024 matmuls on
numpy's BLAS with N threads (argv[1]; under `nodice run --cpus N` the count
nodice exports is kept). Prints a checksum of the last product (of a, with 0 products)."""
import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", sys.argv[1])

import numpy as np  # noqa: E402

a = np.random.default_rng(0).standard_normal((1024, 1024))
b = a.T.copy()
c = a
for _ in range(int(sys.argv[2]) if len(sys.argv) > 2 else 30):
    c = a @ b
print(round(float(c[0, 0]), 6))
