"""Divergences between discrete measures: published identities and inequalities."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from limitdyn.errors import InputError
from limitdyn.gans import divergences, optimal_discriminator, parallel_lines


@pytest.mark.parametrize("theta", [-0.7, -0.1, 0.25, 1.5])
def test_parallel_lines_example(theta: float) -> None:
    """Arjovsky, Chintala & Bottou 2017, Example 1: for theta != 0, KL(P_0||P_theta) = inf,
    JS = log 2, TV = 1 and W1 = |theta| (and W2 = |theta|: the shift is an optimal plan)."""
    d = divergences(*parallel_lines(theta, n=16))
    assert d.kl == math.inf and d.reverse_kl == math.inf
    assert d.js == pytest.approx(math.log(2.0), rel=1e-14)
    assert d.tv == 1.0
    assert d.w1 == pytest.approx(abs(theta), rel=1e-12)
    assert d.w2 == pytest.approx(abs(theta), rel=1e-12)


def test_parallel_lines_at_zero_all_vanish() -> None:
    d = divergences(*parallel_lines(0.0, n=16))
    assert d.as_dict() == {"kl": 0.0, "reverse_kl": 0.0, "js": 0.0, "tv": 0.0, "w1": 0.0, "w2": 0.0}


_weights = st.lists(st.integers(1, 20), min_size=4, max_size=4)


@settings(deadline=None, max_examples=25)
@given(_weights, _weights)
def test_random_measures_identities(a: list[int], b: list[int]) -> None:
    """On a common support {0, 1, 2, 3}: Pinsker TV <= sqrt(KL/2); JS symmetric and at most
    log 2; TV = |p - q|_1 / 2; W1 <= W2 (Jensen); W1 in 1-D equals the integral of
    |F_p - F_q| (Vallender 1973), computed here from the CDFs."""
    pts = np.arange(4.0)
    p = np.array(a, float) / sum(a)
    q = np.array(b, float) / sum(b)
    d = divergences((pts, p), (pts, q))
    assert d.tv <= math.sqrt(d.kl / 2) + 1e-12
    assert d.tv == pytest.approx(0.5 * np.abs(p - q).sum(), abs=1e-14)
    assert 0 <= d.js <= math.log(2) + 1e-14
    assert divergences((pts, q), (pts, p)).js == pytest.approx(d.js, abs=1e-14)
    assert d.w1 <= d.w2 + 1e-12
    assert d.w1 == pytest.approx(np.abs(np.cumsum(p - q))[:-1].sum(), abs=1e-9)
    assert d.kl == pytest.approx(float(np.sum(p * np.log(p / q))), abs=1e-12)


@settings(deadline=None, max_examples=25)
@given(_weights, _weights, st.integers(0, 3))
def test_goodfellow_value_at_optimal_discriminator(a: list[int], b: list[int], shift: int) -> None:
    """Goodfellow et al. 2014, Prop. 1: D* = p_d / (p_d + p_g); Thm. 1: V(D*, G) =
    2 JS(p_d || p_g) - log 4, with supports overlapping partly (shifted by ``shift``). V is
    computed here from D*'s values, JS by :func:`divergences`."""
    pd = (np.arange(4.0), np.array(a, float) / sum(a))
    pg = (np.arange(4.0) + shift, np.array(b, float) / sum(b))
    dstar = optimal_discriminator(pd, pg)
    np.testing.assert_allclose(dstar.values, dstar.p_data / (dstar.p_data + dstar.p_model))
    value = sum(w * math.log(v) for w, v in zip(dstar.p_data, dstar.values) if w > 0) + sum(
        w * math.log(1 - v) for w, v in zip(dstar.p_model, dstar.values) if w > 0
    )
    js = divergences(pd, pg).js
    assert value == pytest.approx(2 * js - math.log(4), abs=1e-12)
    assert dstar.value == pytest.approx(value, abs=1e-14)


def test_duplicates_merged_and_uniform_default() -> None:
    """[0, 0, 1] with uniform weights is (2/3) delta_0 + (1/3) delta_1."""
    d = divergences([0.0, 0.0, 1.0], ([0.0, 1.0], [2 / 3, 1 / 3]))
    assert d.kl == pytest.approx(0.0, abs=1e-15) and d.tv == pytest.approx(0.0, abs=1e-15)


def test_display() -> None:
    d = divergences([0.0], [1.0])
    assert "js=0.693147" in repr(d) and "<table>" in d._repr_html_()
    assert list(d.to_dataframe()["value"]) == list(d.as_dict().values())
    assert "V(D*, G)" in repr(optimal_discriminator([0.0], [1.0]))


def test_bad_input() -> None:
    with pytest.raises(InputError, match="sum to"):
        divergences(([0.0, 1.0], [0.5, 0.6]), [0.0])
    with pytest.raises(InputError, match="dimensions 1 and 2"):
        divergences([0.0], [[0.0, 1.0]])
    with pytest.raises(InputError, match="non-empty"):
        divergences([], [0.0])
    with pytest.raises(InputError, match="positive int"):
        parallel_lines(1.0, n=0)
