"""Figure toy-periodic-orbits: Delgadino's toy GAN (lecture 2024, toy example; REFERENCES.md)."""

import numpy as np
import pytest
import sympy as sp

from limitdyn.figures._fig_toy_orbits import GAMMA, OMEGA, THETA, toy_gan_ode

pytest.importorskip("matplotlib")


@pytest.mark.parametrize("latent", ["gaussian", "logistic"])
def test_derived_field_is_the_lectures(latent):
    # theta' = F'(theta) omega, omega' = gamma (1/2 - F(theta))
    from limitdyn.figures._fig_toy_orbits import latent_cdf

    ode = toy_gan_ode(latent)
    cdf = latent_cdf(latent)
    assert sp.simplify((ode.rhs[0] - sp.diff(cdf, THETA) * OMEGA).rewrite(sp.exp)) == 0
    assert sp.simplify(ode.rhs[1] - GAMMA * (sp.Rational(1, 2) - cdf)) == 0


def test_orbits_are_periodic_on_level_sets():
    from limitdyn.figures import make_figure

    result = make_figure("toy-periodic-orbits")
    energy = result.data["energy"]
    assert sp.simplify(energy - (GAMMA * sp.cosh(THETA) + OMEGA**2 / 2)) == 0
    for gamma in (1, 10):
        assert np.all(result.data[f"relative_drift_gamma{gamma}"] < 1e-7)
        for orbit in result.data[f"orbits_gamma{gamma}"]:
            theta = orbit[:, 0]
            assert theta.min() < 0 < theta.max()  # swings through the symmetric point
            start = orbit[0]
            late = orbit[len(orbit) // 4 :]
            assert np.min(np.linalg.norm(late - start, axis=1)) < 0.05 * np.linalg.norm(start)
