"""Numeric inputs of a run: initial states, parameter values, step sizes.

The generic checks (positive numbers, counts, exactly one of ``steps``/``t_end``) are
the shared ones of :mod:`limitdyn._validate`; what is here is specific to numerics.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp

from .._multistep import TwoStepScheme, as_one_step
from .._ode import ODE
from .._scheme import Scheme
from .._validate import positive_float, steps_or_t_end
from ..errors import InputError

__all__ = ["one_step_scheme", "parameter_vector", "parameters_of", "state_vector", "step_sizes"]

#: relative slack below which ``t_end / tau`` counts as a whole number of steps
_WHOLE = 1e-9


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
    return as_one_step(scheme)


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


def parameter_vector(params: Any, parameters: Sequence[sp.Symbol]) -> np.ndarray:
    """Values of ``parameters`` (in order) from a mapping keyed by Symbol or name.

    An unknown name is reported before a missing one: a misspelt parameter is then named
    as such rather than as the one it was meant to be.

    Parameters
    ----------
    params : mapping or None
        ``{Symbol or name: number}``; None for no parameters.
    parameters : sequence of Symbol, length k
        The system's parameters.

    Returns
    -------
    ndarray, shape (k,)

    Raises
    ------
    InputError
        Not a mapping, an unknown or missing parameter, a value that is not a finite number.

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
    """
    params = {} if params is None else params
    if not isinstance(params, Mapping):
        raise InputError(f"params: expected a mapping {{symbol or name: value}}, got {params!r}")
    by_name: dict[str, Any] = {}
    for key, value in params.items():
        name = key.name if isinstance(key, sp.Symbol) else key
        if not isinstance(name, str):
            raise InputError(f"params: key {key!r} is neither a Symbol nor a name")
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
            raise InputError(f"params: the value of {q.name} is not finite")
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
