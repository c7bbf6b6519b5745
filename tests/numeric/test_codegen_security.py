"""No user text ever reaches generated code (issue 9): a canary suite.

Every SymPy node that carries a name is given a name that is Python code touching a canary
file. A name that is renamed must give the right numbers and leave the canary alone; a node
that cannot be renamed must be refused with a SchemeError naming it before any module is
written. Each case runs on both engines, through ``ld.integrate`` and on implicit (Newton)
stages, from a fresh cache directory so that no module of an earlier run is reused.
Refused nodes are also smuggled past the model's own checks into a built scheme, so the
code generator is shown safe on its own (defence in depth).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from scipy.linalg import expm
from sympy.stats import Normal

import limitdyn as ld
from limitdyn.numeric import _compile
from limitdyn.numeric._codegen import ode_source, scheme_loop_source
from limitdyn.numeric._printer import check_source, print_expr

x = sp.Symbol("x")
TARGETS = ["numpy", "numba", "integrate", "implicit-numpy", "implicit-numba"]


@pytest.fixture
def canary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The file that payloads create, and a fresh, empty cache of generated modules."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("LIMITDYN_CACHE_DIR", str(cache))
    caches = (_compile.compile_scheme, _compile.compile_ode, _compile.cache_dir)
    for fn in caches:
        getattr(fn, "cache_clear", lambda: None)()
    yield tmp_path / "pwned"
    for fn in caches:
        getattr(fn, "cache_clear", lambda: None)()
    for module in cache.rglob("*.py"):
        text = module.read_text()
        assert "__import__" not in text and "pwned" not in text, module


def code(canary: Path, tag: int = 0) -> str:
    """A Python expression that creates the canary file (its value is a 1x1 array)."""
    touch = f"__import__('pathlib').Path({str(canary)!r}).touch()"
    return f"({touch}, __import__('numpy').zeros((1, 1)), {tag})[1]"


def import_time_code(canary: Path) -> str:
    """A name whose lines, printed into a loop body, make a module that runs at import."""
    return (
        f"zz\n__import__('pathlib').Path({str(canary)!r}).touch()\n"
        "def _g(z0, p, hs, stride, out, t, tol, maxiter, A, b):\n    for k in range(1):\n        zz"
    )


def free_parameters(exprs: list[sp.Expr], variables: list[sp.Symbol]) -> dict[sp.Symbol, float]:
    """The value 0.5 for every free Symbol of ``exprs`` that is not a variable."""
    free = set().union(*(e.free_symbols for e in exprs)) - set(variables)
    return {s: 0.5 for s in free if isinstance(s, sp.Symbol)}


def run(target: str, field: list[sp.Expr], variables: list[sp.Symbol], **kw) -> np.ndarray:
    """One step (or t = 0.1 of the ODE) of ``field`` from (1, 2, ...), on ``target``."""
    z0 = [1.0 + i for i in range(len(variables))]
    params = kw.pop("params", None) or free_parameters(field, variables)
    if target == "integrate":
        ode = ld.ODE(tuple(variables), field)
        return ld.integrate(ode, z0, t_end=0.1, params=params, method="Radau").z[-1]
    build = ld.implicit if target.startswith("implicit") else ld.explicit
    scheme = build(field, variables, **kw)
    engine = target.split("-")[-1]
    return ld.iterate(scheme, z0, tau=0.1, steps=1, params=params, engine=engine).z[-1]


def smuggled(target: str, value: sp.Expr) -> Callable[[], object]:
    """The call of ``target`` on a scheme (or ODE) whose field is ``-x + value``, with
    ``value`` set into the built object past the model's own checks."""
    marker = sp.Symbol("marker")
    params = free_parameters([value], [x])
    if target == "integrate":
        ode = ld.ODE((x,), [-x + marker])
        object.__setattr__(ode, "rhs", ode.rhs.xreplace({marker: value}))
        vars(ode).pop("jacobian", None)
        vars(ode)["parameters"] = tuple(params)
        return lambda: ld.integrate(ode, [0.1], t_end=0.1, params=params)
    implicit = target.startswith("implicit")
    scheme = (ld.implicit if implicit else ld.explicit)([-x + marker], [x])
    stage = scheme.stages[0]
    part = "residual" if implicit else "values"
    new = tuple(e.xreplace({marker: value}) for e in getattr(stage, part))
    object.__setattr__(stage, part, new)
    vars(scheme)["parameters"] = tuple(params)  # its Symbols, as a lenient model would list
    engine = target.split("-")[-1]
    return lambda: ld.iterate(scheme, [0.1], tau=0.1, steps=1, params=params, engine=engine)


def skip_without_numba(target: str) -> None:
    if target.endswith("numba"):
        pytest.importorskip("numba")


# -- names that are renamed: right numbers, no canary ---------------------------------------


