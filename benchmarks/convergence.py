"""End-to-end time of a 12-level convergence study (tau = 2^-4 ... 2^-15, t_end = 10).

Includes the DOP853 reference solve and the dense-output evaluation at every
iterate time (about 655 000 iterates in all). The first call compiles the scheme
and is reported separately; the target applies to the calls after it.

Run: ``.venv/bin/python benchmarks/convergence.py``
Target (foundation issue): under 2 s after the first call.
"""

from __future__ import annotations

import time

import numpy as np
import sympy as sp

import limitdyn as ld

REPEATS = 5


def main() -> None:
    x, y, xr = sp.symbols("x y x_r")
    scheme = ld.alternating([(y, [x - xr]), (x, [-y])])
    taus = 2.0 ** -np.arange(4, 16)

    def study() -> ld.ConvergenceStudy:
        return ld.convergence_study(
            scheme, [1.0, 0.0], t_end=10.0, taus=taus, params={"x_r": 0.5}, progress=False
        )

    start = time.perf_counter()
    result = study()
    first = time.perf_counter() - start
    later = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        study()
        later.append(time.perf_counter() - start)
    print(f"12-level convergence study, {int(sum(10 / taus))} iterates in all")
    print(f"  first call (compiles):  {first:.3f} s")
    low, mid, high = min(later), float(np.median(later)), max(later)
    print(f"  later calls: min {low:.3f} s, median {mid:.3f} s, max {high:.3f} s")
    print(f"  measured order {result.order:.4f}")
    ok = np.median(later) < 2.0
    print(f"target: median later call < 2 s: {'PASS' if ok else 'FAIL'}")


if __name__ == "__main__":
    main()
