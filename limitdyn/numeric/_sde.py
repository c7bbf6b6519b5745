"""Simulate SDEs over many paths: Euler–Maruyama and Milstein, generated like SGD loops.

One step of size ``h`` with Wiener increments ``dW`` (``m`` of them, ``N(0, h)``) is a
SymPy map printed into the path loop of :mod:`._codegen_paths`:

* Euler–Maruyama: ``X + h b(X) + sigma(X) dW`` (weak order 1, strong 1/2);
* Milstein: ``+ 1/2 sum_{j,k} (L^j sigma_k)(X) (dW_j dW_k - delta_jk h)`` with
  ``L^j = sum_l sigma_lj d/dX_l``, for commutative noise (``L^j sigma_k = L^k sigma_j``;
  otherwise the Lévy areas are needed and a :class:`~limitdyn.errors.SchemeError` says so).

References
----------
P. E. Kloeden, E. Platen, *Numerical Solution of Stochastic Differential Equations*,
Springer 1992, §10.2 (Euler), §10.3 (Milstein, commutative noise).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from .._engine import Engine, get_engine
from .._validate import check_memory, one_of, positive_float, positive_int
from ..errors import InputError, SchemeError
from ..symbolic._sme import SDE
from ._inputs import parameter_vector, state_vector
from ._stochastic_iterate import (
    StochasticPaths,
    n_steps,
    path_kernel,
    run_paths,
    seed_sequence,
)

__all__ = ["METHODS", "sde_parameters", "sde_step", "simulate_sde"]

METHODS = ("euler-maruyama", "milstein")
_H = sp.Dummy("h", positive=True)


def sde_step(sde: SDE, method: str) -> tuple[sp.Symbol, tuple[sp.Symbol, ...], list[sp.Expr]]:
    """``(h, dW, new X)``: one step of ``method`` as SymPy expressions in fresh ``h``, ``dW``."""
    m = sde.noise_dim
    dw = tuple(sp.Dummy(f"dW{j}", real=True) for j in range(m))
    x = sde.variables
    sigma = sde.diffusion
    new = [
        x[i] + _H * sde.drift[i] + sum((sigma[i, j] * dw[j] for j in range(m)), sp.Integer(0))
        for i in range(sde.dim)
    ]
    if method == "milstein":
        # L^j sigma_{i k} = sum_l sigma_{l j} d sigma_{i k} / d x_l
        def lsig(j: int, i: int, k: int) -> sp.Expr:
            return sum(
                (sigma[l, j] * sp.diff(sigma[i, k], x[l]) for l in range(sde.dim)), sp.Integer(0)
            )

        for i in range(sde.dim):
            extra = sp.Integer(0)
            for j in range(m):
                for k in range(m):
                    a = lsig(j, i, k)
                    if a == 0:
                        continue
                    if k > j and sp.simplify(a - lsig(k, i, j)) != 0:
                        raise SchemeError(
                            "milstein: the noise is not commutative (L^j sigma_k != L^k "
                            f"sigma_j for j={j}, k={k}); use method='euler-maruyama'"
                        )
                    extra += a * (dw[j] * dw[k] - (_H if j == k else 0))
            new[i] = new[i] + extra / 2
    return _H, dw, new


def sde_parameters(sde: SDE, params: Any, tau: Any) -> np.ndarray:
    """The parameter vector of ``sde`` (its step symbol, if any, given as ``tau``)."""
    given = dict(params or {})
    if sde.step is not None and sde.step in sde.parameters:
        if tau is None:
            raise InputError(f"this SDE depends on the learning rate {sde.step}; give tau=")
        given[sde.step] = positive_float(tau, "tau")
    elif tau is not None:
        raise InputError("tau= is given but this SDE does not depend on a learning rate")
    return parameter_vector(given, sde.parameters)


def normal_draw(m: int, dt: float) -> Any:
    """Sampler of Wiener increments ``N(0, dt)``, (K, P, m)."""
    scale = float(np.sqrt(dt))

    def draw(rng: np.random.Generator, k: int, paths: int) -> np.ndarray:
        out = rng.standard_normal((k, paths, m))
        out *= scale
        return out

    return draw


def sde_kernel(sde: SDE, method: str, engine: Engine) -> Any:
    """The compiled path loop of one ``method`` step of ``sde``."""
    h, dw, new = sde_step(sde, method)
    return path_kernel(sde.variables, sde.parameters, h, [(sde.variables, new)], dw, engine)


def _reduced_noise(sde: SDE, p: np.ndarray) -> tuple[SDE, np.ndarray]:
    """For Euler–Maruyama with a state-independent ``sigma`` (d x m, m > d): an equivalent
    SDE driven by ``r <= d`` Wiener processes, ``sigma_r = U S`` from the SVD of the numeric
    ``sigma``. An Euler step's law depends on ``sigma sigma^T`` only, so the paths have the
    same law with fewer random numbers."""
    if sde.noise_dim <= sde.dim or sde.diffusion.free_symbols & set(sde.variables):
        return sde, p
    values = dict(zip(sde.parameters, (sp.Float(float(v)) for v in p)))
    sigma = np.array(sde.diffusion.xreplace(values).evalf(), dtype=float)
    u, sv, _ = np.linalg.svd(sigma, full_matrices=False)
    keep = sv > 1e-14 * max(float(sv.max(initial=0.0)), 1e-300)
    root = u[:, keep] * sv[keep] if keep.any() else np.zeros((sde.dim, 1))
    drift = sde.drift.xreplace(values)
    reduced = SDE(sde.variables, drift, sp.Matrix(root.tolist()), name=sde.name)
    q = np.array([float(values[s]) for s in reduced.parameters])
    return reduced, q


def simulate_sde(
    sde: SDE,
    z0: Any,
    *,
    t_end: float,
    dt: float,
    n_paths: int,
    seed: Any = None,
    method: str = "euler-maruyama",
    tau: float | None = None,
    params: Any = None,
    record_every: int | None = None,
    engine: str | Engine = "auto",
) -> StochasticPaths:
    """Simulate ``dX = b dt + sigma dW`` over many paths with fixed steps ``dt``.

    Parameters
    ----------
    sde : SDE
        E.g. from :func:`~limitdyn.stochastic_modified_equation`.
    z0 : array_like, shape (d,), or mapping
        The common initial state.
    t_end : float
        Final time, a multiple of ``dt``.
    dt : float
        The time step.
    n_paths : int
        Number of paths.
    seed : int, SeedSequence, Generator or None
        Root of the random streams.
    method : {"euler-maruyama", "milstein"}
        The scheme (Milstein for commutative noise). Euler–Maruyama with a diffusion that
        does not depend on the state and has more columns than rows is run with an
        equivalent ``d``-column factor of ``sigma sigma^T`` (the same law, fewer random
        numbers).
    tau : float, optional
        The learning rate, for an SME (whose coefficients depend on it).
    params : mapping, optional
        Other parameter values.
    record_every : int, optional
        Record every so many steps (default: start and end).
    engine : {"auto", "numpy", "numba"} or Engine

    Returns
    -------
    StochasticPaths

    Examples
    --------
    The Ornstein–Uhlenbeck process ``dX = -X dt + dW`` keeps ``E X_t = X_0 e^{-t}``:

    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> ou = ld.SDE((x,), sp.Matrix([-x]), sp.Matrix([[1]]))
    >>> run = ld.simulate_sde(ou, [1.0], t_end=1.0, dt=0.01, n_paths=20000, seed=0,
    ...                       engine="numpy")
    >>> bool(abs(run.mean()[-1, 0] - 0.99**100) < 0.03)
    True
    """
    if not isinstance(sde, SDE):
        raise InputError(f"simulate_sde takes an SDE, got {type(sde).__name__}")
    how = one_of(method, "method", METHODS)
    h = positive_float(dt, "dt")
    n = n_steps(h, None, t_end)
    paths = positive_int(n_paths, "n_paths")
    check_memory(16.0 * paths * sde.dim, f"{paths} paths", hint="use fewer paths")
    every = None if record_every is None else positive_int(record_every, "record_every")
    eng = get_engine(engine)
    p = sde_parameters(sde, params, tau)
    z = state_vector(z0, sde.variables)
    if how == "euler-maruyama":
        sde, p = _reduced_noise(sde, p)
    kernel = sde_kernel(sde, how, eng)
    marks, states, _ = run_paths(
        kernel,
        z,
        p,
        h,
        n,
        n_paths=paths,
        n_random=sde.noise_dim,
        draw=normal_draw(sde.noise_dim, h),
        seed=seed_sequence(seed),
        record_every=every,
        engine=eng,
    )
    return StochasticPaths(sde.variables, marks * h, states, label=sde.name or "SDE")
