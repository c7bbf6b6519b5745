"""The exception hierarchy of limitdyn.

Every error the library raises on bad input or failed numerics derives from
:class:`LimitdynError`, so a caller can catch them all with one clause.
"""

from __future__ import annotations

__all__ = [
    "CacheWarning",
    "DivergenceError",
    "InputError",
    "LimitdynError",
    "OptionalDependencyError",
    "SchemeError",
    "SolverError",
    "SpecError",
]


class LimitdynError(Exception):
    """Base class of every error raised by limitdyn."""


class SchemeError(LimitdynError, ValueError):
    """A scheme, field or ODE is ill-formed; the message names the offending piece."""


class InputError(LimitdynError, ValueError):
    """An argument of a call is invalid: a wrong shape, a missing parameter, an unknown name."""


class SpecError(LimitdynError, ValueError):
    """A scheme file could not be read; carries the file and line.

    Parameters
    ----------
    message : str
        What is wrong.
    file : str, optional
        The file being read.
    line : int, optional
        The 1-based line number.
    column : int, optional
        The 1-based column number.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ):
        self.file = file
        self.line = line
        self.column = column
        self.reason = message
        where = ""
        if file is not None:
            where = f"{file}: "
            if line is not None:
                where = f"{file}:{line}:{column}: " if column is not None else f"{file}:{line}: "
        super().__init__(where + message)


class SolverError(LimitdynError, RuntimeError):
    """An implicit step did not converge.

    Attributes
    ----------
    step : int
        Index of the step that failed (0 is the step from ``z[0]`` to ``z[1]``).
    time : float
        Cumulative learning rate at the start of that step.
    residual : float
        Max-norm of the residual at the last Newton iterate.
    """

    def __init__(self, message: str, *, step: int, time: float, residual: float):
        self.step = step
        self.time = time
        self.residual = residual
        super().__init__(
            f"{message} (step {step}, cumulative time {time:.6g}, residual {residual:.3e})"
        )


class DivergenceError(LimitdynError, FloatingPointError):
    """Iterates left the finite floats.

    Attributes
    ----------
    step : int
        Index of the first iterate that is not finite.
    time : float
        Cumulative learning rate at that iterate.
    """

    def __init__(self, message: str, *, step: int, time: float):
        self.step = step
        self.time = time
        super().__init__(f"{message} (iterate {step}, cumulative time {time:.6g})")


class OptionalDependencyError(LimitdynError, ImportError):
    """An optional dependency that the call needs is missing or too old."""


class CacheWarning(UserWarning):
    """The on-disk cache root cannot be used; limitdyn caches in a private temporary root."""
