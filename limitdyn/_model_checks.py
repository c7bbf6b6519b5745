"""The exact model's own checks: expressions, symbols, fields, rates, flags, the step.

Every check returns the normalised value or raises :class:`~limitdyn.errors.SchemeError`
naming the piece (``where``) and what was expected. User text is never parsed: numbers
become SymPy numbers by their constructors, strings are refused. Containers must be
ordered (list, tuple, a vector :class:`~sympy.Matrix`): a set would make the order of the
state depend on the hash seed. A mapping is accepted where it is keyed by the variables
(a field ``{variable: rate of change}``), and then its keys must be exactly the variables.

Like the rest of the exact model, this module imports only SymPy, the standard library
and :mod:`limitdyn.errors`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Set
from typing import Any

import sympy as sp
from sympy.core.evalf import PrecisionExhausted

from .errors import SchemeError

__all__ = [
    "MAX_REPEATS",
    "as_entries",
    "as_expr",
    "as_exprs",
    "as_field",
    "as_flag",
    "as_items",
    "as_name",
    "as_rates",
    "as_repeats",
    "as_symbols",
    "check_distinct_names",
    "check_step",
    "free_symbols_of",
    "step0_drift",
]

#: The largest repeat count of a block: each repeat is one more stage of the scheme.
MAX_REPEATS = 1000

_NOT_FINITE = (sp.nan, sp.zoo, sp.oo, -sp.oo)


def _show(value: Any) -> str:
    """``repr(value)`` shortened, or the type name when ``repr`` itself fails."""
    try:
        text = repr(value)
    except Exception:  # a user object whose __repr__ raises
        return f"<{type(value).__name__}>"
    return text if len(text) <= 80 else text[:77] + "..."


def as_expr(value: Any, *, where: str) -> sp.Expr:
    """A finite scalar SymPy expression from a number or SymPy expression.

    Strings and bytes are refused, never parsed; so are bools, matrices, relations,
    non-finite numbers (``nan``, ``oo``, ``zoo``), ``O(...)`` terms and expressions whose
    free symbols are not all :class:`~sympy.Symbol` (a matrix element, an indexed symbol).

    Examples
    --------
    >>> as_expr(2, where="rate")
    2
    >>> as_expr(float("nan"), where="field, entry 0")
    Traceback (most recent call last):
    ...
    limitdyn.errors.SchemeError: field, entry 0: nan is not a finite number
    """
    if isinstance(value, (str, bytes, bytearray)):
        raise SchemeError(f"{where}: got the string {value!r}; build a SymPy expression instead")
    if isinstance(value, bool):
        raise SchemeError(f"{where}: got a bool, expected a SymPy expression")
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise SchemeError(f"{where}: {value} is not a finite number")
        return sp.Float(value)
    if not isinstance(value, sp.Basic):
        raise SchemeError(
            f"{where}: {type(value).__name__} is not a SymPy expression ({_show(value)})"
        )
    if not isinstance(value, sp.Expr) or isinstance(value, sp.MatrixExpr):
        raise SchemeError(f"{where}: {type(value).__name__} is not a scalar SymPy expression")
    if value.has(*_NOT_FINITE):
        raise SchemeError(f"{where}: {value} is not finite (it contains nan, oo or zoo)")
    if value.has(sp.Order, sp.AccumBounds):
        raise SchemeError(f"{where}: {value} is not an expression with a value (O(...) or bounds)")
    odd = [s for s in value.free_symbols if not isinstance(s, sp.Symbol)]
    if odd:
        raise SchemeError(
            f"{where}: {value} depends on {odd[0]} ({type(odd[0]).__name__}), not on Symbols"
        )
    return value


_PLAIN: dict[type, bool] = {}


def _plain(cls: type) -> bool:
    """Whether ``cls`` keeps :class:`~sympy.Basic`'s ``free_symbols`` (the union over its
    arguments): no bound variables, nothing but Symbols of its own (cached per class)."""
    if cls not in _PLAIN:
        owner = next(k for k in cls.__mro__ if "free_symbols" in k.__dict__)
        _PLAIN[cls] = owner is sp.Basic
    return _PLAIN[cls]


def _clean(expr: sp.Basic, seen: set[int]) -> bool:
    """True when no subexpression of ``expr`` is a non-finite number, an ``O(...)`` term or
    bounds, or a node whose own free symbols are not all Symbols; objects whose ``id`` is
    in ``seen`` are known clean and skipped, and on success ``expr``'s are added. False
    only says "look closer" (:func:`as_expr` decides)."""
    mine: set[int] = set()
    stack = [expr]
    while stack:
        e = stack.pop()
        key = id(e)
        if key in seen or key in mine:
            continue
        mine.add(key)
        if isinstance(e, (sp.Order, sp.AccumBounds)) or (e.is_Atom and e in _NOT_FINITE):
            return False
        if not isinstance(e, sp.Symbol) and not _plain(type(e)):
            if any(not isinstance(s, sp.Symbol) for s in e.free_symbols):
                return False
        stack.extend(e.args)
    seen |= mine
    return True


def as_exprs(values: Iterable[Any], *, where: str) -> tuple[sp.Expr, ...]:
    """:func:`as_expr` of each entry (``where`` gets ``", entry j"``), the same checks and
    errors, with the walks over subexpressions shared by the entries: each distinct
    subexpression object is visited once (a network's gradient repeats its residuals in
    every component, and tree walks over each entry are quadratic in its width).

    Examples
    --------
    >>> x = sp.Symbol("x")
    >>> as_exprs([x + 1, 2], where="field")
    (x + 1, 2)
    >>> as_exprs([x, x + sp.oo], where="field")
    Traceback (most recent call last):
    ...
    limitdyn.errors.SchemeError: field, entry 1: x + oo is not finite (it contains nan, oo or zoo)
    """
    seen: set[int] = set()
    out = []
    for j, e in enumerate(values):
        if isinstance(e, sp.Expr) and not isinstance(e, sp.MatrixExpr) and _clean(e, seen):
            out.append(e)
        else:
            out.append(as_expr(e, where=f"{where}, entry {j}"))
    return tuple(out)


def free_symbols_of(exprs: Iterable[sp.Basic]) -> set[sp.Basic]:
    """The union of the ``free_symbols`` of ``exprs``, each distinct subexpression object
    visited once (nodes with bound variables, such as integrals, answer for themselves).

    Examples
    --------
    >>> x, y = sp.symbols("x y")
    >>> sorted(free_symbols_of([x + y, sp.Integral(x * y, x)]), key=str)
    [x, y]
    """
    seen: set[int] = set()
    found: set[sp.Basic] = set()
    stack = list(exprs)
    while stack:
        e = stack.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, sp.Symbol) or not _plain(type(e)):
            found |= e.free_symbols
        else:
            stack.extend(e.args)
    return found


def as_entries(value: Any, *, where: str, what: str = "expressions") -> list[Any]:
    """The entries of an ordered container: a list, a tuple, a vector Matrix, any iterable
    that is not a set, a mapping, a string or a single SymPy object."""
    if isinstance(value, sp.MatrixBase):
        if min(value.shape) > 1:
            raise SchemeError(f"{where}: expected a vector, got a {value.rows}x{value.cols} matrix")
        return list(value)
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, (Set, Mapping)):
        raise SchemeError(
            f"{where}: got an unordered {type(value).__name__}; give the {what} as a list"
        )
    if isinstance(value, (str, bytes, bytearray, sp.Basic)) or not isinstance(value, Iterable):
        raise SchemeError(f"{where}: expected a sequence of {what}, got {_show(value)}")
    try:
        return list(value)
    except Exception as err:  # a user iterable that fails while being read
        raise SchemeError(f"{where}: could not read the {what} ({type(err).__name__})") from err


def as_items(mapping: Any, *, where: str) -> list[tuple[Any, Any]]:
    """The ``(key, value)`` pairs of a mapping, read once."""
    if not isinstance(mapping, Mapping):
        raise SchemeError(
            f"{where}: expected a mapping {{symbol: expression}}, got {_show(mapping)}"
        )
    try:
        return list(mapping.items())
    except Exception as err:  # a user mapping that fails while being read
        raise SchemeError(f"{where}: could not read the mapping ({type(err).__name__})") from err


def as_symbols(variables: Any, *, where: str) -> tuple[sp.Symbol, ...]:
    """One Symbol or an ordered sequence of distinct Symbols, as a tuple.

    Examples
    --------
    >>> x, y = sp.symbols("x y")
    >>> as_symbols(x, where="variables")
    (x,)
    >>> as_symbols({x, y}, where="variables")
    Traceback (most recent call last):
    ...
    limitdyn.errors.SchemeError: variables: got an unordered set; give the Symbols as a list
    """
    if isinstance(variables, sp.Symbol):
        return (variables,)
    out = as_entries(variables, where=where, what="Symbols")
    if not out:
        raise SchemeError(f"{where}: no variables given")
    for v in out:
        if not isinstance(v, sp.Symbol):
            raise SchemeError(f"{where}: {_show(v)} is not a SymPy Symbol")
    if len(set(out)) != len(out):
        twice = next(v for i, v in enumerate(out) if v in out[:i])
        raise SchemeError(f"{where}: variable {twice} is listed twice")
    return tuple(out)


def as_field(field: Any, variables: tuple[sp.Symbol, ...], *, where: str) -> tuple[sp.Expr, ...]:
    """A vector field on ``variables``: one expression per variable, in their order.

    ``field`` is a sequence (or vector Matrix) with one entry per variable, a single
    expression when there is one variable, or a mapping ``{variable: entry}`` whose keys
    are exactly the variables.

    Examples
    --------
    >>> x, y = sp.symbols("x y")
    >>> as_field({y: x, x: -y}, (x, y), where="field")
    (-y, x)
    >>> as_field({x: -x}, (x, y), where="field")
    Traceback (most recent call last):
    ...
    limitdyn.errors.SchemeError: field: the mapping has no entry for y
    """
    n = len(variables)
    if isinstance(field, Mapping):
        items = as_items(field, where=where)
        for k, _ in items:
            if not isinstance(k, sp.Symbol):
                raise SchemeError(f"{where}: the key {_show(k)} is not a SymPy Symbol")
            if k not in variables:
                raise SchemeError(f"{where}: the key {k} is not one of the variables {variables}")
        given = dict(items)
        for v in variables:
            if v not in given:
                raise SchemeError(f"{where}: the mapping has no entry for {v}")
        entries = [given[v] for v in variables]
    elif isinstance(field, (sp.Basic, int, float, str, bytes)) and not isinstance(
        field, sp.MatrixBase
    ):
        entries = [field]
    else:
        entries = as_entries(field, where=where)
    if len(entries) != n:
        raise SchemeError(
            f"{where}: the field has {len(entries)} entries but there are {n} variables"
        )
    return as_exprs(entries, where=where)


def as_flag(value: Any, *, where: str) -> bool:
    """``value`` if it is ``True`` or ``False`` (not a truthy string or number)."""
    if not isinstance(value, bool):
        raise SchemeError(f"{where} must be True or False, got {_show(value)}")
    return value


def as_name(value: Any, *, where: str) -> str:
    """``value`` if it is a string."""
    if not isinstance(value, str):
        raise SchemeError(f"{where} must be a string, got {_show(value)}")
    return value


def check_step(step: Any) -> sp.Symbol:
    """``step`` if it is a SymPy Symbol, else a :class:`SchemeError`."""
    if not isinstance(step, sp.Symbol):
        raise SchemeError(f"the step {_show(step)} is not a SymPy Symbol")
    return step


def as_rates(
    rates: Any,
    n: int,
    *,
    what: str = "block",
    step: sp.Symbol | None = None,
    variables: Iterable[sp.Symbol] = (),
) -> tuple[sp.Expr, ...]:
    """One positive rate per block (or player), as SymPy expressions; 1 each for None.

    The one rule for rates everywhere (scheme constructors, players of a game): a
    list of ``n`` numbers or SymPy expressions, none a string, none known to be zero,
    negative or not real, none depending on the ``step`` or on the ``variables``.

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
    entries = as_entries(rates, where="rates", what=f"rates (one per {what})")
    out = tuple(as_expr(r, where=f"rate of {what} {b}") for b, r in enumerate(entries))
    if len(out) != n:
        raise SchemeError(f"rates: {len(out)} rates given for {n} {what}s")
    state = set(variables)
    for b, r in enumerate(out):
        if r.is_positive is False or r.is_zero or (r.is_number and not r.is_positive):
            raise SchemeError(f"rate of {what} {b} is {r}; rates must be positive")
        if step is not None and step in r.free_symbols:
            raise SchemeError(
                f"rate of {what} {b} is {r}, which contains the step {step}; a rate multiplies "
                "the step, so give the factor without it"
            )
        moving = sorted(map(str, r.free_symbols & state))
        if moving:
            raise SchemeError(
                f"rate of {what} {b} is {r}, which depends on the variable(s) {', '.join(moving)}"
            )
    return out


