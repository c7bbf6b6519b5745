"""Generated loop and field source: it computes the scheme's map, and only generated names
reach the compiler."""

from __future__ import annotations

import ast
import importlib.util
import itertools
import re
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import sympy as sp

import limitdyn as ld
from limitdyn._multistep import as_one_step
from limitdyn.numeric._codegen import ode_source, scheme_loop_source

#: what generated code may assume in scope (the contract with limitdyn.numeric._compile)
HEADER = (
    "import math\n\nimport numpy as np\n\nfrom limitdyn.numeric._kernels import solve_small\n\n"
)
#: the loop's own names, the printer's temporaries and the renamed user symbols
GENERATED = re.compile(
    r"(run|rhs|jac|z0|p|hs|stride|out|t|y|tol|maxiter|A|b|n|k|h|it|conv|res|dw|wn"
    r"|v\d+|p\d+|[cnqwegfr]\d+_\d*|c\d+)$"
)
BUILTINS = {"math", "np", "solve_small", "float", "abs", "max", "range"}
BUILTINS |= {"OverflowError", "ZeroDivisionError", "ValueError"}

x, y, a, c = sp.symbols("x y a c")
counter = itertools.count()


def load(source: str, tmp_path: Path) -> ModuleType:
    """Import generated source from a file, as the compile layer does."""
    name = f"generated_for_test_{next(counter)}"
    path = tmp_path / f"{name}.py"
    path.write_text(HEADER + source)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def one_step(module: ModuleType, z0, p, h: float, d: int, m: int = 1) -> tuple[int, np.ndarray]:
    out, t = np.empty((2, d)), np.empty(2)
    scratch = (np.empty((m, m)), np.empty(m))
    z, q = np.asarray(z0, float), np.asarray(p, float)
    status, _, _ = module.run(z, q, np.array([h]), 0, out, t, 1e-14, 50, *scratch)
    assert t.tolist() == [0.0, h]
    return int(status), out[1]


def exact_map(scheme: ld.Scheme, z0, p, h: float) -> np.ndarray:
    """The scheme's map evaluated by SymPy at 30 digits."""
    values = {**dict(zip(scheme.variables, z0)), **dict(zip(scheme.parameters, p)), scheme.step: h}
    values = {k: sp.Float(float(val), 30) for k, val in values.items()}
    new = scheme.map()
    return np.array([float(new[v].evalf(30, subs=values)) for v in scheme.variables])


def names_in(source: str) -> set[str]:
    tree = ast.parse(HEADER + source)
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    for node in ast.walk(tree):
        if isinstance(node, ast.arguments):
            names |= {arg.arg for arg in node.args}
    return names


EXPLICIT = {
    "alternating": lambda: ld.alternating(
        [(y, [a * x - sp.sin(y)]), (x, [-y + sp.Rational(1, 3) * x**2 + c])], rates=[1, 2]
    ),
    "from_map": lambda: ld.from_map(
        {x: x + ld.tau * sp.exp(-(y**2)) * a, y: y - ld.tau * sp.sqrt(1 + x**2) / (2 + c)}
    ),
    "heavy_ball": lambda: ld.heavy_ball(a * x**4 / 4 + c * x**2 / 2, x, momentum=sp.Rational(1, 3)),
}


@pytest.mark.parametrize("guard", [True, False])
@pytest.mark.parametrize("kind", sorted(EXPLICIT))
def test_explicit_loop_computes_the_map(kind: str, guard: bool, tmp_path: Path) -> None:
    scheme = EXPLICIT[kind]()
    one = as_one_step(scheme)
    module = load(scheme_loop_source(one, guard_exceptions=guard), tmp_path)
    rng = np.random.default_rng(1)
    for _ in range(20):
        z0 = rng.uniform(-1.5, 1.5, one.dim)
        p = rng.uniform(0.5, 2.0, len(one.parameters))
        h = float(rng.uniform(0.01, 0.5))
        status, new = one_step(module, z0, p, h, one.dim)
        assert status == 0
        np.testing.assert_allclose(new, exact_map(one, z0, p, h), rtol=1e-13, atol=1e-14)


