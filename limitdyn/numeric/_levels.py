"""Judging the levels of a convergence study: which errors measure the truncation error.

A measured order means something only over levels whose error is the scheme's truncation
error in its asymptotic regime. Each level (one step size) gets a status:

``"ok"``
    Used for the fitted order.
``"rounding-floor"``
    The error is at most the floor of what floating point and the reference can resolve
    (see the ``floors`` of each result): an exact scheme, or a step so small that the
    truncation error is below rounding.
``"unstable"``
    The error is not finite, exceeds the scale of the solution, or grows as the step
    shrinks (compared with the previous usable level).
``"pre-asymptotic"``
    One of the coarsest levels whose local order differs from the order fitted on the
    finer usable levels by more than :data:`ORDER_SLACK`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import InputError

__all__ = ["EPS", "ORDER_SLACK", "STATUSES", "classify", "fitted_order", "local_orders"]

STATUSES = ("ok", "rounding-floor", "unstable", "pre-asymptotic")
#: a coarsest level whose local order is further than this from the fine-level fit is
#: pre-asymptotic
ORDER_SLACK = 0.3
EPS = float(np.finfo(float).eps)


def fitted_order(taus: Any, errors: Any) -> float:
    """Least-squares slope of ``log(error)`` against ``log(tau)``.

    Valid for any ratios between the step sizes, not only halving. NaN when an error is
    not a finite positive number.

    Examples
    --------
    >>> round(fitted_order([0.1, 0.03, 0.01], [2e-2, 1.8e-3, 2e-4]), 2)
    2.0
    """
    t = np.asarray(taus, dtype=float)
    e = np.asarray(errors, dtype=float)
    if t.size < 2 or t.shape != e.shape:
        raise InputError("need at least two (tau, error) pairs of equal length to fit an order")
    if np.any(~np.isfinite(e)) or np.any(e <= 0):
        return math.nan
    slope, _ = np.polyfit(np.log(t), np.log(e), 1)
    return float(slope)


def _pair_order(t0: float, t1: float, e0: float, e1: float) -> float:
    if not (e0 > 0 and e1 > 0 and math.isfinite(e0) and math.isfinite(e1)):
        return math.nan
    return math.log(e1 / e0) / math.log(t1 / t0)


def local_orders(taus: np.ndarray, errors: np.ndarray, status: np.ndarray) -> np.ndarray:
    """Orders between successive levels, shape (k - 1,); NaN where either level is at the
    rounding floor (its error is noise) or an error is not a finite positive number.

    Examples
    --------
    >>> local_orders(np.array([0.2, 0.1, 0.05]), np.array([4e-2, 1e-2, 1e-17]),
    ...              np.array(["ok", "ok", "rounding-floor"])).tolist()
    [2.0, nan]
    """
    out = np.full(max(taus.size - 1, 0), math.nan)
    for i in range(out.size):
        if "rounding-floor" in (status[i], status[i + 1]):
            continue
        out[i] = _pair_order(taus[i], taus[i + 1], errors[i], errors[i + 1])
    return out


def classify(taus: np.ndarray, errors: np.ndarray, floors: np.ndarray, scale: float) -> np.ndarray:
    """The status of each level (``taus`` decreasing); see the module docstring.

    Examples
    --------
    Explicit Euler on ``x' = -10 x`` at ``tau = 0.3`` (beyond ``2 / L``) and below:

    >>> taus = np.array([0.3, 0.1, 0.05, 0.025, 0.0125])
    >>> errors = np.array([64.0, 0.37, 0.118, 0.0515, 0.024])
    >>> classify(taus, errors, np.full(5, 1e-13), 1.0).tolist()
    ['unstable', 'pre-asymptotic', 'ok', 'ok', 'ok']
    """
    k = taus.size
    status = np.array(["ok"] * k, dtype=object)
    for i in range(k):
        if not math.isfinite(errors[i]) or errors[i] > scale:
            status[i] = "unstable"
        elif errors[i] <= floors[i]:
            status[i] = "rounding-floor"
    previous = None
    for i in range(k):
        if status[i] != "ok":
            continue
        if previous is not None and errors[i] >= errors[previous]:
            status[i] = "unstable"  # the error grows (or stalls) as the step shrinks
        else:
            previous = i
    ok = [i for i in range(k) if status[i] == "ok"]
    while len(ok) >= 3:
        fine = fitted_order(taus[ok[1:]], errors[ok[1:]])
        first = _pair_order(taus[ok[0]], taus[ok[1]], errors[ok[0]], errors[ok[1]])
        if abs(first - fine) <= ORDER_SLACK:
            break
        status[ok.pop(0)] = "pre-asymptotic"
    return status


def fit_usable(taus: np.ndarray, errors: np.ndarray, status: np.ndarray) -> tuple[float, str]:
    """The order fitted over the ``"ok"`` levels, and a sentence saying over what (or why
    there is none)."""
    ok = np.flatnonzero(status == "ok")
    flagged = [f"{int(np.sum(status == s))} {s}" for s in STATUSES[1:] if np.any(status == s)]
    excluded = f"; excluded: {', '.join(flagged)}" if flagged else ""
    if ok.size >= 2:
        return fitted_order(taus[ok], errors[ok]), f"fitted over {ok.size} levels{excluded}"
    if np.all((status == "rounding-floor") | (status == "unstable")) and np.any(
        status == "rounding-floor"
    ):
        reason = "no order: the errors are at the rounding floor (exact to rounding)"
    else:
        reason = f"no order: fewer than two usable levels ({ok.size})"
    return math.nan, reason + excluded
