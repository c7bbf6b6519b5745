"""Turinici's Lemma 1 (arXiv:2012.10410, Appendix A.1, eqs. (31)-(35)), for random fields.

For ``f`` bounded (``|f| <= C_f``) and Lipschitz (constant ``L``), explicit
``x+ = x + tau f(x)`` (31) and implicit ``x+ = x + tau f(x+)`` (32) started at the same point
stay within ``C tau`` of each other on ``[0, T]``. The proof's recursion (34),
``d_{n+1} <= (1 + tau L) d_n + tau^2 L C_f`` with ``d_0 = 0``, sums (discrete Gronwall) to

    d_n <= tau C_f ((1 + tau L)^n - 1) <= tau C_f (e^{L t_n} - 1),

which is the bound checked at every step. (The printed (35), ``tau e^{tau L T} L C_f``,
has lost the factor ``T`` and the exponent's ``tau``, as OCR'd; the recursion (34) itself
is correct.) The bound is sharp in ``tau``: the measured order of ``d_N`` is 1.
"""

from __future__ import annotations

import numpy as np
import sympy as sp
from hypothesis import assume, given, settings

import limitdyn as ld
from limitdyn.numeric import fitted_order

from ._cases import BoundedField, bounded_fields, budget

T = 1.5
TAUS = (0.02, 0.01, 0.005)


def _distance(case: BoundedField, z0: list[float], tau: float) -> tuple[np.ndarray, np.ndarray]:
    explicit = ld.iterate(
        ld.explicit(case.field, case.variables), z0, tau=tau, t_end=T, engine="numpy"
    )
    implicit = ld.iterate(
        ld.implicit(case.field, case.variables), z0, tau=tau, t_end=T, engine="numpy"
    )
    np.testing.assert_allclose(explicit.t, implicit.t, rtol=0, atol=1e-12)
    return explicit.t, np.linalg.norm(explicit.z - implicit.z, axis=1)


@settings(max_examples=budget(6))
@given(bounded_fields(dim=2))
def test_explicit_and_implicit_iterates_obey_the_gronwall_bound(case) -> None:
    """Lemma 1.2 with the constant of its proof: ``d_n <= tau C_f (e^{L t_n} - 1)``."""
    z0 = [0.5, -0.25]
    # Lemma 1.1 (a unique implicit step) needs tau L < 1; the strategy's weights keep
    # L <= |W|_F |A|_F <= 24, so tau L <= 0.48 for every step size here
    finals = []
    for tau in TAUS:
        t, d = _distance(case, z0, tau)
        bound = tau * case.bound * np.expm1(case.lipschitz * t)
        excess = d - bound
        assert np.all(excess <= 1e-10), (case.field, tau, float(excess.max()))
        finals.append(d[-1])
    # point 2 is sharp: d_N / tau tends to a constant, so the measured order is 1 -- unless
    # f'f vanishes along the path (then d_N is second order or smaller: not a generic case)
    assume(finals[-1] > 1e-6)
    order = fitted_order(list(TAUS), finals)
    assert abs(order - 1.0) < 0.1, (case.field, finals)


def test_beyond_the_hypotheses_a_locally_lipschitz_field_with_a_bounded_orbit() -> None:
    """Lemma 1.2 needs ``f`` bounded and Lipschitz only along the orbits: on the cubic
    field below (neither, globally; its orbit from (1, 0) is bounded) the distance at
    ``T = 3`` still halves when ``tau`` halves. (Moved here from
    ``tests/numeric/test_convergence.py``.)"""
    x, y = sp.symbols("x y")
    field = [y - x**3 / 3, -x - y / 5 + sp.sin(x) / 2]
    explicit = ld.explicit(field, [x, y])
    implicit = ld.implicit(field, [x, y])
    dist = []
    for h in 0.04 / 2.0 ** np.arange(4):
        a = ld.iterate(explicit, [1.0, 0.0], tau=float(h), t_end=3.0).final
        b = ld.iterate(implicit, [1.0, 0.0], tau=float(h), t_end=3.0).final
        dist.append(np.linalg.norm(a - b))
    ratios = np.array(dist[:-1]) / np.array(dist[1:])
    assert np.allclose(ratios, 2.0, atol=0.2)
