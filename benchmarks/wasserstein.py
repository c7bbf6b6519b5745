"""Benchmark of the exact ``limitdyn.particles.wasserstein`` against what a practitioner
would write, measured side by side in one run (each value checked equal first).

- exact W2 of 2000 x 1800 Gaussian clouds in 2-D (target: under 3 s): ``wasserstein``
  against ``ot.emd2(a, b, ot.dist(x, y))`` called directly (POT's own recipe);
- the old exact path, the transport linear program solved by scipy's HiGHS, at a small
  size (300 x 200) where it still runs, against ``wasserstein`` at the same size;
- equal uniform clouds (2000 x 2000): ``wasserstein`` against
  ``scipy.optimize.linear_sum_assignment`` on the squared distances.

Usage::

    .venv/bin/python benchmarks/wasserstein.py
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import ot
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

from limitdyn.particles import wasserstein
from limitdyn.particles._metrics import _cost, _highs_scaled

REPEATS = 3  # best of, interleaved: the machine is shared and noisy
TARGET_S = 3.0


def best(fns: dict[str, Callable[[], float]]) -> tuple[dict[str, float], dict[str, float]]:
    """Best time of each function over interleaved repeats, and its value."""
    times = {k: float("inf") for k in fns}
    values: dict[str, float] = {}
    for _ in range(REPEATS):
        for k, fn in fns.items():
            t = time.perf_counter()
            values[k] = float(fn())
            times[k] = min(times[k], time.perf_counter() - t)
    return times, values


def report(title: str, fns: dict[str, Callable[[], float]], rtol: float) -> dict[str, float]:
    # every function computes the same value, checked before timing
    values = {k: float(fn()) for k, fn in fns.items()}
    ref = next(iter(values.values()))
    for k, v in values.items():
        assert abs(v - ref) <= rtol * abs(ref), f"{k}: {v!r} != {ref!r}"
    times, _ = best(fns)
    first = next(iter(times))
    print(f"{title}, best of {REPEATS}")
    for k, t in times.items():
        print(f"  {k:<44s} {t:8.3f} s   W2 = {values[k]:.12f}")
    for k, t in list(times.items())[1:]:
        print(f"  ratio {k} / {first}: {t / times[first]:.2f}x")
    return times


def main() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 2))
    y = 1.3 * rng.normal(size=(1800, 2)) + [0.5, 0.0]

    def pot_direct(x: np.ndarray = x, y: np.ndarray = y) -> float:
        a = np.full(x.shape[0], 1.0 / x.shape[0])
        b = np.full(y.shape[0], 1.0 / y.shape[0])
        return float(np.sqrt(ot.emd2(a, b, ot.dist(x, y), numItermax=10**8)))

    times = report(
        "exact W2, 2000 x 1800 clouds in 2-D",
        {
            "limitdyn wasserstein (auto)": lambda: wasserstein(x, y),
            "ot.emd2(ot.dist) direct": pot_direct,
        },
        rtol=1e-9,
    )
    t = times["limitdyn wasserstein (auto)"]
    print(
        f"target: exact W2 of 2000 x 1800 under {TARGET_S:g} s: {t:.3f} s "
        f"{'PASS' if t < TARGET_S else 'FAIL'}"
    )
    print()

    xs, ys = x[:300], y[:200]

    def old_lp() -> float:
        a, b = np.full(300, 1 / 300), np.full(200, 1 / 200)
        return float(np.sqrt(_highs_scaled(a, b, _cost(xs, ys, 2.0))))

    report(
        "exact W2, 300 x 200: the old scipy (HiGHS) linear program",
        {
            "limitdyn wasserstein (auto)": lambda: wasserstein(xs, ys),
            "scipy linprog (HiGHS)": old_lp,
        },
        rtol=1e-7,
    )
    print()

    xe, ye = x, 1.3 * rng.normal(size=(2000, 2))

    def lsa() -> float:
        c = cdist(xe, ye, "sqeuclidean")
        r, k = linear_sum_assignment(c)
        return float(np.sqrt(c[r, k].mean()))

    report(
        "exact W2, 2000 x 2000 equal uniform clouds",
        {
            "limitdyn wasserstein (auto)": lambda: wasserstein(xe, ye),
            "scipy linear_sum_assignment": lsa,
        },
        rtol=1e-9,
    )


if __name__ == "__main__":
    main()
