"""Drawing convergence studies: error against step size on log-log axes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._axes import resolve_ax

if TYPE_CHECKING:
    from ..numeric import ConvergenceStudy

__all__ = ["plot_convergence"]


def plot_convergence(study: ConvergenceStudy, *, ax: Any = None, **kwargs: Any) -> Any:
    """Plot the errors of a convergence study against tau, with the fitted power law.

    The levels used for the fit come first (``ax.lines[0]``), then the least-squares
    line ``c * tau**order`` with ``c`` fitted in log space over them (absent when the
    order is NaN), then, in grey crosses, the levels the study left out of the fit
    (unstable, pre-asymptotic or at the rounding floor; see ``study.status``).

    Parameters
    ----------
    study : ConvergenceStudy
        From :func:`~limitdyn.convergence_study`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (new pyplot axes when None).
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.loglog` for the measured points.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np
    >>> from limitdyn.numeric import ConvergenceStudy
    >>> from limitdyn.plotting import new_figure
    >>> taus = np.array([0.1, 0.05, 0.025])
    >>> study = ConvergenceStudy(taus, 3 * taus**2, "max", "limit ODE", 1.0)
    >>> fig, ax = new_figure()
    >>> ax = plot_convergence(study, ax=ax)
    >>> np.allclose(ax.lines[1].get_ydata(), study.errors), ax.get_legend_handles_labels()[1]
    (True, ['measured', 'fit: order 2.00'])
    """
    ax = resolve_ax(ax=ax)
    used = np.asarray(study.status) == "ok"
    taus, errors = study.taus[used], study.errors[used]
    ax.loglog(taus, errors, "o", label="measured", **kwargs)
    if np.isfinite(study.order) and taus.size:
        c = np.exp(np.mean(np.log(errors) - study.order * np.log(taus)))
        ax.loglog(taus, c * taus**study.order, "--", label=f"fit: order {study.order:.2f}")
    left_out = ~used & np.isfinite(study.errors) & (study.errors > 0)
    if left_out.any():
        ax.loglog(
            study.taus[left_out],
            study.errors[left_out],
            "x",
            color="0.5",
            label="left out of the fit (" + ", ".join(sorted(set(study.status[left_out]))) + ")",
        )
    ax.set_xlabel(r"step size $\tau$")
    ax.set_ylabel(f"error ({study.norm} norm)")
    ax.legend()
    return ax
