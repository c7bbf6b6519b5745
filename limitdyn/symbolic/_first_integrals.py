"""First integrals of ODEs by exact linear algebra, and the integral of separable planar systems.

A first integral ``I`` of ``z' = f(z)`` satisfies ``grad I . f = 0`` identically. With an
ansatz ``I = sum_k a_k c_k`` over candidate functions ``c_k`` (monomials up to a degree,
or the user's basis) the condition is linear in the ``a_k``: the candidates' derivatives
along ``f``, ``L c_k = grad c_k . f``, must combine to zero. :func:`null_combinations`
finds every such combination exactly: polynomial problems in a sparse polynomial ring,
anything else by clearing denominators and comparing coefficients in the functions that
occur (``log u``, ``exp(theta)``, ...), never by sampling; the kernel is computed by
:class:`~sympy.polys.matrices.DomainMatrix` over the rationals or over the field of
rational functions of the parameters. The same kernel serves the exact invariants of maps
(:mod:`limitdyn.symbolic._invariants`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations_with_replacement
from typing import Any

import sympy as sp
from sympy.polys.matrices import DomainMatrix
from sympy.polys.rings import PolyElement, ring

from .._model_checks import as_entries
from .._multistep import TwoStepScheme
from .._ode import ODE
from .._scheme import Scheme
from .._validate import non_negative_int
from ..errors import InputError, LimitdynError
from ._limit import limit_ode

__all__ = [
    "FirstIntegrals",
    "SpecialCase",
    "first_integrals",
    "null_combinations",
    "separable_integral",
]

Column = dict[Any, Any]


# -- the exact kernel ---------------------------------------------------------------------


def coefficient_field(params: Sequence[sp.Symbol]) -> Any:
    """``QQ``, or the field ``QQ(params)`` of rational functions of the parameters."""
    return sp.QQ.frac_field(*params) if params else sp.QQ


def monomials(n: int, degree: int) -> list[tuple[int, ...]]:
    """Exponent vectors of the monomials of total degree ``1..degree`` in ``n`` variables."""
    out = []
    for d in range(1, degree + 1):
        for combo in combinations_with_replacement(range(n), d):
            e = [0] * n
            for i in combo:
                e[i] += 1
            out.append(tuple(e))
    return out


def kernel(columns: Sequence[Column], domain: Any) -> list[list[Any]]:
    """A basis of ``{a : sum_k a_k columns[k] = 0}``; each column maps a monomial (any
    hashable key) to a nonzero element of the field ``domain``. Sparse: DomainMatrix."""
    keys: dict[Any, int] = {}
    rows: dict[int, dict[int, Any]] = {}
    for k, col in enumerate(columns):
        for key, value in col.items():
            if not value:
                continue
            r = keys.setdefault(key, len(keys))
            rows.setdefault(r, {})[k] = value
    n = len(columns)
    if n == 0:
        return []
    if not rows:
        return [[domain.one if i == k else domain.zero for i in range(n)] for k in range(n)]
    matrix = DomainMatrix(rows, (len(keys), n), domain)
    return [list(v) for v in matrix.nullspace().to_list()]


def pivot_determinant(columns: Sequence[Column], domain: Any) -> sp.Expr | None:
    """The determinant of a pivot block of the (cleared) matrix of ``columns``, a
    polynomial in the parameters: the rank can drop only where it vanishes."""
    keys: dict[Any, int] = {}
    entries: dict[int, dict[int, sp.Expr]] = {}
    for k, col in enumerate(columns):
        for key, value in col.items():
            if value:
                r = keys.setdefault(key, len(keys))
                entries.setdefault(r, {})[k] = domain.to_sympy(value)
    if not entries or domain == sp.QQ:
        return None
    params = domain.symbols
    poly_ring = sp.QQ[params]
    rows: dict[int, dict[int, Any]] = {}
    for r, row in entries.items():
        den = sp.lcm([sp.fraction(sp.together(v))[1] for v in row.values()])
        rows[r] = {k: poly_ring.from_sympy(sp.cancel(v * den)) for k, v in row.items()}
    matrix = DomainMatrix(rows, (len(keys), len(columns)), poly_ring)
    _, den, _ = matrix.rref_den()
    return poly_ring.to_sympy(den)


def expression_columns(
    exprs: Sequence[sp.Expr], variables: Sequence[sp.Symbol]
) -> tuple[list[Column], Any]:
    """Columns (coefficients in the functions of the variables that occur) of expressions
    after clearing their common denominator; and the coefficient field."""
    prepared = [_prepare(e) for e in exprs]
    fracs = [sp.fraction(sp.together(e)) for e in prepared]
    common = sp.lcm([d for _, d in fracs]) if fracs else sp.S.One
    nums = [sp.expand(n * sp.cancel(common / d)) for n, d in fracs]
    vs = set(variables)
    nonzero = [e for e in nums if e != 0]
    if not nonzero:
        return [{} for _ in nums], sp.QQ
    _, opt = sp.parallel_poly_from_expr(nonzero)
    gens = [g for g in opt.gens if g.free_symbols & vs]
    if not gens:  # every expression is free of the variables
        domain, elements = sp.polys.constructor.construct_domain(nums, field=True)
        return [{(): c} if c else {} for c in elements], domain
    polys, _ = sp.parallel_poly_from_expr(nums, *gens, field=True)
    domain = polys[0].domain
    return [dict(p.rep.to_dict()) for p in polys], domain


def _prepare(e: sp.Expr) -> sp.Expr:
    """Hyperbolic functions as exponentials, so that their relations are visible."""
    e = sp.sympify(e)
    if e.has(sp.sinh, sp.cosh, sp.tanh, sp.coth):
        e = e.rewrite([sp.sinh, sp.cosh, sp.tanh, sp.coth], sp.exp)
    return sp.expand(e)


def null_combinations(
    exprs: Sequence[sp.Expr], variables: Sequence[sp.Symbol]
) -> tuple[list[list[sp.Expr]], list[Column], Any]:
    """Coefficient vectors ``a`` (free of the variables) with ``sum_k a_k exprs[k] = 0``
    identically, by coefficient comparison after clearing denominators."""
    columns, domain = expression_columns(exprs, variables)
    field = domain.get_field() if hasattr(domain, "get_field") else domain
    columns = [{k: field.convert_from(v, domain) for k, v in c.items()} for c in columns]
    vectors = kernel(columns, field)
    return [[field.to_sympy(c) for c in v] for v in vectors], columns, field


def normalise(coefficients: Sequence[sp.Expr], functions: Sequence[sp.Expr]) -> sp.Expr:
    """``sum c_k f_k`` with the coefficients cleared of denominators, made primitive, and
    the first nonzero one made positive."""
    cs = [sp.cancel(sp.sympify(c)) for c in coefficients]
    nz = [c for c in cs if c != 0]
    if not nz:
        return sp.S.Zero
    den = sp.lcm([sp.fraction(c)[1] for c in nz])
    cs = [sp.cancel(c * den) for c in cs]
    g = sp.gcd([c for c in cs if c != 0])
    if g != 0:
        cs = [sp.cancel(c / g) for c in cs]
    first = next(c for c in cs if c != 0)
    if first.could_extract_minus_sign():
        cs = [-c for c in cs]
    return sp.Add(*[sp.expand(c) * f for c, f in zip(cs, functions)])


# -- first integrals ------------------------------------------------------------------------


@dataclass(frozen=True)
class SpecialCase:
    """Parameter values at which a system has more first integrals than generically.

    Attributes
    ----------
    values : dict
        ``{parameter: value}``.
    integrals : tuple of Expr
        A basis of the first integrals (within the ansatz) at those values.
    """

    values: dict[sp.Symbol, sp.Expr]
    integrals: tuple[sp.Expr, ...]

    def __repr__(self) -> str:
        cond = ", ".join(f"{k} = {v}" for k, v in self.values.items())
        return f"SpecialCase({cond}: {len(self.integrals)} integrals {list(self.integrals)})"


class FirstIntegrals(list):
    """A list of first integrals, with :attr:`special_cases`: the parameter values where
    more integrals exist (those found by the rank analysis; see :func:`first_integrals`)."""

    special_cases: tuple[SpecialCase, ...]

    def __init__(self, items: Sequence[sp.Expr], special_cases: Sequence[SpecialCase] = ()):
        super().__init__(items)
        self.special_cases = tuple(special_cases)


def as_ode(system: Any, *, where: str) -> ODE:
    """The ODE of ``system``: itself, or the limit of a scheme."""
    if isinstance(system, ODE):
        return system
    if isinstance(system, Scheme | TwoStepScheme):
        return limit_ode(system)
    raise InputError(f"{where}: expected an ODE or a scheme, got {type(system).__name__}")


def check_functions(basis: Any, variables: Sequence[sp.Symbol], *, where: str) -> list[sp.Expr]:
    """The user's basis: SymPy expressions, each depending on some variable."""
    if isinstance(basis, sp.Basic) or isinstance(basis, str):
        raise InputError(f"{where}: expected a list of expressions, got {basis!r}")
    try:
        entries = as_entries(basis, where=where)
    except LimitdynError as exc:
        raise InputError(str(exc)) from None
    out = []
    for j, b in enumerate(entries):
        if not isinstance(b, sp.Expr):
            raise InputError(f"{where}: entry {j} is {b!r} ({type(b).__name__}), not an expression")
        if not (b.free_symbols & set(variables)):
            raise InputError(
                f"{where}: entry {j} ({b}) does not depend on the variables {tuple(variables)}"
            )
        out.append(b)
    return out


