"""Fuzz of every public model constructor: junk in, a LimitdynError (or a valid scheme) out.

Each constructor gets 300 examples of small junk of every kind (None, numbers with nan and
inf, strings, bytes, nested containers, numpy arrays, SymPy objects of many kinds,
callables, objects whose ``__eq__``, ``__hash__``, ``__len__``, ``__iter__`` or ``__repr__``
raise), mixed with valid pieces so that the checks deep inside a constructor are reached.
Nothing but a :class:`~limitdyn.errors.LimitdynError` may come out: no ``TypeError``,
``AttributeError``, ``RecursionError`` or bare ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import limitdyn as ld
from limitdyn.errors import LimitdynError

x, y, z, a = sp.symbols("x y z a")
xp, yp = sp.symbols("x_p y_p")
f = sp.Function("f")
A = sp.MatrixSymbol("A", 2, 1)


class Boom(Exception):
    """What the hostile objects raise: not a LimitdynError, so a leak fails the test."""


class BadEq:
    def __eq__(self, other: object) -> bool:
        raise Boom("eq")

    __hash__ = object.__hash__


class BadHash:
    def __hash__(self) -> int:
        raise Boom("hash")


class BadLen(Sequence[Any]):
    def __len__(self) -> int:
        raise Boom("len")

    def __getitem__(self, i: Any) -> Any:
        raise Boom("getitem")


class BadIter:
    def __iter__(self) -> Iterator[Any]:
        raise Boom("iter")


class BadRepr:
    def __repr__(self) -> str:
        raise Boom("repr")


class BadBool:
    def __bool__(self) -> bool:
        raise Boom("bool")


class BadMapping(Mapping[Any, Any]):
    def __getitem__(self, k: Any) -> Any:
        raise Boom("getitem")

    def __iter__(self) -> Iterator[Any]:
        raise Boom("iter")

    def __len__(self) -> int:
        return 1


SYMPY_JUNK: list[Any] = [
    x,
    y,
    a,
    ld.tau,
    sp.Symbol("tau"),
    sp.Symbol("x", positive=True),
    sp.Dummy("x"),
    sp.Symbol(""),
    sp.Wild("w"),
    sp.Integer(3),
    sp.Rational(-1, 2),
    sp.Float(0.5),
    sp.Float("nan"),
    sp.nan,
    sp.zoo,
    sp.oo,
    -sp.oo,
    sp.I,
    sp.pi,
    sp.E,
    sp.sin(x) + y,
    x * y - a,
    x + ld.tau * y,
    sp.sin(ld.tau) / ld.tau,
    1 / (x - x),
    sp.Eq(x, 1),
    x < 1,
    sp.true,
    sp.And(x > 0, y > 0),
    sp.Matrix([x, y]),
    sp.Matrix([[x, y], [y, x]]),
    sp.ImmutableMatrix([-y, x]),
    sp.zeros(0, 1),
    A,
    A[0, 0],
    f,
    f(x),
    sp.sin,
    sp.Integral(x, x),
    sp.Derivative(f(x), x),
    sp.O(x),
    sp.Tuple(x, y),
    sp.FiniteSet(x, y),
    sp.Interval(0, 1),
    sp.Lambda(x, x**2),
    sp.Piecewise((x, x > 0), (0, True)),
    sp.IndexedBase("b")[0],
    sp.S.EmptySet,
    sp.AccumBounds(-1, 1),
    sp.Poly(x**2, x),
]
PYTHON_JUNK: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    2,
    10**30,
    0.5,
    -2.0,
    float("nan"),
    float("inf"),
    -float("inf"),
    1 + 2j,
    "",
    "x",
    "tau",
    "x-first",
    "simultaneous",
    b"x",
    bytearray(b"xy"),
    object(),
    print,
    lambda u: u,
    range(2),
    Ellipsis,
    np.array([1.0]),
    np.array([x, y], dtype=object),
    np.array(2.0),
    np.zeros((2, 2)),
    np.float64("nan"),
    np.int64(3),
    np.bool_(True),
]

HOSTILE = (BadEq, BadHash, BadLen, BadIter, BadRepr, BadBool, BadMapping)
#: built afresh per example (and not shown in the strategy's repr, which BadRepr breaks)
atoms = st.one_of(st.sampled_from(SYMPY_JUNK + PYTHON_JUNK), *(st.builds(c) for c in HOSTILE))
symbols = st.sampled_from([x, y, z, a, xp, yp, ld.tau, sp.Symbol("tau"), sp.Dummy("y")])
#: hashable junk, for the keys of mappings
keys = st.sampled_from([0, 1.5, "x", None, x + y, sp.nan, sp.Symbol("x", positive=True), A, f])
exprs = st.sampled_from([x, y, -x, x * y, sp.sin(x) - y, a * x, sp.Integer(0), ld.tau * x])


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    small = {"max_size": 3}
    return st.one_of(
        st.lists(children, **small),
        st.lists(children, **small).map(tuple),
        st.frozensets(st.sampled_from([x, y, z, 1, "x"]), max_size=3),
        st.sets(st.sampled_from([x, y, z, 1, "x"]), max_size=3),
        st.dictionaries(st.sampled_from([x, y, z, 0, "x", None]), children, max_size=3),
    )


#: small junk: atoms, valid pieces, and containers of them nested a few levels
junk = st.recursive(st.one_of(atoms, symbols, exprs), _containers, max_leaves=6)
#: plausible arguments: mostly right in shape, with junk here and there
symbol_lists = st.lists(st.one_of(symbols, junk), min_size=0, max_size=3)
fields = st.one_of(
    st.lists(st.one_of(exprs, junk), min_size=0, max_size=3),
    st.dictionaries(st.one_of(symbols, keys), st.one_of(exprs, junk), max_size=3),
)
anything = st.one_of(junk, symbols, exprs, symbol_lists, fields)
flags = st.one_of(st.booleans(), junk)
orders = st.one_of(st.sampled_from(["x-first", "y-first", "simultaneous"]), junk)
steps = st.one_of(st.just(ld.tau), symbols, junk)
rates = st.one_of(st.none(), st.lists(st.one_of(exprs, junk, st.integers(-2, 3)), max_size=3))
repeats = st.one_of(st.none(), st.lists(st.one_of(st.integers(-1, 3), junk), max_size=3))
blocks = st.one_of(
    junk,
    st.lists(st.tuples(st.one_of(symbols, symbol_lists), fields), min_size=0, max_size=3),
)
momenta = st.one_of(st.sampled_from([0, sp.Rational(1, 2), a, 1, -1, x, ld.tau]), junk)


def _kwargs(**options: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Some of the keyword options, each drawn from its strategy."""
    return st.fixed_dictionaries({}, optional=options)