def as_repeats(repeats: Any, n: int) -> tuple[int, ...]:
    """One repeat count per block, each an int in ``1..MAX_REPEATS``; 1 each for None."""
    if repeats is None:
        return (1,) * n
    out = as_entries(repeats, where="repeats", what="repeat counts (one per block)")
    if len(out) != n:
        raise SchemeError(f"repeats: {len(out)} counts given for {n} blocks")
    for b, r in enumerate(out):
        if isinstance(r, bool) or not isinstance(r, (int, sp.Integer)):
            raise SchemeError(
                f"repeat count of block {b} is {_show(r)}; it must be a positive integer"
            )
        if not 1 <= int(r) <= MAX_REPEATS:
            raise SchemeError(
                f"repeat count of block {b} is {r}; it must be a positive integer <= {MAX_REPEATS}"
            )
    return tuple(int(r) for r in out)


def check_distinct_names(
    symbols: Iterable[sp.Symbol], *, step: sp.Symbol | None = None, where: str
) -> None:
    """Refuse two different symbols with the same name: they would print identically and a
    parameter value given by name would be ambiguous.

    Examples
    --------
    >>> check_distinct_names([sp.Symbol("x"), sp.Symbol("x", positive=True)], where="scheme")
    Traceback (most recent call last):
    ...
    limitdyn.errors.SchemeError: scheme: two different symbols are both named 'x': \
Symbol('x') and Symbol('x', positive=True); use one symbol for both
    """
    seen: dict[str, sp.Symbol] = {}
    for s in symbols:
        if not s.name:
            raise SchemeError(f"{where}: the symbol {sp.srepr(s)} has an empty name")
        other = seen.setdefault(s.name, s)
        if other == s:
            continue
        if step is not None and step in (s, other):
            stray = other if s == step else s
            raise SchemeError(
                f"{where}: {sp.srepr(stray)} is named like the step symbol "
                f"{sp.srepr(step)} but is a different symbol; write the step as ld.tau "
                "(the default step) or pass step= the symbol you used"
            )
        raise SchemeError(
            f"{where}: two different symbols are both named {s.name!r}: "
            f"{sp.srepr(other)} and {sp.srepr(s)}; use one symbol for both"
        )


