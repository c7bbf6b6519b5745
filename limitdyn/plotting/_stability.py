"""Drawing stability: regions of the linear test problem, spectral radius against the step."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._axes import resolve_ax

if TYPE_CHECKING:  # pragma: no cover
    from ..numeric._stability_region import StabilityRegion

__all__ = ["plot_spectral_radius", "plot_stability_region"]


def plot_stability_region(
    region: StabilityRegion, *, ax: Any = None, color: str = "C0", label: str | None = None
) -> Any:
    """Fill ``{z : radius < 1}`` and draw its boundary, with the axes through 0 (as NodePy).

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = resolve_ax(ax=ax)
    re, im = np.meshgrid(region.re, region.im)
    radius = np.where(np.isfinite(region.radius), region.radius, 1e6)
    ax.contourf(re, im, radius, levels=[0.0, 1.0], colors=[color], alpha=0.35)
    ax.contour(re, im, radius, levels=[1.0], colors=[color], linewidths=1.2)
    ax.axhline(0.0, color="0.5", lw=0.6)
    ax.axvline(0.0, color="0.5", lw=0.6)
    ax.set_aspect("equal")
    ax.set_xlabel(r"$\mathrm{Re}(\tau\lambda)$")
    ax.set_ylabel(r"$\mathrm{Im}(\tau\lambda)$")
    ax.set_title(label if label is not None else region.kind)
    return ax


def plot_spectral_radius(
    taus: Any, radius: Any, *, ax: Any = None, label: str | None = None
) -> Any:
    """Spectral radius of a linearised update against the step, with the line ``rho = 1``."""
    ax = resolve_ax(ax=ax)
    ax.plot(np.asarray(taus), np.asarray(radius), label=label)
    ax.axhline(1.0, color="k", lw=0.8, ls="--")
    ax.set_xlabel(r"step $\tau$")
    ax.set_ylabel(r"spectral radius $\rho$")
    return ax
