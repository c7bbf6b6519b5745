"""Measured orders and the refinement criterion (Turinici's Lemma 1: tests/theorems/)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import limitdyn as ld
from limitdyn.errors import InputError

x, y = sp.symbols("x y")
#: a nonlinear 2-D field with a bounded, non-trivial orbit from (1, 0)
FIELD = [y - x**3 / 3, -x - y / 5 + sp.sin(x) / 2]
TAUS = 0.05 / 2.0 ** np.arange(6)


def test_explicit_euler_is_first_order() -> None:
    study = ld.convergence_study(
        ld.explicit(FIELD, [x, y]), [1.0, 0.0], t_end=4.0, taus=TAUS, progress=False
    )
    assert study.order == pytest.approx(1.0, abs=0.05)
    assert np.all(np.diff(study.errors) < 0)


def test_heun_from_map_is_second_order() -> None:
    t = ld.tau
    f = sp.Matrix(FIELD)
    k1 = f
    k2 = f.subs({x: x + t * k1[0], y: y + t * k1[1]}, simultaneous=True)
    heun = ld.from_map({x: x + t / 2 * (k1[0] + k2[0]), y: y + t / 2 * (k1[1] + k2[1])})
    study = ld.convergence_study(heun, [1.0, 0.0], t_end=4.0, taus=TAUS, progress=False)
    assert study.order == pytest.approx(2.0, abs=0.10)


def test_alternating_gda_on_bilinear_game_is_first_order() -> None:
    scheme = ld.game(x * y, -x * y, x, y, order="x-first", implicit=False)
    study = ld.convergence_study(scheme, [1.0, 0.5], t_end=5.0, taus=TAUS, progress=False)
    assert study.order == pytest.approx(1.0, abs=0.05)


def test_implicit_euler_is_first_order_final_norm() -> None:
    study = ld.convergence_study(
        ld.implicit(FIELD, [x, y]), [1.0, 0.0], t_end=4.0, taus=TAUS, norm="final", progress=False
    )
    assert study.order == pytest.approx(1.0, abs=0.05)


def test_order_fit_accepts_arbitrary_ratios() -> None:
    taus = np.array([0.05, 0.031, 0.013, 0.0072, 0.0021])
    study = ld.convergence_study(
        ld.explicit(FIELD, [x, y]), [1.0, 0.0], t_end=3.0, taus=taus, progress=False
    )
    assert study.order == pytest.approx(1.0, abs=0.05)
    assert np.allclose(study.local_orders, 1.0, atol=0.1)


def test_refinement_check_without_limit() -> None:
    check = ld.refinement_check(
        ld.explicit(FIELD, [x, y]), [1.0, 0.0], t_end=3.0, tau=0.02, levels=4
    )
    assert check.converged
    assert np.allclose(check.ratios, 2.0, atol=0.15)
    assert check.order == pytest.approx(1.0, abs=0.05)


def test_refinement_check_flags_unconverged_curve() -> None:
    """At a huge step the curves still move by more than the tolerance."""
    check = ld.refinement_check(
        ld.explicit(FIELD, [x, y]), [1.0, 0.0], t_end=3.0, tau=0.5, levels=2, tolerance=1e-3
    )
    assert not check.converged


def test_unknown_norm_and_reference_list_valid_ones() -> None:
    s = ld.explicit(FIELD, [x, y])
    with pytest.raises(InputError, match="valid norms: max, final"):
        ld.convergence_study(s, [1.0, 0.0], t_end=1.0, taus=TAUS, norm="l2")
    with pytest.raises(InputError, match="valid: 'limit'"):
        ld.convergence_study(s, [1.0, 0.0], t_end=1.0, taus=TAUS, reference="exact")
    with pytest.raises(InputError, match="integer multiple"):
        ld.refinement_check(s, [1.0, 0.0], t_end=1.0, tau=0.3)


def test_study_reports_table_and_plot() -> None:
    study = ld.convergence_study(
        ld.explicit(FIELD, [x, y]), [1.0, 0.0], t_end=1.0, taus=TAUS[:3], progress=False
    )
    assert "fitted order" in study.table() and len(study.table().splitlines()) == 5
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    study.plot(ax=ax)
    xs, ys = ax.lines[0].get_data()
    np.testing.assert_allclose(xs, study.taus)
    np.testing.assert_allclose(ys, study.errors)
    plt.close(fig)


@pytest.mark.parametrize(("reference", "expected"), [("limit", 1.0), (1, 2.0)])
def test_two_step_scheme_runs_start_on_the_invariant_manifold(reference, expected) -> None:
    """Heavy ball x+ = x - tau f'(x) + beta (x - x_prev): its limit is x' = -f'(x)/(1 - beta)
    (Kovachki & Stuart, JMLR 2021). Given only the current state, each run starts on the
    invariant manifold of its tau, so the order against the order-k modified flow is k + 1
    (a start at rest would cap it at 1)."""
    beta = sp.Rational(1, 2)
    hb = ld.heavy_ball(x**4 / 4 + x**2 / 2, x, momentum=beta)
    limit = ld.limit_ode(hb)
    assert sp.simplify(limit.rhs[0] + (x**3 + x) / (1 - beta)) == 0
    study = ld.convergence_study(
        hb,
        [1.0],
        t_end=2.0,
        taus=0.005 / 2.0 ** np.arange(4),
        reference=reference,
        progress=False,
    )
    assert study.local_orders[-1] == pytest.approx(expected, abs=0.1)


LINEAR = ld.explicit([-x], [x])


def test_explicit_euler_on_a_linear_ode_has_order_one_tightly() -> None:
    """x+ = (1 - tau) x against x = exp(-t): the global error is (t/2) e^{-t} tau + O(tau^2)."""
    study = ld.convergence_study(
        LINEAR, [1.0], t_end=1.0, taus=0.01 / 2.0 ** np.arange(5), engine="numpy", progress=False
    )
    assert study.order == pytest.approx(1.0, abs=0.02)
    assert study.status.tolist() == ["ok"] * 5
    np.testing.assert_allclose(study.errors / study.taus, np.exp(-1) / 2, rtol=0.02)


def test_repeated_step_sizes_are_refused() -> None:
    with pytest.raises(InputError, match=r"step size 0\.1 is given twice"):
        ld.convergence_study(LINEAR, [1.0], t_end=1.0, taus=[0.1, 0.05, 0.1], progress=False)


def test_unstable_and_pre_asymptotic_levels_are_flagged_and_excluded() -> None:
    """x' = -10 x: explicit Euler is unstable for tau > 2/10; at 0.3 the error is 2^6."""
    scheme = ld.explicit([-10 * x], [x])
    taus = [0.3, 0.19, 0.1, 0.05, 0.025, 0.0125, 0.00625]
    study = ld.convergence_study(
        scheme, [1.0], t_end=2.0, taus=taus, engine="numpy", progress=False
    )
    assert study.status[:2].tolist() == ["unstable", "unstable"]
    assert "pre-asymptotic" in study.status.tolist()
    assert study.status[-2:].tolist() == ["ok", "ok"]
    assert study.order == pytest.approx(1.0, abs=0.15)
    assert "excluded: 2 unstable" in study.order_reason


