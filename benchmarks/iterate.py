"""Steps per second of ``ld.iterate`` beside a hand-written numba loop and a plain Python loop.

The scheme is Turinici's toy GAN with alternating updates,
``y+ = y + tau (x - x_r)``, ``x+ = x - tau y+``, iterated 10**6 steps and stored
in an (n + 1, 2) array in all three variants. Timings are interleaved in one run
and the best of several repeats is kept, so the ratios are measured side by side.

Run: ``.venv/bin/python benchmarks/iterate.py``
Targets (foundation issue): >= 0.5x the hand-written numba loop, >= 50x the Python loop.
"""

from __future__ import annotations

import time

import numba
import numpy as np
import sympy as sp

import limitdyn as ld

STEPS = 10**6
TAU = 1e-5
XR = 0.5
REPEATS = 7


@numba.njit(cache=False)
def numba_loop(z0: np.ndarray, xr: float, tau: float, n: int) -> np.ndarray:
    out = np.empty((n + 1, 2))
    x, y = z0[0], z0[1]
    out[0, 0], out[0, 1] = x, y
    for k in range(n):
        y = y + tau * (x - xr)
        x = x - tau * y
        out[k + 1, 0] = x
        out[k + 1, 1] = y
    return out


def python_loop(z0: np.ndarray, xr: float, tau: float, n: int) -> np.ndarray:
    out = np.empty((n + 1, 2))
    x, y = float(z0[0]), float(z0[1])
    out[0] = x, y
    for k in range(n):
        y = y + tau * (x - xr)
        x = x - tau * y
        out[k + 1] = x, y
    return out


def best_of(func, repeats: int) -> tuple[float, np.ndarray]:
    best, result = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    x, y, xr = sp.symbols("x y x_r")
    scheme = ld.alternating([(y, [x - xr]), (x, [-y])])
    assert scheme.variables == (y, x)  # blocks in update order: the critic y first
    z0 = np.array([1.0, 0.0])  # (x, y) for the hand-written loops
    z0_yx = z0[::-1].copy()  # scheme order

    def run_ld() -> np.ndarray:
        return ld.iterate(scheme, z0_yx, tau=TAU, steps=STEPS, params={"x_r": XR}, engine="numba").z

    def run_numba() -> np.ndarray:
        return numba_loop(z0, XR, TAU, STEPS)

    run_ld()
    run_numba()  # compile both before timing
    times = {"limitdyn.iterate (numba)": [], "hand-written numba": []}
    for _ in range(REPEATS):  # interleave the two fast variants
        for name, func in (("limitdyn.iterate (numba)", run_ld), ("hand-written numba", run_numba)):
            start = time.perf_counter()
            func()
            times[name].append(time.perf_counter() - start)
    t_py, z_py = best_of(lambda: python_loop(z0, XR, TAU, STEPS), 2)
    t_ld = min(times["limitdyn.iterate (numba)"])
    t_nb = min(times["hand-written numba"])
    z_ld = run_ld()[:, ::-1]
    assert np.allclose(z_ld, z_py, rtol=1e-12, atol=1e-12), "variants disagree"
    print(f"{STEPS:.0e} steps of the 2-D alternating scheme, best of {REPEATS}")
    for name, t in (
        ("limitdyn.iterate (numba)", t_ld),
        ("hand-written numba", t_nb),
        ("plain Python loop", t_py),
    ):
        print(f"  {name:28s} {t * 1e3:9.2f} ms  {STEPS / t / 1e6:8.2f} M steps/s")
    r_nb, r_py = t_nb / t_ld, t_py / t_ld
    verdict = {True: "PASS", False: "FAIL"}
    print(f"ratio vs hand-written numba: {r_nb:.2f}x  (target >= 0.5x: {verdict[r_nb >= 0.5]})")
    print(f"ratio vs plain Python:       {r_py:.1f}x  (target >= 50x: {verdict[r_py >= 50]})")


if __name__ == "__main__":
    main()
