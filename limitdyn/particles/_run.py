"""The result of a particle run: time axis, snapshots of the clouds, losses, metrics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError

if TYPE_CHECKING:
    from ._base import ParticleModel

__all__ = ["ParticleRun"]


@dataclass(frozen=True, repr=False)
class ParticleRun:
    """Snapshots of a particle run on the cumulative time axis.

    Attributes
    ----------
    model : ParticleModel
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

    model: ParticleModel[Any]
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

    def snapshot_index(self, index: int) -> int:
        """The non-negative position of snapshot ``index`` (negative counts from the end).

        Raises
        ------
        InputError
            When ``index`` is not an integer in ``[-S, S)``.

        Examples
        --------
        >>> from limitdyn.particles import ToyGAN
        >>> run = ToyGAN(lr=0.1).run(steps=4, record_every=2, init=([1.0], [0.0]))
        >>> run.snapshot_index(-1), run.snapshot_index(1)
        (2, 1)
        """
        n = self.times.size
        if not isinstance(index, (int, np.integer)) or not -n <= index < n:
            raise InputError(f"snapshot index {index!r} out of range for {n} snapshots")
        return int(index) % n

    def samples(
        self, index: int = -1, *, n: int = 1000, seed: int | np.random.Generator | None = 0
    ) -> np.ndarray:
        """``n`` generator samples ``g(z)`` at snapshot ``index`` (WGAN runs).

        Raises
        ------
        InputError
            For a bad index, or a model without generator samples.
        """
        return self.model.sample_outputs(self.generator[self.snapshot_index(index)], n, seed=seed)

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
        """Generator samples over target samples; see :func:`limitdyn.plotting.plot_run_samples`."""
        from ..plotting._particles import plot_run_samples

        return plot_run_samples(self, index, n=n, seed=seed, ax=ax, target=target)

    def plot_critic(
        self, index: int = -1, *, dims: tuple[int, int] = (0, 1), ax: Any = None
    ) -> Any:
        """Critic particles; see :func:`limitdyn.plotting.plot_run_critic`."""
        from ..plotting._particles import plot_run_critic

        return plot_run_critic(self, index, dims=dims, ax=ax)

    def plot_losses(self, *, ax: Any = None) -> Any:
        """Losses against time; see :func:`limitdyn.plotting.plot_run_losses`."""
        from ..plotting._particles import plot_run_losses

        return plot_run_losses(self, ax=ax)

    def plot_metric(self, name: str, *, ax: Any = None) -> Any:
        """One metric against time; see :func:`limitdyn.plotting.plot_run_metric`."""
        from ..plotting._particles import plot_run_metric

        return plot_run_metric(self, name, ax=ax)
