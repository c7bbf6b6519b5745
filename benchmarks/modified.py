"""Time to compute modified equations of orders 1..4 for a two-player game.

The game has 4 variables (x1, x2 for one player, y1, y2 for the other) and cubic
polynomial costs with every monomial of degree 1..3 (34 each, integer coefficients
drawn with a fixed seed). Three schemes: the default ``ld.game`` (alternating proximal
steps, an implicit map), alternating explicit and simultaneous explicit gradient steps.
Each timing starts from empty caches; the growth factor is t(k) / t(k - 1). The last
block times the same computation on the general SymPy-expression path (used for fields
with undefined functions) to show what the polynomial-ring path saves.

Run: ``.venv/bin/python benchmarks/modified.py``
Targets (issue 3): order 2 under 1 s, order 3 under 10 s, on the default game.

The second part (issue 15, ``--closure`` runs it alone) times non-polynomial schemes in the
differential-algebra closure ring against the landed SymPy-expression path (reached by
the private switch ``limitdyn.symbolic._closure.ENABLED``) in the same run, with the
operation count of what ``ModifiedEquation.cse(order=k)`` returns (the compact presentation,
:mod:`limitdyn.symbolic._compact`) against ``sympy.cse`` of the landed field, and of the
order-k term alone (``compact_cse(term=True)`` against ``sympy.cse`` of the landed
term); the 50-variable quartic is
polynomial, so its landed path is the tree at git revision ``LANDED_REV`` (the landing
before the closure ring), checked out into a temporary worktree and run in a subprocess.
``--full`` adds the landed path's slow rows (minutes).
"""

from __future__ import annotations

import functools
import itertools
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable

import sympy as sp

import limitdyn as ld
from limitdyn.symbolic import _backward, _closure, _compact, _series, _underlying

MAX_ORDER = 4


def costs() -> tuple[list[sp.Symbol], list[sp.Symbol], sp.Expr, sp.Expr]:
    rng = random.Random(2021)
    x = list(sp.symbols("x1 x2"))
    y = list(sp.symbols("y1 y2"))
    monomials = [
        sp.Mul(*c) for d in (1, 2, 3) for c in itertools.combinations_with_replacement(x + y, d)
    ]
    cx = sp.Add(*[rng.randint(-3, 3) * m for m in monomials])
    cy = sp.Add(*[rng.randint(-3, 3) * m for m in monomials])
    return x, y, cx, cy


def clear_caches() -> None:
    _backward._TERMS.clear()
    _series._SERIES.clear()
    _underlying._UNDERLYING.clear()


def timed(call: Callable[[], object]) -> float:
    clear_caches()
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def expression_path(scheme: ld.Scheme, order: int) -> None:
    """The modified equation through the map series on SymPy expressions."""
    from limitdyn.symbolic._algebra import ExprAlgebra

    alg = ExprAlgebra(scheme.variables, ld.tau)
    d = _series.stage_series(alg, scheme, order + 1)
    _backward._backward_error(d, scheme.variables, alg, order)


def report(name: str, times: list[float]) -> None:
    print(f"{name}")
    for k, t in enumerate(times, start=1):
        growth = f"x{t / times[k - 2]:.1f}" if k > 1 else ""
        print(f"  order {k}: {t:8.3f} s  {growth}")


def main() -> None:
    x, y, cx, cy = costs()
    schemes = {
        "game, alternating proximal (default ld.game)": ld.game(cx, cy, x, y),
        "game, alternating explicit": ld.game(cx, cy, x, y, implicit=False),
        "game, simultaneous explicit": ld.game(cx, cy, x, y, implicit=False, order="simultaneous"),
    }
    results = {}
    for name, scheme in schemes.items():
        times = [
            timed(lambda k=k, s=scheme: ld.modified_equation(s, order=k))
            for k in range(1, MAX_ORDER + 1)
        ]
        results[name] = times
        report(name, times)
    default = schemes["game, alternating proximal (default ld.game)"]
    slow = [timed(lambda k=k: expression_path(default, k)) for k in range(1, 3)]
    report("same default game on the SymPy-expression path (orders 1-2)", slow)
    me = ld.modified_equation(default, order=3)
    size = sum(len(sp.Add.make_args(e)) for e in me.terms[3])
    print(f"order-3 term of the default game: {size} monomials in 4 components")
    main_times = results["game, alternating proximal (default ld.game)"]
    ok2, ok3 = main_times[1] < 1.0, main_times[2] < 10.0
    print(f"target: order 2 < 1 s: {'PASS' if ok2 else 'FAIL'} ({main_times[1]:.3f} s)")
    print(f"target: order 3 < 10 s: {'PASS' if ok3 else 'FAIL'} ({main_times[2]:.3f} s)")


# -- issue 15: non-polynomial schemes ------------------------------------------------------


