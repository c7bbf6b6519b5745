"""Proximal steps in a metric (limitdyn/_proximal.py, limitdyn/_metric.py, game(metric=...)).

Sources: Turinici, arXiv:2012.10410, eqs. (3), (8)-(9) (minimising movements); Amari,
Neural Computation 10 (1998) (natural gradient, Fisher metric of N(m, s^2) is
diag(1/s^2, 2/s^2)); Beck & Teboulle, Oper. Res. Lett. 31 (2003) (mirror descent; the
entropic one is multiplicative weights, whose limit is the replicator dynamics,
Hofbauer & Sigmund, "Evolutionary games and population dynamics", 1998); Hairer, Lubich,
Wanner, Geometric Numerical Integration, ch. IX (implicit Euler: f + tau/2 f'f).
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import limitdyn as ld
from limitdyn import SchemeError, tau

m = sp.Symbol("m", real=True)
s = sp.Symbol("s", positive=True)
KL = (s**2 + m**2 - 1) / 2 - sp.log(s)  # KL(N(m, s^2) || N(0, 1))
FISHER = sp.diag(1 / s**2, 2 / s**2)


def _zero(a: sp.Expr) -> bool:
    return sp.simplify(a) == 0


def test_fisher_metric_gives_the_natural_gradient_flow_of_the_kl() -> None:
    """Amari 1998: m' = -s^2 m, s' = s (1 - s^2) / 2 for KL(N(m, s^2) || N(0, 1))."""
    ode = ld.limit_ode(ld.proximal(KL, [m, s], metric=FISHER))
    assert _zero(ode.rhs[0] + s**2 * m)
    assert _zero(ode.rhs[1] - s * (1 - s**2) / 2)


def test_fisher_iterates_converge_at_order_one_to_the_natural_gradient_flow() -> None:
    scheme = ld.proximal(KL, [m, s], metric=FISHER)
    study = ld.convergence_study(
        scheme, [1.0, 2.0], t_end=1.0, taus=0.1 / 2.0 ** np.arange(5), progress=False
    )
    assert abs(study.order - 1) < 0.1


def test_riemannian_metric_limit_is_minus_g_inverse_gradient() -> None:
    """x' = -G(x)^{-1} grad C for a non-diagonal G(x) and an undefined cost C."""
    x, y = sp.symbols("x y", real=True)
    C = sp.Function("C")(x, y)
    G = sp.Matrix([[2 + y**2, x], [x, 1]])
    ode = ld.limit_ode(ld.proximal(C, [x, y], metric=G, at=[0, 0]))
    expected = -G.inv() * sp.Matrix([C.diff(x), C.diff(y)])
    assert all(_zero(a - b) for a, b in zip(ode.rhs, expected))


def test_entropic_mirror_step_on_the_simplex_gives_the_replicator_dynamics() -> None:
    """phi = sum p log p in the free coordinates (p1, p2), p3 = 1 - p1 - p2: the limit is
    p_i' = p_i (F_i - sum_j p_j F_j) with F = -grad C in the full coordinates."""
    p1, p2 = sp.symbols("p1 p2", positive=True)
    q = sp.symbols("q1:4")
    a = sp.symbols("a1:4")
    b = sp.Symbol("b")
    cost_full = sum(ai * qi for ai, qi in zip(a, q)) + b * q[0] * q[1] * q[2]
    p = (p1, p2, 1 - p1 - p2)
    on = dict(zip(q, p))
    phi = sum(pi * sp.log(pi) for pi in p)
    ode = ld.limit_ode(
        ld.proximal(cost_full.xreplace(on), [p1, p2], bregman=phi, at=[sp.Rational(1, 3)] * 2)
    )
    F = [(-cost_full.diff(qi)).xreplace(on) for qi in q]
    mean = sum(pi * fi for pi, fi in zip(p, F))
    for i in range(2):
        assert _zero(ode.rhs[i] - p[i] * (F[i] - mean))


def test_explicit_entropic_mirror_step_is_multiplicative_weights() -> None:
    """The explicit mirror step's limit is the same replicator field, and the exact
    multiplicative-weights map p_i+ = p_i e^{-tau g_i} / sum_j p_j e^{-tau g_j} has the
    proximal map's series to first order in tau."""
    p1, p2 = sp.symbols("p1 p2", positive=True)
    g = sp.symbols("g1:4")
    p = (p1, p2, 1 - p1 - p2)
    cost = sum(gi * pi for gi, pi in zip(g, p))
    phi = sum(pi * sp.log(pi) for pi in p)
    prox = ld.map_series(ld.proximal(cost, [p1, p2], bregman=phi, at=[0.2, 0.3]), order=1)
    weights = [pi * sp.exp(-tau * gi) for pi, gi in zip(p, g)]
    mw = ld.from_map({v: w / sum(weights) for v, w in zip((p1, p2), weights[:2])})
    mw_series = ld.map_series(mw, order=1)
    assert all(_zero(a - b) for a, b in zip(prox, mw_series))


