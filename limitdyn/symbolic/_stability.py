"""Linear stability of equilibria of ODEs and of fixed points of schemes.

For an ODE the classification reads the linearisation (planar: trace and determinant;
higher dimensions: signs of the real parts of the eigenvalues). For a scheme the
linearised update ``J(tau)`` is exact; its spectral radius is a SymPy expression in the
step and :meth:`StabilityReport.max_stable_step` the supremum of the stable steps,
decided exactly (Jury's conditions in the plane, eigenvalue moduli otherwise) where SymPy
can and numerically otherwise.

References
----------
L. Mescheder, S. Nowozin, A. Geiger, "The numerics of GANs", NeurIPS 2017 (Lemma 4:
simultaneous gradient steps converge iff ``tau < 2|Re lambda|/|lambda|^2`` for every
eigenvalue); E. I. Jury, "Theory and Application of the z-Transform Method" (1964).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import sympy as sp

from .._display import html_table
from .._ode import ODE
from ..errors import InputError
from ._equilibria import check_smooth_at, read_point, scheme_jacobian, state_of

__all__ = ["CLASSIFICATIONS", "StabilityReport", "classify_linear", "linear_stability"]

#: classifications of an equilibrium of an ODE (planar names, then higher dimensions)
CLASSIFICATIONS = (
    "stable node",
    "unstable node",
    "stable focus",
    "unstable focus",
    "center",
    "saddle",
    "degenerate",
    "stable",
    "unstable",
    "undecided",
)


def _sign(expr: sp.Expr) -> int | None:
    """-1, 0 or 1 where SymPy decides the sign of a real expression, else None."""
    e = sp.simplify(expr)
    if e.is_zero:
        return 0
    if e.is_positive:
        return 1
    if e.is_negative:
        return -1
    return None


def classify_linear(jacobian: sp.Matrix) -> str:
    """The type of the equilibrium of ``z' = J z`` (one of :data:`CLASSIFICATIONS`).

    Planar systems by trace ``T`` and determinant ``D``: ``D < 0`` saddle, ``D = 0``
    degenerate; for ``D > 0``: ``T = 0`` center, else stable (``T < 0``) or unstable,
    a node when ``T^2 >= 4 D`` and a focus otherwise (just "stable" or "unstable" when
    that depends on the parameters). Higher dimensions by the real
    parts of the eigenvalues: all negative "stable", all positive "unstable", both signs
    and none zero "saddle", all zero with none zero "center", else "degenerate".
    "undecided" when the sign of a parameter expression is not known to SymPy.

    Examples
    --------
    >>> import sympy as sp
    >>> classify_linear(sp.Matrix([[0, 1], [-1, 0]])), classify_linear(sp.Matrix([[0, 1], [1, 0]]))
    ('center', 'saddle')
    >>> g = sp.Symbol("gamma", positive=True)
    >>> classify_linear(sp.Matrix([[-g, 0], [0, -2 * g]]))
    'stable node'
    """
    jac = sp.Matrix(jacobian)
    n = jac.shape[0]
    if n == 2:
        t, d = jac.trace(), jac.det()
        sd = _sign(d)
        if sd is None:
            return "undecided"
        if sd < 0:
            return "saddle"
        if sd == 0:
            return "degenerate"
        st = _sign(t)
        if st is None:
            return "undecided"
        if st == 0:
            return "center"
        sdisc = _sign(t**2 - 4 * d)
        side = "stable" if st < 0 else "unstable"
        if sdisc is None:  # node or focus depends on the parameters
            return side
        return f"{side} {'node' if sdisc >= 0 else 'focus'}"
    eig = _eigenvalues(jac)
    signs = [_sign(sp.re(lam)) for lam in eig]
    if None in signs or len(eig) != n:
        return "undecided"
    if all(s < 0 for s in signs):  # type: ignore[operator]
        return "stable"
    if all(s > 0 for s in signs):  # type: ignore[operator]
        return "unstable"
    if 0 not in signs:
        return "saddle"
    if all(s == 0 for s in signs) and all(not sp.simplify(lam).is_zero for lam in eig):
        return "center"
    return "degenerate"


def _eigenvalues(jac: sp.Matrix) -> list[sp.Expr]:
    """Eigenvalues with multiplicity; ``CRootOf`` where SymPy has no radicals; [] if unknown."""
    try:
        vals = jac.eigenvals(multiple=True)
        if len(vals) == jac.shape[0]:
            vals = [sp.simplify(v) for v in vals] if jac.shape[0] <= 2 else list(vals)
            return sorted(vals, key=sp.default_sort_key)
    except (sp.MatrixError, NotImplementedError):  # pragma: no cover - SymPy-dependent
        pass
    lam = sp.Dummy("lambda")
    poly = sp.Poly(jac.charpoly(lam).as_expr(), lam)
    if not poly.free_symbols - {lam}:
        return list(poly.all_roots())
    return []  # pragma: no cover - symbolic degree >= 5


def _char_coefficients(jac: sp.Matrix, lam: sp.Symbol) -> list[sp.Expr]:
    """Coefficients (highest first) of a multiple of ``det(lam I - J)`` free of denominators."""
    poly = jac.charpoly(lam)
    coeffs = [sp.together(c) for c in poly.all_coeffs()]
    den = sp.lcm([sp.fraction(c)[1] for c in coeffs])
    return [sp.expand(sp.cancel(c * den)) for c in coeffs]


def _hurwitz_conditions(coeffs: list[sp.Expr]) -> list[sp.Expr]:
    """Polynomial expressions whose positivity says that every root of the polynomial with
    these coefficients lies in the open unit disk (Moebius map to the left half-plane,
    then the Hurwitz determinants of the polynomial times its leading coefficient)."""
    n = len(coeffs) - 1
    s_ = sp.Dummy("s")
    q = sp.expand(sum(c * (1 + s_) ** (n - i) * (1 - s_) ** i for i, c in enumerate(coeffs)))
    a = sp.Poly(q, s_).all_coeffs()
    if len(a) != n + 1:  # the degree dropped for every step: a root at -1
        return [sp.Integer(-1)]
    a0 = a[0]
    b = [sp.expand(a0 * ai) for ai in a]
    conditions = [sp.expand(a0**2)]
    for k in range(1, n + 1):
        h = sp.zeros(k, k)
        for i in range(k):
            for j in range(k):
                idx = 2 * (j + 1) - (i + 1)
                h[i, j] = b[idx] if 0 <= idx <= n else 0
        conditions.append(sp.expand(h.det(method="berkowitz")))
    return conditions


def _stable_set(
    jac: sp.Matrix, eig: list[sp.Expr], step: sp.Symbol, *, marginal: bool
) -> sp.Set | None:
    """``{tau > 0 : rho(J(tau)) < 1}`` (``<= 1`` if marginal) exactly, or None."""
    positive = sp.Interval.open(0, sp.oo)
    rel = sp.Le if marginal else sp.Lt
    n = jac.shape[0]
    if n == 1:
        conditions = [rel(-1, jac[0, 0]), rel(jac[0, 0], 1)]
    elif n == 2:  # Jury: roots of x^2 - T x + D in the unit disk
        t, d = sp.expand(jac.trace()), sp.expand(jac.det())
        conditions = [rel(d, 1), rel(-1, d), rel(t, 1 + d), rel(-t, 1 + d)]
    elif not marginal:
        coeffs = _char_coefficients(jac, sp.Dummy("lambda"))
        conditions = [sp.Gt(c, 0) for c in _hurwitz_conditions(coeffs)]
    else:
        return None
    result: sp.Set = positive
    for cond in conditions:
        if cond is sp.true:
            continue
        if cond is sp.false:
            return sp.EmptySet
        if cond.free_symbols - {step}:
            return None
        try:
            part = sp.solve_univariate_inequality(cond, step, relational=False, domain=positive)
        except (NotImplementedError, TypeError, ValueError):
            return None
        result = sp.Intersection(result, part)
    return sp.simplify(result) if not isinstance(result, sp.Interval) else result


@dataclass(frozen=True)
class StabilityReport:
    """The linearisation of an ODE at an equilibrium, or of a scheme at a fixed point.

    Attributes
    ----------
    variables : tuple of Symbol
        The state, in the order of the Jacobian's rows.
    point : dict
        The point ``{variable: value}``.
    jacobian : ImmutableMatrix
        ``df/dz`` of the ODE, or the Jacobian of the one-step map (a function of the
        step unless ``tau`` was given).
    eigenvalues : list of Expr
        The eigenvalues of ``jacobian``, with multiplicity.
    kind : {"ode", "scheme"}
    step : Symbol or None
        The step symbol of a scheme.
    tau : Expr or None
        The step substituted in ``jacobian``, if one was given.
    """

    variables: tuple[sp.Symbol, ...]
    point: dict[sp.Symbol, sp.Expr]
    jacobian: sp.ImmutableMatrix
    eigenvalues: list[sp.Expr]
    kind: str
    step: sp.Symbol | None = None
    tau: sp.Expr | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def trace(self) -> sp.Expr:
        """Trace of the Jacobian."""
        return sp.simplify(self.jacobian.trace())

    @property
    def determinant(self) -> sp.Expr:
        """Determinant of the Jacobian."""
        return sp.simplify(self.jacobian.det())

    @cached_property
    def spectral_radius(self) -> sp.Expr:
        """``max |lambda|``, a SymPy expression (in the step for a scheme)."""
        if not self.eigenvalues:  # pragma: no cover - symbolic degree >= 5
            raise InputError("spectral_radius: SymPy found no closed form of the eigenvalues")
        return sp.Max(*[sp.Abs(lam) for lam in self.eigenvalues])

    @cached_property
    def classification(self) -> str:
        """For an ODE one of :data:`CLASSIFICATIONS`; for a scheme "stable", "marginal"
        or "unstable" at the given ``tau``, or the range of stable steps."""
        if self.kind == "ode":
            return classify_linear(self.jacobian)
        if self.tau is not None:
            return self._at_step()
        strict = self.stable_steps()
        if strict is not None and strict != sp.EmptySet:
            return f"stable for {self.step} in {strict}"
        weak = self.stable_steps(marginal=True)
        if weak is not None and weak != sp.EmptySet:
            return f"marginally stable for {self.step} in {weak}"
        if strict == sp.EmptySet and weak == sp.EmptySet:
            return f"unstable for every {self.step} > 0"
        return "undecided"

    def _at_step(self) -> str:
        for marginal, name in ((False, "stable"), (True, "marginal")):
            s = _stable_set(self.jacobian, self.eigenvalues, sp.Dummy(), marginal=marginal)
            if s is None:
                rho = float(sp.N(self.spectral_radius))
                return "stable" if rho < 1 else "marginal" if rho == 1 else "unstable"
            if s != sp.EmptySet:
                return name
        return "unstable"

    def _need_scheme(self, what: str) -> None:
        if self.kind != "scheme" or self.step is None or self.tau is not None:
            raise InputError(
                f"{what} needs the report of a scheme with the step left symbolic (tau=None)"
            )

    def stable_steps(self, *, marginal: bool = False) -> sp.Set | None:
        """The set ``{tau > 0 : rho < 1}`` (``rho <= 1`` with ``marginal=True``), exactly,
        or None where SymPy cannot decide it.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x, y = sp.symbols("x y")
        >>> # explicit Euler on x' = -x, y' = -10 y: stable iff |1 - 10 tau| < 1
        >>> ld.linear_stability(ld.explicit([-x, -10 * y], [x, y]), at=[0, 0]).stable_steps()
        Interval.open(0, 1/5)
        >>> # simultaneous descent-ascent on min_x max_y xy: rho = sqrt(1 + tau^2) > 1 always
        >>> ld.linear_stability(ld.simultaneous([(x, [-y]), (y, [x])]), at=[0, 0]).stable_steps()
        EmptySet
        """
        self._need_scheme("stable_steps")
        key = f"set-{marginal}"
        if key not in self._cache:
            assert self.step is not None
            self._cache[key] = _stable_set(
                self.jacobian, self.eigenvalues, self.step, marginal=marginal
            )
        return self._cache[key]

    def max_stable_step(
        self, *, marginal: bool = False, params: Any = None, tau_max: float = 1e6
    ) -> sp.Expr | float:
        """The supremum of the steps ``tau > 0`` with spectral radius ``< 1`` (``<= 1``
        with ``marginal=True``); 0 when no step is stable, ``oo`` when all are.

        Exact (a SymPy number) where SymPy decides the set of stable steps; otherwise a
        float, found by scanning ``tau`` on a logarithmic grid up to ``tau_max`` and
        bisecting the last change (parameters then need values, ``params``).

        Examples
        --------
        Gradient descent on ``(x^2 + 10 y^2)/2`` is stable up to ``2/L = 1/5``:

        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x, y = sp.symbols("x y")
        >>> ld.linear_stability(ld.explicit([-x, -10 * y], [x, y]), at=[0, 0]).max_stable_step()
        1/5
        """
        self._need_scheme("max_stable_step")
        values = _params(params, self.jacobian)
        assert self.step is not None
        if values:
            jac = sp.ImmutableMatrix(self.jacobian.xreplace(values))
            exact = _stable_set(jac, [], self.step, marginal=marginal)
        else:
            jac, exact = self.jacobian, self.stable_steps(marginal=marginal)
        if exact is not None:
            return _supremum(exact)
        return _numeric_sup(jac, self.step, marginal, tau_max)

    def radius_at(self, taus: Any) -> list[float]:
        """The spectral radius at each step of ``taus`` (a scheme's report, numeric
        parameters only), from the eigenvalues of the Jacobian evaluated there.

        Examples
        --------
        >>> import math
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x, y = sp.symbols("x y")
        >>> report = ld.linear_stability(ld.simultaneous([(x, [-y]), (y, [x])]), at=[0, 0])
        >>> rho = report.radius_at([0.1, 0.5])
        >>> [round(r, 12) for r in rho] == [round(math.sqrt(1 + t**2), 12) for t in (0.1, 0.5)]
        True
        """
        self._need_scheme("radius_at")
        import numpy as np

        out = []
        for t in taus:
            m = self.jacobian.xreplace({self.step: sp.Float(float(t), 30)}).evalf()
            if m.free_symbols:
                raise InputError(f"radius_at: the Jacobian has parameters {m.free_symbols}")
            out.append(float(np.max(np.abs(np.linalg.eigvals(np.array(m, dtype=complex))))))
        return out

    def plot(self, *, ax: Any = None, tau_max: float | None = None, n: int = 200) -> Any:
        """Spectral radius against the step, with ``rho = 1`` (a scheme's report); see
        :func:`limitdyn.plotting._stability.plot_spectral_radius`.

        Examples
        --------
        >>> import numpy as np, sympy as sp
        >>> import limitdyn as ld
        >>> x = sp.Symbol("x")
        >>> ax = ld.linear_stability(ld.explicit([-x], [x]), at=[0]).plot(tau_max=3.0)
        >>> tau, rho = ax.lines[0].get_data()
        >>> bool(np.allclose(rho, np.abs(1 - tau)))  # explicit Euler on x' = -x: rho = |1 - tau|
        True
        """
        from ..plotting._stability import plot_spectral_radius

        if tau_max is None:
            sup = self.max_stable_step(marginal=True)
            tau_max = 1.5 * float(sup) if 0 < float(sup) < math.inf else 2.0
        taus = [tau_max * (k + 1) / n for k in range(n)]
        return plot_spectral_radius(taus, self.radius_at(taus), ax=ax, label=self.classification)

    def to_dataframe(self) -> Any:
        """One row per eigenvalue: its expression and modulus (as text).

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x, y = sp.symbols("x y")
        >>> ld.linear_stability(ld.ODE((x, y), [y, -x]), at=[0, 0]).to_dataframe()
          eigenvalue modulus
        0         -I       1
        1          I       1
        """
        from .._display import dataframe

        return dataframe(
            {
                "eigenvalue": [str(lam) for lam in self.eigenvalues],
                "modulus": [str(sp.simplify(sp.Abs(lam))) for lam in self.eigenvalues],
            }
        )

    # -- display -----------------------------------------------------------------------------
    def __repr__(self) -> str:
        where = ", ".join(f"{v}={self.point[v]}" for v in self.variables)
        return (
            f"StabilityReport({self.kind} at ({where}): eigenvalues {self.eigenvalues}, "
            f"{self.classification})"
        )

    def latex(self) -> str:
        """The Jacobian and its eigenvalues as LaTeX.

        Examples
        --------
        >>> import sympy as sp
        >>> import limitdyn as ld
        >>> x, y = sp.symbols("x y")
        >>> text = ld.linear_stability(ld.ODE((x, y), [y, -x]), at=[0, 0]).latex()
        >>> r"\\left[\\begin{matrix}0 & 1\\\\-1 & 0\\end{matrix}\\right]" in text, "i" in text
        (True, True)
        """
        eig = ", ".join(sp.latex(lam) for lam in self.eigenvalues)
        return (
            rf"J = {sp.latex(self.jacobian)},\quad \lambda \in \{{{eig}\}}"
            rf"\quad \text{{({self.classification})}}"
        )

    def _repr_latex_(self) -> str:
        return f"${self.latex()}$"

    def _repr_html_(self) -> str:
        summary = f"{self.kind} linearisation: {self.classification}"
        return html_table(
            summary,
            {
                "eigenvalue": [str(lam) for lam in self.eigenvalues],
                "|eigenvalue|": [str(sp.simplify(sp.Abs(lam))) for lam in self.eigenvalues],
            },
        )


def _params(params: Any, jac: sp.Matrix) -> dict[sp.Symbol, sp.Expr]:
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise InputError(f"params must be a dict, got {type(params).__name__}")
    free = {s.name: s for s in jac.free_symbols}
    out = {}
    for k, v in params.items():
        sym = free.get(k) if isinstance(k, str) else k
        if sym not in free.values():
            raise InputError(f"params: {k!r} is not a parameter of the Jacobian")
        if isinstance(v, bool) or not isinstance(v, (int, float, sp.Basic)):
            raise InputError(f"params[{k}] = {v!r} is not a number")
        out[sym] = sp.nsimplify(v) if isinstance(v, int) else v
    return out


def _supremum(s: sp.Set) -> sp.Expr:
    if s == sp.EmptySet:
        return sp.Integer(0)
    return sp.nsimplify(s.sup) if s.sup.is_number and s.sup.is_rational else s.sup


def _numeric_sup(jac: sp.Matrix, step: Any, marginal: bool, tau_max: float) -> float:
    import numpy as np

    free = jac.free_symbols - {step}
    if free:
        raise InputError(
            "max_stable_step: SymPy cannot decide the stable steps exactly; give values of "
            f"the parameters {sorted(map(str, free))} with params="
        )
    slack = 1e-9 if marginal else -1e-12
    coeffs = _char_coefficients(jac, sp.Dummy("lambda"))
    try:  # coefficients as polynomials in the step, evaluated by numpy
        polys = [[float(c) for c in sp.Poly(e, step).all_coeffs()] for e in coeffs]

        def radius(t: float) -> float:
            values = [np.polyval(p, t) for p in polys]
            return float(np.max(np.abs(np.roots(values)))) if len(values) > 1 else 0.0

    except sp.PolynomialError:  # pragma: no cover - a step inside a function

        def radius(t: float) -> float:
            m = np.array(jac.xreplace({step: sp.Float(t, 30)}).evalf(), dtype=complex)
            return float(np.max(np.abs(np.linalg.eigvals(m))))

    def stable(t: float) -> bool:
        return radius(t) < 1 + slack

    grid = np.geomspace(1e-8, tau_max, 2001)
    flags = [stable(float(t)) for t in grid]
    if not any(flags):
        return 0.0
    last = max(i for i, f in enumerate(flags) if f)
    if last == len(grid) - 1:
        return math.inf
    lo, hi = float(grid[last]), float(grid[last + 1])
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if stable(mid) else (lo, mid)
    return lo


def linear_stability(system: Any, *, at: Any, tau: Any = None) -> StabilityReport:
    """Linearise an ODE at an equilibrium or a scheme at a fixed point.

    Parameters
    ----------
    system : ODE, Scheme or TwoStepScheme
    at : mapping or sequence
        The point, every variable given (a two-step scheme also takes its current state
        alone); see :func:`limitdyn.equilibria`.
    tau : number or Expr, optional
        For a scheme, a step to substitute; by default everything is a function of the
        step symbol.

    Returns
    -------
    StabilityReport

    Raises
    ------
    InputError
        If ``at`` is not a full point, is not an equilibrium (ODE) or not left unchanged
        by an implicit stage (scheme), or ``tau`` is given for an ODE or is not positive.

    References
    ----------
    L. Mescheder, S. Nowozin, A. Geiger, "The numerics of GANs", NeurIPS 2017.

    Examples
    --------
    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> x, y = sp.symbols("x y")
    >>> r = ld.linear_stability(ld.ODE((x, y), [y, -x - y]), at={x: 0, y: 0})
    >>> r.eigenvalues, r.classification
    ([-1/2 - sqrt(3)*I/2, -1/2 + sqrt(3)*I/2], 'stable focus')

    A linear field with eigenvalues ``-1 +- 2i``: simultaneous gradient steps are stable
    up to ``2|Re lambda|/|lambda|^2 = 2/5`` (Mescheder, Nowozin & Geiger 2017):

    >>> s = ld.explicit([-x - 2 * y, 2 * x - y], [x, y])
    >>> ld.linear_stability(s, at=[0, 0]).max_stable_step()
    2/5
    """
    variables, scheme = state_of(system)
    point = read_point(system, at)
    if scheme is None:
        assert isinstance(system, ODE)
        if tau is not None:
            raise InputError("tau is for schemes; an ODE has no step")
        for v, f in zip(variables, system.rhs):
            if sp.simplify(f.xreplace(point)).is_zero is False:
                raise InputError(
                    f"at is not an equilibrium: {v}' = {sp.simplify(f.xreplace(point))} there"
                )
        jac = sp.ImmutableMatrix(
            system.jacobian.applyfunc(
                lambda e: sp.simplify(check_smooth_at(e, point, where="the ODE's field"))
            )
        )
        return StabilityReport(variables, point, jac, _eigenvalues(jac), "ode")
    jac = scheme_jacobian(scheme, point)
    value = None
    if tau is not None:
        if isinstance(tau, bool) or not isinstance(tau, (int, float, sp.Basic)):
            raise InputError(f"tau must be a positive number, got {tau!r}")
        value = sp.nsimplify(tau) if isinstance(tau, int) else sp.sympify(tau)
        if value.is_positive is False:
            raise InputError(f"tau must be positive, got {tau}")
        jac = sp.ImmutableMatrix(jac.xreplace({scheme.step: value}))
    return StabilityReport(
        variables, point, jac, _eigenvalues(jac), "scheme", step=scheme.step, tau=value
    )
