"""Implicit (JKO, minimising-movement) particle steps: the solver and the models' blocks.

For an empirical measure ``mu = (1/N) sum_i delta_{theta_i}`` and an energy ``E``, the
minimising-movement (JKO) step of size ``tau`` restricted to the identity coupling,

``theta' = argmin (1/(2 tau N)) sum_i |theta'_i - theta_i|^2 + E(theta')``,

has the optimality condition ``theta'_i = theta_i - tau V_i(theta')`` with
``V_i = N dE/d theta_i``: the implicit Euler step of the particle system (Turinici, eq. (8)
in a Euclidean space; Jordan, Kinderlehrer and Otto 1998). For small ``tau`` the identity
coupling is optimal, so the step is the W2 minimising movement among ``N``-atom measures.
The explicit step ``theta' = theta - tau V(theta)`` is the models' ``"explicit"`` scheme.

:func:`implicit_step` solves ``x = x0 + step * field(x)`` per step, by Newton's method
(the Jacobian ``I - step D field`` applied by directional differences of ``field`` inside
GMRES: only the models' gradient kernels are needed) or by the fixed-point (Picard)
iteration of Turinici's Lemma 1, a contraction when ``|step| Lip(field) < 1`` (relaxed
when it does not contract: see :func:`_fixed_point`); either
raises :class:`~limitdyn.errors.SolverError` when it does not reach the tolerance.
:func:`regression_jko_block` and :func:`wgan_jko_block` are the implicit counterparts of
the kernels' ``regression_block`` and ``wgan_block``, built on the kernel API
(:mod:`limitdyn.particles._kernel_api`) and so identical in both engines up to rounding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validate import one_of, positive_float, positive_int
from ..errors import InputError, SolverError
from ._kernel_api import ParticleKernels, RegressionHyper, WGANHyper

__all__ = [
    "SCHEMES",
    "SOLVER_METHODS",
    "JKOSolver",
    "as_scheme",
    "as_solver",
    "implicit_step",
    "regression_jko_advance",
    "regression_jko_block",
    "wgan_jko_advance",
    "wgan_jko_block",
]

#: the particle models' time-stepping schemes
SCHEMES = ("explicit", "implicit")

#: the per-step solvers of an implicit step
SOLVER_METHODS = ("newton", "fixed-point")

Field = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class JKOSolver:
    """How each implicit step ``x = x0 + step * field(x)`` is solved.

    Parameters
    ----------
    method : {"newton", "fixed-point"}
        Newton's method (Jacobian-vector products by directional differences of the
        field, linear systems by GMRES) or the fixed-point iteration
        ``x <- x0 + step * field(x)``.
    tol : float
        Converged when ``max |x - x0 - step * field(x)| <= tol * (1 + max |x0|)``; raised
        to ``100`` machine epsilons of the particles' dtype when smaller.
    max_iter : int
        Newton or fixed-point iterations per step before a
        :class:`~limitdyn.errors.SolverError`.

    Raises
    ------
    InputError
        For an unknown method, a non-positive tolerance or iteration count.

    Examples
    --------
    >>> JKOSolver()
    JKOSolver(method='newton', tol=1e-10, max_iter=50)
    >>> JKOSolver(method="fixed-point", tol=1e-12).method
    'fixed-point'
    >>> JKOSolver(method="bisection")
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: unknown method 'bisection'; valid methods: newton, fixed-point
    """

    method: str = "newton"
    tol: float = 1e-10
    max_iter: int = 50

    def __post_init__(self) -> None:
        one_of(self.method, "method", SOLVER_METHODS)
        object.__setattr__(self, "tol", positive_float(self.tol, "tol"))
        object.__setattr__(self, "max_iter", positive_int(self.max_iter, "max_iter"))


def as_solver(solver: Any) -> JKOSolver:
    """A :class:`JKOSolver` from itself or a method name.

    Examples
    --------
    >>> as_solver("fixed-point").tol
    1e-10
    """
    if isinstance(solver, JKOSolver):
        return solver
    if isinstance(solver, str):
        return JKOSolver(method=solver)
    raise InputError(
        f"solver must be a JKOSolver or one of {SOLVER_METHODS}, got {type(solver).__name__}"
    )


def as_scheme(scheme: Any, *, optimizer: str = "sgd") -> str:
    """A scheme name checked against :data:`SCHEMES` (the implicit one needs SGD).

    Examples
    --------
    >>> as_scheme("implicit")
    'implicit'
    >>> as_scheme("implicit", optimizer="rmsprop")
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: scheme="implicit" needs optimizer="sgd" (a JKO step), got 'rmsprop'
    """
    name = one_of(scheme, "scheme", SCHEMES)
    if name == "implicit" and optimizer != "sgd":
        raise InputError(f'scheme="implicit" needs optimizer="sgd" (a JKO step), got {optimizer!r}')
    return name


def _threshold(solver: JKOSolver, x0: np.ndarray) -> float:
    floor = 100.0 * float(np.finfo(x0.dtype).eps) if x0.dtype.kind == "f" else 0.0
    return max(solver.tol, floor) * (1.0 + float(np.max(np.abs(x0), initial=0.0)))


def _fail(what: str, message: str, index: int, time: float, residual: float) -> SolverError:
    return SolverError(f"{what}: {message}", step=index, time=time, residual=residual)


def implicit_step(
    field: Field,
    x0: np.ndarray,
    *,
    step: float,
    solver: Any = "newton",
    project: Callable[[np.ndarray], np.ndarray] | None = None,
    what: str = "implicit step",
    index: int = 0,
    time: float = 0.0,
) -> tuple[np.ndarray, int]:
    """Solve ``x = x0 + step * field(x)`` (or ``x = project(x0 + step * field(x))``).

    Parameters
    ----------
    field : callable
        ``x -> field(x)``, an array of the shape of ``x0``.
    x0 : numpy.ndarray
        The current state; the solution has its shape and dtype.
    step : float
        The signed step (``-tau`` for the descent ``x = x0 - tau grad E(x)``).
    solver : JKOSolver or {"newton", "fixed-point"}
    project : callable, optional
        A projection onto a closed convex set (the fixed-point method only): the step is
        then the minimising movement constrained to that set.
    what, index, time
        The name, step index and time reported by a :class:`SolverError`.

    Returns
    -------
    (numpy.ndarray, int)
        The solution and the number of iterations it took (0 when the explicit
        predictor ``x0 + step * field(x0)`` already met the tolerance).

    Raises
    ------
    SolverError
        When the iteration does not reach the tolerance in ``max_iter`` iterations, leaves
        the finite floats, stalls (Newton) or does not contract even relaxed (fixed point).

    Examples
    --------
    The implicit Euler step of ``x' = -x`` is ``x0 / (1 + tau)``:

    >>> x, _ = implicit_step(lambda x: -x, np.array([1.0, 2.0]), step=0.5)
    >>> np.round(x, 12).tolist()
    [0.666666666667, 1.333333333333]
    >>> implicit_step(lambda x: -x, np.array([1.0]), step=0.5, solver="fixed-point")[1] > 10
    True
    >>> x, _ = implicit_step(lambda x: -x, np.array([1.0]), step=3.0, solver="fixed-point")
    >>> round(float(x[0]), 12)   # relaxed: |step| Lip(field) = 3 > 1
    0.25
    >>> implicit_step(lambda x: x, np.array([1.0]), step=3.0, solver="fixed-point")
    Traceback (most recent call last):
    ...
    limitdyn.errors.SolverError: implicit step: the fixed-point iteration does not \
