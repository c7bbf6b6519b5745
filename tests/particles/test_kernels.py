"""Kernels: the fast sigmoid against scipy, the kernel interface, and the numpy and numba
engines against each other."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from limitdyn._engine import Engine
from limitdyn._optional import has_module
from limitdyn.particles import WGAN, TwoLayerRegression, gaussian_mixture, ring
from limitdyn.particles._kernel_api import ParticleKernels, RegressionHyper, WGANHyper, kernels

needs_numba = pytest.mark.skipif(not has_module("numba"), reason="numba is not installed")


def _kernels():  # imported lazily: the module imports numba when it is installed
    from limitdyn.particles import _kernels

    return _kernels


@needs_numba
def test_sigmoid_saturates_without_nan() -> None:
    u = np.array([-1e308, -800.0, -709.0, -40.0, 0.0, 40.0, 800.0, 1e308])
    s, ds = np.empty_like(u), np.empty_like(u)
    _kernels().act_block(u, s, ds, u.size, 0)
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(ds))
    # saturated to within the smallest normal float (the exp argument is clipped to +-708
    # so that s * s * exp(-u) never forms 0 * inf), and exactly 1 above
    assert s[0] < 1e-300 and s[-1] == 1.0 and ds[0] < 1e-300 and ds[-1] < 1e-300
    with np.errstate(all="ignore"):
        ref = 1.0 / (1.0 + np.exp(-u))
        np.testing.assert_allclose(s, ref, rtol=1e-15, atol=1e-300)
    # the derivative has no cancellation where the unit saturates: s'(40) = e^-40 (1+e^-40)^-2
    assert abs(ds[5] - np.exp(-40.0) / (1 + np.exp(-40.0)) ** 2) < 1e-15 * ds[5]


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


@needs_numba
def test_sigmoid_and_derivative_are_accurate_over_the_range() -> None:
    from scipy.special import expit

    u = np.linspace(-700.0, 700.0, 200_001)
    s, ds = np.empty_like(u), np.empty_like(u)
    _kernels().act_block(u, s, ds, u.size, 0)
    ref = expit(u)
    dref = expit(u) * expit(-u)  # s (1 - s) without cancellation
    assert np.max(np.abs(s - ref) / ref) < 1e-15
    assert np.max(np.abs(ds - dref) / dref) < 1e-15


@needs_numba
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop"])
def test_engines_agree_on_wgan_over_10_steps(activation: str, optimizer: str) -> None:
    tgt = gaussian_mixture([[-1.0, 0.0, 0.5], [1.0, 0.5, 0.0]], 0.3)
    runs = []
    for engine in ("numpy", "numba"):
        model = WGAN(
            n_generator=300,
            n_critic_particles=270,
            data_dim=3,
            latent_dim=2,
            target=tgt,
            lr=0.5,
            batch=70,
            n_critic=3,
            clip=0.5,
            optimizer=optimizer,
            activation=activation,
            engine=engine,
            n_eval=0,
        )
        runs.append(model.run(steps=10, record_every=5, seed=7, progress=False))
    a, b = runs
    assert _rel(a.generator, b.generator) < 1e-10
    assert _rel(a.critic, b.critic) < 1e-10
    # the critic moved: the comparison is not trivial
    assert np.abs(a.critic[-1] - a.critic[0]).max() > 1e-3
    assert np.abs(a.generator[-1] - a.generator[0]).max() > 1e-5
    np.testing.assert_allclose(
        a.losses["critic"][1:], b.losses["critic"][1:], rtol=1e-9, atol=1e-13
    )


@needs_numba
def test_engines_agree_with_threaded_kernels() -> None:
    tgt = ring(8)
    runs = []
    for engine in ("numpy", "numba"):
        model = WGAN(
            n_generator=700,
            n_critic_particles=600,
            data_dim=2,
            latent_dim=2,
            target=tgt,
            lr=1.0,
            batch=128,
            n_critic=2,
            clip=0.05,
            engine=engine,
            n_eval=0,
        )
        assert engine == "numpy" or model.engine.use_parallel(128 * 1400)
        runs.append(model.run(steps=10, record_every=10, seed=3, progress=False))
    assert _rel(runs[0].generator, runs[1].generator) < 1e-10
    assert _rel(runs[0].critic, runs[1].critic) < 1e-10


@needs_numba
def test_engines_agree_on_regression() -> None:
    runs = []
    for engine in ("numpy", "numba"):
        model = TwoLayerRegression(
            n_particles=150, input_dim=3, output_dim=2, lr=2.0, batch=50, engine=engine, n_eval=32
        )
        runs.append(model.run(steps=10, record_every=10, seed=1, progress=False))
    assert _rel(runs[0].generator, runs[1].generator) < 1e-10
    assert np.abs(runs[0].generator[-1] - runs[0].generator[0]).max() > 1e-4


def test_plain_python_kernels_agree_with_numpy_engine() -> None:
    """The kernel module's loops, run as plain Python, compute the numpy engine's numbers."""
    k = _kernels()
    from limitdyn.particles import _numpy_kernels as ne

    def py(f):  # type: ignore[no-untyped-def]
        return getattr(f, "py_func", f)

    rng = np.random.default_rng(2)
    K, L, N, M, m = 2, 2, 5, 4, 3
    P = rng.normal(size=(K, L + 2, N))
    W = rng.normal(size=(K + 2, M))
    Z = rng.normal(size=(L, m))
    X = rng.normal(size=(K, m))
    G1, G2 = np.empty((K, m)), np.empty((K, m))
    for task in range(K):
        py(k._gen_forward_task)(P, Z, 0, G1, task)
    ne.gen_forward(P, Z, 0, G2)
    np.testing.assert_allclose(G1, G2, rtol=1e-13)
    g1, g2 = np.empty_like(W), np.empty_like(W)
    py(k._critic_grad_task)(W, X, G2, 1 / m, -1 / m, 0, g1, 0)
    ne.critic_grad(W, X, G2, 1 / m, -1 / m, 0, g2)
    np.testing.assert_allclose(g1, g2, rtol=1e-12, atol=1e-15)
    E1, F1, E2, F2 = np.empty((K, m)), np.empty(m), np.empty((K, m)), np.empty(m)
    py(k._critic_input_grad_task)(W, G2, 0, E1, F1, 0)
    ne.critic_input_grad(W, G2, 0, E2, F2)
    np.testing.assert_allclose(E1, E2, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(F1, F2, rtol=1e-12, atol=1e-15)
    b1, b2 = np.empty_like(P), np.empty_like(P)
    for task in range(K):
        py(k._gen_backward_task)(P, Z, E2, 0, b1, task)
    ne.gen_backward(P, Z, E2, 0, b2)
    np.testing.assert_allclose(b1, b2, rtol=1e-12, atol=1e-15)


@needs_numba
def test_float32_tracks_float64() -> None:
    tgt = ring(8)
    out = {}
    for dtype in ("float64", "float32"):
        model = WGAN(
            n_generator=200,
            n_critic_particles=200,
            data_dim=2,
            latent_dim=2,
            target=tgt,
            lr=1.0,
            batch=64,
            clip=0.1,
            engine="numba",
            dtype=dtype,
            n_eval=0,
        )
        out[dtype] = model.run(steps=10, record_every=10, seed=0, progress=False)
    assert out["float32"].generator.dtype == np.float64  # snapshots are always float64
    assert _rel(out["float32"].generator, out["float64"].generator) < 1e-5
    assert _rel(out["float32"].critic, out["float64"].critic) < 1e-4


@needs_numba
@pytest.mark.parametrize(
    ("K", "L", "N", "M", "m"),
    [
        (1, 1, 7, 5, 9),  # odd everything: the leftover single particle, point and row
        (2, 2, 9, 11, 13),
        (3, 5, 5, 7, 6),  # K > 2: the general two-point passes, L >= 4: four rows a pass
        (5, 8, 6, 4, 11),
        (2, 16, 3, 300, 5),  # M over one particle block
        # issue 18: the gradient passes for d > 2 in the row layout (_rows_grads: four
        # particles a pass, padded), K a multiple of the 4-row tile and L = 3 below it,
        # N and M over one particle block
        (4, 3, 260, 270, 7),
        (6, 12, 257, 9, 10),
        # the four-particle passes of the generator (L > 2): N = 7 leaves a pair and a
        # single particle in the forward pass and a padded quad in the backward pass, and
        # m = 300 spans two row blocks, whose sums the backward pass adds per particle
        (3, 6, 7, 5, 300),
    ],
)
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_numba_kernels_match_numpy_engine_on_odd_shapes(
    K: int, L: int, N: int, M: int, m: int, activation: str
) -> None:
    """Every blocking path of the fused kernels (pairs of particles or points, leftovers)."""
    k = _kernels()
    from limitdyn.particles import _numpy_kernels as ne

    kind = k.ACT_CODES[activation]
    rng = np.random.default_rng(K * 100 + L)
    P = rng.normal(size=(K, L + 2, N))
    W = rng.normal(size=(K + 2, M))
    Z = rng.normal(size=(L, m))
    X = rng.normal(size=(K, m))
    Y = rng.normal(size=(K, m + 1))
    ref = {
        "fwd": np.empty((K, m)),
        "crit": np.empty_like(W),
        "E": np.empty((K, m)),
        "F": np.empty(m),
        "bwd": np.empty_like(P),
    }
    ne.gen_forward(P, Z, kind, ref["fwd"])
    ne.critic_grad(W, X, Y, 1 / m, -1 / (m + 1), kind, ref["crit"])
    ne.critic_input_grad(W, X, kind, ref["E"], ref["F"])
    ne.gen_backward(P, Z, ref["E"], kind, ref["bwd"])
    for suffix in ("", "_serial"):
        out = {key: np.empty_like(value) for key, value in ref.items()}
        getattr(k, "gen_forward" + suffix)(P, Z, kind, out["fwd"])
        getattr(k, "critic_grad" + suffix)(W, X, Y, 1 / m, -1 / (m + 1), kind, out["crit"])
        getattr(k, "critic_input_grad" + suffix)(W, X, kind, out["E"], out["F"])
        getattr(k, "gen_backward" + suffix)(P, Z, ref["E"], kind, out["bwd"])
        for key in ref:
            scale = np.abs(ref[key]).max()
            assert np.abs(out[key] - ref[key]).max() <= 1e-13 * scale, (key, suffix)


@needs_numba
def test_float32_kernels_are_float32_and_match_float64() -> None:
    """float32 inputs (issue 18): every kernel, both the threaded and the serial one, on shapes
    through the register-blocked paths, against the numpy engine in float64 on the same
    (float32) inputs. A sum or inner product of n terms in float32 arithmetic is within
    gamma_n ~ n u of the exact value relative to the sum of the moduli of its terms
    (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., sections 3.1 and 4.2;
    u = 2**-24); here n <= 270 (a particle sum) plus the sigmoid's one rounding, so
    gamma_n ~ 1.6e-5, and the moduli sum to a few times the largest result: 1e-4 of the
    largest value. A kernel that computed in float16, or dropped a term, fails it."""
    k = _kernels()
    from limitdyn.particles import _numpy_kernels as ne

    K, L, N, M, m = 6, 5, 260, 270, 7
    rng = np.random.default_rng(18)
    f32 = {
        "P": rng.normal(size=(K, L + 2, N)).astype(np.float32),
        "W": rng.normal(size=(K + 2, M)).astype(np.float32),
        "Z": rng.normal(size=(L, m)).astype(np.float32),
        "X": rng.normal(size=(K, m)).astype(np.float32),
        "Y": rng.normal(size=(K, m + 1)).astype(np.float32),
    }
    f64 = {name: a.astype(np.float64) for name, a in f32.items()}

    def kernels(mod, a, suffix, kind):  # type: ignore[no-untyped-def]
        dt = a["P"].dtype
        out = {
            "fwd": np.empty((K, m), dt),
            "crit": np.empty((K + 2, M), dt),
            "E": np.empty((K, m), dt),
            "F": np.empty(m, dt),
            "bwd": np.empty((K, L + 2, N), dt),
        }
        getattr(mod, "gen_forward" + suffix)(a["P"], a["Z"], kind, out["fwd"])
        getattr(mod, "critic_grad" + suffix)(
            a["W"], a["X"], a["Y"], 1 / m, -1 / (m + 1), kind, out["crit"]
        )
        getattr(mod, "critic_input_grad" + suffix)(a["W"], a["X"], kind, out["E"], out["F"])
        E = a["X"].astype(dt)  # the same fixed output gradients for both precisions
        getattr(mod, "gen_backward" + suffix)(a["P"], a["Z"], E, kind, out["bwd"])
        return out

    for kind in range(3):
        ref = kernels(ne, f64, "", kind)
        for suffix in ("", "_serial"):
            out = kernels(k, f32, suffix, kind)
            for key, value in out.items():
                assert value.dtype == np.float32, (key, suffix)
                scale = np.abs(ref[key]).max()
                assert np.abs(value - ref[key]).max() <= 1e-4 * scale, (kind, key, suffix)


def _protocol_signature(name: str) -> list[str]:
    params = list(inspect.signature(getattr(ParticleKernels, name)).parameters)
    return params[1:]  # without self


@pytest.mark.parametrize("engine_name", ["numpy", "numba"])
def test_both_engines_implement_the_kernel_interface(engine_name: str) -> None:
    """Every function of ParticleKernels, with the interface's parameter names in order."""
    if engine_name == "numba":
        pytest.importorskip("numba")
    impl = kernels(Engine(engine_name))
    names = [n for n in vars(ParticleKernels) if not n.startswith("_")]
    assert set(names) >= {
        "gen_forward",
        "critic_grad",
        "critic_input_grad",
        "gen_backward",
        "wgan_block",
        "regression_block",
    }
    for name in names:
        func = getattr(impl, name)
        py = getattr(func, "py_func", func)
        assert list(inspect.signature(py).parameters) == _protocol_signature(name), name


