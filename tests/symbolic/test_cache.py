"""The one cache of order-indexed results (limitdyn/symbolic/_cache.py) and its use:
terms of order j do not depend on the order asked, so the longest computation serves all."""

from __future__ import annotations

import sympy as sp

import limitdyn as ld
from limitdyn.symbolic._backward import _TERMS
from limitdyn.symbolic._cache import LongestCache


def test_longer_requests_recompute_shorter_ones_slice() -> None:
    calls: list[int] = []

    def compute(k: int) -> list[int]:
        calls.append(k)
        return list(range(k + 1))

    cache: LongestCache[list[int]] = LongestCache(maxsize=8)
    assert cache.get("a", 2, compute) == (2, [0, 1, 2])
    assert cache.get("a", 1, compute)[0] == 2  # served by the longer result
    assert cache.get("a", 5, compute) == (5, [0, 1, 2, 3, 4, 5])
    assert cache.get("a", 3, compute)[0] == 5
    assert calls == [2, 5]


def test_least_recently_used_entries_are_evicted() -> None:
    cache: LongestCache[int] = LongestCache(maxsize=2)
    cache.get("a", 0, lambda k: 1)
    cache.get("b", 0, lambda k: 2)
    cache.get("a", 0, lambda k: -1)  # touch a
    cache.get("c", 0, lambda k: 3)  # evicts b
    assert len(cache) == 2
    assert cache.get("a", 0, lambda k: -1) == (0, 1)
    assert cache.get("b", 0, lambda k: 20) == (0, 20)  # recomputed


def test_modified_terms_do_not_depend_on_the_order_asked() -> None:
    """The order-j term is the same whether order j or a higher order was asked first."""
    x, y = sp.symbols("x y")
    s = ld.alternating([(y, [x - y**3]), (x, [-y + x**2])])
    _TERMS.clear()
    low = ld.modified_equation(s, order=1).terms
    high = ld.modified_equation(s, order=3).terms
    _TERMS.clear()
    high_first = ld.modified_equation(s, order=3).terms
    low_after = ld.modified_equation(s, order=1).terms
    assert high[:2] == low == low_after
    assert high == high_first
