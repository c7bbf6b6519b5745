"""The result of a particle run: time axis, snapshots of the clouds, losses, metrics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .._display import dataframe, html_table
from .._optional import import_optional
from .._validate import as_generator
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
    diverged_at : int or None
        For a run stopped by ``on_divergence="stop"``: the first step whose state, inputs,
        losses or metrics were not finite (the snapshots are those before it); else None.

    Examples
    --------
    >>> from limitdyn.particles import ToyGAN
    >>> run = ToyGAN(lr=0.1).run(steps=4, record_every=2, init=([1.0], [0.0]))
    >>> run.times.tolist(), run.generator.shape, sorted(run.metrics)
    ([0.0, 0.2, 0.4], (3, 1), ['energy'])
    >>> run.to_dataframe().columns.tolist()
    ['time', 'step', 'energy', 'loss: payoff']
    """

    model: ParticleModel[Any]
    times: np.ndarray
    steps: np.ndarray
    generator: np.ndarray
    critic: np.ndarray | None = None
    losses: Mapping[str, np.ndarray] = field(default_factory=dict)
    metrics: Mapping[str, np.ndarray] = field(default_factory=dict)
    diverged_at: int | None = None

    def __repr__(self) -> str:
        crit = "None" if self.critic is None else str(self.critic.shape)
        return (
            f"ParticleRun(model={self.model!r}, snapshots={self.times.size}, "
            f"t=[{self.times[0]:.4g}, {self.times[-1]:.4g}], generator={self.generator.shape}, "
            f"critic={crit}, losses={sorted(self.losses)}, metrics={sorted(self.metrics)}"
            f"{'' if self.diverged_at is None else f', diverged_at={self.diverged_at}'})"
        )

    # ------------------------------------------------------------------ display
    def _summary(self) -> str:
        n = self.generator.shape[1]
        m = "" if self.critic is None else f", M = {self.critic.shape[1]}"
        stop = (
            "" if self.diverged_at is None else f", stopped: not finite at step {self.diverged_at}"
        )
        return (
            f"{self.model.name} run: N = {n}{m}, {int(self.steps[-1])} steps, "
            f"{self.n_snapshots} snapshots, t in [{self.times[0]:.4g}, {self.times[-1]:.4g}]"
            f"{stop}"
        )

    def _columns(self) -> dict[str, Any]:
        cols: dict[str, Any] = {"time": self.times, "step": self.steps}
        cols.update({name: np.asarray(v) for name, v in self.metrics.items()})
        cols.update({f"loss: {name}": np.asarray(v) for name, v in self.losses.items()})
        return cols

    def _repr_html_(self) -> str:
        """The summary line (model, N, M, steps, time span) and the recorded metrics and
        losses at each snapshot."""
        return html_table(self._summary(), self._columns())

    def to_dataframe(self) -> Any:
        """One row per snapshot: ``time``, ``step``, each metric, and each loss as
        ``"loss: NAME"`` (pandas, the ``table`` extra).

        Examples
        --------
        >>> from limitdyn.particles import WGAN, ring
        >>> model = WGAN(n_generator=20, n_critic_particles=10, data_dim=2, latent_dim=2,
        ...              target=ring(8))
        >>> run = model.run(steps=4, record_every=2, seed=0, progress=False)
        >>> df = run.to_dataframe()
        >>> df["step"].tolist(), bool((df["time"] == df["step"] * model.dt).all())
        ([0, 2, 4], True)
        >>> [c for c in df.columns if c.startswith("loss")]
        ['loss: critic', 'loss: generator']
        """
        return dataframe(self._columns())

    def to_xarray(self) -> Any:
        """The snapshots as an :class:`xarray.Dataset` (xarray, the ``table`` extra).

        Variables: ``generator`` (``time x particle x ...`` coordinates of the generator
        particles), ``critic`` (``time x critic_particle x coordinate``, where there is a
        critic), each metric and each loss (``loss_NAME``) as a time series; coordinates
        ``time`` and ``step`` (along ``time``) and the names of the critic coordinates.

        Examples
        --------
        >>> import numpy as np
        >>> from limitdyn.particles import WGAN, ring
        >>> model = WGAN(n_generator=20, n_critic_particles=10, data_dim=2, latent_dim=2,
        ...              target=ring(8))
        >>> run = model.run(steps=4, record_every=2, seed=0, progress=False)
        >>> ds = run.to_xarray()
        >>> ds["critic"].dims, ds["coordinate"].values.tolist()
        (('time', 'critic_particle', 'coordinate'), ['alpha', 'beta_1', 'beta_2', 'gamma'])
        >>> bool(np.array_equal(ds["generator"].values, run.generator))
        True
        """
        xr = import_optional("xarray")
        g = np.asarray(self.generator)
        gdims = ["time", "particle"] + [f"generator_axis_{k}" for k in range(1, g.ndim - 1)]
        data: dict[str, Any] = {"generator": (gdims, g)}
        coords: dict[str, Any] = {"time": self.times, "step": ("time", self.steps)}
        if self.critic is not None:
            c = np.asarray(self.critic)
            names = self.model.critic_coordinate_names
            cdims = ["time", "critic_particle"] + (
                ["coordinate"] if c.ndim == 3 else [f"critic_axis_{k}" for k in range(2, c.ndim)]
            )
            data["critic"] = (cdims, c)
            if names is not None and c.ndim == 3 and len(names) == c.shape[2]:
                coords["coordinate"] = names
        for name, v in self.metrics.items():
            data[name] = ("time", np.asarray(v))
        for name, v in self.losses.items():
            data[f"loss_{name}"] = ("time", np.asarray(v))
        return xr.Dataset(data, coords=coords, attrs={"model": repr(self.model)})

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
        self, index: int = -1, *, n: int = 1000, seed: int | np.random.Generator | None = None
    ) -> np.ndarray:
        """``n`` generator samples ``g(z)`` at snapshot ``index`` (WGAN runs).

        Raises
        ------
        InputError
            For a bad index, or a model without generator samples.

        Examples
        --------
        >>> from limitdyn.particles import ToyGAN, WGAN, ring
        >>> model = WGAN(n_generator=20, n_critic_particles=10, data_dim=2, latent_dim=2,
        ...              target=ring(8))
        >>> run = model.run(steps=4, record_every=2, seed=0, progress=False)
        >>> run.samples(0, n=5, seed=0).shape
        (5, 2)
        >>> run.samples(3)
        Traceback (most recent call last):
        ...
        limitdyn.errors.InputError: snapshot index 3 out of range for 3 snapshots
        """
        return self.model.sample_outputs(self.generator[self.snapshot_index(index)], n, seed=seed)

    # ------------------------------------------------------------------ plots
    def plot_samples(
        self,
        index: int = -1,
        *,
        n: int = 1000,
        seed: int | np.random.Generator | None = None,
        ax: Any = None,
        target: bool = True,
    ) -> Any:
        """Generator samples over target samples; see :func:`limitdyn.plotting.plot_run_samples`.

        ``seed`` is an int, a :class:`numpy.random.Generator` or None (fresh entropy).

        Examples
        --------
        >>> from limitdyn.particles import WGAN, ring
        >>> model = WGAN(n_generator=20, n_critic_particles=10, data_dim=2, latent_dim=2,
        ...              target=ring(8))
        >>> run = model.run(steps=4, record_every=2, seed=0, progress=False)
        >>> ax = run.plot_samples(n=50, seed=0)  # generator and target samples, 50 each
        >>> [c.get_offsets().shape for c in ax.collections]
        [(50, 2), (50, 2)]
        """
        from ..plotting._particles import plot_run_samples

        return plot_run_samples(self, index, n=n, seed=as_generator(seed), ax=ax, target=target)

    def plot_critic(
        self, index: int = -1, *, dims: tuple[int, int] = (0, 1), ax: Any = None
    ) -> Any:
        """Critic particles; see :func:`limitdyn.plotting.plot_run_critic`.

        Examples
        --------
        >>> import numpy as np
        >>> from limitdyn.particles import WGAN, ring
        >>> model = WGAN(n_generator=20, n_critic_particles=10, data_dim=2, latent_dim=2,
        ...              target=ring(8))
        >>> run = model.run(steps=4, record_every=2, seed=0, progress=False)
        >>> ax = run.plot_critic(dims=(0, 1))  # (alpha, beta_1) of each critic particle
        >>> bool(np.array_equal(ax.collections[0].get_offsets(), run.critic[-1][:, :2]))
        True
        """
        from ..plotting._particles import plot_run_critic

        return plot_run_critic(self, index, dims=dims, ax=ax)

    def plot_losses(self, *, ax: Any = None) -> Any:
        """Losses against time; see :func:`limitdyn.plotting.plot_run_losses`.

        Examples
        --------
        >>> from limitdyn.particles import WGAN, ring
        >>> model = WGAN(n_generator=20, n_critic_particles=10, data_dim=2, latent_dim=2,
        ...              target=ring(8))
        >>> run = model.run(steps=4, record_every=2, seed=0, progress=False)
        >>> [line.get_label() for line in run.plot_losses().lines]
        ['critic', 'generator']
        """
        from ..plotting._particles import plot_run_losses

        return plot_run_losses(self, ax=ax)

    def plot_metric(self, name: str, *, ax: Any = None) -> Any:
        """One metric against time; see :func:`limitdyn.plotting.plot_run_metric`.

        Examples
        --------
        >>> import numpy as np
        >>> from limitdyn.particles import WGAN, ring
        >>> model = WGAN(n_generator=20, n_critic_particles=10, data_dim=2, latent_dim=2,
        ...              target=ring(8))
        >>> run = model.run(steps=4, record_every=2, seed=0, progress=False)
        >>> ax = run.plot_metric("sliced_w2")
        >>> bool(np.array_equal(ax.lines[0].get_ydata(), run.metrics["sliced_w2"]))
        True
        """
        from ..plotting._particles import plot_run_metric

        return plot_run_metric(self, name, ax=ax)
