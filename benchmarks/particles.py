"""Benchmark of the mean-field WGAN step: numba engine vs PyTorch CPU vs the machine floor.

Everything is measured in one run of this script, each engine in its own subprocess so
that thread pools never overlap (numba: NUMBA_NUM_THREADS=2 and BLAS at 1 thread; torch:
``torch.set_num_threads(2)`` and BLAS at 1; the numpy matmul peak: BLAS at 2 threads):

- steps/s at (N, M, K, L, m) = (1e3, 1e3, 2, 2, 256), (1e4, 1e4, 2, 2, 256),
  (1e3, 1e3, 64, 16, 256), float64, 5 critic steps + 1 generator step, SGD, clipping;
- the floor: the step's matrix-shaped FLOPs at the measured numpy matmul rate plus every
  sigmoid at 1.0 G sigmoids/s (the measured rate of the fast sigmoid is printed too);
- peak memory of 1e5 generator particles in 2-D with 100 snapshots;
- the time to the first step of a fresh process with a warm numba cache (min and median
  of several processes), next to what numba's own import and initialisation cost.

Usage::

    .venv/bin/python benchmarks/particles.py            # numba + floor (+ torch if importable)
    /tmp/torchvenv/bin/python benchmarks/particles.py   # the same with the torch comparison
    python benchmarks/particles.py --quick              # fewer steps
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import textwrap

SIZES = [(1000, 1000, 2, 2, 256), (10000, 10000, 2, 2, 256), (1000, 1000, 64, 16, 256)]
N_CRITIC = 5
THREADS = 2
REPEATS = 5  # best of, for both engines: the machine is shared and noisy
SIGMOID_RATE = 1.0e9  # fixed by the issue for the floor


def step_counts(N: int, M: int, K: int, L: int, m: int, n_critic: int = N_CRITIC) -> dict:
    """Matrix-shaped FLOPs (2 per multiply-add) and sigmoid evaluations of one step.

    Minimal counts: the generator step evaluates each generator sigmoid once (a
    formulation that stores the activations reuses them in the backward pass).
    """
    gen_fwd = 2 * m * N * K * L + 2 * m * N * K  # pre-activations, output sum
    critic_grad = 2 * (2 * m) * M * K + 2 * (2 * m) * M * K + 2 * 2 * (2 * m) * M  # v, beta, a/g
    critic_in = 2 * m * M * K + 2 * m * M * K + 2 * m * M  # v, grad wrt input, value
    gen_bwd = 2 * m * N * K + 2 * m * N * K * L + 2 * m * N * K  # a, b, c
    flops = n_critic * (gen_fwd + critic_grad) + gen_fwd + critic_in + gen_bwd
    sig = n_critic * (m * N * K + 2 * m * M) + m * N * K + m * M
    return {"flops": flops, "sigmoids": sig}


def _env(blas_threads: int, numba_threads: int) -> dict:
    env = dict(os.environ)
    for key in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[key] = str(blas_threads)
    env["NUMBA_NUM_THREADS"] = str(numba_threads)
    return env


def _run(code: str, env: dict, timeout: float = 1200) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if out.returncode != 0:
        raise RuntimeError(f"benchmark subprocess failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


NUMBA_CODE = """
import json, sys, time
import numpy as np
from limitdyn.particles import WGAN, gaussian_mixture
N, M, K, L, m, steps = {N}, {M}, {K}, {L}, {m}, {steps}
tgt = gaussian_mixture(np.random.default_rng(0).normal(size=(4, K)), 0.1)
model = WGAN(n_generator=N, n_critic_particles=M, data_dim=K, latent_dim=L, target=tgt,
             lr=1e-3, batch=m, n_critic={n_critic}, clip=0.01, engine="{engine}",
             threads={threads}, n_eval=0)
model.run(steps=2, seed=0, progress=False)           # compile or load the cache
best = float("inf")
for _ in range({repeats}):
    t = time.perf_counter()
    model.run(steps=steps, record_every=steps, seed=1, progress=False)
    best = min(best, (time.perf_counter() - t) / steps)
print(json.dumps({{"steps_per_s": 1.0 / best}}))
"""

TORCH_CODE = """
import json, time
import numpy as np
import torch
torch.set_num_threads({threads})
dt = torch.float64
N, M, K, L, m, nc, steps = {N}, {M}, {K}, {L}, {m}, {n_critic}, {steps}
g = torch.Generator().manual_seed(0)
A = torch.randn(N, K, dtype=dt, generator=g)
B = torch.randn(N, K, L, dtype=dt, generator=g)
C = torch.randn(N, K, dtype=dt, generator=g)
al = (torch.rand(M, dtype=dt, generator=g) - 0.5) * 0.02
be = (torch.rand(M, K, dtype=dt, generator=g) - 0.5) * 0.02
ga = (torch.rand(M, dtype=dt, generator=g) - 0.5) * 0.02
lr, clip = 1e-3, 0.01

