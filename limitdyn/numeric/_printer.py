"""The one printer of generated code: SymPy expressions to Python text from fixed pieces.

It is a whitelist. Every node it accepts is printed from text of its own: numbers as
Python literals of their float value, the constants as ``math.pi``, ``math.e`` or
literals, symbols by a lookup in the caller's table of generated identifiers, and each
supported function as a fixed call (``math.exp(...)``, ``abs(...)``, a conditional for
``Piecewise``). Every other node (an undefined function, a ``MatrixElement``, an
``Indexed``, a ``Sum``, a complex number, an integer beyond the floats) is refused with a
:class:`~limitdyn.errors.SchemeError` that names it, so no name taken from a user's
expression, and no other user text, ever reaches generated code. :func:`check_source` is
the final lexical check of generated source: fixed and generated names only, no strings.
"""

from __future__ import annotations

import io
import math
import re
import tokenize
from collections.abc import Callable, Mapping

import sympy as sp
from sympy.core.function import AppliedUndef

from ..errors import SchemeError

__all__ = ["GENERATED", "check_source", "print_expr", "supported_functions"]

#: what every generated identifier looks like (variables, parameters, step, temporaries)
GENERATED = re.compile(r"(?:[vp]\d+|h|[a-z]\d+_\d+|c\d+)\Z")

#: each supported function, by exact class, to the fixed text around its arguments
_CALLS: dict[type[sp.Basic], tuple[str, str]] = {
    **{
        f: (f"math.{f.__name__}(", ")")
        for f in (sp.exp, sp.log, sp.sin, sp.cos, sp.tan, sp.asin, sp.acos, sp.atan)
    },
    **{f: (f"math.{f.__name__}(", ")") for f in (sp.sinh, sp.cosh, sp.tanh, sp.asinh)},
    **{f: (f"math.{f.__name__}(", ")") for f in (sp.acosh, sp.atanh, sp.erf, sp.erfc)},
    sp.gamma: ("math.gamma(", ")"),
    sp.atan2: ("math.atan2(", ")"),
    sp.cot: ("(1/math.tan(", "))"),
    sp.sec: ("(1/math.cos(", "))"),
    sp.csc: ("(1/math.sin(", "))"),
    sp.coth: ("(1/math.tanh(", "))"),
    sp.sech: ("(1/math.cosh(", "))"),
    sp.csch: ("(1/math.sinh(", "))"),
    sp.floor: ("float(math.floor(", "))"),
    sp.ceiling: ("float(math.ceil(", "))"),
    sp.Abs: ("abs(", ")"),
    sp.Min: ("min(", ")"),
    sp.Max: ("max(", ")"),
}
_RELATIONS: dict[type[sp.Basic], str] = {
    sp.StrictLessThan: "<",
    sp.LessThan: "<=",
    sp.StrictGreaterThan: ">",
    sp.GreaterThan: ">=",
    sp.Equality: "==",
    sp.Unequality: "!=",
}
#: what cannot be evaluated at all: an unknown function, a derivative or integral of one
_NO_VALUE = (AppliedUndef, sp.Derivative, sp.Subs, sp.Integral)

# precedence of printed text: an operand of lower precedence than needed gets parentheses
_ADD, _MUL, _UNARY, _POW, _ATOM = 1, 2, 3, 4, 5
_MAX_EXACT = 2**53


def supported_functions() -> tuple[str, ...]:
    """Names of the SymPy functions that generated code supports, sorted.

    Powers (``sqrt``, ``x**y``) are supported as well.

    Examples
    --------
    >>> "exp" in supported_functions() and "besselj" not in supported_functions()
    True
    """
    specials = (sp.Piecewise, sp.sign, sp.Heaviside, sp.Mod, sp.KroneckerDelta)
    return tuple(sorted(cls.__name__ for cls in (*_CALLS, *specials)))


