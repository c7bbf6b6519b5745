"""The metric of a proximal step: validation, and the step's optimality residual.

A minimising-movement step ``argmin_u d(u, x)^2 / (2 h) + C(u)`` is, for a smooth cost,
the root of its optimality condition. This module builds that condition for the metrics
limitdyn knows:

- Euclidean (``metric=None``): ``(u - x) + h grad C(u) = 0``;
- a constant symmetric positive-definite matrix ``G``: ``G (u - x) + h grad C(u) = 0``,
  the Euclidean step in the coordinates ``G^{1/2} x``;
- a matrix ``G(z)`` in the variables (Riemannian): the quadratic form of ``G`` at the
  current point, ``G(x) (u - x) + h grad C(u) = 0``;
- a Bregman potential ``phi``: ``argmin_u D_phi(u, x) / h + C(u)``, i.e.
  ``grad phi(u) - grad phi(x) + h grad C(u) = 0`` (mirror descent, implicit form).

It also builds the stages of a two-player game whose players step in their own metrics.
Stages are returned as plain tuples, so that :mod:`limitdyn._scheme` (which builds the
stage objects) can import this module without a cycle. Everything here is exact SymPy;
every failure is a :class:`~limitdyn.errors.SchemeError` naming the piece.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from ._model_checks import _is_zero, as_expr
from .errors import SchemeError

__all__ = [
    "StageSpec",
    "as_metric",
    "bregman_metric",
    "game_stage_specs",
    "step_spec",
]

#: ``(targets, unknowns, expressions, label)``: an implicit stage (``unknowns`` non-empty,
#: ``expressions`` its residual) or an explicit one (``unknowns == ()``, its new values)
StageSpec = tuple[tuple[sp.Symbol, ...], tuple[sp.Symbol, ...], tuple[sp.Expr, ...], str]


def _point(at: Any, variables: tuple[sp.Symbol, ...], where: str) -> dict[sp.Symbol, sp.Expr]:
    """``at`` as ``{symbol: exact value}``: a sequence aligned with the variables, or a
    mapping keyed by Symbols or their names (variables and, if needed, parameters)."""
    if isinstance(at, Mapping):
        out: dict[sp.Symbol, sp.Expr] = {}
        for key, value in at.items():
            name = key.name if isinstance(key, sp.Symbol) else key
            if not isinstance(name, str):
                raise SchemeError(f"{where}: the key {key!r} of at= is not a Symbol or a name")
            sym = key if isinstance(key, sp.Symbol) else sp.Symbol(name)
            out[sym] = as_expr(value, where=f"{where}: at[{name}]")
        return out
    if isinstance(at, (str, bytes)) or not hasattr(at, "__len__"):
        raise SchemeError(f"{where}: at= must be a sequence of values or a mapping")
    if len(at) != len(variables):
        raise SchemeError(f"{where}: at= has {len(at)} values for {len(variables)} variables")
    return {v: as_expr(a, where=f"{where}: at[{v}]") for v, a in zip(variables, at)}


def _by_name(expr: sp.Expr, values: dict[sp.Symbol, sp.Expr]) -> sp.Expr:
    """Substitute values keyed by Symbols, matching symbols of the expression by name."""
    names = {s.name: v for s, v in values.items()}
    return expr.xreplace({s: names[s.name] for s in expr.free_symbols if s.name in names})


def _check_positive_definite(
    G: sp.ImmutableMatrix, variables: tuple[sp.Symbol, ...], at: Any, where: str
) -> None:
    """Leading principal minors (Sylvester's criterion) positive at ``at`` (or provably
    positive everywhere when ``at`` is None)."""
    d = G.shape[0]
    if at is not None:
        point = _point(at, variables, where)
        shown = ", ".join(f"{k} = {v}" for k, v in point.items())
        M = sp.Matrix(d, d, [_by_name(e, point) for e in G])
        left = sorted({s.name for s in M.free_symbols})
        if left:
            raise SchemeError(
                f"{where} at ({shown}) still depends on {', '.join(left)}; give their values in at="
            )
        for k in range(1, d + 1):
            minor = M[:k, :k].det()
            if not minor.is_extended_real or not bool(minor > 0):
                raise SchemeError(
                    f"{where} is not positive definite at ({shown}): its leading minor of "
                    f"size {k} is {minor}"
                )
        return
    for k in range(1, d + 1):
        minor = sp.factor(G[:k, :k].det())
        if minor.is_positive:
            continue
        if minor.is_nonpositive or (minor.is_number and not bool(minor > 0)):
            raise SchemeError(
                f"{where} is not positive definite: its leading minor of size {k} is {minor}"
            )
        raise SchemeError(
            f"{where}: cannot decide that it is positive definite everywhere (its leading "
            f"minor of size {k} is {minor}); give the start point, at=[...], to check it there"
        )


def as_metric(
    metric: Any, variables: tuple[sp.Symbol, ...], *, step: sp.Symbol, at: Any, where: str
) -> sp.ImmutableMatrix:
    """A validated metric: square of the variables' size, free of the step, symmetric
    (identically), positive definite at ``at`` (or provably everywhere without ``at``).

    Examples
    --------
    >>> from limitdyn import tau
    >>> m, s = sp.symbols("m s")
    >>> as_metric(sp.diag(1 / s**2, 2 / s**2), (m, s), step=tau, at=[0, 1], where="metric")
    Matrix([
    [s**(-2),       0],
    [      0, 2/s**2]])
    >>> as_metric(sp.Matrix([[1, 2], [2, 1]]), (m, s), step=tau, at=None, where="metric")
    Traceback (most recent call last):
    ...
    limitdyn.errors.SchemeError: metric is not positive definite: its leading minor of size 2 is -3
    """
    if isinstance(metric, (str, bytes)):
        raise SchemeError(f"{where}: got a string; give a SymPy Matrix (strings are never parsed)")
    try:
        M = sp.ImmutableMatrix(metric)
    except (TypeError, ValueError, sp.SympifyError):
        raise SchemeError(f"{where}: {type(metric).__name__} is not a matrix") from None
    d = len(variables)
    if M.shape != (d, d):
        raise SchemeError(
            f"{where} is not square of the size of its {d} variables: shape {M.shape}"
        )
    entries = [as_expr(e, where=f"{where}, entry {divmod(k, d)}") for k, e in enumerate(M)]
    M = sp.ImmutableMatrix(d, d, entries)
    if step in M.free_symbols:
        raise SchemeError(f"{where} depends on the step {step}; a metric does not")
    for i in range(d):
        for j in range(i + 1, d):
            if not _is_zero(M[i, j] - M[j, i]):
                raise SchemeError(
                    f"{where} is not symmetric: entry ({i}, {j}) is {M[i, j]} but entry "
                    f"({j}, {i}) is {M[j, i]}"
                )
    _check_positive_definite(M, variables, at, where)
    return M


def bregman_metric(
    phi: Any, variables: tuple[sp.Symbol, ...], *, step: sp.Symbol, at: Any
) -> tuple[sp.Expr, sp.ImmutableMatrix]:
    """``(phi, Hessian of phi)``, the potential checked strictly convex at ``at``."""
    p = as_expr(phi, where="bregman potential")
    if step in p.free_symbols:
        raise SchemeError(f"bregman potential depends on the step {step}")
    hess = sp.ImmutableMatrix(sp.hessian(p, variables))
    where = f"bregman potential {p} (its Hessian: strict convexity)"
    _check_positive_definite(hess, variables, at, where)
    return p, hess


def _gradient(cost: sp.Expr, variables: tuple[sp.Symbol, ...]) -> sp.Matrix:
    return sp.Matrix([sp.diff(cost, v) for v in variables])


def step_spec(
    cost: sp.Expr,
    variables: tuple[sp.Symbol, ...],
    h: sp.Expr,
    *,
    metric: sp.ImmutableMatrix | None = None,
    phi: sp.Expr | None = None,
    implicit: bool = True,
    label: str = "",
    others: Mapping[sp.Symbol, sp.Symbol] | None = None,
) -> StageSpec:
    """One player's step on ``variables``.

    Implicit: the optimality residual of the proximal (or Bregman) step, the cost's
    gradient at the new values (and at ``others``, new values of the other variables, for
    a joint step; else the other variables keep their current values). Explicit: the
    natural-gradient (or mirror) step ``x+ = x - h G(x)^{-1} grad C(x)``, ``G = Hess phi``
    for a Bregman potential.
    """
    grad = _gradient(cost, variables)
    x = sp.Matrix(variables)
    G = metric
    if phi is not None:
        G = sp.ImmutableMatrix(sp.hessian(phi, variables))
    if not implicit:
        direction = grad if G is None else sp.Matrix(G).LUsolve(grad)
        return variables, (), tuple(sp.Matrix(x - h * direction)), label
    unknowns = tuple(sp.Dummy(f"{v.name}_new") for v in variables)
    u = sp.Matrix(unknowns)
    new = {**(others or {}), **dict(zip(variables, unknowns))}
    grad_new = grad.xreplace(new)
    if phi is not None:
        dphi = _gradient(phi, variables)
        residual = dphi.xreplace(dict(zip(variables, unknowns))) - dphi + h * grad_new
    elif G is None:
        residual = u - x + h * grad_new
    else:
        residual = sp.Matrix(G) * (u - x) + h * grad_new
    return variables, unknowns, tuple(residual), label


def _joint_spec(players: list[Any], step: sp.Symbol, implicit: bool) -> StageSpec:
    """Both players' steps from the same old state, as one stage (simultaneous); implicit:
    one joint proximal step, each gradient at both players' new values."""
    if not implicit:
        specs = [step_spec(c, vs, r * step, metric=G, implicit=False) for c, vs, G, r, _ in players]
        targets = tuple(t for s in specs for t in s[0])
        return targets, (), tuple(e for s in specs for e in s[2]), "all blocks"
    first = step_spec(players[0][0], players[0][1], players[0][3] * step, metric=players[0][2])
    second = step_spec(
        players[1][0],
        players[1][1],
        players[1][3] * step,
        metric=players[1][2],
        others=dict(zip(first[0], first[1])),
    )
    # the first player's gradient at the second player's new values as well
    back = dict(zip(second[0], second[1]))
    x_old = sp.Matrix(first[0])
    u = sp.Matrix(first[1])
    G = players[0][2]
    grad = _gradient(players[0][0], first[0]).xreplace({**dict(zip(first[0], first[1])), **back})
    lead = (u - x_old if G is None else sp.Matrix(G) * (u - x_old)) + players[0][3] * step * grad
    return (
        first[0] + second[0],
        first[1] + second[1],
        tuple(lead) + second[2],
        "all blocks",
    )