def separable_integral(ode: ODE) -> sp.Expr | None:
    """``int -b/a dtheta + omega**2/2`` for ``theta' = a(theta) omega``, ``omega' = b(theta)``
    (either order of the variables); a SymPy ``Integral`` where there is no closed form;
    None when the system is not of that form."""
    if ode.dim != 2:
        return None
    for th, om in (ode.variables, ode.variables[::-1]):
        f_th, f_om = ode.rhs[ode.variables.index(th)], ode.rhs[ode.variables.index(om)]
        a = sp.cancel(f_th / om)
        if a == 0 or a.has(om) or f_om.has(om) or f_om == 0:
            continue
        g = sp.simplify((-f_om / a).rewrite(sp.exp))
        primitive = _integrate(g, th)
        candidate = primitive + om**2 / 2
        if _vanishes(sp.diff(candidate, th) * f_th + sp.diff(candidate, om) * f_om):
            return candidate
    return None


def _integrate(g: sp.Expr, th: sp.Symbol) -> sp.Expr:
    try:
        primitive = sp.integrate(g, th, risch=False, meijerg=False, heurisch=False)
    except (NotImplementedError, ValueError, TypeError):  # pragma: no cover - SymPy limits
        return sp.Integral(g, th)
    if primitive.has(sp.Integral):
        return sp.Integral(g, th)
    simpler = sp.simplify(primitive.rewrite(sp.cosh)) if primitive.has(sp.exp) else primitive
    return simpler if _vanishes(sp.diff(simpler, th) - g) else primitive


