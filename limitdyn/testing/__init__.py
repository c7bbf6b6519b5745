"""Testing helpers for property tests of scheme theorems.

- :mod:`limitdyn.testing.strategies`: public hypothesis strategies (fields, games,
  schemes, step sizes, initial states); it needs hypothesis and is imported only when
  asked for.
- Assertions, importable without hypothesis: :func:`assert_same_limit`,
  :func:`assert_order`, :func:`assert_conserved`, :func:`assert_modified_order`.
- :class:`Game`, the record that :func:`~limitdyn.testing.strategies.games` draws.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._games import GAME_KINDS, Game
from .assertions import assert_conserved, assert_modified_order, assert_order, assert_same_limit

__all__ = [
    "GAME_KINDS",
    "Game",
    "assert_conserved",
    "assert_modified_order",
    "assert_order",
    "assert_same_limit",
    "strategies",
]


def __getattr__(name: str) -> Any:
    if name == "strategies":
        return importlib.import_module(".strategies", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
