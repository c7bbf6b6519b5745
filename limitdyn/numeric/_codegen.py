"""Generate numba-compatible Python source for a scheme's iteration loop and an ODE's field.

Every symbol of the scheme is first replaced by a real ``Dummy`` of a generated name
(``v0, v1, ...`` for variables, ``p0, ...`` for parameters, ``h`` for the step, ``w0_0``
for the unknowns of implicit stages), and every expression is printed by the whitelist
printer of :mod:`limitdyn.numeric._printer`, which prints those generated names only and
refuses any node outside its table (naming it, before any code is written). The finished
source passes :func:`~limitdyn.numeric._printer.check_source`, a lexical check that it
holds only fixed and generated names, so no user-supplied text ever reaches the compiler.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from .._ode import ODE
from .._scheme import ExplicitStage, ImplicitStage, Scheme
from ..errors import SchemeError
from ..symbolic._series import map_series
from ._printer import check_source, print_expr

#: a symbol of the scheme -> its real Dummy stand-in; a stand-in -> its generated name
Renaming = dict[sp.Basic, sp.Dummy]
Names = dict[sp.Basic, str]


def _checked(exprs: Sequence[sp.Expr], names: Names, wheres: Sequence[str]) -> None:
    """Refuse, naming the entry, any expression that the printer cannot print."""
    for e, where in zip(exprs, wheres):
        print_expr(e, names, where=where)


def _print_block(
    exprs: Sequence[sp.Expr], targets: Sequence[str], indent: str, prefix: str, names: Names
) -> list[str]:
    """CSE-reduced assignments ``target_i = expr_i`` (checked entries, see :func:`_checked`)."""
    temps = sp.numbered_symbols(prefix, cls=sp.Dummy)
    replacements, reduced = sp.cse(list(exprs), symbols=temps, optimizations="basic")
    local = dict(names)
    lines = []
    for k, (sym, val) in enumerate(replacements):
        text = f"{prefix}{k}"
        lines.append(f"{indent}{text} = {print_expr(val, local, where='a common subexpression')}")
        local[sym] = text
    for t, e in zip(targets, reduced):
        lines.append(f"{indent}{t} = {print_expr(e, local, where='a reduced expression')}")
    return lines


def _stand_in(expr: sp.Expr, rename: Renaming) -> sp.Expr:
    """``expr`` on the stand-ins, with ``UnevaluatedExpr`` wrappers dropped (they only
    keep SymPy from simplifying, and would stop differentiation)."""
    expr = expr.xreplace(rename)
    if expr.has(sp.UnevaluatedExpr):
        expr = expr.replace(lambda e: isinstance(e, sp.UnevaluatedExpr), lambda e: e.args[0])
    return expr


def _renaming(
    variables: Sequence[sp.Symbol], parameters: Sequence[sp.Symbol], step: sp.Symbol | None
) -> tuple[Renaming, Names]:
    """Stand-ins for the variables (``v<i>``), parameters (``p<j>``) and step (``h``).

    Each must be a :class:`~sympy.Symbol`: a matrix element, an indexed object or any other
    named node has no stand-in and is refused here, whatever the model let through.
    """
    generated = [(v, f"v{i}") for i, v in enumerate(variables)]
    generated += [(q, f"p{j}") for j, q in enumerate(parameters)]
    if step is not None:
        generated.append((step, "h"))
    for s, name in generated:
        if not isinstance(s, sp.Symbol):
            role = {"v": "variable", "p": "parameter", "h": "step"}[name[0]]
            raise SchemeError(
                f"the {role} {s} is a {type(s).__name__}, not a Symbol; generated code "
                "takes scalar Symbols only"
            )
    rename: Renaming = {s: sp.Dummy(name, real=True) for s, name in generated}
    return rename, {rename[s]: name for s, name in generated}


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
    rename, names = _renaming(scheme.variables, scheme.parameters, scheme.step)
    ind = "        " + ("    " if guard_exceptions else "")
    body: list[str] = []
    for s, stage in enumerate(scheme.stages):
        targets = [names[rename[t]] for t in stage.targets]
        if isinstance(stage, ExplicitStage):
            values = [_stand_in(e, rename) for e in stage.values]
            _checked(values, names, [f"stage {s} (value of {t})" for t in stage.targets])
            news = [f"n{s}_{i}" for i in range(len(targets))]
            body += _print_block(values, news, ind, f"c{s}_", names)
            body += [f"{ind}{t} = {n}" for t, n in zip(targets, news)]
        elif isinstance(stage, ImplicitStage):
            body += _implicit_stage_lines(scheme, s, stage, (rename, names), ind)
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
    source = "\n".join(lines) + "\n"
    check_source(source)
    return source


def _implicit_stage_lines(
    scheme: Scheme,
    s: int,
    stage: ImplicitStage,
    renaming: tuple[Renaming, Names],
    ind: str,
) -> list[str]:
    """Newton's method on the stage residual, warm-started by the first-order series."""
    rename, outer = renaming
    m = len(stage.targets)
    ws = [sp.Dummy(f"w{s}_{i}", real=True) for i in range(m)]
    names = {**outer, **{w: f"w{s}_{i}" for i, w in enumerate(ws)}}
    local = {**rename, **dict(zip(stage.unknowns, ws))}
    residual = [_stand_in(r, local) for r in stage.residual]
    where = f"implicit stage {s}"
    _checked(residual, names, [f"{where} (residual of {t})" for t in stage.targets])
    jac = sp.Matrix(residual).jacobian(ws)
    _checked(list(jac), names, [f"{where} (Jacobian of its residual)"] * m * m)
    # predictor: first-order series of the stage's solution, w = z + h * w1(z)
    single = Scheme(variables=scheme.variables, stages=(stage,), step=scheme.step)
    series = map_series(single, order=1)
    index = {v: i for i, v in enumerate(scheme.variables)}
    predictor = [
        _stand_in(series[index[t], 0] + scheme.step * series[index[t], 1], rename)
        for t in stage.targets
    ]
    _checked(predictor, names, [f"{where} (predictor of {t})" for t in stage.targets])
    lines = _print_block(predictor, [names[w] for w in ws], ind, f"q{s}_", names)
    lines.append(f"{ind}conv = False")
    lines.append(f"{ind}res = 0.0")
    lines.append(f"{ind}for it in range(maxiter):")
    inner = ind + "    "
    rs = [f"r{s}_{i}" for i in range(m)]
    lines += _print_block(residual, rs, inner, f"e{s}_", names)
    lines.append(f"{inner}res = max(" + ", ".join(f"abs({r})" for r in rs) + ", 0.0)")
    jac_targets = [f"A[{i}, {j}]" for i in range(m) for j in range(m)]
    lines += _print_block(list(jac), jac_targets, inner, f"g{s}_", names)
    lines += [f"{inner}b[{i}] = {r}" for i, r in enumerate(rs)]
    lines.append(f"{inner}if not solve_small(A, b, {m}):")
    lines.append(f"{inner}    break")
    lines.append(f"{inner}dw = 0.0")
    lines.append(f"{inner}wn = 0.0")
    for i, w in enumerate(names[w] for w in ws):
        lines.append(f"{inner}{w} = {w} - b[{i}]")
        lines.append(f"{inner}dw = max(dw, abs(b[{i}]))")
        lines.append(f"{inner}wn = max(wn, abs({w}))")
    lines.append(f"{inner}if not (dw == dw and wn == wn and wn < 1e300):")
    lines.append(f"{inner}    break")
    lines.append(f"{inner}if dw <= tol * (1.0 + wn):")
    lines.append(f"{inner}    conv = True")
    lines.append(f"{inner}    break")
    lines.append(f"{ind}if not conv:")
    lines += _print_block(residual, rs, ind + "    ", f"f{s}_", names)
    lines.append(f"{ind}    res = max(" + ", ".join(f"abs({r})" for r in rs) + ", 0.0)")
    lines.append(f"{ind}    return 1, k, res")
    targets = [names[rename[t]] for t in stage.targets]
    lines += [f"{ind}{t} = {names[w]}" for t, w in zip(targets, ws)]
    return lines


