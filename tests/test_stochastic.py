"""The minibatch noise model: weights, their covariance and its square root.

[LTE] Q. Li, C. Tai, W. E, "Stochastic modified equations and adaptive stochastic gradient
algorithms", ICML 2017, §2 (SGD as z - tau (1/B) sum_{i in batch} grad f_i).
[C] W. G. Cochran, Sampling Techniques, 3rd ed., Wiley 1977, Thm. 2.2 (the finite-population
factor (n - B)/(n - 1) of sampling without replacement).
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import limitdyn as ld
from limitdyn._stochastic import example_weights
from limitdyn.errors import InputError, SchemeError

x, y = sp.symbols("x y")


def _enumerated_covariance(n: int, batch: int, replacement: bool, w: list[Fraction]) -> sp.Matrix:
    """Cov of c = counts / B by enumerating every minibatch with its probability."""
    outcomes: list[tuple[sp.Expr, list[sp.Expr]]] = []
    if replacement:
        for draw in itertools.product(range(n), repeat=batch):
            prob = sp.Integer(1)
            for i in draw:
                prob *= sp.Rational(w[i])
            outcomes.append((prob, [sp.Rational(draw.count(i), batch) for i in range(n)]))
    else:
        subsets = list(itertools.combinations(range(n), batch))
        for sub in subsets:
            outcomes.append(
                (
                    sp.Rational(1, len(subsets)),
                    [sp.Rational(int(i in sub), batch) for i in range(n)],
                )
            )
    mean = [sum(p * c[i] for p, c in outcomes) for i in range(n)]
    return sp.Matrix(
        n, n, lambda i, j: sum(p * (c[i] - mean[i]) * (c[j] - mean[j]) for p, c in outcomes)
    )


@pytest.mark.parametrize(
    ("n", "batch", "replacement", "w"),
    [
        (3, 1, True, None),
        (3, 2, True, None),
        (4, 2, False, None),
        (4, 3, False, None),
        (3, 2, True, [1, 2, 3]),
    ],
)
def test_weight_covariance_matches_enumeration(n, batch, replacement, w) -> None:
    """Cov c = (diag w - w w^T)/B with replacement, times (n - B)/(n - 1) without [C]."""
    losses = [(x - a) ** 2 / 2 for a in range(n)]
    s = ld.sgd(losses, x, batch=batch, replacement=replacement, weights=w)
    probs = [Fraction(1, n)] * n if w is None else [Fraction(v, sum(w)) for v in w]
    assert s.weight_covariance == _enumerated_covariance(n, batch, replacement, probs)
    root = s.weight_root
    assert (root * root.T - s.weight_covariance).applyfunc(sp.simplify) == sp.zeros(n, n)


def test_sgd_mean_scheme_is_gradient_descent_on_the_mean_loss() -> None:
    """[LTE] §2: E of the minibatch gradient is the full gradient."""
    losses = [(x - 1) ** 2 * y**2, x**4 + y, sp.exp(x) * y]
    s = ld.sgd(losses, [x, y], batch=2)
    f = sum(losses) / 3
    gd = ld.explicit([-f.diff(x), -f.diff(y)], [x, y]).map()
    mean = s.mean_scheme.map()
    assert all(sp.simplify(mean[v] - gd[v]) == 0 for v in (x, y))
    assert s.parameters == () and s.n_examples == 3 and s.dim == 2


@settings(deadline=None, max_examples=15)
@given(
    n=st.integers(1, 5),
    batch=st.integers(1, 5),
    replacement=st.booleans(),
    w=st.lists(st.integers(1, 9), min_size=5, max_size=5),
)
def test_weights_sum_to_one_so_covariance_annihilates_ones(n, batch, replacement, w) -> None:
    """sum_i c_i = 1 for every minibatch, so Cov(c) 1 = 0; L L^T = Cov c."""
    if not replacement and batch > n:
        with pytest.raises(InputError, match="larger than"):
            ld.sgd([x * (a + 1) for a in range(n)], x, batch=batch, replacement=False)
        return
    weights = w[:n] if replacement else None
    s = ld.sgd(
        [(x - a) ** 2 for a in range(n)], x, batch=batch, replacement=replacement, weights=weights
    )
    cov = s.weight_covariance
    assert cov * sp.ones(n, 1) == sp.zeros(n, 1)
    assert sum(s.probabilities) == 1
    root = s.weight_root
    assert (root * root.T - cov).applyfunc(sp.nsimplify) == sp.zeros(n, n)


def test_stochastic_game_shares_the_minibatch_between_stages() -> None:
    c = example_weights(2)
    cost_y = -sum(ci * y * (a - x) for ci, a in zip(c, (1, 3))) + y**2 / 2
    game = ld.game(-cost_y, cost_y, x, y, implicit=False)
    s = ld.stochastic(game, noise=c)
    assert s.variables == (x, y) and s.mean_weights == {
        c[0]: sp.Rational(1, 2),
        c[1]: sp.Rational(1, 2),
    }
    assert "StochasticScheme" in repr(s) and "tau" in s._repr_latex_()


def test_bad_input() -> None:
    with pytest.raises(InputError, match="batch must be a positive integer"):
        ld.sgd([x**2, x], x, batch=0)
    with pytest.raises(InputError, match="larger than the 2 examples"):
        ld.sgd([x**2, x], x, batch=3, replacement=False)
    with pytest.raises(InputError, match="not a positive number"):
        ld.sgd([x**2, x], x, weights=[1, -1])
    with pytest.raises(InputError, match="uniform weights only"):
        ld.sgd([x**2, x], x, weights=[1, 2], replacement=False)
    with pytest.raises(SchemeError, match="no example weight occurs"):
        ld.stochastic(ld.explicit([-x], [x]), noise=example_weights(1))