def game_stage_specs(
    cost_x: sp.Expr,
    cost_y: sp.Expr,
    xs: tuple[sp.Symbol, ...],
    ys: tuple[sp.Symbol, ...],
    *,
    metric: Any,
    at: Any,
    order: str,
    implicit: bool,
    rates: Any,
    repeats: Any,
    step: sp.Symbol,
) -> list[StageSpec]:
    """The stages of Turinici's dual-flow scheme (8)-(9) with each player in its own metric.

    ``metric = (G_x, G_y)``, each None (Euclidean) or a matrix in the game's variables;
    ``at`` the start point of the whole state (x then y), where both are checked.
    """
    if isinstance(metric, (str, bytes)) or not hasattr(metric, "__len__") or len(metric) != 2:
        raise SchemeError("metric: give one metric per player, metric=(G_x, G_y)")
    state = xs + ys
    point = None if at is None else _point(at, state, "metric")
    metrics = [
        None if G is None else as_metric(G, vs, step=step, at=point, where=f"metric of {who}")
        for G, vs, who in zip(metric, (xs, ys), ("x", "y"))
    ]
    rate = [sp.S.One, sp.S.One] if rates is None else list(rates)
    rep = [1, 1] if repeats is None else list(repeats)
    players = [(cost_x, xs, metrics[0], rate[0], "x"), (cost_y, ys, metrics[1], rate[1], "y")]
    if order == "simultaneous":
        return [_joint_spec(players, step, implicit)]
    if order == "y-first":
        players.reverse()
        rep = rep[::-1]
    out: list[StageSpec] = []
    for (c, vs, G, r, who), n in zip(players, rep):
        spec = step_spec(c, vs, r * step, metric=G, implicit=implicit, label=f"player {who}")
        out += [spec] * n
    return out