def _presented_blocks(
    ode: ODE, rename: Renaming, names: Names
) -> tuple[list[str], list[str]] | None:
    """Lines of ``rhs`` and ``jac`` from the ODE's shared-subexpression presentation
    (``ode._presentation``: ``(replacements, reduced)`` equal to its right-hand side, or
    a callable returning it or None; set by :meth:`~limitdyn.ModifiedEquation.ode` from
    :meth:`~limitdyn.ModifiedEquation.cse`),
    or None when it has none. The Jacobian is formed in forward mode through the
    replacements: ``d s_k / d v = de_k/dv + sum_j de_k/ds_j d s_j/dv``, each derivative
    one more shared subexpression, so nothing is expanded."""
    presented = getattr(ode, "_presentation", None)
    if callable(presented):
        presented = presented()
    if presented is None:
        return None
    replacements, reduced = presented
    stand = [rename[v] for v in ode.variables]
    local = dict(names)
    known = set(rename.values())
    rhs_lines, jac_lines = [], []
    grads: dict[sp.Basic, list[sp.Expr]] = {}  # d s_k / d v, on the printed names

    def gradient(e: sp.Expr) -> list[sp.Expr]:
        out = []
        for i, w in enumerate(stand):
            d = sp.diff(e, w)
            for s in e.free_symbols & grads.keys():
                d += sp.diff(e, s) * grads[s][i]
            out.append(d)
        return out

    for k, (sym, val) in enumerate(replacements):
        e = _stand_in(val, rename)
        if not e.free_symbols <= known:
            return None  # not on the variables and parameters: print the expanded field
        text = f"c{k}"
        rhs_lines.append(f"    {text} = {print_expr(e, local, where='a common subexpression')}")
        jac_lines.append(rhs_lines[-1])
        new = sp.Dummy(text)
        local[new] = text
        known.add(new)
        grads[new] = []
        for i, d in enumerate(gradient(e)):
            if d.is_Number:  # a constant derivative (often 0) needs no line
                grads[new].append(d)
                continue
            name = f"g{k}_{i}"
            jac_lines.append(f"    {name} = {print_expr(d, local, where='a derivative')}")
            g = sp.Dummy(name)
            local[g] = name
            known.add(g)
            grads[new].append(g)
        rename = {**rename, sym: new}
    column = [_stand_in(e, rename) for e in reduced]
    if not all(e.free_symbols <= known for e in column):
        return None
    for i, e in enumerate(column):
        rhs_lines.append(f"    out[{i}] = {print_expr(e, local, where='the ODE (shared form)')}")
        for j, d in enumerate(gradient(e)):
            jac_lines.append(f"    out[{i}, {j}] = {print_expr(d, local, where='the Jacobian')}")
    return rhs_lines, jac_lines