def dirac_gan() -> ld.Scheme:
    th, ps = sp.symbols("theta psi")
    loss = -sp.log(1 + sp.exp(-ps * th)) + sp.log(2)
    return ld.game(loss, -loss, [th], [ps], implicit=False, order="simultaneous")


def tanh_network() -> ld.Scheme:
    a, b, c = sp.symbols("a b c")
    data = [(-1, sp.Rational(-1, 2)), (0, sp.Rational(1, 4)), (1, sp.Rational(1, 2))]
    loss = sum((a * sp.tanh(b * xi + c) - yi) ** 2 for xi, yi in data) / 2
    return ld.explicit([-sp.diff(loss, v) for v in (a, b, c)], [a, b, c])


def sigmoid_critic() -> ld.Scheme:
    al, be, th = sp.symbols("alpha beta theta")

    def critic(v: sp.Expr) -> sp.Expr:
        return 1 / (1 + sp.exp(-(al * v + be)))

    value = critic(sp.Integer(1)) - critic(th)
    return ld.game(-value, value, [al, be], [th], implicit=False, rates=[2, 1])


QUARTIC = """
import sympy as sp, limitdyn as ld, time
xs = sp.symbols("x0:50")
pot = sum((v**2 - 1) ** 2 / 4 for v in xs)
pot += sum(xs[i] ** 2 * xs[(i + 1) % 50] ** 2 / 2 for i in range(50))
s = ld.explicit([-sp.diff(pot, v) for v in xs], list(xs))
t = time.perf_counter(); ld.modified_equation(s, order=2); print(time.perf_counter() - t)
"""


#: the landing before the closure ring, for the quartic's landed time
LANDED_REV = "3ecaf33"


def quartic_time_at(rev: str) -> float | None:
    """The quartic's time on the tree at git revision ``rev`` (None when git cannot)."""
    import tempfile
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as scratch:
        tree = Path(scratch) / "tree"
        made = subprocess.run(
            ["git", "-C", str(root), "worktree", "add", "--detach", "-f", str(tree), rev],
            capture_output=True,
        )
        if made.returncode != 0:
            return None
        try:
            return quartic_time(str(tree))
        finally:
            subprocess.run(
                ["git", "-C", str(root), "worktree", "remove", "--force", str(tree)],
                capture_output=True,
            )


def quartic_time(path: str | None) -> float | None:
    env = dict(os.environ)
    if path is not None:
        if not os.path.isdir(path):
            return None
        env["PYTHONPATH"] = path
    out = subprocess.run([sys.executable, "-c", QUARTIC], env=env, capture_output=True, text=True)
    return float(out.stdout.split()[-1]) if out.returncode == 0 else None


def count(replacements: list[tuple[sp.Symbol, sp.Expr]], reduced: object) -> int:
    """Operations in a CSE result: its replacements plus its reduced expressions."""
    return int(sp.count_ops([e for _, e in replacements] + list(reduced)))  # type: ignore[call-overload]


def cse_ops(me: ld.ModifiedEquation, order: int) -> int:
    """What the user gets: ``me.cse(order=order)``, the truncated field through order k
    (elementary differentials over shared tensors for one-step schemes)."""
    clear_caches()
    return count(*me.cse(order=order))


def landed_cse_ops(me: ld.ModifiedEquation, order: int) -> int:
    """What the landed ``.cse()`` returned: ``sympy.cse`` of the expanded truncated field."""
    return count(*sp.cse(list(me.field(order=order))))


def term_cse_ops(me: ld.ModifiedEquation, order: int) -> int:
    """``sympy.cse`` of the expanded order-k term alone (the column of the first round)."""
    return count(*sp.cse(list(me.terms[order])))


def compact_term_ops(scheme: ld.Scheme, order: int) -> int:
    """The compact presentation of the order-k term alone (``compact_cse(term=True)``)."""
    got = _compact.compact_cse(scheme, order, term=True)
    return count(*got) if got is not None else -1


def timed_terms(scheme: ld.Scheme, order: int, *, closure: bool) -> tuple[float, object]:
    _closure.ENABLED[0] = closure
    clear_caches()
    try:
        start = time.perf_counter()
        me = ld.modified_equation(scheme, order=order)
        return time.perf_counter() - start, me
    finally:
        _closure.ENABLED[0] = True
        clear_caches()


