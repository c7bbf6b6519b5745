"""Equilibria, linear stability of ODEs and schemes, and the largest stable step."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import limitdyn as ld
from limitdyn.errors import InputError
from limitdyn.symbolic._stability import classify_linear

x, y, a = sp.symbols("x y a")
TAU = ld.tau


# -- equilibria ----------------------------------------------------------------------------


def test_equilibria_are_exact_zeros_with_parameters() -> None:
    """Every solution returned is a zero of the field (checked by substitution), and the
    saddle-node x' = y, y' = a - x^2 has exactly the two equilibria (+-sqrt(a), 0)."""
    ode = ld.ODE((x, y), [y, a - x**2])
    sols = ld.equilibria(ode)
    assert len(sols) == 2
    for sol in sols:
        assert all(sp.simplify(f.xreplace(sol)) == 0 for f in ode.rhs)
    assert {sol[x] for sol in sols} == {sp.sqrt(a), -sp.sqrt(a)}


def test_fixed_points_of_schemes_and_of_two_step_schemes() -> None:
    """A fixed point of z + tau F(z) (tau > 0) is a zero of F; of the heavy ball, x_prev = x
    and grad f(x) = 0."""
    assert ld.equilibria(ld.explicit([y, a - x], [x, y])) == [{x: a, y: 0}]
    hb = ld.heavy_ball((x - 3) ** 2 / 2, x, momentum=sp.Rational(1, 2))
    assert ld.equilibria(hb) == [{x: 3, hb.previous[0]: 3}]
    alt = ld.alternating([(y, [x - a]), (x, [-y])], implicit=True)
    assert ld.equilibria(alt) == [{y: 0, x: a}]


# -- ODEs ------------------------------------------------------------------------------------


def test_turinici_printed_eq2_is_a_saddle_and_the_text_a_center() -> None:
    """REFERENCES.md, Turinici (arXiv:2012.10410): the printed limit (2), y' = x - x_r,
    x' = y, has Jacobian [[0, 1], [1, 0]] (det -1: a saddle); the text's generator steps
    against the discriminator, x' = -y, det +1 and trace 0: a center (Fig. 2's orbits)."""
    xr = sp.Symbol("x_r")
    printed = ld.linear_stability(ld.ODE((x, y), [y, x - xr]), at={x: xr, y: 0})
    text = ld.linear_stability(ld.ODE((x, y), [-y, x - xr]), at={"x": xr, "y": 0})
    assert printed.classification == "saddle"
    assert sorted(printed.eigenvalues) == [-1, 1]
    assert text.classification == "center"
    assert set(text.eigenvalues) == {sp.I, -sp.I}


def test_turinici_printed_scheme_unstable_text_scheme_marginal() -> None:
    """The discrete eq. (1): printed, y+ = y + tau (x - x_r), x+ = x + tau y+; the text's
    x+ = x - tau y+. The text's map has determinant 1 and trace 2 - tau^2, so its eigenvalues
    lie on the unit circle iff |2 - tau^2| <= 2, i.e. tau <= 2; the printed map has trace
    2 + tau^2 > 2 and determinant 1: an eigenvalue outside the disk for every tau."""
    xr = sp.Symbol("x_r")
    printed = ld.alternating([(y, [x - xr]), (x, [y])])
    text = ld.alternating([(y, [x - xr]), (x, [-y])])
    at = {x: xr, y: 0}
    r_text = ld.linear_stability(text, at=at)
    assert r_text.max_stable_step(marginal=True) == 2
    assert r_text.max_stable_step() == 0
    assert sp.simplify(r_text.determinant - 1) == 0
    r_printed = ld.linear_stability(printed, at=at)
    assert r_printed.max_stable_step(marginal=True) == 0
    assert r_printed.classification.startswith("unstable")


@pytest.mark.parametrize(
    ("matrix", "expected"),
    [
        ([[-1, 0], [0, -2]], "stable node"),
        ([[1, 0], [0, 2]], "unstable node"),
        ([[-1, 2], [-2, -1]], "stable focus"),
        ([[1, 2], [-2, 1]], "unstable focus"),
        ([[0, 1], [-4, 0]], "center"),
        ([[1, 0], [0, -1]], "saddle"),
        ([[1, 1], [1, 1]], "degenerate"),
        ([[-1, 1], [0, -1]], "stable node"),  # T^2 = 4D: a degenerate (improper) node
    ],
)
def test_planar_classification_by_trace_and_determinant(matrix: list, expected: str) -> None:
    """The trace-determinant plane (Strogatz, Nonlinear Dynamics and Chaos, sec. 5.2)."""
    ode = ld.ODE((x, y), sp.Matrix(matrix) * sp.Matrix([x, y]))
    assert ld.linear_stability(ode, at=[0, 0]).classification == expected


def test_classification_with_parameters() -> None:
    """Decided where the sign is: a positive gamma damps (trace -gamma < 0, det 1/4 > 0);
    node or focus depends on gamma^2 - 1, so only "stable" is certain; an unknown sign
    leaves it undecided."""
    g = sp.Symbol("gamma", positive=True)
    assert classify_linear(sp.Matrix([[0, sp.S.Half], [-sp.S.Half, -g]])) == "stable"
    assert classify_linear(sp.Matrix([[-g, 1], [-1, -g]])) == "stable focus"
    assert classify_linear(sp.Matrix([[0, 1], [a, 0]])) == "undecided"


def test_higher_dimensions_by_eigenvalue_signs() -> None:
    z = sp.Symbol("z")
    stable = ld.ODE((x, y, z), [-x, -2 * y + x, -z])
    saddle = ld.ODE((x, y, z), [-x, y, -z])
    center = ld.ODE((x, y, z), [y, -x, 0 * z])
    assert ld.linear_stability(stable, at=[0, 0, 0]).classification == "stable"
    assert ld.linear_stability(saddle, at=[0, 0, 0]).classification == "saddle"
    assert ld.linear_stability(center, at=[0, 0, 0]).classification == "degenerate"


def _numpy_class(m: np.ndarray) -> str:
    """The classification read off numpy's eigenvalues (an independent computation)."""
    lam = np.linalg.eigvals(m)
    re, im = lam.real, lam.imag
    tol = 1e-6
    if np.any(np.abs(lam) < tol):
        return "degenerate"
    if re[0] * re[1] < 0 and np.all(np.abs(im) < tol):
        return "saddle"
    if np.all(np.abs(re) < tol):
        return "center"
    side = "stable" if re[0] < 0 else "unstable"
    return f"{side} {'node' if np.all(np.abs(im) < tol) else 'focus'}"


