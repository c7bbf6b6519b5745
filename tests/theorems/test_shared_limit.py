"""Explicit and implicit schemes share their small-step limit, for random fields.

Turinici, arXiv:2012.10410, Remark 4 (after Lemma 1): if the implicit curves converge as
``tau -> 0``, the explicit ones converge to the same limit; and Sec. 3: the implicit
alternating scheme (8)-(9) and its explicit counterpart have the dual flow (7) as limit.
In series form (Hairer, Lubich, Wanner, Geometric Numerical Integration, ch. IX): both
maps are ``z + tau f(z) + O(tau^2)`` (blocks weighted by their rates), so their limit ODEs
are equal.

Checked exactly for random polynomial fields and every kind of one-step scheme that has an
explicit and an implicit version (one block, alternating blocks with rates, simultaneous
blocks, Turinici's game in every order). Elsewhere: the opposite first modified terms
``-/+ (1/2) f'f`` for a generic (undefined) field in ``tests/symbolic/test_modified.py``;
the measured order-1 convergence of both to the limit on random bounded fields is the
``k = 0`` case of ``test_modified_global_error.py``; the limit of every kind against the
rate-weighted field in ``tests/symbolic/test_limit_properties.py``.
"""

from __future__ import annotations

import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import limitdyn as ld
from limitdyn.testing import assert_same_limit
from limitdyn.testing import strategies as lst

from ._cases import budget


def _pair(kind: str, vs, field, rates) -> tuple[ld.Scheme, ld.Scheme]:
    blocks = [(vs[:1], field[:1]), (vs[1:], field[1:])]
    if kind == "single":
        return ld.explicit(field, vs), ld.implicit(field, vs)
    if kind == "alternating":
        return (
            ld.alternating(blocks, rates=rates, implicit=False),
            ld.alternating(blocks, rates=rates, implicit=True),
        )
    return ld.simultaneous(blocks, rates=rates), ld.simultaneous(blocks, rates=rates, implicit=True)


@settings(max_examples=budget(10))
@given(
    lst.polynomial_fields(dim=2, max_degree=2),
    st.sampled_from(["single", "alternating", "simultaneous"]),
    st.lists(lst.rates(), min_size=2, max_size=2),
)
def test_explicit_and_implicit_versions_have_the_same_limit(case, kind, rates) -> None:
    """Remark 4 / HLW IX.1: equal limit ODEs, the rate-weighted field, for one block,
    alternating blocks and simultaneous blocks."""
    vs, field = case
    explicit, implicit = _pair(kind, vs, field, rates)
    weights = [1, 1] if kind == "single" else rates
    expected = sp.Matrix([w * f for w, f in zip(weights, field)])
    assert_same_limit(explicit, implicit)
    assert_same_limit(explicit, list(expected))


@settings(max_examples=budget(8))
@given(lst.games(["zero_sum", "general_sum"], dim=1, max_degree=2))
def test_turinici_proximal_game_and_gradient_play_share_the_dual_flow(game) -> None:
    """Turinici eqs. (7)-(9): the implicit (proximal) alternating scheme and explicit
    gradient play, alternating or simultaneous, all have the dual flow
    ``x' = -d_x C^x, y' = -d_y C^y`` as limit (random polynomial games, zero-sum or not)."""
    dual = [-sp.diff(game.f, v) for v in game.x_vars] + [-sp.diff(game.g, v) for v in game.y_vars]
    for order in ("x-first", "y-first", "simultaneous"):
        for implicit in (True, False):
            assert_same_limit(game.scheme(order=order, implicit=implicit), dual)