@pytest.mark.parametrize("target", [*TARGETS, "limit_ode"])
def test_named_symbols_are_renamed(target: str, canary: Path) -> None:
    """Symbol (variable, parameter, step), Dummy, Wild, a Lambda's variable, a symbol in
    a Piecewise condition and in an UnevaluatedExpr, all named with code (one with
    newlines): the linear field
    ``(-u + b v, d u - v)`` gives explicit Euler, implicit Euler and ``expm`` exactly."""
    skip_without_numba(target)
    u = sp.Symbol("u")
    v = sp.Symbol(import_time_code(canary))  # a variable
    b = sp.Symbol(code(canary, 1))  # parameters of three kinds
    switch = sp.Dummy(code(canary, 2))
    d = sp.Wild(code(canary, 3))
    bound = sp.Symbol(code(canary, 4))  # a Lambda's own variable
    step = sp.Symbol(code(canary, 5), positive=True)
    term = sp.UnevaluatedExpr(sp.Lambda(bound, bound * b)(v))
    field = [term - u, sp.Piecewise((-v, switch > 0), (v, True)) + d * u]
    params = {b: 0.5, switch: 1.0, d: 0.25}
    m = np.array([[-1.0, 0.5], [0.25, -1.0]])
    z0 = np.array([1.0, 2.0])
    if target == "limit_ode":
        ode = ld.limit_ode(ld.explicit(field, [u, v], step=step))
        got = ld.integrate(ode, z0, t_end=0.1, params=params, method="Radau").z[-1]
    else:
        kw = {} if target == "integrate" else {"step": step}
        got = run(target, field, [u, v], params=params, **kw)
    if target in ("integrate", "limit_ode"):
        expected = expm(0.1 * m) @ z0
        np.testing.assert_allclose(got, expected, rtol=1e-8)
    elif target.startswith("implicit"):
        np.testing.assert_allclose(got, np.linalg.solve(np.eye(2) - 0.1 * m, z0), rtol=1e-13)
    else:
        np.testing.assert_allclose(got, z0 + 0.1 * m @ z0, rtol=1e-15)
    assert not canary.exists()


# -- nodes that carry a name and cannot be renamed: refused, no module written --------------

#: node -> (expression with a name that is code, what the refusal names)
NAMED: dict[str, tuple[Callable[[str], sp.Expr], str]] = {
    "MatrixElement": (lambda c: sp.MatrixSymbol(c, 1, 1)[0, 0], "MatrixElement|MatrixSymbol"),
    "Indexed": (lambda c: sp.IndexedBase(c)[0], "Indexed"),
    "Idx": (lambda c: sp.IndexedBase("a")[sp.Idx(c, 3)], "Indexed|Idx"),
    "AppliedUndef": (lambda c: sp.Function(c)(x), r"\(\.\.\.\), which has no numeric value"),
    "Function subclass": (lambda c: type(c, (sp.Function,), {})(x), "the function"),
    "Derivative": (lambda c: sp.Derivative(sp.Function(c)(x), x), "no numeric value"),
    "Subs": (lambda c: sp.Subs(sp.Symbol(c) ** 2, sp.Symbol(c), x), "Subs"),
    "Integral": (lambda c: sp.Integral(sp.Symbol(c), (sp.Symbol(c), 0, x)), "Integral"),
    "Sum": (lambda c: sp.Sum(sp.Symbol(c) * x, (sp.Symbol(c), 1, 3)), "Sum"),
    "Product": (lambda c: sp.Product(sp.Symbol(c) + x, (sp.Symbol(c), 1, 3)), "Product"),
    "RandomSymbol": (lambda c: Normal(c, 0, 1), "RandomSymbol"),
    "AppliedPredicate": (
        lambda c: sp.Piecewise((x, sp.Q.positive(sp.Symbol(c))), (-x, True)),
        "AppliedPredicate",
    ),
}


def _payload(kind: str, canary: Path) -> str:
    return import_time_code(canary) if kind == "import-time" else code(canary)


@pytest.mark.parametrize("kind", ["call", "import-time"])
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("node", sorted(NAMED))
def test_named_nodes_are_refused_before_code_is_written(
    node: str, target: str, kind: str, canary: Path
) -> None:
    """Smuggled past the model into a built scheme: the code generator refuses the node."""
    skip_without_numba(target)
    build, names = NAMED[node]
    call = smuggled(target, build(_payload(kind, canary)))
    with pytest.raises(ld.SchemeError, match=names):
        call()
    assert not canary.exists()
    assert not list((canary.parent / "cache").rglob("limitdyn_generated_*.py"))


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("node", sorted(NAMED))
def test_named_nodes_are_refused_through_the_constructors(
    node: str, target: str, canary: Path
) -> None:
    """Through the public constructors: the model or the code generator refuses the node."""
    skip_without_numba(target)
    build, names = NAMED[node]
    with pytest.raises(ld.SchemeError, match=names):
        run(target, [-x + build(code(canary))], [x])
    assert not canary.exists()


