"""float32 against float64 in the mean-field WGAN particle engine: speed and accuracy cost.

For each size, ``WGAN(dtype="float32")`` and ``WGAN(dtype="float64")`` start from the same
float64 initial particles and see the same batches (drawn in float64, rounded to the state's
dtype); the script prints

- **speed**: steps/s of both, alternated (best of ``--rounds`` runs of ``S`` steps each, after a
  warm-up), and their ratio;
- **accuracy**: after 1 and after 100 steps, the largest difference of each cloud (generator,
  critic) from the float64 run, relative to the largest float64 coordinate;
- **update sizes lost to rounding**: the float64 run's first update ``d = x1 - x0`` of each
  cloud stored in float32 (``fl32(x0 + d) - fl32(x0)``): the fraction of coordinates whose
  update is smaller than half an ulp of the float32 parameter (the update vanishes) and the
  fraction of the total update size lost, ``sum |stored - d| / sum |d|``.

Usage::

    .venv/bin/python benchmarks/particles_float32.py [--rounds R] [--threads T]

The set-up of ``benchmarks/particles.py`` (lr 1e-3, clip 0.01, 5 critic substeps, sigmoid
units, a 4-mode Gaussian mixture); numba engine with ``threads`` numba threads (the engine
calls no BLAS).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from limitdyn.particles import WGAN, gaussian_mixture

SIZES = ((1000, 1000, 2, 2, 256, 40), (1000, 1000, 64, 16, 256, 2))


def _model(size: tuple[int, ...], dtype: str, threads: int) -> WGAN:
    n, mc, k, ell, m, _ = size
    return WGAN(
        n_generator=n,
        n_critic_particles=mc,
        data_dim=k,
        latent_dim=ell,
        target=gaussian_mixture(np.random.default_rng(0).normal(size=(4, k)), 0.1),
        lr=1e-3,
        clip=0.01,
        batch=m,
        engine="numba",
        dtype=dtype,
        threads=threads,
        n_eval=0,
    )


def _rel(a: np.ndarray, ref: np.ndarray) -> float:
    return float(np.abs(a.astype(np.float64) - ref).max() / np.abs(ref).max())


def _lost(x0: np.ndarray, x1: np.ndarray) -> tuple[float, float]:
    """(fraction of updates below half an ulp in float32, fraction of update size lost)."""
    d = x1 - x0
    moved = d != 0
    x0f = x0.astype(np.float32)
    stored = (x0f + d.astype(np.float64)).astype(np.float32).astype(np.float64) - x0f
    half_ulp = 0.5 * np.spacing(np.abs(x0f)).astype(np.float64)
    below = float(np.mean(np.abs(d[moved]) < half_ulp[moved]))
    lost = float(np.abs(stored - d)[moved].sum() / np.abs(d[moved]).sum())
    return below, lost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    for size in SIZES:
        steps = size[-1]
        models = {d: _model(size, d, args.threads) for d in ("float64", "float32")}
        init = models["float64"].init_particles(seed=1)
        label = "(N, M, K, L, m) = " + str(size[:5])
        best = dict.fromkeys(models, np.inf)
        for model in models.values():  # warm-up: compiles or loads the cached kernels
            model.run(steps=1, seed=0, init=init, progress=False)
        for _ in range(args.rounds):
            for name, model in models.items():
                t = time.perf_counter()
                model.run(steps=steps, record_every=steps, seed=0, init=init, progress=False)
                best[name] = min(best[name], (time.perf_counter() - t) / steps)
        print(label)
        print(
            f"  speed: float64 {1 / best['float64']:.2f} steps/s, float32 "
            f"{1 / best['float32']:.2f} steps/s, ratio {best['float64'] / best['float32']:.2f}x"
        )
        for n_steps in (1, 100):
            runs = {
                name: model.run(
                    steps=n_steps, record_every=n_steps, seed=0, init=init, progress=False
                )
                for name, model in models.items()
            }
            g = _rel(runs["float32"].generator[-1], runs["float64"].generator[-1])
            c = _rel(runs["float32"].critic[-1], runs["float64"].critic[-1])
            print(f"  after {n_steps} steps: max rel. difference generator {g:.2e}, critic {c:.2e}")
            if n_steps == 1:
                for cloud in ("generator", "critic"):
                    x = getattr(runs["float64"], cloud)
                    below, lost = _lost(x[0], x[-1])
                    print(
                        f"  first {cloud} update stored in float32: {100 * below:.2f} % of the "
                        f"coordinates below half an ulp, {100 * lost:.2f} % of the update size lost"
                    )


if __name__ == "__main__":
    main()
