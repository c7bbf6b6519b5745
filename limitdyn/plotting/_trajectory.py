"""Drawing trajectories: states against the cumulative learning rate, and phase orbits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._axes import resolve_ax

if TYPE_CHECKING:
    from ..numeric import Trajectory

__all__ = ["plot_phase", "plot_trajectory"]


def plot_trajectory(
    traj: Trajectory, *, ax: Any = None, variables: Any = None, **kwargs: Any
) -> Any:
    """Plot variables of a trajectory against the cumulative learning rate.

    Parameters
    ----------
    traj : Trajectory
        From :func:`~limitdyn.iterate` or :func:`~limitdyn.integrate`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (new pyplot axes when None).
    variables : sequence of Symbol or str, optional
        The variables to draw (default: all), one line each, labelled
        ``"<traj.label>: <name>"``.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot`; a ``label`` is the line's label when
        one variable is drawn, and replaces ``traj.label`` as the prefix otherwise.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> from limitdyn.plotting import new_figure
    >>> x = sp.Symbol("x")
    >>> traj = ld.iterate(ld.explicit([-x], [x]), [1.0], tau=0.5, steps=3)
    >>> fig, ax = new_figure()
    >>> ax = plot_trajectory(traj, ax=ax)
    >>> ax.lines[0].get_ydata().tolist(), ax.get_xlabel()
    ([1.0, 0.5, 0.25, 0.125], 'cumulative learning rate $t$')
    """
    ax = resolve_ax(ax=ax)
    chosen = traj.variables if variables is None else variables
    given = kwargs.pop("label", None)  # a label of the caller's: the curve's, or a prefix
    base = traj.label if given is None else str(given)
    for v in chosen:
        i = traj.column(v)
        name = traj.variables[i].name
        if given is not None and len(chosen) == 1:
            label = base
        else:
            label = f"{base}: {name}" if base else name
        ax.plot(traj.t, traj.z[:, i], label=label, **kwargs)
    ax.set_xlabel("cumulative learning rate $t$")
    ax.legend()
    return ax


def plot_phase(traj: Trajectory, x: Any, y: Any, *, ax: Any = None, **kwargs: Any) -> Any:
    """Plot the orbit of a trajectory in the plane of two of its variables.

    Parameters
    ----------
    traj : Trajectory
        From :func:`~limitdyn.iterate` or :func:`~limitdyn.integrate`.
    x, y : Symbol or str
        The variables on the horizontal and vertical axes.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (new pyplot axes when None).
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot`.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> from limitdyn.plotting import new_figure
    >>> p, q = sp.symbols("p q")
    >>> traj = ld.iterate(ld.explicit([q, -p], [p, q]), [1.0, 0.0], tau=0.5, steps=2)
    >>> fig, ax = new_figure()
    >>> ax = plot_phase(traj, "q", p, ax=ax)
    >>> ax.lines[0].get_xdata().tolist(), ax.get_ylabel()
    ([0.0, -0.5, -1.0], '$p$')
    """
    import sympy as sp

    ax = resolve_ax(ax=ax)
    i, j = traj.column(x), traj.column(y)
    kwargs.setdefault("label", traj.label or None)
    ax.plot(traj.z[:, i], traj.z[:, j], **kwargs)
    ax.set_xlabel(f"${sp.latex(traj.variables[i])}$")
    ax.set_ylabel(f"${sp.latex(traj.variables[j])}$")
    return ax
