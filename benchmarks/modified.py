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
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable

import sympy as sp

import limitdyn as ld
from limitdyn.symbolic import _backward, _series

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


if __name__ == "__main__":
    main()
