"""Invariants of a scheme's map: exact polynomial invariants, growth factors, modified
invariants (conserved to an order in the step) and modified Hamiltonians.

The map ``Phi_tau`` of a scheme is needed in closed form for exact statements: explicit
stages compose, implicit stages whose residual is linear in the new values are solved
exactly (the map is then rational in the step). Modified invariants only need the map's
series (:func:`~limitdyn.map_series`), so they cover every polynomial scheme, implicit
ones included; modified Hamiltonians are read off the modified equation
(:func:`~limitdyn.modified_equation`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp
from sympy.polys.matrices import DomainMatrix
from sympy.polys.rings import ring

from .._multistep import TwoStepScheme, as_one_step
from .._scheme import ExplicitStage, Scheme
from .._validate import non_negative_int
from ..errors import InputError, LimitdynError, SchemeError
from ._backward import modified_equation
from ._first_integrals import coefficient_field, kernel, monomials, normalise, null_combinations
from ._potential import potential
from ._series import map_series

__all__ = [
    "ModifiedInvariant",
    "exact_map",
    "growth_factor",
    "invariants",
    "modified_hamiltonian",
    "modified_invariant",
    "modified_invariant_report",
]


def _scheme(scheme: Any, where: str) -> Scheme:
    if isinstance(scheme, Scheme | TwoStepScheme):
        return as_one_step(scheme)
    raise InputError(f"{where}: expected a scheme, got {type(scheme).__name__}")


def check_quantity(scheme: Scheme, quantity: Any, *, where: str) -> sp.Expr:
    """A SymPy expression in the scheme's variables, parameters and step."""
    if not isinstance(quantity, sp.Expr):
        raise InputError(f"{where}: the quantity {quantity!r} is not a SymPy expression")
    known = {*scheme.variables, *scheme.parameters, scheme.step}
    strange = sorted((s for s in quantity.free_symbols if s not in known), key=str)
    if strange:
        raise InputError(
            f"{where}: the quantity has symbols {strange} that are neither variables "
            f"{scheme.variables} nor parameters {scheme.parameters} of the scheme"
        )
    if not (quantity.free_symbols & set(scheme.variables)):
        raise InputError(f"{where}: the quantity {quantity} does not depend on the variables")
    return quantity


def exact_map(scheme: Scheme | TwoStepScheme) -> dict[sp.Symbol, sp.Expr]:
    """The one-step map in closed form: explicit stages composed, implicit stages whose
    residual is linear in the new values solved exactly.

    Raises
    ------
    SchemeError
        If an implicit stage is nonlinear in its new values (its map has no closed form).

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> exact_map(ld.implicit([-x], [x]))
    {x: x/(tau + 1)}
    """
    one = _scheme(scheme, "exact_map")
    current: dict[sp.Symbol, sp.Expr] = {v: v for v in one.variables}
    for stage in one.stages:
        if isinstance(stage, ExplicitStage):
            new = [sp.cancel(val.xreplace(current)) for val in stage.values]
        else:
            residual = [r.xreplace(current) for r in stage.residual]  # type: ignore[attr-defined]
            unknowns = list(stage.placeholders)
            try:
                linear = all(sp.Poly(r, *unknowns).total_degree() <= 1 for r in residual)
            except sp.PolynomialError:
                linear = False
            if not linear:
                raise SchemeError(
                    f"implicit stage {stage.label or '?'} is nonlinear in its new values: its "
                    "map has no closed form; use modified_invariant (series) instead"
                )
            a, b = sp.linear_eq_to_matrix(residual, unknowns)
            new = [sp.cancel(w) for w in a.LUsolve(b)]
        current.update(zip(stage.targets, new))
    return {v: current[v] for v in one.variables}


