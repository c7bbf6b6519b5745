"""Quadratic invariants of gradient play on bilinear games, exactly, for random games.

On ``C(x, y) = x^T A y`` (x minimises, y maximises) with ``A = U diag(sigma) V^T``, mode
``i`` (``u = u_i . x``, ``v = v_i . y``) evolves on its own under every scheme below, and
``Q_i = u^2 + v^2``:

- simultaneous gradient steps multiply ``Q_i`` by ``1 + tau^2 sigma_i^2`` per step
  (Mescheder, Geiger, Nowozin, ICML 2018, Sec. 2.2 and Lemma 2.3: eigenvalues of modulus
  ``sqrt(1 + tau^2 sigma^2)``; Gidel et al., AISTATS 2019, Sec. 3);
- the implicit (proximal-point) simultaneous step divides it by ``1 + tau^2 sigma_i^2``
  (Gidel et al. 2019, Sec. 3; the resolvent of a rotation);
- alternating steps, explicit or implicit (Turinici's eqs. (8)-(9), which coincide with the
  explicit ones here: each player's gradient does not involve its own variable), conserve
  ``Q_i - tau sigma_i u v`` exactly (symplectic Euler on the rotation: Hairer, Lubich,
  Wanner, Geometric Numerical Integration, I.1 and Thm. VI.3.3; Mescheder et al. 2018,
  Lemma 2.4: determinant 1), so the sum ``|x|^2 + |y|^2 - tau x^T A y`` is conserved too.

Two computations are compared: ``ld.growth_factor`` and the one-step map computed here
independently (``z+ = (I + tau M) z`` explicit, ``z+ = (I - tau M)^-1 z`` implicit, with
``M`` the Jacobian of the limit field, exact rationals).
"""

from __future__ import annotations

import sympy as sp
from hypothesis import example, given, settings

import limitdyn as ld
from limitdyn.testing import assert_conserved
from limitdyn.testing import strategies as lst

from ._cases import BilinearGame, bilinear_game_example, bilinear_games, budget

tau = ld.tau


def _step(game: BilinearGame, *, implicit: bool, order: str) -> dict[sp.Symbol, sp.Expr]:
    """The exact one-step map of gradient play on the game, built from its matrices."""
    a = game.matrix
    n = len(game.x)
    xv, yv = sp.Matrix(game.x), sp.Matrix(game.y)
    if order == "simultaneous":
        m = sp.BlockMatrix([[sp.zeros(n), -a], [a.T, sp.zeros(n)]]).as_explicit()
        z = sp.Matrix([*game.x, *game.y])
        op = (sp.eye(2 * n) - tau * m).inv() if implicit else sp.eye(2 * n) + tau * m
        new = (op * z).applyfunc(sp.cancel)
        return dict(zip([*game.x, *game.y], new))
    # x-first: x+ = x - tau A y, then y+ = y + tau A^T x+ (implicit steps are the same maps)
    x_new = xv - tau * a * yv
    y_new = yv + tau * a.T * x_new
    return dict(zip([*game.x, *game.y], [*x_new, *y_new]))


def _scheme(game: BilinearGame, *, implicit: bool, order: str) -> ld.Scheme:
    return ld.game(game.cost, -game.cost, game.x, game.y, order=order, implicit=implicit)


def _after(expr: sp.Expr, step: dict[sp.Symbol, sp.Expr]) -> sp.Expr:
    return sp.cancel(expr.xreplace(step))


@settings(max_examples=budget(12))
@given(bilinear_games())
@example(bilinear_game_example())
def test_simultaneous_steps_grow_each_mode_by_one_plus_tau2_sigma2(game) -> None:
    """Mescheder et al. 2018, Lemma 2.3: ``Q_i(z+) = (1 + tau^2 sigma_i^2) Q_i(z)``."""
    scheme = _scheme(game, implicit=False, order="simultaneous")
    step = _step(game, implicit=False, order="simultaneous")
    for i, s in enumerate(game.sigma):
        u, v = game.mode(i)
        q = u**2 + v**2
        factor = 1 + tau**2 * s**2
        assert sp.expand(_after(q, step) - factor * q) == 0, (game.matrix, i)
        assert_conserved(q, scheme, factor=factor)


