"""Every shipped example round-trips (file -> scheme -> analyses), and its analyses match
the same scheme built in Python with the library's constructors; the limits are checked
against the published formulas cited in each example."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sympy as sp

import limitdyn as ld
from limitdyn.spec import analyze, example_path, examples, load_scheme

x, y, xr, a = sp.symbols("x y x_r a")
beta = sp.Symbol("beta")
theta, psi = sp.symbols("theta psi")
gamma = sp.Symbol("gamma", positive=True)
m = sp.Symbol("m", real=True)
s = sp.Symbol("s", positive=True)


def _fprime(t: sp.Expr) -> sp.Expr:  # f(t) = -log(1 + exp(-t)): f'(t) = 1/(1 + exp(t))
    return 1 / (1 + sp.exp(t))


def _softplus(t: sp.Expr) -> sp.Expr:
    return sp.log(1 + sp.exp(t))


PYTHON: dict[str, Callable[[], object]] = {
    "turinici_toy_gan_printed": lambda: ld.alternating([(y, [x - xr]), (x, [y])]),
    "turinici_toy_gan_text": lambda: ld.alternating([(y, [x - xr]), (x, [-y])]),
    "turinici_dual_flow": lambda: ld.game(x * y, -(x - xr) * y, x, y, order="x-first"),
    "gradient_descent_quadratic": lambda: ld.explicit([-x, -10 * y], [x, y]),
    "heavy_ball": lambda: ld.heavy_ball(a * x**2 / 2, x, momentum=beta),
    "dirac_gan_simultaneous": lambda: ld.simultaneous(
        [(theta, [-psi * _fprime(theta * psi)]), (psi, [theta * _fprime(theta * psi)])]
    ),
    "dirac_gan_alternating": lambda: ld.game(
        -_softplus(-theta * psi), _softplus(-theta * psi), theta, psi, implicit=False
    ),
    "dirac_gan_r1": lambda: ld.simultaneous(
        [
            (theta, [-psi * _fprime(theta * psi)]),
            (psi, [theta * _fprime(theta * psi) - gamma * psi]),
        ]
    ),
    "two_rate_game": lambda: ld.alternating(
        [(y, [x - xr]), (x, [-y])], rates=[gamma, 1], repeats=[5, 1]
    ),
    "proximal_metric": lambda: ld.proximal(
        (m**2 + s**2 - 1) / 2 - sp.log(s), [m, s], metric=sp.diag(1 / s**2, 2 / s**2)
    ),
}

#: the limit of each example, written by hand from the source its file cites
LIMITS = {
    # Turinici, arXiv:2012.10410, eq. (2) as printed (a saddle) and as the text reads (a center)
    "turinici_toy_gan_printed": {y: x - xr, x: y},
    "turinici_toy_gan_text": {y: x - xr, x: -y},
    # eq. (7): x' = -dC^x/dx, y' = -dC^y/dy
    "turinici_dual_flow": {x: -y, y: x - xr},
    "gradient_descent_quadratic": {x: -x, y: -10 * y},
    # Kovachki & Stuart (2021): x' = -f'(x)/(1 - beta)
    "heavy_ball": {x: -a * x / (1 - beta)},
    # Mescheder, Geiger & Nowozin (2018): v = (-psi f'(theta psi), theta f'(theta psi))
    "dirac_gan_simultaneous": {
        theta: -psi * _fprime(theta * psi),
        psi: theta * _fprime(theta * psi),
    },
    "dirac_gan_alternating": {
        theta: -psi * _fprime(theta * psi),
        psi: theta * _fprime(theta * psi),
    },
    "dirac_gan_r1": {
        theta: -psi * _fprime(theta * psi),
        psi: theta * _fprime(theta * psi) - gamma * psi,
    },
    # n_critic = 5 steps of rate gamma: the critic's drift is multiplied by 5 gamma
    "two_rate_game": {x: -y, y: 5 * gamma * (x - xr)},
    # Amari (1998): x' = -G^{-1} grad C
    "proximal_metric": {m: -(s**2) * m, s: -(s**2) / 2 * (s - 1 / s)},
}


def test_every_example_is_covered() -> None:
    assert set(examples()) == set(PYTHON) == set(LIMITS)


def _zero(e: sp.Expr) -> bool:
    return sp.simplify(sp.expand(e)) == 0


@pytest.mark.parametrize("name", sorted(PYTHON))
def test_example_matches_python_and_the_published_limit(name: str) -> None:
    spec = load_scheme(example_path(name))
    order = (
        2 if name in ("gradient_descent_quadratic", "turinici_toy_gan_text", "heavy_ball") else 1
    )
    report = analyze(spec, order=order)
    python = PYTHON[name]()
    expected = ld.modified_equation(python, order=order)  # type: ignore[arg-type]
    assert report.modified.order == order
    index = {v: i for i, v in enumerate(expected.variables)}
    for i, v in enumerate(report.modified.variables):
        for j in range(order + 1):
            assert _zero(report.modified.terms[j][i] - expected.terms[j][index[v]]), (name, v, j)
    limit = dict(zip(report.limit.variables, report.limit.rhs))
    for v, f in LIMITS[name].items():
        assert _zero(limit[v] - f), (name, v)
    data = report.to_dict()  # every rendering works
    assert data["scheme"]["name"] == spec.name
    for fmt in ("text", "latex", "json", "markdown"):
        assert report.render(fmt)


def test_gradient_descent_modified_equation_is_implicit_regularisation() -> None:
    """Barrett & Dherin (ICLR 2021): x' = -grad(E + tau/4 |grad E|^2) + O(tau^2)."""
    spec = load_scheme(example_path("gradient_descent_quadratic"))
    field = analyze(spec, order=1).modified.field()
    E = (x**2 + 10 * y**2) / 2
    grad = [sp.diff(E, v) for v in (x, y)]
    Et = E + ld.tau / 4 * sum(g**2 for g in grad)
    assert all(_zero(field[i] + sp.diff(Et, v)) for i, v in enumerate((x, y)))


def test_dirac_gan_jacobians() -> None:
    """Mescheder, Geiger & Nowozin (ICML 2018): at (0, 0) the Jacobian of the gradient
    field is [[0, -f'(0)], [f'(0), 0]] with f'(0) = 1/2 (eigenvalues +-i/2); with R1 the
    characteristic polynomial is lambda^2 + gamma lambda + 1/4."""
    origin = {theta: 0, psi: 0}
    lam = sp.Symbol("lambda")
    plain = ld.limit_ode(load_scheme(example_path("dirac_gan_simultaneous")).scheme)
    J = plain.jacobian.subs(origin)
    assert J == sp.Matrix([[0, -sp.Rational(1, 2)], [sp.Rational(1, 2), 0]])
    r1 = ld.limit_ode(load_scheme(example_path("dirac_gan_r1")).scheme)
    poly = r1.jacobian.subs(origin).charpoly(lam).as_expr()
    assert sp.expand(poly - (lam**2 + gamma * lam + sp.Rational(1, 4))) == 0


def test_run_settings_and_initial_states_are_usable() -> None:
    for name in examples():
        spec = load_scheme(example_path(name))
        assert len(spec.z0()) in (len(spec.scheme.variables), len(spec.scheme.variables) // 2)
        spec.params()
        assert spec.run.taus and (spec.run.steps or spec.run.t_end) and spec.run.tau