def test_divergent_level_is_unstable_not_an_error() -> None:
    study = ld.convergence_study(
        ld.explicit([-100 * x], [x]),
        [1.0],
        t_end=400.0,
        taus=[1.0, 0.5],
        engine="numpy",
        progress=False,
    )
    assert np.isinf(study.errors).all() and study.status.tolist() == ["unstable"] * 2
    assert np.isnan(study.order) and "fewer than two usable levels (0)" in study.order_reason


EXACT = ld.from_map({x: x * sp.exp(-ld.tau)})  # the flow of x' = -x over tau, exactly


def test_exact_scheme_is_at_rounding_level() -> None:
    study = ld.convergence_study(
        EXACT,
        [1.0],
        t_end=1.0,
        taus=[0.1, 0.05, 0.025, 0.0125],
        engine="numpy",
        progress=False,
    )
    assert study.status.tolist() == ["rounding-floor"] * 4
    assert study.at_rounding_level and np.isnan(study.order)
    assert np.isnan(study.local_orders).all()
    assert "converged at rounding level" in study.table()


def test_refinement_of_an_exact_scheme_converges_at_rounding_level() -> None:
    check = ld.refinement_check(EXACT, [1.0], t_end=1.0, tau=0.1, levels=3, engine="numpy")
    assert check.verdict == "converged at rounding level" and check.converged
    assert np.all(check.distances < 1e-14)


