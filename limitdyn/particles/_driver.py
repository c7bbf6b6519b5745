"""The one run driver of the particle models: random batches drawn in fixed blocks,
snapshots at the recorded steps, interval-averaged losses, progress and divergence.

A model (a :class:`~limitdyn.particles._base.ParticleModel`) supplies the per-run state
and three operations on it — draw the random inputs of a block of steps, advance a part
of a block, record a snapshot; :func:`drive` sequences them and checks, for every model
and engine alike, that the random inputs, the state, the losses and the recorded metrics
stay finite.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .._progress import progress_bar
from .._validate import positive_int
from ..errors import DivergenceError

if TYPE_CHECKING:
    from ._base import ParticleModel

__all__ = ["ON_DIVERGENCE", "RNG_BLOCK", "Driven", "drive", "record_count", "record_steps"]

#: steps whose random batches are drawn together (fixed, so a run's randomness does
#: not depend on how often it records)
RNG_BLOCK = 16

#: what a run does when a value leaves the finite floats (as :func:`limitdyn.iterate`)
ON_DIVERGENCE = ("raise", "stop")


def _every(steps: int, record_every: Any) -> int:
    if record_every is None:
        return max(1, math.ceil(steps / 100))
    return positive_int(record_every, "record_every")


def record_count(steps: int, record_every: Any) -> int:
    """The number of snapshots of :func:`record_steps` — computed without building them.

    Examples
    --------
    >>> record_count(10, 4), record_count(10**8, 1)
    (4, 100000001)
    """
    every = _every(steps, record_every)
    return steps // every + 1 + (steps % every != 0)


def record_steps(steps: int, record_every: Any) -> list[int]:
    """The steps at which a run of ``steps`` steps is recorded: 0, every ``record_every``
    steps, and the last (default: about 100 snapshots).

    Examples
    --------
    >>> record_steps(10, 4)
    [0, 4, 8, 10]
    >>> record_steps(0, None)
    [0]
    >>> record_steps(5, 0)
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: record_every must be a positive integer, got 0
    """
    every = _every(steps, record_every)
    marks = list(range(0, steps + 1, every))
    if marks[-1] != steps:
        marks.append(steps)
    return marks


class Driven(NamedTuple):
    """What :func:`drive` returns.

    Attributes
    ----------
    losses : dict of str to numpy.ndarray
        For each loss name, ``(recorded,)`` losses averaged over the steps since the
        previous snapshot (``nan`` at the first).
    recorded : int
        The snapshots kept: those at ``marks[:recorded]``.
    diverged_at : int or None
        With ``on_divergence="stop"``: the first step (number of updates) whose state,
        random inputs, loss or recorded metric is not finite; None for a complete run.
    """

    losses: dict[str, np.ndarray]
    recorded: int
    diverged_at: int | None


def _first_bad_row(a: np.ndarray) -> int:
    """The first index along axis 0 of ``a`` with a non-finite entry, or ``len(a)``."""
    if a.shape[0] == 0:
        return 0
    ok = np.isfinite(a).reshape(a.shape[0], -1).all(axis=1)
    return int(ok.argmin()) if not ok.all() else a.shape[0]


def _bad_inputs(batch: tuple[np.ndarray, ...], block: int) -> int:
    """The first step of a block (from 0) whose random inputs are not finite, or ``block``."""
    first = block
    for a in batch:
        if np.issubdtype(a.dtype, np.floating) and a.ndim and a.shape[0] == block:
            first = min(first, _first_bad_row(a))
    return first


def _finite_metrics(values: Any) -> str | None:
    """The name of the first non-finite value of a mapping, or None."""
    for name, value in values.items():
        if not np.isfinite(np.asarray(value, dtype=np.float64)).all():
            return str(name)
    return None


def drive(
    model: ParticleModel[Any],
    state: Any,
    marks: list[int],
    *,
    progress: bool | None,
    on_divergence: str = "raise",
) -> Driven:
    """Advance ``state`` through the steps ``marks``, recording at each of them.

    The random inputs are drawn ``model.block_steps`` steps at a time (whatever the
    recording interval, so a run's randomness depends on its seed only); the steps of a
    block are advanced in as few calls as the snapshots allow. Floating-point warnings
    are silenced while the model computes; instead every step's random inputs, state
    (as ``model._advance`` reports it) and losses, and every snapshot's metrics (as
    ``model._last_metrics`` gives them), are checked to be finite.

    Parameters
    ----------
    model : ParticleModel
        Supplies ``_draw``, ``_advance``, ``_record`` and ``_last_metrics`` (and
        ``loss_names``, ``name``, ``dt``, ``block_steps``).
    state : object
        The model's per-run state (see ``ParticleModel._start``), changed in place.
    marks : list of int
        Increasing step indices, the first 0 (see :func:`record_steps`).
    progress : bool or None
        Progress bar; None shows it on a terminal only.
    on_divergence : {"raise", "stop"}
        Raise at the first non-finite value, or stop there and keep the snapshots
        recorded before it.

    Returns
    -------
    Driven
        The interval-averaged losses, the number of snapshots kept and the step of the
        divergence (None for a complete run).

    Raises
    ------
    DivergenceError
        With the first step (the number of updates, from 1; 0 for the initial snapshot)
        whose random inputs, state, loss or metric is not finite and its time
        ``step * model.dt``; with ``on_divergence="stop"`` only when the initial snapshot
        is not finite (there is nothing to return).
    """
    names = model.loss_names
    block = model.block_steps
    losses = {name: np.full(len(marks), np.nan) for name in names}
    batch: tuple[np.ndarray, ...] = ()
    bad_input = block
    pos = block
    done = 0

    def diverged(what: str, step: int, kept: int) -> Driven:
        if on_divergence == "raise" or kept == 0:
            raise DivergenceError(
                f"{model.name}: {what} not finite", step=step, time=step * model.dt
            )
        return Driven({k: v[:kept] for k, v in losses.items()}, kept, step)

    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        model._record(state)
        bad_metric = _finite_metrics(model._last_metrics(state))
        if bad_metric is not None:
            return diverged(f"the metric {bad_metric!r} of the initial snapshot is", 0, 0)
        bar = progress_bar(
            range(1, len(marks)),
            desc=model.name,
            total=len(marks) - 1,
            enabled=progress if model.shows_progress else False,
        )
        for mi in bar:
            target = marks[mi]
            sums = dict.fromkeys(names, 0.0)
            count = target - done
            while done < target:
                if pos == block:
                    batch = model._draw(state)
                    bad_input = _bad_inputs(batch, block)
                    pos = 0
                n = min(block - pos, target - done)
                out = {name: np.empty(n) for name in names}
                bad_state = model._advance(state, batch, pos, pos + n, out)
                first, what = n, ""
                if 0 <= bad_input - pos < first:
                    first, what = bad_input - pos, "the random inputs (target or data samples) are"
                if 0 <= bad_state < first:
                    first, what = bad_state, "the iterates are"
                for name in names:
                    bad_loss = _first_bad_row(out[name])
                    if bad_loss < first:
                        first, what = bad_loss, f"the loss {name!r} is"
                if first < n:
                    return diverged(what, done + first + 1, mi)
                for name in names:
                    sums[name] += float(out[name].sum())
                pos += n
                done += n
            for name in names:
                losses[name][mi] = sums[name] / count
            model._record(state)
            bad_metric = _finite_metrics(model._last_metrics(state))
            if bad_metric is not None:
                return diverged(f"the metric {bad_metric!r} is", target, mi)
    return Driven(losses, len(marks), None)
