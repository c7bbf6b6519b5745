"""Propagation of chaos: the distance of the N-particle dynamics to its mean-field limit."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._display import dataframe, html_table
from .._progress import progress_bar
from .._validate import positive_float, positive_int
from ..errors import InputError
from ._metrics import _assignment_pp
from ._regression import TwoLayerRegression
from ._run import ParticleRun
from ._util import child_generators
from ._wgan import WGAN

__all__ = ["MeanFieldGap", "mean_field_gap"]


@dataclass(frozen=True, repr=False)
class MeanFieldGap:
    """``E d_2^2`` between the N-particle run and the mean-field reference, against ``N``.

    Attributes
    ----------
    sizes : numpy.ndarray
        ``(n_sizes,)`` numbers of generator particles ``N``.
    reference_size : int
        ``N_ref`` of the reference system.
    t_end : float
        Time at which the clouds are compared.
    d2 : numpy.ndarray
        ``(n_sizes, n_seeds)`` squared distances ``d_2^2`` (generator plus critic).
    mean, stderr : numpy.ndarray
        ``(n_sizes,)`` mean over seeds and its standard error.
    exponent, prefactor : float
        Least-squares fit ``mean ~ prefactor * N^exponent`` in log-log coordinates.
    """

    sizes: np.ndarray
    reference_size: int
    t_end: float
    d2: np.ndarray
    mean: np.ndarray
    stderr: np.ndarray
    exponent: float
    prefactor: float

    @property
    def n_seeds(self) -> int:
        """Seeds averaged over at each size."""
        return int(self.d2.shape[1])

    def _summary(self) -> str:
        return (
            f"MeanFieldGap: E d_2^2 ~ {self.prefactor:.3g} N^{self.exponent:.3f} at "
            f"t = {self.t_end:g} ({self.n_seeds} seeds, reference N = {self.reference_size})"
        )

    def _columns(self) -> dict[str, Any]:
        return {"N": self.sizes.tolist(), "mean d2": self.mean, "stderr": self.stderr}

    def __repr__(self) -> str:
        rows = "".join(
            f"\n  N = {n:>6d}   mean d2 = {m:.4g} +- {e:.2g}"
            for n, m, e in zip(self.sizes.tolist(), self.mean, self.stderr)
        )
        return f"{self._summary()}{rows}"

    def _repr_html_(self) -> str:
        return html_table(self._summary(), self._columns())

    def to_dataframe(self) -> Any:
        """A pandas DataFrame indexed by ``N`` with columns ``mean d2`` and ``stderr``
        (pandas is optional: the ``table`` extra).

        Examples
        --------
        >>> import numpy as np
        >>> from limitdyn.particles import TwoLayerRegression, mean_field_gap
        >>> model = TwoLayerRegression(n_particles=8, input_dim=1, lr=1.0, batch=8)
        >>> gap = mean_field_gap(model, sizes=[4, 8], t_end=0.5, seeds=2, progress=False)
        >>> df = gap.to_dataframe()
        >>> df.index.tolist(), list(df.columns), bool(np.allclose(df["mean d2"], gap.mean))
        ([4, 8], ['mean d2', 'stderr'], True)
        """
        return dataframe(self._columns(), index="N")

    def plot(self, *, ax: Any = None) -> Any:
        """``E d_2^2`` against ``N``; see :func:`limitdyn.plotting.plot_mean_field_gap`.

        Examples
        --------
        >>> import numpy as np
        >>> from limitdyn.particles import TwoLayerRegression, mean_field_gap
        >>> model = TwoLayerRegression(n_particles=8, input_dim=1, lr=1.0, batch=8)
        >>> gap = mean_field_gap(model, sizes=[4, 8], t_end=0.5, seeds=2, progress=False)
        >>> ax = gap.plot()
        >>> ax.get_xscale(), ax.get_yscale()
        ('log', 'log')
        """
        from ..plotting._particles import plot_mean_field_gap

        return plot_mean_field_gap(self, ax=ax)


def _clouds(run: ParticleRun) -> list[np.ndarray]:
    out = [run.generator[-1].reshape(run.generator.shape[1], -1)]
    if run.critic is not None:
        out.append(run.critic[-1].reshape(run.critic.shape[1], -1))
    return out


def _pair_d2(model: WGAN | TwoLayerRegression, n: int, n_ref: int, t: float, seed: Any) -> float:
    """``d_2^2`` of one ``(N, seed)`` pair: the N-particle run against its reference."""
    small = dataclasses.replace(model.resized(n), n_eval=0)
    ref = small.replace(lr=small.lr * n / n_ref)
    rng_init, rng_a, rng_b = child_generators(seed, 3)
    init = small.init_particles(seed=rng_init)
    steps = round(t / small.dt)
    run_a = small.run(
        steps=steps, record_every=max(steps, 1), seed=rng_a, init=init, progress=False
    )
    ref_steps = round(t / ref.dt)
    run_b = ref.run(
        steps=ref_steps, record_every=max(ref_steps, 1), seed=rng_b, init=init, progress=False
    )
    return float(sum(_assignment_pp(x, y, 2.0) for x, y in zip(_clouds(run_a), _clouds(run_b))))


def mean_field_gap(
    model: WGAN | TwoLayerRegression,
    *,
    sizes: Sequence[int],
    t_end: float,
    seeds: Sequence[int | np.random.Generator] | int = (0, 1, 2),
    reference_size: int | None = None,
    progress: bool | None = None,
    executor: Executor | None = None,
) -> MeanFieldGap:
    """Propagation of chaos by synchronous coupling.

    For each ``N`` in ``sizes`` and each seed, i.i.d. initial particles are drawn
    (``M`` scaled with ``N`` for the WGAN, keeping ``gamma_c``) and run to ``t_end``
    with the model's mean-field scaling, ``dt = lr / N``. The reference is the system of
    ``N_ref`` particles whose initial empirical measure is the same (each particle
    replicated ``N_ref / N`` times): replicas see the same fields and stay together, so
    it is computed exactly as the ``N`` particles with ``dt = lr / N_ref``. Both are
    compared by the exact ``d_2^2 = W_2^2(mu) + W_2^2(nu)`` (assignment). Delgadino,
    Cabrera and Suassuna prove ``E d_2^2 <= C / N`` on ``[0, T]`` for smooth activations.

    Parameters
    ----------
    model : WGAN or TwoLayerRegression
        Template (mean-field scaling); its sizes are replaced by ``sizes``.
    sizes : sequence of int
        At least two particle numbers.
    t_end : float
        Comparison time.
    seeds : sequence of int or numpy.random.Generator, or int
        Seeds (or their number, for seeds ``0, 1, ...``) averaged over.
    reference_size : int, optional
        ``N_ref`` (default ``16 * max(sizes)``).
    executor : concurrent.futures.Executor, optional
        Runs the ``(N, seed)`` pairs in parallel (a process pool, or
        ``distributed.Client(...).get_executor()``); the result is the same as without,
        since each pair's randomness comes from its seed alone.

    Examples
    --------
    >>> from limitdyn.particles import TwoLayerRegression, mean_field_gap
    >>> model = TwoLayerRegression(n_particles=8, input_dim=1, lr=1.0, batch=8,
    ...                            engine="numpy")
    >>> gap = mean_field_gap(model, sizes=[4, 8], t_end=0.5, seeds=2, progress=False)
    >>> gap.d2.shape, gap.reference_size
    ((2, 2), 128)
    """
    if not isinstance(model, (WGAN, TwoLayerRegression)):
        raise InputError(f"model must be a WGAN or TwoLayerRegression, got {type(model).__name__}")
    if isinstance(model, WGAN) and model.scaling != "mean-field":
        raise InputError("mean_field_gap needs scaling='mean-field'")
    ns = [positive_int(n, f"sizes[{i}]") for i, n in enumerate(sizes)]
    if len(ns) < 2:
        raise InputError(f"sizes needs at least two particle numbers, got {list(sizes)!r}")
    t = positive_float(t_end, "t_end")
    if isinstance(seeds, (bool, np.random.Generator)):
        raise InputError(
            f"seeds takes a number or a sequence of seeds, got {type(seeds).__name__}; "
            "for one generator pass [generator]"
        )
    seed_list: list[Any]
    if isinstance(seeds, (int, np.integer)):
        seed_list = list(range(positive_int(seeds, "seeds")))
    else:
        # a Generator gives one key, so that every size starts from the same streams
        seed_list = [
            int(s.integers(0, 2**63 - 1)) if isinstance(s, np.random.Generator) else s
            for s in seeds
        ]
    if not seed_list:
        raise InputError("seeds is empty")
    n_ref = positive_int(reference_size, "reference_size") if reference_size else 16 * max(ns)
    if n_ref < max(ns):
        raise InputError(f"reference_size={n_ref} is smaller than the largest size {max(ns)}")
    d2 = np.empty((len(ns), len(seed_list)))
    pairs = [(a, b) for a in range(len(ns)) for b in range(len(seed_list))]
    if executor is None:
        for a, b in progress_bar(pairs, desc="mean_field_gap", total=len(pairs), enabled=progress):
            d2[a, b] = _pair_d2(model, ns[a], n_ref, t, seed_list[b])
    else:
        futures = {
            executor.submit(_pair_d2, model, ns[a], n_ref, t, seed_list[b]): (a, b)
            for a, b in pairs
        }
        done = as_completed(futures)
        for future in progress_bar(done, desc="mean_field_gap", total=len(pairs), enabled=progress):
            d2[futures[future]] = future.result()
    mean = d2.mean(axis=1)
    stderr = d2.std(axis=1, ddof=1) / np.sqrt(d2.shape[1]) if d2.shape[1] > 1 else np.zeros(len(ns))
    slope, intercept = np.polyfit(np.log(ns), np.log(mean), 1)
    return MeanFieldGap(
        sizes=np.asarray(ns),
        reference_size=n_ref,
        t_end=t,
        d2=d2,
        mean=mean,
        stderr=stderr,
        exponent=float(slope),
        prefactor=float(np.exp(intercept)),
    )
