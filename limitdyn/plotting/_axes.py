"""Axes handling shared by every ``.plot`` method."""

from __future__ import annotations

from typing import Any

from .._optional import import_optional


def resolve_ax(*, ax: Any = None) -> Any:
    """Return ``ax``, or new axes from :mod:`matplotlib.pyplot` when it is None.

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from limitdyn.plotting import new_figure, resolve_ax
    >>> fig, ax = new_figure()
    >>> resolve_ax(ax=ax) is ax
    True
    >>> resolve_ax().get_figure() is not fig  # new axes on a new pyplot figure
    True
    """
    if ax is not None:
        return ax
    plt = import_optional("matplotlib.pyplot")
    _, new = plt.subplots()
    return new


def new_figure(*, ncols: int = 1, nrows: int = 1, width: float = 6.0, height: float = 4.5) -> Any:
    """A pyplot-free :class:`matplotlib.figure.Figure` and its axes (safe on any backend).

    Returns
    -------
    (Figure, axes)
        ``axes`` is one Axes when ``nrows == ncols == 1``, else an array of them.

    Examples
    --------
    >>> from limitdyn.plotting import new_figure
    >>> fig, axes = new_figure(ncols=2, width=3.0, height=2.0)
    >>> axes.shape, fig.get_size_inches().tolist()  # the width is per column
    ((2,), [6.0, 2.0])
    """
    import_optional("matplotlib")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * ncols, height * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=True)
    return fig, axes