def invariants(scheme: Scheme | TwoStepScheme, *, degree: int) -> list[sp.Expr]:
    """Polynomial invariants of the map: ``I(Phi_tau(z)) = I(z)`` identically in ``z``.

    The coefficients of ``I`` may depend on the step and the parameters: the kernel is
    taken over the field ``QQ(tau, parameters)``, exactly (DomainMatrix), on the map in
    closed form (:func:`exact_map`); every invariant is checked by substitution.

    Parameters
    ----------
    scheme : Scheme or TwoStepScheme
        Explicit stages, or implicit stages linear in their new values.
    degree : int
        Largest total degree (constants excluded).

    Returns
    -------
    list of Expr
        A basis of the invariants of degree ``1..degree``.

    Raises
    ------
    InputError
        If ``degree`` is negative or ``scheme`` is not a scheme.
    SchemeError
        If an implicit stage is nonlinear in its new values.

    References
    ----------
    E. Hairer, C. Lubich, G. Wanner, *Geometric Numerical Integration*, 2nd ed., I.1 and
    IX.3: symplectic Euler on the harmonic oscillator conserves ``p**2 + q**2 - tau p q``.

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> q, p = sp.symbols("q p")
    >>> ld.invariants(ld.alternating([(q, [p]), (p, [-q])]), degree=2)
    [p**2 + p*q*tau + q**2]
    """
    one = _scheme(scheme, "invariants")
    degree = non_negative_int(degree, "invariants degree")
    phi = exact_map(one)
    vs = one.variables
    exps = monomials(len(vs), degree)
    funcs = [sp.Mul(*[v**k for v, k in zip(vs, e)]) for e in exps]
    domain = coefficient_field((one.step, *one.parameters))
    R, *_ = ring([v.name for v in vs], domain)
    try:
        images = [R(sp.Poly(phi[v], *vs, domain=domain).as_dict()) for v in vs]
    except (sp.PolynomialError, sp.polys.polyerrors.CoercionFailed, ValueError):
        images = None
    if images is not None:
        composed: dict[tuple[int, ...], Any] = {tuple([0] * len(vs)): R.one}
        columns = []
        for e in exps:
            i = next(j for j, k in enumerate(e) if k)
            lower = list(e)
            lower[i] -= 1
            composed[e] = composed[tuple(lower)] * images[i]
            columns.append(dict((composed[e] - R({e: domain.one})).items()))
        vectors = [[domain.to_sympy(c) for c in v] for v in kernel(columns, domain)]
    else:
        diffs = [f.xreplace(phi) - f for f in funcs]
        vectors, _, _ = null_combinations(diffs, vs)
    found = [normalise(v, funcs) for v in vectors]
    for inv in found:
        if sp.cancel(inv.xreplace(phi) - inv) != 0:  # pragma: no cover - a kernel bug
            raise LimitdynError(f"invariants: {inv} failed its check I(Phi(z)) = I(z)")
    return found


def growth_factor(scheme: Scheme | TwoStepScheme, quantity: sp.Expr) -> sp.Expr | None:
    """``g(tau)`` with ``quantity(Phi_tau(z)) = g * quantity(z)`` identically, or None.

    Parameters
    ----------
    scheme : Scheme or TwoStepScheme
        Explicit stages, or implicit stages linear in their new values.
    quantity : Expr
        In the scheme's variables (and parameters).

    Returns
    -------
    Expr or None
        The factor (free of the variables), or None when the quantity is not multiplied
        by a constant.

    Raises
    ------
    InputError
        If the quantity has symbols that are neither variables nor parameters.

    References
    ----------
    Simultaneous gradient descent-ascent on the bilinear game ``xy`` multiplies
    ``x**2 + y**2`` by ``1 + tau**2`` (Mescheder et al., "Which training methods for
    GANs do actually converge?", ICML 2018, Sec. 2; Gidel et al., AISTATS 2019).

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x, y = sp.symbols("x y")
    >>> blocks = [(x, [-y]), (y, [x])]
    >>> ld.growth_factor(ld.simultaneous(blocks), x**2 + y**2)
    tau**2 + 1
    >>> ld.growth_factor(ld.simultaneous(blocks, implicit=True), x**2 + y**2)
    1/(tau**2 + 1)
    >>> print(ld.growth_factor(ld.alternating(blocks), x**2 + y**2))
    None
    """
    one = _scheme(scheme, "growth_factor")
    q = check_quantity(one, quantity, where="growth_factor")
    phi = exact_map(one)
    ratio = sp.factor(sp.cancel(q.xreplace(phi) / q))
    if ratio.free_symbols & set(one.variables):
        return None
    return ratio


