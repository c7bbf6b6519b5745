"""Modified equations (backward error analysis) of schemes, to any order.

The modified field ``f~ = f_0 + tau f_1 + ... + tau^k f_k`` is the vector field whose
exact flow over a time ``tau`` reproduces one step of the scheme to
``O(tau**(k + 2))``: ``Phi_tau(z) = exp(tau L_{f~}) z + O(tau**(k+2))``, where
``L_g h = (dh/dz) g`` is the Lie derivative. Matching the coefficient of
``tau**(j+1)`` of the Lie series ``sum_n tau**n / n! L_{f~}^n z`` with the map's
coefficient ``d_{j+1}`` gives ``f_j = d_{j+1} - (terms in f_0 .. f_{j-1})``, solved
order by order from the scheme's map series, so every kind of scheme is covered.

References
----------
E. Hairer, C. Lubich, G. Wanner, *Geometric Numerical Integration*, 2nd ed.,
Springer 2006, ch. IX (backward error analysis).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from math import factorial
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef

from .._multistep import TwoStepScheme
from .._ode import ODE
from .._scheme import ExplicitStage, ImplicitStage, Scheme, as_symbols
from ..errors import SchemeError
from ._algebra import ExprAlgebra, RingAlgebra
from ._series import map_series

__all__ = ["ModifiedEquation", "modified_equation"]

Vector = list[Any]


# -- the recursion ------------------------------------------------------------------------


def _backward_error(
    d: Sequence[Vector], variables: Sequence[sp.Symbol], alg: Any, order: int
) -> list[Vector]:
    """Solve ``exp(tau L_{f~}) z = sum_j tau**j d_j`` for ``f_0 .. f_order``.

    ``d[m]`` (``m = 1 .. order + 1``) is the map's coefficient of ``tau**m``. With
    ``P[n][p]`` the coefficient of ``tau**p`` in ``L_{f~}^n z`` (so ``P[1][p] = f_p``),
    ``P[n][p] = sum_{a + b = p} (dP[n-1][a]/dz) f_b`` and
    ``f_j = d_{j+1} - sum_{n >= 2} P[n][j + 1 - n] / n!``.
    """
    dim = len(variables)
    f: list[Vector] = []
    lie: dict[int, dict[int, Vector]] = {1: {}}
    jacobians: dict[tuple[int, int], list[list[Any]]] = {}

    def jacobian(n: int, a: int) -> list[list[Any]]:
        key = (n, a)
        if key not in jacobians:
            vec = lie[n][a]
            jacobians[key] = [[alg.diff(c, v) for v in variables] for c in vec]
        return jacobians[key]

    for j in range(order + 1):
        m = j + 1
        acc = list(d[m])
        for n in range(2, m + 1):
            p = m - n
            total = [alg.zero] * dim
            for a in range(p + 1):
                b = p - a
                jac = jacobian(n - 1, a)
                fb = f[b]
                for i in range(dim):
                    row = jac[i]
                    total[i] = total[i] + sum(
                        (row[c] * fb[c] for c in range(dim) if not alg.is_zero(row[c])),
                        alg.zero,
                    )
            total = [alg.tidy(t) for t in total]
            lie.setdefault(n, {})[p] = total
            coeff = sp.Rational(1, factorial(n))
            acc = [x - alg.scale(t, coeff) for x, t in zip(acc, total)]
        fj = [alg.tidy(x) for x in acc]
        f.append(fj)
        lie[1][j] = fj
    return f


def _check_identity(d0: Vector, variables: Sequence[sp.Symbol], alg: Any) -> None:
    for v, c in zip(variables, d0):
        drift = alg.to_expr(c) - v
        if drift != 0 and sp.simplify(drift) != 0:
            raise SchemeError(
                f"the map moves {v} by {drift} at step 0; a scheme with a modified equation "
                "must reduce to the identity as the step goes to zero"
            )


# -- one-step schemes: the map series, fast path for polynomial schemes ---------------------


def _ring_map_series(scheme: Scheme, order: int) -> tuple[RingAlgebra, list[Vector]] | None:
    """The map's jets in a polynomial ring, or None when the scheme is not polynomial
    (or an implicit stage has a non-constant ``dR/dw`` at step 0).

    Implicit stages are solved order by order: the coefficient of ``tau**m`` of the
    residual is ``J w_m + (terms in w_0 .. w_{m-1})`` with ``J = dR/dw`` at step 0.
    """
    exprs: list[sp.Expr] = []
    holders: list[sp.Symbol] = []
    for stage in scheme.stages:
        exprs.extend(stage.expressions())
        holders.extend(stage.placeholders)
    alg = RingAlgebra.try_build(exprs, scheme.variables, holders, scheme.step)
    if alg is None:
        return None
    ring = alg.ring
    zero = ring.zero
    cur: dict[sp.Symbol, Vector] = {v: [alg.var(v)] + [zero] * order for v in scheme.variables}
    for stage in scheme.stages:
        if isinstance(stage, ExplicitStage):
            new = alg.compose([alg.lift(e) for e in stage.values], cur, order)
        elif isinstance(stage, ImplicitStage):
            res = [alg.lift(r) for r in stage.residual]
            rest = {u: [cur[t][0]] for u, t in zip(stage.unknowns, stage.targets)}
            base = {v: [j[0]] for v, j in cur.items()}
            jac = []
            for r in res:
                row = []
                for u in stage.unknowns:
                    d = r.diff(ring.gens[alg.index[u]])
                    entry = alg.compose([d], {**base, **rest}, 0)[0][0]
                    if not entry.is_ground:
                        return None
                    row.append(ring.domain.to_sympy(entry.LC if entry else 0))
                jac.append(row)
            jmat = sp.Matrix(jac)
            if jmat.det() == 0:
                return None  # the general path raises the proper error
            inv = jmat.inv()
            identity = inv == sp.eye(len(res))
            at0 = alg.compose(res, {**base, **rest}, 0)
            if any(j[0] for j in at0):
                return None  # inconsistent at step 0: let the general path raise
            w = [[cur[t][0]] + [zero] * order for t in stage.targets]
            for m in range(1, order + 1):
                subs = {v: j[: m + 1] for v, j in cur.items()}
                subs.update({u: wk[: m + 1] for u, wk in zip(stage.unknowns, w)})
                known = [j[m] for j in alg.compose(res, subs, m)]
                for i, wk in enumerate(w):
                    if identity:
                        wk[m] = -known[i]
                    else:
                        wk[m] = -sum((known[k] * inv[i, k] for k in range(len(known))), zero)
            new = w
        else:  # pragma: no cover - Stage is closed over these two kinds
            return None
        cur.update(zip(stage.targets, new))
    return alg, [[cur[v][j] for v in scheme.variables] for j in range(order + 1)]


def _one_step_coefficients(scheme: Scheme, order: int) -> tuple[Any, list[Vector]]:
    """``(algebra, d)`` with ``d[j][i]`` the coefficient of ``tau**j`` in the map of ``z_i``."""
    fast = _ring_map_series(scheme, order)
    if fast is not None:
        return fast
    series = map_series(scheme, order)
    d = [[series[i, j] for i in range(scheme.dim)] for j in range(order + 1)]
    return ExprAlgebra(scheme.variables, scheme.step), d


# -- two-step schemes: the underlying one-step method --------------------------------------


def _two_step_coefficients(scheme: TwoStepScheme, order: int) -> tuple[Any, list[Vector]]:
    """Series of the underlying one-step method ``Phi`` of ``x+ = R(x, x_prev, tau)``.

    ``Phi(Phi(u)) = R(Phi(u), u, tau)``; with ``Phi = u + sum_m tau**m a_m`` the
    coefficient of ``tau**m`` reads ``(2 I - M) a_m = (known terms)``, where
    ``M = dR/dx`` at ``(u, u, 0)``: the known terms are the coefficients computed
    with ``a_m = 0``.
    """
    xs, ps, step = scheme.current, scheme.previous, scheme.step
    dim = len(xs)
    alg: Any = RingAlgebra.try_build(list(scheme.recurrence), xs, ps, step)
    coupling = None
    if alg is not None:
        coupling = _coupling(scheme, alg)
        if any(not e.is_number for e in coupling):
            alg, coupling = None, None
    if alg is None:
        alg = ExprAlgebra(xs, step)
        coupling = _coupling(scheme, alg)
    assert coupling is not None
    amat = 2 * sp.eye(dim) - coupling
    det = sp.simplify(amat.det())
    if det == 0:
        raise SchemeError(
            "two-step scheme: 2 I - dR/dx is singular at step 0, so the underlying "
            "one-step method is not determined (a parasitic root equals the principal one)"
        )
    inv = amat.inv().applyfunc(sp.simplify)
    rec = [alg.lift(r) for r in scheme.recurrence]
    at_rest = {p: [alg.var(x)] for x, p in zip(xs, ps)}
    a: list[Vector] = [[alg.var(x) for x in xs]]
    for m in range(1, order + 1):
        jets = {x: [a[j][i] for j in range(m)] + [alg.zero] for i, x in enumerate(xs)}
        phi = [alg.with_step(jets[x]) for x in xs]
        twice = alg.compose(phi, jets, m)
        rest = {p: j + [alg.zero] * m for p, j in at_rest.items()}
        rhs = alg.compose(rec, {**jets, **rest}, m)
        known = [alg.tidy(rhs[i][m] - twice[i][m]) for i in range(dim)]
        am = [
            alg.tidy(sum((alg.scale(known[k], inv[i, k]) for k in range(dim)), alg.zero))
            for i in range(dim)
        ]
        a.append(am)
    return alg, a


def _coupling(scheme: TwoStepScheme, alg: Any) -> sp.Matrix:
    """``M = dR/dx`` at ``x_prev = x``, step 0, as a SymPy matrix."""
    xs, ps = scheme.current, scheme.previous
    rows = []
    for r in scheme.recurrence:
        lifted = alg.lift(r)
        derivs = [alg.diff(lifted, x) for x in xs]
        at0 = alg.compose(derivs, {p: [alg.var(x)] for x, p in zip(xs, ps)}, 0)
        rows.append([alg.to_expr(j[0]) for j in at0])
    return sp.Matrix(rows)


# -- potentials -----------------------------------------------------------------------------


def _expand(e: sp.Expr) -> sp.Expr:
    return sp.expand(e, power_exp=False, power_base=False, log=False)


def _is_zero(e: sp.Expr) -> bool:
    e = _expand(e)
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
    comps = [_expand(c) for c in comps]
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
    return _expand(sp.Add(*terms))


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
                o = _expand(o)
                if o not in seen:
                    seen.add(o)
                    candidates.append(o)
    unknowns = sp.symbols(f"c0:{len(candidates)}", cls=sp.Dummy)
    ansatz = sp.Add(*[u * m for u, m in zip(unknowns, candidates)])
    equations = []
    for z, c in zip(directions, comps):
        residual = _expand(sp.diff(ansatz, z) + c)
        encoded, gens = encode(residual)
        poly = sp.Poly(encoded, *gens, *directions)
        equations.extend(poly.coeffs())
    solution = sp.linsolve(equations, unknowns)
    if not solution:
        return None
    values = next(iter(solution))
    free = set().union(*(v.free_symbols for v in values)) & set(unknowns)
    zero = {u: 0 for u in free}
    return _expand(sp.Add(*[v.xreplace(zero) * m for v, m in zip(values, candidates)]))


# -- the result -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ModifiedEquation:
    """The modified field ``f_0 + tau f_1 + ... + tau^k f_k`` of a scheme.

    Its exact flow over a time ``tau`` reproduces one step of the scheme to
    ``O(tau**(k + 2))`` (backward error analysis, in the common time ``t = n tau``).
    Build it with :func:`modified_equation`.

    Attributes
    ----------
    variables : tuple of Symbol
        The state, aligned with the scheme's variables.
    terms : tuple of ImmutableMatrix
        ``terms[j]`` is the column ``f_j``, the coefficient of ``tau**j``.
    step : Symbol
        The step symbol ``tau``.
    players : tuple of tuple of Symbol
        Groups of variables moved together (the blocks of an alternating scheme, or
        the players given to :func:`modified_equation`); one group when there is none.
    name : str
        A short description.
    """

    variables: tuple[sp.Symbol, ...]
    terms: tuple[sp.ImmutableMatrix, ...]
    step: sp.Symbol
    players: tuple[tuple[sp.Symbol, ...], ...] = ()
    name: str = ""
    _cache: dict[Any, Any] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        variables = as_symbols(self.variables, where="ModifiedEquation variables")
        object.__setattr__(self, "variables", variables)
        terms = tuple(sp.ImmutableMatrix(t) for t in self.terms)
        if not terms:
            raise SchemeError("ModifiedEquation: no terms")
        for j, t in enumerate(terms):
            if t.shape != (len(variables), 1):
                raise SchemeError(
                    f"ModifiedEquation: term {j} has shape {t.shape}, "
                    f"expected ({len(variables)}, 1)"
                )
        object.__setattr__(self, "terms", terms)
        players = self.players or (variables,)
        object.__setattr__(self, "players", _check_players(players, variables))

    # -- basic facts -----------------------------------------------------------------------
    @property
    def order(self) -> int:
        """The highest power of ``tau`` computed."""
        return len(self.terms) - 1

    def _order(self, order: int | None) -> int:
        if order is None:
            return self.order
        if isinstance(order, bool) or not isinstance(order, int) or order < 0:
            raise SchemeError(f"order must be a non-negative integer, got {order!r}")
        if order > self.order:
            raise SchemeError(
                f"order {order} asked but the modified equation was computed to order "
                f"{self.order}; call modified_equation(scheme, {order})"
            )
        return order

    def field(self, order: int | None = None) -> sp.ImmutableMatrix:
        """``f_0 + tau f_1 + ... + tau**order f_order`` as a column matrix.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> ld.modified_equation(ld.explicit([-x], [x]), 2).field()
        Matrix([[-tau**2*x/3 - tau*x/2 - x]])
        """
        k = self._order(order)
        total = sp.zeros(len(self.variables), 1)
        for j in range(k + 1):
            total += self.step**j * self.terms[j]
        return sp.ImmutableMatrix(total)

    def drift(self, order: int | None = None) -> sp.ImmutableMatrix:
        """The correction ``tau f_1 + ... + tau**order f_order`` to the limit field."""
        return sp.ImmutableMatrix(self.field(order) - self.terms[0])

    def ode(self, order: int | None = None) -> ODE:
        """The truncated modified equation as an :class:`~limitdyn.ODE`.

        ``tau`` stays a parameter of the ODE (for ``order >= 1``): give its value
        like any other parameter when integrating.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> ode = ld.modified_equation(ld.implicit([-x], [x]), 1).ode()
        >>> ode
        ODE(x' = tau*x/2 - x)
        >>> ode.parameters
        (tau,)
        """
        k = self._order(order)
        label = f"order-{k} modified equation"
        return ODE(
            self.variables, self.field(k), name=f"{label} of {self.name}" if self.name else label
        )

    def restrict(self, variables: Any) -> ModifiedEquation:
        """The modified equation of a closed subsystem.

        For a two-step scheme, ``restrict(scheme.current)`` is the modified equation of
        the underlying one-step method on ``x`` alone.

        Raises
        ------
        SchemeError
            If a kept component depends on a dropped variable.
        """
        keep = as_symbols(variables, where="restrict")
        missing = [v for v in keep if v not in self.variables]
        if missing:
            raise SchemeError(f"restrict: {missing} are not variables of the modified equation")
        rows = [self.variables.index(v) for v in keep]
        dropped = set(self.variables) - set(keep)
        terms = []
        for j, t in enumerate(self.terms):
            col = [t[r, 0] for r in rows]
            for v, e in zip(keep, col):
                if e.free_symbols & dropped:
                    raise SchemeError(
                        f"restrict: term {j} of {v}' depends on the dropped variables "
                        f"{sorted(map(str, e.free_symbols & dropped))}"
                    )
            terms.append(sp.ImmutableMatrix(col))
        players = tuple(
            tuple(v for v in p if v in keep) for p in self.players if set(p) & set(keep)
        )
        return ModifiedEquation(keep, tuple(terms), self.step, players=players, name=self.name)

    # -- gradient structure ----------------------------------------------------------------
    def is_gradient(self, order: int | None = None) -> bool:
        """Whether ``f_0 + ... + tau**order f_order`` is a gradient field ``-grad V``.

        Holds iff every term has a symmetric Jacobian (on a simply connected domain).

        Examples
        --------
        Gradient descent keeps a gradient structure at first order (Barrett & Dherin);
        simultaneous gradient descent-ascent on a bilinear game does not:

        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x, y = sp.symbols("x y")
        >>> E = (x**2 + y**4) / 2
        >>> ld.modified_equation(ld.explicit([-E.diff(x), -E.diff(y)], [x, y]), 1).is_gradient()
        True
        >>> ld.modified_equation(ld.explicit([-y, x], [x, y]), 0).is_gradient()
        False
        """
        k = self._order(order)
        return all(self._term_asymmetry(j, self.variables) is None for j in range(k + 1))

    def _term_asymmetry(
        self, j: int, directions: tuple[sp.Symbol, ...]
    ) -> tuple[sp.Symbol, sp.Symbol] | None:
        key = ("asym", j, directions)
        if key not in self._cache:
            comps = [self.terms[j][self.variables.index(z), 0] for z in directions]
            self._cache[key] = _asymmetry(comps, directions)
        return self._cache[key]

    def modified_potential(self, order: int | None = None) -> sp.Expr:
        """The modified loss ``V = V_0 + tau V_1 + ...`` with truncated field ``-grad V``.

        Returns
        -------
        Expr
            ``V``, without an additive constant.

        Raises
        ------
        SchemeError
            If some term up to ``order`` is not a gradient field (no potential is
            invented), or its potential has no closed form.

        References
        ----------
        D. G. T. Barrett, B. Dherin, "Implicit gradient regularization", ICLR 2021:
        gradient descent on ``E`` follows ``-grad(E + (tau/4)|grad E|**2)``.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x, y = sp.symbols("x y")
        >>> E = sp.Function("E")(x, y)
        >>> gd = ld.explicit([-E.diff(x), -E.diff(y)], [x, y])
        >>> V = ld.modified_equation(gd, 1).modified_potential()
        >>> sp.simplify(V - (E + ld.tau / 4 * (E.diff(x)**2 + E.diff(y)**2)))
        0
        """
        k = self._order(order)
        return sp.Add(
            *[
                self.step**j * self._term_potential(j, self.variables, sp.S.One)
                for j in range(k + 1)
            ]
        )

    def _term_potential(self, j: int, directions: tuple[sp.Symbol, ...], rate: sp.Expr) -> sp.Expr:
        key = ("pot", j, directions, rate)
        if key in self._cache:
            return self._cache[key]
        comps = [self.terms[j][self.variables.index(z), 0] / rate for z in directions]
        bad = _asymmetry(comps, directions)
        if bad is not None:
            raise SchemeError(
                f"the order-{j} term of the modified field is not a gradient in "
                f"{directions}: d f/d{bad[1]} of {bad[0]}' differs from d f/d{bad[0]} of "
                f"{bad[1]}', so it has no potential"
            )
        potential = _potential(comps, directions)
        if potential is None:
            raise SchemeError(
                f"the order-{j} term of the modified field is a gradient but its potential "
                "could not be found in closed form"
            )
        self._cache[key] = potential
        return potential

    # -- games -----------------------------------------------------------------------------
    def _player(self, player: Any) -> tuple[sp.Symbol, ...]:
        if isinstance(player, bool) or not isinstance(player, int):
            raise SchemeError(f"player must be an index into players, got {player!r}")
        if not 0 <= player < len(self.players):
            raise SchemeError(
                f"player {player} out of range: there are {len(self.players)} players"
            )
        return self.players[player]

    def player_drift(self, player: int, *, order: int | None = None) -> sp.ImmutableMatrix:
        """One player's drift ``tau f_1 + ... + tau**order f_order`` in its own variables.

        Examples
        --------
        Simultaneous gradient descent-ascent on ``E = x y`` (Rosca et al. 2021): each
        player drifts away from the equilibrium:

        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x, y = sp.symbols("x y")
        >>> me = ld.modified_equation(ld.simultaneous([(x, [-y]), (y, [x])]), 1,
        ...                           players=[x, y])
        >>> me.player_drift(0), me.player_drift(1)
        (Matrix([[tau*x/2]]), Matrix([[tau*y/2]]))
        """
        k = self._order(order)
        vs = self._player(player)
        drift = self.drift(k)
        return sp.ImmutableMatrix([drift[self.variables.index(v), 0] for v in vs])

    def _rates(self, rates: Any) -> tuple[sp.Expr, ...]:
        if rates is None:
            return (sp.S.One,) * len(self.players)
        if isinstance(rates, (str, sp.Basic)) or not isinstance(rates, Sequence):
            raise SchemeError("rates: expected one rate per player")
        if len(rates) != len(self.players):
            raise SchemeError(f"rates: {len(rates)} rates for {len(self.players)} players")
        out = []
        for r in rates:
            if isinstance(r, str) or isinstance(r, bool):
                raise SchemeError(f"rates: {r!r} is not a number or SymPy expression")
            e = sp.sympify(r, strict=True)
            if e == 0:
                raise SchemeError("rates: a rate is zero")
            out.append(e)
        return tuple(out)

    def is_zero_sum(self, *, rates: Any = None) -> bool:
        """Whether the limit is a zero-sum game between two players.

        True when ``f_0 = (-r_1 grad_1 E, +r_2 grad_2 E)`` for one function ``E``,
        with the given player rates ``r_p`` (default 1).
        """
        if len(self.players) != 2:
            return False
        r = self._rates(rates)
        directions = self.players[0] + self.players[1]
        signs = [sp.S.One] * len(self.players[0]) + [-sp.S.One] * len(self.players[1])
        scales = [r[0]] * len(self.players[0]) + [r[1]] * len(self.players[1])
        comps = [
            s * self.terms[0][self.variables.index(z), 0] / q
            for z, s, q in zip(directions, signs, scales)
        ]
        return _asymmetry(comps, directions) is None

    def player_losses(self, order: int | None = None, *, rates: Any = None) -> tuple[sp.Expr, ...]:
        """Each player's modified loss: ``L~_p`` with player ``p`` moving by ``-r_p grad_p L~_p``.

        For a zero-sum game with ``x`` minimising and ``y`` maximising ``E``, the losses
        are ``E + ...`` and ``-E + ...`` (Rosca et al. 2021). A player's loss is defined
        up to terms that do not depend on its own variables.

        Parameters
        ----------
        order : int, optional
            Truncation order (default: all computed).
        rates : sequence, optional
            The players' rates ``r_p`` (default 1).

        Raises
        ------
        SchemeError
            If some player's field, up to ``order``, is not a gradient in its own
            variables (no loss is invented).

        References
        ----------
        M. Rosca, Y. Wu, B. Dherin, D. G. T. Barrett, "Discretization drift in two-player
        games", ICML 2021.

        Examples
        --------
        Simultaneous gradient descent-ascent on ``E = x**2 y``:

        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x, y = sp.symbols("x y")
        >>> E = x**2 * y
        >>> s = ld.simultaneous([(x, [-E.diff(x)]), (y, [E.diff(y)])])
        >>> me = ld.modified_equation(s, 1, players=[x, y])
        >>> me.is_zero_sum()
        True
        >>> me.player_losses()[0]
        -tau*x**4/4 + tau*x**2*y**2 + x**2*y
        """
        k = self._order(order)
        r = self._rates(rates)
        losses = []
        for p, (vs, rate) in enumerate(zip(self.players, r)):
            try:
                parts = [self._term_potential(j, vs, rate) for j in range(k + 1)]
            except SchemeError as err:
                raise SchemeError(f"player {p} ({', '.join(map(str, vs))}): {err}") from None
            losses.append(_expand(sp.Add(*[self.step**j * v for j, v in enumerate(parts)])))
        return tuple(losses)

    # -- display ---------------------------------------------------------------------------
    def _rhs_texts(
        self,
        order: int | None,
        body: Callable[[sp.Expr], str],
        scaled: Callable[[sp.Expr, str], str],
    ) -> list[str]:
        """Per variable, its nonzero terms joined by ``" + "`` (``"0"`` when none).

        The ``tau**0`` term is ``body(c)``, the ``tau**j`` term ``scaled(tau**j, body(c))``.
        """
        k = self._order(order)
        texts = []
        for i in range(len(self.variables)):
            coeffs = [self.terms[j][i, 0] for j in range(k + 1)]
            pieces = [
                body(c) if j == 0 else scaled(self.step**j, body(c))
                for j, c in enumerate(coeffs)
                if c != 0
            ]
            texts.append(" + ".join(pieces) if pieces else "0")
        return texts

    def latex(self, order: int | None = None) -> str:
        r"""LaTeX of the system, powers of ``tau`` kept apart.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> print(ld.modified_equation(ld.explicit([-x**2], [x]), 1).latex())
        \begin{aligned}\dot{x} &= - x^{2} + \tau \left(- x^{3}\right)\end{aligned}
        """
        rhs = self._rhs_texts(order, sp.latex, lambda p, b: rf"{sp.latex(p)} \left({b}\right)")
        lines = [rf"\dot{{{sp.latex(v)}}} &= {r}" for v, r in zip(self.variables, rhs)]
        return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"

    def _repr_latex_(self) -> str:
        return f"${self.latex()}$"

    def pretty(self, order: int | None = None, *, use_unicode: bool = False) -> str:
        """A plain-text rendering, one line per variable, powers of ``tau`` kept apart.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> print(ld.modified_equation(ld.explicit([-x**2], [x]), 2).pretty())
        x' = -x**2 + tau*(-x**3) + tau**2*(-3*x**4/2)
        """

        def body(c: sp.Expr) -> str:
            return sp.pretty(c, use_unicode=use_unicode) if use_unicode else sp.sstr(c)

        rhs = self._rhs_texts(order, body, lambda p, b: f"{sp.sstr(p)}*({b})")
        return "\n".join(f"{v}' = {r}" for v, r in zip(self.variables, rhs))

    def cse(self, order: int | None = None) -> tuple[list[tuple[sp.Symbol, sp.Expr]], sp.Matrix]:
        """Common-subexpression elimination of the truncated field, for code output.

        Returns
        -------
        (replacements, reduced)
            As :func:`sympy.cse`: ``replacements`` is a list of ``(symbol, expression)``
            and ``reduced`` the field in those symbols.
        """
        replacements, reduced = sp.cse(sp.Matrix(self.field(order)))
        return replacements, reduced[0]

    def __repr__(self) -> str:
        label = f"{self.name!r}, " if self.name else ""
        body = ", ".join(f"{v}' = {f}" for v, f in zip(self.variables, self.field()))
        return f"ModifiedEquation({label}order={self.order}, {body})"


def _check_players(
    players: Any, variables: tuple[sp.Symbol, ...]
) -> tuple[tuple[sp.Symbol, ...], ...]:
    if isinstance(players, (str, sp.Basic)) or not isinstance(players, Sequence):
        raise SchemeError("players: expected a sequence of variable groups")
    out = []
    owner: dict[sp.Symbol, int] = {}
    for p, group in enumerate(players):
        vs = as_symbols(group, where=f"player {p}")
        for v in vs:
            if v not in variables:
                raise SchemeError(f"player {p}: {v} is not a variable of the scheme")
            if v in owner:
                raise SchemeError(f"player {p}: {v} also belongs to player {owner[v]}")
            owner[v] = p
        out.append(vs)
    if not out:
        raise SchemeError("players: no players given")
    return tuple(out)


def _default_players(scheme: Scheme) -> tuple[tuple[sp.Symbol, ...], ...]:
    """The blocks of an alternating scheme (stages that partition the variables)."""
    if isinstance(scheme, TwoStepScheme):
        return (scheme.current,)
    groups: list[tuple[sp.Symbol, ...]] = []
    for stage in scheme.stages:
        if stage.targets not in groups:
            groups.append(stage.targets)
    flat = [v for g in groups for v in g]
    if len(groups) >= 2 and len(flat) == len(set(flat)) and set(flat) == set(scheme.variables):
        return tuple(groups)
    return (scheme.variables,)


# -- the entry point ------------------------------------------------------------------------


def _compute_terms(scheme: Scheme, order: int) -> tuple[sp.ImmutableMatrix, ...]:
    key = (scheme, order)
    cached = _TERMS.get(key)
    if cached is not None:
        return cached
    if isinstance(scheme, TwoStepScheme):
        alg, d = _two_step_coefficients(scheme, order + 1)
        variables: tuple[sp.Symbol, ...] = scheme.current
    else:
        alg, d = _one_step_coefficients(scheme, order + 1)
        variables = scheme.variables
        _check_identity(d[0], variables, alg)
    f = _backward_error(d, variables, alg, order)
    terms = []
    for fj in f:
        col = [_present(alg.to_expr(c)) for c in fj]
        if isinstance(scheme, TwoStepScheme):
            back = dict(zip(scheme.current, scheme.previous))
            col = col + [c.xreplace(back) for c in col]
        terms.append(sp.ImmutableMatrix(col))
    result = tuple(terms)
    if len(_TERMS) > 256:
        _TERMS.clear()
    _TERMS[key] = result
    return result


_TERMS: dict[tuple[Scheme, int], tuple[sp.ImmutableMatrix, ...]] = {}

#: above this many operations a rational term is left expanded rather than factored
_FACTOR_LIMIT = 300


def _present(e: sp.Expr) -> sp.Expr:
    """Terms with parameters in denominators (rates, momentum) over one factored
    denominator; polynomial terms are left expanded."""
    if not any(p.exp.is_negative and p.base.free_symbols for p in e.atoms(sp.Pow)):
        return e
    together = sp.together(e)
    if sp.count_ops(together) > _FACTOR_LIMIT:
        return together
    return sp.factor(together)


def modified_equation(scheme: Scheme, order: int, *, players: Any = None) -> ModifiedEquation:
    """The modified equation of a scheme to order ``order`` in the step.

    Returns ``f_0 + tau f_1 + ... + tau**order f_order`` whose exact flow over a time
    ``tau`` reproduces the scheme's step to ``O(tau**(order + 2))`` (backward error
    analysis, in the common time ``t = n tau``). Computed from the scheme's map series
    against the Lie series of the flow, so it covers explicit, implicit, alternating,
    simultaneous, rated, repeated and :func:`~limitdyn.from_map` schemes;
    polynomial schemes are computed in a sparse polynomial ring, others (undefined
    functions, ``exp``, ...) with SymPy expressions, expanded per order.

    Two-step schemes (:func:`~limitdyn.optimistic`, :func:`~limitdyn.heavy_ball`) are
    analysed through their underlying one-step method ``Phi`` with
    ``Phi(Phi(u)) = R(Phi(u), u, tau)``; the result is reported on the doubled state,
    ``x' = f~(x)`` and ``x_prev' = f~(x_prev)`` (see :class:`~limitdyn.TwoStepScheme`;
    ``.restrict(scheme.current)`` keeps ``x`` alone).

    Parameters
    ----------
    scheme : Scheme
        Any scheme.
    order : int
        Highest power of ``tau`` kept (``0`` gives the limit ODE).
    players : sequence of variable groups, optional
        The players of a game, for :meth:`ModifiedEquation.player_drift` and
        :meth:`ModifiedEquation.player_losses`; by default the blocks of an
        alternating scheme, else all variables as one group.

    Returns
    -------
    ModifiedEquation

    Raises
    ------
    SchemeError
        If the scheme is not consistent (its map is not the identity at step 0), an
        implicit stage is not solvable, or ``order`` is not a non-negative integer.

    References
    ----------
    E. Hairer, C. Lubich, G. Wanner, *Geometric Numerical Integration*, ch. IX.

    Examples
    --------
    Explicit Euler: ``f~ = f - (tau/2) f'f + ...`` (Hairer, Lubich, Wanner, IX.1):

    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x = sp.Symbol("x")
    >>> me = ld.modified_equation(ld.explicit([x**2], [x]), 2)
    >>> me.terms
    (Matrix([[x**2]]), Matrix([[-x**3]]), Matrix([[3*x**4/2]]))

    Heavy ball with momentum ``beta``: the limit ``x' = -f'(x) / (1 - beta)``:

    >>> b = sp.Symbol("beta")
    >>> me = ld.modified_equation(ld.heavy_ball(x**2 / 2, x, momentum=b), 0)
    >>> sp.simplify(me.terms[0][0] + x / (1 - b))
    0
    """
    if not isinstance(scheme, Scheme):
        raise SchemeError(f"expected a Scheme, got {type(scheme).__name__}")
    if isinstance(order, bool) or not isinstance(order, int) or order < 0:
        raise SchemeError(f"order must be a non-negative integer, got {order!r}")
    terms = _compute_terms(scheme, order)
    groups: Any = _default_players(scheme) if players is None else players
    if isinstance(groups, sp.Symbol):
        groups = [groups]
    return ModifiedEquation(scheme.variables, terms, scheme.step, players=groups, name=scheme.name)