def test_every_named_node_type_is_refused_by_the_printer(canary: Path) -> None:
    """Unit level: the printer itself names each node type and prints nothing of it."""
    c = code(canary)
    for build, names in NAMED.values():
        with pytest.raises(ld.SchemeError, match=names):
            print_expr(-x + build(c), {x: "v0"}, where="here")
    for raw in (sp.MatrixSymbol(c, 1, 1), sp.IndexedBase(c), sp.Idx(c), sp.core.symbol.Str(c)):
        with pytest.raises(ld.SchemeError, match=type(raw).__name__):
            print_expr(raw, {}, where="here")
    with pytest.raises(ld.SchemeError, match=r"the symbol .* not a variable, parameter"):
        print_expr(x + sp.Symbol(c), {x: "v0"}, where="here")


# -- unsupported functions and values: refused at compile time, naming them -----------------

UNSUPPORTED = {
    "besselj": (lambda: sp.besselj(1, x), "the function besselj"),
    "LambertW": (lambda: sp.LambertW(x), "the function LambertW"),
    "erfinv": (lambda: sp.erfinv(x / 10), "the function erfinv"),
    "polygamma": (lambda: sp.polygamma(1, 1 + x**2), "the function polygamma"),
    "DiracDelta": (lambda: sp.DiracDelta(x), "the function DiracDelta"),
    "zeta": (lambda: sp.zeta(2 + x**2), "the function zeta"),
    "factorial": (lambda: sp.factorial(x), "the function factorial"),
    "Sum": (lambda: sp.Sum(sp.Symbol("j") * x, (sp.Symbol("j"), 1, 3)), "a Sum"),
    "I": (lambda: sp.I * x, "the complex value I"),
    "big integer": (lambda: sp.Integer(10**400) * x, r"an integer of \d+ digits, which is too"),
    "big rational": (lambda: sp.Rational(10**400, 3) * x, "a rational number .* too large"),
}


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("case", sorted(UNSUPPORTED))
def test_unsupported_functions_are_refused_at_compile_time(case: str, target: str) -> None:
    skip_without_numba(target)
    build, fragment = UNSUPPORTED[case]
    where = {"integrate": r"the ODE \(field of x\)", "implicit": r"implicit stage 0 \(residual"}
    prefix = where.get(target.split("-")[0], r"stage 0 \(value of x\)")
    with pytest.raises(ld.SchemeError, match=f"{prefix}.* contains {fragment}"):
        run(target, [-x + build()], [x])


def test_generated_source_is_checked_token_by_token() -> None:
    """The last lexical check passes the generated loop and refuses anything else."""
    check_source(scheme_loop_source(ld.implicit([-(x**3)], [x]), guard_exceptions=True))
    check_source(ode_source(ld.ODE((x,), [-x]), ()))
    bad = {
        "v0 = os.system(p)\n": "'os'",
        "v0 = math.system(p)\n": "'system'",
        "v0 = np.load(p)\n": "'load'",
        "v0 = __import__\n": "'__import__'",
        "v0 = 'text'\n": "\"'text'\"",
        "import math\n": "'import'",
        "v0 = x # a comment\n": "'x'",
        "v0 = 1 # a comment\n": "'# a comment'",
        "v0 = lambda: 1\n": "'lambda'",
    }
    for source, token in bad.items():
        with pytest.raises(ld.SchemeError, match=f"generated code contains {token}"):
            check_source(source)


@pytest.mark.parametrize("target", TARGETS)
def test_a_matrix_symbol_is_refused(target: str, canary: Path) -> None:
    """A whole MatrixSymbol as a field entry: the model refuses it and, smuggled past the
    model, so does the code generator."""
    skip_without_numba(target)
    matrix = sp.MatrixSymbol(code(canary), 1, 1)
    with pytest.raises(ld.SchemeError, match="MatrixSymbol"):
        run(target, [matrix], [x])
    with pytest.raises(ld.SchemeError, match="MatrixSymbol"):
        smuggled(target, matrix)()
    assert not canary.exists()


def test_named_nodes_among_the_parameters_are_refused(canary: Path) -> None:
    """A model that listed a MatrixSymbol or an Indexed among the parameters: the renaming
    has no stand-in for it and refuses it by type."""
    scheme = ld.explicit([-x + sp.Symbol("a")], [x])
    for node in (sp.MatrixSymbol(code(canary), 1, 1), sp.IndexedBase(code(canary))[0]):
        vars(scheme)["parameters"] = (node,)
        with pytest.raises(ld.SchemeError, match=f"the parameter .* is a {type(node).__name__}"):
            scheme_loop_source(scheme, guard_exceptions=True)
    ode = ld.ODE((x,), [-x])
    object.__setattr__(ode, "variables", (sp.MatrixSymbol(code(canary), 1, 1)[0, 0],))
    with pytest.raises(ld.SchemeError, match=r"the variable .* is a MatrixElement"):
        ode_source(ode, ())
