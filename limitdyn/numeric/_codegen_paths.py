"""Generated source of path loops (SGD, SDE steps) and of pointwise vector functions.

Same rules as :mod:`limitdyn.numeric._codegen` (whose renaming and block printer this
module reuses): every symbol is replaced by a generated stand-in, every expression is
printed by the whitelist printer, and the finished source passes
:func:`~limitdyn.numeric._printer.check_source`.

A *path loop* is ``run(z0, p, hs, b, n)``: ``z0`` (P, d) holds the states of P paths and
is advanced in place by ``n`` steps of size ``hs[0]``; ``b`` (n, P, r) holds the random
inputs of each step and path (the example weights of a minibatch, or Wiener increments),
printed as the generated names ``w0_0 .. w0_{r-1}``. The ``numba`` form loops over paths
then steps on scalars; the ``numpy`` form loops over steps on arrays of all paths (its
``math`` is :mod:`limitdyn.numeric._vmath`).
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from ..errors import SchemeError
from ._codegen import _checked, _print_block, _renaming, _stand_in
from ._printer import check_source
from ._vmath import UNVECTORISABLE

__all__ = ["paths_source", "point_source"]

Stages = Sequence[tuple[Sequence[sp.Symbol], Sequence[sp.Expr]]]


def _vectorisable(exprs: Sequence[sp.Expr], where: str) -> None:
    for e in exprs:
        for kind in UNVECTORISABLE:
            if e.has(kind):
                raise SchemeError(
                    f"{where} contains {kind.__name__}, which the vectorised numpy engine "
                    "cannot run over paths; use engine='numba'"
                )


def paths_source(
    variables: Sequence[sp.Symbol],
    parameters: Sequence[sp.Symbol],
    step: sp.Symbol,
    stages: Stages,
    randoms: Sequence[sp.Symbol],
    *,
    vectorised: bool,
    index_of: tuple[int, int] | None = None,
) -> str:
    """Source of the path loop applying ``stages`` (explicit updates, in order) per step.

    Parameters
    ----------
    variables, parameters : sequence of Symbol
        The state and the parameter vector's entries.
    step : Symbol
        Printed as ``h`` (the value ``hs[0]``).
    stages : sequence of (targets, values)
        Explicit updates of the targets, in the current values of everything.
    randoms : sequence of Symbol
        The random inputs of one step, read from ``b``.
    vectorised : bool
        The numpy form (arrays over paths) rather than the numba form (scalar loops).
    index_of : (n, B), optional
        ``randoms`` are the ``n`` example weights of a minibatch and ``b`` holds the ``B``
        indices drawn per step: ``c_i = (1/B) #{j : index_j = i}`` is computed in the loop
        (as ``w1_i``), which reads ``B`` numbers per step instead of ``n``.
    """
    rename, names = _renaming(variables, parameters, step)
    row = "w1" if index_of else "w0"
    for j, r in enumerate(randoms):
        stand = sp.Dummy(f"{row}_{j}", real=True)
        rename[r] = stand
        names[stand] = f"{row}_{j}"
    ind = "        " if vectorised else "            "
    body: list[str] = []
    for s, (targets, values) in enumerate(stages):
        exprs = [_stand_in(sp.sympify(e), rename) for e in values]
        wheres = [f"stage {s} (value of {t})" for t in targets]
        _checked(exprs, names, wheres)
        if vectorised:
            _vectorisable(exprs, f"stage {s}")
        tnames = [names[rename[t]] for t in targets]
        news = [f"n{s}_{i}" for i in range(len(tnames))]
        body += _print_block(exprs, news, ind, f"c{s}_", names)
        body += [f"{ind}{t} = {n}" for t, n in zip(tnames, news)]
    d = len(variables)
    reads = len(randoms) if index_of is None else index_of[1]
    if index_of is not None:
        n_ex, batch = index_of
        counts = []
        for i in range(n_ex):
            hits = " + ".join(f"1.0 * (w0_{j} == {i})" for j in range(batch))
            scale = "" if batch == 1 else f" * {1.0 / batch!r}"
            counts.append(f"{ind}w1_{i} = ({hits}){scale}")
        body = counts + body
    lines = ["def run(z0, p, hs, b, n):", "    h = float(hs[0])"]
    lines += [f"    p{j} = float(p[{j}])" for j in range(len(parameters))]
    if vectorised:
        lines += [f"    v{i} = 1.0 * z0[:, {i}]" for i in range(d)]
        lines.append("    for it in range(n):")
        lines += [f"        w0_{j} = b[it, :, {j}]" for j in range(reads)]
        lines += body
        lines += [f"    z0[:, {i}] = v{i}" for i in range(d)]
    else:
        lines.append("    for k in range(z0.shape[0]):")
        lines += [f"        v{i} = z0[k, {i}]" for i in range(d)]
        lines.append("        for it in range(n):")
        lines += [f"            w0_{j} = b[it, k, {j}]" for j in range(reads)]
        lines += body
        lines += [f"        z0[k, {i}] = v{i}" for i in range(d)]
    lines.append("    return 0")
    source = "\n".join(lines) + "\n"
    check_source(source)
    return source


def point_source(
    variables: Sequence[sp.Symbol],
    parameters: Sequence[sp.Symbol],
    exprs: Sequence[sp.Expr],
    *,
    vectorised: bool,
    where: str,
) -> str:
    """Source of ``rhs(t, y, p)``: the flat vector of ``exprs`` at a state ``y``.

    ``y`` is (d,) and the result (len(exprs),) in the scalar form; in the vectorised form
    ``y`` is (P, d) and the result (len(exprs), P).
    """
    rename, names = _renaming(variables, parameters, None)
    flat = [_stand_in(sp.sympify(e), rename) for e in exprs]
    _checked(flat, names, [where] * len(flat))
    if vectorised:
        _vectorisable(flat, where)
        head = [f"    v{i} = y[:, {i}]" for i in range(len(variables))]
        alloc = f"    out = np.empty(({len(flat)}, y.shape[0]))"
    else:
        head = [f"    v{i} = y[{i}]" for i in range(len(variables))]
        alloc = f"    out = np.empty({len(flat)})"
    head += [f"    p{j} = p[{j}]" for j in range(len(parameters))]
    lines = ["def rhs(t, y, p):", *head, alloc]
    lines += _print_block(flat, [f"out[{i}]" for i in range(len(flat))], "    ", "c", names)
    lines.append("    return out")
    source = "\n".join(lines) + "\n"
    check_source(source)
    return source