def ode_source(ode: ODE, parameters: Sequence[sp.Symbol]) -> str:
    """Source of ``rhs(t, y, p) -> ndarray (d,)`` and ``jac(t, y, p) -> ndarray (d, d)``."""
    rename, names = _renaming(ode.variables, parameters, None)
    d = ode.dim
    presented = _presented_blocks(ode, rename, names)
    if presented is not None:
        rhs_lines, jac_lines = presented
    else:
        rhs = [_stand_in(e, rename) for e in ode.rhs]
        _checked(rhs, names, [f"the ODE (field of {v})" for v in ode.variables])
        jac = list(sp.Matrix(rhs).jacobian([rename[v] for v in ode.variables]))
        _checked(jac, names, ["the ODE (its Jacobian)"] * len(jac))
        rhs_lines = _print_block(rhs, [f"out[{i}]" for i in range(d)], "    ", "c", names)
        jac_targets = [f"out[{i}, {j}]" for i in range(d) for j in range(d)]
        jac_lines = _print_block(jac, jac_targets, "    ", "c", names)
    head = [f"    v{i} = y[{i}]" for i in range(d)]
    head += [f"    p{j} = p[{j}]" for j in range(len(parameters))]
    lines = ["def rhs(t, y, p):", *head, f"    out = np.empty({d})", *rhs_lines, "    return out"]
    lines += ["", "def jac(t, y, p):", *head, f"    out = np.empty(({d}, {d}))", *jac_lines]
    lines.append("    return out")
    source = "\n".join(lines) + "\n"
    check_source(source)
    return source
