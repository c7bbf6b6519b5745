"""Plots of particle runs and of the propagation-of-chaos gap.

Each function takes a result of :mod:`limitdyn.particles` and an optional ``ax``, and
returns the axes it drew on; the ``.plot*`` methods of the results delegate here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._validate import as_generator
from ..errors import InputError
from ._axes import resolve_ax

if TYPE_CHECKING:
    from ..particles import MeanFieldGap, ParticleRun

__all__ = [
    "plot_mean_field_gap",
    "plot_run_critic",
    "plot_run_losses",
    "plot_run_metric",
    "plot_run_samples",
]

_TIME_LABEL = "time $t$ (cumulative learning rate)"


def _xy(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first two coordinates of ``points (n, d)`` (the second 0 in 1-D)."""
    return points[:, 0], points[:, 1] if points.shape[1] > 1 else np.zeros(points.shape[0])


def plot_run_samples(
    run: ParticleRun,
    index: int = -1,
    *,
    n: int = 1000,
    seed: int | np.random.Generator | None = None,
    ax: Any = None,
    target: bool = True,
) -> Any:
    """Scatter ``n`` generator samples at snapshot ``index`` over ``n`` target samples.

    Parameters
    ----------
    run : ParticleRun
        A run of a generative model (:class:`~limitdyn.particles.WGAN`).
    index : int
        Snapshot (negative counts from the end).
    n : int
        Samples of each cloud.
    seed : int, numpy.random.Generator or None
        Randomness of the samples (generator samples first, then the target's, from one
        :class:`numpy.random.Generator`); None draws fresh entropy, as everywhere.
    ax : matplotlib.axes.Axes, optional
    target : bool
        Whether to draw the target's samples.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from limitdyn.particles import WGAN, ring
    >>> run = WGAN(n_generator=5, n_critic_particles=4, data_dim=2, latent_dim=2,
    ...            target=ring(8), engine="numpy", n_eval=0).run(steps=2, progress=False)
    >>> from limitdyn.plotting import new_figure
    >>> ax = plot_run_samples(run, n=50, ax=new_figure()[1])
    >>> ax.get_title(), len(ax.collections)
    ('samples at t = 0.0001', 2)
    """
    i = run.snapshot_index(index)
    rng = as_generator(seed)
    x = run.samples(i, n=n, seed=rng)
    ax = resolve_ax(ax=ax)
    y = run.model.target_samples(n, seed=rng) if target else None
    if y is not None:
        ax.scatter(*_xy(y), s=3, c="0.7", label="target")
    ax.scatter(*_xy(x), s=3, c="C0", label=f"generator, t = {run.times[i]:.3g}")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(f"samples at t = {run.times[i]:.3g}")
    ax.legend(loc="upper right")
    return ax


def plot_run_critic(
    run: ParticleRun, index: int = -1, *, dims: tuple[int, int] = (0, 1), ax: Any = None
) -> Any:
    """Scatter two coordinates ``dims`` of the critic particles at snapshot ``index``.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InputError
        When the run has no critic particles.

    Examples
    --------
    >>> from limitdyn.particles import ToyGAN
    >>> run = ToyGAN(n_critic_particles=3).run(steps=2, init=([1.0], [0.0, 0.1, 0.2]))
    >>> from limitdyn.plotting import new_figure
    >>> plot_run_critic(run, dims=(0, 0), ax=new_figure()[1]).get_xlabel()
    'coordinate 0'
    """
    if run.critic is None:
        raise InputError(f"{type(run.model).__name__} runs have no critic particles")
    i = run.snapshot_index(index)
    ax = resolve_ax(ax=ax)
    w = run.critic[i].reshape(run.critic.shape[1], -1)
    ax.scatter(w[:, dims[0]], w[:, dims[1]], s=6, label=f"t = {run.times[i]:.3g}")
    names = run.model.critic_coordinate_names
    ax.set_xlabel(names[dims[0]] if names else f"coordinate {dims[0]}")
    ax.set_ylabel(names[dims[1]] if names else f"coordinate {dims[1]}")
    ax.set_title("critic particles")
    ax.legend(loc="upper right")
    return ax


def plot_run_losses(run: ParticleRun, *, ax: Any = None) -> Any:
    """The interval-averaged batch losses of ``run`` against time, one line each.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from limitdyn.particles import ToyGAN
    >>> run = ToyGAN().run(steps=4, record_every=2, init=([1.0], [0.5]))
    >>> from limitdyn.plotting import new_figure
    >>> [line.get_label() for line in plot_run_losses(run, ax=new_figure()[1]).get_lines()]
    ['payoff']
    """
    ax = resolve_ax(ax=ax)
    for name, values in run.losses.items():
        ax.plot(run.times, values, label=name)
    ax.set_xlabel(_TIME_LABEL)
    ax.set_ylabel("batch loss")
    ax.set_title("losses")
    ax.legend()
    return ax


def plot_run_metric(run: ParticleRun, name: str, *, ax: Any = None) -> Any:
    """The metric ``name`` of ``run`` against time.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InputError
        When the run has no metric ``name`` (the message lists those it has).

    Examples
    --------
    >>> from limitdyn.particles import ToyGAN
    >>> run = ToyGAN().run(steps=4, record_every=2, init=([1.0], [0.5]))
    >>> from limitdyn.plotting import new_figure
    >>> plot_run_metric(run, "energy", ax=new_figure()[1]).get_ylabel()
    'energy'
    >>> plot_run_metric(run, "loss")
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: unknown metric 'loss'; this run has: energy
    """
    if name not in run.metrics:
        raise InputError(f"unknown metric {name!r}; this run has: {', '.join(run.metrics)}")
    ax = resolve_ax(ax=ax)
    ax.plot(run.times, run.metrics[name], marker=".", label=name)
    ax.set_xlabel(_TIME_LABEL)
    ax.set_ylabel(name)
    ax.set_title(name)
    ax.legend()
    return ax


def plot_mean_field_gap(gap: MeanFieldGap, *, ax: Any = None) -> Any:
    """``E d_2^2`` against ``N`` in log-log axes, with the fit and a ``1/N`` guide.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from limitdyn.particles import TwoLayerRegression, mean_field_gap
    >>> model = TwoLayerRegression(n_particles=8, input_dim=1, batch=8, engine="numpy")
    >>> gap = mean_field_gap(model, sizes=[4, 8], t_end=0.25, seeds=2, progress=False)
    >>> from limitdyn.plotting import new_figure
    >>> ax = plot_mean_field_gap(gap, ax=new_figure()[1])
    >>> ax.get_xscale(), ax.get_yscale(), len(ax.get_legend().get_texts())
    ('log', 'log', 3)
    """
    ax = resolve_ax(ax=ax)
    n = gap.sizes.astype(float)
    ax.errorbar(
        n,
        gap.mean,
        yerr=2 * gap.stderr,
        fmt="o",
        capsize=3,
        label=r"$\mathbb{E}\,d_2^2$ (mean $\pm$ 2 s.e.)",
    )
    ax.plot(n, gap.prefactor * n**gap.exponent, "-", label=f"fit: slope {gap.exponent:.2f}")
    ax.plot(n, gap.mean[0] * n[0] / n, "k:", label="$C/N$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("number of generator particles $N$")
    ax.set_ylabel(r"$\mathbb{E}\, d_2^2$ at $t = $" + f"{gap.t_end:g}")
    ax.set_title("propagation of chaos")
    ax.legend()
    return ax
