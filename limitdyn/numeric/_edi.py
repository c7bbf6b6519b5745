"""Energy-dissipation identities of Turinici's dual flows, and de Giorgi interpolation.

:func:`edi_residual` measures how far a curve is from being a (dual) gradient flow, by the
EDI of Turinici (arXiv:2012.10410) eqs. (12)-(15), (21): for a gradient flow of ``E``,

``R(t) = E(x_t) - E(x_0) + 1/2 int_0^t |x'|^2 + 1/2 int_0^t |grad E|^2 (x_r) dr``

(eq. (14); ``R >= 0`` for every curve by Young's inequality, eq. (12), with equality
exactly along the flow), and for a dual flow with costs ``(C^x, C^y)``

``R(t) = Upsilon(z, 0, t) + 1/2 int (|x'|^2 + |y'|^2) + 1/2 int (|grad_1 C^x|^2 + |grad_2 C^y|^2)``

(eq. (21)), ``Upsilon = Upsilon^x + Upsilon^y`` summed on the trajectory's own partition
``t_0 < t_1 < ...`` (eq. (18)): ``Upsilon^x = sum_k C^x(x_{k+1}, y_k) - C^x(x_k, y_k)`` and
``Upsilon^y = sum_k C^y(x_k, y_{k+1}) - C^y(x_k, y_k)`` (the other player held at the
partition point ``t_k`` in both). The curve between samples is the piecewise-linear
interpolant, whose metric derivative is ``|z_{k+1} - z_k| / (t_{k+1} - t_k)``; slope and
speed integrals use Gauss-Legendre quadrature on each piece. In a metric ``G`` (a
Riemannian or natural-gradient scheme) ``|x'|^2 = x'^T G x'`` and
``|grad E|^2 = grad E^T G^{-1} grad E``.

:func:`de_giorgi` is the interpolation (28) of the implicit iterates, which Theorem 1
proves converges to an EDI flow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from .._display import dataframe, html_table
from .._engine import Engine, get_engine
from .._model_checks import as_expr
from .._scheme import Scheme
from .._validate import positive_float, positive_int
from ..errors import InputError, SchemeError, SolverError
from ._codegen import _checked, _print_block, _renaming, _stand_in
from ._compile import _NUMPY, _import_generated, _module_text, compile_scheme
from ._inputs import parameter_vector, state_vector, step_sizes
from ._printer import check_source
from ._trajectory import Trajectory

__all__ = ["EDIResidual", "de_giorgi", "edi_residual"]


# -- evaluation of expressions at many points (generated code, never lambdify) ----------


def _evaluator(
    exprs: Sequence[sp.Expr], variables: Sequence[sp.Symbol], parameters: Sequence[sp.Symbol]
) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """``f(y (n, d), p) -> (n, k)``: the expressions at each row of ``y``."""
    rename, names = _renaming(variables, parameters, None)
    body = [_stand_in(e, rename) for e in exprs]
    _checked(body, names, [f"the energy identity (entry {i})" for i in range(len(body))])
    head = [f"        v{i} = y[k, {i}]" for i in range(len(variables))]
    pars = [f"    p{j} = p[{j}]" for j in range(len(parameters))]
    lines = ["def rhs(t, y, p):", *pars, "    n = y.shape[0]"]
    lines += [f"    out = np.empty((n, {len(body)}))", "    for k in range(n):", *head]
    targets = [f"out[k, {i}]" for i in range(len(body))]
    lines += _print_block(body, targets, "        ", "c", names)
    lines.append("    return out")
    source = "\n".join(lines) + "\n"
    check_source(source)
    fn = _import_generated(_module_text(_NUMPY, source)).rhs

    def evaluate(y: np.ndarray, p: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.asarray(fn(0.0, np.ascontiguousarray(y, dtype=float), p))

    return evaluate


# -- the result ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class EDIResidual:
    """The EDI residual of a curve, cumulative from its start.

    Attributes
    ----------
    times : ndarray, shape (n + 1,)
        The trajectory's times.
    values : ndarray, shape (n + 1,)
        ``R(t_k)`` (``values[0] = 0``): energy change (or ``Upsilon``) plus the two halves.
    energy : ndarray, shape (n + 1,)
        The cumulative energy change ``E(x_t) - E(x_0)`` (dual flows: ``Upsilon(z, 0, t)``).
    speed : ndarray, shape (n + 1,)
        ``1/2 int_0^t |z'|^2``.
    slope : ndarray, shape (n + 1,)
        ``1/2 int_0^t |grad|^2``.
    kind : str
        ``"gradient flow"`` or ``"dual flow"``.
    label : str
        The trajectory's label.
    """

    times: np.ndarray
    values: np.ndarray
    energy: np.ndarray
    speed: np.ndarray
    slope: np.ndarray
    kind: str
    label: str = ""

    def __post_init__(self) -> None:
        for a in (self.times, self.values, self.energy, self.speed, self.slope):
            a.setflags(write=False)

    @property
    def final(self) -> float:
        """``R`` at the last time."""
        return float(self.values[-1])

    @property
    def scale(self) -> float:
        """``max(speed, slope)`` at the last time: the size the residual is small against."""
        return float(max(self.speed[-1], self.slope[-1]))

    def __repr__(self) -> str:
        return (
            f"EDIResidual({self.kind}{', ' + self.label if self.label else ''}: "
            f"R = {self.final:.6g} at t = {self.times[-1]:.6g}, against "
            f"1/2 int |z'|^2 = {self.speed[-1]:.6g})"
        )

    def _columns(self) -> dict[str, Any]:
        return {
            "t": self.times,
            "residual": self.values,
            "energy": self.energy,
            "speed": self.speed,
            "slope": self.slope,
        }

    def _repr_html_(self) -> str:
        return html_table(repr(self), self._columns())

    def to_dataframe(self) -> Any:
        """A pandas DataFrame: ``t``, ``residual``, ``energy``, ``speed``, ``slope``.

        Examples
        --------
        >>> import numpy as np, sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> flow = ld.integrate(ld.ODE([x], [-x]), [1.0], t_eval=np.linspace(0, 1, 2001))
        >>> df = ld.edi_residual(flow, x**2 / 2).to_dataframe()
        >>> list(df.columns), len(df)
        (['t', 'residual', 'energy', 'speed', 'slope'], 2001)
        >>> # zero along the gradient flow (Turinici eq. (14))
        >>> bool(df["residual"].abs().max() < 1e-7)
        True
        """
        return dataframe(self._columns())

    def plot(self, *, ax: Any = None, **kwargs: Any) -> Any:
        """The residual and its parts against time; see
        :func:`limitdyn.plotting.plot_edi_residual`.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> gd = ld.iterate(ld.explicit([-x], [x]), [1.0], tau=0.1, t_end=1.0)
        >>> res = ld.edi_residual(gd, x**2 / 2)
        >>> ax = res.plot()
        >>> float(ax.lines[0].get_ydata()[-1]) == res.final
        True
        """
        from ..plotting import plot_edi_residual

        return plot_edi_residual(self, ax=ax, **kwargs)


# -- edi_residual ---------------------------------------------------------------------------


def _metric_list(metric: Any, blocks: list[tuple[sp.Symbol, ...]]) -> list[sp.Matrix | None]:
    if metric is None:
        return [None] * len(blocks)
    metrics = [metric] if len(blocks) == 1 else list(metric)
    if len(metrics) != len(blocks):
        raise InputError(f"metric: give one per player ({len(blocks)}), or None")
    out: list[sp.Matrix | None] = []
    for G, vs in zip(metrics, blocks):
        if G is None:
            out.append(None)
            continue
        M = sp.Matrix(G)
        if M.shape != (len(vs), len(vs)):
            raise InputError(f"metric of {vs}: shape {M.shape}, expected {(len(vs), len(vs))}")
        out.append(M)
    return out


def _gl(nodes: int) -> tuple[np.ndarray, np.ndarray]:
    x, w = np.polynomial.legendre.leggauss(nodes)
    return 0.5 * (x + 1.0), 0.5 * w


def _norms(
    values: np.ndarray, vectors: np.ndarray, metric: np.ndarray | None, *, inverse: bool
) -> np.ndarray:
    """``v^T G v`` (or ``v^T G^{-1} v``) row by row; Euclidean when ``metric`` is None."""
    if metric is None:
        return np.einsum("ni,ni->n", vectors, vectors)
    if inverse:
        solved = np.linalg.solve(metric, vectors[..., None])[..., 0]
        return np.einsum("ni,ni->n", vectors, solved)
    return np.einsum("ni,nij,nj->n", vectors, metric, vectors)


def edi_residual(
    trajectory: Trajectory,
    energy: Any,
    *,
    blocks: Any = None,
    metric: Any = None,
    params: Any = None,
    nodes: int = 3,
) -> EDIResidual:
    """The energy-dissipation residual of a sampled curve (Turinici eqs. (14), (21)).

    Parameters
    ----------
    trajectory : Trajectory
        The curve, from :func:`~limitdyn.iterate`, :func:`~limitdyn.integrate` or
        :func:`de_giorgi`; piecewise linear between its samples.
    energy : Expr or (Expr, Expr)
        ``E`` for a gradient flow, or the costs ``(C^x, C^y)`` of a dual flow (then
        ``blocks`` is required).
    blocks : (x_vars, y_vars), optional
        The players' variables (each a Symbol or a sequence), among the trajectory's.
    metric : Matrix or (Matrix, Matrix), optional
        ``G`` (gradient flow) or ``(G_x, G_y)`` (None entries Euclidean): speeds and slopes
        are measured in it (as for :func:`~limitdyn.proximal`).
    params : mapping, optional
        Values of the parameters of the energy and metrics.
    nodes : int
        Gauss-Legendre nodes per piece (3: exact for slopes of cubic energies).

    Returns
    -------
    EDIResidual
        ``.values`` cumulative (one per trajectory time), ``.final``.

    Raises
    ------
    InputError
        A trajectory that is not one, times that do not increase, blocks that are not the
        trajectory's variables, a metric of the wrong shape, missing parameters.

    Examples
    --------
    Along the gradient flow of ``E = x^2/2`` (sampled finely) the residual vanishes; along
    gradient descent it is positive and of order ``tau^2``:

    >>> import numpy as np, sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> flow = ld.integrate(ld.ODE([x], [-x]), [1.0], t_eval=np.linspace(0, 1, 2001))
    >>> abs(ld.edi_residual(flow, x**2 / 2).final) < 1e-7
    True
    >>> gd = ld.iterate(ld.explicit([-x], [x]), [1.0], tau=0.1, t_end=1.0)
    >>> round(ld.edi_residual(gd, x**2 / 2).final, 5)  # tau^3/6 sum_n 0.81^n
    0.00077
    """
    if not isinstance(trajectory, Trajectory):
        raise InputError(f"expected a Trajectory, got {type(trajectory).__name__}")
    nodes = positive_int(nodes, "nodes")
    t = np.asarray(trajectory.t, dtype=float)
    z = np.asarray(trajectory.z, dtype=float)
    if t.size < 2:
        raise InputError("edi_residual needs a trajectory of at least two states")
    dt = np.diff(t)
    if not np.all(dt > 0):
        raise InputError("the trajectory's times must increase strictly")
    variables = tuple(trajectory.variables)
    dual = isinstance(energy, (tuple, list))
    if dual:
        if len(energy) != 2 or blocks is None:
            raise InputError("a dual flow needs energy=(cost_x, cost_y) and blocks=(x, y)")
        costs = [as_expr(c, where=f"cost {w}") for c, w in zip(energy, "xy")]
        if not isinstance(blocks, (tuple, list)) or len(blocks) != 2:
            raise InputError("blocks must be (x_vars, y_vars)")
        groups = [tuple(b) if isinstance(b, (tuple, list)) else (b,) for b in blocks]
    else:
        if blocks is not None:
            raise InputError("blocks are for dual flows: give energy=(cost_x, cost_y)")
        costs = [as_expr(energy, where="energy")]
        groups = [variables]
    cols = []
    for g in groups:
        cols.append([trajectory.column(v) for v in g])
    if dual and set(cols[0]) & set(cols[1]):
        raise InputError("blocks share a variable")
    metrics = _metric_list(metric, groups)
    sym = [variables[i] for i in range(len(variables))]
    exprs: list[sp.Expr] = list(costs)
    for c, g in zip(costs, groups):
        exprs += [sp.diff(c, sym[trajectory.column(v)]) for v in g]
    for G in metrics:
        if G is not None:
            exprs += list(G)
    free = set().union(*(e.free_symbols for e in exprs)) - set(variables)
    parameters = tuple(sorted(free, key=lambda s: s.name))
    p = parameter_vector(params, parameters)
    f = _evaluator(exprs, variables, parameters)

    # quadrature nodes on every piece
    s, w = _gl(nodes)
    dz = np.diff(z, axis=0)
    pts = (z[:-1, None, :] + s[None, :, None] * dz[:, None, :]).reshape(-1, z.shape[1])
    vals = f(pts, p)
    speed = np.zeros(len(dt))
    slope = np.zeros(len(dt))
    offset = len(costs)
    moffset = offset + sum(len(g) for g in groups)
    for b, (g, col) in enumerate(zip(groups, cols)):
        grad = vals[:, offset : offset + len(g)]
        offset += len(g)
        G = None
        if metrics[b] is not None:
            k = len(g) ** 2
            G = vals[:, moffset : moffset + k].reshape(-1, len(g), len(g))
            moffset += k
        v = np.repeat(dz[:, col] / dt[:, None], nodes, axis=0)
        sq_v = _norms(vals, v, G, inverse=False).reshape(-1, nodes)
        sq_g = _norms(vals, grad, G, inverse=True).reshape(-1, nodes)
        speed += 0.5 * dt * (sq_v @ w)
        slope += 0.5 * dt * (sq_g @ w)
    if dual:
        x_col, y_col = cols
        moved_x = z[:-1].copy()
        moved_x[:, x_col] = z[1:, x_col]
        moved_y = z[:-1].copy()
        moved_y[:, y_col] = z[1:, y_col]
        at_k = f(z[:-1], p)
        change = (f(moved_x, p)[:, 0] - at_k[:, 0]) + (f(moved_y, p)[:, 1] - at_k[:, 1])
    else:
        change = np.diff(f(z, p)[:, 0])
    cum = [np.concatenate([[0.0], np.cumsum(a)]) for a in (change, speed, slope)]
    values = cum[0] + cum[1] + cum[2]
    if not np.all(np.isfinite(values)):
        raise InputError("the energy identity is not finite along this trajectory")
    return EDIResidual(
        times=t.copy(),
        values=values,
        energy=cum[0],
        speed=cum[1],
        slope=cum[2],
        kind="dual flow" if dual else "gradient flow",
        label=trajectory.label,
    )


# -- de Giorgi interpolation (28) -------------------------------------------------------------


def de_giorgi(
    scheme: Scheme,
    z0: Any,
    *,
    tau: float,
    steps: int | None = None,
    t_end: float | None = None,
    substeps: int = 8,
    params: Any = None,
    engine: str | Engine = "auto",
    tol: float = 1e-12,
    maxiter: int = 50,
) -> Trajectory:
    """The de Giorgi interpolation (Turinici eq. (28)) of a scheme's iterates.

    For ``t = k tau + s``, ``0 < s <= tau``, each stage's targets take the value of that
    stage with step ``s`` applied to the state after the earlier stages' full steps: for
    :func:`~limitdyn.game` ``(order="x-first")``, ``x_t = M^x(x_k, y_k, s)`` and
    ``y_t = M^y(x_{k+1}, y_k, s)``, exactly (28). At ``s = tau`` the curve passes through
    the iterates.

    Parameters
    ----------
    scheme : Scheme
        A one-step scheme in which every variable is updated by at most one stage.
    z0 : array_like or mapping
        Start.
    tau : float
        Step size, with ``steps`` or ``t_end`` (a multiple of ``tau``).
    substeps : int
        Points per step (``s = tau j / substeps``, ``j = 1..substeps``).
    params, engine, tol, maxiter
        As for :func:`~limitdyn.iterate`.

    Returns
    -------
    Trajectory
        ``steps * substeps + 1`` states.

    Raises
    ------
    SchemeError
        A variable updated by two stages (repeats), a two-step scheme.
    SolverError
        An implicit stage did not converge.

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> curve = ld.de_giorgi(ld.proximal(x**2 / 2, [x]), [1.0], tau=0.5, steps=2, substeps=2)
    >>> [round(float(v), 6) for v in curve.z[:, 0]]  # x_t = x_k / (1 + s)
    [1.0, 0.8, 0.666667, 0.533333, 0.444444]
    """
    if not isinstance(scheme, Scheme):
        raise SchemeError(f"de_giorgi needs a one-step Scheme, got {type(scheme).__name__}")
    seen: set[sp.Symbol] = set()
    for stage in scheme.stages:
        if seen & set(stage.targets):
            raise SchemeError(
                "de_giorgi: a variable is updated by two stages (repeats); the interpolation "
                "(28) needs one stage per player"
            )
        seen |= set(stage.targets)
    h = positive_float(tau, "tau")
    m = positive_int(substeps, "substeps")
    hs, _, n = step_sizes(tau=h, steps=steps, t_end=t_end, schedule=None)
    if not np.allclose(hs, h):
        raise InputError("de_giorgi needs t_end to be a multiple of tau")
    p = parameter_vector(params, scheme.parameters, step=scheme.step)
    z = state_vector(z0, scheme.variables)
    eng = get_engine(engine)
    singles = [
        compile_scheme(Scheme(scheme.variables, (stage,), scheme.step), eng)
        for stage in scheme.stages
    ]
    index = {v: i for i, v in enumerate(scheme.variables)}
    tolerance = positive_float(tol, "tol")
    iterations = positive_int(maxiter, "maxiter")
    d = scheme.dim
    out2, t2 = np.empty((2, d)), np.zeros(2)
    size = max(c.newton_size for c in singles)
    A, b = np.empty((size, size)), np.empty(size)
    fractions = np.arange(1, m + 1) / m
    states = [z.copy()]
    times = [0.0]

    def apply(c: Any, start: np.ndarray, step: float, k: int) -> np.ndarray:
        status, _, residual = c.run(
            start, p, np.array([step]), 0, out2, t2, tolerance, iterations, A, b
        )
        if status != 0:
            raise SolverError(
                "de_giorgi: a stage did not converge or left the finite floats",
                step=k,
                time=k * h,
                residual=float(residual),
            )
        return out2[1].copy()

    for k in range(n):
        curve = np.repeat(z[None, :], m, axis=0)
        before = z.copy()
        for stage, c in zip(scheme.stages, singles):
            cols = [index[t] for t in stage.targets]
            for j, frac in enumerate(fractions):
                curve[j, cols] = apply(c, before, frac * h, k)[cols]
            before = before.copy()
            before[cols] = curve[-1, cols]  # s = tau: the full step of this stage
        states.extend(curve)
        times.extend(k * h + fractions * h)
        z = before
    return Trajectory(
        scheme.variables,
        np.asarray(times),
        np.asarray(states),
        label=f"de Giorgi interpolation of {scheme.name or 'the scheme'}",
    )