def _vanishes(e: sp.Expr) -> bool:
    e = sp.expand(e)
    if e == 0:
        return True
    return bool(sp.simplify(sp.together(_prepare(e))) == 0)


def _polynomial_ring(ode: ODE) -> tuple[Any, list[PolyElement]] | None:
    domain = coefficient_field(ode.parameters)
    R, *_ = ring([v.name for v in ode.variables], domain)
    try:
        f = [R(sp.Poly(e, *ode.variables, domain=domain).as_dict()) for e in ode.rhs]
    except (sp.PolynomialError, sp.polys.polyerrors.CoercionFailed, ValueError):
        return None
    return R, f


def _derivative_columns(ode: ODE, exps: list[tuple[int, ...]]) -> tuple[list[Column], Any] | None:
    """Columns of ``L m`` for monomials ``m`` in the polynomial ring, or None."""
    built = _polynomial_ring(ode)
    if built is None:
        return None
    R, f = built
    cols = []
    for e in exps:
        total = R.zero
        for i, ei in enumerate(e):
            if ei and f[i]:
                lower = list(e)
                lower[i] -= 1
                total += R({tuple(lower): R.domain(ei)}) * f[i]
        cols.append(dict(total.items()))
    return cols, R.domain


def _solve(ode: ODE, degree: int, basis: list[sp.Expr]) -> tuple[list[sp.Expr], list[Column], Any]:
    vs = ode.variables
    exps = monomials(len(vs), degree)
    mono = [sp.Mul(*[v**k for v, k in zip(vs, e)]) for e in exps]
    funcs = list(basis) + mono
    poly_cols = None if basis else _derivative_columns(ode, exps)
    if poly_cols is not None:
        columns, field = poly_cols
        vectors = [[field.to_sympy(c) for c in v] for v in kernel(columns, field)]
    else:
        derivs = [sum(sp.diff(c, v) * fi for v, fi in zip(vs, ode.rhs)) for c in funcs]
        vectors, columns, field = null_combinations(derivs, vs)
    found = []
    for v in vectors:
        integral = normalise(v, funcs)
        if integral == 0 or all(_vanishes(sp.diff(integral, x)) for x in vs):
            continue  # a constant: the basis functions were dependent
        found.append(integral)
    return found, columns, field


def _verified(ode: ODE, integrals: list[sp.Expr]) -> list[sp.Expr]:
    for integral in integrals:
        change = sum(sp.diff(integral, v) * f for v, f in zip(ode.variables, ode.rhs))
        if not _vanishes(change):  # pragma: no cover - would be a bug in the kernel
            raise LimitdynError(f"first_integrals: {integral} failed its check grad I . f = 0")
    return integrals


def _special_cases(
    ode: ODE, degree: int, basis: list[sp.Expr], columns: list[Column], field: Any, count: int
) -> list[SpecialCase]:
    if not ode.parameters or len(columns) > 300:
        return []
    try:
        det = pivot_determinant(columns, field)
    except (sp.polys.polyerrors.CoercionFailed, sp.PolynomialError, AttributeError):
        return []
    if det is None:
        return []
    cases = []
    for factor, _ in sp.factor_list(det)[1]:
        for values in _roots_of(factor, ode.parameters):
            try:
                special = ode.subs(values)
                found, _, _ = _solve(special, degree, [b.xreplace(values) for b in basis])
            except (LimitdynError, ZeroDivisionError):
                continue
            if len(found) > count:
                cases.append(SpecialCase(values, tuple(_verified(special, found))))
    return cases