def gen_forward(z):
    S = torch.sigmoid(torch.einsum("rl,ikl->rik", z, B) + C)      # (m, N, K)
    return (S * A).mean(dim=1), S

def step():
    global al, be, ga, A, B, C
    with torch.no_grad():
        for _ in range(nc):
            x = torch.randn(m, K, dtype=dt, generator=g)
            z = torch.randn(m, L, dtype=dt, generator=g)
            gz, _ = gen_forward(z)
            Y = torch.cat([x, gz])
            w = torch.cat([torch.full((m,), 1.0 / m, dtype=dt),
                           torch.full((m,), -1.0 / m, dtype=dt)])
            S = torch.sigmoid(Y @ be.T + ga)                       # (2m, M)
            T = (S * (1 - S)) * w[:, None] * al
            g_al = w @ S
            g_be = T.T @ Y
            g_ga = T.sum(0)
            al = (al + lr / M * g_al).clamp(-clip, clip)
            be = (be + lr / M * g_be).clamp(-clip, clip)
            ga = (ga + lr / M * g_ga).clamp(-clip, clip)
        z = torch.randn(m, L, dtype=dt, generator=g)
        gz, S = gen_forward(z)
        V = torch.sigmoid(gz @ be.T + ga)                          # (m, M)
        E = ((V * (1 - V)) * al) @ be / M                          # (m, K)
        DS = S * (1 - S)
        gA = torch.einsum("rik,rk->ik", S, E) / m
        T = DS * A * E[:, None, :]
        gC = T.mean(0)
        gB = torch.einsum("rik,rl->ikl", T, z) / m
        A = A + lr / N * gA
        B = B + lr / N * gB
        C = C + lr / N * gC

step(); step()
best = float("inf")
for _ in range({repeats}):
    t = time.perf_counter()
    for _ in range(steps):
        step()
    best = min(best, (time.perf_counter() - t) / steps)
print(json.dumps({{"steps_per_s": 1.0 / best}}))
"""

PEAK_CODE = """
import json, time
import numpy as np
n = 2000
a = np.random.default_rng(0).normal(size=(n, n)); b = a.copy()
a @ b
best = float("inf")
for _ in range(5):
    t = time.perf_counter(); a @ b; best = min(best, time.perf_counter() - t)
print(json.dumps({"gflops": 2 * n**3 / best / 1e9}))
"""

# the engine's sigmoid (value and derivative) on blocks that stay in L1, one per thread:
# the rate the kernels can reach, without the memory traffic of one long array
SIGMOID_CODE = """
import json, time
import numpy as np
import numba
from limitdyn.particles import _kernels as kr

@numba.njit(parallel=True, cache=False)
def sig_blocks(u, s, ds, reps):
    for b in numba.prange(u.shape[0]):
        for _ in range(reps):
            kr.act_block(u[b], s[b], ds[b], u.shape[1], 0)

threads = numba.get_num_threads()
u = np.random.default_rng(0).normal(size=(threads, 256)) * 4
s = np.empty_like(u); ds = np.empty_like(u)
sig_blocks(u, s, ds, 10)
best = float("inf")
for _ in range(7):
    t = time.perf_counter(); sig_blocks(u, s, ds, 20000); best = min(best, time.perf_counter() - t)
print(json.dumps({"gsig": u.size * 20000 / best / 1e9}))
"""

MEMORY_CODE = """
import json, resource, time
import numpy as np
from limitdyn.particles import WGAN, ring
model = WGAN(n_generator=100_000, n_critic_particles=1000, data_dim=2, latent_dim=2,
             target=ring(8), lr=1e-3, batch=64, clip=0.01, engine="numba", n_eval=256)
t = time.perf_counter()
run = model.run(steps=99, record_every=1, seed=0, progress=False)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"snapshots": int(run.n_snapshots), "peak_bytes": peak,
                  "snapshot_bytes": int(run.generator.nbytes + run.critic.nbytes),
                  "seconds": time.perf_counter() - t}))
"""

FIRST_STEP_CODE = """
import time
t0 = time.perf_counter()
import json
import numpy as np
from limitdyn.particles import WGAN, ring
model = WGAN(n_generator=1000, n_critic_particles=1000, data_dim=2, latent_dim=2,
             target=ring(8), lr=1e-3, batch=256, engine="numba", threads=2, n_eval=0)
