"""Potentials of gradient fields (limitdyn/symbolic/_potential.py).

Every case builds a field as ``-grad V`` from a known ``V`` and asks for ``V`` back: the
homotopy formula (polynomials), the derivative ansatz (undefined functions; Barrett &
Dherin, "Implicit gradient regularization", ICLR 2021: ``E + tau/4 |grad E|**2``) and
term-by-term integration (anything else). A rotation field has no potential.
"""

from __future__ import annotations

import random

import pytest
import sympy as sp

from limitdyn.symbolic._potential import asymmetry, potential

x, y, z, a = sp.symbols("x y z a")
E = sp.Function("E")(x, y)


def _random_polynomial(seed: int) -> sp.Expr:
    rng = random.Random(seed)
    terms = [
        rng.randint(-5, 5) * x**i * y**j * z**k
        for i in range(4)
        for j in range(4)
        for k in range(3)
        if 0 < i + j + k <= 4
    ]
    return sp.Add(*terms) + a * x * y  # a parameter, held fixed


def _grad(V: sp.Expr, zs: tuple[sp.Symbol, ...]) -> tuple[sp.Expr, ...]:
    return tuple(-sp.diff(V, v) for v in zs)


@pytest.mark.parametrize("seed", range(5))
def test_polynomial_potential_is_recovered(seed: int) -> None:
    V = _random_polynomial(seed)
    zs = (x, y, z)
    assert asymmetry(_grad(V, zs), zs) is None
    found = potential(_grad(V, zs), zs)
    assert found is not None
    assert sp.expand(found - V) == 0  # V has no constant term


def test_implicit_gradient_regularizer_in_undefined_functions() -> None:
    """Barrett & Dherin (2021): the modified loss of gradient descent on E."""
    zs = (x, y)
    V = E + (E.diff(x) ** 2 + E.diff(y) ** 2) / 4
    found = potential(_grad(V, zs), zs)
    assert found is not None
    assert sp.simplify(found - V) == 0


def test_transcendental_potential_by_integration() -> None:
    zs = (x, y)
    V = sp.exp(x) * sp.sin(y) + sp.log(1 + x**2)
    found = potential(_grad(V, zs), zs)
    assert found is not None
    # defined up to a constant: compare gradients and one value
    assert all(sp.simplify(sp.diff(found - V, v)) == 0 for v in zs)


def test_rotation_has_no_potential() -> None:
    zs = (x, y)
    comps = (-y, x)
    assert asymmetry(comps, zs) == (x, y)
    assert potential(comps, zs) is None
