"""The safe expression parser of scheme files: text to SymPy by an ``ast`` whitelist.

The text is parsed by :func:`ast.parse` (``mode="eval"``) and the tree is walked node by
node; each allowed node is turned into a SymPy object directly. Allowed are numbers
(integers and decimals, read as exact rationals), the declared symbols, the constants
``pi`` and ``E``, ``+ - * / **``, unary signs, and calls of the functions of
:data:`FUNCTIONS` by their bare name with positional arguments. Every other node (an
attribute, a subscript, a lambda, a comprehension, a string, an f-string, a comparison,
a call of anything else, keyword arguments, starred arguments, an undeclared or dunder
name) is refused with a :class:`~limitdyn.errors.SpecError` naming it. Nothing is ever
evaluated as Python: there is no ``eval``, ``exec`` or ``sympify`` on the text.

The work is bounded before SymPy sees anything: the text is at most
:data:`MAX_LENGTH` characters, the tree at most :data:`MAX_DEPTH` deep (measured
without recursion), literals at most :data:`MAX_DIGITS` digits, and exact numbers at
most :data:`MAX_BITS` bits (a power of numbers is refused before it is computed when
its result would be larger).
"""

from __future__ import annotations

import ast
import keyword
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import sympy as sp

from ..errors import SpecError

__all__ = [
    "CONSTANTS",
    "FUNCTIONS",
    "MAX_BITS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "ExprError",
    "check_name",
    "parse_expr",
]

#: longest expression text accepted
MAX_LENGTH = 2000
#: deepest syntax tree accepted
MAX_DEPTH = 100
#: most digits in one numeric literal
MAX_DIGITS = 40
#: most bits in the numerator or denominator of an exact number built while parsing
MAX_BITS = 4096


def _sigmoid(x: sp.Expr) -> sp.Expr:
    return 1 / (1 + sp.exp(-x))


def _softplus(x: sp.Expr) -> sp.Expr:
    return sp.log(1 + sp.exp(x))


def _relu(x: sp.Expr) -> sp.Expr:
    return sp.Max(0, x)


@dataclass(frozen=True)
class _Function:
    build: Callable[..., sp.Expr]
    arity: tuple[int, int | None]  # (least, most); None: any number


_ONE = (1, 1)
#: the callable names, each with the SymPy object it builds
FUNCTIONS: dict[str, _Function] = {
    "sin": _Function(sp.sin, _ONE),
    "cos": _Function(sp.cos, _ONE),
    "tan": _Function(sp.tan, _ONE),
    "asin": _Function(sp.asin, _ONE),
    "acos": _Function(sp.acos, _ONE),
    "atan": _Function(sp.atan, _ONE),
    "sinh": _Function(sp.sinh, _ONE),
    "cosh": _Function(sp.cosh, _ONE),
    "tanh": _Function(sp.tanh, _ONE),
    "asinh": _Function(sp.asinh, _ONE),
    "exp": _Function(sp.exp, _ONE),
    "sqrt": _Function(sp.sqrt, _ONE),
    "erf": _Function(sp.erf, _ONE),
    "sign": _Function(sp.sign, _ONE),
    "Abs": _Function(sp.Abs, _ONE),
    "abs": _Function(sp.Abs, _ONE),
    "log": _Function(sp.log, _ONE),
    "atan2": _Function(sp.atan2, (2, 2)),
    "Max": _Function(sp.Max, (1, None)),
    "Min": _Function(sp.Min, (1, None)),
    "max": _Function(sp.Max, (1, None)),
    "min": _Function(sp.Min, (1, None)),
    "relu": _Function(_relu, _ONE),
    "sigmoid": _Function(_sigmoid, _ONE),
    "softplus": _Function(_softplus, _ONE),
}
#: the constant names
CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "E": sp.E}


class ExprError(SpecError):
    """An expression was refused; ``offset`` is the 0-based column inside the text."""

    def __init__(self, message: str, *, offset: int | None = None):
        self.offset = offset
        super().__init__(message)


def check_name(name: object, *, what: str) -> str:
    """``name`` if it can name a symbol in expressions, else :class:`SpecError`.

    A name is a Python identifier, not a keyword, not starting with ``_``, and not one of
    the function or constant names.

    Examples
    --------
    >>> check_name("x_r", what="variable")
    'x_r'
    >>> check_name("exp", what="parameter")
    Traceback (most recent call last):
    ...
    limitdyn.errors.SpecError: parameter name 'exp' is the name of a function; choose another
    """
    if not isinstance(name, str):
        raise SpecError(f"{what} name must be a string, got {type(name).__name__}")
    if not name.isidentifier() or not name.isascii() or keyword.iskeyword(name):
        raise SpecError(f"{what} name {name!r} is not a valid name (letters, digits, _)")
    if name.startswith("_"):
        raise SpecError(f"{what} name {name!r} must not start with '_'")
    if name in FUNCTIONS:
        raise SpecError(f"{what} name {name!r} is the name of a function; choose another")
    if name in CONSTANTS:
        raise SpecError(f"{what} name {name!r} is the name of a constant; choose another")
    return name


