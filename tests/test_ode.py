"""The ODE type (limitdyn/_ode.py): validation, derived facts, display."""

from __future__ import annotations

import pytest
import sympy as sp

import limitdyn as ld

x, y, w = sp.symbols("x y omega")


def test_harmonic_oscillator_facts() -> None:
    ode = ld.ODE((x, y), sp.Matrix([w * y, -w * x]), name="oscillator")
    assert ode.dim == 2 and ode.parameters == (w,)
    assert ode.jacobian == sp.Matrix([[0, w], [-w, 0]])
    # the energy x**2 + y**2 is a first integral: its Lie derivative vanishes
    energy = x**2 + y**2
    assert sp.expand(sum(energy.diff(v) * f for v, f in zip(ode.variables, ode.rhs))) == 0
    fixed = ode.subs({w: 2})
    assert fixed.parameters == () and fixed.rhs == sp.Matrix([2 * y, -2 * x])


def test_equations_and_display() -> None:
    ode = ld.ODE([x], [-(x**2)])
    (eq,) = ode.equations()
    t = sp.Symbol("t")
    X = sp.Function("x")(t)
    assert eq == sp.Eq(sp.Derivative(X, t), -(X**2))
    # the equation holds for the exact solution x(t) = 1 / (1 + t)
    assert sp.simplify(eq.lhs.subs(X, 1 / (1 + t)).doit() - eq.rhs.subs(X, 1 / (1 + t))) == 0
    assert r"\dot{x}" in ode.latex() and ode._repr_latex_().startswith("$")
    assert repr(ode) == "ODE(x' = -x**2)"


def test_equal_odes_hash_equal() -> None:
    assert hash(ld.ODE([x], [x])) == hash(ld.ODE((x,), sp.Matrix([x])))


@pytest.mark.parametrize(
    "variables, rhs, fragment",
    [
        ([x, x], [x, x], "listed twice"),
        ([x], [x, y], "entries"),
        ([x], ["x"], "string"),
        (["x"], [x], "not a SymPy Symbol"),
    ],
)
def test_bad_odes_are_refused(variables: object, rhs: object, fragment: str) -> None:
    with pytest.raises(ld.SchemeError, match=fragment):
        ld.ODE(variables, rhs)  # type: ignore[arg-type]


def test_subs_never_parses_strings() -> None:
    """ODE.subs went through Expr.subs, which sympifies: {"a": "2"} gave 2*x."""
    a = sp.Symbol("a")
    ode = ld.ODE([x], [a * x])
    with pytest.raises(ld.SchemeError, match="key 'a' is a str, not a SymPy Symbol"):
        ode.subs({"a": 2})
    with pytest.raises(ld.SchemeError, match="value of a: got the string"):
        ode.subs({a: "x**2"})
    with pytest.raises(ld.SchemeError, match="x is not a parameter"):
        ode.subs({x: 1})
    with pytest.raises(ld.SchemeError, match="expected a mapping"):
        ode.subs([(a, 2)])
    assert ode.subs({a: sp.Rational(1, 2)}).rhs[0] == x / 2


def test_rhs_mapping_and_names() -> None:
    assert ld.ODE([x, y], {y: x, x: -y}).rhs == sp.ImmutableMatrix([-y, x])
    with pytest.raises(ld.SchemeError, match="no entry for y"):
        ld.ODE([x, y], {x: -y})
    with pytest.raises(ld.SchemeError, match="both named 'x'"):
        ld.ODE([x], [sp.Symbol("x", positive=True)])
    with pytest.raises(ld.SchemeError, match="ODE name must be a string"):
        ld.ODE([x], [x], name=3)  # type: ignore[arg-type]
    with pytest.raises(ld.SchemeError, match="unordered set"):
        ld.ODE({x, y}, [x, y])  # type: ignore[arg-type]
