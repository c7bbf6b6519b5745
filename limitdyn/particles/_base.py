"""The abstract particle model: time step, resizing, initial particles, and one run."""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import numpy as np

from .._validate import check_memory, one_of, steps_or_t_end
from ..errors import DivergenceError
from ._driver import ON_DIVERGENCE, RNG_BLOCK, drive, record_count, record_steps

if TYPE_CHECKING:
    from typing import Self

    from ._run import ParticleRun

__all__ = ["ParticleModel"]

StateT = TypeVar("StateT")


class ParticleModel(abc.ABC, Generic[StateT]):
    """A system of interacting particles trained by a discrete update rule.

    A model is a frozen, validated configuration; :meth:`run` is the one public entry
    point that computes. Subclasses define the time per step :attr:`dt`, the resized
    model :meth:`resized`, i.i.d. initial particles :meth:`init_particles`, and the
    per-run state with its three operations (draw a block of random inputs, advance a
    part of a block, record a snapshot) that :func:`~limitdyn.particles._driver.drive`
    sequences.

    Attributes
    ----------
    name : str
        (class attribute) Name in messages and progress bars.
    loss_names : tuple of str
        The losses a run records.
    block_steps : int
        Steps whose random inputs are drawn together.
    shows_progress : bool
        Whether runs show a progress bar (on a terminal, unless ``progress=False``).

    Examples
    --------
    >>> from limitdyn.particles import ParticleModel, ToyGAN
    >>> toy = ToyGAN(n_generator=2, lr=0.1)
    >>> isinstance(toy, ParticleModel), toy.dt, toy.resized(4).dt
    (True, 0.05, 0.025)
    >>> run = toy.run(steps=4, record_every=2, init=([1.0, 0.5], [0.0]))
    >>> run.steps.tolist(), run.times.tolist()
    ([0, 2, 4], [0.0, 0.1, 0.2])
    """

    name: ClassVar[str] = "model"
    loss_names: ClassVar[tuple[str, ...]] = ()
    block_steps: ClassVar[int] = RNG_BLOCK
    shows_progress: ClassVar[bool] = True

    # ------------------------------------------------------------------ the interface
    @property
    @abc.abstractmethod
    def dt(self) -> float:
        """Time per step: a run's times are ``steps * dt``."""

    @abc.abstractmethod
    def resized(self, n: int) -> Self:
        """The same model with ``n`` generator particles (other particle numbers scaled to
        keep their ratio, so the mean-field limit is the same).

        Examples
        --------
        >>> from limitdyn.particles import ToyGAN
        >>> toy = ToyGAN(n_generator=2, n_critic_particles=1, lr=0.1)
        >>> big = toy.resized(8)
        >>> big.n_generator, big.n_critic_particles, big.dt == toy.dt / 4  # dt = lr / N
        (8, 4, True)
        """

    @abc.abstractmethod
    def init_particles(self, *, seed: int | np.random.Generator | None = None) -> Any:
        """I.i.d. initial particles drawn from ``seed``.

        Examples
        --------
        >>> import numpy as np
        >>> from limitdyn.particles import ToyGAN
        >>> toy = ToyGAN(n_generator=3)
        >>> theta, omega = toy.init_particles(seed=0)
        >>> theta.shape, omega.shape
        ((3,), (1,))
        >>> # seeded
        >>> all(np.array_equal(a, b) for a, b in zip(toy.init_particles(seed=0), (theta, omega)))
        True
        """

    @abc.abstractmethod
    def _start(self, init: Any, seed: int | np.random.Generator | None, records: int) -> StateT:
        """The validated initial state of a run (particles, evaluation data, generators),
        with room for ``records`` snapshots."""

    @abc.abstractmethod
    def _draw(self, state: StateT) -> tuple[np.ndarray, ...]:
        """The random inputs of the next :attr:`block_steps` steps."""

    @abc.abstractmethod
    def _advance(
        self,
        state: StateT,
        batch: tuple[np.ndarray, ...],
        start: int,
        stop: int,
        losses: Mapping[str, np.ndarray],
    ) -> int:
        """Steps ``start:stop`` of the block ``batch`` in place, each loss into ``losses``.

        Returns the index (from 0) of the first of these steps after which the state is
        not finite, or -1.
        """

    @abc.abstractmethod
    def _record(self, state: StateT) -> None:
        """Record a snapshot of the state (and the metrics evaluated on it)."""

    def _last_metrics(self, state: StateT) -> Mapping[str, float]:
        """The metrics of the latest snapshot, which the driver checks are finite (a model
        that does not say is checked on its result, after the run)."""
        return {}

    def _particle_shapes(self) -> tuple[tuple[int, ...], ...]:
        """The shapes of the arrays :meth:`init_particles` returns (found by drawing them
        once, unless a model knows them: WGAN's are a 12 ms draw at 1e3 x 64 x 18)."""
        parts = self.init_particles(seed=0)
        arrays = parts if isinstance(parts, tuple) else (parts,)
        return tuple(np.shape(a) for a in arrays)

    def _record_bytes(self) -> int:
        """About the memory one snapshot keeps: the particles (in the shapes of
        :meth:`init_particles`), the losses, a few metrics and the bookkeeping."""
        particles = sum(8 * int(np.prod(shape)) + 128 for shape in self._particle_shapes())
        return particles + 8 * (len(self.loss_names) + 8) + 64

    @abc.abstractmethod
    def _result(
        self, state: StateT, marks: np.ndarray, losses: dict[str, np.ndarray]
    ) -> ParticleRun:
        """The :class:`ParticleRun` of the recorded snapshots."""

    # ------------------------------------------------------------------ optional parts
    def _in_force(self) -> AbstractContextManager[Any]:
        """A context that the whole run executes in (the engine's thread count)."""
        return nullcontext()

    def sample_outputs(
        self, particles: Any, n: int, *, seed: int | np.random.Generator | None = None
    ) -> np.ndarray:
        """``n`` samples of the generated distribution at ``particles`` (generative models).

        Raises
        ------
        InputError
            For models without generator samples.

        Examples
        --------
        >>> from limitdyn.particles import ToyGAN, WGAN, ring
        >>> wgan = WGAN(n_generator=4, n_critic_particles=4, data_dim=2, latent_dim=2,
        ...             target=ring(8))
        >>> theta, omega = wgan.init_particles(seed=0)
        >>> wgan.sample_outputs(theta, 5, seed=0).shape  # 5 points in the data space R^2
        (5, 2)
        >>> ToyGAN().sample_outputs(None, 5)
        Traceback (most recent call last):
        ...
        limitdyn.errors.InputError: ToyGAN runs have no generator samples
        """
        from ..errors import InputError

        raise InputError(f"{type(self).__name__} runs have no generator samples")

    def target_samples(
        self, n: int, *, seed: int | np.random.Generator | None = None
    ) -> np.ndarray | None:
        """``n`` samples of the distribution that the generator learns, or None.

        Examples
        --------
        >>> import numpy as np
        >>> from limitdyn.particles import ToyGAN, WGAN, ring
        >>> wgan = WGAN(n_generator=4, n_critic_particles=4, data_dim=2, latent_dim=2,
        ...             target=ring(8))
        >>> x = wgan.target_samples(1000, seed=0)
        >>> x.shape, bool(np.allclose(np.hypot(*x.T), 2.0, atol=0.1))  # the ring of radius 2
        ((1000, 2), True)
        >>> ToyGAN().target_samples(3) is None
        True
        """
        return None

    @property
    def critic_coordinate_names(self) -> list[str] | None:
        """Names of the critic particle coordinates, where there are such particles."""
        return None

    # ------------------------------------------------------------------ running
    def run(
        self,
        *,
        steps: int | None = None,
        t_end: float | None = None,
        record_every: int | None = None,
        seed: int | np.random.Generator | None = None,
        progress: bool | None = None,
        init: Any = None,
        on_divergence: str = "raise",
    ) -> ParticleRun:
        """Train for ``steps`` steps or up to time ``t_end`` (``round(t_end / dt)`` steps).

        Parameters
        ----------
        steps, t_end
            Exactly one of them (``t_end > 0``).
        record_every : int, optional
            Steps between snapshots (default: about 100 snapshots); the last step is
            always recorded.
        seed : int or numpy.random.Generator, optional
            The only source of randomness (initial particles, batches, evaluation).
        progress : bool, optional
            Progress bar; by default only on a terminal.
        init : optional
            Initial particles in the shapes of :meth:`init_particles`.
        on_divergence : {"raise", "stop"}
            What to do when a random input, the state, a loss or a metric leaves the
            finite floats: raise :class:`~limitdyn.errors.DivergenceError`, or stop and
            return the snapshots recorded before that step, with ``diverged_at`` set to it
            (as :func:`limitdyn.iterate`).

        Returns
        -------
        ParticleRun
            Snapshots at steps ``0, record_every, 2 record_every, ..., steps``, with the
            model's losses and metrics (see the model's class docstring); after a stop,
            the snapshots before ``diverged_at``.

        Raises
        ------
        InputError
            For bad arguments, or snapshots that would need more than
            :data:`~limitdyn._validate.MEMORY_LIMIT` bytes (checked before anything
            is allocated).
        DivergenceError
            With the first step whose random inputs, state, loss or metric is not finite
            and its time (``on_divergence="raise"``, or a non-finite initial snapshot).

        Examples
        --------
        >>> from limitdyn.particles import ToyGAN
        >>> toy = ToyGAN(lr=100.0, latent="logistic")  # explicit steps far too large
        >>> run = toy.run(steps=50, record_every=2, init=([1.0], [0.5]), on_divergence="stop")
        >>> run.diverged_at, run.steps.tolist()
        (8, [0, 2, 4, 6])
        >>> toy.run(steps=50, record_every=2, init=([1.0], [0.5]))
        Traceback (most recent call last):
        ...
        limitdyn.errors.DivergenceError: ToyGAN: the metric 'energy' is not finite (iterate 8, ...
        """
        mode = one_of(on_divergence, "on_divergence", ON_DIVERGENCE)
        n_steps, t = steps_or_t_end(steps, t_end)
        if n_steps is None:
            assert t is not None
            n_steps = round(t / self.dt)
        n_records = record_count(n_steps, record_every)
        check_memory(
            n_records * self._record_bytes(),
            f"a {self.name} run recording {n_records} snapshots ({n_steps} steps)",
            hint="record fewer snapshots (a larger record_every)",
        )
        marks = record_steps(n_steps, record_every)
        with self._in_force():
            state = self._start(init, seed, len(marks))
            driven = drive(self, state, marks, progress=progress, on_divergence=mode)
        kept = driven.recorded
        run = self._result(state, np.asarray(marks[:kept]), driven.losses)
        bad = _first_non_finite(run, kept)
        if bad is not None:
            index, what = bad
            step = int(marks[index])
            if mode == "raise" or index == 0:
                raise DivergenceError(
                    f"{self.name}: {what} not finite", step=step, time=step * self.dt
                )
            return _truncated(run, index, step)
        return _truncated(run, kept, driven.diverged_at)


