"""The Trajectory result type shared by ``iterate`` and ``integrate``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from .._display import dataframe, html_table
from ..errors import InputError

__all__ = ["Trajectory"]


def _readonly(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Trajectory:
    """States on the cumulative-learning-rate axis.

    Attributes
    ----------
    variables : tuple of Symbol
        Names of the columns of ``z``.
    t : ndarray, shape (n + 1,)
        Cumulative learning rate ``t_n = tau_0 + ... + tau_{n-1}``, starting at 0
        (for an ODE solution: the time).
    z : ndarray, shape (n + 1, d)
        The states, read-only.
    diverged_at : int or None
        For ``iterate(..., on_divergence="stop")``: index of the first iterate that
        left the finite floats (``z`` stops just before it).
    dense : callable or None
        For ``integrate``: the dense output, ``dense(t) -> ndarray (d,) or (d, len(t))``.
    label : str
        A description used in plot legends.
    """

    variables: tuple[sp.Symbol, ...]
    t: np.ndarray
    z: np.ndarray
    diverged_at: int | None = None
    dense: Any = None
    label: str = ""

    def __post_init__(self) -> None:
        _readonly(self.t)
        _readonly(self.z)

    def __len__(self) -> int:
        return int(self.t.shape[0])

    @property
    def final(self) -> np.ndarray:
        """The last state, shape (d,)."""
        return self.z[-1]

    def column(self, variable: Any) -> int:
        """The index in ``variables`` (the column of ``z``) of a Symbol or its name.

        Examples
        --------
        >>> import numpy as np, sympy as sp
        >>> x, y = sp.symbols("x y")
        >>> Trajectory((x, y), np.zeros(1), np.zeros((1, 2))).column("y")
        1
        """
        for i, v in enumerate(self.variables):
            if variable == v or (isinstance(variable, str) and variable == v.name):
                return i
        names = ", ".join(v.name for v in self.variables)
        raise InputError(f"unknown variable {variable!r}; this trajectory has {names}")

    def __getitem__(self, variable: Any) -> np.ndarray:
        """The column of one variable (a Symbol or its name), shape (n + 1,)."""
        return self.z[:, self.column(variable)]

    def __repr__(self) -> str:
        extra = f", diverged_at={self.diverged_at}" if self.diverged_at is not None else ""
        names = ", ".join(v.name for v in self.variables)
        return (
            f"Trajectory({self.label + ', ' if self.label else ''}{len(self)} states of "
            f"({names}), t in [{self.t[0]:.6g}, {self.t[-1]:.6g}]{extra})"
        )

    def plot(self, *, ax: Any = None, variables: Any = None, **kwargs: Any) -> Any:
        """Plot variables against the cumulative learning rate; returns the axes.

        See :func:`limitdyn.plotting.plot_trajectory`.

        Examples
        --------
        >>> import numpy as np, sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> run = ld.iterate(ld.explicit([-x], [x]), [1.0], tau=0.5, steps=4)
        >>> ax = run.plot()
        >>> line = ax.lines[0]
        >>> line.get_xdata().tolist(), line.get_ydata().tolist()  # (1 - tau)^n at t = n tau
        ([0.0, 0.5, 1.0, 1.5, 2.0], [1.0, 0.5, 0.25, 0.125, 0.0625])
        """
        from ..plotting import plot_trajectory

        return plot_trajectory(self, ax=ax, variables=variables, **kwargs)

    def plot_phase(self, x: Any, y: Any, *, ax: Any = None, **kwargs: Any) -> Any:
        """Plot the orbit in the plane of two variables; returns the axes.

        See :func:`limitdyn.plotting.plot_phase`.

        Examples
        --------
        >>> import numpy as np, sympy as sp
        >>> import limitdyn as ld
        >>> q, p = sp.symbols("q p")
        >>> run = ld.integrate(ld.ODE([q, p], [p, -q]), [1.0, 0.0], t_eval=np.linspace(0, 2 * np.pi,
        ...                                                                            50))
        >>> ax = run.plot_phase(q, p)
        >>> xy = ax.lines[0].get_xydata()
        >>> # the orbit is the unit circle
        >>> bool(np.allclose(np.hypot(xy[:, 0], xy[:, 1]), 1.0, atol=1e-8))
        True
        """
        from ..plotting import plot_phase

        return plot_phase(self, x, y, ax=ax, **kwargs)

    def _columns(self) -> dict[str, Any]:
        return {"t": self.t, **{v.name: self.z[:, i] for i, v in enumerate(self.variables)}}

    def _repr_html_(self) -> str:
        return html_table(repr(self), self._columns())

    def to_dataframe(self) -> Any:
        """A pandas DataFrame with a ``t`` column and one column per variable.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> run = ld.iterate(ld.explicit([-x], [x]), [1.0], tau=0.5, steps=2)
        >>> run.to_dataframe()
             t     x
        0  0.0  1.00
        1  0.5  0.50
        2  1.0  0.25
        """
        return dataframe(self._columns())
