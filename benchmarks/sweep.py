"""Benchmark of limitdyn.sweep: parallel speed-up and per-point overhead, in one run.

- 32 small particle runs (TwoLayerRegression, numpy engine, each ~0.3 s) through the
  default executor (spawned processes, one BLAS/numba thread each) with 1 and with 2
  workers: wall times and their ratio (target >= 1.7x on 2 workers of an idle 2-core
  machine); pool start-up is inside the timing, as a user pays it.
- The per-point overhead of the store and the scheduler: 200 points of a function that
  returns at once (gaussian_moments with n=2), through a thread pool (the store alone:
  key, claim, atomic write with fsync, read-back), through the default process pool of
  one worker (store + pickling + inter-process queue), and, when dask is installed,
  through a LocalCluster of one worker process (target: under 20 ms per point).

Usage::

    .venv/bin/python benchmarks/sweep.py            # about a minute on a loaded machine
    .venv/bin/python benchmarks/sweep.py --quick    # 16 runs, 100 trivial points
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from limitdyn.sweep import gaussian_moments, sweep


def particle_point(*, n: int, replicate: int, seed: np.random.Generator) -> dict[str, Any]:
    """One small two-layer-network run to t = 1 (mean-field scaling, numpy engine)."""
    from limitdyn.particles import TwoLayerRegression

    del replicate
    model = TwoLayerRegression(n_particles=n, input_dim=2, lr=1.0, batch=64, engine="numpy")
    run = model.run(t_end=1.0, record_every=10**6, seed=seed, progress=False)
    return {"final loss": float(next(iter(run.losses.values()))[-1])}


def timed(fn: Any, grid: Any, **kw: Any) -> float:
    with tempfile.TemporaryDirectory() as store:
        start = time.perf_counter()
        result = sweep(fn, grid, store=store, progress=False, **kw)
        seconds = time.perf_counter() - start
    assert result.ok, result.summary()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    runs, trivial = (16, 100) if args.quick else (32, 200)

    grid = {"n": [256], "replicate": list(range(runs))}
    print(f"{runs} particle runs (TwoLayerRegression N=256, t_end=1, numpy), default executor")
    one = timed(particle_point, grid, workers=1)
    two = timed(particle_point, grid, workers=2)
    print(f"  1 worker  {one:7.2f} s   ({one / runs * 1e3:6.1f} ms per run)")
    print(f"  2 workers {two:7.2f} s   speed-up {one / two:.2f}x (target >= 1.7x)")

    points = {"n": [2], "scale": [float(s) for s in range(trivial)]}
    print(f"per-point overhead, {trivial} points of a function that returns at once")
    with ThreadPoolExecutor(1) as pool:
        timed(gaussian_moments, {"n": [2], "scale": [0.5]}, executor=pool)  # warm-up
        t = timed(gaussian_moments, points, executor=pool)
    print(f"  thread pool (store only)      {t / trivial * 1e3:6.2f} ms per point")
    t = timed(gaussian_moments, points, workers=1)
    print(
        f"  default process pool, 1 proc  {t / trivial * 1e3:6.2f} ms per point "
        "(with pool start-up)"
    )
    try:
        import distributed
    except ImportError:
        print("  dask LocalCluster              skipped (dask[distributed] not installed)")
        return
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1"
    )
    with distributed.Client(cluster) as client:
        t = timed(gaussian_moments, points, executor=client.get_executor(pure=False))
    cluster.close()
    print(f"  dask LocalCluster, 1 worker   {t / trivial * 1e3:6.2f} ms per point (target < 20)")


if __name__ == "__main__":
    main()