@settings(deadline=None, max_examples=40)
@given(st.lists(st.integers(-4, 4), min_size=4, max_size=4))
def test_planar_classification_agrees_with_numpy(entries: list[int]) -> None:
    """Random integer planar systems z' = A z: the exact classification matches the one read
    from numpy's floating-point eigenvalues."""
    m = np.array(entries, dtype=float).reshape(2, 2)
    ode = ld.ODE((x, y), sp.Matrix(2, 2, entries) * sp.Matrix([x, y]))
    assert ld.linear_stability(ode, at=[0, 0]).classification == _numpy_class(m)


# -- schemes -------------------------------------------------------------------------------


def test_gradient_descent_on_quadratic_stable_up_to_two_over_l() -> None:
    """Gradient descent on (x^2 + 10 y^2)/2 is stable iff tau < 2/L = 1/5 (L = 10, the
    largest Hessian eigenvalue; Nesterov, Introductory Lectures, sec. 1.2.3)."""
    report = ld.linear_stability(ld.explicit([-x, -10 * y], [x, y]), at=[0, 0])
    assert report.max_stable_step() == sp.Rational(1, 5)
    assert report.max_stable_step(marginal=True) == sp.Rational(1, 5)
    assert sorted(report.eigenvalues, key=str) == sorted([1 - TAU, 1 - 10 * TAU], key=str)
    for t in (0.05, 0.19, 0.3):
        rho = float(report.spectral_radius.subs(TAU, t))
        assert rho == pytest.approx(max(abs(1 - t), abs(1 - 10 * t)), rel=1e-14)


def test_linear_field_with_complex_eigenvalues_mescheder_bound() -> None:
    """Eigenvalues -1 +- 2i: simultaneous steps converge iff tau < 2|Re l|/|l|^2 = 2/5
    (Mescheder, Nowozin & Geiger, NeurIPS 2017, Lemma 4)."""
    report = ld.linear_stability(ld.explicit([-x - 2 * y, 2 * x - y], [x, y]), at=[0, 0])
    assert report.max_stable_step() == sp.Rational(2, 5)