def test_constant_metric_equals_the_euclidean_step_in_coordinates_g_half_x() -> None:
    """argmin (u-x)^T G (u-x)/(2 tau) + C(u) is, in y = G^{1/2} x, the Euclidean step on
    C(G^{-1/2} y): the map series agree exactly to third order."""
    x1, x2, y1, y2 = sp.symbols("x1 x2 y1 y2", real=True)
    root = sp.Matrix([[2, 1], [1, 1]])  # symmetric positive definite: G^{1/2} of G below
    G = root * root
    assert G == sp.Matrix([[5, 3], [3, 2]]) and root.is_positive_definite
    C = x1**4 / 4 + x1 * x2 + x2**2
    xs, ys = sp.Matrix([x1, x2]), sp.Matrix([y1, y2])
    in_y = root.inv() * ys
    C_y = C.xreplace({x1: in_y[0], x2: in_y[1]})
    order = 3
    series_x = ld.map_series(ld.proximal(C, [x1, x2], metric=G), order=order)
    series_y = ld.map_series(ld.proximal(sp.expand(C_y), [y1, y2]), order=order)
    back = {y1: (root * xs)[0], y2: (root * xs)[1]}
    for j in range(order + 1):
        col_y = sp.Matrix([series_y[i, j] for i in range(2)]).xreplace(back)
        col = root.inv() * col_y
        assert all(_zero(col[i] - series_x[i, j]) for i in range(2))


def test_metric_step_modified_equation_is_implicit_euler_of_the_natural_field() -> None:
    """With a constant G the step is implicit Euler on f = -G^{-1} grad C, whose first
    modified equation is f + (tau/2) f' f (Hairer-Lubich-Wanner IX)."""
    x1, x2 = sp.symbols("x1 x2")
    G = sp.Matrix([[3, 1], [1, 1]])
    C = x1**3 / 3 + x1 * x2**2 / 2 + x2**2
    f = -G.inv() * sp.Matrix([C.diff(x1), C.diff(x2)])
    expected = f + tau / 2 * f.jacobian([x1, x2]) * f
    me = ld.modified_equation(ld.proximal(C, [x1, x2], metric=G), order=1)
    got = me.terms[0] + tau * me.terms[1]
    assert all(_zero(a - b) for a, b in zip(got, expected))


def test_quadratic_form_step_agrees_with_the_geodesic_step_to_first_order_only() -> None:
    """1-D metric G = 1/x^2: the geodesic distance is |log(u/x)|, so the geodesic step
    solves log(u/x) + tau u C'(u) = 0. Its series agrees with the quadratic-form step
    through tau^1 (same limit) and differs at tau^2 (as the docstring says)."""
    x = sp.Symbol("x", positive=True)
    C = x**2 / 2
    ours = ld.proximal(C, [x], metric=sp.Matrix([[1 / x**2]]))
    w = sp.Dummy("w", positive=True)
    geodesic = ld.Scheme(
        variables=(x,),
        stages=(
            ld.ImplicitStage(targets=(x,), unknowns=(w,), residual=(sp.log(w / x) + tau * w * w,)),
        ),
    )
    a = ld.map_series(ours, order=2)
    b = ld.map_series(geodesic, order=2)
    assert _zero(a[0, 0] - b[0, 0]) and _zero(a[0, 1] - b[0, 1])
    assert not _zero(a[0, 2] - b[0, 2])


@pytest.mark.parametrize("order", ["x-first", "y-first", "simultaneous"])
@pytest.mark.parametrize("implicit", [True, False])
def test_game_in_the_players_metrics_has_the_natural_gradient_dual_flow(
    order: str, implicit: bool
) -> None:
    """x' = -G_x^{-1} grad_x C^x, y' = -G_y^{-1} grad_y C^y (Turinici (7) in the metrics)."""
    x = sp.Symbol("x", positive=True)
    y1, y2 = sp.symbols("y1 y2", real=True)
    cx = x**2 * y1 + x * y2
    cy = -cx + y1**2 / 2 + y2**2
    Gx = sp.Matrix([[1 / x**2]])
    Gy = sp.Matrix([[2, 1], [1, 1 + y1**2]])
    scheme = ld.game(
        cx, cy, [x], [y1, y2], metric=(Gx, Gy), order=order, implicit=implicit, at=[1, 0, 0]
    )
    ode = ld.limit_ode(scheme)
    fx = -Gx.inv() * sp.Matrix([cx.diff(x)])
    fy = -Gy.inv() * sp.Matrix([cy.diff(y1), cy.diff(y2)])
    assert all(_zero(a - b) for a, b in zip(ode.rhs, [*fx, *fy]))


def test_game_metric_with_rates_and_repeats() -> None:
    x, y = sp.symbols("x y", real=True)
    scheme = ld.game(
        x * y, -x * y, x, y, metric=(sp.Matrix([[2]]), None), rates=[1, 3], repeats=[2, 1]
    )
    ode = ld.limit_ode(scheme)
    assert _zero(ode.rhs[0] + 2 * y / 2) and _zero(ode.rhs[1] - 3 * x)


