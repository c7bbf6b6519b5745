"""First integrals of limit ODEs (issue 11), each against a published integral."""

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import limitdyn as ld
from limitdyn.errors import InputError

q, p, u, v, a, k = sp.symbols("q p u v a k")


def _lie(integral, ode):
    return sum(sp.diff(integral, x) * f for x, f in zip(ode.variables, ode.rhs))


def _same_span(found, expected, variables):
    """The span of ``found`` equals the span of ``expected`` (coefficient rank)."""
    monos = sorted({m for e in found + expected for m in sp.Poly(e, *variables).monoms()})

    def row(e):
        poly = sp.Poly(e, *variables)
        return [poly.coeff_monomial(m) for m in monos]

    both = sp.Matrix([row(e) for e in found + expected])
    return sp.Matrix([row(e) for e in found]).rank() == both.rank() == len(expected)


def test_harmonic_oscillator_energy():
    # H = (k q^2 + p^2)/2 for q' = p, p' = -k q (HLW I.1): the only quadratic integral
    ode = ld.ODE((q, p), [p, -k * q])
    found = ld.first_integrals(ode, degree=2)
    assert len(found) == 1 and sp.expand(found[0] - (k * q**2 + p**2)) == 0


def test_lotka_volterra_log_basis():
    # HLW I.1.1, eq. (1.4): I(u, v) = ln u - u + 2 ln v - v for u' = u(v - 2), v' = v(1 - u)
    ode = ld.ODE((u, v), [u * (v - 2), v * (1 - u)])
    found = ld.first_integrals(ode, basis=[u, v, sp.log(u), sp.log(v)])
    assert len(found) == 1
    assert sp.simplify(found[0] + (sp.log(u) - u + 2 * sp.log(v) - v)) == 0


def test_rigid_body_two_quadratic_integrals_and_symmetric_cases():
    # Euler's equations (HLW IV.1, Example 1.7 / eq. (1.4)): |y|^2 and sum y_i^2 / I_i
    y1, y2, y3 = sp.symbols("y1 y2 y3")
    i1, i2, i3 = sp.symbols("I1 I2 I3", positive=True)
    rhs = [
        (i2 - i3) / (i2 * i3) * y2 * y3,
        (i3 - i1) / (i3 * i1) * y3 * y1,
        (i1 - i2) / (i1 * i2) * y1 * y2,
    ]
    ode = ld.ODE((y1, y2, y3), rhs)
    found = ld.first_integrals(ode, degree=2)
    ys = (y1, y2, y3)
    expected = [y1**2 + y2**2 + y3**2, y1**2 / i1 + y2**2 / i2 + y3**2 / i3]
    assert _same_span(found, [sp.expand(e * i1 * i2 * i3) for e in expected], ys)
    # a symmetric body I1 = I2 conserves y3 as well (HLW IV.1: y3' = 0)
    special = {tuple(c.values.items()): c.integrals for c in found.special_cases}
    assert ((i1, i2),) in special
    assert any(sp.expand(e - y3) == 0 for e in special[((i1, i2),)])


def test_parameter_values_with_extra_integrals():
    # x' = a x, y' = -y: x^m y^n is an integral exactly when a m = n (degree <= 3: a in {1/2, 1, 2})
    ode = ld.ODE((u, v), [a * u, -v])
    found = ld.first_integrals(ode, degree=3)
    assert list(found) == []
    values = {c.values[a] for c in found.special_cases if c.values[a] != 0}
    assert values == {sp.Rational(1, 2), 1, 2}


def test_separable_toy_gan_closed_form_and_integral():
    # Delgadino's toy GAN (REFERENCES.md): logistic latent -> gamma cosh(theta) + omega^2/2
    th, om = sp.symbols("theta omega")
    g = sp.Symbol("gamma", positive=True)
    cdf = 1 / (1 + sp.exp(-th))
    ode = ld.ODE((th, om), [sp.diff(cdf, th) * om, g * (sp.Rational(1, 2) - cdf)])
    (energy,) = ld.first_integrals(ode)
    assert sp.simplify(energy - (g * sp.cosh(th) + om**2 / 2)) == 0
    # the same from a basis, by coefficient comparison after rewriting cosh in exp
    (again,) = ld.first_integrals(ode, basis=[sp.cosh(th), om**2])
    assert sp.simplify(again - 2 * energy) == 0
    # the lecture's cosh(theta) + omega^2/gamma is not conserved
    assert sp.simplify(_lie(sp.cosh(th) + om**2 / g, ode)) != 0
    # Gaussian latent: no closed form, an Integral whose derivative is the integrand
    cdf = (1 + sp.erf(th / sp.sqrt(2))) / 2
    gauss = ld.ODE((th, om), [sp.diff(cdf, th) * om, g * (sp.Rational(1, 2) - cdf)])
    (e2,) = ld.first_integrals(gauss)
    assert e2.has(sp.Integral)
    assert sp.simplify(_lie(e2, gauss)) == 0


def test_scheme_input_uses_its_limit():
    scheme = ld.alternating([(q, [p]), (p, [-q])])
    assert [sp.expand(e) for e in ld.first_integrals(scheme, degree=2)] == [p**2 + q**2]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"degree": -1}, "degree"),
        ({"basis": sp.log(u)}, "basis"),
        ({"basis": [u, "v"]}, "entry 1"),
        ({"basis": [u, sp.Integer(3)]}, "entry 1"),
        ({"basis": [u, a]}, "entry 1"),
    ],
)
def test_bad_input(kwargs, match):
    ode = ld.ODE((u, v), [u * (v - 2), v * (1 - u)])
    with pytest.raises(InputError, match=match):
        ld.first_integrals(ode, **kwargs)


@st.composite
def linear_hamiltonians(draw):
    """A random quadratic Hamiltonian in (q1, q2, p1, p2) with small integer coefficients."""
    qs = sp.symbols("q1 q2")
    ps = sp.symbols("p1 p2")
    zs = qs + ps
    c = st.integers(-3, 3)
    h = sum(draw(c) * zs[i] * zs[j] for i in range(4) for j in range(i, 4))
    if h == 0:
        h = qs[0] ** 2 + ps[0] ** 2
    return h, qs, ps


@settings(deadline=None, max_examples=15)
@given(linear_hamiltonians())
def test_property_hamiltonian_is_found_and_every_integral_is_one(data):
    # a Hamiltonian is a first integral of its flow (HLW I.1); the ansatz must contain it
    h, qs, ps = data
    rhs = [sp.diff(h, x) for x in ps] + [-sp.diff(h, x) for x in qs]
    ode = ld.ODE(qs + ps, rhs)
    found = ld.first_integrals(ode, degree=2)
    for integral in found:
        assert sp.expand(_lie(integral, ode)) == 0
    if any(r != 0 for r in rhs):
        assert _in_span(sp.expand(h), found, qs + ps)


def _in_span(e, found, variables):
    monos = sorted({m for x in [*found, e] for m in sp.Poly(x, *variables).monoms()})

    def row(x):
        poly = sp.Poly(x, *variables)
        return [poly.coeff_monomial(m) for m in monos]

    base = sp.Matrix([row(x) for x in found]) if found else sp.zeros(0, len(monos))
    return base.rank() == sp.Matrix([row(x) for x in [*found, e]]).rank()
