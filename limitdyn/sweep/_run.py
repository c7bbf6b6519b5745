"""Parameter sweeps over any :class:`concurrent.futures.Executor`, resumable and crash-safe.

The driver (the process that calls :func:`sweep`) expands the grid, derives one seed per
point, skips the points whose verified record is in the store, claims the others, submits
them to the executor, and writes each result to the store as it arrives. Workers only
compute: they need the point function and its dependencies, not the store.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import multiprocessing
import os
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._display import dataframe, format_value, html_table
from .._progress import progress_bar
from .._validate import non_negative_int, positive_int
from ..errors import InputError
from ._store import Record, Store, canonical, function_identity, point_key
from ._worker import RESERVED, one_thread, run_point

__all__ = ["LazyArrays", "SweepResult", "default_executor", "expand_grid", "sweep"]

#: seconds between two looks at points that another driver is computing
POLL = 0.2


def expand_grid(grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]]) -> list[dict]:
    """The points of a sweep, in the canonical order that numbers them (and their seeds).

    A Cartesian grid (a mapping of parameter names to lists of values) is expanded with the
    names sorted and the last name varying fastest, so the order does not depend on how the
    mapping was written; an explicit list of points keeps its order.

    Raises
    ------
    InputError
        For an empty grid, a parameter whose values are not a non-empty list, a name that
        is not an identifier or is reserved (``seed``, ``index``, ``status``, ...), points
        with different parameters, or values that are not plain data.

    Examples
    --------
    >>> expand_grid({"lr": [0.1, 0.2], "N": [8]})
    [{'N': 8, 'lr': 0.1}, {'N': 8, 'lr': 0.2}]
    >>> expand_grid([{"N": 8}, {"N": 8}])
    [{'N': 8}, {'N': 8}]
    >>> expand_grid({"N": 8})
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: grid['N'] must be a non-empty list of values, got 8
    """
    if isinstance(grid, Mapping):
        if not grid:
            raise InputError("grid is empty")
        names = sorted(grid)
        for name in names:
            values = grid[name]
            if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Sequence):
                raise InputError(
                    f"grid[{name!r}] must be a non-empty list of values, got {values!r}"
                )
            if not values:
                raise InputError(f"grid[{name!r}] is empty")
        raw = [dict(zip(names, combo)) for combo in itertools.product(*(grid[n] for n in names))]
    elif isinstance(grid, Sequence) and not isinstance(grid, (str, bytes)):
        raw = [dict(p) if isinstance(p, Mapping) else p for p in grid]
        if not raw:
            raise InputError("grid has no points")
        for i, p in enumerate(raw):
            if not isinstance(p, Mapping):
                raise InputError(f"point {i} must be a mapping, got {type(p).__name__}")
    else:
        raise InputError(
            f"grid must be a mapping of lists or a list of points, got {type(grid).__name__}"
        )
    points = [canonical(p, f"point {i}") for i, p in enumerate(raw)]
    names0 = set(points[0])
    for i, p in enumerate(points):
        for name in p:
            if not name.isidentifier() or name in RESERVED:
                raise InputError(f"point {i}: {name!r} cannot be a parameter name")
        if set(p) != names0:
            raise InputError(f"point {i} has parameters {sorted(p)}, point 0 has {sorted(names0)}")
    return points


def default_executor(workers: int | None = None) -> ProcessPoolExecutor:
    """The default executor: ``workers`` processes (default: the CPU count), each with one
    BLAS/OpenMP/numba thread, started with ``spawn`` (safe next to threads and numba).

    Examples
    --------
    >>> pool = default_executor(1)
    >>> pool.submit(pow, 2, 10).result()
    1024
    >>> pool.shutdown()
    """
    n = positive_int(workers, "workers") if workers is not None else (os.cpu_count() or 1)
    return ProcessPoolExecutor(
        max_workers=n, mp_context=multiprocessing.get_context("spawn"), initializer=one_thread
    )


class LazyArrays(Mapping[str, np.ndarray]):
    """The arrays of one point, read (and checked against their SHA-256) on first access."""

    def __init__(self, store: Path, record: Record) -> None:
        self._store = store
        self._record = record
        self._names = tuple(record.data["arrays"]["names"]) if record.data.get("arrays") else ()
        self._data: dict[str, np.ndarray] | None = None

    def _load(self) -> dict[str, np.ndarray]:
        if self._data is None:
            self._data = Store(self._store).load_arrays(self._record)
        return self._data

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._names:
            raise KeyError(name)
        return self._load()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        state = "loaded" if self._data is not None else "not loaded"
        return f"LazyArrays({list(self._names)}, {state})"


@dataclass(frozen=True, repr=False)
class SweepResult:
    """The points of a sweep and what each gave, backed by its store.

    Attributes
    ----------
    function : str
        Qualified name of the point function.
    version : str
        Its version (part of every key).
    store : Path
        The store directory.
    points : tuple of dict
        The points in canonical order (see :func:`expand_grid`).
    keys : tuple of str
        The key of each point's record.
    records : tuple of dict
        Each point's record: ``status`` ("done" or "failed"), ``scalars``, ``error``,
        ``traceback``, ``attempts``, ``seconds``, ``arrays``.
    computed, reused : int
        Points computed by this call, and points whose records were already stored.
    """

    function: str
    version: str
    store: Path
    points: tuple[dict[str, Any], ...]
    keys: tuple[str, ...]
    records: tuple[dict[str, Any], ...]
    computed: int
    reused: int

    def __len__(self) -> int:
        return len(self.points)

    @property
    def status(self) -> list[str]:
        """``"done"`` or ``"failed"`` for each point."""
        return [r["status"] for r in self.records]

    @property
    def failed(self) -> list[int]:
        """Indices of the points whose function raised or whose worker was lost."""
        return [i for i, s in enumerate(self.status) if s != "done"]

    @property
    def ok(self) -> bool:
        """True when every point is done."""
        return not self.failed

    def arrays(self, index: int) -> LazyArrays:
        """The arrays point ``index`` returned, loaded lazily from its npz file.

        Examples
        --------
        >>> import tempfile
        >>> from concurrent.futures import ThreadPoolExecutor
        >>> from limitdyn.sweep import gaussian_moments, sweep
        >>> with ThreadPoolExecutor(2) as pool:
        ...     result = sweep(gaussian_moments, {"n": [100, 400], "scale": [1.0]},
        ...                    store=tempfile.mkdtemp(), executor=pool, progress=False)
        >>> samples = result.arrays(1)["samples"]
        >>> samples.shape
        (400,)
        """
        record = Record(self.keys[index], self.records[index], None)
        if record.data.get("arrays"):
            path = self.store / "results" / record.data["arrays"]["file"]
            record = Record(record.key, record.data, path)
        return LazyArrays(self.store, record)

    def _columns(self) -> dict[str, list[Any]]:
        names = list(self.points[0]) if self.points else []
        outputs: list[str] = []
        for r in self.records:
            outputs.extend(k for k in r["scalars"] if k not in outputs)
        columns: dict[str, list[Any]] = {"index": list(range(len(self.points)))}
        for name in names:
            columns[name] = [p[name] for p in self.points]
        columns["status"] = self.status
        for name in outputs:
            columns[name] = [r["scalars"].get(name, math.nan) for r in self.records]
        columns["error"] = [r["error"] or "" for r in self.records]
        columns["attempts"] = [r["attempts"] for r in self.records]
        columns["seconds"] = [r["seconds"] for r in self.records]
        return columns

    def to_dataframe(self) -> Any:
        """One row per point, indexed by point index: parameters, status, scalar outputs,
        error, attempts and seconds (pandas is optional: the ``table`` extra).

        Examples
        --------
        >>> import tempfile
        >>> from concurrent.futures import ThreadPoolExecutor
        >>> from limitdyn.sweep import gaussian_moments, sweep
        >>> with ThreadPoolExecutor(2) as pool:
        ...     result = sweep(gaussian_moments, {"n": [100, 400], "scale": [1.0]},
        ...                    store=tempfile.mkdtemp(), executor=pool, progress=False)
        >>> df = result.to_dataframe()
        >>> df[["n", "scale", "status"]].values.tolist()
        [[100, 1.0, 'done'], [400, 1.0, 'done']]
        """
        return dataframe(self._columns(), index="index")

    def _summary(self) -> str:
        return (
            f"SweepResult: {self.function} (version {self.version}), {len(self)} points: "
            f"{len(self) - len(self.failed)} done, {len(self.failed)} failed "
            f"({self.computed} computed now, {self.reused} from {self.store})"
        )

    def summary(self) -> str:
        """The summary line, then a table of the failed points with their errors.

        Examples
        --------
        >>> import tempfile
        >>> from concurrent.futures import ThreadPoolExecutor
        >>> from limitdyn.sweep import gaussian_moments, sweep
        >>> with ThreadPoolExecutor(2) as pool:
        ...     result = sweep(gaussian_moments, {"n": [100, 400], "scale": [1.0]},
        ...                    store=tempfile.mkdtemp(), executor=pool, progress=False)
        >>> print(result.summary())
        SweepResult: ...gaussian_moments (...), 2 points: 2 done, 0 failed (2 computed now, ...)
        """
        lines = [self._summary()]
        if self.failed:
            lines.append(f"  {'index':>5s}  {'point':40s}  error")
            for i in self.failed:
                point = ", ".join(f"{k}={format_value(v)}" for k, v in self.points[i].items())
                error = (self.records[i]["error"] or "").splitlines()
                lines.append(f"  {i:5d}  {point[:40]:40s}  {error[-1] if error else ''}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        columns = self._columns()
        columns.pop("seconds")
        return html_table(self._summary(), columns)


def _failure(exc: BaseException, what: str) -> dict[str, Any]:
    return {
        "status": "failed",
        "scalars": {},
        "arrays": {},
        "error": f"{what}: {''.join(traceback.format_exception_only(type(exc), exc)).strip()}",
        "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
        "seconds": math.nan,
    }


class _Driver:
    """One call of :func:`sweep`: the loop that claims, submits, collects and writes."""

    def __init__(self, fn, points, seeds, keys, store, executor, workers, retries, identity):
        self.fn = fn
        self.points = points
        self.seeds = seeds
        self.keys = keys
        self.store: Store = store
        self.own = executor is None
        self.workers = workers
        self.executor: Executor = executor if executor is not None else default_executor(workers)
        self.generation = 0
        self.retries = retries
        self.identity = identity
        self.records: dict[int, Record] = {}
        self.seen: dict[int, dict[str, Any]] = {}
        self.pending: dict[Future[Any], tuple[int, int]] = {}
        self.attempts: dict[int, int] = {}
        self.mine: set[int] = set()
        self.waiting: set[int] = set()
        self.computed = 0

    def scan(self) -> list[int]:
        todo = []
        for i, key in enumerate(self.keys):
            record = self.store.load(key)
            if record is not None and record.status == "done":
                self.records[i] = record
            else:
                if record is not None:
                    self.seen[i] = record.data  # failed before: computed again
                todo.append(i)
        return todo

    def _new(self, record: Record | None, i: int) -> bool:
        """A record that another driver wrote during this call."""
        return record is not None and (record.status == "done" or record.data != self.seen.get(i))

    def take(self, i: int) -> int | None:
        """Claim and submit point ``i``; return ``i`` when its record turned up instead."""
        if not self.store.claim(self.keys[i]):
            self.waiting.add(i)
            return None
        self.waiting.discard(i)
        record = self.store.load(self.keys[i])
        if self._new(record, i):
            assert record is not None
            self.store.release(self.keys[i])
            self.records[i] = record
            return i
        self.mine.add(i)
        self.submit(i)
        return None

    def submit(self, i: int) -> None:
        attempt = self.attempts.get(i, 0)
        args = (self.fn, self.points[i], self.seeds[i], self.keys[i], attempt)
        try:
            future = self.executor.submit(run_point, *args)
        except Exception as exc:  # a broken or closed executor
            future = Future()
            future.set_exception(exc)
        self.pending[future] = (i, self.generation)

    def lost(self, i: int, generation: int, exc: BaseException) -> dict[str, Any] | None:
        """A worker died or the executor failed the call: retry, or the failure record."""
        self.attempts[i] = self.attempts.get(i, 0) + 1
        if self.attempts[i] > self.retries:
            return _failure(exc, f"worker lost after {self.attempts[i]} attempts")
        if self.own and isinstance(exc, BrokenProcessPool) and generation == self.generation:
            self.executor.shutdown(wait=False, cancel_futures=True)
            self.executor = default_executor(self.workers)
            self.generation += 1
        self.submit(i)
        return None

    def finish(self, i: int, out: dict[str, Any]) -> None:
        arrays = out.pop("arrays", {})
        data = {
            "index": i,
            "function": self.identity,
            "point": self.points[i],
            "attempts": self.attempts.get(i, 0) + 1,
            "driver": self.store.owner,
            "written": time.time(),
            **out,
        }
        self.store.write(self.keys[i], data, arrays)
        record = self.store.load(self.keys[i])
        if record is None:  # pragma: no cover - the file system lost what it just wrote
            raise OSError(f"the record of point {i} cannot be read back from {self.store.root}")
        self.records[i] = record
        self.store.release(self.keys[i])
        self.mine.discard(i)
        self.computed += 1

    def completions(self, todo: list[int]) -> Iterator[int]:
        for i in todo:
            done = self.take(i)
            if done is not None:
                yield done
        last_refresh = time.monotonic()
        while self.pending or self.waiting:
            finished, _ = wait(list(self.pending), timeout=POLL, return_when=FIRST_COMPLETED)
            for future in finished:
                i, generation = self.pending.pop(future)
                try:
                    out = future.result()
                except (KeyboardInterrupt, SystemExit):
                    raise
                except BaseException as exc:  # worker lost, pool broken, cancelled
                    failure = self.lost(i, generation, exc)
                    if failure is None:
                        continue
                    out = failure
                self.finish(i, out)
                yield i
            for i in sorted(self.waiting):
                record = self.store.load(self.keys[i])
                if self._new(record, i):
                    assert record is not None
                    self.waiting.discard(i)
                    self.records[i] = record
                    yield i
                elif not self.store.is_claimed(self.keys[i]):
                    done = self.take(i)
                    if done is not None:
                        yield done
            if time.monotonic() - last_refresh > self.store.stale_after / 4:
                self.store.refresh(self.keys[i] for i in self.mine)
                last_refresh = time.monotonic()

    def close(self, *, clean: bool) -> None:
        for future in self.pending:
            future.cancel()
        for i in list(self.mine):
            self.store.release(self.keys[i])
        if self.own:
            if not clean:  # interrupted: stop the running points now
                for process in list(getattr(self.executor, "_processes", {}).values()):
                    with contextlib.suppress(Exception):
                        process.terminate()
            self.executor.shutdown(wait=clean, cancel_futures=True)


def _root_seed(seed: Any) -> np.random.SeedSequence:
    if isinstance(seed, np.random.SeedSequence):
        return seed
    return np.random.SeedSequence(non_negative_int(seed, "seed"))


def sweep(
    fn: Callable[..., Any],
    grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]],
    *,
    store: str | os.PathLike[str],
    executor: Executor | None = None,
    workers: int | None = None,
    seed: int | np.random.SeedSequence = 0,
    retries: int = 2,
    version: str | int | None = None,
    stale_after: float = 600.0,
    progress: bool | None = None,
) -> SweepResult:
    """Run ``fn(**point, seed=rng)`` at every point of ``grid``, keeping each result on disk.

    Each point gets its own :class:`numpy.random.Generator`, built from
    ``numpy.random.SeedSequence(seed).spawn(n)[i]`` with ``i`` the point's index in the
    canonical order of :func:`expand_grid`: the same point index draws the same numbers
    whatever the executor, the number of workers or the order of completion, and two
    identical points at different indices get different streams (and keys).

    Each finished point is written atomically to ``store`` under a key hashed from the
    point, its seed and ``fn``'s qualified name and version (see
    :mod:`limitdyn.sweep._store`); a rerun skips the points whose records are there and
    verified, so an interrupted sweep resumes, and a partial or corrupt record is computed
    again. Several drivers may work on one store at once: each point is computed once.

    Parameters
    ----------
    fn : callable
        A module-level function (or a :func:`functools.partial` of one) of the point's
        parameters and ``seed``, returning a mapping of names to numbers, str, bool, None
        (columns of the table) or arrays (stored in an npz file beside the record), or one
        such value (named ``"value"``).
    grid : mapping of lists, or list of mappings
        A Cartesian grid or explicit points; values are plain data (numbers, str, bool,
        None, lists).
    store : path
        Directory of the store (created when missing).
    executor : concurrent.futures.Executor, optional
        Where points run: any executor, e.g. ``distributed.Client(...).get_executor()``
        for a dask cluster (the ``sweep`` extra). Default: :func:`default_executor`, a local
        process pool with one BLAS/numba thread per process, shut down at the end.
    workers : int, optional
        Processes of the default executor (ignored with ``executor``).
    seed : int or numpy.random.SeedSequence
        The root of the points' seeds.
    retries : int
        Extra submissions of a point whose worker died (the executor raised instead of
        returning). A point whose function raises is recorded failed at once: its seed is
        fixed, so a rerun would raise again.
    version : str or int, optional
        The function's version (default: ``fn.__version__``, else ``"0"``); change it when
        the function changes so that stored results are not reused.
    stale_after : float
        Seconds after which another driver's claim not refreshed is taken as abandoned.
    progress : bool, optional
        Progress bar (default: on a terminal or in Jupyter).

    Returns
    -------
    SweepResult

    Raises
    ------
    InputError
        For a bad grid, function, store or option (before anything runs).

    Examples
    --------
    >>> import tempfile
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> from limitdyn.sweep import sweep
    >>> from limitdyn.sweep import gaussian_moments
    >>> store = tempfile.mkdtemp()
    >>> with ThreadPoolExecutor(2) as pool:
    ...     result = sweep(gaussian_moments, {"n": [100, 400], "scale": [1.0]}, store=store,
    ...                    executor=pool, progress=False)
    >>> result.status, result.computed
    (['done', 'done'], 2)
    >>> with ThreadPoolExecutor(2) as pool:  # rerun: everything is read from the store
    ...     again = sweep(gaussian_moments, {"n": [100, 400], "scale": [1.0]}, store=store,
    ...                   executor=pool, progress=False)
    >>> again.computed, again.reused, again.records[1] == result.records[1]
    (0, 2, True)
    >>> sorted(result.arrays(0))
    ['samples']
    """
    identity = function_identity(fn, version)
    points = expand_grid(grid)
    seeds = _root_seed(seed).spawn(len(points))
    keys = [point_key(identity, p, s) for p, s in zip(points, seeds)]
    if executor is not None and not isinstance(executor, Executor):
        raise InputError(
            f"executor must be a concurrent.futures.Executor, got {type(executor).__name__}"
        )
    retries = non_negative_int(retries, "retries")
    if workers is not None:
        positive_int(workers, "workers")
    db = Store(store, stale_after=stale_after)
    driver = _Driver(fn, points, seeds, keys, db, executor, workers, retries, identity)
    todo = driver.scan()
    reused = len(points) - len(todo)
    clean = False
    try:
        bar = progress_bar(
            driver.completions(todo), desc="sweep", total=len(todo), enabled=progress
        )
        for _ in bar:
            pass
        clean = True
    finally:
        driver.close(clean=clean)
    return SweepResult(
        function=identity["name"],
        version=identity["version"],
        store=db.root,
        points=tuple(points),
        keys=tuple(keys),
        records=tuple(driver.records[i].data for i in range(len(points))),
        computed=driver.computed,
        reused=reused,
    )
