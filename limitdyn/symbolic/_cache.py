"""One cache idiom for the symbolic analyses: per scheme, the longest series computed.

Coefficients of order ``j`` of a map series or a modified equation do not depend on the
order requested, so a cache keeps, per key, the result of the longest computation and
serves every shorter request by slicing it. Facts derived from one frozen object (its
parameters, a Jacobian) are :func:`functools.cached_property` on that object instead.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")

__all__ = ["LongestCache"]


class LongestCache(Generic[T]):
    """A bounded least-recently-used map ``key -> (order, value)``.

    ``get(key, order, compute)`` returns ``(computed_order, value)`` with
    ``computed_order >= order``: the cached value when it reaches ``order``, else
    ``compute(order)`` (stored in its place). Callers slice the value to ``order``.

    Examples
    --------
    >>> calls = []
    >>> cache = LongestCache(maxsize=4)
    >>> def squares(k):
    ...     calls.append(k)
    ...     return [j * j for j in range(k + 1)]
    >>> cache.get("s", 3, squares)
    (3, [0, 1, 4, 9])
    >>> cache.get("s", 2, squares)[1][:3]
    [0, 1, 4]
    >>> calls
    [3]
    """

    def __init__(self, *, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[Hashable, tuple[int, T]] = OrderedDict()

    def get(self, key: Hashable, order: int, compute: Callable[[int], T]) -> tuple[int, T]:
        hit = self._data.get(key)
        if hit is not None and hit[0] >= order:
            self._data.move_to_end(key)
            return hit
        value = (order, compute(order))
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self.maxsize:
            self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget everything (benchmarks start from empty caches)."""
        self._data.clear()

    def __len__(self) -> int:
        return len(self._data)