def test_numba_module_is_imported_only_when_asked() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from limitdyn._engine import Engine\n"
        "from limitdyn.particles._kernel_api import kernels\n"
        "kernels(Engine('numpy'))\n"
        "assert 'numba' not in sys.modules and 'limitdyn.particles._kernels' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def _block_inputs(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    K, L, N, M, m, S, nc = 2, 3, 9, 7, 5, 3, 2
    P = rng.normal(size=(K, L + 2, N))
    W = rng.uniform(-0.5, 0.5, size=(K + 2, M))
    Zc = rng.normal(size=(S, nc, L, m))
    Xc = rng.normal(size=(S, nc, K, m))
    Zg = rng.normal(size=(S, L, m))
    return P, W, Zc, Xc, Zg


@needs_numba
@pytest.mark.parametrize(("rms", "per_particle"), [(False, False), (True, False), (True, True)])
def test_wgan_block_agrees_between_engines_and_with_its_steps(
    rms: bool, per_particle: bool
) -> None:
    """The block kernel of each engine, fed one WGANHyper, against the other engine, and
    its critic loss against D computed with the single-pass kernels."""
    rng = np.random.default_rng(0)
    P0, W0, Zc, Xc, Zg = _block_inputs(rng)
    hyper = WGANHyper(0, 0.3, 0.2, 1.0, 1.0, rms, 0.9, 1e-8, 0.4, False, per_particle)
    out = {}
    for name in ("numpy", "numba"):
        P, W = P0.copy(), W0.copy()
        msP, msW = np.zeros_like(P), np.zeros_like(W)
        lc, lg = np.empty(3), np.empty(3)
        bad = kernels(Engine(name)).wgan_block(P, W, msP, msW, Zc, Xc, Zg, hyper, lc, lg)
        assert bad == -1
        out[name] = (P, W, lc, lg)
    for a, b in zip(out["numpy"], out["numba"]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    assert np.abs(out["numpy"][1]).max() <= 0.4  # the projection on Q = [-clip, clip]^(K+2)
    # the critic loss of a step is D = mean f(x) - mean f(g(z)) of its last substep
    ne = kernels(Engine("numpy"))
    lc1 = np.empty(1)
    ne.wgan_block(
        P0.copy(),
        W0.copy(),
        np.zeros_like(P0),
        np.zeros_like(W0),
        Zc[:1, :1],
        Xc[:1, :1],
        Zg[:1],
        hyper,
        lc1,
        np.empty(1),
    )
    G, E, F = np.empty((2, 5)), np.empty((2, 5)), np.empty(5)
    ne.gen_forward(P0, Zc[0, 0], 0, G)
    ne.critic_input_grad(W0, Xc[0, 0], 0, E, F)
    fx = F.mean()
    ne.critic_input_grad(W0, G, 0, E, F)
    assert lc1[0] == pytest.approx(fx - F.mean(), rel=1e-12)


@needs_numba
def test_regression_block_agrees_between_engines() -> None:
    rng = np.random.default_rng(1)
    K, L, N, m, S = 2, 3, 11, 6, 4
    P0 = rng.normal(size=(K, L + 2, N))
    X = rng.normal(size=(S, L, m))
    Y = rng.normal(size=(S, K, m))
    hyper = RegressionHyper(kind=1, eta=0.05, parallel=False)
    out = {}
    for name in ("numpy", "numba"):
        P, loss = P0.copy(), np.empty(S)
        assert kernels(Engine(name)).regression_block(P, X, Y, hyper, loss) == -1
        out[name] = (P, loss)
    for a, b in zip(out["numpy"], out["numba"]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    # the first loss is the batch energy (1/2m) sum |g(x) - y|^2 at the initial particles
    G = np.empty((K, m))
    kernels(Engine("numpy")).gen_forward(P0, X[0], 1, G)
    assert out["numpy"][1][0] == pytest.approx(0.5 * np.sum((G - Y[0]) ** 2) / m, rel=1e-13)


@needs_numba
@pytest.mark.parametrize("scaling", ["mean-field", "raw"])
def test_engines_agree_on_two_timescale_per_particle_rmsprop(scaling: str) -> None:
    """The lecture's options (a critic learning rate, RMSProp per particle) in both
    engines, 12 steps, to 1e-12; the second moments are one number per particle."""
    runs = []
    for engine in ("numpy", "numba"):
        model = WGAN(
            n_generator=13,
            n_critic_particles=7,
            data_dim=2,
            latent_dim=3,
            target=ring(8),
            lr=0.05 if scaling == "raw" else 0.5,
            critic_lr=0.2,
            batch=9,
            n_critic=3,
            clip=0.3,
            optimizer="rmsprop",
            rmsprop_norm="particle",
            scaling=scaling,
            engine=engine,
            n_eval=0,
        )
        runs.append(model.run(steps=12, record_every=4, seed=5, progress=False))
    a, b = runs
    np.testing.assert_allclose(a.generator, b.generator, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(a.critic, b.critic, rtol=1e-12, atol=1e-14)
    assert np.abs(a.generator[-1] - a.generator[0]).max() > 1e-3  # not trivial


def test_per_particle_second_moment_is_one_number_per_particle() -> None:
    """numpy engine, one critic substep, from ms = 0: ms[:, j] = (1 - rho) |g_j|^2 in
    every coordinate of particle j (g_j its gradient column)."""
    rng = np.random.default_rng(2)
    P0, W0, Zc, Xc, Zg = _block_inputs(rng)
    ne = kernels(Engine("numpy"))
    GW = np.empty_like(W0)
    G = np.empty((P0.shape[0], Zc.shape[3]))
    ne.gen_forward(P0, Zc[0, 0], 0, G)
    m = Zc.shape[3]
    ne.critic_grad(W0, Xc[0, 0], G, 1.0 / m, -1.0 / m, 0, GW)
    hyper = WGANHyper(0, 0.3, 0.2, 1.0, 1.0, True, 0.75, 1e-8, -1.0, False, True)
    msP, msW = np.zeros_like(P0), np.zeros_like(W0)
    W = W0.copy()
    ne.wgan_block(P0.copy(), W, msP, msW, Zc[:1, :1], Xc[:1, :1], Zg[:1], hyper,
                  np.empty(1), np.empty(1))  # fmt: skip
    expected = 0.25 * (GW**2).sum(axis=0)
    np.testing.assert_allclose(msW, np.broadcast_to(expected, W0.shape), rtol=1e-13)
    np.testing.assert_allclose(
        W - W0, 0.2 * GW / (np.sqrt(expected) + 1e-8), rtol=1e-10, atol=1e-15
    )
