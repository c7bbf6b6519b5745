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
        pytest.param(
            np.array([[np.nan, 0.0], [0.0, 1.0]]),
            marks=pytest.mark.xfail(
                strict=True,
                reason="a NaN entry passes the scale check (max(0.0, nan) is 0.0) and the "
                "solve returns NaN as success; the fix belongs to the hardening issue",
            ),
        ),
    ],
)
def test_singular_or_invalid_systems_are_reported(A: np.ndarray) -> None:
    assert not solve_small(A.copy(), np.ones(2), 2)
