"""Stability regions on the linear test problem against the stability functions in closed form."""

from __future__ import annotations

import numpy as np
import pytest

import limitdyn as ld
from limitdyn.errors import InputError

N = 61


def _z(region: ld.StabilityRegion) -> np.ndarray:
    re, im = np.meshgrid(region.re, region.im)
    return re + 1j * im


def _max_root(c2: np.ndarray, c1: np.ndarray, c0: np.ndarray) -> np.ndarray:
    """Largest root modulus of c2 xi^2 + c1 xi + c0, point by point (numpy.roots)."""
    out = np.empty(c1.shape)
    for idx in np.ndindex(c1.shape):
        out[idx] = np.max(np.abs(np.roots([c2[idx], c1[idx], c0[idx]])))
    return out


@pytest.mark.parametrize(
    ("kind", "stability_function"),
    [
        ("explicit", lambda z: np.abs(1 + z)),  # Hairer & Wanner II, IV.2: R(z) = 1 + z
        ("simultaneous", lambda z: np.abs(1 + z)),
        ("implicit", lambda z: 1 / np.abs(1 - z)),  # R(z) = 1/(1 - z)
        ("extragradient", lambda z: np.abs(1 + z + z**2)),  # x + tau F(x + tau F(x))
    ],
)
def test_one_step_methods_match_their_stability_function(kind: str, stability_function) -> None:
    region = ld.stability_region(kind, n=N, re=(-2.5, 0.5), im=(-1.7, 1.7))
    z = _z(region)
    np.testing.assert_allclose(region.radius, stability_function(z), rtol=1e-9, atol=1e-12)


def test_optimistic_and_heavy_ball_match_their_characteristic_roots() -> None:
    """Optimistic gradient x+ = x + 2 z x - z x_prev: xi^2 - (1 + 2z) xi + z = 0 (Daskalakis
    et al. 2018); heavy ball x+ = x + z x + beta (x - x_prev): xi^2 - (1 + beta + z) xi +
    beta = 0 (Polyak 1964)."""
    opt = ld.stability_region("optimistic", n=21)
    z = _z(opt)
    one = np.ones_like(z)
    np.testing.assert_allclose(opt.radius, _max_root(one, -(1 + 2 * z), z), rtol=1e-7)
    beta = 0.25
    hb = ld.stability_region("heavy-ball", n=21, momentum=beta)
    z = _z(hb)
    expected = _max_root(one, -(1 + beta + z), beta * one)
    np.testing.assert_allclose(hb.radius, expected, rtol=1e-7)


def test_alternating_vs_simultaneous_on_the_rotation_test() -> None:
    """Pure rotation z = i tau omega: simultaneous steps have radius sqrt(1 + (tau omega)^2)
    > 1; alternating steps have determinant 1 and trace 2 - (tau omega)^2, so radius exactly
    1 for |tau omega| <= 2 (marginal) and > 1 beyond."""
    im = np.linspace(-3.0, 3.0, 61)
    alt = ld.stability_region("alternating", re=(-1e-300, 1e-300), im=(-3.0, 3.0), n=61)
    sim = ld.stability_region("simultaneous", re=(-1e-300, 1e-300), im=(-3.0, 3.0), n=61)
    r_alt, r_sim = alt.radius[:, 0], sim.radius[:, 0]
    np.testing.assert_allclose(r_sim, np.sqrt(1 + im**2), rtol=1e-12)
    inside = np.abs(im) <= 2 - 1e-9
    np.testing.assert_allclose(r_alt[inside], 1.0, atol=1e-7)
    assert np.all(r_alt[np.abs(im) > 2 + 1e-9] > 1.0 + 1e-6)


def test_area_of_the_explicit_disk_and_implicit_exterior() -> None:
    """Explicit Euler: the unit disk around -1, area pi; implicit Euler: the exterior of the
    disk around +1 (so the box minus pi)."""
    exp = ld.stability_region("explicit", re=(-2.2, 0.2), im=(-1.2, 1.2), n=401)
    assert exp.area == pytest.approx(np.pi, rel=5e-3)
    imp = ld.stability_region("implicit", re=(-0.2, 2.2), im=(-1.2, 1.2), n=401)
    assert imp.area == pytest.approx(2.4 * 2.4 - np.pi, rel=5e-3)


def test_custom_builder_equals_named_kind() -> None:
    mine = ld.stability_region(lambda f, v: ld.extragradient(f, v), n=21)
    named = ld.stability_region("extragradient", n=21)
    np.testing.assert_allclose(mine.radius, named.radius, rtol=1e-12)


def test_display_dataframe_and_plot() -> None:
    region = ld.stability_region("explicit", n=11)
    assert "explicit" in repr(region) and "characteristic" in region._repr_html_()
    frame = region.to_dataframe()
    assert list(frame.columns) == ["re", "im", "radius", "stable"] and len(frame) == 121
    from matplotlib.figure import Figure

    ax = Figure().subplots()
    assert region.plot(ax=ax) is ax and ax.get_title() == "explicit"


def test_bad_input() -> None:
    with pytest.raises(InputError, match="valid kinds: explicit, simultaneous"):
        ld.stability_region("rk4")
    with pytest.raises(InputError, match="low < high"):
        ld.stability_region("explicit", re=(1.0, -1.0))
    with pytest.raises(InputError, match=r"2\.\.2001"):
        ld.stability_region("explicit", n=5000)
    with pytest.raises(InputError, match="momentum"):
        ld.stability_region("heavy-ball", momentum=1)
    with pytest.raises(InputError, match="must return a Scheme"):
        ld.stability_region(lambda f, v: None)