def test_implicit_and_extragradient_on_the_bilinear_game() -> None:
    """On x' = -y, y' = x (eigenvalues +-i): implicit Euler has |1/(1 -+ i tau)| < 1 for every
    tau > 0; extragradient |1 + i tau - tau^2|^2 = 1 - tau^2 + tau^4 < 1 iff tau < 1."""
    imp = ld.linear_stability(ld.implicit([-y, x], [x, y]), at=[0, 0])
    assert imp.max_stable_step() == sp.oo
    eg = ld.linear_stability(ld.extragradient([-y, x], [x, y]), at=[0, 0])
    assert eg.max_stable_step() == 1


def test_heavy_ball_bound_exact_in_four_dimensions() -> None:
    """Heavy ball on a quadratic: stable iff tau L < 2 (1 + beta) (Polyak 1964); with
    L = 10, beta = 1/2 the bound is 3/10, decided exactly on the 4-d doubled state; the
    numeric search (marginal) agrees."""
    hb = ld.heavy_ball((x**2 + 10 * y**2) / 2, [x, y], momentum=sp.Rational(1, 2))
    report = ld.linear_stability(hb, at=[0, 0])
    assert report.jacobian.shape == (4, 4)
    assert report.max_stable_step() == sp.Rational(3, 10)
    assert report.max_stable_step(marginal=True) == pytest.approx(0.3, abs=1e-8)


def test_tau_substituted() -> None:
    s = ld.explicit([-x, -10 * y], [x, y])
    assert ld.linear_stability(s, at=[0, 0], tau=sp.Rational(1, 10)).classification == "stable"
    assert ld.linear_stability(s, at=[0, 0], tau=sp.Rational(1, 5)).classification == "marginal"
    assert ld.linear_stability(s, at=[0, 0], tau=1).classification == "unstable"


@st.composite
def _stable_matrices(draw: st.DrawFn) -> np.ndarray:
    """Integer 2x2 matrices shifted so that every eigenvalue has Re lambda <= -1/2."""
    entries = draw(st.lists(st.integers(-5, 5), min_size=4, max_size=4))
    b = np.array(entries, dtype=float).reshape(2, 2)
    shift = int(np.ceil(np.max(np.linalg.eigvals(b).real) + 0.5)) + draw(st.integers(0, 2))
    m = b - shift * np.eye(2)
    _, vec = np.linalg.eig(m)
    assume(np.linalg.cond(vec) < 1e3)  # defective matrices: transient growth ~ n rho^n
    return m


@settings(deadline=None, max_examples=15)
@given(_stable_matrices())
def test_simultaneous_steps_converge_iff_below_mescheder_bound(m: np.ndarray) -> None:
    """Random 2x2 linear games z' = A z with Re lambda < 0: the exact max_stable_step equals
    min 2|Re l|/|l|^2 (Mescheder et al. 2017, Lemma 4), and iterating z+ = (I + tau A) z
    converges at 0.9 of it and diverges at 1.1 of it."""
    field = sp.Matrix(m.astype(int).tolist()) * sp.Matrix([x, y])
    bound = ld.linear_stability(ld.explicit(field, [x, y]), at=[0, 0]).max_stable_step()
    lam = np.linalg.eigvals(m)
    expected = float(np.min(2 * np.abs(lam.real) / np.abs(lam) ** 2))
    assert float(bound) == pytest.approx(expected, rel=1e-12)
    for factor, converges in ((0.9, True), (1.1, False)):
        step = np.eye(2) + factor * expected * m
        rho = np.max(np.abs(np.linalg.eigvals(step)))
        n = int(np.ceil(abs(np.log(1e-8) / np.log(rho))))
        z = np.array([1.0, np.sqrt(2.0)])  # generic: not in an eigenspace of these A
        for _ in range(n):
            z = step @ z
        norm = np.linalg.norm(z)
        assert (norm < 1e-2) if converges else (norm > 1e2)


# -- display and bad input -------------------------------------------------------------------


