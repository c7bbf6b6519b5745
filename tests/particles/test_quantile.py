"""1-D aggregation flows in exact W2 geometry: quantile JKO steps against closed forms and
against the particle schemes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from limitdyn.errors import InputError
from limitdyn.particles import aggregation_particles, quantile_jko, wasserstein

ABS = {"interaction": lambda r: np.ones_like(r)}  # W(x) = |x|


def _midpoints(n: int) -> np.ndarray:
    return (np.arange(n) + 0.5) / n


@pytest.mark.parametrize(("tau", "steps"), [(0.25, 6), (0.1, 15), (0.3, 5)])
def test_newtonian_attraction_collapses_to_a_dirac_at_t_1(tau: float, steps: int) -> None:
    """W = |x| from the uniform measure on [-1, 1]: Q(t, s) = (1 - t)_+ (2 s - 1), total
    collapse at t = 1 (Carrillo, Di Francesco, Figalli, Laurent, Slepcev, Duke Math. J. 156
    (2011), the 1-D example of finite-time aggregation); on the cone the energy is linear in
    Q, so the JKO steps are exact at the grid times, also after the collapse."""
    s = _midpoints(16)
    flow = quantile_jko(2 * s - 1, tau=tau, steps=steps, **ABS)
    for t, q in zip(flow.times, flow.points, strict=True):
        np.testing.assert_allclose(q, max(1 - t, 0.0) * (2 * s - 1), atol=1e-12)
    assert flow.constrained[flow.times[1:] > 1 + 1e-9].all()


def test_quadratic_energy_has_the_closed_form_implicit_euler_steps() -> None:
    """W = x^2/2, V = x^2/2: the mean obeys m' = -m and the centred quantile c' = -2 c; the
    minimising movement is affine: m_k = m_0 (1 + tau)^-k, c_k = c_0 (1 + 2 tau)^-k (implicit
    Euler, Hairer-Lubich-Wanner ch. IX), and W2 to the flow e^-t, e^-2t is O(tau)."""
    q0 = np.array([-0.5, 0.0, 0.2, 1.0, 2.5])
    m0, c0 = q0.mean(), q0 - q0.mean()
    args = {"interaction": lambda r: r, "potential": lambda x: x}
    errors, taus = [], [0.1, 0.05, 0.025, 0.0125]
    for tau in taus:
        flow = quantile_jko(q0, tau=tau, steps=round(1.0 / tau), **args)
        k = np.arange(len(flow.times))[:, None]
        exact_step = m0 * (1 + tau) ** -k + c0 * (1 + 2 * tau) ** -k
        np.testing.assert_allclose(flow.points, exact_step, atol=1e-9)
        flow_t1 = m0 * np.exp(-1.0) + c0 * np.exp(-2.0)
        errors.append(float(wasserstein(flow.points[-1], flow_t1, method="sorting")))
    slope = np.polyfit(np.log(taus), np.log(errors), 1)[0]
    assert slope == pytest.approx(1.0, abs=0.05)


def test_without_collisions_the_particle_jko_step_is_the_quantile_step() -> None:
    """While no particles meet the monotonicity constraint is inactive and the implicit
    particle scheme (Newton on the identity coupling) equals the projected quantile step
    (fixed point on the cone): two independent solvers of the same minimising movement."""
    q0 = np.sort(np.random.default_rng(0).normal(size=40))
    args = dict(
        tau=0.05, steps=20, interaction=lambda r: r * np.exp(-(r**2)), potential=lambda x: x**3
    )
    cone = quantile_jko(q0, solver="fixed-point", **args)
    particles = aggregation_particles(q0, scheme="implicit", **args)
    assert not cone.constrained.any()
    np.testing.assert_allclose(cone.points, np.sort(particles.points, axis=1), atol=1e-9)
    assert float(wasserstein(cone.points[-1], particles.points[-1], method="lp")) < 1e-9


def test_explicit_particles_and_quantile_jko_are_order_tau_apart() -> None:
    """Turinici's Lemma 1 on 1-D measures: the explicit particle scheme and the exact W2
    minimising movement differ by O(tau) in W2 at T = 1 (measured order 1 +- 0.15)."""
    q0 = np.sort(np.random.default_rng(1).uniform(-2, 2, size=30))
    args = dict(interaction=lambda r: r * np.exp(-(r**2)), potential=lambda x: x**3)
    taus = [0.04, 0.02, 0.01, 0.005]
    dist = []
    for tau in taus:
        steps = round(1.0 / tau)
        jko = quantile_jko(q0, tau=tau, steps=steps, **args)
        explicit = aggregation_particles(q0, tau=tau, steps=steps, scheme="explicit", **args)
        dist.append(jko.distance(explicit))
    slope = np.polyfit(np.log(taus), np.log(dist), 1)[0]
    assert slope == pytest.approx(1.0, abs=0.15)


def _energy(q: np.ndarray) -> float:
    """E = (1/2) int int |Q(s) - Q(t)| + int Q^2 / 2 on the grid."""
    return 0.5 * float(np.abs(q[:, None] - q[None, :]).mean()) + 0.5 * float(np.mean(q * q))


@settings(deadline=None, max_examples=15)
@given(
    st.lists(st.floats(-3, 3).map(lambda v: round(v, 6)), min_size=2, max_size=12),
    st.floats(min_value=0.05, max_value=2.0),
)
def test_quantile_jko_stays_monotone_and_dissipates(values: list[float], tau: float) -> None:
    """The JKO inequality E(Q_{n+1}) + ||Q_{n+1} - Q_n||^2 / (2 tau) <= E(Q_n) (Jordan,
    Kinderlehrer, Otto 1998; the energy W = |x|, V = x^2/2 is convex on the cone, so each
    step is the global minimiser), and every iterate is a quantile function."""
    q0 = np.sort(np.asarray(values))
    flow = quantile_jko(q0, tau=tau, steps=3, potential=lambda x: x, **ABS)
    for a, b in zip(flow.points[:-1], flow.points[1:], strict=True):
        assert np.all(np.diff(b) >= 0)
        assert _energy(b) + float(np.mean((b - a) ** 2)) / (2 * tau) <= _energy(a) + 1e-12


def test_bad_input_is_refused_and_results_display() -> None:
    with pytest.raises(InputError, match="nondecreasing"):
        quantile_jko([1.0, 0.0], tau=0.1, steps=1, **ABS)
    with pytest.raises(InputError, match="interaction="):
        quantile_jko([0.0, 1.0], tau=0.1, steps=1)
    with pytest.raises(InputError, match="potential returned shape"):
        quantile_jko([0.0, 1.0], tau=0.1, steps=1, potential=lambda x: 1.0)
    with pytest.raises(InputError, match="scheme"):
        aggregation_particles([0.0, 1.0], tau=0.1, steps=1, scheme="rk4", **ABS)
    flow = quantile_jko(np.linspace(-1, 1, 5), tau=0.5, steps=3, **ABS)
    assert "constrained steps=1" in repr(flow) and "<table>" in flow._repr_html_()
    frame = flow.to_dataframe()
    assert frame["spread"].iloc[-1] == 0.0 and frame.index.name == "time"
    ax = flow.plot(times=2)
    assert len(ax.lines) == 2
    np.testing.assert_allclose(ax.lines[0].get_ydata(), np.linspace(-1, 1, 5))
