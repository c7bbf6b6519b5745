"""Iteration: engines agree, schedules, divergence and Newton failures are reported."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import limitdyn as ld
from limitdyn.errors import DivergenceError, InputError, OptionalDependencyError, SolverError

x, y, xr, a = sp.symbols("x y x_r a")


def test_explicit_euler_on_linear_decay_is_geometric(engine: str) -> None:
    """x+ = (1 - a tau) x exactly."""
    traj = ld.iterate(
        ld.explicit([-a * x], [x]), [2.0], tau=0.1, steps=50, params={a: 3.0}, engine=engine
    )
    np.testing.assert_allclose(traj["x"], 2.0 * 0.7 ** np.arange(51), rtol=1e-13)
    np.testing.assert_allclose(traj.t, 0.1 * np.arange(51), rtol=1e-13, atol=1e-15)


def test_implicit_euler_on_linear_decay(engine: str) -> None:
    """x+ = x / (1 + a tau) exactly, solved by Newton."""
    traj = ld.iterate(
        ld.implicit([-a * x], [x]), [1.0], tau=0.25, steps=20, params={"a": 2.0}, engine=engine
    )
    np.testing.assert_allclose(traj.z[:, 0], 1.5 ** -np.arange(21.0), rtol=1e-12)


def test_engines_agree_on_nonlinear_implicit_game() -> None:
    pytest.importorskip("numba")
    s = ld.game(x**2 * y + x**4 / 4, -x * y + y**2 / 2, x, y, implicit=True)
    runs = [ld.iterate(s, [0.7, -0.3], tau=0.05, steps=200, engine=e).z for e in ("numpy", "numba")]
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-12, atol=1e-14)


def test_implicit_step_solves_its_equation(engine: str) -> None:
    """Each implicit iterate satisfies x+ = x + tau F(x+) to round-off."""
    field = [-(x**3) + sp.sin(y), -y + x]
    traj = ld.iterate(ld.implicit(field, [x, y]), [1.2, -0.4], tau=0.3, steps=30, engine=engine)
    f = sp.lambdify([x, y], field)
    for prev, new in zip(traj.z[:-1], traj.z[1:]):
        np.testing.assert_allclose(new, prev + 0.3 * np.array(f(*new)), rtol=0, atol=1e-12)


def test_schedule_sets_cumulative_time() -> None:
    hs = [0.1, 0.2, 0.05, 0.4]
    traj = ld.iterate(ld.explicit([-x], [x]), [1.0], schedule=hs)
    np.testing.assert_allclose(traj.t, np.concatenate([[0], np.cumsum(hs)]))
    np.testing.assert_allclose(traj.z[:, 0], np.concatenate([[1], np.cumprod(1 - np.array(hs))]))


def test_t_end_not_multiple_of_tau_lands_on_t_end() -> None:
    traj = ld.iterate(ld.explicit([-x], [x]), [1.0], tau=0.3, t_end=1.0)
    assert traj.t[-1] == pytest.approx(1.0, abs=1e-15)
    np.testing.assert_allclose(np.diff(traj.t), [0.3, 0.3, 0.3, 0.1])


def test_divergence_raises_with_step_and_time(engine: str) -> None:
    """x+ = x + tau x^2 from x = 1, tau = 1 overflows: x_n = 1, 2, 6, 42, ... ~ 2^(2^n)."""
    with pytest.raises(DivergenceError) as info:
        ld.iterate(ld.explicit([x**2], [x]), [1.0], tau=1.0, steps=100, engine=engine)
    assert info.value.step == 11 and info.value.time == 11.0


def test_divergence_stop_returns_finite_prefix(engine: str) -> None:
    traj = ld.iterate(
        ld.explicit([x**2], [x]), [1.0], tau=1.0, steps=100, engine=engine, on_divergence="stop"
    )
    assert traj.diverged_at == 11 and len(traj) == 11
    assert np.all(np.isfinite(traj.z))
    assert traj.z[3, 0] == 42.0


def test_implicit_step_without_solution_raises_solver_error(engine: str) -> None:
    """w = x + tau w^2 has no real root when 4 tau x > 1 (x = 1, tau = 1 at step 0)."""
    with pytest.raises(SolverError) as info:
        ld.iterate(ld.implicit([x**2], [x]), [1.0], tau=1.0, steps=5, engine=engine)
    err = info.value
    assert err.step == 0 and err.time == 0.0 and err.residual > 0.1


def test_solver_error_reports_later_step(engine: str) -> None:
    """With tau = 0.2 the root exists while x <= 1.25: x_1 ~ 1.38 makes step 1 fail."""
    with pytest.raises(SolverError) as info:
        ld.iterate(ld.implicit([x**2], [x]), [1.0], tau=0.2, steps=5, engine=engine)
    assert info.value.step == 1 and info.value.time == pytest.approx(0.2)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        (
            {"tau": 0.1, "steps": 3, "params": {"x_r": 1}, "engine": "fortran"},
            "valid engines: auto, numpy, numba",
        ),
        ({"tau": -0.1, "steps": 3}, "tau must be a positive"),
        ({"tau": 0.1}, "exactly one of steps and t_end"),
        ({"tau": 0.1, "steps": 3, "t_end": 1.0}, "exactly one of steps and t_end"),
        ({"schedule": [0.1, 0.0]}, "step 1 has size 0"),
        ({"tau": 0.1, "steps": 3, "params": {}}, "no value for x_r"),
        ({"tau": 0.1, "steps": 3, "params": {"x_r": 1, "q": 2}}, "unknown parameter 'q'"),
        ({"tau": 0.1, "steps": 3, "params": {"x_r": 1}, "on_divergence": "warn"}, "valid values"),
    ],
)
def test_bad_arguments(kwargs, fragment: str) -> None:
    s = ld.explicit([xr - x, y], [x, y])
    with pytest.raises(InputError, match=fragment):
        ld.iterate(s, [0.0, 1.0], **kwargs)


def test_bad_initial_state() -> None:
    s = ld.explicit([-x, -y], [x, y])
    with pytest.raises(InputError, match="expected 2 values"):
        ld.iterate(s, [1.0], tau=0.1, steps=1)
    with pytest.raises(InputError, match="not finite"):
        ld.iterate(s, [1.0, np.nan], tau=0.1, steps=1)
    traj = ld.iterate(s, {"y": 2.0, x: 1.0}, tau=0.5, steps=1)
    np.testing.assert_allclose(traj.final, [0.5, 1.0])


def test_undefined_function_cannot_be_iterated() -> None:
    E = sp.Function("E")(x)
    with pytest.raises(ld.SchemeError, match="no numeric value"):
        ld.iterate(ld.explicit([-sp.diff(E, x)], [x]), [1.0], tau=0.1, steps=1)


def test_numba_engine_without_numba_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    import limitdyn._engine as engine_module

    monkeypatch.setattr(engine_module, "has_module", lambda name: False)
    assert engine_module.resolve_engine("auto") == "numpy"

    def missing(name: str):
        raise OptionalDependencyError(f"{name} is needed")

    monkeypatch.setattr(engine_module, "import_optional", missing)
    with pytest.raises(OptionalDependencyError):
        engine_module.resolve_engine("numba")


def test_trajectory_is_read_only() -> None:
    traj = ld.iterate(ld.explicit([-x], [x]), [1.0], tau=0.1, steps=2)
    with pytest.raises(ValueError):
        traj.z[0, 0] = 3.0


def test_divergence_time_is_the_cumulative_time_of_the_bad_iterate(engine: str) -> None:
    """x+ = x + tau / x from x = 0: iterate 1 is 1/0, at cumulative time tau (issue 9: the
    numpy engine read the time from uninitialised memory)."""
    for _ in range(3):
        with pytest.raises(DivergenceError) as info:
            ld.iterate(ld.explicit([1 / x], [x]), [0.0], tau=0.1, steps=10, engine=engine)
        assert info.value.step == 1 and info.value.time == 0.1


def test_divergence_time_on_a_schedule() -> None:
    with pytest.raises(DivergenceError) as info:
        ld.iterate(ld.explicit([1 / x], [x]), [0.0], schedule=[0.25, 0.5], engine="numpy")
    assert info.value.time == 0.25


def test_parameter_given_twice_is_refused() -> None:
    with pytest.raises(InputError, match="parameter a is given twice"):
        ld.iterate(ld.explicit([-a * x], [x]), [1.0], tau=0.1, steps=1, params={a: 1.0, "a": 5.0})


def test_step_size_as_parameter_is_refused() -> None:
    with pytest.raises(InputError, match="tau is the step size of this scheme"):
        ld.iterate(ld.explicit([-x], [x]), [1.0], tau=0.1, steps=1, params={"tau": 0.1})


def test_hand_built_rate_containing_the_step_is_refused() -> None:
    """x+ = x - tau * (tau x): a rate tau, which the constructors refuse, built by hand."""
    stage = ld.ExplicitStage((x,), (x - ld.tau * (ld.tau * x),))
    with pytest.raises(ld.SchemeError, match="O\\(tau\\*\\*2\\) with no O\\(tau\\) term"):
        ld.iterate(ld.Scheme((x,), (stage,)), [1.0], tau=0.1, steps=1)
    second = sp.Symbol("tau")  # no assumptions: not ld.tau, but named like it
    stage = ld.ExplicitStage((x,), (x - ld.tau * second * x,))
    # refused at construction by the model, else by iterate
    with pytest.raises(ld.SchemeError, match=r"named like (its|the) step symbol"):
        ld.iterate(ld.Scheme((x,), (stage,)), [1.0], tau=0.1, steps=1, params={second: 1.0})


def test_run_too_large_to_store_is_refused_before_allocation() -> None:
    with pytest.raises(
        InputError, match=r"1000000000001 states of 1 floats.*14.6 TiB.*limit of 16.0 GiB"
    ):
        ld.iterate(ld.explicit([-x], [x]), [1.0], tau=1e-3, steps=10**12)


def test_two_step_scheme_from_one_point_starts_on_the_manifold() -> None:
    """heavy_ball with momentum 0 is gradient descent: x_prev on the manifold is the
    preimage x / (1 - tau) of x under x+ = (1 - tau) x (to the order of manifold_start)."""
    hb = ld.heavy_ball(x**2 / 2, x, momentum=sp.Rational(1, 2))
    traj = ld.iterate(hb, [1.0], tau=0.01, steps=3, engine="numpy")
    start = ld.manifold_start(hb, [1.0], tau=0.01)
    np.testing.assert_array_equal(traj.z[0], start)
    gd = ld.heavy_ball(x**2 / 2, x, momentum=0)
    z = ld.iterate(gd, [1.0], tau=0.01, steps=1, engine="numpy").z
    # order-2 start: local error O(tau^4) = 1e-8
    assert z[0, 1] == pytest.approx(1 / 0.99, rel=1e-7)


@pytest.mark.parametrize(
    ("move", "read_off"),
    [
        (-ld.tau * x, True),
        (ld.tau * sp.tanh(x) - 2 * ld.tau * x**2, True),
        (ld.tau * (ld.tau * x + 1), False),
        (ld.tau**2 * x, False),
        (ld.tau * x * sp.exp(ld.tau), False),
    ],
)
def test_step_use_coefficient_read_off_equals_the_derivative(move: sp.Expr, read_off: bool) -> None:
    """The fast path of the hidden-rate check reads d(move)/d(tau) at tau = 0 off a sum of
    tau * c_j with c_j free of tau; where it answers, it equals the derivative, and other
    forms fall back to differentiation."""
    from limitdyn.numeric._inputs import _linear_coefficient

    got = _linear_coefficient(move, ld.tau)
    assert (got is not None) == read_off
    if got is not None:
        assert sp.expand(got - sp.diff(move, ld.tau).subs(ld.tau, 0)) == 0
