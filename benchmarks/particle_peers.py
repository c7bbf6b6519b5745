"""The peers of ``benchmarks/particles.py``: the mean-field WGAN step in PyTorch and JAX.

Run by ``benchmarks/particles.py`` (one subprocess per peer and size), never imported by
limitdyn. Every peer computes the step of ``WGAN(engine="numba")`` with its defaults as
the benchmark builds it (sigmoid units, 5 critic substeps of projected SGD with
``eta_c = lr / M`` on the critic velocity ``M dD/d omega``, then one SGD generator step
with ``eta_g = lr / N`` on ``N d/d theta mean f(g(z))``; float64):

- ``torch-tuned``: hand-written gradients, pre-activations with ``addmm`` on the weights
  stored as ``(L + 2, K N)`` rows, in-place sigmoid and updates into preallocated
  buffers, ``torch.no_grad``;
- ``torch-compile``: the same mathematics written functionally and compiled with
  ``torch.compile`` (inductor, C++ on the CPU);
- ``torch-old``: the previous baseline of ``benchmarks/particles.py`` (``einsum``
  pre-activations, new tensors on every update, samples drawn inside the timed step);
- ``jax``: the losses differentiated by ``jax.grad``, ``lax.scan`` over the critic
  substeps, one ``jax.jit`` step with donated buffers, ``jax_enable_x64``.

Protocol: ``python particle_peers.py PEER REFERENCE.npz STEPS REPEATS THREADS``. The
reference file (written by the engine's subprocess of ``particles.py``) holds the initial
particles, a block of pre-drawn samples and the engine's state after one step on the first
of them. The peer computes that step from the same inputs and **refuses to time itself**
unless its next state agrees with the engine's to ``1e-10`` (and its update, the next state
minus the initial one, to ``1e-8`` relative, since one step moves the generator by about
``lr / N``); then it times ``STEPS`` steps cycling over the pre-drawn samples, best of
``REPEATS``, and prints one JSON line: steps/s, the agreement, and the CPU time over the
wall time of the timed loops (about ``THREADS`` when the peer keeps ``THREADS`` cores busy).
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

import numpy as np

AGREE_STATE = 1e-10
AGREE_UPDATE = 1e-8


def _pin(threads: int) -> None:
    """Restrict this process to ``threads`` CPUs (for the thread pools that size themselves
    from the affinity mask: XLA's Eigen pool, OpenMP)."""
    if hasattr(os, "sched_setaffinity"):
        cpus = sorted(os.sched_getaffinity(0))[:threads]
        os.sched_setaffinity(0, cpus)


def _layout(theta: np.ndarray, omega: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Generator ``(N, K, L + 2)`` as rows ``Pt (L + 2, K N)`` (column ``k N + i``: row 0
    ``a_ik``, rows 1..L ``b_ik``, row L+1 ``c_ik``); critic ``(M, K + 2)`` as ``W (K + 2, M)``."""
    N, K, Lp2 = theta.shape
    return (
        np.ascontiguousarray(theta.transpose(2, 1, 0).reshape(Lp2, K * N)),
        np.ascontiguousarray(omega.T),
    )


def _unlayout(Pt: np.ndarray, W: np.ndarray, N: int, K: int) -> tuple[np.ndarray, np.ndarray]:
    return Pt.reshape(Pt.shape[0], K, N).transpose(2, 1, 0), W.T


# --------------------------------------------------------------------------- torch
def _torch_tuned(ref: dict, threads: int) -> tuple[Any, Any, Any]:
    import torch

    torch.set_num_threads(threads)
    dt = torch.float64
    N, M, K, L, m, nc = (int(ref[k]) for k in ("N", "M", "K", "L", "m", "nc"))
    lr, clip = float(ref["lr"]), float(ref["clip"])
    eta_g, eta_c = lr / N, float(ref["lr_c"]) / M
    Pt0, W0 = _layout(ref["theta0"], ref["omega0"])
    Pt, W = torch.tensor(Pt0, dtype=dt), torch.tensor(W0, dtype=dt)
    A, B, C = Pt[0], Pt[1 : L + 1], Pt[L + 1]
    alpha, beta, gamma = W[0], W[1 : K + 1], W[K + 1]
    KN = K * N
    S = torch.empty(m, KN, dtype=dt)
    T = torch.empty(m, KN, dtype=dt)
    Y = torch.empty(2 * m, K, dtype=dt)
    Yw = torch.empty(2 * m, K, dtype=dt)
    V = torch.empty(2 * m, M, dtype=dt)
    TV = torch.empty(2 * m, M, dtype=dt)
    g = torch.empty(m, K, dtype=dt)
    E = torch.empty(m, K, dtype=dt)
    GW = torch.empty(K + 2, M, dtype=dt)
    GP = torch.empty(L + 2, KN, dtype=dt)
    w = torch.cat([torch.full((m,), 1.0 / m, dtype=dt), torch.full((m,), -1.0 / m, dtype=dt)])

    def forward(z: Any, out: Any) -> None:  # out (m, K) = g(z); S holds the activations
        torch.addmm(C, z, B, out=S)
        S.sigmoid_()
        torch.mul(S, A, out=T)
        torch.sum(T.view(m, K, N), 2, out=out)
        out.mul_(1.0 / N)

    def step(xs: Any, zs: Any, zg: Any) -> None:
        with torch.no_grad():
            for c in range(nc):
                Y[:m].copy_(xs[c])
                forward(zs[c], Y[m:])
                torch.addmm(gamma, Y, beta, out=V)
                V.sigmoid_()
                torch.mv(V.T, w, out=GW[0])
                torch.mul(V, V, out=TV)
                torch.sub(V, TV, out=TV)
                TV.mul_(alpha)  # alpha_j sigma'(.)
                torch.mul(Y, w[:, None], out=Yw)
                torch.mm(Yw.T, TV, out=GW[1 : K + 1])
                torch.mv(TV.T, w, out=GW[K + 1])
                W.add_(GW, alpha=eta_c).clamp_(-clip, clip)
            forward(zg, g)
            Vg, TVg = V[:m], TV[:m]
            torch.addmm(gamma, g, beta, out=Vg)
            Vg.sigmoid_()
            torch.mul(Vg, Vg, out=TVg)
            torch.sub(Vg, TVg, out=TVg)
            TVg.mul_(alpha)
            torch.mm(TVg, beta.T, out=E)
            E.mul_(1.0 / M)
            E3 = E[:, :, None]
            torch.mul(S.view(m, K, N), E3, out=T.view(m, K, N))
            torch.sum(T, 0, out=GP[0])
            torch.mul(S, S, out=T)
            S.sub_(T)  # sigma'
            S.mul_(A)
            S.view(m, K, N).mul_(E3)
            torch.sum(S, 0, out=GP[L + 1])
            torch.mm(zg.T, S, out=GP[1 : L + 1])
            Pt.add_(GP, alpha=eta_g / m)

    return step, lambda: _unlayout(Pt.numpy(), W.numpy(), N, K), None


def _torch_compiled(ref: dict, threads: int) -> tuple[Any, Any, Any]:
    import torch

    torch.set_num_threads(threads)
    dt = torch.float64
    N, M, K, L, m, nc = (int(ref[k]) for k in ("N", "M", "K", "L", "m", "nc"))
    lr, clip = float(ref["lr"]), float(ref["clip"])
    eta_g, eta_c = lr / N, float(ref["lr_c"]) / M
    Pt0, W0 = _layout(ref["theta0"], ref["omega0"])
    state = [torch.tensor(Pt0, dtype=dt), torch.tensor(W0, dtype=dt)]
    w = torch.cat([torch.full((m,), 1.0 / m, dtype=dt), torch.full((m,), -1.0 / m, dtype=dt)])

    # the step sizes enter as tensors: the check and the benchmark share one compiled graph
    etas = torch.tensor([eta_g / m, eta_c], dtype=dt)

    def fn(Pt: Any, W: Any, xs: Any, zs: Any, zg: Any, etas: Any) -> tuple[Any, Any]:
        A, B, C = Pt[0], Pt[1 : L + 1], Pt[L + 1]
        for c in range(nc):
            alpha, beta, gamma = W[0], W[1 : K + 1], W[K + 1]
            S = torch.sigmoid(torch.addmm(C, zs[c], B))
            gz = (S * A).view(m, K, N).sum(2) / N
            Y = torch.cat([xs[c], gz])
            V = torch.sigmoid(torch.addmm(gamma, Y, beta))
            TV = (V - V * V) * alpha
            Yw = Y * w[:, None]
            GW = torch.cat([(w @ V)[None], Yw.T @ TV, (w @ TV)[None]])
            W = torch.clamp(W + etas[1] * GW, -clip, clip)
        alpha, beta, gamma = W[0], W[1 : K + 1], W[K + 1]
        S = torch.sigmoid(torch.addmm(C, zg, B))
        gz = (S * A).view(m, K, N).sum(2) / N
        V = torch.sigmoid(torch.addmm(gamma, gz, beta))
        E = (((V - V * V) * alpha) @ beta.T / M)[:, :, None]
        gA = (S.view(m, K, N) * E).sum(0).reshape(K * N)
        T = ((S - S * S) * A).view(m, K, N) * E
        T = T.view(m, K * N)
        GP = torch.cat([gA[None], zg.T @ T, T.sum(0)[None]])
        return Pt + etas[0] * GP, W

    cfn = torch.compile(fn, dynamic=False, fullgraph=True)

    def step(xs: Any, zs: Any, zg: Any) -> None:
        with torch.no_grad():
            state[0], state[1] = cfn(state[0], state[1], xs, zs, zg, etas)

    return step, lambda: _unlayout(state[0].numpy(), state[1].numpy(), N, K), None


def _torch_old(ref: dict, threads: int) -> tuple[Any, Any, Any]:
    """The previous baseline, unchanged in its formulation (``einsum``, new tensors)."""
    import torch

    torch.set_num_threads(threads)
    dt = torch.float64
    N, M, K, L, m, nc = (int(ref[k]) for k in ("N", "M", "K", "L", "m", "nc"))
    lr, lr_c, clip = float(ref["lr"]), float(ref["lr_c"]), float(ref["clip"])
    th = torch.tensor(ref["theta0"], dtype=dt)
    om = torch.tensor(ref["omega0"], dtype=dt)
    st = {
        "A": th[:, :, 0].contiguous(),
        "B": th[:, :, 1 : L + 1].contiguous(),
        "C": th[:, :, L + 1].contiguous(),
        "al": om[:, 0].contiguous(),
        "be": om[:, 1 : K + 1].contiguous(),
        "ga": om[:, K + 1].contiguous(),
    }
    gen = torch.Generator().manual_seed(0)

    def gen_forward(z: Any) -> tuple[Any, Any]:
        S = torch.sigmoid(torch.einsum("rl,ikl->rik", z, st["B"]) + st["C"])
        return (S * st["A"]).mean(dim=1), S

    def step(xs: Any, zs: Any, zg: Any, draw: bool = False) -> None:
        with torch.no_grad():
            for c in range(nc):
                x = torch.randn(m, K, dtype=dt, generator=gen) if draw else xs[c]
                z = torch.randn(m, L, dtype=dt, generator=gen) if draw else zs[c]
                gz, _ = gen_forward(z)
                Y = torch.cat([x, gz])
                w = torch.cat(
                    [torch.full((m,), 1.0 / m, dtype=dt), torch.full((m,), -1.0 / m, dtype=dt)]
                )
                S = torch.sigmoid(Y @ st["be"].T + st["ga"])
                T = (S * (1 - S)) * w[:, None] * st["al"]
                g_al, g_be, g_ga = w @ S, T.T @ Y, T.sum(0)
                st["al"] = (st["al"] + lr_c / M * g_al).clamp(-clip, clip)
                st["be"] = (st["be"] + lr_c / M * g_be).clamp(-clip, clip)
                st["ga"] = (st["ga"] + lr_c / M * g_ga).clamp(-clip, clip)
            z = torch.randn(m, L, dtype=dt, generator=gen) if draw else zg
            gz, S = gen_forward(z)
            V = torch.sigmoid(gz @ st["be"].T + st["ga"])
            E = ((V * (1 - V)) * st["al"]) @ st["be"] / M
            DS = S * (1 - S)
            gA = torch.einsum("rik,rk->ik", S, E) / m
            T = DS * st["A"] * E[:, None, :]
            gC = T.mean(0)
            gB = torch.einsum("rik,rl->ikl", T, z) / m
            st["A"] = st["A"] + lr / N * gA
            st["B"] = st["B"] + lr / N * gB
            st["C"] = st["C"] + lr / N * gC

    def state() -> tuple[np.ndarray, np.ndarray]:
        theta = torch.cat([st["A"][:, :, None], st["B"], st["C"][:, :, None]], dim=2)
        omega = torch.cat([st["al"][:, None], st["be"], st["ga"][:, None]], dim=1)
        return theta.numpy(), omega.numpy()

    return step, state, lambda xs, zs, zg: step(xs, zs, zg, draw=True)


def _torch_samples(ref: dict) -> list[tuple[Any, Any, Any]]:
    import torch

    return [
        (torch.tensor(x), torch.tensor(z), torch.tensor(zg))
        for x, z, zg in zip(ref["xc"], ref["zc"], ref["zg"], strict=True)
    ]


# --------------------------------------------------------------------------- jax
def _jax(ref: dict, threads: int) -> tuple[Any, Any, Any]:
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from jax import lax

    N, M, K, L = (int(ref[k]) for k in ("N", "M", "K", "L"))
    lr, clip = float(ref["lr"]), float(ref["clip"])
    eta_g, eta_c = lr / N, float(ref["lr_c"]) / M

    def gen_out(Pt: Any, z: Any) -> Any:
        S = jax.nn.sigmoid(z @ Pt[1 : L + 1] + Pt[L + 1])
        return (S * Pt[0]).reshape(z.shape[0], K, N).sum(-1) / N

    def critic(W: Any, Y: Any) -> Any:
        return jax.nn.sigmoid(Y @ W[1 : K + 1] + W[K + 1]) @ W[0] / M

    def objective(W: Any, Pt: Any, x: Any, z: Any) -> Any:  # D = E f(x) - E f(g(z))
        return critic(W, x).mean() - critic(W, gen_out(Pt, z)).mean()

    def generator_objective(Pt: Any, W: Any, z: Any) -> Any:
        return critic(W, gen_out(Pt, z)).mean()

    grad_w = jax.grad(objective)
    grad_p = jax.grad(generator_objective)

    def step(Pt: Any, W: Any, xs: Any, zs: Any, zg: Any) -> tuple[Any, Any]:
        def substep(W: Any, xz: Any) -> tuple[Any, None]:
            x, z = xz
            return jnp.clip(W + eta_c * (M * grad_w(W, Pt, x, z)), -clip, clip), None

        W, _ = lax.scan(substep, W, (xs, zs))
        return Pt + eta_g * (N * grad_p(Pt, W, zg)), W

    jstep = jax.jit(step, donate_argnums=(0, 1))
    Pt0, W0 = _layout(ref["theta0"], ref["omega0"])
    state = [jnp.asarray(Pt0), jnp.asarray(W0)]

    def run(xs: Any, zs: Any, zg: Any) -> None:
        state[0], state[1] = jstep(state[0], state[1], xs, zs, zg)

    def final() -> tuple[np.ndarray, np.ndarray]:
        return _unlayout(np.asarray(state[0]), np.asarray(state[1]), N, K)

    return run, final, None


def _jax_samples(ref: dict) -> list[tuple[Any, Any, Any]]:
    import jax.numpy as jnp

    return [
        (jnp.asarray(x), jnp.asarray(z), jnp.asarray(zg))
        for x, z, zg in zip(ref["xc"], ref["zc"], ref["zg"], strict=True)
    ]


PEERS = {
    "torch-tuned": (_torch_tuned, _torch_samples),
    "torch-compile": (_torch_compiled, _torch_samples),
    "torch-old": (_torch_old, _torch_samples),
    "jax": (_jax, _jax_samples),
}


def agreement(ref: dict, theta1: np.ndarray, omega1: np.ndarray, suffix: str = "") -> dict:
    """Largest difference to the engine's next state, and of the updates (next state minus
    initial state) relative to the engine's largest update, generator and critic apart."""
    out = {}
    for name, got, before, after in (
        ("generator", theta1, ref["theta0"], ref["theta1" + suffix]),
        ("critic", omega1, ref["omega0"], ref["omega1" + suffix]),
    ):
        out[f"{name}_state"] = float(np.abs(got - after).max())
        step = np.abs(after - before).max()
        out[f"{name}_update"] = float(np.abs((got - before) - (after - before)).max() / step)
    return out


def checked(build: Any, samples: Any, ref: dict, threads: int) -> tuple[dict, bool, Any]:
    """One step at the check step sizes (updates compared to ``AGREE_UPDATE``, states to
    ``AGREE_STATE``) and one at the benchmark's (states to ``AGREE_STATE``; there the
    generator moves by about 1e-11, below what a state comparison resolves). Returns the
    agreement, whether it passes, and the benchmark-configured peer (one step done)."""
    agree: dict = {}
    ok = True
    for suffix in ("_check", ""):
        case = dict(ref)
        if suffix:
            case["lr"], case["lr_c"] = ref["lr_check"], ref["lr_c_check"]
        peer = build(case, threads)
        peer[0](*samples(case)[0])
        theta1, omega1 = (np.asarray(a) for a in peer[1]())
        got = agreement(ref, theta1, omega1, suffix=suffix)
        ok = ok and all(v <= AGREE_STATE for k, v in got.items() if k.endswith("_state"))
        if suffix:
            ok = ok and all(v <= AGREE_UPDATE for k, v in got.items() if k.endswith("_update"))
        agree.update({k + suffix: v for k, v in got.items() if suffix or k.endswith("_state")})
    return agree, ok, peer


def main() -> None:
    peer, path, steps, repeats, threads = sys.argv[1:6]
    threads_n = int(threads)
    _pin(threads_n)
    with np.load(path) as data:
        ref = {k: data[k] for k in data.files}
    build, samples = PEERS[peer]
    agree, ok, (step, final, timed_step) = checked(build, samples, ref, threads_n)
    if not ok:
        print(json.dumps({"peer": peer, "agree": agree, "ok": False}))
        return
    pool = samples(ref)
    timed = timed_step or step
    for i in range(2):  # warm-up (compilation, allocator)
        timed(*pool[i % len(pool)])
    final()
    best, ratios = float("inf"), []
    n = int(steps)
    for _ in range(int(repeats)):
        t, c = time.perf_counter(), time.process_time()
        for i in range(n):
            timed(*pool[i % len(pool)])
        final()  # waits for asynchronous (JAX) work
        wall = time.perf_counter() - t
        ratios.append((time.process_time() - c) / wall)
        best = min(best, wall / n)
    print(
        json.dumps(
            {
                "peer": peer,
                "agree": agree,
                "ok": True,
                "steps_per_s": 1.0 / best,
                "cpu_per_wall": max(ratios),
            }
        )
    )


if __name__ == "__main__":
    main()
