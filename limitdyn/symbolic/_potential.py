"""Potentials of gradient fields: ``V`` with ``-grad V = f`` in closed form, when it exists.

Used by :class:`~limitdyn.ModifiedEquation` for modified losses (Barrett & Dherin 2021)
and per-player losses of games (Rosca et al. 2021). Three strategies, each checked by
substitution (``dV/dz_i = -f_i``) before it is returned: the homotopy formula for
polynomials, an ansatz in the derivatives of undefined functions, and term-by-term
integration for anything else. Results are memoised per (components, directions): they
are pure functions of hashable SymPy data.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import sympy as sp
from sympy.core.function import AppliedUndef

__all__ = ["asymmetry", "expand", "potential"]


@lru_cache(maxsize=1024)
def asymmetry(
    comps: tuple[sp.Expr, ...], directions: tuple[sp.Symbol, ...]
) -> tuple[sp.Symbol, sp.Symbol] | None:
    """The first pair ``(z_i, z_l)`` with ``d f_i/d z_l != d f_l/d z_i``, or None.

    Examples
    --------
    >>> x, y = sp.symbols("x y")
    >>> asymmetry((-y, x), (x, y))
    (x, y)
    >>> asymmetry((-x, -y), (x, y)) is None
    True
    """
    return _asymmetry(comps, directions)


@lru_cache(maxsize=1024)
def potential(comps: tuple[sp.Expr, ...], directions: tuple[sp.Symbol, ...]) -> sp.Expr | None:
    """``V`` with ``dV/dz_i = -comps[i]`` for ``z_i`` in ``directions`` (other symbols held
    fixed), without a constant term; None when none is found in closed form.

    Examples
    --------
    >>> x, y = sp.symbols("x y")
    >>> potential((-x * y**2, -x**2 * y), (x, y))
    x**2*y**2/2
    >>> potential((-y, x), (x, y)) is None
    True
    """
    return _potential(comps, directions)


def expand(e: sp.Expr) -> sp.Expr:
    """Expand products and integer powers only (no ``exp``/``log`` rewriting)."""
    return sp.expand(e, power_exp=False, power_base=False, log=False)


def _is_zero(e: sp.Expr) -> bool:
    e = expand(e)
    return e == 0 or sp.simplify(e) == 0


def _asymmetry(
    comps: Sequence[sp.Expr], directions: Sequence[sp.Symbol]
) -> tuple[sp.Symbol, sp.Symbol] | None:
    """The first pair ``(z_i, z_l)`` with ``d f_i/d z_l != d f_l/d z_i``, or None."""
    for i, zi in enumerate(directions):
        for l_ in range(i + 1, len(directions)):
            zl = directions[l_]
            if not _is_zero(sp.diff(comps[i], zl) - sp.diff(comps[l_], zi)):
                return zi, zl
    return None


def _generic_atoms(exprs: Sequence[sp.Expr]) -> set[sp.Expr]:
    atoms: set[sp.Expr] = set()
    for e in exprs:
        atoms |= e.atoms(sp.Derivative)
        atoms |= {a for a in e.atoms(AppliedUndef)}
    return atoms


def _lower(atom: sp.Expr, z: sp.Symbol) -> sp.Expr | None:
    """The atom with one derivative in ``z`` removed, or None if it has none."""
    if not isinstance(atom, sp.Derivative):
        return None
    counts = dict(atom.variable_count)
    if counts.get(z, 0) < 1:
        return None
    counts[z] -= 1
    rest = [(v, n) for v, n in counts.items() if n]
    return sp.diff(atom.expr, *rest) if rest else atom.expr


def _potential(comps: Sequence[sp.Expr], directions: Sequence[sp.Symbol]) -> sp.Expr | None:
    """``V`` with ``dV/dz_i = -comps[i]`` for ``z_i`` in ``directions`` (other symbols held
    fixed), without a constant term; None when none is found in closed form.

    Polynomials use the homotopy formula ``V = -int_0^1 sum_i f_i(t z) z_i dt``;
    fields in undefined functions an ansatz in their derivatives (every monomial of ``V``
    is a monomial of some ``f_i`` with one derivative in ``z_i`` removed, or times
    ``z_i``); anything else term-by-term integration.
    """
    comps = [expand(c) for c in comps]
    if all(c == 0 for c in comps):
        return sp.S.Zero
    atoms = _generic_atoms(comps)
    if atoms:
        found = _ansatz_potential(comps, directions)
    else:
        found = _homotopy_potential(comps, directions)
        if found is None:
            found = _integrated_potential(comps, directions)
    if found is None:
        return None
    if all(_is_zero(sp.diff(found, z) + c) for z, c in zip(directions, comps)):
        return found
    return None  # pragma: no cover - a found candidate always checks out


def _homotopy_potential(
    comps: Sequence[sp.Expr], directions: Sequence[sp.Symbol]
) -> sp.Expr | None:
    terms = []
    for z, c in zip(directions, comps):
        try:
            poly = sp.Poly(c, *directions)
        except sp.PolynomialError:
            return None
        if any(coeff.has(*directions) for coeff in poly.coeffs()):
            return None
        for monom, coeff in poly.terms():
            term = coeff * z * sp.Mul(*[d**e for d, e in zip(directions, monom)])
            terms.append(-term / (sum(monom) + 1))
    return expand(sp.Add(*terms))


def _integrated_potential(
    comps: Sequence[sp.Expr], directions: Sequence[sp.Symbol]
) -> sp.Expr | None:
    potential: sp.Expr = sp.S.Zero
    for z, c in zip(directions, comps):
        rest = sp.simplify(-c - sp.diff(potential, z))
        if rest == 0:
            continue
        part = sp.integrate(rest, z)
        if part.has(sp.Integral):
            return None
        potential = potential + part
    return sp.simplify(potential)


def _ansatz_potential(comps: Sequence[sp.Expr], directions: Sequence[sp.Symbol]) -> sp.Expr | None:
    registry: dict[sp.Expr, sp.Symbol] = {}

    def encode(e: sp.Expr) -> tuple[sp.Expr, list[sp.Symbol]]:
        atoms = sorted(_generic_atoms([e]), key=sp.default_sort_key)
        for a in atoms:
            if a not in registry:
                registry[a] = sp.Dummy(f"g{len(registry)}")
        return e.xreplace({a: registry[a] for a in atoms}), list(registry.values())

    decode: dict[sp.Symbol, sp.Expr] = {}
    candidates: list[sp.Expr] = []
    seen: set[sp.Expr] = set()
    for z, c in zip(directions, comps):
        encoded, gens = encode(c)
        decode = {s: a for a, s in registry.items()}
        try:
            poly = sp.Poly(encoded, *gens, *directions)
        except sp.PolynomialError:
            return None
        allgens = [*gens, *directions]
        for monom, coeff in poly.terms():
            if coeff.has(*directions) or coeff.has(*gens):
                return None
            factors = [g**e for g, e in zip(allgens, monom)]
            base = sp.Mul(*factors).xreplace(decode)
            options = [base * z]
            for g, e in zip(allgens, monom):
                if e and g in decode:
                    low = _lower(decode[g], z)
                    if low is not None:
                        options.append(base / decode[g] * low)
            for o in options:
                o = expand(o)
                if o not in seen:
                    seen.add(o)
                    candidates.append(o)
    unknowns = sp.symbols(f"c0:{len(candidates)}", cls=sp.Dummy)
    ansatz = sp.Add(*[u * m for u, m in zip(unknowns, candidates)])
    equations = []
    for z, c in zip(directions, comps):
        residual = expand(sp.diff(ansatz, z) + c)
        encoded, gens = encode(residual)
        poly = sp.Poly(encoded, *gens, *directions)
        equations.extend(poly.coeffs())
    solution = sp.linsolve(equations, unknowns)
    if not solution:
        return None
    values = next(iter(solution))
    free = set().union(*(v.free_symbols for v in values)) & set(unknowns)
    zero = {u: 0 for u in free}
    return expand(sp.Add(*[v.xreplace(zero) * m for v, m in zip(values, candidates)]))
