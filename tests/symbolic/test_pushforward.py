"""Turinici's Lemma 2 (arXiv:2012.10410, Appendix A.2, eqs. (36)-(38)):
limitdyn/symbolic/_pushforward.py."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import limitdyn as ld
from limitdyn import SchemeError

x1, x2 = sp.symbols("x1 x2", real=True)
o1, o2 = sp.symbols("o1 o2", real=True)


def _gradient_flow(f: sp.Expr, g: list, objects: list, xs: list) -> ld.ODE:
    composed = f.subs(dict(zip(objects, g)), simultaneous=True)
    return ld.ODE(xs, [-sp.diff(composed, v) for v in xs])


def test_object_velocity_is_minus_grad_f_j_j_transpose() -> None:
    """Eq. (38) for an undefined f and a nonlinear g: o' = -(grad f)(o) J J^T."""
    f = sp.Function("f")(o1, o2)
    g = [x1 * x2, x1 + sp.sin(x2)]
    pf = ld.pushforward(_gradient_flow(f, g, [o1, o2], [x1, x2]), g, objects=[o1, o2], loss=f)
    J = sp.Matrix(g).jacobian([x1, x2])
    grad = sp.Matrix([f.diff(o1), f.diff(o2)]).subs({o1: g[0], o2: g[1]}, simultaneous=True)
    expected = -(J * J.T) * grad
    assert all(sp.simplify(a - b) == 0 for a, b in zip(pf.velocity, expected))
    assert not pf.is_gradient_flow()


def test_gradient_flow_exactly_when_j_j_transpose_is_identity() -> None:
    """Lemma 2: with orthonormal rows of J (a rotation) o' = -grad f(o)."""
    c, s = sp.Rational(3, 5), sp.Rational(4, 5)
    g = [c * x1 - s * x2, s * x1 + c * x2]
    f = (o1 - 1) ** 2 + o1 * o2**2
    pf = ld.pushforward(_gradient_flow(f, g, [o1, o2], [x1, x2]), g, objects=[o1, o2], loss=f)
    assert pf.is_gradient_flow()
    assert all(sp.expand(v + e) == 0 for v, e in zip(pf.velocity, pf.object_gradient))
    scaled = ld.pushforward(ld.ODE([x1, x2], [0, 0]), [2 * x1], objects=[o1])
    assert not scaled.is_gradient_flow()


def test_lemma_2_3_a_stationary_point_need_not_be_critical() -> None:
    """g = x^2, f = (o - 1)^2 / 2: x = 0 is stationary but o = 0 is not critical, because
    J^T = 2x is not injective there; at x = 1 (J^T injective) stationary implies critical."""
    x, o = sp.symbols("x o", real=True)
    f = (o - 1) ** 2 / 2
    pf = ld.pushforward(_gradient_flow(f, [x**2], [o], [x]), [x**2], objects=[o], loss=f)
    assert pf.is_stationary_at([0]) and not pf.is_critical_at([0])
    assert not pf.is_injective_at([0])
    assert pf.is_stationary_at([1]) and pf.is_critical_at([1]) and pf.is_injective_at([1])


def test_joint_system_keeps_o_equal_to_g_of_x() -> None:
    """Eq. (37)-(38) integrated: started on o = g(x), the solution stays on it."""
    f = (o1 - 1) ** 2 / 2 + o2**2 / 4
    g = [x1 * x2, x1 - x2**2]
    pf = ld.pushforward(_gradient_flow(f, g, [o1, o2], [x1, x2]), g, objects=[o1, o2], loss=f)
    start = [0.3, 0.8]
    o0 = [start[0] * start[1], start[0] - start[1] ** 2]
    sol = ld.integrate(pf.ode(), [*start, *o0], t_eval=np.linspace(0, 2, 50))
    xa, xb = sol.z[:, 0], sol.z[:, 1]
    assert np.allclose(sol.z[:, 2], xa * xb, atol=1e-8)
    assert np.allclose(sol.z[:, 3], xa - xb**2, atol=1e-8)


def test_a_scheme_stands_for_its_limit() -> None:
    f = (o1 - 2) ** 2
    g = [x1 + x2]
    flow = _gradient_flow(f, g, [o1], [x1, x2])
    gd = ld.explicit(list(flow.rhs), [x1, x2])
    a = ld.pushforward(gd, g, objects=[o1], loss=f)
    b = ld.pushforward(flow, g, objects=[o1], loss=f)
    assert a.velocity == b.velocity
    assert "Pushforward(o1' =" in repr(a) and a.latex().startswith(r"\begin{aligned}")


def test_bad_input() -> None:
    with pytest.raises(SchemeError, match="not the gradient flow"):
        ld.pushforward(ld.ODE([x1], [x1]), [x1**2], objects=[o1], loss=o1**2)
    with pytest.raises(SchemeError, match="object names"):
        ld.pushforward(ld.ODE([x1], [x1]), [x1, x1**2], objects=[o1])
    with pytest.raises(SchemeError, match="also a parameter"):
        ld.pushforward(ld.ODE([x1], [x1]), [x1], objects=[x1])
    with pytest.raises(SchemeError, match="no loss"):
        _ = ld.pushforward(ld.ODE([x1], [x1]), [x1]).object_gradient
    with pytest.raises(SchemeError, match="ODE or a scheme"):
        ld.pushforward("x' = x", [x1])
