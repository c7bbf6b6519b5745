"""Small numba-compatible kernels shared by generated loops (plain loops, no Python objects)."""

from __future__ import annotations

import math

import numpy as np


def solve_small(A: np.ndarray, b: np.ndarray, m: int) -> bool:
    """Solve ``A[:m, :m] x = b[:m]`` in place by Gaussian elimination with partial pivoting.

    Parameters
    ----------
    A : ndarray, shape (>= m, >= m)
        Overwritten by its elimination.
    b : ndarray, shape (>= m,)
        Right-hand side; overwritten by the solution.
    m : int
        Size of the system.

    Returns
    -------
    bool
        False if the matrix is singular to working precision, or an entry of ``A`` or
        ``b`` or of the solution is not finite (``b`` is then undefined).

    Examples
    --------
    >>> A = np.array([[0.0, 2.0], [1.0, 1.0]]); b = np.array([2.0, 3.0])
    >>> solve_small(A, b, 2), b.tolist()
    (True, [2.0, 1.0])
    """
    scale = 0.0
    for i in range(m):
        if not abs(b[i]) < math.inf:  # NaN compares false: refused with inf
            return False
        for j in range(m):
            a = abs(A[i, j])
            if not a < math.inf:
                return False
            scale = max(scale, a)
    if not scale > 0.0:
        return False
    for col in range(m):
        piv = col
        best = abs(A[col, col])
        for r in range(col + 1, m):
            if abs(A[r, col]) > best:
                best = abs(A[r, col])
                piv = r
        if best <= 1e-14 * scale:
            return False
        if piv != col:
            for j in range(m):
                A[col, j], A[piv, j] = A[piv, j], A[col, j]
            b[col], b[piv] = b[piv], b[col]
        for r in range(col + 1, m):
            factor = A[r, col] / A[col, col]
            for j in range(col, m):
                A[r, j] -= factor * A[col, j]
            b[r] -= factor * b[col]
    for i in range(m - 1, -1, -1):
        acc = b[i]
        for j in range(i + 1, m):
            acc -= A[i, j] * b[j]
        b[i] = acc / A[i, i]
        if not abs(b[i]) < math.inf:
            return False
    return True
