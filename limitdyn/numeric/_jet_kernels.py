"""The jet-tape interpreter as one plain loop over the nodes (numba-compatible).

A tape (see :mod:`limitdyn.numeric._jet_fields`) is data: per node an operation code,
up to two input nodes (earlier in the tape) and a constant. :func:`run_tape` propagates
truncated Taylor series ``jets[node, 0..K]`` through it, node by node, with the
recurrences of Griewank and Walther, *Evaluating Derivatives* (2nd ed., SIAM 2008),
ch. 13, Table 13.2 (products, ``exp``, ``log``, powers, ``sin``/``cos``; ``tanh`` from
``t' = (1 - t**2) u'``). The leaves (variables, parameters, constants) are filled in by
the caller. Without numba this loop is slow in Python; :class:`JetField` then runs the
levelled NumPy kernels instead, and this module is the compiled path
(:mod:`limitdyn.numeric._jet_kernels_jit`).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["OPS", "run_tape"]

#: operation codes of the tape; the leaves (codes 0-2) are filled in by the caller
OPS = (
    "var",
    "par",
    "const",
    "add",
    "mul",
    "scale",
    "shift",
    "pow",
    "exp",
    "log",
    "tanh",
    "sin",
    "cos",
    "sinh",
    "cosh",
)


def run_tape(op: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray, jets: np.ndarray) -> None:
    """Fill ``jets[i, :]`` for every non-leaf node ``i`` of the tape, in tape order.

    ``jets`` has shape ``(nodes, K + 1)``; ``op``, ``a``, ``b``, ``c`` are the codes
    (indices into :data:`OPS`), first and second inputs and constants of the nodes.

    Examples
    --------
    ``exp(x)`` at ``x = 0`` along ``v = 1``: the coefficients ``1/m!``.

    >>> op = np.array([0, 8]); a = np.array([0, 0]); b = np.zeros(2, dtype=np.int64)
    >>> jets = np.zeros((2, 4)); jets[0, :2] = [0.0, 1.0]
    >>> run_tape(op, a, b, np.zeros(2), jets)
    >>> jets[1].round(6).tolist()
    [1.0, 1.0, 0.5, 0.166667]
    """
    n, width = jets.shape
    s = np.empty(width)
    t = np.empty(width)
    for i in range(n):
        code = op[i]
        if code <= 2:
            continue
        u = a[i]
        if code == 3:  # add
            w = b[i]
            for m in range(width):
                jets[i, m] = jets[u, m] + jets[w, m]
        elif code == 4:  # mul: the Cauchy product
            w = b[i]
            for m in range(width):
                acc = 0.0
                for j in range(m + 1):
                    acc += jets[u, j] * jets[w, m - j]
                jets[i, m] = acc
        elif code == 5:  # scale
            for m in range(width):
                jets[i, m] = c[i] * jets[u, m]
        elif code == 6:  # shift
            jets[i, 0] = jets[u, 0] + c[i]
            for m in range(1, width):
                jets[i, m] = jets[u, m]
        elif code == 7:  # pow: m u0 w_m = sum_j (r j - (m - j)) u_j w_{m-j}
            r = c[i]
            jets[i, 0] = jets[u, 0] ** r
            for m in range(1, width):
                acc = 0.0
                for j in range(1, m + 1):
                    acc += (r * j - (m - j)) * jets[u, j] * jets[i, m - j]
                jets[i, m] = acc / (m * jets[u, 0])
        elif code == 8:  # exp: m w_m = sum_j j u_j w_{m-j}
            jets[i, 0] = math.exp(jets[u, 0])
            for m in range(1, width):
                acc = 0.0
                for j in range(1, m + 1):
                    acc += j * jets[u, j] * jets[i, m - j]
                jets[i, m] = acc / m
        elif code == 9:  # log: u0 w_m = u_m - sum_{j<m} j w_j u_{m-j} / m
            jets[i, 0] = math.log(jets[u, 0])
            for m in range(1, width):
                acc = 0.0
                for j in range(1, m):
                    acc += j * jets[i, j] * jets[u, m - j]
                jets[i, m] = (jets[u, m] - acc / m) / jets[u, 0]
        elif code == 10:  # tanh: t' = s u', s = 1 - t**2
            t[0] = math.tanh(jets[u, 0])
            s[0] = 1.0 - t[0] * t[0]
            for m in range(1, width):
                acc = 0.0
                for j in range(1, m + 1):
                    acc += j * jets[u, j] * s[m - j]
                t[m] = acc / m
                acc = 0.0
                for j in range(m + 1):
                    acc += t[j] * t[m - j]
                s[m] = -acc
            for m in range(width):
                jets[i, m] = t[m]
        else:  # sin, cos, sinh, cosh: the pair (s, t) with s' = t u', t' = sign s u'
            hyperbolic = code >= 13
            x = jets[u, 0]
            s[0] = math.sinh(x) if hyperbolic else math.sin(x)
            t[0] = math.cosh(x) if hyperbolic else math.cos(x)
            sign = 1.0 if hyperbolic else -1.0
            for m in range(1, width):
                acc_s = 0.0
                acc_t = 0.0
                for j in range(1, m + 1):
                    acc_s += j * jets[u, j] * t[m - j]
                    acc_t += j * jets[u, j] * s[m - j]
                s[m] = acc_s / m
                t[m] = sign * acc_t / m
            first = code == 11 or code == 13
            for m in range(width):
                jets[i, m] = s[m] if first else t[m]