def closure_main(full: bool) -> None:
    rows = [
        (
            "Dirac-GAN, log-sigmoid loss, simultaneous",
            dirac_gan(),
            4,
            3 if full else 2,
            {3: 1, 4: 5},
        ),
        ("tanh network, 3 params, 3 points, GD", tanh_network(), 3, 3 if full else 2, {3: 5}),
        (
            "sigmoid critic vs generator, alternating 2:1",
            sigmoid_critic(),
            2,
            2 if full else 1,
            {2: 5},
        ),
    ]
    print("non-polynomial schemes: closure ring vs landed SymPy-expression path (same run)")
    size_targets = {3}  # the first two rows, issue 15: at most 1/5 of the landed size
    for name, scheme, new_max, old_max, targets in rows:
        print(name)
        for k in range(1, new_max + 1):
            t_new, me_new = timed_terms(scheme, k, closure=True)
            line = f"  order {k}: closure {t_new:8.3f} s"
            if k <= old_max:
                t_old, me_old = timed_terms(scheme, k, closure=False)
                ops_new, ops_old = cse_ops(me_new, k), landed_cse_ops(me_old, k)  # type: ignore[arg-type]
                term_new, term_old = compact_term_ops(scheme, k), term_cse_ops(me_old, k)  # type: ignore[arg-type]
                line += f" | landed {t_old:8.3f} s | x{t_old / t_new:7.1f} faster"
                line += f" | .cse() ops {ops_new} vs {ops_old} ({ops_new / ops_old:.3f})"
                line += f" | f_k alone {term_new} vs {term_old} ({term_new / term_old:.3f})"
                if k in size_targets:
                    small = 5 * term_new <= term_old and 5 * ops_new <= ops_old
                    line += f" | size <= 1/5: {'PASS' if small else 'FAIL'}"
            else:
                line += f" | .cse() ops {cse_ops(me_new, k)}"  # type: ignore[arg-type]
                line += f" | f_k alone {compact_term_ops(scheme, k)}"
            target = targets.get(k)
            if target is not None:
                line += f" | target < {target:g} s: {'PASS' if t_new < target else 'FAIL'}"
            print(line)
    new = quartic_time(None)
    old = quartic_time_at(LANDED_REV)
    shown = f"{new:.3f} s" if new is not None else "failed"
    ratio = f" | landed ({LANDED_REV}) {old:.3f} s | x{old / new:.1f}" if old and new else ""
    verdict = "PASS" if new is not None and new < 3.0 else "FAIL"
    print(f"50-variable quartic, GD, order 2: {shown}{ratio} | target < 3 s: {verdict}")


def jets_main() -> None:
    """Order-2 modified field of GD on a 999-parameter two-layer tanh network, per point.

    Times the scheme build and the tape, the per-entry tree walks they replace on the
    first ``SAMPLE`` components (same run), and the order-2 field per point with the
    numba node loop and with the levelled NumPy kernels.
    """
    import numpy as np

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "numeric"))
    from test_jet_fields import two_layer_network

    from limitdyn._model_checks import as_expr, as_exprs
    from limitdyn.numeric._jet_fields import jet_field

    sample = 100
    start = time.perf_counter()
    scheme = two_layer_network(333, 8)
    built = time.perf_counter() - start
    values = scheme.stages[0].values[:sample]
    walk = timed_call(lambda: [as_expr(e, where="entry") for e in values])
    shared = timed_call(lambda: as_exprs(values, where="field"))
    field = [(e - v) / scheme.step for v, e in zip(scheme.variables, values)]
    trees = timed_call(lambda: [(f.has(scheme.step), f.free_symbols) for f in field])
    print(
        f"999-parameter network: scheme built in {built:.1f} s; constructor checks on "
        f"{sample} of the 999 entries: per-entry tree walks {walk:.2f} s, shared walk "
        f"{shared:.3f} s (x{walk / shared:.0f})"
    )
    per_point = {}
    for engine in ("numba", "numpy"):
        start = time.perf_counter()
        jf = jet_field(scheme, engine=engine)
        taped = time.perf_counter() - start
        z = np.random.default_rng(3).uniform(-1, 1, scheme.dim)
        jf.modified(z, tau=0.1, order=2)
        point = functools.partial(jf.modified, z, tau=0.1, order=2)
        best = min(timed_point(point, repeats=20) for _ in range(3))
        per_point[engine] = best
        print(
            f"  {engine:5s}: tape {taped:.2f} s ({jf.size} nodes); order-2 modified field "
            f"{best * 1e3:.2f} ms per point (best of 3 x 20)"
        )
    print(
        f"  landed tape walks (has(tau), free_symbols) on {sample} components: {trees:.2f} s; "
        f"numba / numpy per point: x{per_point['numpy'] / per_point['numba']:.1f} | "
        f"target < 5 ms: {'PASS' if per_point['numba'] < 5e-3 else 'FAIL'}"
    )


def timed_call(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def timed_point(call: Callable[[], object], *, repeats: int) -> float:
    start = time.perf_counter()
    for _ in range(repeats):
        call()
    return (time.perf_counter() - start) / repeats


if __name__ == "__main__":
    if "--jets" in sys.argv:
        jets_main()
    else:
        if "--closure" not in sys.argv:
            main()
        closure_main("--full" in sys.argv)
