"""Plots of conserved quantities: drift along trajectories, level sets with orbits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._axes import resolve_ax

if TYPE_CHECKING:  # pragma: no cover
    from ..numeric._drift import InvariantDrift

__all__ = ["plot_drift", "plot_levels"]


def plot_drift(
    drift: InvariantDrift, *, ax: Any = None, relative: bool = False, **kwargs: Any
) -> Any:
    """``I(z_n) - I(z_0)`` (or divided by ``|I(z_0)|``) against cumulative learning rate.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = resolve_ax(ax=ax)
    y = drift.drift
    if relative and drift.values[0] != 0:
        y = y / abs(drift.values[0])
    kwargs.setdefault("label", drift.label or str(drift.quantity))
    ax.plot(drift.t, y, **kwargs)
    ax.set_xlabel(r"cumulative learning rate $\sum_k \tau_k$")
    ax.set_ylabel("relative drift" if relative else "drift $I(z_n) - I(z_0)$")
    return ax


def plot_levels(
    x: Any, y: Any, values: Any, *, ax: Any = None, levels: Any = 12, **kwargs: Any
) -> Any:
    """Contour lines of a quantity sampled on a grid (``values[i, j]`` at ``x[j], y[i]``).

    Returns
    -------
    matplotlib.contour.QuadContourSet
    """
    ax = resolve_ax(ax=ax)
    kwargs.setdefault("colors", "0.75")
    kwargs.setdefault("linewidths", 0.8)
    return ax.contour(np.asarray(x), np.asarray(y), np.asarray(values), levels=levels, **kwargs)