def test_report_plot_and_table() -> None:
    """The plotted radius is max(|1 - tau|, |1 - 10 tau|) and crosses 1 at tau = 1/5."""
    from matplotlib.figure import Figure

    report = ld.linear_stability(ld.explicit([-x, -10 * y], [x, y]), at=[0, 0])
    ax = Figure().subplots()
    assert report.plot(ax=ax) is ax
    t, rho = ax.lines[0].get_data()
    np.testing.assert_allclose(rho, np.maximum(np.abs(1 - t), np.abs(1 - 10 * t)), rtol=1e-12)
    assert t[-1] == pytest.approx(0.3)
    assert len(report.to_dataframe()) == 2


def test_report_display() -> None:
    r = ld.linear_stability(ld.ODE((x, y), [y, -x - y]), at=[0, 0])
    assert "stable focus" in repr(r) and "eigenvalue" in r._repr_html_()
    assert r.latex().startswith("J = ") and r._repr_latex_().startswith("$")
    assert r.trace == -1 and r.determinant == 1


def test_bad_points_and_arguments() -> None:
    ode = ld.ODE((x, y), [y, -x])
    with pytest.raises(InputError, match="not a full point: no value for y"):
        ld.linear_stability(ode, at={x: 0})
    with pytest.raises(InputError, match="2 variables"):
        ld.linear_stability(ode, at=[0])
    with pytest.raises(InputError, match="not a variable"):
        ld.linear_stability(ode, at={x: 0, y: 0, a: 1})
    with pytest.raises(InputError, match="not an equilibrium"):
        ld.linear_stability(ode, at=[1, 0])
    with pytest.raises(InputError, match="no step"):
        ld.linear_stability(ode, at=[0, 0], tau=0.1)
    with pytest.raises(InputError, match="not a number"):
        ld.linear_stability(ode, at=["0", 0])
    with pytest.raises(InputError, match="does not leave the point unchanged"):
        ld.linear_stability(ld.implicit([y, -x], [x, y]), at=[1, 0])
    with pytest.raises(InputError, match="tau=None"):
        ld.linear_stability(ode, at=[0, 0]).max_stable_step()
    with pytest.raises(InputError, match="expected an ODE"):
        ld.linear_stability("x' = y", at=[0, 0])


def test_docs_page_examples_run() -> None:
    """docs/stability.rst (Turinici's printed eq. (1)/(2) a saddle, the text's a center; the
    published bounds) holds as written."""
    import doctest
    from pathlib import Path

    page = Path(__file__).resolve().parents[2] / "docs" / "stability.rst"
    result = doctest.testfile(
        str(page), module_relative=False, optionflags=doctest.NORMALIZE_WHITESPACE
    )
    assert result.attempted > 20 and result.failed == 0


@pytest.mark.parametrize("kinked", ["abs", "max", "wgan-gp"])
def test_linear_stability_refuses_a_kink_at_the_point(kinked: str) -> None:
    """|x|, max(x, 0) and the WGAN-GP penalty (|grad D| - 1)^2 on the Dirac-GAN have no
    derivative at 0 (Mescheder et al. 2018, Sec. 3: WGAN-GP is not differentiable at the
    equilibrium); SymPy's sign(0) = 0 would silently give a wrong linearisation."""
    from limitdyn.gans import dirac_gan

    xr = sp.Symbol("x", real=True)
    if kinked == "wgan-gp":
        system: Any = dirac_gan(regularizer="wgan-gp", gamma=sp.Rational(1, 2))
        at = [0, 0]
    else:
        field = -sp.Abs(xr) if kinked == "abs" else -sp.Max(xr, 0)
        system, at = ld.explicit([field], [xr]), [0]
    with pytest.raises(ld.InputError, match=r"not differentiable at .*has its jump there"):
        ld.linear_stability(system, at=at)
    if kinked != "wgan-gp":
        with pytest.raises(ld.InputError, match="the ODE's field is not differentiable"):
            ld.linear_stability(ld.limit_ode(system), at=at)
        # away from the kink the linearisation exists: f'(1) = -1
        assert ld.linear_stability(system, at=[1]).eigenvalues == [1 - ld.tau]


def test_linear_stability_refuses_a_derivative_sympy_cannot_form() -> None:
    """Abs of a symbol not declared real differentiates to re/im Derivatives."""
    with pytest.raises(ld.InputError, match="declare the variables real"):
        ld.linear_stability(ld.explicit([-sp.Abs(x) * x], [x]), at=[0])
