"""Many paths of a stochastic recursion: minibatch SGD (:func:`iterate_stochastic`) and the
shared path driver behind it and :func:`~limitdyn.simulate_sde`.

Randomness: ``seed`` becomes a :class:`numpy.random.SeedSequence`, spawned into one child
per chunk of :data:`CHUNK` paths; each chunk draws its random inputs block by block from
its own generator and runs the generated loop on them. The numbers a path sees depend on
the seed and the path's chunk only, so results do not depend on the engine or the number
of threads (chunks run on a thread pool; numba loops release the GIL).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from .._engine import Engine, get_engine
from .._scheme import ExplicitStage
from .._stochastic import StochasticScheme
from .._validate import check_memory, positive_float, positive_int, steps_or_t_end
from ..errors import DivergenceError, InputError, SchemeError
from ._codegen_paths import paths_source, point_source
from ._compile import _import_generated, _module_text
from ._inputs import parameter_vector, state_vector

__all__ = ["CHUNK", "StochasticPaths", "iterate_stochastic"]

#: paths per chunk (one random stream and one task each)
CHUNK = 4096
#: bytes of random inputs drawn at once per chunk
_BLOCK_BYTES = 4 * 2**20
_VECTOR_HEADER = "import numpy as np\n\nfrom limitdyn.numeric._vmath import math\n\n\n"

Draw = Callable[[np.random.Generator, int, int], np.ndarray]


@lru_cache(maxsize=128)
def _load(body: str, jit: bool, name: str) -> Any:
    if jit:
        footer = f'\n\n{name} = cached_njit({name}, error_model="numpy", nogil=True)\n'
        text = _module_text(Engine("numba"), body + footer)
    else:
        text = "# limitdyn vectorised paths\n" + _VECTOR_HEADER + body
    return getattr(_import_generated(text), name)


def path_kernel(
    variables: Sequence[sp.Symbol],
    parameters: Sequence[sp.Symbol],
    step: sp.Symbol,
    stages: Sequence[tuple[Sequence[sp.Symbol], Sequence[sp.Expr]]],
    randoms: Sequence[sp.Symbol],
    engine: Engine,
    index_of: tuple[int, int] | None = None,
) -> Any:
    """The compiled path loop ``run(z0, p, hs, b, n)`` (see :mod:`._codegen_paths`)."""
    source = paths_source(
        variables,
        parameters,
        step,
        stages,
        randoms,
        vectorised=not engine.jit,
        index_of=index_of,
    )
    return _load(source, engine.jit, "run")


def point_function(
    variables: Sequence[sp.Symbol],
    parameters: Sequence[sp.Symbol],
    exprs: Sequence[sp.Expr],
    *,
    vectorised: bool = False,
    where: str = "an expression",
) -> Any:
    """``rhs(t, y, p)``: the flat vector of ``exprs`` at ``y`` (numpy, see ``point_source``)."""
    source = point_source(variables, parameters, exprs, vectorised=vectorised, where=where)
    return _load(source, False, "rhs")


def seed_sequence(seed: Any) -> np.random.SeedSequence:
    """``seed`` (None, an int, a SeedSequence or a Generator) as a SeedSequence."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(int(seed.integers(2**63)))
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)):
        if seed is not None and seed < 0:
            raise InputError(f"seed must be non-negative, got {seed}")
        return np.random.SeedSequence(None if seed is None else int(seed))
    raise InputError(
        f"seed must be an int, a SeedSequence, a numpy Generator or None, got {type(seed).__name__}"
    )


def _threads(engine: Engine, chunks: int) -> int:
    if engine.threads is not None:
        return max(1, min(engine.threads, chunks))
    if engine.jit:
        import numba

        return max(1, min(numba.get_num_threads(), chunks))
    return max(1, min(os.cpu_count() or 1, chunks))


