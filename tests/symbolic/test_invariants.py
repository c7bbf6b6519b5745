"""Exact invariants, growth factors, modified invariants and modified Hamiltonians (issue 11)."""

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import limitdyn as ld
from limitdyn.errors import InputError, SchemeError

q, p, x, y, tau = sp.symbols("q p x y tau")
tau = ld.tau


def _step(scheme, expr):
    from limitdyn.symbolic._invariants import exact_map

    return sp.cancel(expr.xreplace(exact_map(scheme)))


def test_symplectic_euler_oscillator_invariant_and_order_flip():
    # HLW I.1 / IX.3: symplectic Euler on q' = p, p' = -q conserves p^2 + q^2 -+ tau p q
    # exactly; which sign depends on which variable is updated first
    q_first = ld.alternating([(q, [p]), (p, [-q])])
    p_first = ld.alternating([(p, [-q]), (q, [p])])
    (i1,) = ld.invariants(q_first, degree=2)
    (i2,) = ld.invariants(p_first, degree=2)
    assert sp.expand(i1 - (p**2 + q**2 + tau * p * q)) == 0
    assert sp.expand(i2 - (p**2 + q**2 - tau * p * q)) == 0
    for scheme, inv in ((q_first, i1), (p_first, i2)):  # independent check by substitution
        assert sp.expand(_step(scheme, inv) - inv) == 0


def test_explicit_euler_has_no_quadratic_invariant_and_a_growth_factor():
    # explicit Euler on the oscillator: |z_{n+1}|^2 = (1 + tau^2)|z_n|^2 (HLW I.1, Fig. 1.4)
    euler = ld.explicit([p, -q], [q, p])
    assert ld.invariants(euler, degree=2) == []
    assert sp.simplify(ld.growth_factor(euler, q**2 + p**2) - (1 + tau**2)) == 0
    report = ld.modified_invariant_report(euler, q**2 + p**2, order=2)
    assert report.expr is None and "tau**2" in report.why
    assert ld.modified_invariant(euler, q**2 + p**2, order=0) == q**2 + p**2


def test_gda_growth_factors():
    # simultaneous GDA on x y multiplies x^2 + y^2 by 1 + tau^2 (Mescheder et al. 2018,
    # Sec. 2.2); the proximal point method divides it by 1 + tau^2; alternating: no factor
    blocks = [(x, [-y]), (y, [x])]
    assert sp.simplify(ld.growth_factor(ld.simultaneous(blocks), x**2 + y**2) - 1 - tau**2) == 0
    g = ld.growth_factor(ld.simultaneous(blocks, implicit=True), x**2 + y**2)
    assert sp.simplify(g - 1 / (1 + tau**2)) == 0
    assert ld.growth_factor(ld.alternating(blocks), x**2 + y**2) is None


def test_modified_invariant_matches_exact_invariant_and_changes_at_next_order():
    # the alternating oscillator: the modified invariant to any order is the exact one
    scheme = ld.alternating([(q, [p]), (p, [-q])])
    mod = ld.modified_invariant(scheme, q**2 + p**2, order=3)
    assert sp.expand(_step(scheme, mod) - mod) == 0
    # cubic oscillator x' = y, y' = -x^3 under symplectic Euler: change per step O(tau^(k+2))
    se = ld.alternating([(y, [-(x**3)]), (x, [y])])
    h = y**2 / 2 + x**4 / 4
    for order in (0, 1, 2):
        m = ld.modified_invariant(se, h, order=order)
        change = sp.expand(_step(se, m) - m)
        low = sp.Poly(change, tau).monoms()
        assert min(e[0] for e in low) >= order + 2


def test_pendulum_modified_hamiltonian_hlw():
    # HLW IX.3 (modified Hamiltonian of symplectic Euler p+ = p - h H_q(p+, q),
    # q+ = q + h H_p(p+, q)):
    # H~ = H - h/2 H_p H_q + h^2/12 (H_pp H_q^2 + H_qq H_p^2 + 4 H_pq H_p H_q) + O(h^3)
    h = p**2 / 2 - sp.cos(q)
    se = ld.alternating([(p, [-sp.sin(q)]), (q, [p])])
    got = ld.modified_hamiltonian(se, h, order=2, qp=(q, p))
    hp, hq = sp.diff(h, p), sp.diff(h, q)
    hlw = (
        h
        - tau / 2 * hp * hq
        + tau**2
        / 12
        * (sp.diff(h, p, 2) * hq**2 + sp.diff(h, q, 2) * hp**2 + 4 * sp.diff(h, p, q) * hp * hq)
    )
    diff = sp.simplify(sp.expand_trig(got - hlw))
    assert diff.free_symbols <= {tau} and sp.diff(diff, tau, 1).subs(tau, 0) == 0
    assert sp.simplify(sp.diff(diff, q)) == 0 and sp.simplify(sp.diff(diff, p)) == 0
    # explicit Euler is not symplectic: no modified Hamiltonian beyond order 0
    assert ld.modified_hamiltonian(ld.explicit([p, -sp.sin(q)], [q, p]), h, order=1) is None


def test_parameter_in_invariant_coefficients():
    # alternating GDA with a rate parameter w: invariant x^2 + y^2 - w tau x y (scaling of HLW I.1)
    w = sp.Symbol("w", positive=True)
    scheme = ld.alternating([(x, [-w * y]), (y, [w * x])])
    (inv,) = ld.invariants(scheme, degree=2)
    assert sp.expand(inv - (x**2 + y**2 - w * tau * x * y)) == 0


def test_bad_quantities():
    scheme = ld.explicit([p, -q], [q, p])
    z = sp.Symbol("z")
    with pytest.raises(InputError, match="z"):
        ld.growth_factor(scheme, q**2 + z)
    with pytest.raises(InputError, match="degree"):
        ld.invariants(scheme, degree=-1)
    with pytest.raises(InputError, match="not a SymPy expression"):
        ld.modified_invariant(scheme, "q**2", order=1)
    with pytest.raises(SchemeError, match="nonlinear"):
        ld.invariants(ld.implicit([p, -(q**3)], [q, p]), degree=2)


@st.composite
def bilinear_games(draw):
    entries = draw(st.lists(st.integers(-2, 2), min_size=4, max_size=4))
    if all(e == 0 for e in entries):
        entries[0] = 1
    return sp.Matrix(2, 2, entries)


@settings(deadline=None, max_examples=10)
@given(bilinear_games())
def test_property_alternating_bilinear_invariants_are_exact(a):
    # alternating GDA on x^T A y (4-D): x+ = x - tau A y, y+ = y + tau A^T x+ conserves
    # |x|^2 + |y|^2 - tau x^T A y exactly (the 1-D identity of HLW I.1 applied blockwise)
    xs, ys = sp.symbols("x1 x2"), sp.symbols("y1 y2")
    cost = (sp.Matrix([xs]) * a * sp.Matrix(ys))[0]
    scheme = ld.alternating(
        [(xs, [-sp.diff(cost, v) for v in xs]), (ys, [sp.diff(cost, v) for v in ys])]
    )
    found = ld.invariants(scheme, degree=2)
    for inv in found:
        assert sp.expand(_step(scheme, inv) - inv) == 0
    known = sum(v**2 for v in xs + ys) - tau * cost
    assert sp.expand(_step(scheme, known) - known) == 0
    coeffs = sp.symbols(f"c0:{len(found)}")
    residual = sp.expand(sum(c * e for c, e in zip(coeffs, found)) - known)
    eqs = sp.Poly(residual, *xs, *ys).coeffs()
    assert sp.solve(eqs, coeffs, dict=True)  # the known invariant lies in the span
