"""Schemes: discrete update rules with a step size, as exact SymPy objects.

A :class:`Scheme` is a sequence of stages applied in order; a later stage sees
the values that earlier stages produced. A stage is explicit (new values as
expressions of the current ones) or implicit (a residual in the current values
and placeholders for the new ones, solved for the placeholders).
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import sympy as sp

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


def as_expr(value: Any, *, where: str) -> sp.Expr:
    """Convert a number or SymPy expression to ``sp.Expr``; strings are refused.

    Raw strings are never parsed (no ``sympify`` of user text): schemes are built from
    SymPy objects only.
    """
    if isinstance(value, str):
        raise SchemeError(f"{where}: got the string {value!r}; build a SymPy expression instead")
    if isinstance(value, sp.Basic):
        expr = value
    elif isinstance(value, (bool,)):
        raise SchemeError(f"{where}: got a bool, expected a SymPy expression")
    elif isinstance(value, (int, float)):
        expr = sp.sympify(value, strict=True)
    else:
        raise SchemeError(f"{where}: {type(value).__name__} is not a SymPy expression ({value!r})")
    if not isinstance(expr, sp.Expr):
        raise SchemeError(f"{where}: {type(expr).__name__} is not a scalar SymPy expression")
    return expr


def as_symbols(variables: Any, *, where: str) -> tuple[sp.Symbol, ...]:
    """Normalise one symbol or a sequence of symbols to a tuple, refusing duplicates."""
    if isinstance(variables, sp.Symbol):
        out: tuple[Any, ...] = (variables,)
    elif isinstance(variables, (sp.MatrixBase, Sequence)) and not isinstance(variables, str):
        out = tuple(variables)
    else:
        raise SchemeError(f"{where}: expected a Symbol or a sequence of Symbols, got {variables!r}")
    if not out:
        raise SchemeError(f"{where}: no variables given")
    for v in out:
        if not isinstance(v, sp.Symbol):
            raise SchemeError(f"{where}: {v!r} is not a SymPy Symbol")
    seen: set[sp.Symbol] = set()
    for v in out:
        if v in seen:
            raise SchemeError(f"{where}: variable {v} is listed twice")
        seen.add(v)
    return out


def as_field(field: Any, n: int, *, where: str) -> tuple[sp.Expr, ...]:
    """Normalise a vector field (sequence, Matrix or single expression) to a tuple of length n."""
    if isinstance(field, sp.MatrixBase):
        entries = list(field)
    elif isinstance(field, (sp.Basic, int, float, str)):
        entries = [field]
    elif isinstance(field, Iterable):
        entries = list(field)
    else:
        raise SchemeError(f"{where}: expected a sequence of expressions, got {field!r}")
    if len(entries) != n:
        raise SchemeError(
            f"{where}: the field has {len(entries)} entries but there are {n} variables"
        )
    return tuple(as_expr(e, where=f"{where}, entry {i}") for i, e in enumerate(entries))


class Stage(abc.ABC):
    """One stage of a scheme: updates ``targets`` from the current state."""

    kind: ClassVar[str]
    targets: tuple[sp.Symbol, ...]
    label: str

    @abc.abstractmethod
    def expressions(self) -> tuple[sp.Expr, ...]:
        """All SymPy expressions of the stage (for free-symbol bookkeeping)."""

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
        _check_targets(self.targets, self.label)
        if len(self.values) != len(self.targets):
            raise SchemeError(
                f"stage {self.label or '?'}: {len(self.values)} values for "
                f"{len(self.targets)} targets"
            )

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
        _check_targets(self.targets, self.label)
        if not (len(self.unknowns) == len(self.targets) == len(self.residual)):
            raise SchemeError(
                f"stage {self.label or '?'}: {len(self.targets)} targets, "
                f"{len(self.unknowns)} unknowns and {len(self.residual)} residuals differ in length"
            )

    def expressions(self) -> tuple[sp.Expr, ...]:
        return self.residual

    @property
    def placeholders(self) -> tuple[sp.Symbol, ...]:
        return self.unknowns


def _check_targets(targets: tuple[sp.Symbol, ...], label: str) -> None:
    if len(set(targets)) != len(targets):
        raise SchemeError(f"stage {label or '?'}: a variable is listed twice among its targets")


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
        object.__setattr__(self, "stages", tuple(self.stages))
        check_step(self.step)
        if self.step in variables:
            raise SchemeError(f"the step symbol {self.step} is also listed among the variables")
        if not self.stages:
            raise SchemeError("a scheme needs at least one stage")
        known = set(variables)
        for i, stage in enumerate(self.stages):
            if not isinstance(stage, Stage):
                raise SchemeError(f"stage {i} is {type(stage).__name__}, not a Stage")
            for t in stage.targets:
                if t not in known:
                    raise SchemeError(f"stage {i} updates {t}, which is not a scheme variable")
            for ph in stage.placeholders:
                if ph in known or ph == self.step:
                    raise SchemeError(f"stage {i}: placeholder {ph} clashes with a variable")
            for j, e in enumerate(stage.expressions()):
                if not isinstance(e, sp.Expr):
                    raise SchemeError(f"stage {i}, entry {j}: {e!r} is not a SymPy expression")

    # -- derived facts --------------------------------------------------------------------
    @cached_property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        """Free symbols other than the variables, the step and placeholders, sorted by name."""
        free: set[sp.Symbol] = set()
        for stage in self.stages:
            for e in stage.expressions():
                free |= {s for s in e.free_symbols if isinstance(s, sp.Symbol)}
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


# -- constructors -------------------------------------------------------------------------


def step0_drift(variable: sp.Symbol, value: sp.Expr, step: sp.Symbol) -> sp.Expr | None:
    """``value - variable`` at step 0 when it is not zero (simplifying if needed), else None.

    The consistency check of every scheme kind: a scheme with a small-step limit moves
    nothing at step 0.

    Examples
    --------
    >>> x = sp.Symbol("x")
    >>> step0_drift(x, x + tau * x, tau) is None
    True
    >>> step0_drift(x, 2 * x + tau, tau)
    x
    """
    drift = value.xreplace({step: sp.S.Zero}) - variable
    if drift == 0 or sp.simplify(drift) == 0:
        return None
    return drift


def check_step(step: Any) -> sp.Symbol:
    """``step`` if it is a SymPy Symbol, else a :class:`SchemeError`."""
    if not isinstance(step, sp.Symbol):
        raise SchemeError(f"the step {step!r} is not a SymPy Symbol")
    return step


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
    field : sequence of Expr or Matrix
        ``F``, one entry per variable.
    variables : Symbol or sequence of Symbol
        The state.
    step : Symbol, optional
        The step symbol.

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x, y = sp.symbols("x y")
    >>> ld.explicit([y, -x], [x, y]).map()
    {x: tau*y + x, y: -tau*x + y}
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
    f = as_field(field, len(vs), where="field")
    stage = _block_stage(vs, f, step, implicit=implicit, label="all")
    return Scheme(variables=vs, stages=(stage,), step=step, name=name)


def _parse_blocks(
    blocks: Any, step: sp.Symbol
) -> list[tuple[tuple[sp.Symbol, ...], tuple[sp.Expr, ...]]]:
    if isinstance(blocks, (str, sp.Basic)) or not isinstance(blocks, Iterable):
        raise SchemeError("blocks: expected a sequence of (variables, field) pairs")
    parsed = []
    owner: dict[sp.Symbol, int] = {}
    for b, block in enumerate(blocks):
        try:
            variables, field = block
        except (TypeError, ValueError):
            raise SchemeError(
                f"block {b}: expected a (variables, field) pair, got {block!r}"
            ) from None
        vs = as_symbols(variables, where=f"block {b} variables")
        for v in vs:
            if v == step:
                raise SchemeError(
                    f"block {b}: the step symbol {step} is listed among the variables"
                )
            if v in owner:
                raise SchemeError(f"variable {v} appears in block {owner[v]} and in block {b}")
            owner[v] = b
        parsed.append((vs, as_field(field, len(vs), where=f"block {b} field")))
    if not parsed:
        raise SchemeError("blocks: no blocks given")
    return parsed


def as_rates(rates: Any, n: int, *, what: str = "block") -> tuple[sp.Expr, ...]:
    """One positive rate per block (or player), as SymPy expressions; 1 each for None.

    The one rule for rates everywhere (scheme constructors, players of a game): a
    sequence of ``n`` numbers or SymPy expressions, none a string, none known to be
    zero or negative.

    Examples
    --------
    >>> as_rates([1, sp.Rational(1, 2)], 2)
    (1, 1/2)
    >>> as_rates([1, -1], 2, what="player")
    Traceback (most recent call last):
    ...
    limitdyn.errors.SchemeError: rate of player 1 is -1; rates must be positive
    """
    if rates is None:
        return (sp.Integer(1),) * n
    if isinstance(rates, (str, sp.Basic)) or not isinstance(rates, Iterable):
        raise SchemeError(f"rates: expected a list with one rate per {what}")
    out = tuple(as_expr(r, where=f"rate of {what} {b}") for b, r in enumerate(rates))
    if len(out) != n:
        raise SchemeError(f"rates: {len(out)} rates given for {n} {what}s")
    for b, r in enumerate(out):
        if r.is_positive is False or r.is_zero or (r.is_number and not r.is_positive):
            raise SchemeError(f"rate of {what} {b} is {r}; rates must be positive")
    return out


def _parse_repeats(repeats: Any, n: int) -> tuple[int, ...]:
    if repeats is None:
        return (1,) * n
    if isinstance(repeats, (str, sp.Basic)) or not isinstance(repeats, Iterable):
        raise SchemeError("repeats: expected a list with one repeat count per block")
    out = tuple(repeats)
    if len(out) != n:
        raise SchemeError(f"repeats: {len(out)} counts given for {n} blocks")
    for b, r in enumerate(out):
        if isinstance(r, bool) or not isinstance(r, (int, sp.Integer)) or int(r) < 1:
            raise SchemeError(f"repeat count of block {b} is {r!r}; it must be a positive integer")
    return tuple(int(r) for r in out)


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
        Each block's variables and its field ``F_b`` (a function of all variables).
    rates : sequence, optional
        One positive rate per block: block ``b`` steps with ``rates[b] * tau``.
    repeats : sequence of int, optional
        One count per block: block ``b`` takes ``repeats[b]`` consecutive steps per
        step of the scheme (``n_critic`` in WGAN training).
    implicit : bool
        Proximal (implicit) block steps ``v+ = v + h F_b(v+, others)`` instead of explicit ones.
    step : Symbol, optional
        The step symbol.

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
    parsed = _parse_blocks(blocks, step)
    rate = as_rates(rates, len(parsed))
    rep = _parse_repeats(repeats, len(parsed))
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
    parsed = _parse_blocks(blocks, step)
    rate = as_rates(rates, len(parsed))
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
    if not isinstance(mapping, Mapping):
        raise SchemeError(f"from_map: expected a mapping {{symbol: expression}}, got {mapping!r}")
    keys = as_symbols(list(mapping), where="from_map keys")
    vs = keys if variables is None else as_symbols(variables, where="from_map variables")
    for k in keys:
        if k not in vs:
            raise SchemeError(f"from_map: {k} is mapped but not listed in variables")
    values = tuple(
        as_expr(mapping[v], where=f"from_map value of {v}") if v in mapping else v for v in vs
    )
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
) -> Scheme:
    """Turinici's dual-flow scheme, eqs. (8)-(9), in the Euclidean metric.

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
    if order not in _GAME_ORDERS:
        raise SchemeError(f"unknown order {order!r}; valid orders: {', '.join(_GAME_ORDERS)}")
    cx = as_expr(cost_x, where="cost_x")
    cy = as_expr(cost_y, where="cost_y")
    xs = as_symbols(x, where="x")
    ys = as_symbols(y, where="y")
    fx = tuple(-sp.diff(cx, v) for v in xs)
    fy = tuple(-sp.diff(cy, v) for v in ys)
    blocks = [(xs, fx), (ys, fy)]
    rate = None if rates is None else list(as_rates(rates, 2))
    rep = None if repeats is None else list(_parse_repeats(repeats, 2))
    if order == "simultaneous":
        if rep is not None and rep != [1, 1]:
            raise SchemeError("repeats need an alternating order ('x-first' or 'y-first')")
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
