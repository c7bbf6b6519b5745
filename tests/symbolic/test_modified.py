"""Modified equations against published backward-error-analysis results.

Sources:
- [HLW] E. Hairer, C. Lubich, G. Wanner, Geometric Numerical Integration, 2nd ed., ch. IX.
- [BD] D. G. T. Barrett, B. Dherin, "Implicit gradient regularization", ICLR 2021.
- [RWDB] M. Rosca, Y. Wu, B. Dherin, D. G. T. Barrett, "Discretization drift in two-player
  games", ICML 2021.
- [KS] N. B. Kovachki, A. M. Stuart, "Continuous time analysis of momentum methods", JMLR 2021.
- [MOP] A. Mokhtari, A. Ozdaglar, S. Pattathil, "A unified analysis of extra-gradient and
  optimistic gradient methods for saddle point problems: proximal point approach", AISTATS 2020.
"""

from __future__ import annotations

import pytest
import sympy as sp

import limitdyn as ld
from limitdyn.symbolic import ModifiedEquation, modified_equation

tau = ld.tau
x, y, p, q = sp.symbols("x y p q")


def zero(expr: sp.Expr) -> bool:
    return sp.simplify(sp.expand(expr)) == 0


def vec_zero(m: sp.MatrixBase) -> bool:
    return all(zero(e) for e in m)


def hlw_terms(f: sp.Matrix, zs: list[sp.Symbol]) -> tuple[sp.Matrix, sp.Matrix]:
    """f'f and (1/12) f''(f, f) + (1/3) f'f'f, the elementary differentials of [HLW IX.1]."""
    jac = f.jacobian(zs)
    second = sp.Matrix(
        [
            sum(
                sp.diff(fi, a, b) * f[i_a] * f[i_b]
                for i_a, a in enumerate(zs)
                for i_b, b in enumerate(zs)
            )
            for fi in f
        ]
    )
    return jac * f, second / 12 + jac * jac * f / 3


def generic_field() -> tuple[list[sp.Symbol], sp.Matrix]:
    F, G = sp.Function("F"), sp.Function("G")
    return [x, y], sp.Matrix([F(x, y), G(x, y)])


def test_explicit_euler_second_order_hlw() -> None:
    """[HLW IX.1, eq. (1.4)]: explicit Euler has f~ = f - h/2 f'f + h^2 (f''(f,f)/12 + f'f'f/3)."""
    zs, f = generic_field()
    me = modified_equation(ld.explicit(f, zs), order=2)
    ff, third = hlw_terms(f, zs)
    assert vec_zero(me.terms[0] - f)
    assert vec_zero(me.terms[1] + ff / 2)
    assert vec_zero(me.terms[2] - third)


def test_implicit_euler_second_order_hlw() -> None:
    """[HLW IX.1]: implicit Euler (the adjoint of explicit Euler) has
    f~ = f + h/2 f'f + h^2 (f''(f,f)/12 + f'f'f/3)."""
    zs, f = generic_field()
    me = modified_equation(ld.implicit(f, zs), order=2)
    ff, third = hlw_terms(f, zs)
    assert vec_zero(me.terms[1] - ff / 2)
    assert vec_zero(me.terms[2] - third)


def test_gradient_descent_implicit_gradient_regularisation() -> None:
    """[BD, Thm 3.1]: gradient descent on E follows -grad(E + (h/4)|grad E|^2) + O(h^2),
    for any loss E (an undefined function, so this is the general statement)."""
    E = sp.Function("E")(x, y)
    gd = ld.explicit([-E.diff(x), -E.diff(y)], [x, y])
    me = modified_equation(gd, order=2)
    assert me.is_gradient(order=1)
    V = me.modified_potential(order=1)
    assert zero(V - E - tau / 4 * (E.diff(x) ** 2 + E.diff(y) ** 2))
    # at second order the correction -(1/12) D3E(gE, gE) - (1/3) H^2 gE is not a gradient
    assert not me.is_gradient(order=2)
    with pytest.raises(ld.SchemeError, match="not a gradient"):
        me.modified_potential(order=2)


