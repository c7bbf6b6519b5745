"""Drawing stochastic runs: path statistics over time and weak-error studies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._axes import resolve_ax

if TYPE_CHECKING:
    from ..numeric import StochasticPaths, WeakConvergenceStudy

__all__ = ["plot_paths", "plot_weak"]


def plot_paths(paths: StochasticPaths, *, ax: Any = None, **kwargs: Any) -> Any:
    """Mean of each variable over the paths (lines, ``ax.lines[i]``) with a band of one
    standard deviation, against the cumulative learning rate.

    Examples
    --------
    >>> import numpy as np, sympy as sp
    >>> from limitdyn.numeric import StochasticPaths
    >>> from limitdyn.plotting import new_figure
    >>> z = np.array([[[0.0], [0.0]], [[1.0], [3.0]]])
    >>> run = StochasticPaths((sp.Symbol("x"),), np.array([0.0, 1.0]), z)
    >>> fig, ax = new_figure()
    >>> ax = plot_paths(run, ax=ax)
    >>> ax.lines[0].get_ydata().tolist()
    [0.0, 2.0]
    """
    ax = resolve_ax(ax=ax)
    mean = paths.mean()
    sd = np.sqrt(np.maximum(np.einsum("rii->ri", paths.covariance()), 0.0))
    for i, v in enumerate(paths.variables):
        (line,) = ax.plot(paths.t, mean[:, i], label=f"E {v}", **kwargs)
        ax.fill_between(
            paths.t,
            mean[:, i] - sd[:, i],
            mean[:, i] + sd[:, i],
            color=line.get_color(),
            alpha=0.2,
        )
    ax.set_xlabel("cumulative learning rate $t$")
    ax.legend()
    return ax


def plot_weak(study: WeakConvergenceStudy, *, ax: Any = None, **kwargs: Any) -> Any:
    """Weak errors against tau on log-log axes with 95% error bars and the fitted law
    ``c tau**order`` over the resolved levels (``ax.lines[-1]`` when the order is finite).

    Examples
    --------
    >>> import numpy as np, sympy as sp
    >>> from limitdyn.numeric import WeakConvergenceStudy
    >>> from limitdyn.plotting import new_figure
    >>> taus = np.array([0.2, 0.1, 0.05])
    >>> e = 3 * taus**2
    >>> study = WeakConvergenceStudy(taus, e, e / 10, e, 0 * e, 2.0, e > 0, 2, 100,
    ...                              sp.Symbol("x"), 1.0)
    >>> fig, ax = new_figure()
    >>> ax = plot_weak(study, ax=ax)
    >>> np.allclose(ax.lines[-1].get_ydata(), e)
    True
    """
    ax = resolve_ax(ax=ax)
    label = kwargs.pop("label", f"SME order {study.reference}")
    ax.errorbar(
        study.taus, study.errors, yerr=study.half_widths, fmt="o", capsize=3, label=label, **kwargs
    )
    use = study.resolved
    if np.isfinite(study.order) and use.any():
        t, e = study.taus[use], study.errors[use]
        c = np.exp(np.mean(np.log(e) - study.order * np.log(t)))
        ax.plot(t, c * t**study.order, "--", label=f"fit: order {study.order:.2f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"learning rate $\tau$")
    ax.set_ylabel(r"weak error $|E\,\varphi(x_N) - E\,\varphi(X_T)|$")
    ax.legend()
    return ax
