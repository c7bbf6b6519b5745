"""The Dirac-GAN reproduces Mescheder, Geiger & Nowozin (ICML 2018), sec. 2-4."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import limitdyn as ld
from limitdyn.errors import InputError
from limitdyn.gans import PSI, REGULARIZERS, THETA, dirac_gan

TAU = ld.tau
G, S, LAM = sp.symbols("gamma sigma lambda", positive=True)
SIG = 1 / (1 + sp.exp(-PSI * THETA))  # D(theta) = sigmoid(psi theta), "probability real"


def _jacobian(**kwargs) -> sp.Matrix:
    return ld.linear_stability(ld.limit_ode(dirac_gan(**kwargs)), at=[0, 0]).jacobian


def test_variables_and_equilibrium() -> None:
    scheme = dirac_gan()
    assert scheme.variables == (THETA, PSI)
    assert ld.equilibria(ld.limit_ode(scheme)) == [{THETA: 0, PSI: 0}]


@pytest.mark.parametrize(
    ("loss", "fprime"), [("minimax", sp.S.Half), ("non-saturating", sp.S.Half), ("wasserstein", 1)]
)
def test_unregularised_jacobian_and_eigenvalues(loss: str, fprime: sp.Expr) -> None:
    """Mescheder et al. 2018, Lemma 2.2: J = [[0, -f'(0)], [f'(0), 0]] in their sign of psi
    (ours: psi -> -psi flips the off-diagonal signs), eigenvalues +- i f'(0), with
    f'(0) = 1/2 for the standard GAN and 1 for the WGAN."""
    jac = _jacobian(loss=loss)
    assert jac == sp.Matrix([[0, fprime], [-fprime, 0]])
    report = ld.linear_stability(ld.limit_ode(dirac_gan(loss=loss)), at=[0, 0])
    assert set(report.eigenvalues) == {sp.I * fprime, -sp.I * fprime}
    assert report.classification == "center"


@pytest.mark.parametrize("reg", ["r1", "r2"])
def test_gradient_penalties_characteristic_polynomial(reg: str) -> None:
    """Mescheder et al. 2018, Thm. 4.1 and its Dirac-GAN example: with R1 (or R2) of strength
    gamma the Jacobian is [[0, f'(0)], [-f'(0), -gamma]], lambda^2 + gamma lambda + 1/4."""
    jac = _jacobian(regularizer=reg, gamma=G)
    char = (LAM * sp.eye(2) - jac).det()
    assert sp.expand(char - (LAM**2 + G * LAM + sp.Rational(1, 4))) == 0
    report = ld.linear_stability(ld.limit_ode(dirac_gan(regularizer=reg, gamma=G)), at=[0, 0])
    assert report.classification == "stable"


def test_instance_noise_eigenvalues() -> None:
    """Mescheder et al. 2018, Lemma 3.2: with instance noise N(0, sigma^2) the eigenvalues
    are f''(0) sigma^2 +- sqrt(f''(0)^2 sigma^4 - f'(0)^2), f'(0) = 1/2, f''(0) = -1/4."""
    fp, fpp = sp.S.Half, -sp.Rational(1, 4)
    eig = ld.linear_stability(
        ld.limit_ode(dirac_gan(regularizer="instance-noise", sigma=S)), at=[0, 0]
    ).eigenvalues
    expected = [fpp * S**2 + r * sp.sqrt(fpp**2 * S**4 - fp**2) for r in (1, -1)]
    for lam in expected:
        assert any(sp.simplify(e - lam) == 0 for e in eig)


def test_consensus_jacobian() -> None:
    """Consensus optimisation (Mescheder, Nowozin & Geiger 2017, sec. 4): the field
    v - gamma grad |v|^2/2 has Jacobian A - gamma A^T A at an equilibrium; for A =
    [[0, 1/2], [-1/2, 0]], A^T A = I/4."""
    a = sp.Matrix([[0, sp.S.Half], [-sp.S.Half, 0]])
    assert _jacobian(regularizer="consensus", gamma=G) == a - G * a.T * a


def test_wgan_gp_field() -> None:
    """Mescheder et al. 2018, sec. 3.2: WGAN-GP on the Dirac-GAN penalises
    gamma/2 (|psi| - 1)^2, so psi' = -theta - gamma (|psi| - 1) sign(psi)."""
    ode = ld.limit_ode(dirac_gan(loss="wasserstein", regularizer="wgan-gp", gamma=G))
    assert sp.simplify(ode.rhs[0] - PSI) == 0
    expected = -THETA - G * (sp.Abs(PSI) - 1) * sp.sign(PSI)
    assert sp.simplify(ode.rhs[1] - expected) == 0


