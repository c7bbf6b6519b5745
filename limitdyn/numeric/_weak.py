"""Weak convergence of SGD to its SME, and stationary covariances of linear problems.

:func:`weak_convergence_study` measures ``|E phi(x_N) - E phi(X_T)|`` for shrinking learning
rates, ``x`` the SGD paths and ``X`` the SME of the chosen order, by Monte Carlo with two
variance reductions that keep every estimate unbiased:

* *linear-response control variates*: along the noise-free path of each recursion the
  adjoint ``lambda`` of ``phi`` gives ``Y = sum_k lambda_{k+1}^T K_k (xi_k - E xi_k)``, the
  first-order response of ``phi`` to the random inputs ``xi_k`` (example weights for SGD,
  Wiener increments for the SME); ``E Y = 0`` exactly, and ``phi - Y`` fluctuates by
  ``O(tau)`` instead of ``O(sqrt(tau))``;
* *Talay–Tubaro extrapolation with common random numbers* for the SME: Euler–Maruyama
  with ``dt = tau/m`` and ``tau/(2m)`` driven by the same Brownian path, combined as
  ``2 phi_fine - phi_coarse``, so the SDE's own time-step error is ``O(tau^2/m^2)``.

References
----------
Q. Li, C. Tai, W. E, ICML 2017, Thm. 1; D. Talay, L. Tubaro, Stoch. Anal. Appl. 8 (1990).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from .._engine import Engine, get_engine
from .._model_checks import as_entries
from .._stochastic import StochasticScheme
from .._validate import check_memory, positive_float, positive_int
from ..errors import InputError
from ..symbolic._sme import SDE, stochastic_modified_equation
from ._inputs import parameter_vector, state_vector
from ._sde import normal_draw, sde_step
from ._stochastic_iterate import (
    index_draw,
    indices_to_weights,
    n_steps,
    path_kernel,
    point_function,
    run_paths,
    seed_sequence,
    sgd_kernel,
)

__all__ = ["WeakConvergenceStudy", "stationary_covariance", "weak_convergence_study"]


def _observable(obs: Any, variables: tuple[sp.Symbol, ...]) -> sp.Expr:
    if not isinstance(obs, sp.Expr) or isinstance(obs, sp.MatrixBase):
        raise InputError(
            f"observable must be a SymPy expression in {variables}, got {type(obs).__name__}"
        )
    extra = obs.free_symbols - set(variables)
    if extra:
        raise InputError(
            f"observable {obs} is not a function of the variables {variables}: it contains "
            f"{sorted(map(str, extra))[0]}"
        )
    return obs


@dataclass(frozen=True, eq=False)
class WeakConvergenceStudy:
    """Weak errors of SGD against its SME per learning rate, with 95% confidence intervals.

    Attributes
    ----------
    taus : ndarray (L,)
    errors : ndarray (L,)
        ``|E phi(x_N) - E phi(X_T)|`` estimated.
    half_widths : ndarray (L,)
        Half-widths of the 95% confidence intervals of the signed differences.
    sgd_means, sme_means : ndarray (L,)
        The two estimates.
    order : float
        Least-squares slope of ``log error`` on ``log tau`` over the resolved levels.
    resolved : ndarray of bool (L,)
        Levels whose error exceeds twice its half-width (used in the fit).
    reference : int
        The SME order compared against.
    n_paths : int
    observable : Expr
    t_end : float
    """

    taus: np.ndarray
    errors: np.ndarray
    half_widths: np.ndarray
    sgd_means: np.ndarray
    sme_means: np.ndarray
    order: float
    resolved: np.ndarray
    reference: int
    n_paths: int
    observable: sp.Expr
    t_end: float

    def _columns(self) -> dict[str, Any]:
        return {
            "tau": self.taus,
            "error": self.errors,
            "ci half-width": self.half_widths,
            "E phi (SGD)": self.sgd_means,
            "E phi (SME)": self.sme_means,
            "resolved": self.resolved,
        }

    def to_dataframe(self) -> Any:
        """One row per learning rate (pandas).

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> s = ld.sgd([(x - 1)**2 / 2 + x**4 / 4, (x + 1)**2 / 2 + x**4 / 4], [x])
        >>> study = ld.weak_convergence_study(s, [1.0], t_end=1.0, taus=[0.2, 0.1],
        ...     observable=x**2, n_paths=4000, seed=0, engine="numpy")
        >>> df = study.to_dataframe()
        >>> df.index.name, df.index.tolist(), list(df.columns)
        ('tau', [0.2, 0.1], ['error', 'ci half-width', 'E phi (SGD)', 'E phi (SME)', 'resolved'])
        >>> # the error is the gap between the two means
        >>> bool(((df["E phi (SME)"] - df["E phi (SGD)"]).abs() - df["error"]).abs().max() < 1e-12)
        True
        """
        from .._display import dataframe

        return dataframe(self._columns(), index="tau")

    def _repr_html_(self) -> str:
        from .._display import html_table

        return html_table(self._summary(), self._columns())

    def _summary(self) -> str:
        return (
            f"weak error of SGD against the order-{self.reference} SME, phi = {self.observable}, "
            f"T = {self.t_end:g}, {self.n_paths} paths: fitted order {self.order:.3f}"
        )

    def __repr__(self) -> str:
        return f"WeakConvergenceStudy({self._summary()})"

    def plot(self, *, ax: Any = None, **kwargs: Any) -> Any:
        """Weak errors with their confidence intervals against tau, and the fitted law.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> s = ld.sgd([(x - 1)**2 / 2 + x**4 / 4, (x + 1)**2 / 2 + x**4 / 4], [x])
        >>> study = ld.weak_convergence_study(s, [1.0], t_end=1.0, taus=[0.2, 0.1],
        ...     observable=x**2, n_paths=4000, seed=0, engine="numpy")
        >>> ax = study.plot()
        >>> ax.get_xscale(), ax.get_yscale()
        ('log', 'log')
        """
        from ..plotting._weak import plot_weak

        return plot_weak(self, ax=ax, **kwargs)


def _fit(taus: np.ndarray, errors: np.ndarray, use: np.ndarray) -> float:
    if use.sum() < 2:
        return float("nan")
    x, y = np.log(taus[use]), np.log(errors[use])
    return float(np.polyfit(x, y, 1)[0])


def _sgd_estimate(
    scheme: StochasticScheme,
    z0: np.ndarray,
    p: np.ndarray,
    h: float,
    n: int,
    phi: sp.Expr,
    n_paths: int,
    seed: np.random.SeedSequence,
    engine: Engine,
    control: bool,
) -> np.ndarray:
    """Samples of ``phi(x_N) - Y`` over SGD paths."""
    kernel = sgd_kernel(scheme, engine)
    functional, centre = None, None
    if control:
        functional = _sgd_adjoint(scheme, z0, p, h, n, phi)
        centre = np.array([float(w) for w in scheme.probabilities])
    _, states, ys = run_paths(
        kernel,
        z0,
        p,
        h,
        n,
        n_paths=n_paths,
        n_random=scheme.batch,
        draw=index_draw(scheme),
        seed=seed,
        record_every=None,
        engine=engine,
        functional=functional,
        centre=centre,
        inputs=indices_to_weights(scheme.n_examples),
    )
    values = _evaluate(phi, scheme.variables, states[-1])
    return values - ys if ys is not None else values


def _evaluate(phi: sp.Expr, variables: tuple[sp.Symbol, ...], z: np.ndarray) -> np.ndarray:
    f = point_function(variables, (), [phi], vectorised=True, where="the observable")
    return np.broadcast_to(f(0.0, z, np.empty(0))[0], (z.shape[0],)).astype(float)


def _gradient(phi: sp.Expr, variables: tuple[sp.Symbol, ...], z: np.ndarray) -> np.ndarray:
    grad = [sp.diff(phi, v) for v in variables]
    return point_function(variables, (), grad, where="the observable's gradient")(
        0.0, z, np.empty(0)
    )


def _sgd_adjoint(
    scheme: StochasticScheme, z0: np.ndarray, p: np.ndarray, h: float, n: int, phi: sp.Expr
) -> np.ndarray:
    """``v_k = K_k^T lambda_{k+1}`` (n_steps, n_examples) along the mean path."""
    d, m = scheme.dim, scheme.n_examples
    phi_map = [scheme.scheme.map()[v] for v in scheme.variables]
    mean = scheme.mean_weights
    jz = [sp.diff(e, v).xreplace(mean) for e in phi_map for v in scheme.variables]
    jc = [sp.diff(e, c).xreplace(mean) for e in phi_map for c in scheme.noise]
    exprs = [e.xreplace(mean) for e in phi_map] + jz + jc
    f = point_function(
        scheme.variables, (*scheme.parameters, scheme.step), exprs, where="the SGD tangent"
    )
    q = np.append(p, h)
    z = z0.copy()
    jac, kc = np.empty((n, d, d)), np.empty((n, d, m))
    for k in range(n):
        out = f(0.0, z, q)
        jac[k] = out[d : d + d * d].reshape(d, d)
        kc[k] = out[d + d * d :].reshape(d, m)
        z = out[:d]
    return _backward_sweep(jac, kc, _gradient(phi, scheme.variables, z))


def _sme_estimate(
    sde: SDE,
    z0: np.ndarray,
    p: np.ndarray,
    h: float,
    n: int,
    substeps: int,
    phi: sp.Expr,
    n_paths: int,
    seed: np.random.SeedSequence,
    engine: Engine,
    control: bool,
) -> np.ndarray:
    """Samples of ``2 phi(X_fine) - phi(X_coarse) - Y`` (Talay–Tubaro with common noise)."""
    d, m = sde.dim, sde.noise_dim
    coarse = tuple(sp.Dummy(f"{v.name}_c", real=True) for v in sde.variables)
    hh, dw, new = sde_step(sde, "euler-maruyama")
    da = tuple(sp.Dummy(f"a{j}", real=True) for j in range(m))
    db = tuple(sp.Dummy(f"b{j}", real=True) for j in range(m))
    half = [e.xreplace({hh: hh / 2, **dict(zip(dw, da))}) for e in new]
    half_b = [e.xreplace({hh: hh / 2, **dict(zip(dw, db))}) for e in new]
    full = [
        e.xreplace({hh: hh, **{w: a + b for w, a, b in zip(dw, da, db)}}).xreplace(
            dict(zip(sde.variables, coarse))
        )
        for e in new
    ]
    stages = [(sde.variables, half), (sde.variables, half_b), (coarse, full)]
    variables = (*sde.variables, *coarse)
    kernel = path_kernel(variables, sde.parameters, hh, stages, (*da, *db), engine)
    dt = h / substeps
    steps = n * substeps
    functional = None
    if control:
        fine = _sme_adjoint(sde, z0, p, dt / 2, 2 * steps, phi)  # (2 steps, m)
        crude = _sme_adjoint(sde, z0, p, dt, steps, phi)
        functional = np.concatenate([2 * fine[0::2] - crude, 2 * fine[1::2] - crude], axis=1)
    _, states, ys = run_paths(
        kernel,
        np.concatenate([z0, z0]),
        p,
        dt,
        steps,
        n_paths=n_paths,
        n_random=2 * m,
        draw=normal_draw(2 * m, dt / 2),
        seed=seed,
        record_every=None,
        engine=engine,
        functional=functional,
        centre=np.zeros(2 * m),
    )
    last = states[-1]
    values = 2 * _evaluate(phi, sde.variables, last[:, :d]) - _evaluate(
        phi, sde.variables, last[:, d:]
    )
    return values - ys if ys is not None else values


def _sme_adjoint(
    sde: SDE, z0: np.ndarray, p: np.ndarray, dt: float, n: int, phi: sp.Expr
) -> np.ndarray:
    """``u_j = sigma(X_j)^T lambda_{j+1}`` (n, m) along the Euler path of the drift."""
    d, m = sde.dim, sde.noise_dim
    exprs = list(sde.drift) + [sp.diff(b, v) for b in sde.drift for v in sde.variables]
    exprs += list(sde.diffusion)
    f = point_function(sde.variables, sde.parameters, exprs, where="the SDE tangent")
    z = z0.copy()
    jac, sig = np.empty((n, d, d)), np.empty((n, d, m))
    for j in range(n):
        out = f(0.0, z, p)
        jac[j] = np.eye(d) + dt * out[d : d + d * d].reshape(d, d)
        sig[j] = out[d + d * d :].reshape(d, m)
        z = z + dt * out[:d]
    return _backward_sweep(jac, sig, _gradient(phi, sde.variables, z))


def _backward_sweep(jac: np.ndarray, noise: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """The adjoint recursion from the end: ``u_k = N_k^T lambda_{k+1}``,
    ``lambda_k = J_k^T lambda_{k+1}``; ``jac`` (n, d, d), ``noise`` (n, d, m) -> (n, m)."""
    u = np.empty((noise.shape[0], noise.shape[2]))
    for k in range(noise.shape[0] - 1, -1, -1):
        u[k] = noise[k].T @ lam
        lam = jac[k].T @ lam
    return u


def weak_convergence_study(
    scheme: StochasticScheme,
    z0: Any,
    *,
    t_end: float,
    taus: Any,
    observable: sp.Expr,
    n_paths: int,
    seed: Any = None,
    reference: int = 1,
    params: Any = None,
    substeps: int = 4,
    control_variates: bool = True,
    engine: str | Engine = "auto",
) -> WeakConvergenceStudy:
    """Weak errors ``|E phi(x_N) - E phi(X_T)|`` of SGD against its SME, per learning rate.

    Parameters
    ----------
    scheme : StochasticScheme
        Explicit stages (e.g. :func:`~limitdyn.sgd`).
    z0 : array_like (d,) or mapping
        The initial state of both.
    t_end : float
        The horizon ``T = N tau`` (a multiple of every tau).
    taus : sequence of float
        Learning rates.
    observable : Expr
        ``phi``, a SymPy expression in the variables.
    n_paths : int
        Paths per learning rate, for each of SGD and the SME.
    seed : int, SeedSequence, Generator or None
    reference : {1, 2}
        The order of the SME compared against.
    params : mapping, optional
        Values of the other parameters.
    substeps : int
        SDE steps per learning-rate step (coarse level; the fine level takes twice as many).
    control_variates : bool
        Use the linear-response control variates (see the module docstring).
    engine : {"auto", "numpy", "numba"} or Engine

    Returns
    -------
    WeakConvergenceStudy

    Raises
    ------
    InputError
        An observable that is not a function of the variables, bad sizes or steps.

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> s = ld.sgd([(x - 1)**2 / 2 + x**4 / 4, (x + 1)**2 / 2 + x**4 / 4], [x])
    >>> study = ld.weak_convergence_study(s, [1.0], t_end=1.0, taus=[0.2, 0.1],
    ...     observable=x**2, n_paths=4000, seed=0, engine="numpy")
    >>> study.errors.shape, bool(study.errors[1] < study.errors[0])
    ((2,), True)
    """
    if not isinstance(scheme, StochasticScheme):
        raise InputError(
            f"weak_convergence_study takes a StochasticScheme, got {type(scheme).__name__}"
        )
    if isinstance(reference, bool) or reference not in (1, 2):
        raise InputError(f"reference must be the SME order 1 or 2, got {reference!r}")
    phi = _observable(observable, scheme.variables)
    T = positive_float(t_end, "t_end")
    levels = np.array([positive_float(t, "taus") for t in as_entries(taus, where="taus")])
    if levels.size < 1:
        raise InputError("taus: no learning rates given")
    paths = positive_int(n_paths, "n_paths")
    check_memory(48.0 * paths * scheme.dim, f"{paths} paths", hint="use fewer paths")
    m = positive_int(substeps, "substeps")
    eng = get_engine(engine)
    z = state_vector(z0, scheme.variables)
    p = parameter_vector(params, scheme.parameters, step=scheme.step)
    sde = stochastic_modified_equation(scheme, order=reference)
    sde_p_names = {q: v for q, v in zip(scheme.parameters, p)}
    streams = seed_sequence(seed).spawn(2 * levels.size)
    sgd_means, sme_means, widths = [], [], []
    for i, h in enumerate(levels):
        n = n_steps(float(h), None, T)
        a = _sgd_estimate(
            scheme, z, p, float(h), n, phi, paths, streams[2 * i], eng, control_variates
        )
        q = np.array([float(h) if s == sde.step else sde_p_names[s] for s in sde.parameters])
        b = _sme_estimate(
            sde, z, q, float(h), n, m, phi, paths, streams[2 * i + 1], eng, control_variates
        )
        sgd_means.append(float(a.mean()))
        sme_means.append(float(b.mean()))
        widths.append(1.96 * math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size))
    diff = np.array(sgd_means) - np.array(sme_means)
    errors = np.abs(diff)
    half = np.array(widths)
    resolved = errors > 2 * half
    return WeakConvergenceStudy(
        levels,
        errors,
        half,
        np.array(sgd_means),
        np.array(sme_means),
        _fit(levels, errors, resolved),
        resolved,
        reference,
        paths,
        phi,
        T,
    )


def _equilibrium(field: list[sp.Expr], variables: tuple[sp.Symbol, ...], at: Any) -> dict:
    if at is not None:
        z = state_vector(at, variables, where="at")
        return dict(zip(variables, (sp.Float(v) for v in z)))
    sols = sp.solve(field, variables, dict=True)
    if len(sols) != 1 or set(sols[0]) != set(variables):
        raise InputError("stationary_covariance: give the equilibrium as at= (no unique one found)")
    return sols[0]


def stationary_covariance(
    system: StochasticScheme | SDE, *, tau: float, params: Any = None, at: Any = None
) -> np.ndarray:
    """Stationary covariance of SGD or of an SME, linearised at the equilibrium.

    For SGD: ``P = A P A^T + Q`` (discrete Lyapunov), ``A`` the Jacobian of the mean map
    and ``Q = K Cov(c) K^T`` the covariance of one step's noise (``K = dPhi/dc``); for an
    SDE: ``B P + P B^T + sigma sigma^T = 0`` (continuous Lyapunov), ``B`` the drift's
    Jacobian. Exact for linear problems with additive noise (quadratic losses sharing
    their Hessian), the linear-noise approximation otherwise.

    Examples
    --------
    SGD on ``f_i = (x - a_i)^2 / 2``: ``tau Var(a) / (2 - tau)``; its order-2 SME:
    ``tau Var(a) / (2 + tau)`` (here ``Var(a) = 1``, ``tau = 0.1``):

    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> s = ld.sgd([(x + 1)**2 / 2, (x - 1)**2 / 2], [x])
    >>> round(float(ld.stationary_covariance(s, tau=0.1)[0, 0]), 12), round(0.1 / 1.9, 12)
    (0.052631578947, 0.052631578947)
    >>> sme = ld.stochastic_modified_equation(s, order=2)
    >>> round(float(ld.stationary_covariance(sme, tau=0.1)[0, 0]), 12), round(0.1 / 2.1, 12)
    (0.047619047619, 0.047619047619)
    """
    from scipy.linalg import solve_continuous_lyapunov, solve_discrete_lyapunov

    h = positive_float(tau, "tau")
    if isinstance(system, StochasticScheme):
        vals = parameter_vector(params, system.parameters, step=system.step)
        sub = {**dict(zip(system.parameters, vals)), system.step: h}
        phi = [system.scheme.map()[v].xreplace(sub) for v in system.variables]
        mean = system.mean_weights
        at_ = _equilibrium(
            [e.xreplace(mean) - v for e, v in zip(phi, system.variables)], system.variables, at
        )
        a = sp.Matrix([[sp.diff(e, v) for v in system.variables] for e in phi])
        k = sp.Matrix([[sp.diff(e, c) for c in system.noise] for e in phi])
        a_n = np.array(a.xreplace(mean).xreplace(at_).evalf(), dtype=float)
        k_n = np.array(k.xreplace(mean).xreplace(at_).evalf(), dtype=float)
        cov = np.array(system.weight_covariance.evalf(), dtype=float)
        return np.asarray(solve_discrete_lyapunov(a_n, k_n @ cov @ k_n.T))
    if not isinstance(system, SDE):
        raise InputError(f"stationary_covariance takes SGD or an SDE, got {type(system).__name__}")
    others = tuple(q for q in system.parameters if q != system.step)
    vals = parameter_vector(params, others)
    sub = {**dict(zip(others, vals)), **({system.step: h} if system.step is not None else {})}
    drift = [e.xreplace(sub) for e in system.drift]
    at_ = _equilibrium(drift, system.variables, at)
    b = np.array(sp.Matrix(drift).jacobian(system.variables).xreplace(at_).evalf(), dtype=float)
    s = np.array(system.diffusion.xreplace(sub).xreplace(at_).evalf(), dtype=float)
    return np.asarray(solve_continuous_lyapunov(b, -s @ s.T))