def test_gradient_descent_one_dimension_stays_gradient() -> None:
    """In one dimension every field is a gradient. For E = u^4/4 + u^2 the order-2 potential
    V satisfies V' = -(f - (h/2) f'f + h^2 (f''f^2/12 + f'^2 f/3)), f = -E' [HLW IX.1]. For a
    generic E the h^2 term is not the derivative of a polynomial in E's derivatives (the
    Euler operator of E' E''^2 is 4 E'' E''' + 2 E' E'''' != 0), so no closed form is claimed."""
    u = sp.Symbol("u")
    E = u**4 / 4 + u**2
    me = modified_equation(ld.explicit([-E.diff(u)], [u]), order=2)
    assert me.is_gradient()
    V = me.modified_potential()
    f = -E.diff(u)
    f2 = f.diff(u, 2) * f**2 / 12 + f.diff(u) ** 2 * f / 3
    assert zero(sp.diff(V, u) + (f - tau / 2 * f.diff(u) * f + tau**2 * f2))
    G = sp.Function("E")(u)
    generic = modified_equation(ld.explicit([-G.diff(u)], [u]), order=2)
    assert generic.is_gradient()
    assert zero(generic.modified_potential(order=1) - G - tau / 4 * G.diff(u) ** 2)
    with pytest.raises(ld.SchemeError, match="closed form"):
        generic.modified_potential(order=2)


def test_symplectic_euler_invariant_harmonic_oscillator() -> None:
    """[HLW IX.3 / I.1]: symplectic Euler p+ = p - h q, q+ = q + h p+ keeps
    I = p^2 + q^2 - h p q exactly, so I is a first integral of the modified equation:
    the order-k truncation changes it at rate O(h^(k+1))."""
    scheme = ld.alternating([(p, [-q]), (q, [p])])
    invariant = p**2 + q**2 - tau * p * q
    k = 4
    me = modified_equation(scheme, order=k)
    rate = sp.expand((sp.Matrix([invariant]).jacobian([p, q]) * me.field())[0])
    poly = sp.Poly(rate, tau)
    assert min(m[0] for m in poly.monoms()) >= k + 1
    # the plain flow x' = f does not keep it: the rate is O(h)
    plain = sp.expand((sp.Matrix([invariant]).jacobian([p, q]) * me.terms[0])[0])
    assert plain != 0


def test_symplectic_euler_is_hamiltonian_not_gradient() -> None:
    """The modified field of symplectic Euler is divergence-free at every order [HLW IX.3]."""
    me = modified_equation(ld.alternating([(p, [-q]), (q, [p])]), order=3)
    for t in me.terms:
        assert zero(sp.diff(t[0], p) + sp.diff(t[1], q))


def _gda_fields():
    F, G = sp.Function("F")(x, y), sp.Function("G")(x, y)
    a, l = sp.symbols("alpha lambda", positive=True)
    return F, G, a, l


def test_simultaneous_gda_drift_two_rates() -> None:
    """[RWDB, Thm 3.1]: simultaneous Euler updates with rates alpha h, lambda h follow
    x' = f - (alpha h/2)(f_x f + (lambda/alpha) f_y g) in x's own time; in the common
    time t = n h this is alpha f - (alpha h/2)(alpha f_x f + lambda f_y g), and the same for y."""
    F, G, a, l = _gda_fields()
    s = ld.simultaneous([(x, [F]), (y, [G])], rates=[a, l])
    me = modified_equation(s, order=1, players=[x, y])
    dx = -(tau * a / 2) * (a * F.diff(x) * F + l * F.diff(y) * G)
    dy = -(tau * l / 2) * (a * G.diff(x) * F + l * G.diff(y) * G)
    assert zero(me.player_drift(0)[0] - dx)
    assert zero(me.player_drift(1)[0] - dy)


