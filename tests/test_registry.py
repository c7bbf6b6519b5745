"""Every scheme of the registry against the mathematics of its limit and modified equations.

(a) The limit ODE is the hand-written limit of ``tests/registry.py`` (sources cited there),
    and it is the order-0 modified equation.
(b) Backward error analysis [HLW IX.1, Thm 1.2]: the exact flow of the order-k modified
    field over a time ``h`` matches one step of the map to ``O(h**(k + 2))``. Measured here
    numerically — a one-step iterate against a tight DOP853 solve — independently of the
    symbolic recursion; the least-squares slope over ``h = h0 2**-i``, ``i = 0..4``, must be
    ``k + 2`` within 0.25. Two-step schemes start on the invariant manifold of the
    underlying one-step method [HLW XV.2] and only the current half is compared.
(c) Iteration: the numpy and numba engines give the same numbers, and the iterates converge
    to the limit ODE on the cumulative-learning-rate axis at first order [T, Lemma 1].

[HLW] E. Hairer, C. Lubich, G. Wanner, Geometric Numerical Integration, 2nd ed., Springer 2006.
[T] G. Turinici, arXiv:2012.10410, Appendix Lemma 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import sympy as sp
from registry import CASES, IDS, Case

import limitdyn as ld
from limitdyn.numeric import fitted_order, manifold_start


@pytest.fixture(autouse=True)
def _float_errors_raise() -> Iterator[None]:
    """Overflow, invalid operations and division by zero are errors in these tests
    (underflow is not: scipy's step-size control underflows by design)."""
    with np.errstate(all="raise", under="ignore"):
        yield


#: the local-error test's step sizes are h0 * 2**-i, i = 0..4
HALVINGS = 2.0 ** -np.arange(5)


def _assert_field(actual: Any, expected: tuple[sp.Expr, ...], what: str) -> None:
    entries = list(actual)
    assert len(entries) == len(expected), what
    for i, (got, want) in enumerate(zip(entries, expected)):
        assert sp.simplify(got - want) == 0, f"{what}, entry {i}: {got} != {want}"


def _select(values: dict[str, float], parameters: tuple[sp.Symbol, ...]) -> dict[str, float]:
    names = {q.name for q in parameters}
    return {k: val for k, val in values.items() if k in names}


def _half(case: Case) -> int:
    """Number of compared components: the current half of a two-step scheme's state."""
    scheme = case.scheme
    return len(scheme.current) if isinstance(scheme, ld.TwoStepScheme) else scheme.dim


def _start(case: Case, h: float, order: int) -> np.ndarray:
    """The initial state of a run with step ``h``: on the invariant manifold of a
    two-step scheme's underlying one-step method, ``z0`` as is otherwise."""
    scheme = case.scheme
    if not isinstance(scheme, ld.TwoStepScheme):
        return np.asarray(case.z0, dtype=float)
    return np.asarray(
        manifold_start(scheme, list(case.z0), tau=h, order=order, params=dict(case.params))
    )


# -- (a) the limit -----------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_limit_ode_is_the_hand_written_limit(case: Case) -> None:
    """The limit ODE's right-hand side is the limit written from the mathematics."""
    ode = ld.limit_ode(case.scheme)
    assert ode.variables == case.scheme.variables
    _assert_field(ode.rhs, case.limit, f"{case.name}: limit_ode")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_limit_is_the_order_zero_modified_equation(case: Case) -> None:
    """``modified_equation(scheme, order=0).terms[0]`` is the same limit field."""
    me = ld.modified_equation(case.scheme, order=0)
    assert me.variables == case.scheme.variables
    assert len(me.terms) == 1
    _assert_field(me.terms[0], case.limit, f"{case.name}: modified_equation(0)")


# -- (b) local error of the modified equation ---------------------------------------------


def _local_errors(case: Case, k: int) -> tuple[np.ndarray, np.ndarray]:
    me = ld.modified_equation(case.scheme, order=k)
    ode = me.ode(order=k)
    hs = case.tau * HALVINGS
    n = _half(case)
    errors = []
    for h in hs:
        z = _start(case, float(h), k + 2)
        step = ld.iterate(
            case.scheme, z, tau=float(h), steps=1, params=dict(case.params), tol=1e-14
        )
        values = _select({**case.params, case.scheme.step.name: float(h)}, ode.parameters)
        flow = ld.integrate(ode, z, t_end=float(h), params=values, rtol=1e-13, atol=1e-15)
        errors.append(np.linalg.norm(step.z[-1, :n] - flow.z[-1, :n]))
    return hs, np.asarray(errors)


#: (case, k) for k = 0 .. case.max_order (k = 2 wherever the order-4 series is cheap)
LOCAL = [(case, k) for case in CASES for k in range(case.max_order + 1)]


@pytest.mark.parametrize(("case", "k"), LOCAL, ids=[f"{c.name}-k{k}" for c, k in LOCAL])
def test_modified_flow_matches_one_step(case: Case, k: int) -> None:
    """[HLW IX.1]: one step of the map is the order-k modified flow over ``h`` up to
    ``O(h**(k + 2))``; measured slope ``k + 2``."""
    hs, errors = _local_errors(case, k)
    assert errors.min() > 1e-12, f"{case.name}, k={k}: errors at round-off level {errors}"
    order = fitted_order(hs, errors)
    assert abs(order - (k + 2)) < 0.25, f"{case.name}, k={k}: slope {order:.3f}, {errors}"


# -- (c) iteration ------------------------------------------------------------------------


def _at_rest(case: Case) -> np.ndarray:
    """A full initial state: a two-step scheme starts at rest, ``x_prev = x0``."""
    z0 = np.asarray(case.z0, dtype=float)
    return np.concatenate([z0, z0]) if case.two_step else z0


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_engines_agree(case: Case) -> None:
    """The numba loop and the plain-Python reference loop give the same 50 iterates."""
    pytest.importorskip("numba")
    z0 = _at_rest(case)
    runs = {
        engine: ld.iterate(
            case.scheme, z0, tau=0.05, steps=50, params=dict(case.params), engine=engine
        )
        for engine in ("numpy", "numba")
    }
    np.testing.assert_allclose(runs["numba"].t, runs["numpy"].t, rtol=0, atol=1e-14)
    np.testing.assert_allclose(runs["numba"].z, runs["numpy"].z, rtol=1e-12, atol=1e-12)
    assert np.all(np.isfinite(runs["numpy"].z))


def _reference_step(case: Case, z: np.ndarray, h: float) -> np.ndarray:
    """One step through the scheme's stages, evaluated by SymPy with implicit stages
    solved by ``sympy.nsolve``: an evaluation independent of the generated loops."""
    scheme = case.scheme
    values: dict[sp.Symbol, Any] = {
        v: sp.Float(float(zi), 30) for v, zi in zip(scheme.variables, z)
    }
    fixed = {scheme.step: sp.Float(h, 30)}
    fixed.update({q: sp.Float(case.params[q.name], 30) for q in scheme.parameters})
    for stage in scheme.stages:
        env = {**values, **fixed}
        if isinstance(stage, ld.ExplicitStage):
            new = [sp.N(e.xreplace(env), 30) for e in stage.values]
        else:
            assert isinstance(stage, ld.ImplicitStage)
            residual = [r.xreplace(env) for r in stage.residual]
            guess = [values[t] for t in stage.targets]
            sol = sp.nsolve(residual, list(stage.unknowns), guess, prec=30)
            new = list(sol)
        values.update(zip(stage.targets, new))
    return np.array([float(values[v]) for v in scheme.variables])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_iterates_are_the_stages_applied_in_order(case: Case, engine: str) -> None:
    """Each engine's first three iterates equal the stages evaluated one after another in
    SymPy (implicit stages by ``nsolve``): a later stage sees the earlier stages' values."""
    h = 0.05
    traj = ld.iterate(
        case.scheme, _at_rest(case), tau=h, steps=3, params=dict(case.params), engine=engine
    )
    z = _at_rest(case)
    for n in range(1, 4):
        z = _reference_step(case, z, h)
        np.testing.assert_allclose(traj.z[n], z, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(traj.t, h * np.arange(4), rtol=1e-15, atol=0)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_iterates_converge_to_the_limit_at_first_order(case: Case) -> None:
    """[T, Lemma 1]: on the cumulative-learning-rate axis the iterates stay ``O(tau)``
    from the limit ODE's solution; the fitted global order is 1. (A two-step scheme given
    its current state alone starts on its invariant manifold for each tau.)"""
    study = ld.convergence_study(
        case.scheme,
        list(case.z0),
        t_end=case.t_end,
        taus=list(case.taus),
        params=dict(case.params),
        progress=False,
    )
    assert np.all(study.errors > 1e-10), study.table()
    assert abs(study.order - 1.0) < 0.15, study.table()
