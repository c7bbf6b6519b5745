"""Cases the theorem tests need beyond :mod:`limitdyn.testing.strategies`: fields that
carry the constants a theorem's bound is stated in, games with a prescribed spectrum, and the
example budget of each profile.

Every strategy here builds its objects from exact rationals, so the statements checked
symbolically are checked exactly, and shrinks to small, readable fields.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import sympy as sp
from hypothesis import settings
from hypothesis import strategies as st

from limitdyn.testing import strategies as lst


def budget(n: int) -> int:
    """``n`` examples in the ``ci`` profile, ten times as many in ``thorough``.

    A test that sets its own ``max_examples`` (symbolic or numerical work per example)
    still grows with the profile: ``thorough`` raises ``settings.default.max_examples``.
    """
    return n if settings.default.max_examples <= 30 else 10 * n


class BoundedField(NamedTuple):
    """``f(x) = sum_j W[:, j] act_j(A_j . x + b_j)`` with ``act_j`` in {tanh, sin}.

    ``bound`` is an upper bound ``C_f`` of ``|f|`` (``|act| <= 1``) and ``lipschitz`` one of
    its Lipschitz constant ``L`` (``|act'| <= 1``, so ``|f'| <= |W|_F |A|_F``).
    """

    variables: tuple[sp.Symbol, ...]
    field: tuple[sp.Expr, ...]
    bound: float
    lipschitz: float


@st.composite
def bounded_fields(draw: st.DrawFn, *, dim: int = 2, units: int = 2) -> BoundedField:
    """A smooth, bounded, globally Lipschitz field with its constants ``C_f`` and ``L``
    (the hypotheses of Turinici's Lemma 1), never identically zero."""
    vs = tuple(lst.SYMBOLS[:dim])
    w = [[draw(lst.coefficients()) for _ in range(units)] for _ in range(dim)]
    if all(c == 0 for row in w for c in row):
        w[0][0] = sp.Integer(1)
    a = [[draw(lst.coefficients(bound=2)) for _ in range(dim)] for _ in range(units)]
    for row in a:  # a unit with A_j = 0 is a constant: keep the field non-constant
        if all(c == 0 for c in row):
            row[0] = sp.Integer(1)
    b = [draw(lst.coefficients(bound=2)) for _ in range(units)]
    acts = [draw(st.sampled_from((sp.tanh, sp.sin))) for _ in range(units)]
    pre = [sum((c * v for c, v in zip(row, vs)), sp.S.Zero) + bj for row, bj in zip(a, b)]
    field = tuple(
        sum((w[i][j] * acts[j](pre[j]) for j in range(units)), sp.S.Zero) for i in range(dim)
    )
    bound = math.sqrt(sum(float(sum(abs(c) for c in row)) ** 2 for row in w))
    frob_w = math.sqrt(sum(float(c) ** 2 for row in w for c in row))
    frob_a = math.sqrt(sum(float(c) ** 2 for row in a for c in row))
    return BoundedField(vs, field, bound, frob_w * frob_a)


@st.composite
def rational_orthogonal(draw: st.DrawFn, n: int) -> sp.Matrix:
    """An exactly orthogonal rational matrix: the Cayley transform ``(I - S)(I + S)^-1`` of
    a rational skew-symmetric ``S`` (``I + S`` is always invertible), possibly with a
    reflection, so that every sign pattern of the determinant occurs."""
    s = sp.zeros(n, n)
    for i in range(n):
        for j in range(i + 1, n):
            s[i, j] = draw(lst.coefficients(bound=2))
            s[j, i] = -s[i, j]
    q = (sp.eye(n) - s) * (sp.eye(n) + s).inv()
    if draw(st.booleans()):
        q[:, 0] = -q[:, 0]
    return q.applyfunc(sp.nsimplify)


class BilinearGame(NamedTuple):
    """``C(x, y) = x^T A y`` with ``A = U diag(sigma) V^T`` (``U``, ``V`` orthogonal):
    x minimises ``C``, y maximises it; mode ``i`` is ``(u_i . x, v_i . y)``."""

    x: tuple[sp.Symbol, ...]
    y: tuple[sp.Symbol, ...]
    matrix: sp.Matrix
    u: sp.Matrix
    v: sp.Matrix
    sigma: tuple[sp.Rational, ...]

    @property
    def cost(self) -> sp.Expr:
        return sp.expand((sp.Matrix([self.x]) * self.matrix * sp.Matrix(self.y))[0])

    def mode(self, i: int) -> tuple[sp.Expr, sp.Expr]:
        """The coordinates ``(u_i . x, v_i . y)`` of mode ``i``."""
        ux = (self.u[:, i].T * sp.Matrix(self.x))[0]
        vy = (self.v[:, i].T * sp.Matrix(self.y))[0]
        return sp.expand(ux), sp.expand(vy)


@st.composite
def bilinear_games(draw: st.DrawFn, *, max_dim: int = 2) -> BilinearGame:
    """A square bilinear game with prescribed positive singular values ``sigma_i``."""
    n = draw(st.integers(1, max_dim))
    sigma = tuple(
        draw(st.builds(sp.Rational, st.integers(1, 3), st.integers(1, 3))) for _ in range(n)
    )
    u = draw(rational_orthogonal(n))
    v = draw(rational_orthogonal(n))
    a = u * sp.diag(*sigma) * v.T
    xs = sp.symbols(f"x0:{n}", real=True)
    ys = sp.symbols(f"y0:{n}", real=True)
    return BilinearGame(xs, ys, a, u, v, sigma)


def bilinear_game_example() -> BilinearGame:
    """A fixed 2 x 2 game with distinct singular values ``(2, 1/3)`` and rotations by the
    angles of the 3-4-5 and 5-12-13 triangles: every test runs it besides its draws, so
    a wrong power of ``sigma`` cannot hide behind ``sigma = 1``."""
    u = sp.Matrix([[3, -4], [4, 3]]) / 5
    v = sp.Matrix([[5, 12], [-12, 5]]) / 13
    sigma = (sp.Integer(2), sp.Rational(1, 3))
    xs = sp.symbols("x0:2", real=True)
    ys = sp.symbols("y0:2", real=True)
    return BilinearGame(xs, ys, u * sp.diag(*sigma) * v.T, u, v, sigma)
