"""The drift of a conserved quantity along a trajectory, on the cumulative-learning-rate axis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from .._display import dataframe, html_table
from .._ode import ODE
from ..errors import InputError
from ._compile import compile_ode
from ._inputs import parameter_vector
from ._trajectory import Trajectory

__all__ = ["InvariantDrift", "invariant_drift"]


@dataclass(frozen=True, eq=False)
class InvariantDrift:
    """Values of a quantity along a trajectory.

    Attributes
    ----------
    quantity : Expr
    t : ndarray, shape (n + 1,)
        Cumulative learning rate.
    values : ndarray, shape (n + 1,)
        ``I(z_n)``.
    label : str
    """

    quantity: sp.Expr
    t: np.ndarray
    values: np.ndarray
    label: str = ""

    @property
    def drift(self) -> np.ndarray:
        """``I(z_n) - I(z_0)``."""
        return self.values - self.values[0]

    @property
    def max_drift(self) -> float:
        """``max_n |I(z_n) - I(z_0)|``."""
        return float(np.max(np.abs(self.drift)))

    def _columns(self) -> dict[str, Any]:
        return {"t": self.t, "value": self.values, "drift": self.drift}

    def to_dataframe(self) -> Any:
        """Columns t, value, drift (pandas).

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> q, p = sp.symbols("q p")
        >>> run = ld.iterate(ld.explicit([p, -q], [q, p]), [1.0, 0.0], tau=0.1, steps=2)
        >>> # explicit Euler: q^2 + p^2 grows by 1 + tau^2
        >>> ld.invariant_drift(run, q**2 + p**2).to_dataframe()
             t   value   drift
        0  0.0  1.0000  0.0000
        1  0.1  1.0100  0.0100
        2  0.2  1.0201  0.0201
        """
        return dataframe(self._columns())

    def _repr_html_(self) -> str:
        return html_table(f"drift of {self.quantity}: max {self.max_drift:.3g}", self._columns())

    def __repr__(self) -> str:
        return (
            f"InvariantDrift({self.quantity}, {len(self.t)} points, max drift {self.max_drift:.3g})"
        )

    def plot(self, *, ax: Any = None, relative: bool = False, **kwargs: Any) -> Any:
        """Drift against cumulative learning rate (see
        :func:`~limitdyn.plotting._invariants.plot_drift`).

        Examples
        --------
        >>> import numpy as np, sympy as sp
        >>> import limitdyn as ld
        >>> q, p = sp.symbols("q p")
        >>> run = ld.iterate(ld.explicit([p, -q], [q, p]), [1.0, 0.0], tau=0.1, steps=10)
        >>> ax = ld.invariant_drift(run, q**2 + p**2).plot()
        >>> bool(np.allclose(ax.lines[0].get_ydata(), 1.01 ** np.arange(11) - 1))
        True
        """
        from ..plotting._invariants import plot_drift

        return plot_drift(self, ax=ax, relative=relative, **kwargs)


def invariant_drift(
    trajectory: Trajectory, quantity: sp.Expr, *, params: Any = None
) -> InvariantDrift:
    """The values of ``quantity`` along ``trajectory`` against cumulative learning rate.

    The quantity is compiled by the library's code generation (never ``lambdify``).

    Parameters
    ----------
    trajectory : Trajectory
        From :func:`~limitdyn.iterate` or :func:`~limitdyn.integrate`.
    quantity : Expr
        In the trajectory's variables and parameters.
    params : mapping, optional
        Values of the parameters of the quantity.

    Returns
    -------
    InvariantDrift

    Raises
    ------
    InputError
        If ``trajectory`` is not a Trajectory, ``quantity`` is not an expression, or a
        parameter value is missing.

    Examples
    --------
    >>> import numpy as np, sympy as sp
    >>> import limitdyn as ld
    >>> q, p = sp.symbols("q p")
    >>> run = ld.iterate(ld.explicit([p, -q], [q, p]), [1.0, 0.0], tau=0.1, steps=10,
    ...                  engine="numpy")
    >>> d = ld.invariant_drift(run, q**2 + p**2)
    >>> bool(np.allclose(d.values, 1.01 ** np.arange(11)))
    True
    """
    if not isinstance(trajectory, Trajectory):
        raise InputError(f"invariant_drift: expected a Trajectory, got {type(trajectory).__name__}")
    if not isinstance(quantity, sp.Expr):
        raise InputError(f"invariant_drift: the quantity {quantity!r} is not a SymPy expression")
    vs = trajectory.variables
    ode = ODE(vs, [quantity] * len(vs))
    pvec = parameter_vector(params, ode.parameters)
    rhs, _ = compile_ode(ode, ode.parameters)
    values = np.array([rhs(0.0, z, pvec)[0] for z in np.asarray(trajectory.z, dtype=float)])
    return InvariantDrift(quantity, np.array(trajectory.t, dtype=float), values, trajectory.label)