# -- step-0 consistency ---------------------------------------------------------------


def step0_drift(variable: sp.Symbol, value: sp.Expr, step: sp.Symbol) -> sp.Expr | None:
    """``value - variable`` at step 0 when it is not zero, else None.

    The consistency check of every scheme kind: a scheme with a small-step limit moves
    nothing at step 0. The value at step 0 is the constant Taylor coefficient in the
    step (by substitution, or by SymPy's series where substitution is singular, as for
    ``sin(tau)/tau``). Whether it is zero is decided without ``simplify``: exactly by
    expansion (after rewriting trigonometric and hyperbolic functions as exponentials),
    else by evaluating at generic points (a clear nonzero value is a witness).

    Examples
    --------
    >>> from limitdyn import tau
    >>> x = sp.Symbol("x")
    >>> step0_drift(x, x + tau * x, tau) is None
    True
    >>> step0_drift(x, x * (sp.sin(x) ** 2 + sp.cos(x) ** 2) + tau, tau) is None
    True
    >>> step0_drift(x, 2 * x + tau, tau)
    x
    """
    at0 = value.xreplace({step: sp.S.Zero})
    if at0.has(*_NOT_FINITE):
        at0 = sp.series(value, step, 0, 1).removeO()
    drift = at0 - variable
    return None if _is_zero(drift) else drift