def test_alternating_gda_drift_two_rates() -> None:
    """[RWDB, Thm 3.2]: alternating updates (x first): x drifts as in the simultaneous case,
    y's interaction term changes sign: (lambda h/2)(alpha g_x f - lambda g_y g) (common time)."""
    F, G, a, l = _gda_fields()
    s = ld.alternating([(x, [F]), (y, [G])], rates=[a, l])
    me = modified_equation(s, order=1)
    assert me.players == ((x,), (y,))
    dx = -(tau * a / 2) * (a * F.diff(x) * F + l * F.diff(y) * G)
    dy = (tau * l / 2) * (a * G.diff(x) * F - l * G.diff(y) * G)
    assert zero(me.player_drift(0)[0] - dx)
    assert zero(me.player_drift(1)[0] - dy)


def test_zero_sum_modified_losses_simultaneous() -> None:
    """[RWDB, Sec. 4, zero-sum games]: with x minimising and y maximising E, simultaneous
    updates give x the loss E + (h/4)(alpha |E_x|^2 - lambda |E_y|^2) and y the loss
    -E + (h/4)(lambda |E_y|^2 - alpha |E_x|^2), each moving by -rate * its own gradient.
    A player's loss is defined up to terms free of its own variables, so compare gradients."""
    x1, x2 = sp.symbols("x1 x2")
    E = sp.Function("E")(x1, x2, y)
    a, l = sp.symbols("alpha lambda", positive=True)
    gx = [E.diff(x1), E.diff(x2)]
    s = ld.simultaneous([([x1, x2], [-g for g in gx]), (y, [E.diff(y)])], rates=[a, l])
    me = modified_equation(s, order=1, players=[[x1, x2], y])
    assert me.is_zero_sum(rates=[a, l])
    Lx, Ly = me.player_losses(rates=[a, l])
    nx, ny = gx[0] ** 2 + gx[1] ** 2, E.diff(y) ** 2
    ex = E + tau / 4 * (a * nx - l * ny)
    ey = -E + tau / 4 * (l * ny - a * nx)
    assert all(zero(sp.diff(Lx - ex, v)) for v in (x1, x2))
    assert zero(sp.diff(Ly - ey, y))


def test_zero_sum_modified_losses_alternating() -> None:
    """[RWDB, Sec. 4]: alternating updates (x first) on a zero-sum game: x's loss as in the
    simultaneous case; y's sees the opponent's gradient norm with the opposite sign:
    -E + (h/4)(lambda |E_y|^2 + alpha |E_x|^2)."""
    E = sp.Function("E")(x, y)
    a, l = sp.symbols("alpha lambda", positive=True)
    s = ld.alternating([(x, [-E.diff(x)]), (y, [E.diff(y)])], rates=[a, l])
    me = modified_equation(s, order=1)
    Lx, Ly = me.player_losses(rates=[a, l])
    nx, ny = E.diff(x) ** 2, E.diff(y) ** 2
    assert zero(sp.diff(Lx - E - tau / 4 * (a * nx - l * ny), x))
    assert zero(sp.diff(Ly + E - tau / 4 * (l * ny + a * nx), y))


def test_general_sum_game_has_no_player_loss() -> None:
    """For a general-sum game the interaction drift f_y g of [RWDB, Thm 3.1] is not a
    gradient in x, so no modified loss is invented."""
    x1, x2, y1 = sp.symbols("x1 x2 y1")
    cx = x1**2 * y1 + x2 * y1**2
    cy = x1 * x2 * y1**2
    s = ld.game(cx, cy, [x1, x2], [y1], implicit=False, order="simultaneous")
    me = modified_equation(s, order=1, players=[[x1, x2], [y1]])
    assert not me.is_zero_sum()
    with pytest.raises(ld.SchemeError, match="player 0"):
        me.player_losses()


def test_bilinear_game_drifts() -> None:
    """[RWDB, Sec. 5] on E = x y: simultaneous GDA drifts outward, (x, y) h/2 (divergence h);
    alternating drifts by (x, -y) h/2, divergence-free (the map is area-preserving)."""
    sim = modified_equation(ld.simultaneous([(x, [-y]), (y, [x])]), order=1, players=[x, y])
    alt = modified_equation(ld.alternating([(x, [-y]), (y, [x])]), order=1)
    assert vec_zero(sim.drift() - tau / 2 * sp.Matrix([x, y]))
    assert vec_zero(alt.drift() - tau / 2 * sp.Matrix([x, -y]))


