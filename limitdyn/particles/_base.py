"""The abstract particle model: time step, resizing, initial particles, and one run."""

from __future__ import annotations

import abc
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import numpy as np

from .._validate import steps_or_t_end
from ._driver import RNG_BLOCK, drive, record_steps

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
        keep their ratio, so the mean-field limit is the same)."""

    @abc.abstractmethod
    def init_particles(self, seed: int | np.random.Generator | None = None) -> Any:
        """I.i.d. initial particles drawn from ``seed``."""

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
        """
        from ..errors import InputError

        raise InputError(f"{type(self).__name__} runs have no generator samples")

    def target_samples(
        self, n: int, *, seed: int | np.random.Generator | None = None
    ) -> np.ndarray | None:
        """``n`` samples of the distribution that the generator learns, or None."""
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

        Returns
        -------
        ParticleRun
            Snapshots at steps ``0, record_every, 2 record_every, ..., steps``, with the
            model's losses and metrics (see the model's class docstring).

        Raises
        ------
        InputError
            For bad arguments.
        DivergenceError
            When an iterate is not finite.
        """
        n_steps, t = steps_or_t_end(steps, t_end)
        if n_steps is None:
            assert t is not None
            n_steps = round(t / self.dt)
        marks = record_steps(n_steps, record_every)
        with self._in_force():
            state = self._start(init, seed, len(marks))
            losses = drive(self, state, marks, progress=progress)
        return self._result(state, np.asarray(marks), losses)
