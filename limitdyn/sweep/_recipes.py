"""Sweeps the researchers run: convergence studies, WGAN grids, and a demonstration point.

Each recipe is a module-level point function (importable by workers, usable from a
``limitdyn sweep`` configuration file) and a driver that builds the grid and calls
:func:`~limitdyn.sweep.sweep`. The propagation-of-chaos study runs on an executor
directly: ``mean_field_gap(..., executor=client.get_executor())``.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

import numpy as np

from .. import __version__ as _library_version
from .._validate import positive_int
from ..errors import InputError
from ._run import SweepResult, sweep

__all__ = [
    "convergence_point",
    "convergence_sweep",
    "gaussian_moments",
    "wgan_point",
    "wgan_sweep",
]

#: version of the recipes' point functions (part of their keys): the library's version
RECIPES_VERSION = f"{_library_version}.1"


def gaussian_moments(*, n: int, scale: float = 1.0, seed: np.random.Generator) -> dict[str, Any]:
    """Mean and unbiased variance of ``n`` samples of ``N(0, scale^2)``; the samples too.

    The smallest useful point function: tests, benchmarks of the sweep overhead, examples.

    Examples
    --------
    >>> out = gaussian_moments(n=4, scale=2.0, seed=np.random.default_rng(0))
    >>> sorted(out), out["samples"].shape
    (['mean', 'samples', 'variance'], (4,))
    """
    x = seed.normal(0.0, scale, size=positive_int(n, "n"))
    return {"mean": float(x.mean()), "variance": float(x.var(ddof=1)), "samples": x}


gaussian_moments.__version__ = RECIPES_VERSION  # type: ignore[attr-defined]


def _target(target: Any, modes: int) -> Any:
    from ..particles import Target, grid, ring

    if isinstance(target, Target):
        return target
    builders: dict[str, Any] = {"ring": ring, "grid": grid}
    if target not in builders:
        raise InputError(f"unknown target {target!r}; valid targets: ring, grid (or a Target)")
    return builders[target](modes)


def _wgan(target: Any, modes: int, options: Mapping[str, Any]) -> Any:
    from ..particles import WGAN

    built = _target(target, modes)
    kwargs = {"data_dim": built.dim, "latent_dim": 2, "engine": "numpy", **options}
    kwargs.setdefault("n_critic_particles", kwargs.get("n_generator"))
    return WGAN(target=built, **kwargs)


def wgan_point(
    *,
    steps: int,
    seed: np.random.Generator,
    target: Any = "ring",
    modes: int = 8,
    record_every: int | None = None,
    replicate: int = 0,
    **options: Any,
) -> dict[str, Any]:
    """Train one mean-field WGAN and report its final losses and metrics.

    ``options`` are :class:`~limitdyn.particles.WGAN` arguments (``n_generator`` at least;
    ``n_critic_particles`` defaults to ``n_generator``, ``latent_dim`` to 2, ``engine`` to
    ``"numpy"``); ``target`` is ``"ring"`` or ``"grid"`` with ``modes`` modes (or a
    :class:`~limitdyn.particles.Target`); ``replicate`` only tells replicates apart (each
    point has its own seed). Scalars: ``final <name>`` of every loss and metric; arrays:
    ``times`` and each series.

    Examples
    --------
    >>> out = wgan_point(steps=4, seed=np.random.default_rng(0), n_generator=8, lr=0.1,
    ...                  batch=8, n_eval=32)
    >>> out["times"].tolist(), "final sliced_w2" in out
    ([0.0, 0.0125, 0.025, 0.0375, 0.05], True)
    """
    del replicate
    model = _wgan(target, modes, options)
    run = model.run(steps=steps, record_every=record_every or 1, seed=seed, progress=False)
    out: dict[str, Any] = {"times": run.times}
    for kind, series in (("loss", run.losses), ("metric", run.metrics)):
        for name, values in series.items():
            label = name if kind == "metric" else f"loss {name}"
            out[f"final {label}"] = float(values[-1])
            out[label] = np.asarray(values)
    return out


wgan_point.__version__ = RECIPES_VERSION  # type: ignore[attr-defined]


def wgan_sweep(
    grid: Mapping[str, Sequence[Any]],
    *,
    steps: int,
    store: str | os.PathLike[str],
    target: Any = "ring",
    modes: int = 8,
    replicates: int = 1,
    fixed: Mapping[str, Any] | None = None,
    executor: Executor | None = None,
    workers: int | None = None,
    seed: int = 0,
    retries: int = 2,
    progress: bool | None = None,
) -> SweepResult:
    """WGAN runs over a grid of :class:`~limitdyn.particles.WGAN` arguments, with replicates.

    Every grid point (e.g. ``{"n_generator": [16, 64], "n_critic": [1, 5], "lr": [...],
    "clip": [0.01, None]}``) runs ``replicates`` times with independent seeds (a
    ``replicate`` column), each :func:`wgan_point` for ``steps`` steps; ``fixed`` holds the
    arguments shared by all points. Every model is built (and so validated) before the
    first run.

    Raises
    ------
    InputError
        For an unknown WGAN argument or an invalid value, naming the point.

    Examples
    --------
    >>> import tempfile
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> with ThreadPoolExecutor(2) as pool:
    ...     res = wgan_sweep({"n_generator": [8, 16]}, steps=2, replicates=2,
    ...                      fixed={"lr": 0.1, "batch": 8, "n_eval": 16},
    ...                      store=tempfile.mkdtemp(), executor=pool, progress=False)
    >>> res.to_dataframe()[["n_generator", "replicate", "status"]].values.tolist()
    [[8, 0, 'done'], [8, 1, 'done'], [16, 0, 'done'], [16, 1, 'done']]
    """
    if not isinstance(grid, Mapping):
        raise InputError(f"grid must be a mapping of WGAN arguments to lists, got {grid!r}")
    extra = dict(fixed or {})
    clash = sorted(set(extra) & set(grid))
    if clash:
        raise InputError(f"{clash[0]!r} is both in grid and in fixed")
    for name in ("steps", "target", "modes", "replicate", "seed"):
        if name in grid or name in extra:
            raise InputError(f"{name!r} is an option of wgan_sweep, not a grid parameter")
    full = dict(grid, replicate=list(range(positive_int(replicates, "replicates"))))
    base = {"steps": positive_int(steps, "steps"), "modes": modes, **extra}
    if isinstance(target, str):
        base["target"] = target
    from ._run import expand_grid

    points = [dict(p, **base) for p in expand_grid(full)]
    for i, p in enumerate(points):
        options = {k: v for k, v in p.items() if k not in ("steps", "modes", "target", "replicate")}
        try:
            _wgan(target, modes, options)
        except TypeError as exc:
            raise InputError(f"point {i}: {exc}") from None
        except InputError as exc:
            raise InputError(f"point {i}: {exc}") from None
    fn: Any = (
        wgan_point if isinstance(target, str) else functools.partial(wgan_point, target=target)
    )
    return sweep(
        fn,
        points,
        store=store,
        executor=executor,
        workers=workers,
        seed=seed,
        retries=retries,
        progress=progress,
    )


def convergence_point(
    *,
    scheme: str,
    reference: str | int,
    schemes: Mapping[str, Any],
    z0: Any,
    t_end: float,
    taus: Sequence[float],
    params: Any = None,
    engine: str = "auto",
    seed: np.random.Generator,
) -> dict[str, Any]:
    """One :func:`~limitdyn.numeric.convergence_study` of ``schemes[scheme]``.

    Scalars: ``order``, ``order_reason``, ``at_rounding_level``; arrays ``taus``,
    ``errors``. ``seed`` is unused (the study is deterministic).

    Examples
    --------
    >>> import numpy as np, sympy as sp
    >>> import limitdyn as ld
    >>> from limitdyn.sweep import convergence_point
    >>> x = sp.Symbol("x")
    >>> out = convergence_point(scheme="gd", reference="limit", schemes={"gd": ld.explicit([-x],
    ...                                                                                    [x])},
    ...                         z0=[1.0], t_end=1.0, taus=[0.1, 0.05, 0.025],
    ...                         seed=np.random.default_rng(0))
    >>> round(out["order"], 1), out["errors"].shape  # explicit Euler is first order
    (1.0, (3,))
    """
    from ..numeric import convergence_study

    del seed
    if scheme not in schemes:
        raise InputError(f"unknown scheme {scheme!r}; valid schemes: {', '.join(schemes)}")
    study = convergence_study(
        schemes[scheme],
        z0,
        t_end=t_end,
        taus=list(taus),
        params=params,
        reference=reference,
        engine=engine,
        progress=False,
    )
    return {
        "order": float(study.order),
        "order_reason": study.order_reason,
        "at_rounding_level": study.at_rounding_level,
        "taus": study.taus,
        "errors": study.errors,
    }


convergence_point.__version__ = RECIPES_VERSION  # type: ignore[attr-defined]


def convergence_sweep(
    schemes: Mapping[str, Any],
    z0: Any,
    *,
    t_end: float,
    taus: Sequence[float],
    store: str | os.PathLike[str],
    references: Sequence[str | int] = ("limit",),
    params: Any = None,
    engine: str = "auto",
    executor: Executor | None = None,
    workers: int | None = None,
    retries: int = 2,
    progress: bool | None = None,
) -> SweepResult:
    """Convergence studies over (scheme, reference order), one point per pair.

    ``schemes`` maps names to schemes on the same variables, all started at ``z0``; each
    point measures the errors over ``taus`` to ``t_end`` against ``reference`` (``"limit"``
    or the order ``k`` of a modified equation) and fits the order. The schemes, ``z0``,
    ``taus`` and ``params`` enter the keys by their structure, so changing one of them
    computes the points again.

    Examples
    --------
    >>> import tempfile
    >>> import sympy as sp
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> gd = ld.explicit([-x], [x])
    >>> with ThreadPoolExecutor(2) as pool:
    ...     res = convergence_sweep({"gd": gd}, [1.0], t_end=1.0, taus=[0.02, 0.01, 0.005],
    ...                             references=["limit", 1], engine="numpy",
    ...                             store=tempfile.mkdtemp(), executor=pool, progress=False)
    >>> res.to_dataframe()[["reference", "scheme"]].values.tolist()
    [['limit', 'gd'], [1, 'gd']]
    >>> [round(v, 1) for v in res.to_dataframe()["order"]]
    [1.0, 2.0]
    """
    if not isinstance(schemes, Mapping) or not schemes:
        raise InputError("schemes must be a non-empty mapping of names to schemes")
    refs = list(references)
    for ref in refs:
        if not (ref == "limit" or (isinstance(ref, int) and not isinstance(ref, bool) and ref > 0)):
            raise InputError(f"references takes 'limit' or positive orders, got {ref!r}")
    fn = functools.partial(
        convergence_point,
        schemes=dict(schemes),
        z0=z0,
        t_end=float(t_end),
        taus=[float(t) for t in taus],
        params=params,
        engine=engine,
    )
    grid: dict[str, list[Any]] = {"scheme": list(schemes), "reference": refs}
    return sweep(
        fn,
        grid,
        store=store,
        executor=executor,
        workers=workers,
        retries=retries,
        progress=progress,
    )
