"""Rich and text display: what Jupyter shows for schemes, ODEs and modified equations.

IPython's own display formatter builds the MIME bundles, as a notebook would.
"""

from __future__ import annotations

import pytest
import sympy as sp

import limitdyn as ld

x, y = sp.symbols("x y")
E = sp.Function("E")(x, y)


def _bundle(obj: object) -> dict[str, str]:
    formatter = pytest.importorskip("IPython.core.formatters").DisplayFormatter()
    data, _ = formatter.format(obj)
    return dict(data)


def test_scheme_shows_its_update_rule_as_latex() -> None:
    data = _bundle(ld.explicit([-x], [x]))
    assert data["text/latex"] == r"$\begin{aligned}x_{n+1} &= x_{n} - \tau x_{n}\end{aligned}$"
    assert data["text/plain"].startswith("Scheme('explicit Euler'")


def test_two_step_scheme_shows_its_recurrence_as_latex() -> None:
    data = _bundle(ld.heavy_ball(x**2 / 2, x, momentum=sp.Symbol("beta")))
    assert data["text/latex"] == (
        r"$\begin{aligned}x_{n+1} &= x_{n} - \tau x_{n} + \beta \left(x_{n} - x_{n-1}\right)"
        r"\end{aligned}$"
    )


def test_ode_latex_is_aligned_at_the_equals_sign() -> None:
    ode = ld.ODE((x, y), sp.Matrix([y, -x]))
    assert ode.latex() == r"\begin{aligned}\dot{x} &= y \\ \dot{y} &= - x\end{aligned}"
    assert _bundle(ode)["text/latex"] == f"${ode.latex()}$"


def test_limit_ode_of_the_toy_gan_shows_aligned() -> None:
    xr = sp.Symbol("x_r")
    ode = ld.limit_ode(ld.alternating([(y, [x - xr]), (x, [-y])]))
    assert ode.latex() == r"\begin{aligned}\dot{y} &= x - x_{r} \\ \dot{x} &= - y\end{aligned}"


def test_modified_equation_text_is_one_readable_line_per_variable() -> None:
    # gradient descent on E: f_1 = -(1/2) Hess(E) grad(E) (Hairer-Lubich-Wanner IX.1)
    me = ld.modified_equation(ld.explicit([-E.diff(x), -E.diff(y)], [x, y]), order=1)
    expected = (
        "x' = -E_x + tau*(-E_x*E_xx/2 - E_y*E_xy/2)\ny' = -E_y + tau*(-E_x*E_xy/2 - E_y*E_yy/2)"
    )
    assert str(me) == expected
    assert repr(me) == "ModifiedEquation('explicit Euler', order=1):\n    " + expected.replace(
        "\n", "\n    "
    )
    assert "Derivative" not in repr(me) and "E(x, y)" not in repr(me)


def test_modified_equation_text_of_longer_names() -> None:
    theta = sp.Symbol("theta")
    loss = sp.Function("L")(theta)
    me = ld.modified_equation(ld.explicit([-loss.diff(theta)], [theta]), order=1)
    assert str(me) == "theta' = -L_{theta} + tau*(-L_{theta}*L_{theta,theta}/2)"


def test_modified_equation_text_keeps_functions_of_other_arguments() -> None:
    g = sp.Function("g")
    me = ld.modified_equation(ld.explicit([g(2 * x)], [x]), order=0)
    assert str(me) == "x' = g(2*x)"


def test_modified_equation_latex_is_aligned() -> None:
    me = ld.modified_equation(ld.explicit([-(x**2)], [x]), order=1)
    data = _bundle(me)
    # f_0 = -x**2, f_1 = -(1/2) f' f = -x**3
    assert data["text/latex"] == (
        r"$\begin{aligned}\dot{x} &= - x^{2} + \tau \left(- x^{3}\right)\end{aligned}$"
    )