def _refusal(expr: sp.Basic, where: str) -> SchemeError:
    if isinstance(expr, _NO_VALUE):
        shown = f"{expr.func}(...)" if isinstance(expr, AppliedUndef) else type(expr).__name__
        return SchemeError(
            f"{where} contains {shown}, which has no numeric value; substitute a "
            "concrete function before iterating or integrating"
        )
    if expr in (sp.I, sp.zoo):
        return SchemeError(f"{where} contains the complex value {expr}; iterates are real")
    if isinstance(expr, sp.Function):
        return SchemeError(
            f"{where} contains the function {type(expr).__name__}, which generated code does "
            f"not support (supported: {', '.join(supported_functions())})"
        )
    return SchemeError(
        f"{where} contains a {type(expr).__name__}, which generated code does not support; "
        "use scalar symbols, real numbers and the supported functions only"
    )


class _Printer:
    """Text of one expression; ``names`` maps each allowed symbol to its generated name."""

    def __init__(self, names: Mapping[sp.Basic, str], where: str):
        self.names = names
        self.where = where

    def text(self, expr: sp.Basic) -> tuple[str, int]:
        """``(text, precedence)`` of ``expr``."""
        if isinstance(expr, sp.Symbol):
            return self._symbol(expr), _ATOM
        if isinstance(expr, (sp.Number, sp.NumberSymbol)):
            return self._number(expr)
        handler = _HANDLERS.get(type(expr))
        if handler is not None:
            return handler(self, expr)
        call = _CALLS.get(type(expr))
        if call is None:
            raise _refusal(expr, self.where)
        return call[0] + ", ".join(self.inner(a) for a in expr.args) + call[1], _ATOM

    def inner(self, expr: sp.Basic) -> str:
        return self.text(expr)[0]

    def operand(self, expr: sp.Basic, need: int) -> str:
        text, prec = self.text(expr)
        return text if prec >= need else f"({text})"

    def _symbol(self, expr: sp.Symbol) -> str:
        name = self.names.get(expr)
        if name is None:
            raise SchemeError(
                f"{self.where} contains the symbol {expr.name!r}, which is not a variable, "
                "parameter or the step of what is being compiled"
            )
        if not GENERATED.match(name):  # pragma: no cover - the callers generate the names
            raise SchemeError(f"internal error: {name!r} is not a generated identifier")
        return name

    def _number(self, expr: sp.Basic) -> tuple[str, int]:
        if expr is sp.pi:
            return "math.pi", _ATOM
        if expr is sp.E:
            return "math.e", _ATOM
        if expr is sp.oo:
            return "math.inf", _ATOM
        if expr is sp.S.NegativeInfinity:
            return "-math.inf", _UNARY
        if isinstance(expr, sp.Integer):
            n = int(expr)
            if abs(n) <= _MAX_EXACT:
                return int.__repr__(n), (_UNARY if n < 0 else _ATOM)
            return self._float(expr, f"an integer of {len(str(abs(n)))} digits")
        if isinstance(expr, sp.Rational):
            p, q = int(expr.p), int(expr.q)
            if abs(p) <= _MAX_EXACT and q <= _MAX_EXACT:
                return f"({float.__repr__(float(p))}/{float.__repr__(float(q))})", _ATOM
            return self._float(expr, f"a rational number with a {len(str(abs(p)))}-digit numerator")
        if isinstance(expr, (sp.Float, sp.NumberSymbol)):
            return self._float(expr, f"the number {expr}")
        raise _refusal(expr, self.where)  # nan, zoo

    def _float(self, expr: sp.Basic, what: str) -> tuple[str, int]:
        value = float(expr)
        if not math.isfinite(value):
            raise SchemeError(f"{self.where} contains {what}, which is too large for a float")
        return float.__repr__(value), (_UNARY if value < 0 else _ATOM)

    def _add(self, expr: sp.Basic) -> tuple[str, int]:
        first, *rest = expr.args
        parts = [self.operand(first, _ADD)]
        for term in rest:
            if term.as_coeff_Mul()[0].is_negative:
                parts.append(f" - {self.operand(-term, _MUL)}")
            else:
                parts.append(f" + {self.operand(term, _ADD)}")
        return "".join(parts), _ADD

    def _mul(self, expr: sp.Basic) -> tuple[str, int]:
        coeff, rest = expr.as_coeff_Mul()
        if coeff is sp.S.NegativeOne:
            return "-" + self.operand(rest, _MUL), _MUL
        num, den = [], []
        for factor in expr.args:
            if isinstance(factor, sp.Pow) and factor.exp.is_Rational and factor.exp.is_negative:
                den.append(sp.Pow(factor.base, -factor.exp))
            else:
                num.append(factor)
        text = "*".join(self.operand(f, _UNARY) for f in num) or "1"
        if den:
            text += "/" + self.operand(sp.Mul(*den) if len(den) > 1 else den[0], _POW)
        return text, _MUL

    def _pow(self, expr: sp.Basic) -> tuple[str, int]:
        base, exp = expr.args
        if exp == sp.S.Half:
            return f"math.sqrt({self.inner(base)})", _ATOM
        if exp == -sp.S.Half:
            return f"1/math.sqrt({self.inner(base)})", _MUL
        if exp.is_Integer and abs(int(exp)) <= _MAX_EXACT:
            e = int(exp)
            if e == -1:
                return f"1/{self.operand(base, _POW)}", _MUL
            if e < 0:
                return f"1/{self.operand(base, _ATOM)}**{-e}", _MUL
            return f"{self.operand(base, _ATOM)}**{e}", _POW
        return f"math.pow({self.inner(base)}, {self.inner(exp)})", _ATOM

    def _piecewise(self, expr: sp.Basic) -> tuple[str, int]:
        text = "math.nan"  # no condition holds
        for value, cond in reversed(expr.args):
            if cond is sp.true:
                text = self.inner(value)
            elif cond is not sp.false:
                text = f"({self.inner(value)} if {self.inner(cond)} else {text})"
        return text, _ATOM

    def _relational(self, expr: sp.Basic) -> tuple[str, int]:
        lhs, rhs = expr.args
        return f"({self.inner(lhs)} {_RELATIONS[type(expr)]} {self.inner(rhs)})", _ATOM

    def _logic(self, expr: sp.Basic) -> tuple[str, int]:
        if isinstance(expr, sp.Not):
            return f"(not {self.inner(expr.args[0])})", _ATOM
        op = " and " if isinstance(expr, sp.And) else " or "
        return "(" + op.join(self.inner(a) for a in expr.args) + ")", _ATOM

    def _truth(self, expr: sp.Basic) -> tuple[str, int]:
        return ("True" if expr is sp.true else "False"), _ATOM

    def _mod(self, expr: sp.Basic) -> tuple[str, int]:
        num, div = expr.args  # Python's float % has SymPy's sign convention (the divisor's)
        return f"({self.operand(num, _POW)} % {self.operand(div, _POW)})", _ATOM

    def _kronecker(self, expr: sp.Basic) -> tuple[str, int]:
        i, j = expr.args
        return f"(1.0 if {self.operand(i, _ATOM)} == {self.operand(j, _ATOM)} else 0.0)", _ATOM

    def _sign(self, expr: sp.Basic) -> tuple[str, int]:
        x = self.inner(expr.args[0])  # (x)*0.0 keeps a nan a nan
        return f"(1.0 if {x} > 0 else (-1.0 if {x} < 0 else ({x})*0.0))", _ATOM

    def _heaviside(self, expr: sp.Basic) -> tuple[str, int]:
        x = self.inner(expr.args[0])
        half = self.operand(expr.args[1], _ADD) if len(expr.args) > 1 else "0.5"
        return f"(0.0 if {x} < 0 else (1.0 if {x} > 0 else {half} + ({x})*0.0))", _ATOM