def _first_non_finite(run: ParticleRun, kept: int) -> tuple[int, str] | None:
    """The first of the ``kept`` snapshots of ``run`` with a non-finite particle or metric."""
    first: tuple[int, str] | None = None
    arrays = {"the generator particles are": run.generator}
    if run.critic is not None:
        arrays["the critic particles are"] = run.critic
    arrays.update({f"the metric {k!r} is": v for k, v in run.metrics.items()})
    for what, a in arrays.items():
        rows = np.asarray(a, dtype=np.float64)[:kept].reshape(min(kept, len(a)), -1)
        ok = np.isfinite(rows).all(axis=1)
        if not ok.all():
            index = int(ok.argmin())
            if first is None or index < first[0]:
                first = (index, what)
    return first


def _truncated(run: ParticleRun, kept: int, diverged_at: int | None) -> ParticleRun:
    """``run`` with its first ``kept`` snapshots only, and ``diverged_at``."""

    def cut(a: Any) -> Any:
        return None if a is None else a[:kept]

    return dataclasses.replace(
        run,
        times=run.times[:kept],
        steps=run.steps[:kept],
        generator=run.generator[:kept],
        critic=cut(run.critic),
        losses={k: v[:kept] for k, v in run.losses.items()},
        metrics={k: v[:kept] for k, v in run.metrics.items()},
        diverged_at=diverged_at,
    )
