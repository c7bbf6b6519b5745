"""The sgd-sme figure plots the mathematics it claims (data checked, not pixels).

[LTE] Q. Li, C. Tai, W. E, ICML 2017, Thm. 1: SGD and its order-k SME agree in law to
O(tau^k); the weak errors shrink with orders 1 and 2.
"""

from __future__ import annotations

import numpy as np

from limitdyn.figures import available, make_figure


def test_sgd_sme_figure() -> None:
    assert "sgd-sme" in available()
    result = make_figure("sgd-sme")
    d = result.data
    tau = d["tau"]
    np.testing.assert_allclose(d["t_sgd"], tau * np.arange(d["t_sgd"].size), atol=1e-12)
    # the SME is recorded at the SGD times: its mean and variance track SGD's
    np.testing.assert_allclose(d["t_sme"], d["t_sgd"], atol=1e-12)
    n = d["n_paths"]
    se = np.sqrt((d["sgd_var"] + d["sme_var"]) / n)
    gap = np.abs(d["sgd_mean"] - d["sme_mean"])
    assert np.all(gap <= 4.5 * se + 3 * tau**2), gap.max()
    # variances agree to O(tau^2) (weak order 2), while the variance itself is O(tau): at
    # stationarity on a quadratic the gap is tau Var (1/(2 - tau) - 1/(2 + tau)) ~ tau^2 / 2
    late = slice(len(d["t_sgd"]) // 2, None)
    assert np.all(d["sgd_var"][late] > 3 * tau**2)
    assert np.all(np.abs(d["sme_var"] - d["sgd_var"]) < tau**2)
    assert abs(d["weak_orders"][1] - 1) < 0.15 and abs(d["weak_orders"][2] - 2) < 0.15
    assert np.all(d["weak_errors"][2] < d["weak_errors"][1])
    right = result.figure.axes[1]
    assert right.get_xscale() == "log" and len(right.lines) >= 2