t1 = time.perf_counter()
model.run(steps=1, seed=0, progress=False)
t2 = time.perf_counter()
print(json.dumps({"first_step_s": t2 - t0, "run_call_s": t2 - t1}))
"""

# what numba itself costs a fresh process before any of its functions can run: its import
# and the initialisation of its CPU target (which imports scipy.linalg), with numpy
NUMBA_STARTUP_CODE = """
import time
t0 = time.perf_counter()
import json
import numpy as np
import numba
from numba.core.registry import cpu_target
cpu_target.target_context.refresh()
cpu_target.typing_context.refresh()
print(json.dumps({"numba_startup_s": time.perf_counter() - t0}))
"""
FRESH_PROCESSES = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps per size")
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()

    try:
        import torch  # noqa: F401

        have_torch = True
    except ImportError:
        have_torch = False
        print("torch is not importable in this interpreter: skipping the PyTorch comparison")
        print("(run with /tmp/torchvenv/bin/python, see benchmarks/README.md)\n")

    numba_env = _env(1, THREADS)
    torch_env = _env(1, 1)
    peak = _run(PEAK_CODE, _env(THREADS, 1))["gflops"]
    sig = _run(SIGMOID_CODE, numba_env)["gsig"]
    print(
        f"machine: numpy matmul {peak:.1f} GFLOP/s ({THREADS} threads), "
        f"engine sigmoid and derivative {sig:.2f} G/s in L1 ({THREADS} threads); floor uses "
        f"{SIGMOID_RATE / 1e9:.1f} G sigmoids/s\n"
    )

    header = (
        f"{'(N, M, K, L, m)':>28} {'numba':>9} {'torch':>9} {'ratio':>7} "
        f"{'floor':>9} {'of floor':>9}"
    )
    print(header)
    print("-" * len(header))
    rows = []
    for N, M, K, L, m in SIZES:
        work = N * K * m
        steps = max(3, int(2e8 / (work * (N_CRITIC + 2) * max(1, L / 2))))
        if args.quick:
            steps = max(2, steps // 4)
        fmt = dict(N=N, M=M, K=K, L=L, m=m, steps=steps, n_critic=N_CRITIC)
        fmt.update(threads=THREADS, repeats=REPEATS)
        nb = _run(NUMBA_CODE.format(engine="numba", **fmt), numba_env)["steps_per_s"]
        tr = (
            _run(TORCH_CODE.format(**fmt), torch_env)["steps_per_s"] if have_torch else float("nan")
        )
        counts = step_counts(N, M, K, L, m)
        floor = 1.0 / (counts["flops"] / (peak * 1e9) + counts["sigmoids"] / SIGMOID_RATE)
        row = dict(
            size=(N, M, K, L, m),
            numba=nb,
            torch=tr,
            ratio=nb / tr,
            floor=floor,
            fraction=nb / floor,
            **counts,
        )
        rows.append(row)
        print(
            f"{(N, M, K, L, m)!s:>28} {nb:9.2f} {tr:9.2f} {nb / tr:7.2f} {floor:9.2f} "
            f"{100 * nb / floor:8.1f}%"
        )
    print(f"\n(steps/s; one step = 5 critic steps + 1 generator step, float64, {THREADS} threads)")

    if not args.skip_memory:
        mem = _run(MEMORY_CODE, numba_env, timeout=3000)
        print(
            f"\nmemory: N = 1e5 generator particles in 2-D, M = 1e3, {mem['snapshots']} "
            f"snapshots: peak RSS {mem['peak_bytes'] / 2**30:.2f} GiB (snapshots "
            f"{mem['snapshot_bytes'] / 2**30:.2f} GiB, run {mem['seconds']:.1f} s)"
        )

    _run(FIRST_STEP_CODE, numba_env)  # make sure the cache is warm
    firsts, calls, startups = [], [], []
    for _ in range(FRESH_PROCESSES):  # alternated, so that both see the same machine state
        out = _run(FIRST_STEP_CODE, numba_env)
        firsts.append(out["first_step_s"])
        calls.append(out["run_call_s"])
        startups.append(_run(NUMBA_STARTUP_CODE, numba_env)["numba_startup_s"])
    print(
        f"first step in a fresh process, warm cache ({FRESH_PROCESSES} processes, min / median): "
        f"{min(firsts):.2f} / {statistics.median(firsts):.2f} s from interpreter start to the "
        f"end of the first step; of which the run() call {min(calls):.2f} / "
        f"{statistics.median(calls):.2f} s. For comparison, numpy + numba import and "
        f"numba's target initialisation alone: {min(startups):.2f} / "
        f"{statistics.median(startups):.2f} s"
    )


if __name__ == "__main__":
    main()