def _roots_of(factor: sp.Expr, params: Sequence[sp.Symbol]) -> list[dict[sp.Symbol, sp.Expr]]:
    free = [p for p in params if factor.has(p)]
    for p in free:
        poly = sp.Poly(factor, p)
        if poly.degree() == 1:
            c1, c0 = poly.all_coeffs()
            return [{p: sp.cancel(-c0 / c1)}] if _admissible(p, -c0 / c1) else []
    if len(free) == 1:
        p = free[0]
        return [{p: r} for r in sp.roots(factor, p) if r.is_real and _admissible(p, r)]
    return []


def _admissible(p: sp.Symbol, value: sp.Expr) -> bool:
    """Whether ``value`` is compatible with the assumptions on ``p`` (sign, nonzero)."""
    if p.is_positive and (value.is_positive is False):
        return False
    if p.is_nonnegative and (value.is_nonnegative is False):
        return False
    return not (p.is_nonzero and value.is_zero)


def first_integrals(
    system: ODE | Scheme | TwoStepScheme, *, degree: int | None = None, basis: Any = None
) -> FirstIntegrals:
    """A basis of the first integrals of an ODE (or of a scheme's limit) within an ansatz.

    Finds every ``I = sum_k a_k c_k`` with ``grad I . f = 0`` identically, the ``c_k``
    being the monomials of total degree ``1..degree`` and the user's ``basis`` functions;
    the coefficients ``a_k`` are exact, rational or rational functions of the parameters.
    Polynomial systems are handled in a sparse polynomial ring; rational and
    transcendental ones by clearing denominators and comparing coefficients in the
    functions that occur (hyperbolic functions rewritten as exponentials). Every
    integral is checked by substitution before it is returned.

    With neither ``degree`` nor ``basis``, a planar separable system
    ``theta' = a(theta) omega``, ``omega' = b(theta)`` gets ``int -b/a dtheta + omega**2/2``
    (a SymPy ``Integral`` when there is no closed form); any other system uses
    ``degree=2``.

    Parameters
    ----------
    system : ODE, Scheme or TwoStepScheme
        An ODE, or a scheme (its :func:`~limitdyn.limit_ode`).
    degree : int, optional
        Largest total degree of the polynomial ansatz (0: no monomials).
    basis : sequence of Expr, optional
        Further candidate functions of the variables (``log(u)``, ``cosh(theta)``, ...).

    Returns
    -------
    FirstIntegrals
        A list of linearly independent expressions (constants excluded), with
        ``.special_cases``: parameter values where the rank of the linear system drops
        and more integrals exist, each with its basis of integrals there. They are found
        among the zeros of the determinant of a pivot block of the fraction-free echelon
        form (a necessary condition, each then checked by solving again), for factors
        linear in some parameter or in a single parameter.

    Raises
    ------
    InputError
        If ``system`` is not an ODE or scheme, ``degree`` is negative or not an integer,
        or ``basis`` is not a list of expressions in the system's variables.

    References
    ----------
    E. Hairer, C. Lubich, G. Wanner, *Geometric Numerical Integration*, 2nd ed., IV.1.

    Examples
    --------
    The harmonic oscillator and Lotka-Volterra ``u' = u(v - 2)``, ``v' = v(1 - u)``
    (HLW I.1: ``I = ln u - u + 2 ln v - v``):

    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> q, p, u, v, k = sp.symbols("q p u v k")
    >>> ld.first_integrals(ld.ODE((q, p), [p, -k * q]), degree=2)
    [k*q**2 + p**2]
    >>> lv = ld.ODE((u, v), [u * (v - 2), v * (1 - u)])
    >>> ld.first_integrals(lv, basis=[u, v, sp.log(u), sp.log(v)])
    [u + v - log(u) - 2*log(v)]
    """
    ode = as_ode(system, where="first_integrals")
    if degree is not None:
        degree = non_negative_int(degree, "first_integrals degree")
    funcs = [] if basis is None else check_functions(basis, ode.variables, where="basis")
    if degree is None and basis is None:
        sep = separable_integral(ode)
        if sep is not None:
            return FirstIntegrals([sep])
        degree = 2
    found, columns, field = _solve(ode, degree or 0, funcs)
    found = _verified(ode, found)
    cases = _special_cases(ode, degree or 0, funcs, columns, field, len(found))
    return FirstIntegrals(found, cases)
