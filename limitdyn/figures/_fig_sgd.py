"""The SGD-noise figure: SGD paths against their stochastic modified equation."""

from __future__ import annotations

import numpy as np
import sympy as sp

from .._stochastic import sgd
from ..numeric import iterate_stochastic, simulate_sde, weak_convergence_study
from ..plotting import new_figure
from ..plotting._weak import plot_weak
from ..symbolic import stochastic_modified_equation
from ._registry import FigureResult, register

_x = sp.Symbol("x")
#: a non-quadratic loss with two examples, a = -1 and a = +1 (Var a = 1)
LOSSES = [(_x - 1) ** 2 / 2 + _x**4 / 8, (_x + 1) ** 2 / 2 + _x**4 / 8]
START = np.array([1.5])
TAU = 0.1
T_END = 2.0
PATHS = 20000
WEAK_TAUS = (0.1, 0.05, 0.025)
WEAK_PATHS = 100000


@register(
    "sgd-sme",
    title="SGD follows its stochastic modified equation: path statistics and weak orders 1, 2",
    source='Q. Li, C. Tai, W. E, "Stochastic Modified Equations and Adaptive Stochastic '
    'Gradient Algorithms", ICML 2017',
    equation="Theorem 1: the order-1 and order-2 SMEs are weak approximations of order 1 and 2",
    parameters={
        "losses": "(x -+ 1)^2/2 + x^4/8",
        "start": START,
        "tau": TAU,
        "t_end": T_END,
        "paths": PATHS,
        "weak taus": WEAK_TAUS,
        "weak paths": WEAK_PATHS,
        "seed": 1,
    },
)
def sgd_sme() -> FigureResult:
    """Li, Tai & E (ICML 2017, Thm. 1): the mean and spread of SGD paths against the
    order-2 SME on the cumulative-learning-rate axis, and the weak errors of the order-1
    and order-2 SMEs against the learning rate."""
    scheme = sgd(LOSSES, [_x])
    sme = stochastic_modified_equation(scheme, order=2)
    steps = round(T_END / TAU)
    run = iterate_stochastic(
        scheme, START, tau=TAU, steps=steps, n_paths=PATHS, seed=1, record_every=1
    )
    dt = TAU / 10
    sde_run = simulate_sde(
        sme, START, t_end=T_END, dt=dt, n_paths=PATHS, seed=2, tau=TAU, record_every=10
    )
    studies = {
        order: weak_convergence_study(
            scheme,
            START,
            t_end=1.0,
            taus=WEAK_TAUS,
            observable=_x,
            n_paths=WEAK_PATHS,
            seed=3 + order,
            reference=order,
        )
        for order in (1, 2)
    }

    fig, (left, right) = new_figure(ncols=2, width=5.2, height=4.2)
    for label, paths, colour in (("SGD", run, "k"), ("order-2 SME", sde_run, "C3")):
        mean = paths.mean()[:, 0]
        sd = np.sqrt(paths.covariance()[:, 0, 0])
        left.plot(
            paths.t,
            mean,
            "o" if label == "SGD" else "-",
            ms=3,
            color=colour,
            label=f"{label}: mean",
        )
        left.plot(paths.t, mean + sd, ":", color=colour, label=f"{label}: mean ± sd")
        left.plot(paths.t, mean - sd, ":", color=colour)
    left.set_xlabel("cumulative learning rate $t = n\\tau$")
    left.set_ylabel("$x$")
    left.set_title(rf"SGD on $f_i = (x - a_i)^2/2 + x^4/8$, $\tau = {TAU}$")
    left.legend(fontsize=8)
    for order, study in studies.items():
        plot_weak(study, ax=right, label=f"SME order {order}")
    right.set_title(r"weak error of $E\,x$ at $T = 1$")
    return FigureResult(
        fig,
        {
            "tau": TAU,
            "t_sgd": run.t,
            "sgd_mean": run.mean()[:, 0],
            "sgd_var": run.covariance()[:, 0, 0],
            "t_sme": sde_run.t,
            "sme_mean": sde_run.mean()[:, 0],
            "sme_var": sde_run.covariance()[:, 0, 0],
            "n_paths": PATHS,
            "weak_taus": np.array(WEAK_TAUS),
            "weak_errors": {k: s.errors for k, s in studies.items()},
            "weak_half_widths": {k: s.half_widths for k, s in studies.items()},
            "weak_orders": {k: s.order for k, s in studies.items()},
        },
    )
