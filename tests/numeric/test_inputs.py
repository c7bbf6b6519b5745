"""Numeric inputs: initial states, parameter values and step sizes."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import limitdyn as ld
from limitdyn.errors import InputError
from limitdyn.numeric._inputs import one_step_scheme, parameter_vector, state_vector, step_sizes

x, y, a, b = sp.symbols("x y a b")


def _times(hs: np.ndarray, stride: int, n: int) -> np.ndarray:
    """Cumulative times summed in order, as the generated loop does: t_{k+1} = t_k + h_k."""
    t = [0.0]
    for k in range(n):
        t.append(t[-1] + float(hs[k * stride]))
    return np.array(t)


# -- state_vector ---------------------------------------------------------------------------


def test_state_from_sequence_and_mapping_agree() -> None:
    seq = state_vector([1, 2.5], (x, y))
    assert seq.dtype == float and seq.tolist() == [1.0, 2.5]
    for mapping in ({x: 1, y: 2.5}, {"y": 2.5, "x": 1}, {x: 1, "y": 2.5}):
        np.testing.assert_array_equal(state_vector(mapping, (x, y)), seq)


def test_state_is_a_copy() -> None:
    z0 = np.array([1.0, 2.0])
    out = state_vector(z0, (x, y))
    out[0] = 5.0
    assert z0[0] == 1.0


@pytest.mark.parametrize(
    ("z0", "fragment"),
    [
        ([1.0], "expected 2 values for \\(x, y\\), got shape \\(1,\\)"),
        ([[1.0, 2.0]], "got shape \\(1, 2\\)"),
        ([1.0, np.inf], "not finite"),
        (["one", 2.0], "cannot read"),
        ({x: 1.0}, "no value for variable y"),
        ({x: 1.0, y: 2.0, "q": 3.0}, "q is not a variable"),
    ],
)
def test_bad_states(z0, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        state_vector(z0, (x, y), where="z0")


def test_state_error_names_the_argument() -> None:
    with pytest.raises(InputError, match=r"^x0: "):
        state_vector([1.0], (x, y), where="x0")


# -- parameter_vector -----------------------------------------------------------------------


def test_parameters_in_the_systems_order() -> None:
    assert parameter_vector({"b": 2, a: 1}, (a, b)).tolist() == [1.0, 2.0]
    assert parameter_vector(None, ()).shape == (0,)
    assert parameter_vector({}, ()).shape == (0,)


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ([("a", 1)], "expected a mapping"),
        ({1: 2.0}, "neither a Symbol nor a name"),
        ({"a": 1.0}, "no value for b"),
        ({}, "no value for a, b"),
        ({"a": 1, "b": 2, "c": 3}, "unknown parameter 'c'; this system has: a, b"),
        ({"a": "one", "b": 2}, "value of a is not a number"),
        ({"a": 1, "b": np.nan}, "value of b is not finite"),
    ],
)
def test_bad_parameters(params, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        parameter_vector(params, (a, b))


def test_unknown_name_is_reported_before_missing_one() -> None:
    """A misspelt parameter is named as unknown, not reported as the one it was meant to be."""
    with pytest.raises(InputError, match="unknown parameter 'aa'"):
        parameter_vector({"aa": 1.0, "b": 2.0}, (a, b))


def test_system_without_parameters_says_none() -> None:
    with pytest.raises(InputError, match="this system has: none"):
        parameter_vector({"a": 1.0}, ())


# -- step_sizes -----------------------------------------------------------------------------


def test_constant_step_is_stored_once() -> None:
    hs, stride, n = step_sizes(tau=0.25, steps=7, t_end=None, schedule=None)
    assert (stride, n) == (0, 7) and hs.tolist() == [0.25]
    hs, stride, n = step_sizes(tau=0.1, steps=0, t_end=None, schedule=None)
    assert n == 0


def test_t_end_multiple_of_tau_gives_whole_steps() -> None:
    """t_end / tau within round-off of an integer: n equal steps, no sliver of a last step."""
    for tau, t_end, steps in [
        (0.1, 1.0, 10),
        (0.1, 0.3, 3),
        (2.0**-10, 10.0, 10240),
        (0.5, 0.5, 1),
    ]:
        hs, stride, n = step_sizes(tau=tau, steps=None, t_end=t_end, schedule=None)
        assert (stride, n) == (0, steps) and hs.tolist() == [tau]


def test_shortened_last_step_lands_exactly_on_t_end() -> None:
    """All steps but the last have size tau; the last is in (0, tau) and the cumulative time,
    summed in order as the loop does, is t_end to the last bit."""
    rng = np.random.default_rng(7)
    for _ in range(500):
        tau = float(rng.uniform(1e-3, 1.0))
        t_end = float(rng.uniform(1e-3, 20.0))
        hs, stride, n = step_sizes(tau=tau, steps=None, t_end=t_end, schedule=None)
        if stride == 0:
            continue
        assert n == int(np.ceil(t_end / tau)) and hs.size == n
        assert np.all(hs[:-1] == tau) and 0 < hs[-1] <= tau * (1 + 1e-12)
        assert _times(hs, stride, n)[-1] == t_end


def test_shortened_step_through_iterate() -> None:
    traj = ld.iterate(ld.explicit([-x], [x]), [1.0], tau=0.3, t_end=1.0)
    assert traj.t[-1] == 1.0
    np.testing.assert_allclose(traj.z[-1, 0], 0.7**3 * 0.9, rtol=1e-14)


def test_t_end_shorter_than_tau_is_one_step() -> None:
    hs, _, n = step_sizes(tau=1.0, steps=None, t_end=0.3, schedule=None)
    assert n == 1 and hs.tolist() == [0.3]


def test_schedule_is_used_step_by_step() -> None:
    sched = [0.1, 0.2, 0.05]
    hs, stride, n = step_sizes(tau=None, steps=None, t_end=None, schedule=np.array(sched))
    assert (stride, n) == (1, 3) and hs.tolist() == sched
    np.testing.assert_allclose(_times(hs, stride, n), np.concatenate([[0], np.cumsum(sched)]))


def test_schedule_array_is_copied() -> None:
    sched = np.array([0.1, 0.2])
    hs, _, _ = step_sizes(tau=None, steps=None, t_end=None, schedule=sched)
    hs[0] = 9.0
    assert sched[0] == 0.1


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({}, "give tau \\(with steps or t_end\\) or a schedule"),
        ({"schedule": [0.1], "tau": 0.1}, "either schedule or tau"),
        ({"schedule": [0.1], "steps": 2}, "either schedule or tau"),
        ({"schedule": []}, "schedule is empty"),
        ({"schedule": [0.1, -0.2]}, "step 1 has size -0.2"),
        ({"schedule": [0.1, np.inf]}, "step 1 has size inf"),
        ({"schedule": "fast"}, "sequence of step sizes"),
        ({"tau": 0.1}, "exactly one of steps and t_end"),
        ({"tau": 0.1, "steps": 2, "t_end": 1.0}, "exactly one of steps and t_end"),
        ({"tau": 0.0, "steps": 2}, "tau must be a positive finite number"),
        ({"tau": np.inf, "steps": 2}, "tau must be a positive finite number"),
        ({"tau": True, "steps": 2}, "tau must be a positive number"),
        ({"tau": 0.1, "steps": -1}, "steps must be a non-negative integer"),
        ({"tau": 0.1, "steps": 2.0}, "steps must be a non-negative integer"),
        ({"tau": 0.1, "t_end": -1.0}, "t_end must be a positive finite number"),
    ],
)
def test_bad_step_sizes(kwargs, fragment: str) -> None:
    full = {"tau": None, "steps": None, "t_end": None, "schedule": None, **kwargs}
    with pytest.raises(InputError, match=fragment):
        step_sizes(**full)


# -- schemes --------------------------------------------------------------------------------


def test_two_step_scheme_runs_on_its_doubled_state() -> None:
    hb = ld.heavy_ball(x**2 / 2, x, momentum=sp.Rational(1, 2))
    assert one_step_scheme(hb) is hb.doubled
    plain = ld.explicit([-x], [x])
    assert one_step_scheme(plain) is plain


@pytest.mark.parametrize(
    "call",
    [
        lambda s: ld.iterate(s, [1.0], tau=0.1, steps=1),
        lambda s: ld.convergence_study(s, [1.0], t_end=1.0, taus=[0.1, 0.05], progress=False),
        lambda s: ld.refinement_check(s, [1.0], t_end=1.0, tau=0.1),
    ],
)
def test_a_non_scheme_is_a_bad_argument(call) -> None:
    with pytest.raises(InputError, match="expected a Scheme or TwoStepScheme, got ODE"):
        call(ld.ODE((x,), sp.Matrix([-x])))