def _describe(node: ast.AST) -> str:
    names = {
        ast.Attribute: "attribute access",
        ast.Subscript: "subscripts",
        ast.Lambda: "lambdas",
        ast.ListComp: "comprehensions",
        ast.SetComp: "comprehensions",
        ast.DictComp: "comprehensions",
        ast.GeneratorExp: "comprehensions",
        ast.JoinedStr: "f-strings",
        ast.Compare: "comparisons",
        ast.BoolOp: "'and'/'or'",
        ast.IfExp: "conditional expressions",
        ast.NamedExpr: "assignment expressions",
        ast.Starred: "starred arguments",
        ast.Await: "await",
        ast.Yield: "yield",
        ast.YieldFrom: "yield",
        ast.List: "lists",
        ast.Tuple: "tuples",
        ast.Dict: "dicts",
        ast.Set: "sets",
    }
    return names.get(type(node), type(node).__name__)


def _offset(node: ast.AST) -> int | None:
    return node.col_offset if isinstance(node, ast.expr) else None


def _depth(tree: ast.AST) -> int:
    """Depth of ``tree``, by an explicit stack (no recursion, however deep it is)."""
    deepest = 0
    stack = [(tree, 1)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, d + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _check_size(value: sp.Expr, node: ast.AST) -> sp.Expr:
    if isinstance(value, sp.Rational):
        p, q = value.as_numer_denom()
        if max(abs(int(p)).bit_length(), abs(int(q)).bit_length()) > MAX_BITS:
            raise ExprError(f"a number of more than {MAX_BITS} bits", offset=_offset(node))
    return value


class _Builder:
    def __init__(self, symbols: Mapping[str, sp.Symbol]):
        self.symbols = symbols

    def build(self, node: ast.AST) -> sp.Expr:
        if isinstance(node, ast.Constant):
            return self._constant(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self.build(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            return self._binop(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        raise self._refuse(node)

    def _refuse(self, node: ast.AST) -> ExprError:
        what = _describe(node)
        if isinstance(node, ast.UnaryOp):
            what = f"the operator {type(node.op).__name__}"
        return ExprError(
            f"{what} not allowed in expressions (only numbers, declared symbols, "
            "+ - * / ** and the math functions)",
            offset=_offset(node),
        )

    def _constant(self, node: ast.Constant) -> sp.Expr:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ExprError(
                f"{type(value).__name__} literals are not allowed in expressions",
                offset=node.col_offset,
            )
        if isinstance(value, float):
            if not math.isfinite(value):
                raise ExprError("a number too large for a float", offset=node.col_offset)
            return _check_size(sp.Rational(repr(value)), node)
        if len(str(value)) > MAX_DIGITS:
            raise ExprError(f"an integer of more than {MAX_DIGITS} digits", offset=node.col_offset)
        return sp.Integer(value)

    def _name(self, node: ast.Name) -> sp.Expr:
        name = node.id
        if name in self.symbols:
            return self.symbols[name]
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in FUNCTIONS:
            raise ExprError(
                f"the function {name} must be called, as {name}(...)", offset=node.col_offset
            )
        if name.startswith("__"):
            raise ExprError(f"dunder name {name!r} not allowed", offset=node.col_offset)
        raise ExprError(f"undeclared symbol {name!r}", offset=node.col_offset)

    def _binop(self, node: ast.BinOp) -> sp.Expr:
        op = node.op
        if isinstance(op, ast.BitXor):
            raise ExprError("'^' is not a power; write '**'", offset=node.col_offset)
        if not isinstance(op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)):
            raise ExprError(
                f"the operator {type(op).__name__} is not allowed (only + - * / **)",
                offset=node.col_offset,
            )
        left = self.build(node.left)
        right = self.build(node.right)
        if isinstance(op, ast.Add):
            result = left + right
        elif isinstance(op, ast.Sub):
            result = left - right
        elif isinstance(op, ast.Mult):
            result = left * right
        elif isinstance(op, ast.Div):
            if right == 0:
                raise ExprError("division by zero", offset=node.col_offset)
            result = left / right
        else:
            result = self._power(left, right, node)
        if result.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            raise ExprError("the expression is not finite", offset=node.col_offset)
        return _check_size(result, node)

    def _power(self, base: sp.Expr, exponent: sp.Expr, node: ast.BinOp) -> sp.Expr:
        if isinstance(exponent, sp.Number) and isinstance(base, sp.Number):
            # bound the size of the result before SymPy computes it
            if isinstance(base, sp.Rational) and base not in (0, 1, -1):
                p, q = base.as_numer_denom()
                bits = max(abs(int(p)).bit_length(), abs(int(q)).bit_length())
                if bits * abs(float(exponent)) > MAX_BITS:
                    raise ExprError(
                        f"a number of more than {MAX_BITS} bits", offset=node.col_offset
                    )
            if base == 0 and exponent.is_negative:
                raise ExprError("division by zero", offset=node.col_offset)
        elif isinstance(exponent, sp.Number) and abs(float(exponent)) > 1000:
            raise ExprError("an exponent larger than 1000", offset=node.col_offset)
        return base**exponent

    def _call(self, node: ast.Call) -> sp.Expr:
        func = node.func
        if not isinstance(func, ast.Name):
            raise ExprError(
                f"calls of {_describe(func)} are not allowed; call a math function by name",
                offset=node.col_offset,
            )
        name = func.id
        if name not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            raise ExprError(
                f"unknown function {name!r}; the functions are: {known}", offset=node.col_offset
            )
        if node.keywords:
            raise ExprError(f"{name}() takes no keyword arguments", offset=node.col_offset)
        spec = FUNCTIONS[name]
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self._refuse(arg)
        least, most = spec.arity
        if len(node.args) < least or (most is not None and len(node.args) > most):
            want = str(least) if least == most else f"at least {least}"
            raise ExprError(
                f"{name}() takes {want} argument(s), got {len(node.args)}", offset=node.col_offset
            )
        args = [self.build(a) for a in node.args]
        result = spec.build(*args)
        if result.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            raise ExprError(f"{name}(...) is not finite here", offset=node.col_offset)
        return result


def parse_expr(text: object, symbols: Mapping[str, sp.Symbol]) -> sp.Expr:
    """The SymPy expression written in ``text``, over the declared ``symbols``.

    Parameters
    ----------
    text : str or int or float
        The expression (a number is taken as it is, floats as exact decimals).
    symbols : mapping str -> Symbol
        The declared names.

    Returns
    -------
    Expr

    Raises
    ------
    ExprError
        (a :class:`~limitdyn.errors.SpecError`) for anything outside the whitelist, with
        the offending construct named and its column in ``offset``.

    Examples
    --------
    >>> import sympy as sp
    >>> x, a = sp.symbols("x a")
    >>> parse_expr("-a*x**2/2 + 0.1*sigmoid(x)", {"x": x, "a": a})
    -a*x**2/2 + 1/(10*(1 + exp(-x)))
    >>> parse_expr("().__class__", {"x": x})
    Traceback (most recent call last):
    ...
    limitdyn.spec._parse.ExprError: attribute access not allowed in expressions (only ...
    """
    if isinstance(text, bool):
        raise ExprError("expected an expression, got a boolean")
    if isinstance(text, (int, float)):
        text = repr(text)
    if not isinstance(text, str):
        raise ExprError(f"expected an expression (a string or number), got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExprError(f"expression longer than {MAX_LENGTH} characters ({len(text)})")
    if not text.strip():
        raise ExprError("empty expression")
    if not text.isascii():
        bad = next(i for i, c in enumerate(text) if not c.isascii())
        raise ExprError(f"non-ASCII character {text[bad]!r} in an expression", offset=bad)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        offset = (exc.offset - 1) if exc.offset else None
        raise ExprError(f"not a valid expression: {exc.msg}", offset=offset) from None
    except (ValueError, MemoryError, RecursionError) as exc:
        raise ExprError(f"not a valid expression: {type(exc).__name__}") from None
    if _depth(tree) > MAX_DEPTH:
        raise ExprError(f"expression nested more than {MAX_DEPTH} levels deep")
    lead = len(text) - len(text.lstrip())
    try:
        return _Builder(symbols).build(tree.body)
    except ExprError as exc:
        if exc.offset is not None:
            exc.offset += lead
        raise
    except (TypeError, ValueError, ArithmeticError, RecursionError, MemoryError) as exc:
        raise ExprError(f"expression cannot be built: {type(exc).__name__}: {exc}") from None