_HANDLERS: dict[type[sp.Basic], Callable[[_Printer, sp.Basic], tuple[str, int]]] = {
    sp.Add: _Printer._add,
    sp.Mul: _Printer._mul,
    sp.Pow: _Printer._pow,
    sp.Piecewise: _Printer._piecewise,
    sp.sign: _Printer._sign,
    sp.Heaviside: _Printer._heaviside,
    sp.Mod: _Printer._mod,
    sp.KroneckerDelta: _Printer._kronecker,
    sp.And: _Printer._logic,
    sp.Or: _Printer._logic,
    sp.Not: _Printer._logic,
    type(sp.true): _Printer._truth,
    type(sp.false): _Printer._truth,
    **{cls: _Printer._relational for cls in _RELATIONS},
}


def print_expr(expr: sp.Basic, names: Mapping[sp.Basic, str], *, where: str) -> str:
    """Python text of ``expr``, in which each symbol is printed as ``names[symbol]``.

    Parameters
    ----------
    expr : sympy.Basic
        A real scalar expression of the symbols in ``names``.
    names : mapping
        Each symbol that may occur, to its generated identifier (``v0``, ``p1``, ``h``, ...).
    where : str
        What ``expr`` is, for messages (``"stage 0 (value of x)"``).

    Returns
    -------
    str
        An expression over ``math``, ``abs``, ``min``, ``max``, ``float`` and the names.

    Raises
    ------
    SchemeError
        If ``expr`` holds a node outside the whitelist (named in the message) or a symbol
        not in ``names``.

    Examples
    --------
    >>> x, a = sp.symbols("x a")
    >>> print_expr(sp.exp(-a * x) / 3 - 2 * sp.sqrt(x) / a, {x: "v0", a: "p0"}, where="f")
    '(1.0/3.0)*math.exp(-p0*v0) - 2*math.sqrt(v0)/p0'
    >>> print_expr(sp.besselj(0, x), {x: "v0"}, where="f")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    limitdyn.errors.SchemeError: f contains the function besselj, which generated code ...
    """
    if not isinstance(expr, sp.Basic):
        raise SchemeError(f"{where}: {type(expr).__name__} is not a SymPy expression")
    return _Printer(names, where).inner(expr)