@st.composite
def _corrupt(draw: st.DrawFn, value: Any, depth: int = 0) -> Any:
    """``value`` with one node somewhere inside it (lists, tuples, dict values) replaced
    by junk; at depth 0 always a node strictly inside."""
    inside = depth == 0 or draw(st.booleans())
    if isinstance(value, (list, tuple)) and value and depth < 3 and inside:
        i = draw(st.integers(0, len(value) - 1))
        items = list(value)
        items[i] = draw(_corrupt(items[i], depth + 1))
        return type(value)(items)
    if isinstance(value, dict) and value and depth < 3 and inside:
        key = draw(st.sampled_from(sorted(value, key=repr)))
        return {**value, key: draw(_corrupt(value[key], depth + 1))}
    return draw(junk)


def _valid_then_corrupted(call: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Valid ``(args, kwargs)``, a third of them as they are and the rest with one or two
    pieces replaced by junk, so that every check of a constructor is reached."""

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        args, kwargs = draw(call)
        for _ in range(draw(st.sampled_from([0, 1, 1, 2]))):
            if kwargs and draw(st.booleans()):
                kwargs = draw(_corrupt(kwargs))
            elif args:
                args = draw(_corrupt(tuple(args)))
        return tuple(args), kwargs

    return build()


POOL = (x, y, z)
PREVIOUS = {x: xp, y: yp, z: sp.Symbol("z_p")}
TERMS = (sp.Integer(1), x, y, z, a, x * y, sp.sin(x), y**2 - z, a * z)


@st.composite
def _state(draw: st.DrawFn) -> tuple[sp.Symbol, ...]:
    return tuple(draw(st.lists(st.sampled_from(POOL), min_size=1, max_size=3, unique=True)))


@st.composite
def _field(draw: st.DrawFn, variables: Sequence[sp.Symbol]) -> Any:
    entries = [draw(st.sampled_from(TERMS)) * draw(st.sampled_from([-1, 2])) for _ in variables]
    kind = draw(st.sampled_from(["list", "tuple", "dict", "matrix"]))
    if kind == "dict":
        return dict(zip(variables, entries))
    if kind == "matrix":
        return sp.Matrix(entries)
    return entries if kind == "list" else tuple(entries)


positive_rates = st.sampled_from([1, 2, sp.Rational(1, 2), a, 0.5])


@st.composite
def _euler(draw: st.DrawFn) -> Any:
    vs = draw(_state())
    return (draw(_field(vs)), list(vs)), {}


@st.composite
def _blocks(draw: st.DrawFn, *, repeats: bool) -> Any:
    vs = draw(_state())
    cut = draw(st.integers(1, len(vs)))
    parts = [vs[:cut], vs[cut:]] if cut < len(vs) else [vs]
    blocks = [(list(p), draw(_field(p))) for p in parts]
    kwargs: dict[str, Any] = {"implicit": draw(st.booleans())}
    if draw(st.booleans()):
        kwargs["rates"] = [draw(positive_rates) for _ in parts]
    if repeats and draw(st.booleans()):
        kwargs["repeats"] = [draw(st.integers(1, 3)) for _ in parts]
    return (blocks,), kwargs


@st.composite
def _game(draw: st.DrawFn) -> Any:
    cx, cy = draw(st.sampled_from(TERMS)) * x, draw(st.sampled_from(TERMS)) * y
    kwargs = {
        "order": draw(st.sampled_from(["x-first", "y-first", "simultaneous"])),
        "implicit": draw(st.booleans()),
        "rates": [draw(positive_rates), draw(positive_rates)],
    }
    if kwargs["order"] != "simultaneous":
        kwargs["repeats"] = [draw(st.integers(1, 2)), 1]
    return (cx, cy, [x], [y]), kwargs


@st.composite
def _from_map(draw: st.DrawFn) -> Any:
    vs = draw(_state())
    mapping = {v: v + ld.tau * draw(st.sampled_from(TERMS)) for v in vs}
    return (mapping,), {"variables": list(vs)} if draw(st.booleans()) else {}


@st.composite
def _two_step(draw: st.DrawFn) -> Any:
    vs = draw(_state())
    prev = [PREVIOUS[v] for v in vs]
    rec = {v: p + 2 * ld.tau * draw(st.sampled_from(TERMS)) for v, p in zip(vs, prev)}
    return (rec,), {"previous": prev}


@st.composite
def _heavy_ball(draw: st.DrawFn) -> Any:
    vs = draw(_state())
    loss = sum(draw(st.sampled_from(TERMS)) * v for v in vs)
    return (loss, list(vs)), {"momentum": draw(st.sampled_from([0, sp.Rational(1, 2), a]))}


@st.composite
def _stage_parts(draw: st.DrawFn) -> Any:
    vs = draw(_state())
    return list(vs), [v + ld.tau * draw(st.sampled_from(TERMS)) for v in vs]


@st.composite
def _explicit_stage(draw: st.DrawFn) -> Any:
    targets, values = draw(_stage_parts())
    return (targets, values), {"label": "s"}


@st.composite
def _implicit_stage(draw: st.DrawFn) -> Any:
    targets, values = draw(_stage_parts())
    unknowns = [sp.Dummy(f"{v}_new") for v in targets]
    residual = [w - val for w, val in zip(unknowns, values)]
    return (targets, unknowns, residual), {"label": "s"}


@st.composite
def _scheme(draw: st.DrawFn) -> Any:
    targets, values = draw(_stage_parts())
    return (targets, [ld.ExplicitStage(tuple(targets), tuple(values))]), {"name": "s"}


@st.composite
def _two_step_scheme(draw: st.DrawFn) -> Any:
    (rec,), kwargs = draw(_two_step())
    return (list(rec), kwargs["previous"], list(rec.values())), {"name": "s"}


def _case(
    valid: st.SearchStrategy[Any], junk_call: st.SearchStrategy[Any]
) -> st.SearchStrategy[Any]:
    return st.one_of(_valid_then_corrupted(valid), junk_call)


#: name -> (constructor, strategy of (args, kwargs))
CASES: dict[str, tuple[Callable[..., Any], st.SearchStrategy[Any]]] = {
    "explicit": (
        ld.explicit,
        _case(_euler(), st.tuples(st.tuples(fields, symbol_lists), _kwargs(step=steps))),
    ),
    "implicit": (
        ld.implicit,
        _case(_euler(), st.tuples(st.tuples(fields, symbol_lists), _kwargs(step=steps))),
    ),
    "alternating": (
        ld.alternating,
        _case(
            _blocks(repeats=True),
            st.tuples(
                st.tuples(blocks),
                _kwargs(rates=rates, repeats=repeats, implicit=flags, step=steps),
            ),
        ),
    ),
    "simultaneous": (
        ld.simultaneous,
        _case(
            _blocks(repeats=False),
            st.tuples(st.tuples(blocks), _kwargs(rates=rates, implicit=flags, step=steps)),
        ),
    ),
    "game": (
        ld.game,
        _case(
            _game(),
            st.tuples(
                st.tuples(st.one_of(exprs, junk), st.one_of(exprs, junk), anything, anything),
                _kwargs(order=orders, implicit=flags, rates=rates, repeats=repeats, step=steps),
            ),
        ),
    ),
    "from_map": (
        ld.from_map,
        _case(
            _from_map(),
            st.tuples(st.tuples(st.one_of(fields, junk)), _kwargs(variables=anything, step=steps)),
        ),
    ),
    "extragradient": (
        ld.extragradient,
        _case(_euler(), st.tuples(st.tuples(fields, symbol_lists), _kwargs(step=steps))),
    ),
    "two_step": (
        ld.two_step,
        _case(
            _two_step(),
            st.tuples(
                st.tuples(st.one_of(fields, junk)),
                st.fixed_dictionaries(
                    {"previous": st.one_of(symbol_lists, junk)},
                    optional={"step": steps, "name": junk},
                ),
            ),
        ),
    ),
    "heavy_ball": (
        ld.heavy_ball,
        _case(
            _heavy_ball(),
            st.tuples(
                st.tuples(st.one_of(exprs, junk), st.one_of(symbols, symbol_lists, junk)),
                st.fixed_dictionaries(
                    {"momentum": momenta}, optional={"previous": anything, "step": steps}
                ),
            ),
        ),
    ),
    "optimistic": (
        ld.optimistic,
        _case(
            _euler(),
            st.tuples(st.tuples(fields, symbol_lists), _kwargs(previous=anything, step=steps)),
        ),
    ),
    "ODE": (
        ld.ODE,
        _case(
            _euler().map(lambda c: ((c[0][1], c[0][0]), {})),
            st.tuples(st.tuples(symbol_lists, st.one_of(fields, junk)), _kwargs(name=junk)),
        ),
    ),
    "Scheme": (
        ld.Scheme,
        _case(
            _scheme(),
            st.tuples(
                st.tuples(
                    symbol_lists,
                    st.one_of(junk, st.lists(st.one_of(junk, st.just(None)), max_size=2)),
                ),
                _kwargs(step=steps, name=junk),
            ),
        ),
    ),
    "ExplicitStage": (
        ld.ExplicitStage,
        _case(
            _explicit_stage(),
            st.tuples(st.tuples(symbol_lists, st.one_of(fields, junk)), _kwargs(label=junk)),
        ),
    ),
    "ImplicitStage": (
        ld.ImplicitStage,
        _case(
            _implicit_stage(),
            st.tuples(
                st.tuples(symbol_lists, symbol_lists, st.one_of(fields, junk)),
                _kwargs(label=junk),
            ),
        ),
    ),
    "TwoStepScheme": (
        ld.TwoStepScheme,
        _case(
            _two_step_scheme(),
            st.tuples(
                st.tuples(symbol_lists, symbol_lists, st.one_of(fields, junk)),
                _kwargs(step=steps, name=junk),
            ),
        ),
    ),
}
RESULT_TYPES = (ld.Scheme, ld.TwoStepScheme, ld.ODE, ld.ExplicitStage, ld.ImplicitStage)


def _call(build: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    try:
        out = build(*args, **kwargs)
    except LimitdynError:
        return
    assert isinstance(out, RESULT_TYPES)
    repr(out)  # a scheme that comes out is usable: its facts compute
    if not isinstance(out, (ld.ExplicitStage, ld.ImplicitStage)):
        assert all(isinstance(p, sp.Symbol) for p in out.parameters)
        assert len({s.name for s in (*out.variables, *out.parameters)}) == len(out.variables) + len(
            out.parameters
        )


@pytest.mark.parametrize("name", sorted(CASES))
def test_constructor_lets_only_limitdyn_errors_out(name: str) -> None:
    build, strategy = CASES[name]

    @settings(
        max_examples=300,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(strategy)
    def check(call: tuple[tuple[Any, ...], dict[str, Any]]) -> None:
        _call(build, *call)

    check()


def test_every_public_constructor_is_fuzzed() -> None:
    """The list above is the public list: a new constructor must join the fuzz."""
    constructors = {
        n
        for n in ld.__all__
        if n in ld._LAZY
        and ld._LAZY[n] in ("._scheme", "._multistep", "._ode")
        and callable(getattr(ld, n))
        and n not in ("Stage", "tau")
    }
    assert constructors == set(CASES)