def test_repeated_block_n_critic() -> None:
    """n explicit Euler steps of size h are the time-nh flow of f - (h/2) f'f + O(h^2)
    [HLW IX.1], so as a scheme of step h the modified field is n f - n (h/2) f'f."""
    u = sp.Symbol("u")
    F = sp.Function("F")(u)
    me = modified_equation(ld.alternating([(u, [F])], repeats=[3]), order=1)
    assert zero(me.terms[0][0] - 3 * F)
    assert zero(me.terms[1][0] + sp.Rational(3, 2) * F.diff(u) * F)


def test_second_order_map_has_no_first_correction() -> None:
    """Heun's method (from_map) is of order exactly 2, so f_1 = 0 and f_2 != 0
    [HLW IX.1, Thm 1.2]."""
    u = sp.Symbol("u")
    F = sp.Function("F")
    heun = ld.from_map({u: u + tau / 2 * (F(u) + F(u + tau * F(u)))})
    me = modified_equation(heun, order=2)
    assert zero(me.terms[1][0])
    assert not zero(me.terms[2][0])


def test_heavy_ball_limit_and_first_correction() -> None:
    """[KS, Sec. 3]: heavy ball with fixed momentum beta has the limit x' = -grad f/(1 - beta).
    The first correction, -(1 + beta)/(2 (1 - beta)^3) H grad f, makes the field
    -(1/(1-beta)) grad(f + h (1 + beta)/(4 (1 - beta)^2) |grad f|^2): the implicit regulariser
    of Ghosh et al. (ICLR 2023) in the common time; at beta = 0 it is [BD]."""
    b = sp.Symbol("beta")
    f = sp.Function("f")(x, y)
    hb = ld.heavy_ball(f, [x, y], momentum=b)
    me = modified_equation(hb, order=1).restrict([x, y])
    g = sp.Matrix([f.diff(x), f.diff(y)])
    H = g.jacobian([x, y])
    assert vec_zero(me.terms[0] + g / (1 - b))
    assert vec_zero(me.terms[1] + (1 + b) / (2 * (1 - b) ** 3) * H * g)
    V = me.modified_potential()
    assert zero(V - (f + tau * (1 + b) / (4 * (1 - b) ** 2) * (g[0] ** 2 + g[1] ** 2)) / (1 - b))


def test_heavy_ball_underlying_map_is_principal_root() -> None:
    """For f = lam x^2/2 the heavy-ball recurrence is linear: x_{n+1} = r x_n with r the
    principal root of r^2 = (1 + beta - h lam) r - beta. The modified field is then
    log(r)/h x exactly; compare its series with the order-3 modified equation."""
    lam = sp.Symbol("lambda", positive=True)
    b = sp.Rational(1, 3)
    hb = ld.heavy_ball(lam * x**2 / 2, x, momentum=b)
    me = modified_equation(hb, order=3).restrict([x])
    c = 1 + b - tau * lam
    r = (c + sp.sqrt(c**2 - 4 * b)) / 2
    exact = sp.series(sp.log(r) / tau, tau, 0, 4).removeO()
    assert zero(me.field()[0] - exact * x)


def test_heavy_ball_doubled_state() -> None:
    """On the doubled state both halves follow the same modified field (one step apart)."""
    b = sp.Rational(1, 2)
    hb = ld.heavy_ball(x**4 / 4, x, momentum=b)
    me = modified_equation(hb, order=2)
    assert me.variables == hb.variables
    xp = hb.previous[0]
    for t in me.terms:
        assert zero(t[1] - t[0].subs(x, xp))


