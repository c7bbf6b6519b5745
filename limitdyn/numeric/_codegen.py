"""Generate numba-compatible Python source for a scheme's iteration loop and an ODE's field.

The source is produced by SymPy's Python code printer from the scheme's own
expressions after every user symbol has been renamed to a generated one
(``v0, v1, ...`` for variables, ``p0, ...`` for parameters, ``h`` for the step),
so no user-supplied text ever reaches the compiler.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.pycode import PythonCodePrinter

from .._ode import ODE
from .._scheme import ExplicitStage, ImplicitStage, Scheme
from ..errors import SchemeError
from ..symbolic._series import map_series


class _Printer(PythonCodePrinter):
    """Python printer emitting ``math.*`` calls, which numba compiles natively."""

    def __init__(self) -> None:
        super().__init__({"fully_qualified_modules": True, "strict": True})

    def _print_Rational(self, expr: sp.Rational) -> str:
        return f"({float(expr.p)!r}/{float(expr.q)!r})"

    def _print_Integer(self, expr: sp.Integer) -> str:
        return f"{float(expr)!r}" if abs(int(expr)) > 2**53 else str(int(expr))


def _check_numeric(exprs: Sequence[sp.Expr], where: str) -> None:
    for e in exprs:
        bad = e.atoms(AppliedUndef, sp.Derivative, sp.Subs, sp.Integral)
        if bad:
            item = sorted(bad, key=str)[0]
            raise SchemeError(
                f"{where} contains {item}, which has no numeric value; substitute a "
                "concrete function before iterating or integrating"
            )


def _print_block(
    exprs: Sequence[sp.Expr], targets: Sequence[str], indent: str, prefix: str
) -> list[str]:
    """CSE-reduced assignments ``target_i = expr_i``."""
    printer = _Printer()
    temps = sp.numbered_symbols(prefix)
    replacements, reduced = sp.cse(list(exprs), symbols=temps, optimizations="basic")
    lines = [f"{indent}{sym} = {printer.doprint(val)}" for sym, val in replacements]
    lines += [f"{indent}{t} = {printer.doprint(e)}" for t, e in zip(targets, reduced)]
    return lines


def _renaming(
    variables: Sequence[sp.Symbol], parameters: Sequence[sp.Symbol], step: sp.Symbol | None
) -> dict[sp.Symbol, sp.Symbol]:
    rename = {v: sp.Symbol(f"v{i}") for i, v in enumerate(variables)}
    rename.update({q: sp.Symbol(f"p{j}") for j, q in enumerate(parameters)})
    if step is not None:
        rename[step] = sp.Symbol("h")
    return rename


def scheme_loop_source(scheme: Scheme, *, guard_exceptions: bool) -> str:
    """Source of ``run(z0, p, hs, stride, out, t, tol, maxiter, A, b) -> (status, index, res)``.

    ``z0`` has shape (d,), ``p`` (n_params,); step ``k`` has size ``hs[k * stride]``
    (``stride`` 0 for a constant step, 1 for a schedule); ``out`` (n + 1, d) receives
    the iterates and ``t`` (n + 1,) their cumulative learning rate; ``A`` (m, m) and
    ``b`` (m,) are scratch space
    for the Newton systems of implicit stages. ``status`` is 0 (done), 1 (an implicit
    stage did not converge at step ``index``) or 2 (iterate ``index`` is not finite).
    With ``guard_exceptions``, Python's float exceptions count as non-finite
    iterates (plain-Python engine); numba uses IEEE semantics instead.
    """
    d = scheme.dim
    rename = _renaming(scheme.variables, scheme.parameters, scheme.step)
    ind = "        " + ("    " if guard_exceptions else "")
    body: list[str] = []
    for s, stage in enumerate(scheme.stages):
        targets = [rename[t].name for t in stage.targets]
        if isinstance(stage, ExplicitStage):
            values = [e.xreplace(rename) for e in stage.values]
            _check_numeric(values, f"stage {s}")
            news = [f"n{s}_{i}" for i in range(len(targets))]
            body += _print_block(values, news, ind, f"c{s}_")
            body += [f"{ind}{t} = {n}" for t, n in zip(targets, news)]
        elif isinstance(stage, ImplicitStage):
            body += _implicit_stage_lines(scheme, s, stage, rename, ind)
        body.append(f"{ind}# end of stage {s}")
    unpack = [f"    v{i} = float(z0[{i}])" for i in range(d)]
    unpack += [f"    p{j} = float(p[{j}])" for j in range(len(scheme.parameters))]
    unpack += [f"    out[0, {i}] = v{i}" for i in range(d)]
    finite = " and ".join(f"math.isfinite(v{i})" for i in range(d))
    store = [f"        out[k + 1, {i}] = v{i}" for i in range(d)]
    lines = ["def run(z0, p, hs, stride, out, t, tol, maxiter, A, b):", *unpack]
    lines += ["    n = out.shape[0] - 1", "    t[0] = 0.0"]
    lines.append("    for k in range(n):")
    if guard_exceptions:
        lines.append("        try:")
    lines.append(f"{ind}h = float(hs[k * stride])")
    lines += body
    if guard_exceptions:
        lines += [
            "        except (OverflowError, ZeroDivisionError, ValueError):",
            "            return 2, k + 1, 0.0",
        ]
    lines += store
    lines.append("        t[k + 1] = t[k] + h")
    lines += [f"        if not ({finite}):", "            return 2, k + 1, 0.0"]
    lines.append("    return 0, n, 0.0")
    return "\n".join(lines) + "\n"


def _implicit_stage_lines(
    scheme: Scheme,
    s: int,
    stage: ImplicitStage,
    rename: dict[sp.Symbol, sp.Symbol],
    ind: str,
) -> list[str]:
    """Newton's method on the stage residual, warm-started by the first-order series."""
    m = len(stage.targets)
    ws = [sp.Symbol(f"w{s}_{i}") for i in range(m)]
    local = {**rename, **dict(zip(stage.unknowns, ws))}
    residual = [r.xreplace(local) for r in stage.residual]
    jac = sp.Matrix(stage.residual).jacobian(stage.unknowns).xreplace(local)
    _check_numeric(residual, f"implicit stage {s}")
    # predictor: first-order series of the stage's solution, w = z + h * w1(z)
    single = Scheme(variables=scheme.variables, stages=(stage,), step=scheme.step)
    series = map_series(single, 1)
    index = {v: i for i, v in enumerate(scheme.variables)}
    predictor = [
        (series[index[t], 0] + scheme.step * series[index[t], 1]).xreplace(rename)
        for t in stage.targets
    ]
    _check_numeric(predictor, f"implicit stage {s} predictor")
    lines = _print_block(predictor, [w.name for w in ws], ind, f"q{s}_")
    lines.append(f"{ind}conv = False")
    lines.append(f"{ind}res = 0.0")
    lines.append(f"{ind}for it in range(maxiter):")
    inner = ind + "    "
    rs = [f"r{s}_{i}" for i in range(m)]
    lines += _print_block(residual, rs, inner, f"e{s}_")
    lines.append(f"{inner}res = max(" + ", ".join(f"abs({r})" for r in rs) + ", 0.0)")
    jac_targets = [f"A[{i}, {j}]" for i in range(m) for j in range(m)]
    lines += _print_block(list(jac), jac_targets, inner, f"g{s}_")
    lines += [f"{inner}b[{i}] = {r}" for i, r in enumerate(rs)]
    lines.append(f"{inner}if not solve_small(A, b, {m}):")
    lines.append(f"{inner}    break")
    lines.append(f"{inner}dw = 0.0")
    lines.append(f"{inner}wn = 0.0")
    for i, w in enumerate(ws):
        lines.append(f"{inner}{w} = {w} - b[{i}]")
        lines.append(f"{inner}dw = max(dw, abs(b[{i}]))")
        lines.append(f"{inner}wn = max(wn, abs({w}))")
    lines.append(f"{inner}if not (dw == dw and wn == wn and wn < 1e300):")
    lines.append(f"{inner}    break")
    lines.append(f"{inner}if dw <= tol * (1.0 + wn):")
    lines.append(f"{inner}    conv = True")
    lines.append(f"{inner}    break")
    lines.append(f"{ind}if not conv:")
    lines += _print_block(residual, rs, ind + "    ", f"f{s}_")
    lines.append(f"{ind}    res = max(" + ", ".join(f"abs({r})" for r in rs) + ", 0.0)")
    lines.append(f"{ind}    return 1, k, res")
    targets = [rename[t].name for t in stage.targets]
    lines += [f"{ind}{t} = {w}" for t, w in zip(targets, ws)]
    return lines


def ode_source(ode: ODE, parameters: Sequence[sp.Symbol]) -> str:
    """Source of ``rhs(t, y, p) -> ndarray (d,)`` and ``jac(t, y, p) -> ndarray (d, d)``."""
    rename = _renaming(ode.variables, parameters, None)
    rhs = [e.xreplace(rename) for e in ode.rhs]
    jac = [e.xreplace(rename) for e in ode.jacobian]
    _check_numeric(rhs, "the ODE")
    d = ode.dim
    head = [f"    v{i} = y[{i}]" for i in range(d)]
    head += [f"    p{j} = p[{j}]" for j in range(len(parameters))]
    lines = ["def rhs(t, y, p):", *head, f"    out = np.empty({d})"]
    lines += _print_block(rhs, [f"out[{i}]" for i in range(d)], "    ", "c")
    lines.append("    return out")
    lines += ["", "def jac(t, y, p):", *head, f"    out = np.empty(({d}, {d}))"]
    lines += _print_block(jac, [f"out[{i}, {j}]" for i in range(d) for j in range(d)], "    ", "c")
    lines.append("    return out")
    return "\n".join(lines) + "\n"
