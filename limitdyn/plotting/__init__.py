"""Plotting helpers (matplotlib, imported lazily).

Every function takes an optional ``ax`` and returns the artists or the axes it
drew on; none calls ``plt.show()``.
"""

from ._axes import new_figure, resolve_ax
from ._convergence import plot_convergence
from ._edi import plot_edi_residual
from ._particles import (
    plot_mean_field_gap,
    plot_run_critic,
    plot_run_losses,
    plot_run_metric,
    plot_run_samples,
)
from ._trajectory import plot_phase, plot_trajectory
from ._weak import plot_paths, plot_weak

__all__ = [
    "new_figure",
    "plot_convergence",
    "plot_edi_residual",
    "plot_mean_field_gap",
    "plot_paths",
    "plot_phase",
    "plot_run_critic",
    "plot_run_losses",
    "plot_run_metric",
    "plot_run_samples",
    "plot_trajectory",
    "plot_weak",
    "resolve_ax",
]
