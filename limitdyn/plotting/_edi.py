"""Drawing energy-dissipation residuals: the residual and its parts against time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._axes import resolve_ax

if TYPE_CHECKING:
    from ..numeric import EDIResidual

__all__ = ["plot_edi_residual"]


def plot_edi_residual(
    result: EDIResidual, *, ax: Any = None, parts: bool = True, **kwargs: Any
) -> Any:
    """Plot ``R(t)`` (``ax.lines[0]``) and, with ``parts``, the energy change (or
    ``Upsilon``), ``1/2 int |z'|^2`` and ``1/2 int |grad|^2`` against time.

    Parameters
    ----------
    result : EDIResidual
        From :func:`~limitdyn.edi_residual`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (new pyplot axes when None).
    parts : bool
        Also draw the three terms.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot` for the residual.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> run = ld.iterate(ld.explicit([-x], [x]), [1.0], tau=0.1, steps=10, engine="numpy")
    >>> ax = ld.edi_residual(run, x**2 / 2).plot()
    >>> len(ax.lines)
    4
    """
    ax = resolve_ax(ax=ax)
    kwargs.setdefault("label", "EDI residual R(t)")
    ax.plot(result.times, result.values, **kwargs)
    if parts:
        change = "Upsilon(z, 0, t)" if result.kind == "dual flow" else "E(x_t) - E(x_0)"
        ax.plot(result.times, result.energy, "--", lw=0.8, label=change)
        ax.plot(result.times, result.speed, ":", lw=0.8, label="1/2 int |z'|^2")
        ax.plot(result.times, result.slope, "-.", lw=0.8, label="1/2 int |grad|^2")
    ax.set_xlabel(r"cumulative learning rate $t$")
    ax.set_ylabel("energy identity")
    ax.legend(fontsize=8)
    return ax
