"""The small dense solver of the generated Newton steps (limitdyn/numeric/_kernels.py),
against numpy.linalg.solve on random well-conditioned and singular systems."""

from __future__ import annotations

import numpy as np
import pytest

from limitdyn.numeric._kernels import solve_small


@pytest.mark.parametrize("m", [1, 2, 3, 5, 8])
def test_solution_matches_lapack(m: int) -> None:
    rng = np.random.default_rng(m)
    for _ in range(20):
        A = rng.standard_normal((m, m)) + m * np.eye(m) * rng.choice([-1.0, 1.0])
        b = rng.standard_normal(m)
        expected = np.linalg.solve(A, b)
        work_A = np.zeros((m + 2, m + 2))  # larger buffers: only the leading block is used
        work_A[:m, :m] = A
        work_b = np.zeros(m + 2)
        work_b[:m] = b
        assert solve_small(work_A, work_b, m)
        cond = np.linalg.cond(A)
        np.testing.assert_allclose(
            work_b[:m], expected, rtol=0, atol=1e-13 * cond * max(1.0, np.abs(expected).max())
        )


def test_needs_pivoting() -> None:
    A = np.array([[1e-20, 1.0], [1.0, 1.0]])
    b = np.array([1.0, 2.0])
    assert solve_small(A, b, 2)
    np.testing.assert_allclose(b, [1.0, 1.0], rtol=1e-15)


@pytest.mark.parametrize(
    "A",
    [
        np.zeros((2, 2)),
        np.array([[1.0, 2.0], [2.0, 4.0]]),
        np.array([[np.nan, 0.0], [0.0, 1.0]]),
        np.array([[np.inf, 0.0], [0.0, 1.0]]),
        np.array([[1.0, 0.0], [0.0, 1e-320]]),
    ],
)
def test_singular_or_invalid_systems_are_reported(A: np.ndarray) -> None:
    assert not solve_small(A.copy(), np.ones(2), 2)


def test_non_finite_right_hand_side_is_reported() -> None:
    assert not solve_small(np.eye(2), np.array([np.nan, 1.0]), 2)
    assert not solve_small(np.eye(2), np.array([1.0, np.inf]), 2)


def test_overflowing_solution_is_reported() -> None:
    """1e-300 x = 1e10 has the solution 1e310, beyond the floats."""
    with np.errstate(over="ignore"):
        assert not solve_small(np.array([[1e-300]]), np.array([1e10]), 1)