def test_refinement_tolerance_is_relative_to_the_curve() -> None:
    """The same linear problem scaled by 1e6 gets the same verdict and implied order."""
    small = ld.refinement_check(LINEAR, [1.0], t_end=1.0, tau=0.01, levels=3, engine="numpy")
    large = ld.refinement_check(LINEAR, [1e6], t_end=1.0, tau=0.01, levels=3, engine="numpy")
    assert small.verdict == large.verdict == "converged"
    np.testing.assert_allclose(large.distances, 1e6 * small.distances, rtol=1e-9)
    assert large.scale == pytest.approx(1e6)
    strict = ld.refinement_check(
        LINEAR, [1e6], t_end=1.0, tau=0.01, levels=3, tolerance=1e-5, engine="numpy"
    )
    assert strict.verdict == "not converged"  # last distance ~ 2.3e-4 of the scale


def test_refinement_levels_are_bounded_before_running() -> None:
    with pytest.raises(InputError, match=r"refinement_check with 60 levels .*limit of 16.0 GiB"):
        ld.refinement_check(LINEAR, [1.0], t_end=1.0, tau=0.5, levels=60)


def test_two_step_schemes_accept_one_point_starts_everywhere() -> None:
    hb = ld.heavy_ball(x**2 / 2, x, momentum=sp.Rational(1, 2))
    check = ld.refinement_check(hb, [1.0], t_end=1.0, tau=0.01, levels=3, engine="numpy")
    assert check.converged
    assert check.order == pytest.approx(1.0, abs=0.1)


def _decay(tau: float) -> np.ndarray:
    """A learning-rate schedule family: tau_k = tau / (1 + k tau / 2)."""
    return tau / (1 + 0.5 * tau * np.arange(10**5))


def test_schedule_family_explicit_euler_is_first_order() -> None:
    """On the cumulative-learning-rate axis explicit Euler with steps tau_k tracks
    x' = -x to first order in the scale tau."""
    study = ld.convergence_study(
        LINEAR,
        [1.0],
        t_end=1.0,
        taus=0.02 / 2.0 ** np.arange(5),
        schedule=_decay,
        engine="numpy",
        progress=False,
    )
    assert study.order == pytest.approx(1.0, abs=0.02)
    assert study.schedule == "_decay"
    check = ld.refinement_check(
        LINEAR, [1.0], t_end=1.0, tau=0.02, levels=4, schedule=_decay, engine="numpy"
    )
    assert check.converged and check.interpolated
    assert check.order == pytest.approx(1.0, abs=0.05)


def test_schedule_family_output_is_validated() -> None:
    with pytest.raises(InputError, match=r"schedule\(0.1\): step 1 has size -0.1"):
        ld.convergence_study(
            LINEAR,
            [1.0],
            t_end=1.0,
            taus=[0.1, 0.05],
            schedule=lambda t: [t, -t] * 20,
            progress=False,
        )
    with pytest.raises(InputError, match="short of t_end = 1"):
        ld.convergence_study(
            LINEAR, [1.0], t_end=1.0, taus=[0.1, 0.05], schedule=lambda t: [t], progress=False
        )


def test_study_display_and_dataframe() -> None:
    pytest.importorskip("pandas")
    study = ld.convergence_study(
        ld.explicit([-10 * x], [x]),
        [1.0],
        t_end=2.0,
        taus=[0.3, 0.05, 0.025, 0.0125],
        engine="numpy",
        progress=False,
    )
    html = study._repr_html_()
    assert "<th>status</th>" in html and "<td>unstable</td>" in html and "fitted order" in html
    frame = study.to_dataframe()
    assert list(frame.columns) == ["tau", "error", "local order", "status"]
    assert frame["status"].tolist() == study.status.tolist()
    assert frame.attrs["order"] == study.order
    check = ld.refinement_check(LINEAR, [1.0], t_end=1.0, tau=0.01, engine="numpy")
    assert list(check.to_dataframe().columns) == ["tau", "distance", "local order", "status"]
    assert "converged" in repr(check) and "<td>ok</td>" in check._repr_html_()
