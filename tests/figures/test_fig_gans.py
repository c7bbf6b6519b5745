"""The GAN figures plot the mathematics they claim (data checked, not pixels)."""

from __future__ import annotations

import numpy as np
import pytest

from limitdyn.figures import available, make_figure


@pytest.fixture(scope="module")
def dirac() -> dict:
    return make_figure("dirac-gan").data


def test_registered() -> None:
    names = available()
    for name in ("dirac-gan", "gan-losses", "parallel-lines"):
        assert names.get(name), name


def test_dirac_wasserstein_simultaneous_spirals_out_at_the_published_rate(dirac: dict) -> None:
    """Linear Dirac-WGAN: every simultaneous step multiplies |z| by sqrt(1 + tau^2 f'(0)^2),
    f'(0) = 1 (Mescheder et al. 2018, Lemma 2.3) - exactly, since the map is a scaled
    rotation."""
    z = dirac["wasserstein"]["runs"]["simultaneous"]
    n = np.arange(len(z))
    expected = np.linalg.norm(dirac["start"]) * (1 + dirac["tau"] ** 2) ** (n / 2)
    np.testing.assert_allclose(np.linalg.norm(z, axis=1), expected, rtol=1e-12)


def test_dirac_wasserstein_alternating_keeps_the_modified_energy(dirac: dict) -> None:
    """Alternating steps theta+ = theta + tau psi, psi+ = psi - tau theta+ are symplectic
    Euler, which conserves theta^2 + psi^2 + tau theta psi exactly (Hairer, Lubich & Wanner,
    Geometric Numerical Integration, ch. IX): bounded orbits, marginal stability."""
    z = dirac["wasserstein"]["runs"]["alternating"]
    tau = dirac["tau"]
    energy = z[:, 0] ** 2 + z[:, 1] ** 2 + tau * z[:, 0] * z[:, 1]
    np.testing.assert_allclose(energy, energy[0], rtol=1e-12)


def test_dirac_minimax_simultaneous_drifts_out_alternating_stays(dirac: dict) -> None:
    """Unregularised standard GAN: simultaneous iterates move away from the equilibrium
    (|lambda| > 1), alternating ones stay on a band around the start's orbit."""
    runs = dirac["minimax"]["runs"]
    r_sim = np.linalg.norm(runs["simultaneous"], axis=1)
    r_alt = np.linalg.norm(runs["alternating"], axis=1)
    assert r_sim[-1] > 1.3 * r_sim[0]
    assert 0.9 < r_alt.min() / r_alt[0] and r_alt.max() / r_alt[0] < 1.1


@pytest.mark.parametrize("case", [1, 3, 4, 5])
def test_dirac_regularised_runs_converge(dirac: dict, case: int) -> None:
    """R1, consensus and instance noise make the equilibrium attracting (Mescheder et al.
    2018, Thm. 4.1 and Lemma 3.2; Mescheder et al. 2017), and tau = 0.1 is below the
    bound 2|Re l|/|l|^2, so both kinds of steps converge; the non-saturating loss converges
    by its nonlinear damping. The data's vector field is the limit ODE's."""
    title = dirac["cases"][case]
    for z in dirac[title]["runs"].values():
        assert np.linalg.norm(z[-1]) < 0.6 * np.linalg.norm(z[0])
    if case >= 3:
        for z in dirac[title]["runs"].values():
            assert np.linalg.norm(z[-1]) < 0.05


def test_dirac_field_is_the_minimax_field(dirac: dict) -> None:
    """theta' = psi D, psi' = -theta D with D = sigmoid(psi theta)."""
    th, ps, uv = dirac["minimax"]["field"]
    d = 1 / (1 + np.exp(-ps * th))
    np.testing.assert_allclose(uv[..., 0], ps * d, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(uv[..., 1], -th * d, rtol=1e-12, atol=1e-15)


def test_gan_losses_slopes() -> None:
    """Slopes D, 1 - D, 1 against D(G(z)) (Goodfellow et al. 2014, sec. 3)."""
    data = make_figure("gan-losses").data
    d = data["d"]
    np.testing.assert_allclose(data["slopes"]["minimax"], d, rtol=1e-12)
    np.testing.assert_allclose(data["slopes"]["non-saturating"], 1 - d, rtol=1e-12)
    np.testing.assert_allclose(data["slopes"]["wasserstein"], 1.0)
    assert data["slopes"]["minimax"][0] < 1e-3 < 0.99 < data["slopes"]["non-saturating"][0]


def test_parallel_lines_curves() -> None:
    """Arjovsky et al. 2017, Example 1, at every theta of the plot."""
    data = make_figure("parallel-lines").data
    theta = data["theta"]
    zero = np.isclose(theta, 0.0, atol=1e-12)
    assert zero.sum() == 1
    assert np.all(np.isinf(data["kl"][~zero])) and data["kl"][zero] == 0
    np.testing.assert_allclose(data["js"][~zero], np.log(2.0), rtol=1e-14)
    np.testing.assert_allclose(data["tv"][~zero], 1.0)
    np.testing.assert_allclose(data["w1"], np.abs(theta), rtol=1e-12, atol=1e-15)
    assert data["js"][zero] == 0 and data["tv"][zero] == 0
