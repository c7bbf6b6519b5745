"""Interleaved A/B of the particle kernels at two git revisions (or the working tree).

Whole-benchmark runs on a shared machine vary by more than a good optimisation gains, so
kernel changes are judged here: the kernel module ``limitdyn/particles/_kernels.py`` of each
revision is written to a temporary directory, imported under its own name in one process,
and the parallel kernels of both are timed alternately (best per call over ``--rounds``
alternations), then summed over one WGAN step: 6 generator forward passes, 5 critic
gradients, 1 critic input gradient, 1 generator backward pass.

Usage::

    .venv/bin/python benchmarks/kernels_ab.py 471af5a WORKTREE
    .venv/bin/python benchmarks/kernels_ab.py HEAD~1 HEAD --size 1000 1000 64 16 256 --rounds 6
    .venv/bin/python benchmarks/kernels_ab.py WORKTREE /tmp/variant.py   # a file path

Threads: numba's default (all cores; set ``NUMBA_NUM_THREADS`` to change). The first call
per revision compiles its kernels (about a minute each); the numba cache in
the temporary directory is kept for the process only.
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

KERNELS = "limitdyn/particles/_kernels.py"
ROOT = Path(__file__).resolve().parent.parent
CALLS_PER_STEP = np.array([6, 5, 1, 1])
NAMES = ("generator forward", "critic gradient", "critic input gradient", "generator backward")


def _source(rev: str) -> str:
    if rev == "WORKTREE":
        return (ROOT / KERNELS).read_text()
    if rev.endswith(".py"):  # a variant of the kernel module kept outside the repository
        return Path(rev).read_text()
    return subprocess.run(
        ["git", "show", f"{rev}:{KERNELS}"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout


def _time_step(kr, arrays: dict) -> np.ndarray:  # type: ignore[no-untyped-def]
    a = arrays
    m = a["Z"].shape[1]
    out = []
    t = time.perf_counter()
    kr.gen_forward(a["P"], a["Z"], 0, a["G"])
    out.append(time.perf_counter() - t)
    t = time.perf_counter()
    kr.critic_grad(a["W"], a["X"], a["G"], 1 / m, -1 / m, 0, a["GW"])
    out.append(time.perf_counter() - t)
    t = time.perf_counter()
    kr.critic_input_grad(a["W"], a["G"], 0, a["E"], a["F"])
    out.append(time.perf_counter() - t)
    t = time.perf_counter()
    kr.gen_backward(a["P"], a["Z"], a["E"], 0, a["GP"])
    out.append(time.perf_counter() - t)
    return np.array(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "revs", nargs="+", help="git revisions, WORKTREE, or paths of kernel files (*.py)"
    )
    parser.add_argument(
        "--size",
        nargs=5,
        type=int,
        default=[1000, 1000, 2, 2, 256],
        metavar=("N", "M", "K", "L", "m"),
    )
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="kernels_ab_"))
    sys.path.insert(0, str(tmp))
    modules = []
    for i, rev in enumerate(args.revs):
        name = f"kernels_ab_{i}"
        (tmp / f"{name}.py").write_text(_source(rev))
        modules.append(importlib.import_module(name))

    N, M, K, L, m = args.size
    rng = np.random.default_rng(0)
    arrays = {
        "P": rng.normal(size=(K, L + 2, N)),
        "W": (rng.random((K + 2, M)) - 0.5) * 0.02,
        "Z": rng.normal(size=(L, m)),
        "X": rng.normal(size=(K, m)),
        "G": np.empty((K, m)),
        "E": rng.normal(size=(K, m)) * 1e-3,
        "F": np.empty(m),
    }
    arrays["GW"] = np.empty_like(arrays["W"])
    arrays["GP"] = np.empty_like(arrays["P"])
    for kr in modules:  # compile or load, and warm up
        _time_step(kr, arrays)
    best = [np.full(4, np.inf) for _ in modules]
    for _ in range(args.rounds):
        for i, kr in enumerate(modules):
            best[i] = np.minimum(best[i], _time_step(kr, arrays))

    print(f"(N, M, K, L, m) = {tuple(args.size)}, best of {args.rounds} alternations, ms per call")
    print(
        f"{'revision':>12} "
        + " ".join(f"{n:>22}" for n in NAMES)
        + f" {'step sum':>10} {'steps/s':>8}"
    )
    base = None
    for rev, b in zip(args.revs, best):
        total = float((CALLS_PER_STEP * b).sum())
        base = total if base is None else base
        print(
            f"{Path(rev).stem if rev.endswith('.py') else rev:>12} "
            + " ".join(f"{1e3 * x:22.3f}" for x in b)
            + f" {1e3 * total:10.2f} {1 / total:8.1f}  ({base / total:.2f}x of the first)"
        )


if __name__ == "__main__":
    main()
