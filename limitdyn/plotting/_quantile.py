"""Plot of a 1-D aggregation flow: its quantile functions at a few times."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._validate import positive_int
from ._axes import resolve_ax

if TYPE_CHECKING:
    from ..particles import AggregationFlow

__all__ = ["plot_quantile_flow"]


def plot_quantile_flow(flow: AggregationFlow, *, ax: Any = None, times: int = 5) -> Any:
    """The quantile functions ``s -> Q(t, s)`` of ``flow`` at ``times`` evenly spaced times.

    Parameters
    ----------
    flow : AggregationFlow
        From :func:`~limitdyn.particles.quantile_jko` or
        :func:`~limitdyn.particles.aggregation_particles` (atoms sorted for the plot).
    ax : matplotlib.axes.Axes, optional
    times : int
        Number of curves (the first and last times included).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from limitdyn.particles import quantile_jko
    >>> flow = quantile_jko(np.linspace(-1, 1, 10), tau=0.1, steps=4, potential=lambda x: x)
    >>> len(plot_quantile_flow(flow, times=3).lines)
    3
    """
    k = positive_int(times, "times")
    axes = resolve_ax(ax=ax)
    rows = np.unique(np.linspace(0, len(flow.times) - 1, k).round().astype(int))
    for i in rows:
        axes.plot(flow.grid, flow.quantiles(int(i)), label=f"t = {flow.times[i]:.3g}")
    axes.set_xlabel("$s$")
    axes.set_ylabel("quantile $Q(t, s)$")
    axes.set_title(f"{flow.method}, tau = {flow.tau:g}")
    axes.legend()
    return axes
