"""GAN losses as a game for a user's own SymPy GAN, and the vanishing generator gradient."""

from __future__ import annotations

import pytest
import sympy as sp

import limitdyn as ld
from limitdyn.errors import InputError
from limitdyn.gans import LOSSES, gan_game, generator_gradient, log_sigmoid

TH, PS, X, Z = sp.symbols("theta psi x z", real=True)


def test_user_gan_limit_equilibrium_and_stability() -> None:
    """A shift generator G(z) = theta + z on latent samples {-1, 1} against data {1, 3}
    (both means 2) with a linear logit psi x. By hand, with f = log sigmoid (f'(0) = 1/2,
    f''(0) = -1/4): at theta = 2, psi = 0 the field vanishes and its Jacobian is
    [[0, f'(0)], [-f'(0), f''(0) (E x^2 + E G^2)]] = [[0, 1/2], [-1/2, -5/2]]: the spread of
    the samples damps like instance noise (Mescheder et al. 2018, Lemma 3.2); T^2 > 4D,
    a stable node. R1 with gamma = 1 adds -gamma to the psi-psi entry."""
    scheme = gan_game(TH + Z, PS * X, [1, 3], [-1, 1], theta=TH, psi=PS, x=X, z=Z)
    ode = ld.limit_ode(scheme)
    eq = {TH: 2, PS: 0}
    assert all(sp.simplify(f.xreplace(eq)) == 0 for f in ode.rhs)
    report = ld.linear_stability(ode, at=eq)
    half = sp.S.Half
    assert report.jacobian == sp.Matrix([[0, half], [-half, -5 * half]])
    assert report.classification == "stable node"
    r1 = gan_game(TH + Z, PS * X, [1, 3], [-1, 1], theta=TH, psi=PS, x=X, z=Z,
                  regularizer="r1", gamma=1)  # fmt: skip
    jac = ld.linear_stability(ld.limit_ode(r1), at=eq).jacobian
    assert jac == sp.Matrix([[0, half], [-half, -7 * half]])


def test_user_gan_modified_equation_runs_and_matches_gd_drift() -> None:
    """The first-order modified equation of simultaneous gradient steps is
    f - (tau/2) f' f (Hairer, Lubich & Wanner, ch. IX), checked on the user's game."""
    scheme = gan_game(TH, PS * X, [0], [0], theta=TH, psi=PS, x=X, loss="wasserstein")
    me = ld.modified_equation(scheme, order=1)
    f = sp.Matrix([PS, -TH])
    expected = f - ld.tau / 2 * f.jacobian([TH, PS]) * f
    got = sp.Matrix(me.field(order=1))
    assert sp.simplify(got - expected) == sp.zeros(2, 1)


def test_vector_data_and_weights() -> None:
    """Two-dimensional data with weights: the generator's field at psi = 0 vanishes and the
    equilibrium's theta is the data mean (the linear critic can only match means)."""
    t1, t2, p1, p2, x1, x2 = sp.symbols("t1 t2 p1 p2 x1 x2", real=True)
    real = ([(0, 0), (3, 6)], [sp.Rational(2, 3), sp.Rational(1, 3)])
    s = gan_game([t1, t2], p1 * x1 + p2 * x2, real, [0], theta=[t1, t2], psi=[p1, p2],
                 x=[x1, x2], loss="wasserstein")  # fmt: skip
    ode = ld.limit_ode(s)
    eq = ld.equilibria(ode)
    assert eq == [{t1: 1, t2: 2, p1: 0, p2: 0}]


@pytest.mark.parametrize(
    ("loss", "expected"), [("minimax", "D"), ("non-saturating", "1 - D"), ("wasserstein", "1")]
)
def test_generator_gradient_against_discriminator_output(loss: str, expected: str) -> None:
    """Goodfellow et al. 2014, sec. 3: log(1 - D(G(z))) saturates when D rejects fakes
    (slope D -> 0), -log D(G(z)) does not (slope 1 - D -> 1); Arjovsky & Bottou 2017 sec.
    2.2: the WGAN critic's slope does not depend on D. Derived here independently:
    d/dl log(1 - sigmoid(l)) = -sigmoid(l), d/dl -log sigmoid(l) = -(1 - sigmoid(l))."""
    d = sp.Symbol("D", positive=True)
    want = {"D": d, "1 - D": 1 - d, "1": sp.Integer(1)}[expected]
    assert sp.simplify(generator_gradient(loss) - want) == 0
    assert LOSSES == ("minimax", "non-saturating", "wasserstein")


def test_minimax_gradient_vanishes_where_non_saturating_does_not() -> None:
    d = sp.Symbol("D", positive=True)
    assert sp.limit(generator_gradient("minimax"), d, 0) == 0
    assert sp.limit(generator_gradient("non-saturating"), d, 0) == 1


def test_log_sigmoid_identities() -> None:
    t = sp.Symbol("t", real=True)
    assert sp.simplify(sp.exp(log_sigmoid(t)) - 1 / (1 + sp.exp(-t))) == 0
    assert sp.simplify(sp.exp(log_sigmoid(t)) + sp.exp(log_sigmoid(-t)) - 1) == 0


def test_bad_input() -> None:
    with pytest.raises(InputError, match="3 coordinates, not 1"):
        gan_game(TH, PS * X, [(0, 0, 0)], [0], theta=TH, psi=PS, x=X)
    with pytest.raises(InputError, match="weights"):
        gan_game(TH, PS * X, ([0, 1], [1, 1]), [0], theta=TH, psi=PS, x=X)
    with pytest.raises(InputError, match="no points"):
        gan_game(TH, PS * X, [], [0], theta=TH, psi=PS, x=X)
    with pytest.raises(InputError, match="2 outputs for 1 data"):
        gan_game([TH, TH], PS * X, [0], [0], theta=TH, psi=PS, x=X)
    with pytest.raises(InputError, match="SymPy expression"):
        gan_game(TH, "psi*x", [0], [0], theta=TH, psi=PS, x=X)
    with pytest.raises(InputError, match="needs its strength gamma"):
        gan_game(TH, PS * X, [0], [0], theta=TH, psi=PS, x=X, regularizer="consensus")
