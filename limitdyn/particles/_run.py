"""The result of a particle run: time axis, snapshots of the clouds, losses, metrics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InputError

__all__ = ["ParticleRun"]


@dataclass(frozen=True, repr=False)
class ParticleRun:
    """Snapshots of a particle run on the cumulative time axis.

    Attributes
    ----------
    model : object
        The model that ran (:class:`WGAN`, :class:`TwoLayerRegression`, :class:`ToyGAN`).
    times : numpy.ndarray
        ``(S,)`` time of each snapshot (``steps * dt``, see the model's ``dt``).
    steps : numpy.ndarray
        ``(S,)`` step index of each snapshot.
    generator : numpy.ndarray
        ``(S, N, ...)`` generator (or student) particles at each snapshot; for the
        networks ``(S, N, K, L + 2)`` with ``[..., 0] = a``, ``[..., 1:L+1] = b``,
        ``[..., L+1] = c``.
    critic : numpy.ndarray or None
        ``(S, M, ...)`` critic particles ``(alpha, beta, gamma)``, or None.
    losses : Mapping[str, numpy.ndarray]
        ``(S,)`` batch losses averaged over the steps since the previous snapshot
        (``nan`` at the first snapshot).
    metrics : Mapping[str, numpy.ndarray]
        ``(S,)`` metrics evaluated at each snapshot.

    Examples
    --------
    >>> from limitdyn.particles import ToyGAN
    >>> run = ToyGAN(lr=0.1).run(steps=4, record_every=2, init=([1.0], [0.0]))
    >>> run.times.tolist(), run.generator.shape, sorted(run.metrics)
    ([0.0, 0.2, 0.4], (3, 1), ['energy'])
    """

    model: Any
    times: np.ndarray
    steps: np.ndarray
    generator: np.ndarray
    critic: np.ndarray | None = None
    losses: Mapping[str, np.ndarray] = field(default_factory=dict)
    metrics: Mapping[str, np.ndarray] = field(default_factory=dict)

    def __repr__(self) -> str:
        crit = "None" if self.critic is None else str(self.critic.shape)
        return (
            f"ParticleRun(model={self.model!r}, snapshots={self.times.size}, "
            f"t=[{self.times[0]:.4g}, {self.times[-1]:.4g}], generator={self.generator.shape}, "
            f"critic={crit}, losses={sorted(self.losses)}, metrics={sorted(self.metrics)})"
        )

    @property
    def n_snapshots(self) -> int:
        """Number of snapshots."""
        return int(self.times.size)

    def _index(self, index: int) -> int:
        n = self.times.size
        if not isinstance(index, (int, np.integer)) or not -n <= index < n:
            raise InputError(f"snapshot index {index!r} out of range for {n} snapshots")
        return int(index) % n

    def samples(
        self, index: int = -1, *, n: int = 1000, seed: int | np.random.Generator | None = 0
    ) -> np.ndarray:
        """``n`` generator samples ``g(z)`` at snapshot ``index`` (WGAN runs)."""
        if not hasattr(self.model, "generate"):
            raise InputError(f"{type(self.model).__name__} runs have no generator samples")
        return self.model.generate(self.generator[self._index(index)], n, seed=seed)

    # ------------------------------------------------------------------ plots
    def plot_samples(
        self,
        index: int = -1,
        *,
        n: int = 1000,
        seed: int = 0,
        ax: Any = None,
        target: bool = True,
    ) -> Any:
        """Scatter generator samples at snapshot ``index`` over target samples; returns ax."""
        from ..plotting._axes import resolve_ax

        ax = resolve_ax(ax)
        i = self._index(index)
        x = self.samples(i, n=n, seed=seed)
        if target and getattr(self.model, "target", None) is not None:
            y = self.model.target.sample(n, seed=seed + 1)
            ax.scatter(
                y[:, 0], y[:, 1] if y.shape[1] > 1 else np.zeros(n), s=3, c="0.7", label="target"
            )
        ax.scatter(
            x[:, 0],
            x[:, 1] if x.shape[1] > 1 else np.zeros(n),
            s=3,
            c="C0",
            label=f"generator, t = {self.times[i]:.3g}",
        )
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.set_title(f"samples at t = {self.times[i]:.3g}")
        ax.legend(loc="upper right")
        return ax

    def plot_critic(
        self, index: int = -1, *, dims: tuple[int, int] = (0, 1), ax: Any = None
    ) -> Any:
        """Scatter two coordinates of the critic particles at snapshot ``index``."""
        from ..plotting._axes import resolve_ax

        if self.critic is None:
            raise InputError(f"{type(self.model).__name__} runs have no critic particles")
        ax = resolve_ax(ax)
        i = self._index(index)
        w = self.critic[i].reshape(self.critic.shape[1], -1)
        ax.scatter(w[:, dims[0]], w[:, dims[1]], s=6, label=f"t = {self.times[i]:.3g}")
        names = getattr(self.model, "critic_coordinate_names", None)
        ax.set_xlabel(names[dims[0]] if names else f"coordinate {dims[0]}")
        ax.set_ylabel(names[dims[1]] if names else f"coordinate {dims[1]}")
        ax.set_title("critic particles")
        ax.legend(loc="upper right")
        return ax

    def plot_losses(self, *, ax: Any = None) -> Any:
        """Interval-averaged batch losses against time."""
        from ..plotting._axes import resolve_ax

        ax = resolve_ax(ax)
        for name, values in self.losses.items():
            ax.plot(self.times, values, label=name)
        ax.set_xlabel("time $t$ (cumulative learning rate)")
        ax.set_ylabel("batch loss")
        ax.set_title("losses")
        ax.legend()
        return ax

    def plot_metric(self, name: str, *, ax: Any = None) -> Any:
        """One metric against time."""
        from ..plotting._axes import resolve_ax

        if name not in self.metrics:
            raise InputError(f"unknown metric {name!r}; this run has: {', '.join(self.metrics)}")
        ax = resolve_ax(ax)
        ax.plot(self.times, self.metrics[name], marker=".", label=name)
        ax.set_xlabel("time $t$ (cumulative learning rate)")
        ax.set_ylabel(name)
        ax.set_title(name)
        ax.legend()
        return ax
