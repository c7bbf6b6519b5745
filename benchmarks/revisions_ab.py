"""The same workload timed at two revisions of limitdyn, alternately, in one run.

A refactoring must not cost speed; on a shared machine two separate benchmark runs differ
by more than that, so each round runs the workload once per revision, each in a fresh
subprocess importing that revision (``PYTHONPATH``), and the best time per measurement is
compared. A revision is a git revision (checked out into a temporary worktree, removed
afterwards) or ``WORKTREE`` (this checkout as it is).

Workloads:

- ``modified``: ``ld.modified_equation(s, order=k)`` from empty caches, k = 1..4, for the three
  schemes of ``benchmarks/modified.py`` (the 4-variable cubic game), and two
  non-polynomial schemes (a log-sigmoid Dirac GAN, simultaneous, k = 1..2; an implicit
  step with ``exp``/``sin``, k = 1..3) on the SymPy-expression path.
- ``iterate``: ``ld.iterate`` of ``benchmarks/iterate.py`` (10**6 steps, numba), best of 7.
- ``wgan-step``: ``WGAN.run`` at (N, M, K, L, m) = (1000, 1000, 2, 2, 256), numba, 32 steps,
  best of 5, in ms per step.

Usage::

    .venv/bin/python benchmarks/revisions_ab.py modified dfe3ef8 WORKTREE --rounds 3
    .venv/bin/python benchmarks/revisions_ab.py wgan-step dfe3ef8 WORKTREE --rounds 4
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_CLEAR = """
def clear():
    from limitdyn.symbolic import _series
    try:
        from limitdyn.symbolic import _backward, _underlying
        _backward._TERMS.clear(); _series._SERIES.clear(); _underlying._UNDERLYING.clear()
    except ImportError:  # revisions before the one series engine
        from limitdyn.symbolic import _modified
        _modified._TERMS.clear(); _series._map_series.cache_clear()
"""

WORKLOADS = {
    "modified": _CLEAR
    + """
import itertools, json, random, time
import sympy as sp
import limitdyn as ld

def costs():  # as in benchmarks/modified.py
    rng = random.Random(2021)
    x = list(sp.symbols("x1 x2"))
    y = list(sp.symbols("y1 y2"))
    monomials = [
        sp.Mul(*c) for d in (1, 2, 3) for c in itertools.combinations_with_replacement(x + y, d)
    ]
    cx = sp.Add(*[rng.randint(-3, 3) * m for m in monomials])
    cy = sp.Add(*[rng.randint(-3, 3) * m for m in monomials])
    return x, y, cx, cy

x, y, cx, cy = costs()
th, ps = sp.symbols("theta psi")
L = -sp.log(1 + sp.exp(-ps * th))
cases = {
    "game, default": (ld.game(cx, cy, x, y), 4),
    "game, alternating explicit": (ld.game(cx, cy, x, y, implicit=False), 4),
    "game, simultaneous explicit": (ld.game(cx, cy, x, y, implicit=False, order="simultaneous"), 4),
    "Dirac GAN log-sigmoid": (ld.simultaneous([(th, [-L.diff(th)]), (ps, [L.diff(ps)])]), 2),
    "implicit exp/sin": (ld.implicit([-sp.exp(th) + ps, -sp.sin(ps)], [th, ps]), 3),
}
out = {}
for name, (s, kmax) in cases.items():
    for k in range(1, kmax + 1):
        clear(); t = time.perf_counter(); ld.modified_equation(s, order=k)
        out[f"{name}, order {k} (s)"] = time.perf_counter() - t
print(json.dumps(out))
""",
    "iterate": """
import json, time
import sympy as sp
import limitdyn as ld
x, y, xr = sp.symbols("x y x_r")
s = ld.alternating([(y, [x - xr]), (x, [-y])])
ld.iterate(s, [0.0, 1.0], tau=1e-5, steps=10, params={"x_r": 0.5}, engine="numba")
best = float("inf")
for _ in range(7):
    t = time.perf_counter()
    ld.iterate(s, [0.0, 1.0], tau=1e-5, steps=10**6, params={"x_r": 0.5}, engine="numba")
    best = min(best, time.perf_counter() - t)
print(json.dumps({"iterate, 10**6 steps (ms)": 1e3 * best}))
""",
    "wgan-step": """
import json, time
from limitdyn.particles import WGAN, ring
model = WGAN(n_generator=1000, n_critic_particles=1000, data_dim=2, latent_dim=2,
             target=ring(8), lr=1e-3, batch=256, n_critic=5, clip=0.01, engine="numba", n_eval=0)
model.run(steps=2, seed=0, progress=False)
best = float("inf")
for _ in range(5):
    t = time.perf_counter()
    model.run(steps=32, record_every=32, seed=0, progress=False)
    best = min(best, time.perf_counter() - t)
print(json.dumps({"WGAN step (1e3, 1e3, 2, 2, 256) (ms)": 1e3 * best / 32}))
""",
}


def _tree(rev: str, scratch: Path) -> Path:
    if rev == "WORKTREE":
        return ROOT
    path = scratch / rev.replace("/", "_")
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(path), rev],
        check=True,
        capture_output=True,
    )
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("a", help="git revision or WORKTREE")
    parser.add_argument("b", help="git revision or WORKTREE")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        trees = {rev: _tree(rev, scratch) for rev in (args.a, args.b)}
        try:
            best: dict[str, dict[str, float]] = {rev: {} for rev in trees}
            for _ in range(args.rounds):
                for rev, path in trees.items():
                    env = dict(os.environ, PYTHONPATH=str(path))
                    done = subprocess.run(
                        [sys.executable, "-c", WORKLOADS[args.workload]],
                        env=env,
                        cwd=tmp,
                        capture_output=True,
                        text=True,
                        check=True,
                    )
                    for key, value in json.loads(done.stdout.strip().splitlines()[-1]).items():
                        best[rev][key] = min(value, best[rev].get(key, float("inf")))
        finally:
            for path in trees.values():
                if path != ROOT:
                    subprocess.run(
                        ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)],
                        check=False,
                        capture_output=True,
                    )
    a, b = args.a, args.b
    print(f"{args.workload}: best of {args.rounds} alternating rounds; ratio = {b} / {a} time")
    for key in best[a]:
        ta, tb = best[a][key], best[b][key]
        print(f"  {key:48s} {a}: {ta:9.4f}  {b}: {tb:9.4f}  ratio {tb / ta:5.2f}")


if __name__ == "__main__":
    main()
