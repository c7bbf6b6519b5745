"""Point functions of the sweep tests: module level, so worker processes import them."""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np


def draw(*, i: int, seed: np.random.Generator) -> dict[str, Any]:
    """The first numbers of the point's stream."""
    return {"u": float(seed.random()), "normal": seed.standard_normal(3)}


def logged(*, i: int, log: str, sleep: float = 0.0, seed: np.random.Generator) -> dict[str, Any]:
    """Append ``i`` to ``log`` (one line per finished execution) and return ``i**2``."""
    time.sleep(sleep)
    u = float(seed.random())
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, f"{i}\n".encode())
    finally:
        os.close(fd)
    return {"square": i * i, "u": u, "vector": np.full(2, float(i))}


def raises(*, i: int, seed: np.random.Generator) -> dict[str, Any]:
    if i == 2:
        raise ValueError(f"point {i} is bad")
    return {"square": i * i}


def dies_once(*, i: int, marker: str, seed: np.random.Generator) -> dict[str, Any]:
    """Point 1 kills its worker process the first time (the marker file records it)."""
    if i == 1:
        try:
            fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            pass
        else:
            os.close(fd)
            os._exit(1)
    return {"square": i * i}


def count_lines(log: str) -> dict[int, int]:
    """How many times each index appears in ``log``."""
    counts: dict[int, int] = {}
    if os.path.exists(log):
        with open(log) as f:
            for line in f:
                counts[int(line)] = counts.get(int(line), 0) + 1
    return counts
