"""Public, composable hypothesis strategies for schemes and vector fields.

Use them in property tests of scheme theorems::

    from hypothesis import given
    from limitdyn.testing import strategies as lst

    @given(lst.polynomial_fields(dim=2))
    def test_something(field): ...

hypothesis is needed only when this module is imported.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp
from hypothesis import strategies as st

import limitdyn as ld

__all__ = [
    "SYMBOLS",
    "coefficients",
    "polynomial_fields",
    "polynomials",
    "rates",
    "schemes",
]

#: default state symbols, as many as a strategy needs
SYMBOLS = sp.symbols("x0:6")


def coefficients(*, bound: int = 3) -> st.SearchStrategy[sp.Rational]:
    """Exact rationals ``p/q`` with ``|p| <= bound`` and ``1 <= q <= bound``."""
    return st.builds(sp.Rational, st.integers(-bound, bound), st.integers(1, bound))


@st.composite
def polynomials(
    draw: st.DrawFn,
    variables: Sequence[sp.Symbol],
    *,
    max_degree: int = 3,
    max_terms: int = 4,
    bound: int = 3,
) -> sp.Expr:
    """A polynomial in ``variables`` with exact rational coefficients."""
    n_terms = draw(st.integers(0, max_terms))
    expr = sp.S.Zero
    for _ in range(n_terms):
        powers = draw(
            st.lists(st.integers(0, max_degree), min_size=len(variables), max_size=len(variables))
        )
        if sum(powers) > max_degree:
            continue
        monomial = sp.Mul(*[v**k for v, k in zip(variables, powers)])
        expr += draw(coefficients(bound=bound)) * monomial
    return expr


@st.composite
def polynomial_fields(
    draw: st.DrawFn,
    *,
    dim: int = 2,
    variables: Sequence[sp.Symbol] | None = None,
    max_degree: int = 3,
    max_terms: int = 4,
) -> tuple[tuple[sp.Symbol, ...], tuple[sp.Expr, ...]]:
    """``(variables, field)``: a polynomial vector field on ``dim`` variables."""
    vs = tuple(variables) if variables is not None else tuple(SYMBOLS[:dim])
    field = tuple(draw(polynomials(vs, max_degree=max_degree, max_terms=max_terms)) for _ in vs)
    return vs, field


def rates(*, bound: int = 4) -> st.SearchStrategy[sp.Rational]:
    """Positive exact rationals, for per-block rates."""
    return st.builds(sp.Rational, st.integers(1, bound), st.integers(1, bound))


@st.composite
def schemes(
    draw: st.DrawFn,
    *,
    dim: int = 2,
    kinds: Sequence[str] = ("explicit", "implicit", "alternating", "simultaneous"),
    max_degree: int = 2,
) -> tuple[ld.Scheme, tuple[sp.Expr, ...]]:
    """``(scheme, limit_field)``: a scheme built from a polynomial field, with the field
    (rates included) that its limit ODE must equal."""
    vs, field = draw(polynomial_fields(dim=dim, max_degree=max_degree))
    kind = draw(st.sampled_from(list(kinds)))
    if kind == "explicit":
        return ld.explicit(field, vs), field
    if kind == "implicit":
        return ld.implicit(field, vs), field
    cut = draw(st.integers(1, dim - 1)) if dim > 1 else 1
    blocks = [(vs[:cut], field[:cut]), (vs[cut:], field[cut:])] if dim > 1 else [(vs, field)]
    block_rates = [draw(rates()) for _ in blocks]
    limit = tuple(r * f for (bv, bf), r in zip(blocks, block_rates) for f in bf)
    if kind == "alternating":
        implicit = draw(st.booleans())
        return ld.alternating(blocks, rates=block_rates, implicit=implicit), limit
    return ld.simultaneous(blocks, rates=block_rates), limit
