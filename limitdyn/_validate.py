"""Argument checks shared by every layer: numbers, counts, names, step counts, seeds.

Each check returns the normalised value or raises :class:`~limitdyn.errors.InputError`
naming the argument. Bad *arguments of a call* are ``InputError`` everywhere; a badly
built *scheme* is a :class:`~limitdyn.errors.SchemeError` (raised by the model layer).
This module imports nothing but the standard library, numpy and :mod:`limitdyn.errors`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .errors import InputError

__all__ = [
    "as_generator",
    "non_negative_int",
    "one_of",
    "positive_float",
    "positive_int",
    "steps_or_t_end",
]


def positive_float(value: Any, name: str, *, allow_inf: bool = False) -> float:
    """``value`` as a positive float, or an :class:`InputError` naming ``name``.

    Examples
    --------
    >>> positive_float(0.5, "tau")
    0.5
    >>> positive_float(-1, "tau")
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: tau must be a positive finite number, got -1
    >>> positive_float(float("inf"), "clip", allow_inf=True)
    inf
    """
    if isinstance(value, (bool, str, bytes)):
        raise InputError(f"{name} must be a positive number, got {value!r}")
    try:
        x = float(value)
    except (TypeError, ValueError, ArithmeticError):  # OverflowError: an int past 1e308
        raise InputError(f"{name} must be a positive number, got {value!r}") from None
    if math.isnan(x) or not x > 0 or (math.isinf(x) and not allow_inf):
        what = "positive number" if allow_inf else "positive finite number"
        raise InputError(f"{name} must be a {what}, got {value!r}")
    return x


def positive_int(value: Any, name: str) -> int:
    """``value`` as an int >= 1, or an :class:`InputError` naming ``name``.

    Examples
    --------
    >>> positive_int(3, "repeats")
    3
    >>> positive_int(0, "n_critic")
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: n_critic must be a positive integer, got 0
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise InputError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def non_negative_int(value: Any, name: str, *, error: type[Exception] = InputError) -> int:
    """``value`` as an int >= 0, or an ``error`` (:class:`InputError`) naming ``name``.

    Symbolic analyses pass ``error=SchemeError`` for the order of an expansion.

    Examples
    --------
    >>> non_negative_int(0, "steps")
    0
    >>> non_negative_int(1.5, "steps")
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: steps must be a non-negative integer, got 1.5
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise error(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def one_of(value: Any, name: str, valid: Sequence[str]) -> str:
    """``value`` if it is one of ``valid``, else an error listing the valid names.

    Examples
    --------
    >>> one_of("sgd", "optimizer", ("sgd", "rmsprop"))
    'sgd'
    >>> one_of("adam", "optimizer", ("sgd", "rmsprop"))
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: unknown optimizer 'adam'; valid optimizers: sgd, rmsprop
    """
    if not isinstance(value, str) or value not in valid:
        raise InputError(f"unknown {name} {value!r}; valid {name}s: {', '.join(valid)}")
    return value


def steps_or_t_end(steps: Any, t_end: Any) -> tuple[int | None, float | None]:
    """Exactly one of a step count and an end time, checked.

    Returns ``(steps, None)`` or ``(None, t_end)``: ``steps`` a non-negative integer,
    ``t_end`` a positive finite float. How an end time becomes steps (a shortened last
    step, or rounding to whole steps of a fixed size) is the caller's to decide.

    Examples
    --------
    >>> steps_or_t_end(10, None)
    (10, None)
    >>> steps_or_t_end(None, 2)
    (None, 2.0)
    >>> steps_or_t_end(10, 2.0)
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: give exactly one of steps= and t_end=
    """
    if (steps is None) == (t_end is None):
        raise InputError("give exactly one of steps= and t_end=")
    if steps is not None:
        return non_negative_int(steps, "steps"), None
    return None, positive_float(t_end, "t_end")


def as_generator(seed: Any) -> np.random.Generator:
    """A :class:`numpy.random.Generator` from an int seed, a Generator, or None.

    Examples
    --------
    >>> float(as_generator(0).random()) == float(np.random.default_rng(0).random())
    True
    >>> as_generator("42")
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: seed must be an int, a numpy Generator or None, got str
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)):
        return np.random.default_rng(seed)
    raise InputError(f"seed must be an int, a numpy Generator or None, got {type(seed).__name__}")


#: the most memory one call may allocate (iterates, particle runs, metrics, transport
#: plans): a fixed cap, so whether a call is refused does not depend on the machine's load
MEMORY_LIMIT = 16 * 2**30


def format_bytes(n: float) -> str:
    """``n`` bytes in the largest binary unit that keeps the number at least 1.

    Examples
    --------
    >>> format_bytes(512), format_bytes(3 * 2**30), format_bytes(1.5 * 2**50)
    ('512 B', '3.0 GiB', '1536.0 TiB')
    """
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} B"


def check_memory(nbytes: float, what: str, *, hint: str = "") -> None:
    """Refuse, before allocating, a call that would need more than :data:`MEMORY_LIMIT`.

    Raises
    ------
    InputError
        Naming ``what``, the memory it would need and the limit (and ``hint``).

    Examples
    --------
    >>> check_memory(2**20, "a run")
    >>> check_memory(2.0**40, "a run of 10**8 snapshots", hint="record less often")
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: a run of 10**8 snapshots would need about 1.0 TiB of memory, \
more than the limit of 16.0 GiB; record less often
    """
    if nbytes > MEMORY_LIMIT:
        tail = f"; {hint}" if hint else ""
        raise InputError(
            f"{what} would need about {format_bytes(nbytes)} of memory, more than the limit "
            f"of {format_bytes(MEMORY_LIMIT)}{tail}"
        )