@settings(max_examples=budget(12))
@given(bilinear_games())
@example(bilinear_game_example())
def test_implicit_simultaneous_steps_shrink_each_mode_by_one_plus_tau2_sigma2(game) -> None:
    """Gidel et al. 2019, Sec. 3: the proximal point step divides ``Q_i`` by
    ``1 + tau^2 sigma_i^2``."""
    scheme = _scheme(game, implicit=True, order="simultaneous")
    step = _step(game, implicit=True, order="simultaneous")
    for i, s in enumerate(game.sigma):
        u, v = game.mode(i)
        q = u**2 + v**2
        factor = 1 / (1 + tau**2 * s**2)
        assert sp.cancel(_after(q, step) - factor * q) == 0, (game.matrix, i)
        assert_conserved(q, scheme, factor=factor)


@settings(max_examples=budget(12))
@given(bilinear_games())
@example(bilinear_game_example())
def test_alternating_steps_conserve_the_modified_quadratic(game) -> None:
    """HLW I.1 / Thm. VI.3.3 (symplectic Euler on the rotation), Mescheder et al. 2018,
    Lemma 2.4: ``Q_i - tau sigma_i u v`` is conserved exactly, mode by mode and summed,
    by explicit and implicit (Turinici (8)-(9)) alternating play alike; ``Q_i`` itself is
    not multiplied by any constant."""
    x2 = sum(v**2 for v in (*game.x, *game.y))
    summed = x2 - tau * game.cost
    step = _step(game, implicit=False, order="x-first")
    for implicit in (False, True):
        scheme = _scheme(game, implicit=implicit, order="x-first")
        lib_map = ld.map_series(scheme, order=3)  # exact: the map is cubic in tau
        for i, s in enumerate(game.sigma):
            u, v = game.mode(i)
            inv = u**2 + v**2 - tau * s * u * v
            assert sp.expand(_after(inv, step) - inv) == 0, (game.matrix, i)
            assert ld.growth_factor(scheme, u**2 + v**2) is None, (game.matrix, i)
        assert sp.expand(_after(summed, step) - summed) == 0, game.matrix
        # the library's map is the map built here (up to the cubic term, the whole map)
        for j, var in enumerate((*game.x, *game.y)):
            mapped = sum(lib_map[j, m] * tau**m for m in range(4))
            assert sp.expand(mapped - step[var]) == 0, (game.matrix, var)


@settings(max_examples=budget(12))
@given(lst.games("bilinear", dim=(2, 3)))
def test_any_rectangular_bilinear_game(game) -> None:
    """For any ``A`` (here 2 x 3, random rationals): alternating play conserves
    ``|x|^2 + |y|^2 - tau x^T A y`` (HLW I.1 blockwise); simultaneous play adds exactly
    ``tau^2 (|A y|^2 + |A^T x|^2) >= 0`` to ``|z|^2`` (the sum of the modes' growths)."""
    a = sp.Matrix(game.coupling)
    xv, yv = sp.Matrix(game.x_vars), sp.Matrix(game.y_vars)
    r2 = sum(v**2 for v in game.variables)
    cost = (xv.T * a * yv)[0]
    for implicit in (False, True):
        assert_conserved(r2 - tau * cost, game.scheme(order="x-first", implicit=implicit))
    sim = game.scheme(order="simultaneous", implicit=False).map()
    gained = sp.expand(r2.xreplace(sim) - r2)
    ay, atx = a * yv, a.T * xv
    assert sp.expand(gained - tau**2 * ((ay.T * ay)[0] + (atx.T * atx)[0])) == 0, a
