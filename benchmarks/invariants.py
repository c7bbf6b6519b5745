"""Benchmark of issue 11: first integrals and invariants by sparse exact linear algebra.

Run: ``.venv/bin/python benchmarks/invariants.py``. Prints the time of each target and,
measured side by side in the same run, the sparse DomainMatrix kernel against SymPy's
dense ``Matrix.nullspace`` on the same linear system (a ratio, robust to machine load).
Targets (quiet machine): degree-4 ansatz in 6 variables < 3 s; degree-2 invariants of a
6-D alternating bilinear game < 2 s.
"""

from __future__ import annotations

import time

import sympy as sp

import limitdyn as ld
from limitdyn.symbolic._first_integrals import _derivative_columns, kernel, monomials


def three_oscillators() -> ld.ODE:
    """q_i' = p_i, p_i' = -k_i q_i, k = 1, 2, 3: three quadratic integrals k_i q_i^2 + p_i^2."""
    qs, ps = sp.symbols("q1:4"), sp.symbols("p1:4")
    rhs = [*ps, *[-(i + 1) * qi for i, qi in enumerate(qs)]]
    return ld.ODE(qs + ps, rhs)


def bilinear_game() -> ld.Scheme:
    xs, ys = sp.symbols("x1:4"), sp.symbols("y1:4")
    a = sp.Matrix([[1, 2, 0], [0, 1, -1], [3, 0, 1]])
    cost = (sp.Matrix([xs]) * a * sp.Matrix(ys))[0]
    return ld.alternating(
        [(xs, [-sp.diff(cost, v) for v in xs]), (ys, [sp.diff(cost, v) for v in ys])]
    )


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def main() -> None:
    ode = three_oscillators()
    found, t_fi = timed(lambda: ld.first_integrals(ode, degree=4))
    print(f"first_integrals, degree 4, 6 variables: {len(found)} integrals in {t_fi:.2f} s")
    game = bilinear_game()
    invs, t_inv = timed(lambda: ld.invariants(game, degree=2))
    print(f"invariants, degree 2, 6-D alternating bilinear game: {len(invs)} in {t_inv:.2f} s")
    cols, field = _derivative_columns(ode, monomials(6, 4))
    _, t_sparse = timed(lambda: kernel(cols, field))
    keys = sorted({k for c in cols for k in c})
    dense = sp.Matrix(len(keys), len(cols), lambda i, j: cols[j].get(keys[i], 0))
    dense = dense.applyfunc(lambda e: sp.Rational(int(e.numerator), int(e.denominator)) if e else 0)
    _, t_dense = timed(dense.nullspace)
    print(
        f"kernel of the {len(keys)}x{len(cols)} system: DomainMatrix {t_sparse:.3f} s, "
        f"Matrix.nullspace {t_dense:.3f} s, ratio dense/sparse {t_dense / t_sparse:.0f}x"
    )


if __name__ == "__main__":
    main()
