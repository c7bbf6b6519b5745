"""Numeric inputs of a run: initial states, parameter values, step sizes.

The generic checks (positive numbers, counts, exactly one of ``steps``/``t_end``) are
the shared ones of :mod:`limitdyn._validate`; what is here is specific to numerics.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from .._multistep import TwoStepScheme, as_one_step
from .._ode import ODE
from .._scheme import ExplicitStage, Scheme
from .._validate import check_memory, positive_float, steps_or_t_end
from ..errors import InputError, SchemeError

__all__ = [
    "check_states_memory",
    "one_step_scheme",
    "parameter_vector",
    "parameters_of",
    "schedule_family",
    "state_vector",
    "step_sizes",
]

#: relative slack below which ``t_end / tau`` counts as a whole number of steps
_WHOLE = 1e-9
#: the most step sizes read from a schedule family (a generator may be endless)
MAX_SCHEDULE = 10**7


def check_states_memory(rows: int, dim: int, *, what: str) -> None:
    """Refuse, before allocating, ``rows`` states of ``dim`` floats (plus their times)
    when they need more than the package's memory cap (:data:`limitdyn._validate.MEMORY_LIMIT`).

    Examples
    --------
    >>> check_states_memory(10**12, 1, what="iterate(steps=10**12)")
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: iterate(steps=10**12) (1000000000000 states of 1 floats) would \
need about 14.6 TiB of memory, more than the limit of 16.0 GiB; use fewer steps or a larger tau
    """
    check_memory(
        int(rows) * (int(dim) + 1) * 8.0,
        f"{what} ({int(rows)} states of {int(dim)} floats)",
        hint="use fewer steps or a larger tau",
    )


def one_step_scheme(scheme: Any) -> Scheme:
    """The one-step scheme that runs: ``scheme``, or the doubled scheme of a two-step one.

    Raises
    ------
    InputError
        ``scheme`` is neither a :class:`~limitdyn.Scheme` nor a
        :class:`~limitdyn.TwoStepScheme` (a bad argument, not a bad scheme).

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> one_step_scheme(ld.heavy_ball(x**2 / 2, x, momentum=0)).variables
    (x, x_prev)
    >>> one_step_scheme("x+ = x")
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: expected a Scheme or TwoStepScheme, got str
    """
    if not isinstance(scheme, (Scheme, TwoStepScheme)):
        raise InputError(f"expected a Scheme or TwoStepScheme, got {type(scheme).__name__}")
    _check_step_use(scheme)
    return as_one_step(scheme)


@lru_cache(maxsize=256)
def _linear_coefficient(move: sp.Expr, step: sp.Symbol) -> sp.Expr | None:
    """``c`` when ``move`` is written as ``sum_j step * c_j`` with every ``c_j`` free of the
    step (``c = sum_j c_j``, the derivative in the step, read off without differentiating
    a wide expression), else None.

    Examples
    --------
    >>> x, t = sp.symbols("x t")
    >>> _linear_coefficient(-t * x + 2 * t, t)
    2 - x
    >>> _linear_coefficient(t**2 * x, t) is None
    True
    """
    coefficients = []
    for term in sp.Add.make_args(move):
        factors = sp.Mul.make_args(term)
        rest = [f for f in factors if f != step]
        if len(rest) != len(factors) - 1 or any(step in f.free_symbols for f in rest):
            return None
        coefficients.append(sp.Mul(*rest))
    return sp.Add(*coefficients)


def _check_step_use(scheme: Scheme | TwoStepScheme) -> None:
    """Refuse what a rate containing the step leaves in a scheme built by hand.

    The constructors refuse such rates; a :class:`~limitdyn.Scheme` assembled from stages
    can still carry one, as a parameter spelt like the step symbol (a second ``tau``) or as
    an explicit stage that moves its targets by ``O(step**2)`` with no ``O(step)`` term
    (``x + tau * (tau * f)``): a step size inside a rate, so the run has no small-step limit.
    """
    step = scheme.step
    for q in scheme.parameters:
        if q.name == step.name:
            raise SchemeError(
                f"the scheme has a parameter {q} named like its step symbol {step} (different "
                "assumptions); a rate or coefficient may not contain the step - use ld.tau"
            )
    if not isinstance(scheme, Scheme):
        return
    for s, stage in enumerate(scheme.stages):
        if not isinstance(stage, ExplicitStage):
            continue
        for target, value in zip(stage.targets, stage.values):
            if step not in value.free_symbols or (value - target) == 0:
                continue
            first = _linear_coefficient(value - target, step)
            if first is None:  # not visibly a sum of step * (free of step): differentiate
                first = sp.diff(value, step).xreplace({step: sp.S.Zero})
            if first == 0 and value.xreplace({step: sp.S.Zero}) == target:
                raise SchemeError(
                    f"stage {s} moves {target} by O({step}**2) with no O({step}) term: a rate "
                    f"containing the step {step}; rates must not depend on the step"
                )


def parameters_of(given: Mapping[Any, Any], ode: ODE) -> dict[str, Any]:
    """The entries of ``given`` (keyed by Symbol or name) that are parameters of ``ode``,
    keyed by name: what :func:`~limitdyn.integrate` takes for that ODE.

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x, a, tau = sp.symbols("x a tau")
    >>> parameters_of({a: 2.0, "tau": 0.1, "b": 3.0}, ld.ODE([x], [-a * x]))
    {'a': 2.0}
    """
    names = {q.name for q in ode.parameters}
    out = {}
    for key, value in given.items():
        name = key.name if isinstance(key, sp.Symbol) else str(key)
        if name in names:
            out[name] = value
    return out


def state_vector(z0: Any, variables: Sequence[sp.Symbol], *, where: str = "z0") -> np.ndarray:
    """``z0`` as a float array aligned with ``variables``.

    Parameters
    ----------
    z0 : array_like, shape (d,), or mapping
        The values in the order of ``variables``, or keyed by Symbol or name.
    variables : sequence of Symbol, length d
        The state.
    where : str
        The argument's name in error messages.

    Returns
    -------
    ndarray, shape (d,)
        A fresh, finite float array.

    Raises
    ------
    InputError
        A wrong shape, a missing or unknown variable, a value that is not a finite number.

    Examples
    --------
    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> state_vector({"y": 2, x: 1}, (x, y)).tolist()
    [1.0, 2.0]
    >>> state_vector([1.0], (x, y))
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: z0: expected 2 values for (x, y), got shape (1,)
    """
    d = len(variables)
    if isinstance(z0, Mapping):
        values = []
        for v in variables:
            if v in z0:
                values.append(z0[v])
            elif v.name in z0:
                values.append(z0[v.name])
            else:
                raise InputError(f"{where}: no value for variable {v}")
        extra = [k for k in z0 if k not in variables and str(k) not in {v.name for v in variables}]
        if extra:
            raise InputError(f"{where}: {extra[0]} is not a variable of this system")
        arr = np.asarray(values, dtype=float)
    else:
        try:
            arr = np.asarray(z0, dtype=float)
        except (TypeError, ValueError) as exc:
            raise InputError(f"{where}: cannot read {z0!r} as numbers ({exc})") from None
    if arr.shape != (d,):
        raise InputError(
            f"{where}: expected {d} values for {tuple(variables)}, got shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{where}: the initial state {arr.tolist()} is not finite")
    return arr.copy()


def parameter_vector(
    params: Any, parameters: Sequence[sp.Symbol], *, step: sp.Symbol | None = None
) -> np.ndarray:
    """Values of ``parameters`` (in order) from a mapping keyed by Symbol or name.

    An unknown name is reported before a missing one: a misspelt parameter is then named
    as such rather than as the one it was meant to be.

    Parameters
    ----------
    params : mapping or None
        ``{Symbol or name: number}``; None for no parameters.
    parameters : sequence of Symbol, length k
        The system's parameters.
    step : Symbol, optional
        The step symbol of the scheme being run: a value for it is refused (the step size
        is ``tau=`` or ``schedule=``, not a parameter).

    Returns
    -------
    ndarray, shape (k,)

    Raises
    ------
    InputError
        Not a mapping; an unknown, missing or twice-given parameter (``{a: 1, "a": 5}``);
        a value for the step; a value that is not a finite number.

    Examples
    --------
    >>> import sympy as sp
    >>> a, b = sp.symbols("a b")
    >>> parameter_vector({"b": 2, a: 1}, (a, b)).tolist()
    [1.0, 2.0]
    >>> parameter_vector({"c": 1}, (a,))
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: params: unknown parameter 'c'; this system has: a
    >>> parameter_vector({a: 1.0, "a": 5.0}, (a,))
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: params: parameter a is given twice (as a and 'a')
    """
    params = {} if params is None else params
    if not isinstance(params, Mapping):
        raise InputError(f"params: expected a mapping {{symbol or name: value}}, got {params!r}")
    by_name: dict[str, Any] = {}
    keys: dict[str, Any] = {}
    for key, value in params.items():
        name = key.name if isinstance(key, sp.Symbol) else key
        if not isinstance(name, str):
            raise InputError(f"params: key {key!r} is neither a Symbol nor a name")
        if name in keys:
            raise InputError(
                f"params: parameter {name} is given twice (as {keys[name]!r} and {key!r})"
            )
        if step is not None and name == step.name:
            raise InputError(
                f"params: {name} is the step size of this scheme; give it as tau= or "
                "schedule=, not as a parameter"
            )
        keys[name] = key
        by_name[name] = value
    known = {q.name for q in parameters}
    unknown = sorted(set(by_name) - known)
    if unknown:
        valid = ", ".join(sorted(known)) or "none"
        raise InputError(f"params: unknown parameter {unknown[0]!r}; this system has: {valid}")
    missing = [q.name for q in parameters if q.name not in by_name]
    if missing:
        raise InputError(f"params: no value for {', '.join(missing)}")
    out = np.empty(len(parameters))
    for j, q in enumerate(parameters):
        try:
            out[j] = float(by_name[q.name])
        except (TypeError, ValueError):
            raise InputError(f"params: the value of {q.name} is not a number") from None
        if not math.isfinite(out[j]):
            raise InputError(f"params: the value of {q.name} is not finite ({out[j]})")
    return out


def _schedule(schedule: Any) -> np.ndarray:
    try:
        hs = np.asarray(schedule, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise InputError("schedule: expected a sequence of step sizes") from None
    if hs.size == 0:
        raise InputError("schedule is empty")
    bad = np.flatnonzero(~(np.isfinite(hs) & (hs > 0)))
    if bad.size:
        raise InputError(f"schedule: step {bad[0]} has size {hs[bad[0]]}; sizes must be positive")
    return hs.copy()


def step_sizes(*, tau: Any, steps: Any, t_end: Any, schedule: Any) -> tuple[np.ndarray, int, int]:
    """The step sizes of a run from exactly one way of giving them.

    ``schedule`` alone; or ``tau`` with ``steps``; or ``tau`` with ``t_end`` (the last
    step is shortened to land on ``t_end`` when ``t_end / tau`` is not an integer).

    Parameters
    ----------
    tau : float or None
        Constant step size.
    steps : int or None
        Number of steps of size ``tau``.
    t_end : float or None
        Final cumulative learning rate.
    schedule : array_like or None
        The step sizes one by one.

    Returns
    -------
    (hs, stride, n)
        Step ``k`` of the ``n`` steps has size ``hs[k * stride]``: a constant step is
        stored once (``stride = 0``) rather than ``n`` times.

    Raises
    ------
    InputError
        None or several of the ways given, or a size that is not positive.

    Examples
    --------
    >>> hs, stride, n = step_sizes(tau=0.3, steps=None, t_end=1.0, schedule=None)
    >>> n, stride, bool(abs(hs.sum() - 1.0) < 1e-15)
    (4, 1, True)
    >>> step_sizes(tau=0.5, steps=3, t_end=None, schedule=None)
    (array([0.5]), 0, 3)
    """
    if schedule is not None:
        if tau is not None or steps is not None or t_end is not None:
            raise InputError("give either schedule or tau with steps/t_end, not both")
        hs = _schedule(schedule)
        return hs, 1, int(hs.size)
    if tau is None:
        raise InputError("give tau (with steps or t_end) or a schedule")
    h = positive_float(tau, "tau")
    if (steps is None) == (t_end is None):
        # the numeric layer's wording, which tests/numeric/test_iterate.py asserts; the
        # shared check below words it "steps= and t_end="
        raise InputError("give tau with exactly one of steps and t_end")
    n_steps, end = steps_or_t_end(steps, t_end)
    if n_steps is not None:
        return np.array([h]), 0, n_steps
    assert end is not None
    ratio = end / h
    n = round(ratio)
    if n >= 1 and abs(ratio - n) <= _WHOLE * max(1.0, ratio):
        return np.array([h]), 0, n
    n = math.ceil(ratio)
    hs = np.full(n, h)
    # the loop sums t_{k+1} = t_k + h_k in order, as cumsum does: a last step of
    # t_end - t_{n-1} then lands on t_end exactly (Sterbenz: t_{n-1} >= t_end / 2)
    before = float(np.cumsum(hs[:-1])[-1]) if n > 1 else 0.0
    last = end - before
    hs[-1] = last if last > 0 else end - h * (n - 1)
    return hs, 1, n


def schedule_family(family: Any, tau: float, *, t_end: float) -> np.ndarray:
    """The step sizes ``family(tau)`` of a learning-rate schedule family, up to ``t_end``.

    ``family`` maps a step-size scale ``tau`` to a sequence (or iterator) of step sizes,
    e.g. ``lambda tau: tau / (1 + 0.1 * np.arange(n))``. Its steps are taken until their
    cumulative sum (the cumulative learning rate) reaches ``t_end``; the last one is
    shortened to land on ``t_end`` exactly. At most :data:`MAX_SCHEDULE` sizes are read.

    Returns
    -------
    ndarray, shape (n,)
        Finite positive step sizes whose cumulative sum ends at ``t_end``.

    Raises
    ------
    InputError
        ``family`` is not callable or fails; a size that is not a finite positive number;
        sizes that do not reach ``t_end`` (within :data:`MAX_SCHEDULE` of them).

    Examples
    --------
    >>> hs = schedule_family(lambda tau: tau / (1 + np.arange(100)), 0.5, t_end=1.0)
    >>> hs.round(4).tolist()
    [0.5, 0.25, 0.1667, 0.0833]
    >>> schedule_family(lambda tau: [tau, tau], 0.1, t_end=1.0)
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: schedule(0.1): its 2 step sizes sum to 0.2, short of t_end = 1
    """
    if not callable(family):
        raise InputError(
            f"schedule: expected a function tau -> step sizes, got {type(family).__name__}"
        )
    where = f"schedule({tau:g})"
    try:
        produced = family(tau)
    except Exception as exc:  # the user's function: report it as the bad argument it is
        raise InputError(f"{where} raised {type(exc).__name__}: {exc}") from exc
    if isinstance(produced, np.ndarray) or isinstance(produced, Sequence):
        chunks: Any = [produced]
    elif isinstance(produced, Iterable) and not isinstance(produced, (str, bytes)):
        it = iter(produced)
        chunks = iter(lambda: list(itertools.islice(it, 4096)), [])
    else:
        raise InputError(f"{where}: expected a sequence of step sizes, got {produced!r}")
    parts: list[np.ndarray] = []
    total, count = 0.0, 0
    for chunk in chunks:
        try:
            hs = np.asarray(chunk, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            raise InputError(f"{where}: expected a sequence of step sizes") from None
        bad = np.flatnonzero(~(np.isfinite(hs) & (hs > 0)))
        if bad.size:
            k = count + int(bad[0])
            raise InputError(f"{where}: step {k} has size {hs[bad[0]]}; sizes must be positive")
        cum = total + np.cumsum(hs)
        reach = np.flatnonzero(cum >= t_end * (1 - _WHOLE))
        if reach.size:
            parts.append(hs[: reach[0] + 1].copy())
            out = np.concatenate(parts)
            if out.size > MAX_SCHEDULE:
                break
            before = float(np.cumsum(out[:-1])[-1]) if out.size > 1 else 0.0
            if t_end - before > 0:
                out[-1] = t_end - before
            return out
        parts.append(hs)
        total, count = float(cum[-1]) if cum.size else total, count + hs.size
        if count > MAX_SCHEDULE:
            break
    if count > MAX_SCHEDULE or sum(p.size for p in parts) > MAX_SCHEDULE:
        raise InputError(
            f"{where}: more than {MAX_SCHEDULE} step sizes (limitdyn.numeric.MAX_SCHEDULE) "
            f"do not reach t_end = {t_end:g}"
        )
    raise InputError(
        f"{where}: its {count} step sizes sum to {total:.6g}, short of t_end = {t_end:g}"
    )