@dataclass(frozen=True)
class ModifiedInvariant:
    """The result of :func:`modified_invariant_report`.

    Attributes
    ----------
    quantity : Expr
        ``H``.
    order : int
        The order asked, ``k``.
    terms : tuple of Expr or None
        ``(H, H_1, ..., H_k)`` with ``sum tau**j H_j`` changing by ``O(tau**(k+2))`` per
        step; None when there is none within the ansatz.
    step : Symbol
        The step.
    why : str
        Why there is none (empty when there is one).
    """

    quantity: sp.Expr
    order: int
    terms: tuple[sp.Expr, ...] | None
    step: sp.Symbol
    why: str = ""

    @property
    def expr(self) -> sp.Expr | None:
        """``H + tau H_1 + ... + tau**k H_k``, or None."""
        if self.terms is None:
            return None
        return sp.Add(*[self.step**j * h for j, h in enumerate(self.terms)])

    def latex(self) -> str:
        """LaTeX of the modified invariant (or of the obstruction).

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> q, p = sp.symbols("q p")
        >>> # symplectic Euler conserves p^2 + q^2 + tau p q exactly (HLW I.1, IX.3)
        >>> report = ld.modified_invariant_report(ld.alternating([(q, [p]), (p, [-q])]),
        ...                                       q**2 + p**2, order=1)
        >>> print(report.latex())
        p^{2} + p q \\tau + q^{2}
        """
        e = self.expr
        return sp.latex(e) if e is not None else r"\text{" + self.why + "}"

    def _repr_latex_(self) -> str:
        return f"${self.latex()}$"

    def __repr__(self) -> str:
        if self.terms is None:
            return f"ModifiedInvariant(None, order={self.order}, why={self.why!r})"
        return f"ModifiedInvariant({self.expr}, order={self.order})"


def _jets(one: Scheme, order: int, R: Any) -> list[list[Any]]:
    series = map_series(one, order=order)
    vs = one.variables
    try:
        return [
            [R(sp.Poly(series[i, j], *vs, domain=R.domain).as_dict()) for j in range(order + 1)]
            for i in range(len(vs))
        ]
    except (sp.PolynomialError, sp.polys.polyerrors.CoercionFailed, ValueError):
        raise InputError(
            "modified_invariant: the scheme's map series is not polynomial in the variables; "
            "for Hamiltonian schemes use modified_hamiltonian"
        ) from None


def _mul(a: list[Any], b: list[Any], order: int, zero: Any) -> list[Any]:
    out = [zero] * (order + 1)
    for i, ai in enumerate(a):
        if ai:
            for j in range(order + 1 - i):
                if b[j]:
                    out[i + j] += ai * b[j]
    return out


def _degree(e: Any) -> int:
    return max((sum(m) for m in e.monoms()), default=0)