def test_optimistic_and_extragradient_approximate_proximal_point() -> None:
    """[MOP]: optimistic gradient and extragradient approximate the proximal point (implicit
    Euler) method: all three have f~ = F + (h/2) F'F + O(h^2); explicit Euler has -(h/2) F'F."""
    F = sp.Matrix([-(y**3) + x * y, x - y**2])
    zs = [x, y]
    prox = modified_equation(ld.implicit(F, zs), order=1).terms
    og = modified_equation(ld.optimistic(F, zs), order=1).restrict(zs).terms
    eg = modified_equation(ld.extragradient(F, zs), order=1).terms
    ff = F.jacobian(zs) * F
    for terms in (prox, og, eg):
        assert vec_zero(terms[0] - F)
        assert vec_zero(terms[1] - ff / 2)


def test_polynomial_ring_path_agrees_with_expression_path() -> None:
    """Two implementations of the same recursion: the sparse-polynomial fast path and the
    SymPy-expression path over the general map series agree on an implicit alternating game
    with rates and repeats."""
    from limitdyn.symbolic._algebra import ExprAlgebra, RingAlgebra
    from limitdyn.symbolic._backward import _backward_error
    from limitdyn.symbolic._series import scheme_series, stage_series

    cx = x**3 / 3 + x * y**2
    cy = -x * y + y**4 / 4
    s = ld.game(cx, cy, x, y, rates=[1, sp.Rational(1, 2)], repeats=[1, 2])
    k = 2
    alg, d = scheme_series(s, k + 1)
    assert isinstance(alg, RingAlgebra)
    f_ring = _backward_error(d, s.variables, alg, k)
    expr_alg = ExprAlgebra(s.variables, tau)
    d_expr = stage_series(expr_alg, s, k + 1)
    f_expr = _backward_error(d_expr, s.variables, expr_alg, k)
    for a, b in zip(f_ring, f_expr):
        assert all(zero(alg.to_expr(u) - v) for u, v in zip(a, b))


def test_result_type_and_display() -> None:
    me = modified_equation(ld.explicit([x**2], [x]), order=2)
    assert isinstance(me, ModifiedEquation)
    assert me.order == 2
    assert len(me.terms) == 3 and me.terms[0].shape == (1, 1)
    assert "ModifiedEquation" in repr(me) and "order=2" in repr(me)
    assert r"\tau" in me.latex() and r"\dot{x}" in me.latex()
    assert me.pretty().startswith("x' = ")
    reps, reduced = me.cse()
    assert zero(reduced[0].subs(list(reversed(reps))) - me.field()[0])
    ode = me.ode(order=1)
    assert isinstance(ode, ld.ODE) and ode.parameters == (tau,)
    assert zero(ode.rhs[0] - (x**2 - tau * x**3))


def test_errors_name_the_piece() -> None:
    me = modified_equation(ld.explicit([x**2], [x]), order=1)
    with pytest.raises(ld.SchemeError, match="order"):
        modified_equation(ld.explicit([x], [x]), order=-1)
    with pytest.raises(ld.SchemeError, match="order"):
        modified_equation(ld.explicit([x], [x]), order=1.5)  # type: ignore[arg-type]
    with pytest.raises(ld.SchemeError, match="Scheme"):
        modified_equation("x' = x", order=1)  # type: ignore[arg-type]
    with pytest.raises(ld.SchemeError, match="identity"):
        modified_equation(ld.from_map({x: 2 * x + tau}), order=1)
    with pytest.raises(ld.SchemeError, match="computed to order 1"):
        me.field(order=3)
    with pytest.raises(ld.SchemeError, match="not a variable"):
        modified_equation(ld.explicit([x], [x]), order=1, players=[y])
    with pytest.raises(ld.SchemeError, match="also belongs"):
        modified_equation(ld.explicit([x, y], [x, y]), order=1, players=[[x, y], [y]])
    with pytest.raises(ld.SchemeError, match="out of range"):
        me.player_drift(3)
    with pytest.raises(ld.SchemeError, match="depends on the dropped"):
        modified_equation(ld.explicit([y, x], [x, y]), order=0).restrict([x])
