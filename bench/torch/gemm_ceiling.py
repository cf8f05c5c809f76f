# This machine's single-core GEMM speed with numpy for given shapes: the ceiling a step's matrix products could reach.
#
# Usage: python3 gemm_ceiling.py float64|float32 SECONDS M,K,N [M,K,N ...]
# For each shape, (M x K) @ (K x N) in the given precision on one thread, repeated in blocks for about SECONDS;
# prints JSON: per shape the best and median block's GFLOP/s (2 M K N flops per product), and the BLAS library loaded.
import json
import os
import sys
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before numpy loads its BLAS

import numpy as np


def blas_library():
    """The BLAS shared object this process mapped (Debian picks it through alternatives)."""
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line.rsplit("/", 1)[-1]}
    return sorted(os.path.realpath(p) for p in paths)


def measure(m, k, n, dtype, seconds):
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype)
    out = np.empty((m, n), dtype=dtype)
    np.matmul(a, b, out=out)
    reps = 1
    while True:  # a block of about a tenth of the budget
        start = time.perf_counter()
        for _ in range(reps):
            np.matmul(a, b, out=out)
        if time.perf_counter() - start > seconds / 10 or reps > 1 << 24:
            break
        reps *= 2
    rates, end = [], time.perf_counter() + seconds
    while time.perf_counter() < end or len(rates) < 3:
        start = time.perf_counter()
        for _ in range(reps):
            np.matmul(a, b, out=out)
        rates.append(2 * m * k * n * reps / (time.perf_counter() - start) / 1e9)
    rates.sort()
    return {"shape": [m, k, n], "gflops": rates[-1], "gflopsMedian": rates[len(rates) // 2], "blocks": len(rates)}


if __name__ == "__main__":
    if len(sys.argv) < 4 or sys.argv[1] not in ("float64", "float32"):
        sys.stderr.write("usage: gemm_ceiling.py float64|float32 SECONDS M,K,N [M,K,N ...]\n")
        sys.exit(2)
    dtype, seconds = np.dtype(sys.argv[1]), float(sys.argv[2])
    shapes = [tuple(int(v) for v in s.split(",")) for s in sys.argv[3:]]
    rows = [measure(m, k, n, dtype, seconds) for m, k, n in shapes]
    print(json.dumps({"numpy": np.__version__, "blas": blas_library(), "dtype": sys.argv[1], "shapes": rows}))