def modified_invariant_report(
    scheme: Scheme | TwoStepScheme, quantity: sp.Expr, *, order: int
) -> ModifiedInvariant:
    """Look for ``H + tau H_1 + ... + tau**k H_k`` conserved by the scheme to
    ``O(tau**(k+2))`` per step, reporting the obstruction when there is none.

    The ``H_j`` are polynomials of degree at most ``deg H + j (deg f - 1)`` (``f`` the
    limit field), found jointly by exact linear algebra on the map series (the
    coefficients of ``tau**1 .. tau**(k+1)`` of ``sum tau**j (H_j(Phi) - H_j)``); the free
    part (first integrals that could be added) is set to zero. The scheme and ``H`` must
    be polynomial. ``why`` names the first order that no choice can remove — within this
    polynomial ansatz.

    Parameters
    ----------
    scheme : Scheme or TwoStepScheme
    quantity : Expr
        ``H``, polynomial in the variables.
    order : int
        ``k >= 0``.

    Returns
    -------
    ModifiedInvariant

    Raises
    ------
    InputError
        If the quantity is not a polynomial of the variables with known symbols, or the
        scheme is not polynomial.
    SchemeError
        If ``order`` is negative.

    Examples
    --------
    Explicit Euler on the harmonic oscillator multiplies ``q**2 + p**2`` by ``1 + tau**2``:

    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> q, p = sp.symbols("q p")
    >>> r = ld.modified_invariant_report(ld.explicit([p, -q], [q, p]), q**2 + p**2, order=1)
    >>> print(r.expr)
    None
    >>> r.why[:40]
    'no polynomial H_1 of degree <= 2 removes'
    """
    one = _scheme(scheme, "modified_invariant")
    h = check_quantity(one, quantity, where="modified_invariant")
    k = non_negative_int(order, "modified_invariant order", error=SchemeError)
    vs = one.variables
    domain = coefficient_field(one.parameters)
    R, *_ = ring([v.name for v in vs], domain)
    try:
        h_ring = R(sp.Poly(h, *vs, domain=domain).as_dict())
    except (sp.PolynomialError, sp.polys.polyerrors.CoercionFailed, ValueError):
        raise InputError(
            f"modified_invariant: the quantity {h} is not a polynomial in {vs} with "
            "coefficients in the parameters"
        ) from None
    top = k + 1
    jets = _jets(one, top, R)
    deg_f = max([_degree(jets[i][1]) for i in range(len(vs))] + [1])
    zero = R.zero
    cache: dict[tuple[int, ...], list[Any]] = {tuple([0] * len(vs)): [R.one] + [zero] * top}

    def jet_of(e: tuple[int, ...]) -> list[Any]:
        if e not in cache:
            i = next(j for j, c in enumerate(e) if c)
            lower = list(e)
            lower[i] -= 1
            cache[e] = _mul(jet_of(tuple(lower)), jets[i], top, zero)
        return cache[e]

    def poly_jet(p: Any) -> list[Any]:
        out = [zero] * (top + 1)
        for m, c in p.items():
            for j, t in enumerate(jet_of(m)):
                if t:
                    out[j] += t * c
        return out

    h_jet = poly_jet(h_ring)
    if h_jet[1]:
        change = _to_expr(h_jet[1], vs)
        why = f"{h} is not a first integral of the limit: grad H . f = {change}"
        return ModifiedInvariant(h, k, None, one.step, why)
    degree_h = _degree(h_ring)
    terms: list[sp.Expr] = [h]
    for kk in range(1, k + 1):
        solved = _solve_orders(h_jet, kk, degree_h, deg_f, len(vs), jet_of, domain)
        if solved is None:
            bound = degree_h + kk * (deg_f - 1)
            why = (
                f"no polynomial H_{kk} of degree <= {bound} removes the tau**{kk + 1} change "
                f"of {h}" + (f" (with H_1..H_{kk - 1} free)" if kk > 1 else "")
            )
            return ModifiedInvariant(h, k, None, one.step, why)
        terms = [h, *[_to_expr(p, vs) for p in solved]]
    return ModifiedInvariant(h, k, tuple(terms), one.step)


def _to_expr(p: Any, vs: Sequence[sp.Symbol]) -> sp.Expr:
    return sp.Add(
        *[p.ring.domain.to_sympy(c) * sp.Mul(*[v**e for v, e in zip(vs, m)]) for m, c in p.items()]
    )


def _solve_orders(
    h_jet: list[Any], k: int, deg_h: int, deg_f: int, n: int, jet_of: Any, domain: Any
) -> list[Any] | None:
    """``H_1..H_k`` (ring elements) cancelling the orders ``tau**2 .. tau**(k+1)``."""
    unknowns = [(j, e) for j in range(1, k + 1) for e in monomials(n, deg_h + j * (deg_f - 1))]
    keys: dict[Any, int] = {}
    rows: dict[int, dict[int, Any]] = {}

    def put(m: int, poly: Any, col: int) -> None:
        for mono, c in poly.items():
            r = keys.setdefault((m, mono), len(keys))
            rows.setdefault(r, {})[col] = c

    for col, (j, e) in enumerate(unknowns):
        jet = jet_of(e)
        for m in range(j + 1, k + 2):
            if jet[m - j]:
                put(m, jet[m - j], col)
    rhs_col = len(unknowns)
    for m in range(2, k + 2):
        if h_jet[m]:
            put(m, -h_jet[m], rhs_col)
    if not keys:
        return [h_jet[0].ring.zero] * k
    matrix = DomainMatrix(rows, (len(keys), rhs_col + 1), domain)
    rref, pivots = matrix.rref()
    if rhs_col in pivots:
        return None
    dense = rref.to_dok()
    values = {pivot: dense.get((r, rhs_col), domain.zero) for r, pivot in enumerate(pivots)}
    R = h_jet[0].ring
    out = [R.zero] * k
    for col, (j, e) in enumerate(unknowns):
        c = values.get(col)
        if c:
            out[j - 1] += R({e: c})
    return out


