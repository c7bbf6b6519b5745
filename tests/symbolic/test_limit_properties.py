"""Property tests: the limit ODE of random polynomial schemes is the (rate-weighted) field."""

from __future__ import annotations

import sympy as sp
from hypothesis import given

import limitdyn as ld
from limitdyn.testing import strategies as lst


@given(lst.schemes(dim=2))
def test_limit_is_the_rate_weighted_field(case) -> None:
    scheme, limit = case
    ode = ld.limit_ode(scheme)
    assert all(sp.expand(a - b) == 0 for a, b in zip(ode.rhs, limit))


@given(lst.polynomial_fields(dim=2, max_degree=2))
def test_implicit_second_coefficient_is_f_prime_f(case) -> None:
    """Implicit Euler: Phi = z + tau f + tau^2 f'f + O(tau^3) (Hairer-Lubich-Wanner, ch. IX)."""
    vs, field = case
    f = sp.Matrix(field)
    series = ld.map_series(ld.implicit(field, vs), order=2)
    expected = f.jacobian(vs) * f
    assert all(sp.expand(series[i, 2] - expected[i]) == 0 for i in range(len(vs)))
