"""Property tests: the order-k modified field reproduces random polynomial schemes to
O(tau^(k+2)) per step (the defining property of backward error analysis, [HLW IX.1]).

The flow of the truncated field is computed independently of the library's recursion: as
the Taylor series of the ODE solution, ``z(t) = sum_n t^n/n! L^n z`` with ``L = L_{f~}``
(tau kept as a symbol inside ``f~``), evaluated at ``t = tau``.

[HLW] E. Hairer, C. Lubich, G. Wanner, Geometric Numerical Integration, 2nd ed., ch. IX.
"""

from __future__ import annotations

from math import factorial

import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import limitdyn as ld
from limitdyn.testing import strategies as lst

tau = ld.tau


def flow_series(field: sp.Matrix, zs: tuple[sp.Symbol, ...], upto: int) -> sp.Matrix:
    """Taylor polynomial in tau (degree <= upto) of the time-tau flow of ``field``."""
    term = sp.Matrix(zs)
    total = sp.Matrix(zs)
    for n in range(1, upto + 1):
        term = (term.jacobian(zs) * field).applyfunc(sp.expand)
        total += term * tau**n / factorial(n)
    return total.applyfunc(lambda e: _truncate(e, upto))


def _truncate(e: sp.Expr, upto: int) -> sp.Expr:
    poly = sp.Poly(sp.expand(e), tau)
    return sp.Add(*[c * tau ** m[0] for m, c in poly.terms() if m[0] <= upto])


def lowest_tau_power(e: sp.Expr) -> float:
    e = sp.expand(e)
    if e == 0:
        return float("inf")
    return float(min(m[0] for m in sp.Poly(e, tau).monoms()))


@settings(max_examples=25)
@given(lst.polynomial_fields(dim=2, max_degree=2), st.integers(0, 2))
def test_explicit_map_truncation_error(case, k) -> None:
    """The explicit Euler map z + tau f differs from the flow of the order-k field by
    O(tau^(k+2)) [HLW IX.1, Thm 1.2]."""
    zs, field = case
    scheme = ld.explicit(field, zs)
    me = ld.modified_equation(scheme, order=k)
    flow = flow_series(me.field(), zs, k + 1)
    exact_map = sp.Matrix([scheme.map()[v] for v in zs])
    for a, b in zip(exact_map, flow):
        assert lowest_tau_power(a - b) >= k + 2


@settings(max_examples=20)
@given(lst.schemes(dim=2, max_degree=2), st.integers(0, 2))
def test_every_scheme_kind_truncation_error(case, k) -> None:
    """The same property for explicit, implicit, alternating (explicit or implicit blocks,
    rates) and simultaneous schemes, against the map's series."""
    scheme, limit = case
    me = ld.modified_equation(scheme, order=k)
    assert all(sp.expand(a - b) == 0 for a, b in zip(me.terms[0], limit))
    flow = flow_series(me.field(), scheme.variables, k + 1)
    series = ld.map_series(scheme, order=k + 1)
    for i in range(scheme.dim):
        mapped = sum(series[i, j] * tau**j for j in range(k + 2))
        assert lowest_tau_power(mapped - flow[i]) >= k + 2