def modified_invariant(
    scheme: Scheme | TwoStepScheme, quantity: sp.Expr, *, order: int
) -> sp.Expr | None:
    """``H + tau H_1 + ... + tau**k H_k`` changing by ``O(tau**(k+2))`` per step, or None.

    The obstruction when there is none is ``modified_invariant_report(...).why``
    (:func:`modified_invariant_report`, which documents the ansatz).

    References
    ----------
    E. Hairer, C. Lubich, G. Wanner, *Geometric Numerical Integration*, 2nd ed., IX.3.

    Examples
    --------
    Symplectic Euler on the harmonic oscillator (HLW I.1, IX.3):

    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> q, p = sp.symbols("q p")
    >>> ld.modified_invariant(ld.alternating([(q, [p]), (p, [-q])]), q**2 + p**2, order=1)
    p**2 + p*q*tau + q**2
    """
    return modified_invariant_report(scheme, quantity, order=order).expr


def _conjugate(one: Scheme, qp: Any) -> tuple[tuple[sp.Symbol, ...], tuple[sp.Symbol, ...]]:
    if qp is None:
        n = one.dim // 2
        if one.dim % 2:
            raise InputError("modified_hamiltonian: an odd number of variables has no (q, p) split")
        return one.variables[:n], one.variables[n:]
    try:
        q, p = (tuple(g) if not isinstance(g, sp.Symbol) else (g,) for g in qp)
    except (TypeError, ValueError):
        raise InputError(
            "modified_hamiltonian: qp must be a pair (q variables, p variables)"
        ) from None
    if len(q) != len(p) or set(q) | set(p) != set(one.variables) or len(set(q) | set(p)) != one.dim:
        raise InputError(
            f"modified_hamiltonian: qp={qp!r} does not split the variables {one.variables}"
        )
    return q, p


def modified_hamiltonian(
    scheme: Scheme | TwoStepScheme, hamiltonian: sp.Expr, *, order: int, qp: Any = None
) -> sp.Expr | None:
    """The modified Hamiltonian ``H~ = H + tau H_1 + ... + tau**k H_k`` of a scheme for
    ``q' = H_p``, ``p' = -H_q``, or None when the scheme is not symplectic (to that order).

    Each term ``f_j`` of the modified equation must be the Hamiltonian field of some
    ``H_j``; ``H_j`` is its potential (closed form, checked by substitution).

    Parameters
    ----------
    scheme : Scheme or TwoStepScheme
        A scheme whose limit is the Hamiltonian flow of ``hamiltonian``.
    hamiltonian : Expr
        ``H(q, p)``.
    order : int
        ``k``.
    qp : pair of sequences of Symbol, optional
        The positions and momenta; by default the first and second half of the variables.

    Returns
    -------
    Expr or None

    Raises
    ------
    InputError
        If the limit is not the Hamiltonian flow of ``hamiltonian``, or ``qp`` is bad.

    References
    ----------
    E. Hairer, C. Lubich, G. Wanner, *Geometric Numerical Integration*, 2nd ed., IX.3:
    symplectic Euler ``H~ = H - (tau/2) H_p H_q + O(tau**2)``.

    Examples
    --------
    The pendulum ``H = p**2/2 - cos q`` under symplectic Euler (``p`` first):

    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> q, p = sp.symbols("q p")
    >>> se = ld.alternating([(p, [-sp.sin(q)]), (q, [p])])
    >>> ld.modified_hamiltonian(se, p**2 / 2 - sp.cos(q), order=1, qp=(q, p))
    p**2/2 - p*tau*sin(q)/2 - cos(q)
    """
    one = _scheme(scheme, "modified_hamiltonian")
    h = check_quantity(one, hamiltonian, where="modified_hamiltonian")
    k = non_negative_int(order, "modified_hamiltonian order", error=SchemeError)
    q, p = _conjugate(one, qp)
    me = modified_equation(one, order=k)
    index = {v: i for i, v in enumerate(one.variables)}
    field0 = me.terms[0]
    expected = [sp.diff(h, pi) for pi in p] + [-sp.diff(h, qi) for qi in q]
    got = [field0[index[v]] for v in (*q, *p)]
    if any(sp.simplify(a - b) != 0 for a, b in zip(got, expected)):
        raise InputError(
            f"modified_hamiltonian: the limit of the scheme is not q' = H_p, p' = -H_q for "
            f"H = {h} with q = {q}, p = {p}"
        )
    total = h
    for j in range(1, k + 1):
        f = me.terms[j]
        comps = tuple([f[index[pi]] for pi in p] + [-f[index[qi]] for qi in q])
        hj = potential(comps, (*q, *p))
        if hj is None:
            return None
        total += one.step**j * hj
    return total
