"""Turinici's Lemma 2 (arXiv:2012.10410, Appendix A.2, eqs. (36)-(38)), for random maps.

Along the gradient flow ``x' = -grad_x (f o g)(x)`` (36) the object ``o = g(x)`` moves by
``o' = -(grad f)(o) J J^T`` (38), ``J`` the Jacobian of ``g``: a gradient flow of ``f``
when ``J J^T = I`` (point 2), and in general not. Point 3: where the flow is stationary
and ``J^T`` is injective, ``o`` is a critical point of ``f``.

The velocity is computed here independently by the chain rule, ``o' = J x'``, from the flow
(36) written out directly, and compared with ``ld.pushforward``. The fixed examples
(an undefined ``f``, a non-injective ``J^T``, the joint system integrated) are in
``tests/symbolic/test_pushforward.py``.
"""

from __future__ import annotations

import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import limitdyn as ld
from limitdyn.testing import strategies as lst

from ._cases import budget, rational_orthogonal

XS = sp.symbols("x0:2", real=True)
OS = sp.symbols("o0:2", real=True)


def _flow(f: sp.Expr, g: list[sp.Expr]) -> ld.ODE:
    composed = f.xreplace(dict(zip(OS, g)))
    return ld.ODE(XS, [-sp.diff(composed, v) for v in XS])


@st.composite
def maps_and_losses(draw: st.DrawFn) -> tuple[list[sp.Expr], sp.Expr]:
    """A random polynomial map ``g: R^2 -> R^2`` (affine part plus a quadratic part) and a
    random polynomial loss ``f`` of degree <= 3 on the objects."""
    g = [
        draw(lst.polynomials(XS, max_degree=2, max_terms=3, bound=2))
        + sum((draw(lst.coefficients(bound=2)) * v for v in XS), sp.S.Zero)
        for _ in OS
    ]
    f = draw(lst.polynomials(OS, max_degree=3, max_terms=4, bound=2))
    return g, f


@settings(max_examples=budget(10))
@given(maps_and_losses())
def test_object_velocity_is_minus_grad_f_times_j_j_transpose(case) -> None:
    """Eqs. (37)-(38): ``x' = -(grad f)(o) J`` and ``o' = J x' = -(grad f)(o) J J^T``."""
    g, f = case
    flow = _flow(f, g)
    pf = ld.pushforward(flow, g, objects=OS, loss=f)
    jac = sp.Matrix(g).jacobian(XS)
    chain = jac * flow.rhs  # o' = J x', by the chain rule, from the flow itself
    grad_f = sp.Matrix([sp.diff(f, o) for o in OS]).xreplace(dict(zip(OS, g)))
    lemma = -(jac * jac.T) * grad_f  # (38), gradients as columns
    for a, b, c in zip(pf.velocity, chain, lemma):
        assert sp.expand(a - b) == 0, (g, f)
        assert sp.expand(b - c) == 0, (g, f)


@settings(max_examples=budget(10))
@given(rational_orthogonal(2), st.lists(lst.coefficients(), min_size=2, max_size=2), st.data())
def test_orthonormal_jacobian_gives_a_gradient_flow(q, shift, data) -> None:
    """Lemma 2.2: with ``g(x) = Q x + b``, ``Q`` orthogonal (``J J^T = I``), the object
    follows the gradient flow ``o' = -grad f(o)``; scaling ``Q`` by 2 multiplies the
    velocity by 4 (``J J^T = 4 I``), which is no longer the gradient flow of ``f``."""
    f = data.draw(lst.polynomials(OS, max_degree=3, max_terms=4, bound=2))
    assume(any(sp.diff(f, o) != 0 for o in OS))
    g = list(q * sp.Matrix(XS) + sp.Matrix(shift))
    pf = ld.pushforward(_flow(f, g), g, objects=OS, loss=f)
    assert pf.is_gradient_flow(), (q, f)
    grad_f = [sp.diff(f, o).xreplace(dict(zip(OS, g))) for o in OS]
    assert all(sp.expand(v + d) == 0 for v, d in zip(pf.velocity, grad_f))
    g2 = list(2 * q * sp.Matrix(XS) + sp.Matrix(shift))
    pf2 = ld.pushforward(_flow(f, g2), g2, objects=OS, loss=f)
    assert not pf2.is_gradient_flow(), (q, f)
    grad_f2 = [sp.diff(f, o).xreplace(dict(zip(OS, g2))) for o in OS]
    assert all(sp.expand(v + 4 * d) == 0 for v, d in zip(pf2.velocity, grad_f2))


@settings(max_examples=budget(15))
@given(maps_and_losses(), st.lists(lst.coefficients(), min_size=2, max_size=2), st.data())
def test_stationary_with_injective_jacobian_is_critical(case, point, data) -> None:
    """Lemma 2.3: where the flow (36) is stationary and ``J^T`` is injective, ``g(x*)`` is
    a critical point of ``f``. With ``f(o) = |o - g(x*) + w|^2 / 2`` the slope at the
    object is ``w``, and the flow is stationary iff ``J(x*)^T w = 0``: ``w`` is drawn as 0,
    as a vector of the kernel of ``J(x*)^T`` (where ``J`` is singular: stationary, not
    critical, the case the hypothesis excludes) or at random."""
    g, _ = case
    jac_t = sp.Matrix(g).jacobian(XS).T.xreplace(dict(zip(XS, point)))
    kernel = jac_t.nullspace()
    how = data.draw(st.sampled_from(["zero", "kernel", "random"]))
    if how == "kernel" and kernel:
        w = kernel[0]
    elif how == "zero":
        w = sp.zeros(2, 1)
    else:
        w = sp.Matrix(data.draw(st.lists(lst.coefficients(), min_size=2, max_size=2)))
    centre = [gi.xreplace(dict(zip(XS, point))) - wi for gi, wi in zip(g, w)]
    f = sum(((o - c) ** 2 for o, c in zip(OS, centre)), sp.S.Zero) / 2
    pf = ld.pushforward(_flow(f, g), g, objects=OS, loss=f)
    stationary, injective = pf.is_stationary_at(point), pf.is_injective_at(point)
    critical = pf.is_critical_at(point)
    assert stationary == (jac_t * w).is_zero_matrix, (g, point, w)
    assert injective == (not kernel), (g, point)
    assert critical == w.is_zero_matrix, (g, point, w)
    if stationary and injective:
        assert critical, (g, point, w)
