"""The threaded-torch benchmark (bench/run.c, issue 15): an elementwise loop
over 4 M floats in place (mul, add, sin: each op one OpenMP parallel region
of torch's intra-op pool, libgomp) with N threads (argv[1]) for argv[2]
iterations. In place, so the loop allocates nothing and its time is the
pool's compute and barriers. Prints a checksum."""
import sys

import torch

torch.set_num_threads(int(sys.argv[1]))
x = torch.rand(4_000_000, generator=torch.Generator().manual_seed(0))
for _ in range(int(sys.argv[2]) if len(sys.argv) > 2 else 300):
    x.mul_(0.999).add_(0.25).sin_()
print(float(x.sum()))
