"""Paths per second of ``ld.iterate_stochastic`` and ``ld.simulate_sde`` beside hand-written
numba loops of the same recursions (issue 14).

Problem: 2-D SGD on four examples, ``f_i = (x - a_i)^2/2 + (y - b_i)^2/2 + x^2 y^2/8``, batch 1
(uniform example index per step and path), and its order-1 SME by Euler–Maruyama (four Wiener
increments per step, ``sigma`` the 2 x 4 matrix of the centred per-example gradients).
``PATHS`` paths x ``STEPS`` steps each, two threads; only the final states are kept. The
hand-written loops draw their random numbers inside numba (``prange`` over paths); limitdyn
draws them with numpy generators spawned from one ``SeedSequence`` (one per chunk of paths)
and runs the generated loop. Timings are interleaved, best of ``REPEATS``.

Run: ``.venv/bin/python benchmarks/sde.py [--paths N] [--steps N]``
Targets: 10^5 paths x 10^3 steps under 2 s; >= 0.5x the hand-written loop.
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np
import sympy as sp

import limitdyn as ld
from limitdyn._engine import get_engine

A = np.array([1.0, -1.0, 0.5, -0.5])
B = np.array([0.0, 1.0, -1.0, 0.5])
TAU = 0.01
REPEATS = 3


@numba.njit(parallel=True, cache=False)
def sgd_loop(z0, a, b, tau, steps, paths):  # pragma: no cover - benchmark
    out = np.empty((paths, 2))
    n = a.size
    for p in numba.prange(paths):
        x, y = z0[0], z0[1]
        for _ in range(steps):
            i = np.random.randint(0, n)  # noqa: NPY002 - numba's in-loop generator
            gx = (x - a[i]) + x * y * y / 4
            gy = (y - b[i]) + x * x * y / 4
            x, y = x - tau * gx, y - tau * gy
        out[p, 0], out[p, 1] = x, y
    return out


@numba.njit(parallel=True, cache=False)
def em_loop(z0, sigma, abar, bbar, tau, dt, steps, paths):  # pragma: no cover - benchmark
    out = np.empty((paths, 2))
    m = sigma.shape[1]
    sq = np.sqrt(dt)
    for p in numba.prange(paths):
        x, y = z0[0], z0[1]
        for _ in range(steps):
            nx, ny = 0.0, 0.0
            for j in range(m):
                w = sq * np.random.standard_normal()  # noqa: NPY002
                nx += sigma[0, j] * w
                ny += sigma[1, j] * w
            bx = -(x - abar) - x * y * y / 4
            by = -(y - bbar) - x * x * y / 4
            x, y = x + dt * bx + nx, y + dt * by + ny
        out[p, 0], out[p, 1] = x, y
    return out


def best_of(func, repeats):
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--paths", type=int, default=10**5)
    parser.add_argument("--steps", type=int, default=10**3)
    args = parser.parse_args()
    paths, steps = args.paths, args.steps
    numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
    x, y = sp.symbols("x y")
    losses = [(x - a) ** 2 / 2 + (y - b) ** 2 / 2 + x**2 * y**2 / 8 for a, b in zip(A, B)]
    scheme = ld.sgd(losses, [x, y])
    sme = ld.stochastic_modified_equation(scheme, order=1)
    z0 = np.array([1.0, 0.5])
    sigma = np.sqrt(TAU / A.size) * -np.array([A - A.mean(), B - B.mean()])
    engine = get_engine("numba", threads=2)

    def ours_sgd():
        return ld.iterate_stochastic(
            scheme, z0, tau=TAU, steps=steps, n_paths=paths, seed=0, engine=engine
        )

    def ours_sme():
        return ld.simulate_sde(
            sme, z0, t_end=TAU * steps, dt=TAU, n_paths=paths, seed=0, tau=TAU, engine=engine
        )

    def hand_sgd():
        return sgd_loop(z0, A, B, TAU, steps, paths)

    def hand_sme():
        return em_loop(z0, sigma, A.mean(), B.mean(), TAU, TAU, steps, paths)

    for f in (ours_sgd, ours_sme, hand_sgd, hand_sme):  # compile
        f()
    times = {f.__name__: best_of(f, REPEATS) for f in (ours_sgd, hand_sgd, ours_sme, hand_sme)}
    # the same law: final means agree within Monte Carlo error
    m1, m2 = ours_sgd().mean()[-1], hand_sgd().mean(axis=0)
    print(f"{paths} paths x {steps} steps, 2-D, 2 threads, best of {REPEATS}")
    for name in ("ours_sgd", "hand_sgd", "ours_sme", "hand_sme"):
        print(
            f"  {name:10s} {times[name]:8.3f} s   "
            f"{paths * steps / times[name] / 1e6:8.1f} M path-steps/s"
        )
    for kind in ("sgd", "sme"):
        ratio = times[f"hand_{kind}"] / times[f"ours_{kind}"]
        ok = "PASS" if ratio >= 0.5 else "FAIL"
        fast = "PASS" if times[f"ours_{kind}"] < 2.0 else "FAIL (machine load?)"
        print(
            f"{kind}: ratio vs hand-written numba {ratio:.2f}x (target >= 0.5x: {ok}); "
            f"under 2 s: {fast}"
        )
    print(f"final means, limitdyn vs hand-written SGD: {np.round(m1, 4)} vs {np.round(m2, 4)}")


if __name__ == "__main__":
    main()
