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


def test_blow_up_fails_in_bounded_time_for_every_method() -> None:
    """y' = y^2 from 1 blows up at t = 1 (y = 1 / (1 - t)); past it every method stops
    with a SolverError near t = 1 (issue 9: LSODA ran for minutes)."""
    import time

    from limitdyn.errors import SolverError

    yv = sp.Symbol("y")
    for method in ld.numeric.METHODS:
        start = time.monotonic()
        with pytest.raises(SolverError, match=f"{method} failed") as info:
            ld.integrate(ld.ODE([yv], [yv**2]), [1.0], t_end=2.0, method=method)
        assert time.monotonic() - start < 30
        assert info.value.time == pytest.approx(1.0, abs=1e-3)


def test_step_budget_is_reported() -> None:
    from limitdyn.errors import SolverError

    yv = sp.Symbol("y")
    with pytest.raises(SolverError, match="10 steps \\(max_steps\\) did not reach t_end = 50"):
        ld.integrate(ld.ODE([yv], [-yv]), [1.0], t_end=50.0, method="RK45", max_steps=10)


def test_solver_classes_are_accepted() -> None:
    """A scipy OdeSolver subclass gives the same solution as its name."""
    from scipy.integrate import DOP853, Radau

    yv, w = sp.symbols("y w")
    ode = ld.ODE((yv, w), sp.Matrix([w, -yv]))
    for cls in (DOP853, Radau):
        by_class = ld.integrate(ode, [1.0, 0.0], t_eval=[0.5, 1.0], method=cls)
        by_name = ld.integrate(ode, [1.0, 0.0], t_eval=[0.5, 1.0], method=cls.__name__)
        np.testing.assert_array_equal(by_class.z, by_name.z)
        np.testing.assert_allclose(by_class.z[:, 0], np.cos([0.5, 1.0]), rtol=1e-8)
    with pytest.raises(InputError, match=r"or a scipy\.integrate\.OdeSolver subclass"):
        ld.integrate(ode, [1.0, 0.0], t_end=1.0, method=dict)
