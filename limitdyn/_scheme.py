"""Schemes: discrete update rules with a step size, as exact SymPy objects.

A :class:`Scheme` is a sequence of stages applied in order; a later stage sees
the values that earlier stages produced. A stage is explicit (new values as
expressions of the current ones) or implicit (a residual in the current values
and placeholders for the new ones, solved for the placeholders).
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import sympy as sp

from ._model_checks import (
    as_entries,
    as_expr,
    as_exprs,
    as_field,
    as_flag,
    as_items,
    as_name,
    as_rates,
    as_repeats,
    as_symbols,
    check_distinct_names,
    check_step,
    free_symbols_of,
)
from ._model_checks import (
    step0_drift as step0_drift,  # re-exported: the symbolic layer's consistency check
)
from .errors import SchemeError

__all__ = [
    "ExplicitStage",
    "ImplicitStage",
    "Scheme",
    "Stage",
    "alternating",
    "explicit",
    "from_map",
    "game",
    "implicit",
    "simultaneous",
    "tau",
]

#: The default step symbol (learning rate).
tau = sp.Symbol("tau", positive=True)


class Stage(abc.ABC):
    """One stage of a scheme: updates ``targets`` from the current state."""

    kind: ClassVar[str]
    targets: tuple[sp.Symbol, ...]
    label: str

    @abc.abstractmethod
    def expressions(self) -> tuple[sp.Expr, ...]:
        """All SymPy expressions of the stage (for free-symbol bookkeeping).

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> explicit_stage, = ld.explicit([-x], [x]).stages
        >>> explicit_stage.expressions()
        (-tau*x + x,)
        >>> implicit_stage, = ld.implicit([-x], [x]).stages
        >>> implicit_stage.expressions()
        (_x_new*tau + _x_new - x,)
        """

    @property
    def placeholders(self) -> tuple[sp.Symbol, ...]:
        """Symbols standing for the unknown new values (implicit stages only)."""
        return ()


@dataclass(frozen=True)
class ExplicitStage(Stage):
    """``targets <- values`` where ``values`` are expressions of the current state.

    Parameters
    ----------
    targets : tuple of Symbol
        The variables this stage updates.
    values : tuple of Expr
        Their new values, in the current values of all variables, the step and parameters.
    label : str
        A name shown in reprs.
    """

    kind: ClassVar[str] = "explicit"
    targets: tuple[sp.Symbol, ...]
    values: tuple[sp.Expr, ...]
    label: str = ""

    def __post_init__(self) -> None:
        where = _stage_where(self.label)
        targets = as_symbols(self.targets, where=f"{where} targets")
        values = _stage_exprs(self.values, where=f"{where} values")
        if len(values) != len(targets):
            raise SchemeError(f"{where}: {len(values)} values for {len(targets)} targets")
        object.__setattr__(self, "targets", targets)
        object.__setattr__(self, "values", values)

    def expressions(self) -> tuple[sp.Expr, ...]:
        return self.values


@dataclass(frozen=True)
class ImplicitStage(Stage):
    """``targets <- w`` where ``w`` solves ``residual(z, w) = 0``.

    Parameters
    ----------
    targets : tuple of Symbol
        The variables this stage updates.
    unknowns : tuple of Symbol
        Placeholders for the new values of ``targets`` inside ``residual``.
    residual : tuple of Expr
        ``R(z, w)``; at step 0 it must vanish at ``w = z[targets]``.
    label : str
        A name shown in reprs.
    """

    kind: ClassVar[str] = "implicit"
    targets: tuple[sp.Symbol, ...]
    unknowns: tuple[sp.Symbol, ...]
    residual: tuple[sp.Expr, ...]
    label: str = ""

    def __post_init__(self) -> None:
        where = _stage_where(self.label)
        targets = as_symbols(self.targets, where=f"{where} targets")
        unknowns = as_symbols(self.unknowns, where=f"{where} unknowns")
        residual = _stage_exprs(self.residual, where=f"{where} residual")
        if not (len(unknowns) == len(targets) == len(residual)):
            raise SchemeError(
                f"{where}: {len(targets)} targets, {len(unknowns)} unknowns and "
                f"{len(residual)} residuals differ in length"
            )
        if set(unknowns) & set(targets):
            raise SchemeError(f"{where}: an unknown is also a target; use new symbols")
        object.__setattr__(self, "targets", targets)
        object.__setattr__(self, "unknowns", unknowns)
        object.__setattr__(self, "residual", residual)

    def expressions(self) -> tuple[sp.Expr, ...]:
        return self.residual

    @property
    def placeholders(self) -> tuple[sp.Symbol, ...]:
        return self.unknowns


def _stage_where(label: Any) -> str:
    return f"stage {as_name(label, where='stage label') or '?'}"


def _stage_exprs(values: Any, *, where: str) -> tuple[sp.Expr, ...]:
    return as_exprs(as_entries(values, where=where), where=where)


@dataclass(frozen=True)
class Scheme:
    """A one-step discrete update rule ``z_{n+1} = Phi_tau(z_n)``.

    Build schemes with :func:`explicit`, :func:`implicit`, :func:`alternating`,
    :func:`simultaneous`, :func:`game` or :func:`from_map` rather than by hand.

    Parameters
    ----------
    variables : tuple of Symbol
        The state, in the order used by numeric arrays.
    stages : tuple of Stage
        Applied in order.
    step : Symbol
        The step size symbol (default :data:`tau`).
    name : str
        A short description.

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> s = ld.explicit([-x**2], [x])
    >>> s.map()
    {x: -tau*x**2 + x}
    """

    variables: tuple[sp.Symbol, ...]
    stages: tuple[Stage, ...]
    step: sp.Symbol = tau
    name: str = ""

    def __post_init__(self) -> None:
        variables = as_symbols(self.variables, where="Scheme variables")
        object.__setattr__(self, "variables", variables)
        stages = tuple(as_entries(self.stages, where="Scheme stages", what="stages"))
        object.__setattr__(self, "stages", stages)
        step = check_step(self.step)
        as_name(self.name, where="Scheme name")
        if step in variables:
            raise SchemeError(f"the step symbol {step} is also listed among the variables")
        if not stages:
            raise SchemeError("a scheme needs at least one stage")
        known = set(variables)
        for i, stage in enumerate(stages):
            if not isinstance(stage, Stage):
                raise SchemeError(f"stage {i} is {type(stage).__name__}, not a Stage")
            for t in stage.targets:
                if t not in known:
                    raise SchemeError(f"stage {i} updates {t}, which is not a scheme variable")
            for ph in stage.placeholders:
                if ph in known or ph == step:
                    raise SchemeError(f"stage {i}: placeholder {ph} clashes with a variable")
        check_distinct_names(
            (*variables, step, *self.parameters), step=step, where="scheme symbols"
        )

    # -- derived facts --------------------------------------------------------------------
    @cached_property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        """Free symbols other than the variables, the step and placeholders, sorted by name."""
        free: set[sp.Symbol] = set()
        for stage in self.stages:
            free |= free_symbols_of(stage.expressions())  # only Symbols (as_expr)
            free -= set(stage.placeholders)
        free -= set(self.variables)
        free.discard(self.step)
        return tuple(sorted(free, key=lambda s: (s.name, str(s.assumptions0))))

    @cached_property
    def is_explicit(self) -> bool:
        """True when no stage is implicit."""
        return all(isinstance(s, ExplicitStage) for s in self.stages)

    @property
    def dim(self) -> int:
        """Number of state variables."""
        return len(self.variables)

    def map(self) -> dict[sp.Symbol, sp.Expr]:
        """The one-step map as ``{variable: new value}`` (explicit schemes only).

        Raises
        ------
        SchemeError
            If a stage is implicit: its map has no closed form in general; use
            :func:`limitdyn.symbolic.map_series` for its series in the step.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x, y = sp.symbols("x y")
        >>> ld.alternating([(x, [-y]), (y, [x])]).map()
        {x: -tau*y + x, y: tau*(-tau*y + x) + y}
        >>> ld.implicit([-x], [x]).map()
        Traceback (most recent call last):
        ...
        limitdyn.errors.SchemeError: the map of an implicit scheme has no closed form; ...
        """
        if not self.is_explicit:
            raise SchemeError(
                "the map of an implicit scheme has no closed form; use limitdyn.map_series"
            )
        current: dict[sp.Symbol, sp.Expr] = {v: v for v in self.variables}
        for stage in self.stages:
            assert isinstance(stage, ExplicitStage)
            new = [val.xreplace(current) for val in stage.values]
            current.update(zip(stage.targets, new))
        return current

    def __repr__(self) -> str:
        kinds = "+".join(s.kind for s in self.stages)
        label = f"{self.name!r}, " if self.name else ""
        return (
            f"Scheme({label}variables={self.variables}, stages={len(self.stages)} [{kinds}], "
            f"step={self.step}, parameters={self.parameters})"
        )

    def latex(self) -> str:
        r"""The update rule as LaTeX (an ``aligned`` block, one line per update).

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x, a = sp.symbols("x a")
        >>> print(ld.explicit([-a * x], [x]).latex())
        \begin{aligned}x_{n+1} &= x_{n} - \tau a x_{n}\end{aligned}
        """
        from ._latex import scheme_latex

        return scheme_latex(self)

    def _repr_latex_(self) -> str:
        """The update rule as LaTeX, for Jupyter (see :mod:`limitdyn._latex`)."""
        return f"${self.latex()}$"


# -- constructors -------------------------------------------------------------------------


def _block_stage(
    variables: tuple[sp.Symbol, ...],
    field: tuple[sp.Expr, ...],
    h: sp.Expr,
    *,
    implicit: bool,
    label: str,
) -> Stage:
    """``v+ = v + h F(v)`` (explicit) or ``v+ = v + h F(v+)`` (implicit) for one block."""
    if not implicit:
        return ExplicitStage(
            targets=variables,
            values=tuple(v + h * f for v, f in zip(variables, field)),
            label=label,
        )
    unknowns = tuple(sp.Dummy(f"{v.name}_new") for v in variables)
    sub = dict(zip(variables, unknowns))
    residual = tuple(w - v - h * f.xreplace(sub) for v, w, f in zip(variables, unknowns, field))
    return ImplicitStage(targets=variables, unknowns=unknowns, residual=residual, label=label)


def explicit(field: Any, variables: Any, *, step: sp.Symbol = tau) -> Scheme:
    """Explicit Euler: ``z+ = z + tau F(z)``.

    Parameters
    ----------
    field : sequence of Expr, Matrix, or mapping Symbol -> Expr
        ``F``, one entry per variable, in their order; or ``{variable: F_i}`` with keys
        exactly the variables. Sets are refused (their order depends on the hash seed).
        ``F`` may depend on the step (a field ``F(z, tau)``).
    variables : Symbol or sequence of Symbol
        The state.
    step : Symbol, optional
        The step symbol.

    Raises
    ------
    SchemeError
        Naming the argument: an unordered or wrongly sized field, a mapping whose keys
        are not the variables, an entry that is not a finite scalar SymPy expression,
        a symbol named like the step that is not the step, two symbols sharing a name.

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x, y = sp.symbols("x y")
    >>> ld.explicit([y, -x], [x, y]).map()
    {x: tau*y + x, y: -tau*x + y}
    >>> ld.explicit({x: -x}, [x]).map()
    {x: -tau*x + x}
    """
    return _one_block(field, variables, step=step, implicit=False, name="explicit Euler")


def implicit(field: Any, variables: Any, *, step: sp.Symbol = tau) -> Scheme:
    """Implicit (backward) Euler, the proximal step: ``z+ = z + tau F(z+)``.

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> s = ld.implicit([-x], [x])
    >>> s.is_explicit, s.stages[0].kind
    (False, 'implicit')
    """
    return _one_block(field, variables, step=step, implicit=True, name="implicit Euler")


def _one_block(field: Any, variables: Any, *, step: sp.Symbol, implicit: bool, name: str) -> Scheme:
    step = check_step(step)
    vs = as_symbols(variables, where="variables")
    f = as_field(field, vs, where="field")
    stage = _block_stage(vs, f, step, implicit=implicit, label="all")
    return Scheme(variables=vs, stages=(stage,), step=step, name=name)


def _parse_blocks(
    blocks: Any, step: sp.Symbol
) -> list[tuple[tuple[sp.Symbol, ...], tuple[sp.Expr, ...]]]:
    parsed = []
    owner: dict[sp.Symbol, int] = {}
    pairs = as_entries(blocks, where="blocks", what="(variables, field) pairs")
    for b, block in enumerate(pairs):
        pair = as_entries(block, where=f"block {b}", what="(variables, field) pair")
        if len(pair) != 2:
            raise SchemeError(
                f"block {b}: expected a (variables, field) pair, got {len(pair)} items"
            )
        variables, field = pair
        vs = as_symbols(variables, where=f"block {b} variables")
        for v in vs:
            if v == step:
                raise SchemeError(
                    f"block {b}: the step symbol {step} is listed among the variables"
                )
            if v in owner:
                raise SchemeError(f"variable {v} appears in block {owner[v]} and in block {b}")
            owner[v] = b
        parsed.append((vs, as_field(field, vs, where=f"block {b} field")))
    if not parsed:
        raise SchemeError("blocks: no blocks given")
    return parsed


def _block_rates(
    rates: Any, parsed: list[tuple[tuple[sp.Symbol, ...], tuple[sp.Expr, ...]]], step: sp.Symbol
) -> tuple[sp.Expr, ...]:
    state = [v for vs, _ in parsed for v in vs]
    return as_rates(rates, len(parsed), step=step, variables=state)


def alternating(
    blocks: Any,
    *,
    rates: Any = None,
    repeats: Any = None,
    implicit: bool = False,
    step: sp.Symbol = tau,
) -> Scheme:
    """Gauss–Seidel (alternating) updates: each block steps in turn, seeing the others' new values.

    Parameters
    ----------
    blocks : sequence of (variables, field)
        Each block's variables and its field ``F_b`` (a function of all variables), as
        for :func:`explicit` (a sequence, or a mapping keyed by the block's variables).
    rates : sequence, optional
        One positive rate per block: block ``b`` steps with ``rates[b] * tau``; a
        number or a parameter expression, free of the step and of the variables.
    repeats : sequence of int, optional
        One count per block, at most 1000: block ``b`` takes ``repeats[b]`` consecutive
        steps per step of the scheme (``n_critic`` in WGAN training).
    implicit : bool
        Proximal (implicit) block steps ``v+ = v + h F_b(v+, others)`` instead of explicit ones.
    step : Symbol, optional
        The step symbol.

    Raises
    ------
    SchemeError
        Naming the block or argument: a block that is not a ``(variables, field)`` pair,
        a variable in two blocks, a field of the wrong length, a rate that is not a
        positive constant (zero, negative, non-finite, or containing the step or a
        variable), a repeat count outside ``1..1000``, a flag that is not a bool.

    Examples
    --------
    Turinici's toy GAN as the text describes it (discriminator first, then the generator
    steps against it):

    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x, y, xr = sp.symbols("x y x_r")
    >>> s = ld.alternating([(y, [x - xr]), (x, [-y])])
    >>> s.variables
    (y, x)
    >>> s.map()[x]
    -tau*(tau*(x - x_r) + y) + x
    """
    step = check_step(step)
    implicit = as_flag(implicit, where="implicit")
    parsed = _parse_blocks(blocks, step)
    rate = _block_rates(rates, parsed, step)
    rep = as_repeats(repeats, len(parsed))
    stages: list[Stage] = []
    for b, ((vs, f), r, n) in enumerate(zip(parsed, rate, rep)):
        stage = _block_stage(vs, f, r * step, implicit=implicit, label=f"block {b}")
        stages.extend([stage] * n)
    variables = tuple(v for vs, _ in parsed for v in vs)
    kind = "implicit" if implicit else "explicit"
    return Scheme(variables=variables, stages=tuple(stages), step=step, name=f"alternating {kind}")


def simultaneous(
    blocks: Any, *, rates: Any = None, implicit: bool = False, step: sp.Symbol = tau
) -> Scheme:
    """Jacobi (simultaneous) updates: every block steps from the same old state.

    With ``implicit=True`` all blocks take one joint proximal (implicit Euler) step,
    ``z+ = z + tau R F(z+)`` with ``R`` the block rates: the proximal point method for
    games. (Holding the other blocks at their old values instead would make the
    step explicit on bilinear games, where a player's gradient ignores its own
    variables.)

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x, y = sp.symbols("x y")
    >>> ld.simultaneous([(x, [-y]), (y, [x])], rates=[1, 2]).map()
    {x: -tau*y + x, y: 2*tau*x + y}
    """
    step = check_step(step)
    implicit = as_flag(implicit, where="implicit")
    parsed = _parse_blocks(blocks, step)
    rate = _block_rates(rates, parsed, step)
    variables = tuple(v for vs, _ in parsed for v in vs)
    kind = "implicit" if implicit else "explicit"
    name = f"simultaneous {kind}"
    if not implicit:
        values = tuple(
            v + r * step * f for (vs, fs), r in zip(parsed, rate) for v, f in zip(vs, fs)
        )
        stage: Stage = ExplicitStage(targets=variables, values=values, label="all blocks")
        return Scheme(variables=variables, stages=(stage,), step=step, name=name)
    unknowns = tuple(sp.Dummy(f"{v.name}_new") for v in variables)
    sub = dict(zip(variables, unknowns))
    rate_of = [r for (vs, _), r in zip(parsed, rate) for _ in vs]
    fields = [f for _, fs in parsed for f in fs]
    residual = [
        w - v - r * step * f.xreplace(sub)
        for v, w, r, f in zip(variables, unknowns, rate_of, fields)
    ]
    stage = ImplicitStage(
        targets=variables, unknowns=unknowns, residual=tuple(residual), label="all blocks"
    )
    return Scheme(variables=variables, stages=(stage,), step=step, name=name)


def from_map(mapping: Mapping[Any, Any], *, variables: Any = None, step: sp.Symbol = tau) -> Scheme:
    """A scheme given by its one-step map ``{variable: new value}``.

    Variables missing from ``mapping`` but listed in ``variables`` stay fixed.

    Examples
    --------
    Heun's method for ``x' = -x**2`` written as a map:

    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> f = lambda u: -u**2
    >>> heun = ld.from_map({x: x + ld.tau / 2 * (f(x) + f(x + ld.tau * f(x)))})
    >>> heun.variables
    (x,)
    """
    step = check_step(step)
    items = as_items(mapping, where="from_map")
    keys = as_symbols([k for k, _ in items], where="from_map keys")
    vs = keys if variables is None else as_symbols(variables, where="from_map variables")
    for k in keys:
        if k not in vs:
            raise SchemeError(f"from_map: {k} is mapped but not listed in variables")
    given = {k: as_expr(e, where=f"from_map value of {k}") for k, e in items}
    values = tuple(given.get(v, v) for v in vs)
    stage = ExplicitStage(targets=vs, values=values, label="map")
    return Scheme(variables=vs, stages=(stage,), step=step, name="map")


_GAME_ORDERS = ("x-first", "y-first", "simultaneous")


def game(
    cost_x: Any,
    cost_y: Any,
    x: Any,
    y: Any,
    *,
    order: str = "x-first",
    implicit: bool = True,
    rates: Any = None,
    repeats: Any = None,
    step: sp.Symbol = tau,
    metric: Any = None,
    at: Any = None,
) -> Scheme:
    """Turinici's dual-flow scheme, eqs. (8)-(9), in the Euclidean metric or the players' own.

    Each player minimises its own cost by a proximal step,
    ``x+ = argmin |x - x_k|^2/(2 tau) + C^x(x, y_k)``, i.e.
    ``x+ = x_k - tau grad_x C^x(x+, y_k)``, then the same for ``y`` against ``x+``.

    Parameters
    ----------
    cost_x, cost_y : Expr
        The costs ``C^x`` and ``C^y`` that x and y minimise.
    x, y : Symbol or sequence of Symbol
        The two players' parameters.
    order : {"x-first", "y-first", "simultaneous"}
        Who moves first; "simultaneous" moves both from the old state (with
        ``implicit=True``, one joint proximal step: the proximal point method).
    implicit : bool
        Proximal steps (default, as in the paper); ``False`` gives explicit gradient steps.
    rates, repeats : sequence, optional
        Per-player rates and repeat counts, in the order (x, y).
    metric : (G_x, G_y), optional
        Each player's metric, as for :func:`~limitdyn.proximal` (None: Euclidean): the
        proximal step ``G_x(x_k) (x+ - x_k) + tau grad_x C^x(x+, y_k) = 0``, or with
        ``implicit=False`` the natural-gradient step ``x+ = x_k - tau G_x^{-1} grad_x C^x``.
    at : sequence or mapping, optional
        With ``metric``: the start point (x then y), where the metrics are checked
        positive definite.

    References
    ----------
    G. Turinici, "Convergence dynamics of GANs: the dual metric flows",
    arXiv:2012.10410, eqs. (7)-(9).

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x, y = sp.symbols("x y")
    >>> s = ld.game(x * y, -x * y, x, y, implicit=False)
    >>> s.map()
    {x: -tau*y + x, y: tau*(-tau*y + x) + y}
    """
    if not isinstance(order, str) or order not in _GAME_ORDERS:
        raise SchemeError(
            f"unknown order {as_name(order, where='order')!r}; "
            f"valid orders: {', '.join(_GAME_ORDERS)}"
        )
    implicit = as_flag(implicit, where="implicit")
    step = check_step(step)
    cx = as_expr(cost_x, where="cost_x")
    cy = as_expr(cost_y, where="cost_y")
    xs = as_symbols(x, where="x")
    ys = as_symbols(y, where="y")
    shared = [v for v in xs if v in ys]
    if shared:
        raise SchemeError(f"x and y share the variable {shared[0]}; each player has its own")
    fx = tuple(-sp.diff(cx, v) for v in xs)
    fy = tuple(-sp.diff(cy, v) for v in ys)
    blocks = [(xs, fx), (ys, fy)]
    what = "player"
    rate = (
        None if rates is None else list(as_rates(rates, 2, what=what, step=step, variables=xs + ys))
    )
    rep = None if repeats is None else list(as_repeats(repeats, 2))
    if order == "simultaneous" and rep is not None and rep != [1, 1]:
        raise SchemeError("repeats need an alternating order ('x-first' or 'y-first')")
    if at is not None and metric is None:
        raise SchemeError("at= is the start point where metrics are checked; give metric=")
    if metric is not None:  # each player in its own metric (limitdyn._metric)
        from ._metric import game_stage_specs

        specs = game_stage_specs(
            cx, cy, xs, ys, metric=metric, at=at, order=order, implicit=implicit,
            rates=rate, repeats=rep, step=step,
        )  # fmt: skip
        stages = tuple(
            ImplicitStage(targets=t, unknowns=u, residual=e, label=lb)
            if u
            else ExplicitStage(targets=t, values=e, label=lb)
            for t, u, e, lb in specs
        )
        kind = "proximal" if implicit else "natural gradient"
        name = f"game ({kind}, {order}, metric)"
        return Scheme(variables=xs + ys, stages=stages, step=step, name=name)
    if order == "simultaneous":
        scheme = simultaneous(blocks, rates=rate, implicit=implicit, step=step)
    else:
        if order == "y-first":
            blocks.reverse()
            rate = None if rate is None else rate[::-1]
            rep = None if rep is None else rep[::-1]
        scheme = alternating(blocks, rates=rate, repeats=rep, implicit=implicit, step=step)
    kind = "proximal" if implicit else "gradient"
    return Scheme(
        variables=xs + ys, stages=scheme.stages, step=step, name=f"game ({kind}, {order})"
    )
