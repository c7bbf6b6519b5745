r"""LaTeX of update rules: a scheme's stages as equations in ``x_n``, ``x_{n+1}``, ...

Part of the exact model (layer 1): it imports only SymPy and the standard library and
reads schemes by their fields (``stage.kind``, ``targets``, ``values``, ``unknowns``,
``residual``), so the model modules can delegate their ``_repr_latex_`` here.

Conventions of the rendering:

- the value of a variable after ``j`` of its ``N`` updates in one step is indexed
  ``n + j/N`` (``x_n`` before the step, ``x_{n+1}`` after it, ``x_{n+1/2}`` between the
  two updates of extragradient-like splittings);
- a stage repeated ``m`` times (``repeats``, ``n_critic``) is one line in a counter
  ``k = 0, ..., m - 1``;
- an implicit stage is an equation in the new values (the placeholders of its residual
  print as those values), ``x_{n+1} = x_n + \tau F(x_{n+1})`` when its residual is
  ``w - G`` and ``R = 0`` otherwise;
- the step ``tau`` and the block rates are factored out of the increment
  (``x_n + \frac{\tau}{2} (\dots)``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import sympy as sp

if TYPE_CHECKING:
    from ._multistep import TwoStepScheme
    from ._scheme import Scheme

__all__ = ["indexed", "scheme_latex", "two_step_latex"]


def indexed(symbol: sp.Symbol, index: str) -> str:
    r"""LaTeX of ``symbol`` with the time index ``index`` as a subscript.

    A symbol that already has a subscript gets the index after a comma.

    Examples
    --------
    >>> import sympy as sp
    >>> indexed(sp.Symbol("theta"), "n+1"), indexed(sp.Symbol("x_1"), "n")
    ('\\theta_{n+1}', 'x_{1, n}')
    """
    base = sp.latex(symbol)
    head, sep, sub = base.rpartition("_{")
    if sep and head and sub.endswith("}") and not set("{}") & set(sub[:-1]):
        return f"{head}_{{{sub[:-1]}, {index}}}"
    simple = len(base) == 1 or (base.startswith("\\") and base[1:].isalpha())
    return f"{base}_{{{index}}}" if simple else f"{{{base}}}_{{{index}}}"


def _index(done: int, total: int, counter: str | None = None) -> str:
    """``n + done/total`` (reduced), with ``counter`` added to the numerator when given."""
    if counter is not None:
        num = counter if done == 0 else f"{counter}+{done}"
        return rf"n+\frac{{{num}}}{{{total}}}"
    if done == 0:
        return "n"
    if done == total:
        return "n+1"
    g = math.gcd(done, total)
    return rf"n+\frac{{{done // g}}}{{{total // g}}}"


def _join(first: str, more: Sequence[str]) -> str:
    out = first
    for piece in more:
        out += f" - {piece[1:].lstrip()}" if piece.startswith("-") else f" + {piece}"
    return out


def _stepped(dep: sp.Expr, step: sp.Symbol, names: Mapping[sp.Symbol, str]) -> str:
    r"""``dep`` (a multiple of the step) as ``\pm c \tau (g)``, or plainly when it is not."""
    q = dep / step
    if sp.denom(q).has(step):
        return sp.latex(dep, symbol_names=names)
    c, g = q.as_coeff_Mul()
    if isinstance(g, sp.Add):  # a numeric rate that SymPy distributed over the field
        content, prim = g.primitive()
        if content != 1 and all(abs(t.as_coeff_Mul()[0]) == 1 for t in sp.Add.make_args(prim)):
            c, g = c * content, prim
    if c == 1 and isinstance(g, sp.Add) and g.could_extract_minus_sign():
        c, g = -c, -g
    lead = sp.latex(abs(c) * step, symbol_names=names)
    sign = "-" if c < 0 else ""
    if g == 1:
        return f"{sign}{lead}"
    body = sp.latex(g, symbol_names=names)
    if isinstance(g, sp.Add):
        body = rf"\left({body}\right)"
    return f"{sign}{lead} {body}"


def _update(value: sp.Expr, var: sp.Symbol, step: sp.Symbol, names: Mapping[Any, str]) -> str:
    """The right-hand side ``var + increment``: the step part, then the step-free rest."""
    if not any(term.as_coeff_Mul()[1] == var for term in sp.Add.make_args(value)):
        return sp.latex(value, symbol_names=names)
    rest = value - var
    pieces = []
    indep, dep = rest.as_independent(step, as_Add=True)
    if dep != 0:
        pieces.append(_stepped(dep, step, names))
    if indep != 0:
        pieces.append(sp.latex(sp.factor_terms(indep), symbol_names=names))
    return _join(sp.latex(var, symbol_names=names), pieces)


def _groups(stages: Sequence[Any]) -> list[tuple[Any, int]]:
    """Consecutive equal stages as ``(stage, count)``."""
    out: list[tuple[Any, int]] = []
    for stage in stages:
        if out and out[-1][0] == stage:
            out[-1] = (stage, out[-1][1] + 1)
        else:
            out.append((stage, 1))
    return out


def _aligned(lines: Sequence[str]) -> str:
    return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"


def scheme_latex(scheme: Scheme) -> str:
    r"""The update rule of a one-step scheme, one aligned line per updated variable.

    Examples
    --------
    Explicit Euler on ``x' = -a x``, implicit Euler, and the alternating toy GAN with
    the critic ``y`` stepping first (the generator sees its new value):

    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x, y, a, xr = sp.symbols("x y a x_r")
    >>> print(scheme_latex(ld.explicit([-a * x], [x])))
    \begin{aligned}x_{n+1} &= x_{n} - \tau a x_{n}\end{aligned}
    >>> print(scheme_latex(ld.implicit([-a * x], [x])))
    \begin{aligned}x_{n+1} &= x_{n} - \tau a x_{n+1}\end{aligned}
    >>> toy = ld.alternating([(y, [x - xr]), (x, [-y])], rates=[2, 1])
    >>> print(scheme_latex(toy).replace(r" \\ ", "\n"))
    \begin{aligned}y_{n+1} &= y_{n} + 2 \tau \left(x_{n} - x_{r}\right)
    x_{n+1} &= x_{n} - \tau y_{n+1}\end{aligned}
    """
    step = scheme.step
    total = dict.fromkeys(scheme.variables, 0)
    for stage in scheme.stages:
        for t in stage.targets:
            total[t] += 1
    done = dict.fromkeys(scheme.variables, 0)
    lines: list[str] = []
    for stage, count in _groups(scheme.stages):
        counter = "k" if count > 1 else None
        names: dict[Any, str] = {v: indexed(v, _index(done[v], total[v])) for v in scheme.variables}
        new: dict[sp.Symbol, str] = {}
        for t in stage.targets:
            if counter is not None:
                names[t] = indexed(t, _index(done[t], total[t], counter))
                new[t] = indexed(t, _index(done[t] + 1, total[t], counter))
            else:
                new[t] = indexed(t, _index(done[t] + 1, total[t]))
        block = _stage_lines(stage, step, names, new)
        if counter is not None:
            ks = "0, 1" if count == 2 else rf"0, \dots, {count - 1}"
            block[-1] += rf", \qquad k = {ks}"
        lines.extend(block)
        for t in stage.targets:
            done[t] += count
    for v in scheme.variables:
        if total[v] == 0:
            lines.append(f"{indexed(v, 'n+1')} &= {indexed(v, 'n')}")
    return _aligned(lines)


def _stage_lines(
    stage: Any, step: sp.Symbol, names: dict[Any, str], new: Mapping[sp.Symbol, str]
) -> list[str]:
    if stage.kind == "explicit":
        return [
            f"{new[t]} &= {_update(e, t, step, names)}" for t, e in zip(stage.targets, stage.values)
        ]
    # the placeholders as plain symbols named after their targets, so that terms sort
    # as they would in the variables themselves (a Dummy sorts apart)
    taken = {s.name for r in stage.residual for s in r.free_symbols}
    fresh = {}
    for t, w in zip(stage.targets, stage.unknowns):
        name = t.name + "'"
        while name in taken:
            name += "'"
        taken.add(name)
        fresh[w] = sp.Symbol(name)
    names = {**names, **{fresh[w]: new[t] for t, w in zip(stage.targets, stage.unknowns)}}
    lines = []
    for t, w, r in zip(stage.targets, stage.unknowns, stage.residual):
        w, r = fresh[w], r.xreplace(fresh)
        if w in sp.Add.make_args(r):
            lines.append(f"{new[t]} &= {_update(w - r, t, step, names)}")
        else:
            lines.append(f"{sp.latex(r, symbol_names=names)} &= 0")
    return lines


def two_step_latex(scheme: TwoStepScheme) -> str:
    r"""The recurrence of a two-step scheme in ``x_{n+1}``, ``x_n`` and ``x_{n-1}``.

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x, b = sp.symbols("x beta")
    >>> print(two_step_latex(ld.heavy_ball(x**2 / 2, x, momentum=b)))
    \begin{aligned}x_{n+1} &= x_{n} - \tau x_{n} + \beta \left(x_{n} - x_{n-1}\right)\end{aligned}
    """
    names: dict[Any, str] = {v: indexed(v, "n") for v in scheme.current}
    names.update({p: indexed(v, "n-1") for v, p in zip(scheme.current, scheme.previous)})
    lines = [
        f"{indexed(v, 'n+1')} &= {_update(r, v, scheme.step, names)}"
        for v, r in zip(scheme.current, scheme.recurrence)
    ]
    return _aligned(lines)
