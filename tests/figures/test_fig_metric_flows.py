"""The metric-flow figures plot the mathematics they claim (data checked, not pixels).

Sources: Turinici, arXiv:2012.10410, eq. (21) (EDI of dual flows) and §3 (mode collapse is
not a limit dynamics); Delgadino's toy GAN (theta' = F'(theta) omega, omega' = gamma (1/2 - F)).
"""

from __future__ import annotations

import numpy as np
import pytest

from limitdyn.figures import available, make_figure


def test_registered() -> None:
    names = available()
    assert names.get("edi-residual") and names.get("collapse-not-stationary")


def test_edi_residual_tends_to_zero_at_order_two() -> None:
    """Zero-sum coupling: the cross terms of Upsilon cancel and every scheme's residual is
    O(tau^2) (see tests/numeric/test_edi.py for the derivation)."""
    result = make_figure("edi-residual")
    data = result.data
    assert set(data["residuals"]) >= {
        "explicit (simultaneous)",
        "implicit (simultaneous)",
        "alternating (implicit, x first)",
    }
    for label, values in data["residuals"].items():
        assert np.all(values > 0), label
        assert np.all(np.diff(values) < 0), label
        assert data["orders"][label] == pytest.approx(2.0, abs=0.1), label
    ax = result.figure.axes[0]
    assert ax.get_xscale() == "log" and ax.get_legend() is not None


def test_collapse_is_not_stationary() -> None:
    data = make_figure("collapse-not-stationary").data
    # toy: the critic's speed gamma (F - 1/2) stays >= 0.05 at every collapsed state shown
    assert np.all(data["toy_critic_speed"] >= 0.05)
    np.testing.assert_allclose(data["toy_critic_speed"], data["toy_mass"] - 0.5, rtol=1e-9)
    np.testing.assert_allclose(
        data["toy_generator_speed"], data["toy_mass"] * (1 - data["toy_mass"]), rtol=1e-9
    )
    # WGAN: critic at its best response, generator moving
    assert np.all(data["wgan_generator_speed"] > 1e3 * data["wgan_critic_speed"])
    assert np.all(data["wgan_generator_speed"] > 0)