def test_implicit_stage_solves_its_residual(tmp_path: Path) -> None:
    """The new state w solves w = z + h F(w) (here implicit Euler): compared with the root
    that SymPy's nsolve finds at 30 digits from the same start."""
    field = [-(x**3) + a * sp.sin(y), -c * y + x]
    scheme = ld.implicit(field, [x, y])
    module = load(scheme_loop_source(scheme, guard_exceptions=False), tmp_path)
    w = sp.symbols("w0 w1")
    rng = np.random.default_rng(2)
    for _ in range(10):
        z0 = rng.uniform(-1.0, 1.0, 2)
        p = rng.uniform(0.5, 2.0, 2)
        h = float(rng.uniform(0.05, 0.3))
        values = {a: p[0], c: p[1]}
        status, new = one_step(module, z0, p, h, 2, m=2)
        assert status == 0
        residual = [
            w[i] - z0[i] - h * field[i].xreplace(values).xreplace({x: w[0], y: w[1]})
            for i in range(2)
        ]
        root = sp.nsolve(residual, w, list(z0), prec=30)
        np.testing.assert_allclose(new, [float(r) for r in root], rtol=1e-13, atol=1e-14)


def test_ode_source_computes_field_and_jacobian(tmp_path: Path) -> None:
    ode = ld.ODE((x, y), sp.Matrix([a * y - x**3 / 3, -x + sp.cos(c * y)]))
    module = load(ode_source(ode, ode.parameters), tmp_path)
    rng = np.random.default_rng(3)
    for _ in range(20):
        z = rng.uniform(-2.0, 2.0, 2)
        p = rng.uniform(0.5, 2.0, 2)
        values = {x: z[0], y: z[1], a: p[0], c: p[1]}
        rhs = np.array([float(e.evalf(30, subs=values)) for e in ode.rhs])
        jac = np.array(
            [[float(e.evalf(30, subs=values)) for e in row] for row in ode.jacobian.tolist()]
        )
        np.testing.assert_allclose(module.rhs(0.0, z, p), rhs, rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(module.jac(0.0, z, p), jac, rtol=1e-13, atol=1e-14)


#: user names that are not identifiers, or that read like code or like generated names
ODD = ["x-1", "import os", "y.z", "1a", "__class__", "v1", "p0", "h", "k", "out"]


def _odd_scheme() -> tuple[ld.Scheme, list[sp.Symbol]]:
    u, v, w, q, r = (sp.Symbol(s) for s in ODD[:5])
    s1, s2, s3, s4, s5 = (sp.Symbol(s) for s in ODD[5:])
    # variables u, v, s1 ("v1"), s3 ("h"); parameters w, q, r, s2 ("p0"), s4 ("k"), s5 ("out")
    field = [-u + w * v, q * u - r * sp.sin(v) + s1, -s1 * s2 + s4, -s3 + s5 * u]
    return ld.explicit(field, [u, v, s1, s3]), [u, v, w, q, r, s1, s2, s3, s4, s5]


@pytest.mark.parametrize("guard", [True, False])
def test_only_generated_names_reach_the_source(guard: bool, tmp_path: Path) -> None:
    scheme, _ = _odd_scheme()
    source = scheme_loop_source(scheme, guard_exceptions=guard)
    for name in ODD[:4]:  # not identifiers: they must not occur at all
        assert name not in source
    unexpected = {n for n in names_in(source) if not GENERATED.match(n)} - BUILTINS
    assert not unexpected
    assert "import" not in source and "__" not in source
    # and it still computes the map, with user names equal to generated ones swapped around
    module = load(source, tmp_path)
    rng = np.random.default_rng(4)
    z0 = rng.uniform(-1, 1, 4)
    p = rng.uniform(0.5, 2, len(scheme.parameters))
    status, new = one_step(module, z0, p, 0.1, 4)
    assert status == 0
    np.testing.assert_allclose(new, exact_map(scheme, z0, p, 0.1), rtol=1e-13, atol=1e-14)


def test_ode_source_uses_only_generated_names() -> None:
    u, v, w = sp.symbols("x-1 y.z import")
    ode = ld.ODE((u, v), sp.Matrix([w * v, -u]))
    source = ode_source(ode, ode.parameters)
    assert "x-1" not in source and "y.z" not in source and "import" not in source
    assert not {n for n in names_in(source) if not GENERATED.match(n)} - BUILTINS


def test_exact_coefficients_are_printed_as_floats() -> None:
    """1/3 becomes (1.0/3.0) and an integer beyond 2**53 a float literal: no Python int
    arithmetic, which numba could not type."""
    scheme = ld.explicit([sp.Rational(1, 3) * x + sp.Integer(2**60 + 1) * x**2], [x])
    source = scheme_loop_source(scheme, guard_exceptions=False)
    assert "(1.0/3.0)" in source
    assert re.search(r"\d+\.\d+e\+18", source)
    assert not re.search(r"(?<![\d.e+])\d{17,}(?![\d.])", source)


def test_python_float_errors_count_as_divergence(tmp_path: Path) -> None:
    """With guard_exceptions (plain Python), math.exp overflowing is status 2 at that iterate,
    as numba's inf would be; without it the OverflowError propagates."""
    scheme = ld.explicit([sp.exp(x)], [x])
    guarded = load(scheme_loop_source(scheme, guard_exceptions=True), tmp_path)
    status, _ = one_step(guarded, [1000.0], [], 0.1, 1)
    assert status == 2
    bare = load(scheme_loop_source(scheme, guard_exceptions=False), tmp_path)
    with pytest.raises(OverflowError):
        one_step(bare, [1000.0], [], 0.1, 1)


def test_newton_failure_reports_step_and_residual(tmp_path: Path) -> None:
    """w = x + h w^2 has no real root when 4 h x > 1: status 1 at step 0, residual > 0."""
    scheme = ld.implicit([x**2], [x])
    module = load(scheme_loop_source(scheme, guard_exceptions=False), tmp_path)
    out, t = np.empty((3, 1)), np.empty(3)
    scratch = (np.empty((1, 1)), np.empty(1))
    z0, hs = np.array([1.0]), np.array([1.0])
    status, index, residual = module.run(z0, np.empty(0), hs, 0, out, t, 1e-14, 50, *scratch)
    assert (status, index) == (1, 0) and residual > 0.1


@pytest.mark.parametrize(
    "build",
    [
        lambda: ld.explicit([-sp.Function("E")(x)], [x]),
        lambda: ld.explicit([-sp.Derivative(sp.Function("E")(x), x)], [x]),
        lambda: ld.implicit([-sp.Function("E")(x)], [x]),
    ],
)
def test_undefined_functions_are_scheme_errors(build) -> None:
    with pytest.raises(ld.SchemeError, match="no numeric value"):
        scheme_loop_source(build(), guard_exceptions=False)


def test_ode_with_undefined_function_is_a_scheme_error() -> None:
    ode = ld.ODE((x,), sp.Matrix([sp.Function("E")(x)]))
    with pytest.raises(ld.SchemeError, match=r"the ODE \(field of x\) contains E\("):
        ode_source(ode, ())


#: one expression per supported function (and the powers and constants), in its domain
SUPPORTED = {
    "exp": sp.exp(-(x**2)),
    "log": sp.log(2 + x**2),
    "sin": sp.sin(x),
    "cos": sp.cos(y),
    "tan": sp.tan(x / 2),
    "asin": sp.asin(x / 2),
    "acos": sp.acos(y / 2),
    "atan": sp.atan(x),
    "atan2": sp.atan2(y, x - 3),
    "sinh": sp.sinh(x),
    "cosh": sp.cosh(y),
    "tanh": sp.tanh(x),
    "asinh": sp.asinh(y),
    "acosh": sp.acosh(2 + x**2),
    "atanh": sp.atanh(x / 2),
    "erf": sp.erf(x),
    "erfc": sp.erfc(y),
    "gamma": sp.gamma(2 + x**2),
    "cot": sp.cot(1 + x**2 / 4),
    "sec": sp.sec(x / 2),
    "csc": sp.csc(1 + y**2 / 4),
    "coth": sp.coth(1 + x**2),
    "sech": sp.sech(y),
    "csch": sp.csch(1 + x**2),
    "floor": sp.floor(3 * x),
    "ceiling": sp.ceiling(3 * y),
    "Abs": sp.Abs(x - y),
    "Min": sp.Min(x, y, sp.Rational(3, 10)),
    "Max": sp.Max(x, y, -sp.Rational(3, 10)),
    "Piecewise": sp.Piecewise((x, (y > 0) & (x < 1)), (x**2, x < sp.S.Half), (1, True)),
    "Mod": sp.Mod(3 * x, sp.Rational(7, 10)) + sp.Mod(y, -1 - x**2),
    "KroneckerDelta": sp.KroneckerDelta(sp.floor(2 * x), sp.floor(2 * y)),
    "sign": sp.sign(x - y),
    "Heaviside": sp.Heaviside(x - y),
    "powers": sp.sqrt(1 + x**2) + (1 + x**2) ** sp.Rational(1, 3) + (2 + y) ** -3 + 2**x,
    "constants": sp.pi * x + sp.E * y + sp.EulerGamma + sp.GoldenRatio * x * y,
}


def test_every_supported_function_has_a_case() -> None:
    from limitdyn.numeric._printer import supported_functions

    assert set(supported_functions()) <= set(SUPPORTED)


@pytest.mark.parametrize("guard", [True, False])
@pytest.mark.parametrize("name", sorted(SUPPORTED))
def test_supported_functions_compute_their_values(name: str, guard: bool, tmp_path: Path) -> None:
    """Each whitelisted function, printed from its fixed text, against SymPy at 30 digits."""
    scheme = ld.explicit([SUPPORTED[name], -y + a * x], [x, y])
    module = load(scheme_loop_source(scheme, guard_exceptions=guard), tmp_path)
    rng = np.random.default_rng(5)
    for _ in range(10):
        z0 = rng.uniform(-1.5, 1.5, 2)
        status, new = one_step(module, z0, [0.7], 0.1, 2)
        assert status == 0
        np.testing.assert_allclose(new, exact_map(scheme, z0, [0.7], 0.1), rtol=1e-13, atol=1e-14)


def test_supported_functions_compile_on_the_engines(engine: str) -> None:
    """All of them in one field, iterated by ``ld.iterate`` on each engine."""
    field = sum(SUPPORTED.values(), sp.S.Zero) / 40
    scheme = ld.explicit([field, -y + a * x], [x, y])
    z0 = [0.3, -0.6]
    traj = ld.iterate(scheme, z0, tau=0.1, steps=1, params={a: 0.7}, engine=engine)
    np.testing.assert_allclose(traj.z[-1], exact_map(scheme, z0, [0.7], 0.1), rtol=1e-13)


def test_source_does_not_depend_on_the_hash_seed() -> None:
    """Generated names are Dummies: the source (hence the cache key) is still the same in
    every process, whatever the hash seed."""
    import os
    import subprocess
    import sys

    program = (
        "import sympy as sp, limitdyn as ld\n"
        "from limitdyn.numeric._codegen import scheme_loop_source\n"
        "x, y, a = sp.symbols('x y a')\n"
        "s = ld.implicit([-x**3 + a*sp.sin(y), -y + x*sp.exp(-x*y)], [x, y])\n"
        "print(scheme_loop_source(s, guard_exceptions=False))\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", program],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1 and "def run(" in outputs.pop()