def test_euclidean_proximal_is_implicit_euler() -> None:
    x, y = sp.symbols("x y")
    C = x**4 / 4 + x * y + y**2
    a = ld.iterate(ld.proximal(C, [x, y]), [1.0, 0.5], tau=0.1, steps=20, engine="numpy")
    field = [-C.diff(x), -C.diff(y)]
    b = ld.iterate(ld.implicit(field, [x, y]), [1.0, 0.5], tau=0.1, steps=20, engine="numpy")
    assert np.allclose(a.z, b.z, rtol=0, atol=1e-12)


# -- bad input ----------------------------------------------------------------------------

X, Y = sp.symbols("x y", real=True)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"metric": sp.Matrix([[1, 0, 0], [0, 1, 0]])}, "not square"),
        ({"metric": sp.Matrix([[1, 0, 0], [0, 1, 0], [0, 0, 1]])}, "not square"),
        ({"metric": sp.Matrix([[1, X], [0, 1]])}, "not symmetric: entry \\(0, 1\\)"),
        ({"metric": sp.Matrix([[1, 2], [2, 1]])}, "not positive definite.*size 2 is -3"),
        ({"metric": sp.Matrix([[X, 0], [0, 1]]), "at": [-1, 0]}, "not positive definite at"),
        ({"metric": sp.Matrix([[X, 0], [0, 1]])}, "cannot decide.*at="),
        ({"metric": sp.eye(2) * (1 + tau)}, "depends on the step"),
        ({"metric": "[[1, 0], [0, 1]]"}, "string"),
        ({"bregman": X**4 + Y**2, "at": [0, 1]}, "bregman potential.*not positive definite"),
        ({"bregman": -(X**2) - Y**2}, "bregman potential.*size 1 is -2"),
        ({"metric": sp.eye(2), "bregman": X**2 + Y**2}, "not both"),
        ({"metric": sp.diag(X, 1), "at": {"y": 0}}, "still depends on x"),
    ],
)
def test_bad_metrics_are_refused_naming_them(kwargs: dict, match: str) -> None:
    with pytest.raises(SchemeError, match=match):
        ld.proximal(X**2 + Y**2, [X, Y], **kwargs)


def test_game_metric_errors() -> None:
    with pytest.raises(SchemeError, match="one metric per player"):
        ld.game(X * Y, -X * Y, X, Y, metric=sp.eye(1))
    with pytest.raises(SchemeError, match="metric of y is not positive definite"):
        ld.game(X * Y, -X * Y, X, Y, metric=(None, sp.Matrix([[-1]])))
    with pytest.raises(SchemeError, match="give metric="):
        ld.game(X * Y, -X * Y, X, Y, at=[0, 0])


def test_riemannian_step_runs_on_both_engines(engine: str) -> None:
    """The Newton solve of the metric step: the iterates satisfy the step's optimality
    condition G(x_k)(x_{k+1} - x_k) + tau grad C(x_{k+1}) = 0 on either engine."""
    scheme = ld.proximal(KL, [m, s], metric=FISHER)
    h = 0.05
    run = ld.iterate(scheme, [1.0, 2.0], tau=h, steps=40, engine=engine)
    mk, sk = run.z[:-1, 0], run.z[:-1, 1]
    mn, sn = run.z[1:, 0], run.z[1:, 1]
    res_m = (mn - mk) / sk**2 + h * mn
    res_s = 2 * (sn - sk) / sk**2 + h * (sn - 1 / sn)
    assert np.abs(res_m).max() < 1e-12 and np.abs(res_s).max() < 1e-12


def test_analyses_work_on_metric_proximal_steps() -> None:
    """A metric proximal step is an ordinary scheme: its linearisation, stability bound and
    modified equation are those of implicit Euler on the natural-gradient field.

    For C = (x^2 + 10 y^2)/2 and G = diag(2, 1) the field is f = -G^{-1} grad C =
    (-x/2, -10 y); implicit Euler multiplies each mode by 1/(1 - tau lambda) (Hairer and
    Wanner, Solving ODEs II, IV.3: A-stable, so every tau > 0 is stable), and its first
    modified equation is f + (tau/2) f'f (Hairer, Lubich, Wanner, ch. IX.1).
    """
    x, y = sp.symbols("x y")
    scheme = ld.proximal((x**2 + 10 * y**2) / 2, [x, y], metric=sp.Matrix([[2, 0], [0, 1]]))
    report = ld.linear_stability(scheme, at={x: 0, y: 0})
    t = ld.tau
    assert {sp.simplify(e) for e in report.eigenvalues} == {2 / (2 + t), 1 / (1 + 10 * t)}
    assert report.max_stable_step() == sp.oo
    f = sp.Matrix([-x / 2, -10 * y])
    expected = f + t / 2 * f.jacobian([x, y]) * f
    drift = ld.modified_equation(scheme, order=1).field(order=1)
    assert sp.simplify(drift - expected) == sp.zeros(2, 1)
