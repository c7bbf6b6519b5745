"""The whitelist expression parser: what it builds, what it refuses, and that it never
lets anything but SpecError out (hypothesis on random text)."""

from __future__ import annotations

import string

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from limitdyn.errors import SpecError
from limitdyn.spec._parse import FUNCTIONS, MAX_DEPTH, MAX_LENGTH, check_name, parse_expr

x, y, a = sp.symbols("x y a")
SYMBOLS = {"x": x, "y": y, "a": a}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x + 2*y - a/3", x + 2 * y - a / 3),
        ("x**2 - -y", x**2 + y),
        ("0.1*x", sp.Rational(1, 10) * x),  # decimals are exact rationals
        ("1e-3", sp.Rational(1, 1000)),
        (
            "sin(x)*cos(y) + exp(-x) + log(a) + sqrt(x)",
            sp.sin(x) * sp.cos(y) + sp.exp(-x) + sp.log(a) + sp.sqrt(x),
        ),
        (
            "tanh(x) + cosh(x) + sinh(x) + Abs(x) + abs(y)",
            sp.tanh(x) + sp.cosh(x) + sp.sinh(x) + sp.Abs(x) + sp.Abs(y),
        ),
        ("sigmoid(x)", 1 / (1 + sp.exp(-x))),
        ("softplus(x)", sp.log(1 + sp.exp(x))),
        ("relu(x) + Max(x, y, 0) + Min(x, 1)", sp.Max(0, x) + sp.Max(x, y, 0) + sp.Min(x, 1)),
        ("pi*E", sp.pi * sp.E),
        ("atan2(y, x)", sp.atan2(y, x)),
        ("  x  ", x),
        (3, sp.Integer(3)),
        (0.25, sp.Rational(1, 4)),
    ],
)
def test_builds_sympy_directly(text: object, expected: sp.Expr) -> None:
    assert parse_expr(text, SYMBOLS) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("z + 1", "undeclared symbol 'z'"),
        ("x.func", "attribute access"),
        ("x[0]", "subscripts"),
        ("(lambda: 1)()", "calls of lambdas"),
        ("lambda: 1", "lambdas"),
        ("[t for t in (1, 2)]", "comprehensions"),
        ("'x'", "str literals"),
        ("f'{x}'", "f-strings"),
        ("__import__('os')", "unknown function '__import__'"),
        ("__builtins__", "dunder name"),
        ("getattr(x, 'y')", "unknown function 'getattr'"),
        ("eval('1')", "unknown function 'eval'"),
        ("exp(x=1)", "no keyword arguments"),
        ("exp(x, y)", "takes 1 argument"),
        ("exp", "must be called"),
        ("x ^ 2", "write '**'"),
        ("x < 1", "comparisons"),
        ("x % 2", "the operator Mod"),
        ("~x", "the operator Invert"),
        ("True", "bool literals"),
        ("1j", "complex literals"),
        ("1/0", "division by zero"),
        ("log(0)", "not finite"),
        ("2**100000", "more than 4096 bits"),
        ("9**9**9**9", "bits"),
        ("x**100000", "exponent larger than 1000"),
        ("1" * 50, "digits"),
        ("1e999", "too large"),
        ("x +", "not a valid expression"),
        ("", "empty expression"),
        ("x" * (MAX_LENGTH + 1), "longer than"),
        ("exp(" * (MAX_DEPTH + 5) + "x" + ")" * (MAX_DEPTH + 5), "nested more than"),
        ("(" * 300 + "x" + ")" * 300, "not a valid expression"),  # the parser's own bound
        ("+".join(["x"] * 900), "nested more than"),  # a long chain is a deep tree
        ("-" * 500 + "x", "nested more than"),
    ],
)
def test_refuses_with_a_named_reason(text: str, message: str) -> None:
    with pytest.raises(SpecError, match=None) as info:
        parse_expr(text, SYMBOLS)
    assert message in str(info.value)


def test_offset_points_at_the_culprit() -> None:
    with pytest.raises(SpecError) as info:
        parse_expr("x + 2*zz", SYMBOLS)
    assert info.value.offset == 6  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["x", "x_r", "theta2", "gamma"])
def test_good_names(name: str) -> None:
    assert check_name(name, what="variable") == name


@pytest.mark.parametrize(
    "name", ["_x", "__class__", "lambda", "exp", "pi", "E", "2x", "a-b", "", "ｘ"]
)
def test_bad_names(name: str) -> None:
    with pytest.raises(SpecError):
        check_name(name, what="variable")


def test_every_function_builds_on_a_symbol() -> None:
    for name, spec in FUNCTIONS.items():
        args = ", ".join(["x"] * spec.arity[0])
        assert isinstance(parse_expr(f"{name}({args})", SYMBOLS), sp.Expr), name


_ALPHABET = string.ascii_letters[:8] + string.digits + "+-*/()., _^%[]{}'\"<>=!@~:;\n\\"


@settings(deadline=None, max_examples=200)
@given(st.text(alphabet=_ALPHABET, max_size=60))
def test_random_text_raises_only_spec_error(text: str) -> None:
    try:
        result = parse_expr(text, SYMBOLS)
    except SpecError:
        return
    assert isinstance(result, sp.Expr)
    assert result.free_symbols <= {x, y, a}


@settings(deadline=None, max_examples=100)
@given(st.text(max_size=40))
def test_random_unicode_raises_only_spec_error(text: str) -> None:
    try:
        parse_expr(text, SYMBOLS)
    except SpecError:
        pass


_TOKENS = [
    "x",
    "y",
    "a",
    "1",
    "2",
    "0.5",
    "+",
    "-",
    "*",
    "/",
    "**",
    "(",
    ")",
    "exp(",
    "sigmoid(",
    "Max(",
    ",",
    "9",
    "**9",
]


@settings(deadline=None, max_examples=200)
@given(st.lists(st.sampled_from(_TOKENS), max_size=30))
def test_token_soup_raises_only_spec_error(tokens: list[str]) -> None:
    """Near-valid expressions (token sequences of the grammar) build or are refused."""
    try:
        result = parse_expr("".join(tokens), SYMBOLS)
    except SpecError:
        return
    assert result.free_symbols <= {x, y, a}
