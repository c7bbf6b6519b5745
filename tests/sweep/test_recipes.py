"""The recipes: convergence studies, WGAN grids, mean_field_gap on an executor."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import sympy as sp

import limitdyn as ld
from limitdyn.errors import InputError
from limitdyn.particles import TwoLayerRegression, mean_field_gap
from limitdyn.sweep import convergence_sweep, wgan_point, wgan_sweep


def test_convergence_sweep_measures_the_orders_of_backward_error_analysis(tmp_path) -> None:
    """Explicit Euler (order 1) and Heun (order 2) on x' = -x: the global error against the
    limit ODE is O(tau^p), against the modified equation truncated at order p it is
    O(tau^(p+1)) (Hairer, Lubich, Wanner, Geometric Numerical Integration, 2nd ed.,
    Thm. IX.1.2 with the standard global-error argument)."""
    x = sp.Symbol("x")
    h = ld.tau
    euler = ld.explicit([-x], [x])
    heun = ld.from_map({x: x - h * x + h**2 * x / 2})
    with ThreadPoolExecutor(2) as pool:
        res = convergence_sweep(
            {"euler": euler, "heun": heun},
            [1.0],
            t_end=1.0,
            taus=[0.02, 0.01, 0.005],
            references=["limit", 1, 2],
            engine="numpy",
            store=tmp_path,
            executor=pool,
            progress=False,
        )
    frame = res.to_dataframe().set_index(["scheme", "reference"])["order"]
    expected = {
        ("euler", "limit"): 1,
        ("euler", 1): 2,
        ("heun", "limit"): 2,
        ("heun", 2): 3,
    }
    for where, order in expected.items():
        assert frame[where] == pytest.approx(order, abs=0.05), where
    again = convergence_sweep(
        {"euler": euler, "heun": heun},
        [1.0],
        t_end=1.0,
        taus=[0.02, 0.01, 0.005],
        references=["limit", 1, 2],
        engine="numpy",
        store=tmp_path,
        workers=1,
        progress=False,
    )
    assert again.computed == 0  # the schemes' structure keys the points: all reused
    changed = convergence_sweep(
        {"euler": euler},
        [0.5],
        t_end=1.0,
        taus=[0.02, 0.01, 0.005],
        references=["limit"],
        engine="numpy",
        store=tmp_path,
        workers=1,
        progress=False,
    )
    assert changed.computed == 1  # another initial state: computed anew


def test_wgan_sweep_agrees_with_direct_runs_and_replicates_differ(tmp_path) -> None:
    fixed = {"lr": 0.1, "batch": 8, "n_eval": 16}
    with ThreadPoolExecutor(2) as pool:
        res = wgan_sweep(
            {"n_generator": [8], "clip": [0.01, None]},
            steps=3,
            replicates=2,
            fixed=fixed,
            store=tmp_path,
            executor=pool,
            seed=5,
            progress=False,
        )
    assert res.ok and len(res) == 4
    children = np.random.SeedSequence(5).spawn(4)
    for i, point in enumerate(res.points):
        args = {k: v for k, v in point.items() if k != "replicate"}
        direct = wgan_point(**args, seed=np.random.default_rng(children[i]))
        assert res.records[i]["scalars"]["final loss critic"] == direct["final loss critic"]
        assert np.array_equal(
            res.arrays(i)["loss generator"], direct["loss generator"], equal_nan=True
        )
    frame = res.to_dataframe()
    assert frame["final loss critic"][0] != frame["final loss critic"][1]  # replicates


def test_wgan_sweep_validates_every_model_first(tmp_path) -> None:
    with pytest.raises(InputError, match="point 1: lr must be a positive"):
        wgan_sweep({"n_generator": [8], "lr": [0.1, -1.0]}, steps=2, store=tmp_path, progress=False)
    with pytest.raises(InputError, match=r"point 0: .*no_such_option"):
        wgan_sweep(
            {"n_generator": [8], "no_such_option": [1]}, steps=2, store=tmp_path, progress=False
        )
    assert not (tmp_path / "results").exists()


def test_mean_field_gap_on_an_executor_equals_the_serial_study() -> None:
    """The (N, seed) pairs are independent computations seeded by their seed alone, so
    running them on an executor gives the same distances exactly."""
    model = TwoLayerRegression(n_particles=8, input_dim=1, lr=1.0, batch=8, engine="numpy")
    serial = mean_field_gap(model, sizes=[4, 8], t_end=0.3, seeds=2, progress=False)
    with ThreadPoolExecutor(2) as pool:
        parallel = mean_field_gap(
            model, sizes=[4, 8], t_end=0.3, seeds=2, progress=False, executor=pool
        )
    assert np.array_equal(serial.d2, parallel.d2)
    assert serial.exponent == parallel.exponent