contract, even relaxed to 1/64; use solver="newton" or a smaller step (step 0, \
cumulative time 0, residual ...)
    """
    s = as_solver(solver)
    x0 = np.asarray(x0)
    if project is not None and s.method == "newton":
        raise InputError("project= needs the fixed-point method")
    if s.method == "newton":
        return _newton(field, x0, float(step), s, what, index, time)
    return _fixed_point(field, x0, float(step), s, project, what, index, time)


def _fixed_point(
    field: Field,
    x0: np.ndarray,
    step: float,
    solver: JKOSolver,
    project: Callable[[np.ndarray], np.ndarray] | None,
    what: str,
    index: int,
    time: float,
) -> tuple[np.ndarray, int]:
    """Relaxed fixed point ``x <- P((1 - theta) x + theta (x0 + step field(x)))``, ``theta``
    halved (from 1 down to ``1/64``) whenever the residual ``|x - P(x0 + step field(x))|``
    stops decreasing or decreases by less than 30% for 5 iterations: the same solutions
    for every ``theta``, a contraction for small ``theta`` when ``x - step field(x)`` is
    strongly monotone (a gradient flow's JKO step whose functional is strongly convex)."""
    thresh = _threshold(solver, x0)
    proj = project if project is not None else (lambda y: y)
    theta, x, best, previous, growing, slow = 1.0, x0, x0, np.inf, 0, 0
    residual = np.inf
    for it in range(solver.max_iter + 1):
        target = x0 + step * field(x)
        full = proj(target).astype(x0.dtype, copy=False)
        residual = float(np.max(np.abs(full - x), initial=0.0)) if it else np.inf
        if not np.isfinite(full).all():
            raise _fail(what, "the fixed-point iterate is not finite", index, time, residual)
        if residual <= thresh:
            return full, it
        growing = growing + 1 if residual >= previous else 0
        slow = slow + 1 if residual > 0.7 * previous else 0
        if residual < previous:
            best = x
        previous = residual
        if growing >= 3 or slow >= 5:
            theta, x = theta / 2, best if growing >= 3 else x
            growing = slow = 0
            previous = np.inf
            if theta < 1 / 64:
                raise _fail(
                    what,
                    "the fixed-point iteration does not contract, even relaxed to 1/64; "
                    'use solver="newton" or a smaller step',
                    index,
                    time,
                    residual,
                )
            continue
        x = full if theta == 1.0 else proj((1 - theta) * x + theta * target).astype(x0.dtype)
    raise _fail(
        what,
        f"the fixed-point iteration did not converge in {solver.max_iter} iterations",
        index,
        time,
        residual,
    )


def _newton(
    field: Field,
    x0: np.ndarray,
    step: float,
    solver: JKOSolver,
    what: str,
    index: int,
    time: float,
) -> tuple[np.ndarray, int]:
    from scipy.sparse.linalg import LinearOperator, gmres

    thresh = _threshold(solver, x0)
    shape, dtype, n = x0.shape, x0.dtype, x0.size
    x = (x0 + step * field(x0)).astype(dtype, copy=False)  # explicit predictor
    h0 = float(np.sqrt(np.finfo(np.float64).eps))
    residual = previous = np.inf
    stalled = 0
    for it in range(solver.max_iter + 1):
        fx = field(x)
        r = x - x0 - step * fx
        residual = float(np.max(np.abs(r), initial=0.0))
        if not np.isfinite(residual) or not np.isfinite(x).all():
            raise _fail(what, "the Newton iterate is not finite", index, time, residual)
        if residual <= thresh:
            return x, it
        stalled = stalled + 1 if residual > 0.5 * previous else 0
        if it == solver.max_iter or stalled >= 4:
            break
        previous = residual
        scale = 1.0 + float(np.max(np.abs(x)))
        xd = x.astype(np.float64)
        fd = fx.astype(np.float64)

        def matvec(v: np.ndarray, xd: np.ndarray = xd, fd: np.ndarray = fd, sc: float = scale):
            v = np.asarray(v, dtype=np.float64).reshape(shape)
            norm = float(np.max(np.abs(v)))
            if norm == 0.0:
                return np.zeros(n)
            h = h0 * sc / norm
            df = (field((xd + h * v).astype(dtype)).astype(np.float64) - fd) / h
            return (v - step * df).ravel()

        op = LinearOperator((n, n), matvec=matvec, dtype=np.float64)
        b = -r.astype(np.float64).ravel()
        delta, info = gmres(op, b, rtol=1e-8, atol=0.0, restart=min(n, 40), maxiter=20)
        if info < 0 or not np.isfinite(delta).all():
            raise _fail(what, "the Newton linear solve (GMRES) failed", index, time, residual)
        x = (xd + delta.reshape(shape)).astype(dtype)
    why = "stalled" if stalled >= 4 else f"did not converge in {solver.max_iter} iterations"
    raise _fail(what, f"Newton {why}", index, time, residual)


# ---------------------------------------------------------------------- model blocks
def regression_jko_block(
    kern: ParticleKernels,
    P: np.ndarray,
    X: np.ndarray,
    Y: np.ndarray,
    hyper: RegressionHyper,
    loss: np.ndarray,
    *,
    solver: JKOSolver,
    first_step: int,
) -> int:
    """``X.shape[0]`` implicit regression steps in place (layouts of ``regression_block``).

    Step ``st`` solves ``P' = P - eta V(P'; X[st], Y[st])`` with ``V`` the kernels'
    ``gen_backward`` of the residual ``gen_forward(P') - Y``; ``loss[st]`` is the batch
    energy at the start of the step, as in the explicit block. Returns the first
    non-finite step, or -1.
    """
    kind, eta = hyper.kind, hyper.eta
    K, m = P.shape[0], X.shape[2]
    G = np.empty((K, m), dtype=P.dtype)
    GP = np.empty_like(P)
    for st in range(X.shape[0]):
        xs, ys = X[st], Y[st]

        def velocity(Q: np.ndarray, xs: np.ndarray = xs, ys: np.ndarray = ys) -> np.ndarray:
            Qc = np.ascontiguousarray(Q, dtype=P.dtype)
            kern.gen_forward(Qc, xs, kind, G)
            kern.gen_backward(Qc, xs, np.ascontiguousarray(G - ys), kind, GP)
            return GP.copy()

        kern.gen_forward(P, xs, kind, G)
        E = G - ys
        loss[st] = 0.5 * float(np.sum(E * E)) / m
        index = first_step + st
        new, _ = implicit_step(
            velocity,
            P.copy(),
            step=-eta,
            solver=solver,
            what="TwoLayerRegression implicit step",
            index=index,
            time=index * eta,
        )
        P[...] = new
        if not np.isfinite(P).all():
            return st
    return -1


def wgan_jko_block(
    kern: ParticleKernels,
    P: np.ndarray,
    W: np.ndarray,
    Zc: np.ndarray,
    Xc: np.ndarray,
    Zg: np.ndarray,
    hyper: WGANHyper,
    loss_c: np.ndarray,
    loss_g: np.ndarray,
    *,
    solver: JKOSolver,
    first_step: int,
    dt: float,
) -> int:
    """``Zg.shape[0]`` WGAN steps with an implicit generator step, in place (SGD only).

    Each step runs the ``n_critic`` explicit projected critic substeps of ``wgan_block``
    (the engine's ``critic_substeps``: ``W <- Proj_Q(W + eta_c gscale_c grad)``), then
    the generator's minimising movement
    ``P' = P + eta_g gscale_g V(P'; W, Zg[st])``, ``V = N d/d theta mean f(g(z))``: the
    JKO step of the generator's cost ``-mean f(g(z))`` at the new critic (Turinici's
    alternating proximal steps, eqs. (8)-(9), with the critic's step explicit). Layouts
    and losses as in ``wgan_block``. Returns the first non-finite step, or -1.
    """
    kind, eta_g, gscale_g = hyper.kind, hyper.eta_g, hyper.gscale_g
    K, m = P.shape[0], Zg.shape[2]
    Gg = np.empty((K, m), dtype=P.dtype)
    E = np.empty((K, m), dtype=P.dtype)
    F = np.empty(m, dtype=P.dtype)
    GP = np.empty_like(P)
    msW = np.zeros_like(W)  # SGD: the second moments are never read
    for st in range(Zg.shape[0]):
        kern.critic_substeps(P, W, msW, Zc, Xc, hyper, loss_c, st)
        zs = Zg[st]

        def velocity(Q: np.ndarray, zs: np.ndarray = zs, W: np.ndarray = W) -> np.ndarray:
            Qc = np.ascontiguousarray(Q, dtype=P.dtype)
            kern.gen_forward(Qc, zs, kind, Gg)
            kern.critic_input_grad(W, Gg, kind, E, F)
            kern.gen_backward(Qc, zs, E, kind, GP)
            return gscale_g * GP

        kern.gen_forward(P, zs, kind, Gg)
        kern.critic_input_grad(W, Gg, kind, E, F)
        loss_g[st] = F.mean()
        index = first_step + st
        new, _ = implicit_step(
            velocity,
            P.copy(),
            step=eta_g,
            solver=solver,
            what="WGAN implicit generator step",
            index=index,
            time=index * dt,
        )
        P[...] = new
        if not (np.isfinite(P).all() and np.isfinite(W).all()):
            return st
    return -1


def regression_jko_advance(
    model: Any, state: Any, batch: tuple[np.ndarray, ...], start: int, stop: int, losses: Any
) -> int:
    """``TwoLayerRegression._advance`` for ``scheme="implicit"``: steps ``start:stop`` of
    the block by :func:`regression_jko_block`, counting the run's steps in ``state.steps``."""
    x, y = batch
    first, state.steps = state.steps, state.steps + stop - start
    return regression_jko_block(
        model._kernels,
        state.P,
        x[start:stop],
        y[start:stop],
        state.hyper,
        losses["energy"],
        solver=model.solver,
        first_step=first,
    )


def wgan_jko_advance(
    model: Any, state: Any, batch: tuple[np.ndarray, ...], start: int, stop: int, losses: Any
) -> int:
    """``WGAN._advance`` for ``scheme="implicit"`` (see :func:`wgan_jko_block`)."""
    zc, xc, zg = batch
    first, state.steps = state.steps, state.steps + stop - start
    return wgan_jko_block(
        model._kernels,
        state.P,
        state.W,
        zc[start:stop],
        xc[start:stop],
        zg[start:stop],
        state.hyper,
        losses["critic"],
        losses["generator"],
        solver=model.solver,
        first_step=first,
        dt=model.dt,
    )