_TRIG = (sp.sin, sp.cos, sp.tan, sp.cot, sp.sec, sp.csc)
_HYPER = (sp.sinh, sp.cosh, sp.tanh, sp.coth, sp.sech, sp.csch)


def _is_zero(expr: sp.Expr) -> bool:
    """Whether ``expr`` is identically zero, decided exactly.

    Exact expansion (after rewriting trigonometric and hyperbolic functions as
    exponentials) proves most zeros; a rigorous numeric witness (SymPy's ``evalf`` with
    ``strict=True`` certifies its digits) proves a nonzero value; only what neither decides
    goes to ``simplify``.
    """
    if expr == 0:
        return True
    expanded = sp.expand(expr)
    if expanded == 0:
        return True
    if expanded.has(*_TRIG, *_HYPER) and sp.expand(expanded.rewrite(sp.exp)) == 0:
        return True
    if _nonzero_witness(expanded):
        return False
    return bool(sp.simplify(expanded) == 0)


def _nonzero_witness(expr: sp.Expr) -> bool:
    """True if ``expr`` has a certified nonzero value (30 correct digits) at a generic point."""
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    for k in range(4):
        vals = {s: _generic_value(s, i, k) for i, s in enumerate(symbols)}
        try:
            value = expr.xreplace(vals).evalf(30, strict=True)
        except PrecisionExhausted:  # indistinguishable from zero here: no witness
            continue
        except (TypeError, ValueError, ArithmeticError):  # no numeric value at this point
            return False
        if value.is_number and not value.has(*_NOT_FINITE) and value != 0:
            return True
    return False


def _generic_value(s: sp.Symbol, i: int, k: int) -> sp.Expr:
    """A value of ``s`` at the ``k``-th generic point: an integer for integer symbols, a
    rational otherwise, negative at every other point unless ``s`` is nonnegative."""
    value = sp.Integer(k + 2 + i) if s.is_integer else sp.Rational(3 + 7 * i + k, 11 + 2 * k)
    return -value if (i + k) % 2 and not s.is_nonnegative else value
