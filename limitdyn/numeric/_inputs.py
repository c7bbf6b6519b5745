"""Validation of numeric inputs: initial states, parameters, step sizes."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp

from ..errors import InputError


def state_vector(z0: Any, variables: Sequence[sp.Symbol], *, where: str = "z0") -> np.ndarray:
    """``z0`` as a float array aligned with ``variables`` (a sequence or a mapping)."""
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
    """Values of ``parameters`` (in order) from a mapping keyed by Symbol or name."""
    params = {} if params is None else params
    if not isinstance(params, Mapping):
        raise InputError(f"params: expected a mapping {{symbol or name: value}}, got {params!r}")
    by_name: dict[str, Any] = {}
    for key, value in params.items():
        name = key.name if isinstance(key, sp.Symbol) else key
        if not isinstance(name, str):
            raise InputError(f"params: key {key!r} is neither a Symbol nor a name")
        by_name[name] = value
    missing = [q.name for q in parameters if q.name not in by_name]
    if missing:
        raise InputError(f"params: no value for {', '.join(missing)}")
    known = {q.name for q in parameters}
    unknown = sorted(set(by_name) - known)
    if unknown:
        valid = ", ".join(sorted(known)) or "none"
        raise InputError(f"params: unknown parameter {unknown[0]!r}; this system has: {valid}")
    out = np.empty(len(parameters))
    for j, q in enumerate(parameters):
        try:
            out[j] = float(by_name[q.name])
        except (TypeError, ValueError):
            raise InputError(f"params: the value of {q.name} is not a number") from None
        if not math.isfinite(out[j]):
            raise InputError(f"params: the value of {q.name} is not finite")
    return out


def positive_float(value: Any, name: str) -> float:
    """A finite positive float, or an :class:`InputError` naming ``name``."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a positive number, got {value!r}") from None
    if not (math.isfinite(x) and x > 0):
        raise InputError(f"{name} must be a positive finite number, got {value!r}")
    return x


def step_sizes(*, tau: Any, steps: Any, t_end: Any, schedule: Any) -> tuple[np.ndarray, int, int]:
    """The step sizes of a run from exactly one way of giving them.

    ``schedule`` alone; or ``tau`` with ``steps``; or ``tau`` with ``t_end`` (the last
    step is shortened to land on ``t_end`` when ``t_end / tau`` is not an integer).

    Returns
    -------
    (hs, stride, n)
        Step ``k`` of the ``n`` steps has size ``hs[k * stride]``: a constant step is
        stored once (``stride = 0``) rather than ``n`` times.
    """
    if schedule is not None:
        if tau is not None or steps is not None or t_end is not None:
            raise InputError("give either schedule or tau with steps/t_end, not both")
        try:
            hs = np.asarray(schedule, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            raise InputError("schedule: expected a sequence of step sizes") from None
        if hs.size == 0:
            raise InputError("schedule is empty")
        bad = np.flatnonzero(~(np.isfinite(hs) & (hs > 0)))
        if bad.size:
            raise InputError(
                f"schedule: step {bad[0]} has size {hs[bad[0]]}; sizes must be positive"
            )
        return hs.copy(), 1, int(hs.size)
    if tau is None:
        raise InputError("give tau (with steps or t_end) or a schedule")
    h = positive_float(tau, "tau")
    if (steps is None) == (t_end is None):
        raise InputError("give exactly one of steps and t_end")
    if steps is not None:
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
            raise InputError(f"steps must be a non-negative integer, got {steps!r}")
        return np.array([h]), 0, int(steps)
    end = positive_float(t_end, "t_end")
    ratio = end / h
    n = round(ratio)
    if n >= 1 and abs(ratio - n) <= 1e-9 * max(1.0, ratio):
        return np.array([h]), 0, n
    n = math.ceil(ratio)
    hs = np.full(n, h)
    hs[-1] = end - h * (n - 1)
    return hs, 1, n
