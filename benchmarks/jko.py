"""Implicit (JKO) against explicit particle steps: cost per step, measured side by side.

Run: ``.venv/bin/python benchmarks/jko.py`` (about 20 s). Prints the time of one run of
each scheme, their ratio, and the W2 distance of the final clouds (Turinici's Lemma 1).
"""

from __future__ import annotations

import time

import numpy as np

from limitdyn.particles import WGAN, JKOSolver, TwoLayerRegression, ring, wasserstein


def best(fn, repeats: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(0)
    data = rng.normal(size=(256, 2))
    for engine in ("numpy", "numba"):
        reg = TwoLayerRegression(
            n_particles=100, input_dim=2, inputs=data, batch=None, lr=2.0, engine=engine
        )
        theta = reg.init_particles(seed=1)
        runs = {}
        timings = {}
        for name, model in (
            ("explicit", reg),
            ("implicit newton", reg.replace(scheme="implicit")),
            (
                "implicit fixed-point",
                reg.replace(scheme="implicit", solver=JKOSolver("fixed-point")),
            ),
        ):
            model.run(steps=2, init=theta, seed=0, progress=False)  # warm up (numba)

            def once(
                m: TwoLayerRegression = model,
                n: str = name,
                th: np.ndarray = theta,
                out: dict = runs,
            ) -> None:
                out[n] = m.run(steps=200, init=th, seed=0, progress=False)

            timings[name] = best(once)
        print(f"TwoLayerRegression N=100, L=2, full batch 256, 200 steps, engine={engine}")
        for name, t in timings.items():
            w2 = wasserstein(
                runs[name].generator[-1].reshape(100, -1),
                runs["explicit"].generator[-1].reshape(100, -1),
            )
            ratio = t / timings["explicit"]
            print(
                f"  {name:22s} {t * 1e3:8.1f} ms  {ratio:6.1f}x explicit  W2 to explicit {w2:.3e}"
            )
    wgan = WGAN(
        n_generator=50,
        n_critic_particles=25,
        data_dim=2,
        latent_dim=2,
        target=ring(8),
        lr=0.5,
        batch=64,
        n_critic=2,
        clip=None,
        n_eval=0,
        engine="numpy",
    )
    init = wgan.init_particles(seed=0)
    t_e = best(lambda: wgan.run(steps=100, init=init, seed=0, progress=False))
    imp = wgan.replace(scheme="implicit")
    t_i = best(lambda: imp.run(steps=100, init=init, seed=0, progress=False))
    print("WGAN N=50, M=25, batch 64, n_critic=2, 100 steps, engine=numpy")
    print(f"  explicit {t_e * 1e3:.1f} ms, implicit newton {t_i * 1e3:.1f} ms: {t_i / t_e:.1f}x")


if __name__ == "__main__":
    main()
