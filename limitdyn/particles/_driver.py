"""The one run driver of the particle models: random batches drawn in fixed blocks,
snapshots at the recorded steps, interval-averaged losses, progress and divergence.

A model (a :class:`~limitdyn.particles._base.ParticleModel`) supplies the per-run state
and three operations on it — draw the random inputs of a block of steps, advance a part
of a block, record a snapshot; :func:`drive` sequences them.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .._progress import progress_bar
from .._validate import positive_int
from ..errors import DivergenceError

if TYPE_CHECKING:
    from ._base import ParticleModel

__all__ = ["RNG_BLOCK", "drive", "record_steps"]

#: steps whose random batches are drawn together (fixed, so a run's randomness does
#: not depend on how often it records)
RNG_BLOCK = 16


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
    if record_every is None:
        record_every = max(1, math.ceil(steps / 100))
    every = positive_int(record_every, "record_every")
    marks = list(range(0, steps + 1, every))
    if marks[-1] != steps:
        marks.append(steps)
    return marks


def drive(
    model: ParticleModel[Any], state: Any, marks: list[int], *, progress: bool | None
) -> dict[str, np.ndarray]:
    """Advance ``state`` through the steps ``marks``, recording at each of them.

    The random inputs are drawn ``model.block_steps`` steps at a time (whatever the
    recording interval, so a run's randomness depends on its seed only); the steps of a
    block are advanced in as few calls as the snapshots allow.

    Parameters
    ----------
    model : ParticleModel
        Supplies ``_draw``, ``_advance`` and ``_record`` (and ``loss_names``, ``name``,
        ``dt``, ``block_steps``).
    state : object
        The model's per-run state (see ``ParticleModel._start``), changed in place.
    marks : list of int
        Increasing step indices, the first 0 (see :func:`record_steps`).
    progress : bool or None
        Progress bar; None shows it on a terminal only.

    Returns
    -------
    dict of str to numpy.ndarray
        For each loss name, the ``(len(marks),)`` losses averaged over the steps since the
        previous mark (``nan`` at the first).

    Raises
    ------
    DivergenceError
        With the step (1-based) after which the state is no longer finite and its time.
    """
    names = model.loss_names
    block = model.block_steps
    losses = {name: np.full(len(marks), np.nan) for name in names}
    batch: tuple[np.ndarray, ...] = ()
    pos = block
    done = 0
    model._record(state)
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
                pos = 0
            n = min(block - pos, target - done)
            out = {name: np.empty(n) for name in names}
            bad = model._advance(state, batch, pos, pos + n, out)
            if bad >= 0:
                step = done + bad + 1
                raise DivergenceError(
                    f"{model.name} iterates are not finite", step=step, time=step * model.dt
                )
            for name in names:
                sums[name] += float(out[name].sum())
            pos += n
            done += n
        for name in names:
            losses[name][mi] = sums[name] / count
        model._record(state)
    return losses
