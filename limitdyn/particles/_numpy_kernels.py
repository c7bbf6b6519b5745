"""The numpy engine's kernels: a vectorised reference formulation of the kernels' mathematics.

Every function here computes what the function of the same name in ``_kernels.py``
computes, with sums written as matrix products and the batch processed in chunks so
that no intermediate exceeds :data:`CHUNK_ELEMENTS` entries. The layouts are the
kernels' (see that module's docstring); the module satisfies
:class:`~limitdyn.particles._kernel_api.ParticleKernels`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import expit

if TYPE_CHECKING:
    from ._kernel_api import RegressionHyper, WGANHyper

#: largest number of entries of a ``chunk x particles x K`` intermediate
CHUNK_ELEMENTS = 1 << 20


def activation(u: np.ndarray, kind: int) -> tuple[np.ndarray, np.ndarray]:
    """Values and derivatives of the activation ``kind`` (0 sigmoid, 1 tanh, 2 ReLU)."""
    if kind == 0:
        s = expit(u)
        return s, s * expit(-u)
    if kind == 1:
        t = np.tanh(u)
        return t, 1.0 - t * t
    pos = u > 0
    return np.where(pos, u, 0.0).astype(u.dtype), pos.astype(u.dtype)


def _chunks(m: int, per_row: int) -> list[tuple[int, int]]:
    size = max(1, CHUNK_ELEMENTS // max(per_row, 1))
    return [(r0, min(m, r0 + size)) for r0 in range(0, m, size)]


def _pre(P: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """Pre-activations ``U[k, i, r] = b_ik . z_r + c_ik`` for a chunk ``Z (L, rc)``."""
    L = P.shape[1] - 2
    return np.matmul(P[:, 1 : L + 1, :].transpose(0, 2, 1), Z) + P[:, L + 1, :, None]


def gen_forward(P: np.ndarray, Z: np.ndarray, kind: int, out: np.ndarray) -> None:
    """See :func:`limitdyn.particles._kernels.gen_forward`."""
    K, _, N = P.shape
    for r0, r1 in _chunks(Z.shape[1], K * N):
        S, _ = activation(_pre(P, Z[:, r0:r1]), kind)
        out[:, r0:r1] = np.matmul(P[:, 0, None, :], S)[:, 0, :] / N


def critic_grad(
    W: np.ndarray, X: np.ndarray, G: np.ndarray, wx: float, wg: float, kind: int, grad: np.ndarray
) -> None:
    """See :func:`limitdyn.particles._kernels.critic_grad`."""
    K = W.shape[0] - 2
    M = W.shape[1]
    alpha, beta, gamma = W[0], W[1 : K + 1], W[K + 1]
    grad[...] = 0.0
    for Y, w in ((X, wx), (G, wg)):
        for r0, r1 in _chunks(Y.shape[1], M):
            Yc = Y[:, r0:r1]
            S, DS = activation(beta.T @ Yc + gamma[:, None], kind)
            T = (w * alpha)[:, None] * DS
            grad[0] += w * S.sum(axis=1)
            grad[K + 1] += T.sum(axis=1)
            grad[1 : K + 1] += (T @ Yc.T).T


def critic_input_grad(
    W: np.ndarray, Y: np.ndarray, kind: int, E: np.ndarray, F: np.ndarray
) -> None:
    """See :func:`limitdyn.particles._kernels.critic_input_grad`."""
    K = W.shape[0] - 2
    M = W.shape[1]
    alpha, beta, gamma = W[0], W[1 : K + 1], W[K + 1]
    for r0, r1 in _chunks(Y.shape[1], M):
        S, DS = activation(beta.T @ Y[:, r0:r1] + gamma[:, None], kind)
        F[r0:r1] = alpha @ S / M
        E[:, r0:r1] = beta @ (alpha[:, None] * DS) / M


def gen_backward(P: np.ndarray, Z: np.ndarray, E: np.ndarray, kind: int, grad: np.ndarray) -> None:
    """See :func:`limitdyn.particles._kernels.gen_backward`."""
    K, Lp2, N = P.shape
    L = Lp2 - 2
    m = Z.shape[1]
    grad[...] = 0.0
    for r0, r1 in _chunks(m, K * N):
        Zc = Z[:, r0:r1]
        Ec = E[:, r0:r1]
        S, DS = activation(_pre(P, Zc), kind)
        grad[:, 0, :] += np.matmul(S, Ec[:, :, None])[:, :, 0]
        T = P[:, 0, :, None] * DS * Ec[:, None, :]
        grad[:, L + 1, :] += T.sum(axis=2)
        grad[:, 1 : L + 1, :] += np.matmul(T, Zc.T).transpose(0, 2, 1)
    grad /= m


def _update(
    x: np.ndarray,
    g: np.ndarray,
    ms: np.ndarray,
    eta: float,
    gscale: float,
    rms: bool,
    rho: float,
    eps: float,
    clip: float,
    per_particle: bool = False,
) -> None:
    gs = gscale * g
    if rms and per_particle:  # one second moment per particle (the last axis)
        n = x.shape[-1]
        ms2 = ms.reshape(-1, n)
        ms2[...] = rho * ms2[0] + (1.0 - rho) * (gs * gs).reshape(-1, n).sum(axis=0)
        x += eta * (gs / (np.sqrt(ms) + eps))
    elif rms:
        ms *= rho
        ms += (1.0 - rho) * gs * gs
        x += eta * (gs / (np.sqrt(ms) + eps))
    else:
        x += eta * gs
    if clip > 0.0:
        np.clip(x, -clip, clip, out=x)


def critic_substeps(
    P: np.ndarray,
    W: np.ndarray,
    msW: np.ndarray,
    Zc: np.ndarray,
    Xc: np.ndarray,
    hyper: WGANHyper,
    loss_c: np.ndarray,
    st: int,
) -> None:
    """See :func:`limitdyn.particles._kernels.critic_substeps`."""
    kind, mc = hyper.kind, Zc.shape[3]
    G = np.empty((P.shape[0], mc), dtype=P.dtype)
    GW = np.empty_like(W)
    for c in range(Zc.shape[1]):
        gen_forward(P, Zc[st, c], kind, G)
        critic_grad(W, Xc[st, c], G, 1.0 / mc, -1.0 / mc, kind, GW)
        loss_c[st] = W[0] @ GW[0] / W.shape[1]
        _update(W, GW, msW, hyper.eta_c, hyper.gscale_c, hyper.rms, hyper.rho, hyper.eps,
                hyper.clip, hyper.per_particle)  # fmt: skip


def wgan_block(
    P: np.ndarray,
    W: np.ndarray,
    msP: np.ndarray,
    msW: np.ndarray,
    Zc: np.ndarray,
    Xc: np.ndarray,
    Zg: np.ndarray,
    hyper: WGANHyper,
    loss_c: np.ndarray,
    loss_g: np.ndarray,
) -> int:
    """See :func:`limitdyn.particles._kernels.wgan_block` (``hyper.parallel`` is ignored)."""
    kind, eta_g, gscale_g = hyper.kind, hyper.eta_g, hyper.gscale_g
    rms, rho, eps, pp = hyper.rms, hyper.rho, hyper.eps, hyper.per_particle
    K, m = P.shape[0], Zg.shape[2]
    Gg = np.empty((K, m), dtype=P.dtype)
    E = np.empty((K, m), dtype=P.dtype)
    F = np.empty(m, dtype=P.dtype)
    GP = np.empty_like(P)
    for st in range(Zg.shape[0]):
        critic_substeps(P, W, msW, Zc, Xc, hyper, loss_c, st)
        gen_forward(P, Zg[st], kind, Gg)
        critic_input_grad(W, Gg, kind, E, F)
        loss_g[st] = F.mean()
        gen_backward(P, Zg[st], E, kind, GP)
        _update(P, GP, msP, eta_g, gscale_g, rms, rho, eps, -1.0, pp)
        if not (np.isfinite(P).all() and np.isfinite(W).all()):
            return st
    return -1


def regression_block(
    P: np.ndarray, X: np.ndarray, Y: np.ndarray, hyper: RegressionHyper, loss: np.ndarray
) -> int:
    """See :func:`limitdyn.particles._kernels.regression_block` (``hyper.parallel`` is ignored)."""
    kind, eta = hyper.kind, hyper.eta
    K = P.shape[0]
    m = X.shape[2]
    G = np.empty((K, m), dtype=P.dtype)
    GP = np.empty_like(P)
    for st in range(X.shape[0]):
        gen_forward(P, X[st], kind, G)
        E = G - Y[st]
        loss[st] = 0.5 * float(np.sum(E * E)) / m
        gen_backward(P, X[st], E, kind, GP)
        P -= eta * GP
        if not np.isfinite(P).all():
            return st
    return -1
