"""The scipy reference solver wrapper."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import limitdyn as ld
from limitdyn.errors import InputError, SolverError

x, y, w = sp.symbols("x y omega")


@pytest.mark.parametrize("method", ["DOP853", "RK45", "Radau", "BDF", "LSODA"])
def test_harmonic_oscillator_exact_solution(method: str) -> None:
    ode = ld.ODE((x, y), sp.Matrix([w * y, -w * x]))
    t = np.linspace(0, 3, 7)
    sol = ld.integrate(ode, [1.0, 0.0], t_eval=t, params={"omega": 2.0}, method=method)
    tol = 1e-8 if method == "DOP853" else 1e-5
    np.testing.assert_allclose(sol.z[:, 0], np.cos(2 * t), atol=tol)
    np.testing.assert_allclose(sol.dense(1.3), [np.cos(2.6), -np.sin(2.6)], atol=tol)


def test_unknown_method_lists_valid_ones() -> None:
    ode = ld.ODE((x,), sp.Matrix([-x]))
    with pytest.raises(InputError, match="valid methods: RK23, RK45, DOP853, Radau, BDF, LSODA"):
        ld.integrate(ode, [1.0], t_end=1.0, method="Euler")


def test_blow_up_raises_solver_error() -> None:
    """x' = x^2 from 1 blows up at t = 1."""
    ode = ld.ODE((x,), sp.Matrix([x**2]))
    with pytest.raises(SolverError) as info:
        ld.integrate(ode, [1.0], t_end=2.0)
    assert info.value.time == pytest.approx(1.0, abs=1e-3)