def test_generator_fields_minimax_and_non_saturating() -> None:
    """Goodfellow et al. 2014 (sec. 3) in the Dirac-GAN: the minimax generator descends
    log(1 - D(theta)), field psi D(theta); the non-saturating one descends -log D(theta),
    field psi (1 - D(theta))."""
    mm = ld.limit_ode(dirac_gan()).rhs[0]
    ns = ld.limit_ode(dirac_gan(loss="non-saturating")).rhs[0]
    assert sp.simplify(mm - PSI * SIG) == 0
    assert sp.simplify(ns - PSI * (1 - SIG)) == 0


@pytest.mark.parametrize(("loss", "fprime"), [("minimax", sp.S.Half), ("wasserstein", 1)])
def test_simultaneous_steps_diverge(loss: str, fprime: sp.Expr) -> None:
    """Mescheder et al. 2018, Lemma 2.3: simultaneous gradient steps have eigenvalues of
    modulus sqrt(1 + tau^2 f'(0)^2) > 1, for every step."""
    report = ld.linear_stability(dirac_gan(loss=loss), at=[0, 0])
    for lam in report.eigenvalues:
        assert sp.simplify(sp.Abs(lam) - sp.sqrt(1 + TAU**2 * fprime**2)) == 0
    assert report.max_stable_step(marginal=True) == 0


def test_alternating_steps_are_marginally_stable() -> None:
    """Mescheder et al. 2018, Lemma 2.4: alternating steps have determinant 1, so eigenvalues
    on the unit circle while |trace| = |2 - tau^2 f'(0)^2| <= 2, i.e. tau <= 2/f'(0) = 4;
    never strictly inside. Checked numerically too at tau = 1."""
    report = ld.linear_stability(dirac_gan(order="alternating"), at=[0, 0])
    assert sp.simplify(report.determinant - 1) == 0
    assert report.max_stable_step(marginal=True) == 4
    assert report.max_stable_step() == 0
    m = np.array(report.jacobian.subs(TAU, 1), dtype=float)
    np.testing.assert_allclose(np.abs(np.linalg.eigvals(m)), 1.0, rtol=1e-14)


def test_implicit_simultaneous_steps_converge_for_every_step() -> None:
    """The proximal point step (I - tau A)^-1 has eigenvalues 1/(1 -+ i tau/2), modulus < 1."""
    report = ld.linear_stability(dirac_gan(implicit=True), at=[0, 0])
    assert report.max_stable_step() == sp.oo


def test_r1_simultaneous_steps_stable_below_bound() -> None:
    """With R1, gamma = 1: eigenvalues -1/2 (double) of the limit; simultaneous steps are
    stable iff tau < 2 |Re l| / |l|^2 = 4 (Mescheder et al. 2017, Lemma 4)."""
    report = ld.linear_stability(dirac_gan(regularizer="r1", gamma=1), at=[0, 0])
    assert report.max_stable_step() == 4


def test_r1_bound_with_a_symbolic_strength() -> None:
    """With gamma symbolic the set of stable steps depends on gamma: undecided until a value
    is given; with gamma = 1/2 the limit's eigenvalues are -1/4 +- i sqrt(3)/4, |l|^2 = 1/4,
    so tau < 2 (1/4) / (1/4) = 2 (Mescheder et al. 2017, Lemma 4)."""
    report = ld.linear_stability(dirac_gan(regularizer="r1", gamma=G), at=[0, 0])
    assert report.stable_steps() is None
    with pytest.raises(InputError, match="give values of the parameters"):
        report.max_stable_step()
    assert report.max_stable_step(params={G: sp.S.Half}) == 2


def test_bad_names_and_missing_strengths() -> None:
    with pytest.raises(InputError, match="valid losses: minimax, non-saturating, wasserstein"):
        dirac_gan(loss="hinge")
    with pytest.raises(InputError, match="valid regularizers: None, " + ", ".join(REGULARIZERS)):
        dirac_gan(regularizer="spectral")
    with pytest.raises(InputError, match="needs its strength gamma"):
        dirac_gan(regularizer="r1")
    with pytest.raises(InputError, match="needs its noise level sigma"):
        dirac_gan(regularizer="instance-noise")
    with pytest.raises(InputError, match="not used"):
        dirac_gan(gamma=1)
    with pytest.raises(InputError, match="valid orders"):
        dirac_gan(order="discriminator-first")
    with pytest.raises(InputError, match="positive"):
        dirac_gan(regularizer="r1", gamma=-1)