def run_paths(
    kernel: Any,
    z0: np.ndarray,
    p: np.ndarray,
    h: float,
    steps: int,
    *,
    n_paths: int,
    n_random: int,
    draw: Draw,
    seed: np.random.SeedSequence,
    record_every: int | None,
    engine: Engine,
    functional: np.ndarray | None = None,
    centre: np.ndarray | None = None,
    inputs: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Run ``n_paths`` paths of ``steps`` steps from ``z0``.

    Returns ``(record_steps, states, Y)``: ``states`` (R, n_paths, d) at the recorded
    step indices; ``Y`` (n_paths,) is ``sum_k functional[k] . (b_k - centre)`` over the
    random inputs ``b_k`` of each path (a zero-mean control variate), when asked;
    ``inputs`` maps a drawn block to those inputs (example indices to weights).
    """
    d = z0.size
    every = steps if not record_every else record_every
    marks = sorted({0, steps, *range(0, steps, max(every, 1))})
    rec_of = {m: i for i, m in enumerate(marks)}
    check_memory(
        8.0 * len(marks) * n_paths * d,
        f"{n_paths} paths with {len(marks)} recorded states",
        hint="record less often or use fewer paths",
    )
    states = np.empty((len(marks), n_paths, d))
    ys = np.zeros(n_paths) if functional is not None else None
    chunks = -(-n_paths // CHUNK)
    children = seed.spawn(chunks)
    block = max(1, _BLOCK_BYTES // (8 * CHUNK * max(n_random, 1)))
    hs = np.array([h])

    def task(c: int) -> None:
        lo, hi = c * CHUNK, min(n_paths, (c + 1) * CHUNK)
        rng = np.random.Generator(np.random.PCG64(children[c]))
        z = np.tile(z0, (hi - lo, 1))
        states[0, lo:hi] = z
        k = 0
        while k < steps:
            nxt = min(m for m in marks if m > k)
            kk = min(block, nxt - k)
            b = draw(rng, kk, hi - lo)
            kernel(z, p, hs, b, kk)
            if ys is not None and functional is not None:
                xi = b if inputs is None else inputs(b)
                ys[lo:hi] += np.einsum("kpr,kr->p", xi - centre, functional[k : k + kk])
            k += kk
            if k in rec_of:
                states[rec_of[k], lo:hi] = z

    with engine.threads_in_force():
        workers = _threads(engine, chunks)
        if workers == 1:
            for c in range(chunks):
                task(c)
        else:
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(task, range(chunks)))
    bad = ~np.all(np.isfinite(states[-1]), axis=1)
    if bad.any():
        raise DivergenceError(
            f"{int(bad.sum())} of {n_paths} paths left the finite floats",
            step=steps,
            time=steps * h,
        )
    return np.asarray(marks), states, ys


@dataclass(frozen=True, eq=False)
class StochasticPaths:
    """States of many paths at recorded times on the cumulative-learning-rate axis.

    Attributes
    ----------
    variables : tuple of Symbol
    t : ndarray, shape (R,)
        Recorded times (cumulative learning rate for SGD, time for an SDE).
    z : ndarray, shape (R, P, d)
        The states of the P paths.
    label : str
    """

    variables: tuple[sp.Symbol, ...]
    t: np.ndarray
    z: np.ndarray
    label: str = ""

    @property
    def n_paths(self) -> int:
        """Number of paths P."""
        return int(self.z.shape[1])

    @property
    def final(self) -> np.ndarray:
        """States at the last recorded time, (P, d)."""
        return self.z[-1]

    def mean(self) -> np.ndarray:
        """Mean over paths, (R, d).

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> s = ld.sgd([(x - 1)**2 / 2, (x + 1)**2 / 2], [x])
        >>> run = ld.iterate_stochastic(s, [1.0], tau=0.5, steps=1, n_paths=1000, seed=0,
        ...                             engine="numpy")
        >>> run.mean().shape, bool(abs(run.mean()[-1, 0] - 0.5) < 0.05)  # E x_1 = (1 - tau) x_0
        ((2, 1), True)
        """
        return self.z.mean(axis=1)

    def covariance(self) -> np.ndarray:
        """Covariance over paths (unbiased), (R, d, d).

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> s = ld.sgd([(x - 1)**2 / 2, (x + 1)**2 / 2], [x])
        >>> run = ld.iterate_stochastic(s, [0.0], tau=0.5, steps=1, n_paths=4000, seed=0,
        ...                             engine="numpy")
        >>> cov = run.covariance()
        >>> cov.shape, bool(abs(cov[-1, 0, 0] - 0.25) < 0.01)  # Var x_1 = tau^2 Var a = 1/4
        ((2, 1, 1), True)
        """
        c = self.z - self.z.mean(axis=1, keepdims=True)
        return np.einsum("rpi,rpj->rij", c, c) / max(self.n_paths - 1, 1)

    def _columns(self) -> dict[str, Any]:
        cols: dict[str, Any] = {"t": self.t}
        mean, cov = self.mean(), self.covariance()
        for i, v in enumerate(self.variables):
            cols[f"mean {v}"] = mean[:, i]
            cols[f"var {v}"] = cov[:, i, i]
        return cols

    def to_dataframe(self) -> Any:
        """Means and variances over paths per recorded time (pandas).

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> s = ld.sgd([(x - 1)**2 / 2, (x + 1)**2 / 2], [x])
        >>> run = ld.iterate_stochastic(s, [0.0], tau=0.5, steps=2, n_paths=8, seed=0,
        ...                             engine="numpy")
        >>> df = run.to_dataframe()
        >>> list(df.columns), df.index.tolist()
        (['mean x', 'var x'], [0.0, 1.0])
        """
        from .._display import dataframe

        return dataframe(self._columns(), index="t")

    def _repr_html_(self) -> str:
        from .._display import html_table

        return html_table(
            f"{self.n_paths} paths of {self.label or 'a stochastic recursion'}", self._columns()
        )

    def __repr__(self) -> str:
        return (
            f"StochasticPaths({self.label!r}, variables={self.variables}, "
            f"paths={self.n_paths}, records={self.t.size}, t_end={float(self.t[-1]):g})"
        )

    def plot(self, *, ax: Any = None, **kwargs: Any) -> Any:
        """Mean +- one standard deviation of each variable over time.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> s = ld.sgd([(x - 1)**2 / 2, (x + 1)**2 / 2], [x])
        >>> run = ld.iterate_stochastic(s, [1.0], tau=0.1, steps=10, n_paths=100, seed=0,
        ...                             engine="numpy")
        >>> ax = run.plot()
        >>> bool((ax.lines[0].get_ydata() == run.mean()[:, 0]).all())
        True
        """
        from ..plotting._weak import plot_paths

        return plot_paths(self, ax=ax, **kwargs)


def index_draw(scheme: StochasticScheme) -> Draw:
    """Sampler of the minibatch indices (K, P, B) of ``scheme`` (int64)."""
    n, batch = scheme.n_examples, scheme.batch
    w = np.array([float(q) for q in scheme.probabilities])
    uniform = len(set(scheme.probabilities)) == 1
    cum = np.cumsum(w)
    cum[-1] = 1.0

    def draw(rng: np.random.Generator, k: int, paths: int) -> np.ndarray:
        if scheme.replacement:
            if uniform:
                return rng.integers(0, n, size=(k, paths, batch))
            idx = np.searchsorted(cum, rng.random((k, paths, batch)), side="right")
            return np.minimum(idx, n - 1)
        if batch == n:
            return np.broadcast_to(np.arange(n), (k, paths, n)).copy()
        keys = rng.random((k, paths, n))
        return np.argpartition(keys, batch - 1, axis=2)[..., :batch]

    return draw


def indices_to_weights(n: int) -> Callable[[np.ndarray], np.ndarray]:
    """Minibatch indices (K, P, B) to example weights ``c`` (K, P, n): counts over B."""

    def convert(idx: np.ndarray) -> np.ndarray:
        batch = idx.shape[2]
        if batch == 1:
            out = np.zeros((*idx.shape[:2], n))
            np.put_along_axis(out, idx, 1.0, axis=2)
            return out
        return np.asarray((idx[..., None] == np.arange(n)).sum(axis=2) / batch)

    return convert


def explicit_stages(
    scheme: StochasticScheme,
) -> list[tuple[tuple[sp.Symbol, ...], tuple[sp.Expr, ...]]]:
    """The stages of an explicit stochastic scheme as ``(targets, values)``."""
    out = []
    for s, stage in enumerate(scheme.scheme.stages):
        if not isinstance(stage, ExplicitStage):
            raise SchemeError(
                f"stage {s} of {scheme.scheme.name or 'the scheme'} is implicit; stochastic "
                "paths run explicit stages only"
            )
        out.append((stage.targets, stage.values))
    return out


def sgd_kernel(scheme: StochasticScheme, engine: Engine) -> Any:
    """The compiled path loop of a stochastic scheme, reading minibatch indices."""
    return path_kernel(
        scheme.variables,
        scheme.parameters,
        scheme.step,
        explicit_stages(scheme),
        scheme.noise,
        engine,
        index_of=(scheme.n_examples, scheme.batch),
    )


def n_steps(tau: float, steps: Any, t_end: Any) -> int:
    """Whole steps of size ``tau`` (``t_end`` must be a multiple of ``tau``)."""
    steps_, t_end_ = steps_or_t_end(steps, t_end)
    if steps_ is not None:
        return steps_
    assert t_end_ is not None
    n = round(t_end_ / tau)
    if n < 1 or abs(n * tau - t_end_) > 1e-9 * t_end_:
        raise InputError(f"t_end={t_end_:g} is not a whole number of steps of {tau:g}")
    return int(n)


def iterate_stochastic(
    scheme: StochasticScheme,
    z0: Any,
    *,
    tau: float,
    steps: int | None = None,
    t_end: float | None = None,
    n_paths: int,
    seed: Any = None,
    params: Any = None,
    record_every: int | None = None,
    engine: str | Engine = "auto",
) -> StochasticPaths:
    """Run minibatch SGD (any explicit :class:`~limitdyn.StochasticScheme`) over many paths.

    Parameters
    ----------
    scheme : StochasticScheme
        From :func:`~limitdyn.sgd` or :func:`~limitdyn.stochastic` (explicit stages).
    z0 : array_like, shape (d,), or mapping
        The common initial state.
    tau : float
        The learning rate.
    steps, t_end : int or float
        The number of steps, or the final cumulative learning rate (a multiple of tau).
    n_paths : int
        Number of independent paths.
    seed : int, SeedSequence, Generator or None
        Root of the random streams (one spawned child per chunk of paths).
    params : mapping, optional
        Values of the scheme's parameters other than the example weights.
    record_every : int, optional
        Record the states every so many steps (default: the start and the end only).
    engine : {"auto", "numpy", "numba"} or Engine
        "numba" runs the generated loop jitted, path by path; "numpy" vectorised over paths.

    Returns
    -------
    StochasticPaths

    Raises
    ------
    InputError
        Bad sizes, steps or seeds; ``n_paths`` whose states would not fit in memory.
    SchemeError
        An implicit stage.

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> s = ld.sgd([(x - 1)**2 / 2, (x + 1)**2 / 2], [x])
    >>> run = ld.iterate_stochastic(s, [0.0], tau=0.5, steps=2, n_paths=4, seed=1,
    ...                             engine="numpy")
    >>> run.z.shape, set(run.final[:, 0].tolist()) <= {-0.75, -0.25, 0.25, 0.75}
    ((2, 4, 1), True)
    """
    if not isinstance(scheme, StochasticScheme):
        raise InputError(
            f"iterate_stochastic takes a StochasticScheme, got {type(scheme).__name__}"
        )
    h = positive_float(tau, "tau")
    n = n_steps(h, steps, t_end)
    paths = positive_int(n_paths, "n_paths")
    check_memory(16.0 * paths * scheme.dim, f"{paths} paths", hint="use fewer paths")
    every = None if record_every is None else positive_int(record_every, "record_every")
    eng = get_engine(engine)
    p = parameter_vector(params, scheme.parameters, step=scheme.step)
    z = state_vector(z0, scheme.variables)
    kernel = sgd_kernel(scheme, eng)
    marks, states, _ = run_paths(
        kernel,
        z,
        p,
        h,
        n,
        n_paths=paths,
        n_random=scheme.batch,
        draw=index_draw(scheme),
        seed=seed_sequence(seed),
        record_every=every,
        engine=eng,
    )
    return StochasticPaths(scheme.variables, marks * h, states, label=scheme.name or "SGD")