#: the names that generated code may use, besides generated identifiers and attributes
_NAMES = frozenset(
    {
        *("run", "rhs", "jac", "z0", "p", "hs", "stride", "out", "t", "y", "tol", "maxiter"),
        *("A", "b", "n", "k", "it", "conv", "res", "dw", "wn", "math", "np", "solve_small"),
        *("float", "abs", "max", "min", "range", "OverflowError", "ZeroDivisionError"),
        *("ValueError", "def", "for", "in", "if", "else", "not", "and", "or", "return"),
        *("try", "except", "break", "True", "False"),
    }
)
#: the names that may follow a dot: the math functions the printer emits, two of numpy's
_ATTRIBUTES = frozenset(
    {"pi", "e", "inf", "nan", "sqrt", "pow", "isfinite", "shape", "empty"}
    | {name for text, _ in _CALLS.values() for name in re.findall(r"math\.(\w+)", text)}
)
_COMMENT = re.compile(r"# end of stage \d+\Z")
_LAYOUT = {tokenize.NUMBER, tokenize.OP, tokenize.NEWLINE, tokenize.NL}
_LAYOUT |= {tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}


def check_source(source: str) -> None:
    """Refuse generated source holding anything but fixed and generated names.

    Every NAME token must be a keyword, builtin, module or loop name of a fixed set, a
    fixed attribute after a dot, or match :data:`GENERATED`; no string literal may occur,
    and comments are the stage markers only. The last check before source is written.

    Raises
    ------
    SchemeError
        Naming the first token that is not allowed.

    Examples
    --------
    >>> check_source("def run(z0):\\n    v0 = math.exp(z0[0])\\n")
    >>> check_source("def run(z0):\\n    v0 = os.system(z0)\\n")
    Traceback (most recent call last):
    ...
    limitdyn.errors.SchemeError: generated code contains 'os' (line 2); refusing it
    """
    after_dot = False
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.NAME:
                allowed = _ATTRIBUTES if after_dot else _NAMES
                ok = tok.string in allowed or (not after_dot and bool(GENERATED.match(tok.string)))
            elif tok.type == tokenize.COMMENT:
                ok = bool(_COMMENT.match(tok.string))
            else:
                ok = tok.type in _LAYOUT
            if not ok:
                raise SchemeError(
                    f"generated code contains {tok.string!r} (line {tok.start[0]}); refusing it"
                )
            after_dot = tok.type == tokenize.OP and tok.string == "."
    except (tokenize.TokenError, SyntaxError) as err:
        raise SchemeError(f"generated code does not tokenize ({err}); refusing it") from None
