"""Plotting helpers (matplotlib, imported lazily).

Every function takes an optional ``ax`` and returns the artists or the axes it
drew on; none calls ``plt.show()``.
"""

from ._axes import new_figure, resolve_ax

__all__ = ["new_figure", "resolve_ax"]
