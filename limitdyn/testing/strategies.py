"""Public, composable hypothesis strategies for schemes, vector fields and games.

Use them in property tests of scheme theorems::

    from hypothesis import given
    from limitdyn.testing import strategies as lst

    @given(lst.polynomial_fields(dim=2))
    def test_something(case): ...

Every coefficient is an exact SymPy rational, and every strategy shrinks towards the
smallest readable case (fewest terms, coefficients ``0`` then ``1``, identity changes of
basis), so that a failing property reports a small counterexample.

hypothesis is needed only when this module is imported.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp
from hypothesis import strategies as st

import limitdyn as ld

from ..errors import InputError
from ._games import GAME_KINDS, Game

__all__ = [
    "GAME_KINDS",
    "SCHEME_KINDS",
    "SYMBOLS",
    "X_SYMBOLS",
    "Y_SYMBOLS",
    "coefficients",
    "euler_step_bound",
    "games",
    "gradient_fields",
    "initial_states",
    "linear_fields",
    "lipschitz_fields",
    "polynomial_fields",
    "polynomials",
    "rates",
    "schemes",
    "step_sizes",
    "unimodular_matrices",
]

#: default state symbols, as many as a strategy needs
SYMBOLS = sp.symbols("x0:6")
#: the players' default symbols in :func:`games`
X_SYMBOLS = sp.symbols("x0:3")
Y_SYMBOLS = sp.symbols("y0:3")
#: every kind that :func:`schemes` draws
SCHEME_KINDS = (
    "explicit",
    "implicit",
    "alternating",
    "simultaneous",
    "repeats",
    "two_step",
    "metric",
)
_FUNCTIONS = {"tanh": sp.tanh, "sin": sp.sin, "cos": sp.cos}


def _variables(dim: int, variables: Sequence[sp.Symbol] | None) -> tuple[sp.Symbol, ...]:
    if variables is not None:
        return tuple(variables)
    if not isinstance(dim, int) or not 1 <= dim <= len(SYMBOLS):
        raise InputError(f"dim must be an integer in 1..{len(SYMBOLS)}, got {dim!r}")
    return tuple(SYMBOLS[:dim])


def coefficients(*, bound: int = 3, nonzero: bool = False) -> st.SearchStrategy[sp.Rational]:
    """Exact rationals ``p/q`` with ``|p| <= bound`` and ``1 <= q <= bound``.

    They shrink to ``0`` (with ``nonzero=True``, to ``1``).

    Examples
    --------
    >>> from hypothesis import find
    >>> find(coefficients(), lambda c: c < 0)
    -1
    >>> find(coefficients(nonzero=True), lambda c: True)
    1
    """
    numerators = st.integers(-bound, bound)
    if nonzero:
        numerators = numerators.filter(bool)
    return st.builds(sp.Rational, numerators, st.integers(1, bound))


@st.composite
def polynomials(
    draw: st.DrawFn,
    variables: Sequence[sp.Symbol],
    *,
    max_degree: int = 3,
    max_terms: int = 4,
    bound: int = 3,
    coefficient: st.SearchStrategy[Any] | None = None,
) -> sp.Expr:
    """A polynomial in ``variables`` of total degree ``<= max_degree``, with at most
    ``max_terms`` monomials and coefficients from ``coefficient`` (default
    :func:`coefficients` with ``bound``; any strategy of exact numbers or parameter
    expressions).

    Examples
    --------
    The smallest non-constant polynomial in ``x`` is ``x`` itself:

    >>> import sympy as sp
    >>> from hypothesis import find
    >>> x = sp.Symbol("x")
    >>> find(polynomials([x]), lambda p: sp.degree(p, x) > 0)
    x
    """
    pick = coefficient if coefficient is not None else coefficients(bound=bound)
    n_terms = draw(st.integers(0, max_terms))
    expr = sp.S.Zero
    for _ in range(n_terms):
        powers = draw(
            st.lists(st.integers(0, max_degree), min_size=len(variables), max_size=len(variables))
        )
        if sum(powers) > max_degree:
            continue
        monomial = sp.Mul(*[v**k for v, k in zip(variables, powers)])
        expr += draw(pick) * monomial
    return expr


@st.composite
def polynomial_fields(
    draw: st.DrawFn,
    *,
    dim: int = 2,
    variables: Sequence[sp.Symbol] | None = None,
    max_degree: int = 3,
    max_terms: int = 4,
    coefficient: st.SearchStrategy[Any] | None = None,
) -> tuple[tuple[sp.Symbol, ...], tuple[sp.Expr, ...]]:
    """``(variables, field)``: a polynomial vector field on ``dim`` variables (or on
    ``variables``), each component from :func:`polynomials` (``coefficient`` passed on).

    Examples
    --------
    The smallest field that is not identically zero is a constant one:

    >>> from hypothesis import find
    >>> find(polynomial_fields(dim=1), lambda case: case[1] != (0,))
    ((x0,), (1,))
    """
    vs = _variables(dim, variables)
    each = polynomials(vs, max_degree=max_degree, max_terms=max_terms, coefficient=coefficient)
    field = tuple(draw(each) for _ in vs)
    return vs, field


@st.composite
def lipschitz_fields(
    draw: st.DrawFn,
    *,
    dim: int = 2,
    variables: Sequence[sp.Symbol] | None = None,
    max_terms: int = 3,
    bound: int = 2,
    functions: Sequence[str] = ("tanh", "sin", "cos"),
) -> tuple[tuple[sp.Symbol, ...], tuple[sp.Expr, ...]]:
    """``(variables, field)``: a smooth, bounded, globally Lipschitz vector field.

    Each component is ``sum_k c_k phi_k(w_k . x + b_k)`` with at most ``max_terms``
    terms, ``phi_k`` one of ``functions`` (``tanh``, ``sin``, ``cos``: each bounded by 1
    with derivative bounded by 1), integer weights ``|w_kj| <= bound`` and rationals
    ``c_k, b_k`` from :func:`coefficients`. So ``|F_i| <= max_terms * bound`` and
    ``|dF_i/dx_j| <= max_terms * bound**2`` everywhere: the field and its Jacobian are
    bounded on the whole space.

    Examples
    --------
    >>> import sympy as sp
    >>> from hypothesis import find
    >>> find(lipschitz_fields(dim=1), lambda c: c[1][0].has(sp.tanh) and c[1][0].has(*c[0]))
    ((x0,), (tanh(x0),))
    """
    vs = _variables(dim, variables)
    unknown = [f for f in functions if f not in _FUNCTIONS]
    if unknown or not functions:
        raise InputError(f"functions must be among {sorted(_FUNCTIONS)}, got {list(functions)}")
    field = []
    for _ in vs:
        expr = sp.S.Zero
        for _ in range(draw(st.integers(0, max_terms))):
            phi = _FUNCTIONS[draw(st.sampled_from(list(functions)))]
            weights = [draw(st.integers(-bound, bound)) for _ in vs]
            shift = draw(coefficients(bound=bound))
            scale = draw(coefficients(bound=bound))
            expr += scale * phi(sum(w * v for w, v in zip(weights, vs)) + shift)
        field.append(expr)
    return vs, tuple(field)


@st.composite
def gradient_fields(
    draw: st.DrawFn,
    *,
    dim: int = 2,
    variables: Sequence[sp.Symbol] | None = None,
    max_degree: int = 2,
    max_terms: int = 4,
) -> tuple[tuple[sp.Symbol, ...], sp.Expr, tuple[sp.Expr, ...]]:
    """``(variables, potential, field)`` with ``field = -grad potential``.

    The potential is a polynomial from :func:`polynomials` of degree ``<= max_degree + 1``
    (so the field has degree ``<= max_degree``).

    Examples
    --------
    >>> from hypothesis import find
    >>> find(gradient_fields(dim=1), lambda case: case[2] != (0,))
    ((x0,), x0, (-1,))
    """
    vs = _variables(dim, variables)
    potential = draw(polynomials(vs, max_degree=max_degree + 1, max_terms=max_terms))
    return vs, potential, tuple(sp.expand(-sp.diff(potential, v)) for v in vs)


@st.composite
def unimodular_matrices(draw: st.DrawFn, dim: int, *, bound: int = 2) -> sp.ImmutableMatrix:
    """Integer matrices of determinant 1 (so their inverse is an integer matrix too):
    ``L U`` with unit lower and upper triangular ``L``, ``U``, entries ``|.| <= bound``.
    They shrink to the identity.

    Examples
    --------
    >>> from hypothesis import find
    >>> find(unimodular_matrices(2), lambda p: True)
    Matrix([
    [1, 0],
    [0, 1]])
    """
    lower = sp.eye(dim)
    upper = sp.eye(dim)
    for i in range(dim):
        for j in range(i):
            lower[i, j] = draw(st.integers(-bound, bound))
            upper[j, i] = draw(st.integers(-bound, bound))
    return sp.ImmutableMatrix(lower * upper)


def _block(value: sp.Expr, *, where: str) -> sp.Expr:
    value = sp.nsimplify(value) if isinstance(value, float) else sp.S(value)
    re, im = value.as_real_imag()
    if not (re.is_Rational and im.is_Rational):
        raise InputError(f"{where}: eigenvalue {value} must have rational real and imaginary parts")
    return re + sp.I * im


def _spectrum_matrix(spectrum: Sequence[Any], *, where: str) -> tuple[list[sp.Expr], sp.Matrix]:
    """The real block-diagonal matrix with the given eigenvalues (complex ones in
    conjugate pairs, as blocks ``[[a, -b], [b, a]]``)."""
    values = [_block(v, where=where) for v in spectrum]
    pending = list(values)
    blocks = []
    while pending:
        lam = pending.pop(0)
        re, im = lam.as_real_imag()
        if im == 0:
            blocks.append(sp.Matrix([[re]]))
            continue
        partner = sp.conjugate(lam)
        if partner not in pending:
            raise InputError(
                f"{where}: eigenvalue {lam} has no conjugate {partner} in the spectrum"
            )
        pending.remove(partner)
        blocks.append(sp.Matrix([[re, -im], [im, re]]))
    return values, sp.diag(*blocks)


@st.composite
def linear_fields(
    draw: st.DrawFn,
    spectrum: Sequence[Any] | None = None,
    *,
    dim: int | None = None,
    eigenvalues: st.SearchStrategy[Any] | None = None,
    variables: Sequence[sp.Symbol] | None = None,
    bound: int = 2,
) -> tuple[tuple[sp.Symbol, ...], sp.ImmutableMatrix, tuple[sp.Expr, ...]]:
    """``(variables, A, field)``: a linear field ``A z`` with a prescribed spectrum.

    ``A = P D P^-1`` with ``D`` real block diagonal (a block ``[[a, -b], [b, a]]`` per pair
    ``a +- b i``) and ``P`` from :func:`unimodular_matrices`, so ``A`` is exact and
    rational and its eigenvalues are exactly the given ones.

    Parameters
    ----------
    spectrum : sequence of numbers, optional
        The eigenvalues, with multiplicity: rationals, or ``a + b*I`` with rational
        ``a, b`` and the conjugate also listed.
    dim : int, optional
        Without ``spectrum``: the size; the eigenvalues are drawn from ``eigenvalues``
        (default :func:`coefficients`); a complex draw takes two places with its
        conjugate (its real part alone when one place is left).
    eigenvalues : strategy, optional
        Of eigenvalues, for ``dim``.
    variables : sequence of Symbol, optional
    bound : int
        Of the entries of ``P``'s triangular factors.

    Examples
    --------
    >>> import sympy as sp
    >>> from hypothesis import find
    >>> vs, a, field = find(linear_fields([2 + sp.I, 2 - sp.I]), lambda c: True)
    >>> a.eigenvals() == {2 + sp.I: 1, 2 - sp.I: 1}
    True
    """
    if spectrum is not None:
        values, diag = _spectrum_matrix(spectrum, where="linear_fields")
        n = len(values)
    else:
        if dim is None:
            raise InputError("linear_fields needs a spectrum or a dim")
        pick = eigenvalues if eigenvalues is not None else coefficients()
        values = []
        while len(values) < dim:
            lam = _block(draw(pick), where="linear_fields")
            re, im = lam.as_real_imag()
            if im != 0 and dim - len(values) >= 2:
                values += [lam, sp.conjugate(lam)]
            else:
                values.append(re)
        values, diag = _spectrum_matrix(values, where="linear_fields")
        n = dim
    vs = _variables(n, variables)
    if len(vs) != n:
        raise InputError(f"linear_fields: {len(vs)} variables for {n} eigenvalues")
    p = draw(unimodular_matrices(n, bound=bound))
    a = sp.ImmutableMatrix(p * diag * p.inv())
    field = tuple(sp.expand(e) for e in a * sp.Matrix(vs))
    return vs, a, field


def rates(*, bound: int = 4) -> st.SearchStrategy[sp.Rational]:
    """Positive exact rationals ``p/q``, ``1 <= p, q <= bound``, for per-block rates.

    Examples
    --------
    >>> from hypothesis import find
    >>> find(rates(), lambda r: r < 1)
    1/2
    """
    return st.builds(sp.Rational, st.integers(1, bound), st.integers(1, bound))


def _player_symbols(dim: Any, x: Any, y: Any) -> tuple[tuple[sp.Symbol, ...], ...]:
    if x is not None and y is not None:
        return tuple(x), tuple(y)
    dx, dy = (dim, dim) if isinstance(dim, int) else tuple(dim)
    if not (1 <= dx <= len(X_SYMBOLS) and 1 <= dy <= len(Y_SYMBOLS)):
        raise InputError(f"games: dim must be in 1..{len(X_SYMBOLS)} per player, got {dim!r}")
    return tuple(X_SYMBOLS[:dx]), tuple(Y_SYMBOLS[:dy])


def _matrix(draw: st.DrawFn, rows: int, cols: int, bound: int) -> sp.Matrix:
    return sp.Matrix(rows, cols, [draw(coefficients(bound=bound)) for _ in range(rows * cols)])


@st.composite
def games(
    draw: st.DrawFn,
    kind: str | Sequence[str] = "bilinear",
    *,
    dim: int | tuple[int, int] = 1,
    x: Sequence[sp.Symbol] | None = None,
    y: Sequence[sp.Symbol] | None = None,
    max_degree: int = 2,
    bound: int = 3,
) -> Game:
    """Two-player games (:class:`~limitdyn.testing._games.Game`), exact.

    - ``"bilinear"``: ``f = x^T A y = -g`` (zero-sum);
    - ``"quadratic"``: ``f = x^T P x / 2 + x^T A y - y^T Q y / 2 = -g`` with
      ``P = B^T B``, ``Q = C^T C`` positive semi-definite: convex-concave, zero-sum;
    - ``"zero_sum"``: ``f = -g`` a polynomial of degree ``<= max_degree + 1``;
    - ``"general_sum"``: ``f`` and ``g`` independent such polynomials.

    Parameters
    ----------
    kind : str or sequence of str
        One of :data:`GAME_KINDS`, or several to draw from.
    dim : int or (int, int)
        The players' sizes (default symbols ``x0..``, ``y0..``).
    x, y : sequence of Symbol, optional
        The players' symbols instead.
    max_degree, bound : int
        Of the polynomial games' gradients, and of every coefficient.

    Examples
    --------
    >>> from hypothesis import find
    >>> find(games("bilinear"), lambda g: g.f != 0)
    Game(bilinear: x0 minimises x0*y0, y0 minimises -x0*y0)
    >>> find(games("general_sum"), lambda g: not g.is_zero_sum)
    Game(general_sum: x0 minimises 0, y0 minimises 1)
    """
    kinds = [kind] if isinstance(kind, str) else list(kind)
    bad = [k for k in kinds if k not in GAME_KINDS]
    if bad or not kinds:
        raise InputError(f"games: kind must be among {list(GAME_KINDS)}, got {kinds}")
    chosen = draw(st.sampled_from(kinds))
    xs, ys = _player_symbols(dim, x, y)
    xv, yv = sp.Matrix(xs), sp.Matrix(ys)
    if chosen in ("bilinear", "quadratic"):
        a = _matrix(draw, len(xs), len(ys), bound)
        f = (xv.T * a * yv)[0, 0]
        if chosen == "quadratic":
            b = _matrix(draw, len(xs), len(xs), bound)
            c = _matrix(draw, len(ys), len(ys), bound)
            f += (xv.T * b.T * b * xv)[0, 0] / 2 - (yv.T * c.T * c * yv)[0, 0] / 2
        f = sp.expand(f)
        return Game(xs, ys, f, sp.expand(-f), chosen, sp.ImmutableMatrix(a))
    f = draw(polynomials(xs + ys, max_degree=max_degree + 1, bound=bound))
    if chosen == "zero_sum":
        return Game(xs, ys, f, sp.expand(-f), chosen)
    g = draw(polynomials(xs + ys, max_degree=max_degree + 1, bound=bound))
    return Game(xs, ys, f, g, chosen)


def _doubled(field: Sequence[sp.Expr], scheme: Any) -> tuple[sp.Expr, ...]:
    """The limit of a two-step scheme on its doubled state ``(x, x_prev)``: the same field
    on both copies."""
    current = scheme.variables[: len(field)]
    previous = scheme.variables[len(field) :]
    swap = dict(zip(current, previous))
    return tuple(field) + tuple(sp.expand(f.xreplace(swap)) for f in field)


@st.composite
def schemes(
    draw: st.DrawFn,
    *,
    dim: int = 2,
    kinds: Sequence[str] = ("explicit", "implicit", "alternating", "simultaneous"),
    max_degree: int = 2,
) -> tuple[Any, tuple[sp.Expr, ...]]:
    """``(scheme, limit_field)``: a scheme built from a polynomial field, with the field
    that its limit ODE must equal, derived by hand for each kind:

    - ``"explicit"``, ``"implicit"``: Euler steps on ``F``; limit ``F``;
    - ``"alternating"`` (explicit or implicit blocks), ``"simultaneous"``: two blocks
      with rates ``r_b`` from :func:`rates`; limit ``r_b F_b``;
    - ``"repeats"``: alternating blocks each taking ``k_b`` steps (``1..3``) at rate
      ``r_b``; limit ``k_b r_b F_b``;
    - ``"two_step"``: heavy ball with momentum ``beta in {0, 1/4, 1/2, 3/4}`` on a
      polynomial potential ``C`` (limit ``-grad C / (1 - beta)``, Kovachki & Stuart 2021)
      or optimistic gradient on ``F`` (limit ``2F - F = F``), on both copies of the
      doubled state;
    - ``"metric"``: the proximal step of a polynomial cost ``C`` in a constant metric
      ``G = B B^T + I`` (``B`` integer lower triangular); limit the natural-gradient flow
      ``-G^-1 grad C`` (Amari 1998).

    Parameters
    ----------
    dim : int
        The state's size (two-step schemes double it).
    kinds : sequence of str
        Among :data:`SCHEME_KINDS`.
    max_degree : int
        Of the fields.

    Examples
    --------
    >>> import limitdyn as ld
    >>> from hypothesis import find
    >>> scheme, limit = find(schemes(kinds=["repeats"]), lambda case: case[1] != (0, 0))
    >>> tuple(ld.limit_ode(scheme).rhs) == limit
    True
    """
    bad = [k for k in kinds if k not in SCHEME_KINDS]
    if bad or not kinds:
        raise InputError(f"schemes: kinds must be among {list(SCHEME_KINDS)}, got {list(kinds)}")
    kind = draw(st.sampled_from(list(kinds)))
    if kind == "two_step":
        if draw(st.booleans()):
            vs, field = draw(polynomial_fields(dim=dim, max_degree=max_degree))
            scheme = ld.optimistic(list(field), list(vs))
            return scheme, _doubled(field, scheme)
        vs, cost, grad = draw(gradient_fields(dim=dim, max_degree=max_degree))
        beta = sp.Rational(draw(st.integers(0, 3)), 4)
        scheme = ld.heavy_ball(cost, list(vs), momentum=beta)
        return scheme, _doubled([sp.expand(g / (1 - beta)) for g in grad], scheme)
    if kind == "metric":
        vs, cost, grad = draw(gradient_fields(dim=dim, max_degree=max_degree))
        b = sp.zeros(dim, dim)
        for i in range(dim):
            for j in range(i + 1):
                b[i, j] = draw(st.integers(-2, 2))
        metric = b * b.T + sp.eye(dim)
        limit = metric.inv() * sp.Matrix(grad)
        return ld.proximal(cost, list(vs), metric=metric), tuple(sp.expand(e) for e in limit)
    vs, field = draw(polynomial_fields(dim=dim, max_degree=max_degree))
    if kind == "explicit":
        return ld.explicit(field, vs), field
    if kind == "implicit":
        return ld.implicit(field, vs), field
    cut = draw(st.integers(1, dim - 1)) if dim > 1 else 1
    blocks = [(vs[:cut], field[:cut]), (vs[cut:], field[cut:])] if dim > 1 else [(vs, field)]
    block_rates = [draw(rates()) for _ in blocks]
    if kind == "repeats":
        counts = [draw(st.integers(1, 3)) for _ in blocks]
        limit = tuple(k * r * f for (_, bf), r, k in zip(blocks, block_rates, counts) for f in bf)
        implicit = draw(st.booleans())
        repeated = ld.alternating(blocks, rates=block_rates, repeats=counts, implicit=implicit)
        return repeated, limit
    limit = tuple(r * f for (bv, bf), r in zip(blocks, block_rates) for f in bf)
    if kind == "alternating":
        implicit = draw(st.booleans())
        return ld.alternating(blocks, rates=block_rates, implicit=implicit), limit
    return ld.simultaneous(blocks, rates=block_rates), limit


def euler_step_bound(matrix: Any) -> sp.Expr:
    """The supremum of the steps ``tau`` with ``|1 + tau lambda| < 1`` for every
    eigenvalue ``lambda`` of ``matrix``: ``min -2 Re(lambda) / |lambda|^2``, exactly.

    Raises
    ------
    InputError
        If an eigenvalue has ``Re(lambda) >= 0``: explicit Euler is then stable for no step.

    Examples
    --------
    Eigenvalues ``-1 +- 2i``: stable up to ``2/5`` (Mescheder, Nowozin & Geiger 2017):

    >>> euler_step_bound([[-1, -2], [2, -1]])
    2/5
    """
    a = sp.Matrix(matrix)
    if not a.is_square or a.rows == 0:
        raise InputError(f"euler_step_bound: expected a square matrix, got shape {a.shape}")
    eigen = a.eigenvals()
    bounds = []
    for lam in eigen:
        re, im = sp.expand_complex(lam).as_real_imag()
        if not bool(re < 0):
            raise InputError(f"euler_step_bound: eigenvalue {lam} has Re >= 0; no step is stable")
        bounds.append(sp.radsimp(-2 * re / (re**2 + im**2)))
    return sp.Min(*bounds)


def step_sizes(
    system: Any,
    *,
    at: Any = None,
    fractions: st.SearchStrategy[Any] | None = None,
    max_step: Any = 1,
) -> st.SearchStrategy[sp.Expr]:
    """Exact stable step sizes: a fraction in ``(0, 1)`` of the largest stable step.

    For a matrix ``A`` (the linear field ``A z``), the bound is
    :func:`euler_step_bound`: explicit Euler contracts, ``|1 + tau lambda| < 1`` for every
    eigenvalue. For a scheme it is
    :meth:`~limitdyn.StabilityReport.max_stable_step` of
    :func:`limitdyn.linear_stability` at the fixed point ``at`` (default the origin);
    when every step is stable (``oo``) the steps are fractions of ``max_step``. The bound
    is computed once, when the strategy is built; it is exact wherever SymPy decides the
    stable set (a float otherwise, see ``max_stable_step``).

    Parameters
    ----------
    system : Matrix, sequence of rows, Scheme or TwoStepScheme
    at : sequence or mapping, optional
        The fixed point of a scheme.
    fractions : strategy, optional
        Of rationals in ``(0, 1)``; default ``k/10``, ``k = 1..9`` (shrinking to ``1/10``).
    max_step : number
        The scale when every step is stable.

    Examples
    --------
    >>> from hypothesis import find
    >>> find(step_sizes([[-1, -2], [2, -1]]), lambda tau: True)
    1/25
    """
    if isinstance(system, (ld.Scheme, ld.TwoStepScheme)):
        point = at if at is not None else [0] * len(system.variables)
        bound = ld.linear_stability(system, at=point).max_stable_step()
        if bound == 0:
            raise InputError(f"step_sizes: no step of {system.name!r} is stable at {point}")
        if bound == sp.oo:
            bound = sp.S(max_step)
    else:
        bound = euler_step_bound(system)
    if not bool(bound > 0):
        raise InputError(f"step_sizes: the largest stable step is {bound}, not positive")
    pick = (
        fractions if fractions is not None else st.integers(1, 9).map(lambda k: sp.Rational(k, 10))
    )
    return pick.map(lambda frac: bound * frac)


def initial_states(
    *, dim: int = 2, bound: float = 1.0, nonzero: bool = False
) -> st.SearchStrategy[tuple[float, ...]]:
    """Initial states: tuples of ``dim`` finite floats in ``[-bound, bound]`` (no
    subnormals), shrinking to zeros (with ``nonzero=True``, to a state with one entry 1).

    Examples
    --------
    >>> from hypothesis import find
    >>> find(initial_states(dim=2, nonzero=True), lambda z: True)
    (0.0, 1.0)
    """
    entry = st.floats(-bound, bound, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    states = st.tuples(*[entry] * dim)
    return states.filter(any) if nonzero else states
