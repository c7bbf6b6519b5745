"""Benchmark of the mean-field WGAN step: numba engine vs the best peers vs the machine floor.

Everything is measured in one run of this script, each engine in its own subprocess so
that thread pools never overlap (numba: NUMBA_NUM_THREADS=2 and BLAS at 1 thread; the
peers: 2 threads and the process pinned to 2 CPUs; the numpy matmul peak: BLAS at 2
threads):

- steps/s at (N, M, K, L, m) = (1e3, 1e3, 2, 2, 256), (1e4, 1e4, 2, 2, 256),
  (1e3, 1e3, 64, 16, 256), float64, 5 critic steps + 1 generator step, SGD, clipping:
  ``WGAN(engine="numba").run`` (samples drawn by the run), the engine's block kernel on
  pre-drawn samples, and the peers of ``benchmarks/particle_peers.py`` (PyTorch tuned,
  ``torch.compile``, JAX ``jit``, the old PyTorch variant) on the same pre-drawn samples;
  each peer first checks that its next state after one step equals the engine's to 1e-10
  (it refuses to be timed otherwise);
- the floor: the step's matrix-shaped FLOPs at the measured numpy matmul rate plus every
  sigmoid at the fastest vectorised sigmoid/exp rate measured in this run (the engine's
  sigmoid kernel in L1, numpy's exp, a plain numba loop; 2 threads each), next to the
  physical limit (peak FMA rate of 2 cores from /proc/cpuinfo);
- peak memory of 1e5 generator particles in 2-D with 100 snapshots;
- the time to the first step of a fresh process with a warm numba cache (min and median
  of several processes), next to what numba's own import and initialisation cost.

Usage::

    .venv/bin/python benchmarks/particles.py                # numba + floor (+ peers if importable)
    /tmp/peervenv/bin/python benchmarks/particles.py        # with torch and JAX (see README)
    /tmp/peervenv/bin/python benchmarks/particles.py --quick  # fewer steps, best of 2, no
                                                              # memory, no torch-old
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from limitdyn.particles._driver import RNG_BLOCK

SIZES = [(1000, 1000, 2, 2, 256), (10000, 10000, 2, 2, 256), (1000, 1000, 64, 16, 256)]
# RNG_BLOCK: the steps of random inputs that ``WGAN.run`` draws at once. Every timed run is
# a whole number of such blocks, so that a short timed run pays for its draws per step as a
# long training run does (at K = 64 one block's draw takes ~26 ms: over the 3 steps timed
# before, a 7 % charge that no real run pays).
N_CRITIC = 5
THREADS = 2
REPEATS = 5  # best of, for every engine: the machine is shared and noisy
PEERS = ["torch-tuned", "torch-compile", "jax", "torch-old"]
PEER_MODULES = {
    "torch-tuned": "torch",
    "torch-compile": "torch",
    "torch-old": "torch",
    "jax": "jax",
}
HERE = Path(__file__).resolve().parent
#: flops of one sigmoid with its derivative in the engine's formula (``_sigmoid_parts`` and
#: ``act_block``: 8 multiply-adds = 16 flops, 9 multiplications/additions, 1 division;
#: the two clamps and the integer exponent arithmetic, which now also applies ``2**k``,
#: not counted; 27 before 2**k became an integer add to the exponent field)
SIGMOID_FLOPS = 26


def step_counts(N: int, M: int, K: int, L: int, m: int, n_critic: int = N_CRITIC) -> dict:
    """Matrix-shaped FLOPs (2 per multiply-add) and sigmoid evaluations of one step.

    Minimal counts: the generator step evaluates each generator sigmoid once (a
    formulation that stores the activations reuses them in the backward pass).
    """
    gen_fwd = 2 * m * N * K * L + 2 * m * N * K  # pre-activations, output sum
    critic_grad = 2 * (2 * m) * M * K + 2 * (2 * m) * M * K + 2 * 2 * (2 * m) * M  # v, beta, a/g
    critic_in = 2 * m * M * K + 2 * m * M * K + 2 * m * M  # v, grad wrt input, value
    gen_bwd = 2 * m * N * K + 2 * m * N * K * L + 2 * m * N * K  # a, b, c
    flops = n_critic * (gen_fwd + critic_grad) + gen_fwd + critic_in + gen_bwd
    sig = n_critic * (m * N * K + 2 * m * M) + m * N * K + m * M
    return {"flops": flops, "sigmoids": sig}


def _env(blas_threads: int, numba_threads: int) -> dict:
    env = dict(os.environ)
    for key in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[key] = str(blas_threads)
    env["NUMBA_NUM_THREADS"] = str(numba_threads)
    return env


def _run(code: str, env: dict, timeout: float = 1200) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if out.returncode != 0:
        raise RuntimeError(f"benchmark subprocess failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# The engine: WGAN.run (samples drawn by the run) and its block kernel on pre-drawn samples
# (the peers' footing). With a reference path it first writes the initial particles, one
# block of the run's own random inputs (RNG_BLOCK steps, in (step, substep, point, coord)
# layout) and the state after one step on the first of them, computed by the same kernel
# call that WGAN.run makes (model._kernels.wgan_block, read-only use of private API).
NUMBA_CODE = """
import json, sys, time
import numpy as np
from limitdyn.particles import WGAN, gaussian_mixture
from limitdyn.particles._util import generator_particles
N, M, K, L, m, steps, nc = {N}, {M}, {K}, {L}, {m}, {steps}, {n_critic}
lr, clip = 1e-3, 0.01
tgt = gaussian_mixture(np.random.default_rng(0).normal(size=(4, K)), 0.1)
model = WGAN(n_generator=N, n_critic_particles=M, data_dim=K, latent_dim=L, target=tgt,
             lr=lr, batch=m, n_critic=nc, clip=clip, engine="{engine}",
             threads={threads}, n_eval=0)
model.run(steps=2, seed=0, progress=False)           # compile or load the cache
state = model._start(None, 0, 0)
zc, xc, zg = model._draw(state)
theta0, omega0 = generator_particles(state.P), state.W.T.copy()
lc, lg = np.empty(zg.shape[0]), np.empty(zg.shape[0])

def block(start, stop):
    with model._in_force():
        bad = model._kernels.wgan_block(state.P, state.W, state.msP, state.msW, zc[start:stop],
                                        xc[start:stop], zg[start:stop], state.hyper, lc, lg)
    assert bad == -1

P0, W0 = state.P.copy(), state.W.copy()
block(0, 1)
if "{reference}":
    # the check step: the same step with step sizes at which both updates are resolved
    # (eta_g = 1, eta_c = 1e-2; at lr = 1e-3 the generator moves by ~1e-11)
    lr_x, lr_cx = float(N), 1e-2 * M
    check = model.replace(lr=lr_x, critic_lr=lr_cx)
    Px, Wx = P0.copy(), W0.copy()
    with model._in_force():
        bad = model._kernels.wgan_block(Px, Wx, np.zeros_like(Px), np.zeros_like(Wx), zc[:1],
                                        xc[:1], zg[:1], check._hyper(), lc, lg)
    assert bad == -1
    np.savez("{reference}", N=N, M=M, K=K, L=L, m=m, nc=nc, lr=lr, lr_c=lr, clip=clip,
             lr_check=lr_x, lr_c_check=lr_cx, theta0=theta0, omega0=omega0,
             theta1=generator_particles(state.P), omega1=state.W.T.copy(),
             theta1_check=generator_particles(Px), omega1_check=Wx.T.copy(),
             zc=zc.transpose(0, 1, 3, 2), xc=xc.transpose(0, 1, 3, 2), zg=zg.transpose(0, 2, 1))
best_run = best_block = float("inf")
n_block = zg.shape[0]
for _ in range({repeats}):                           # alternated: both see the same machine
    t = time.perf_counter()
    model.run(steps=steps, record_every=steps, seed=1, progress=False)
    best_run = min(best_run, (time.perf_counter() - t) / steps)
    t = time.perf_counter()
    done = 0
    while done < steps:
        n = min(n_block, steps - done)
        block(0, n)
        done += n
    best_block = min(best_block, (time.perf_counter() - t) / steps)
print(json.dumps({{"steps_per_s": 1.0 / best_run, "block_steps_per_s": 1.0 / best_block}}))
"""

PEAK_CODE = """
import json, time
import numpy as np
n = 2000
a = np.random.default_rng(0).normal(size=(n, n)); b = a.copy()
a @ b
best = float("inf")
for _ in range(5):
    t = time.perf_counter(); a @ b; best = min(best, time.perf_counter() - t)
print(json.dumps({"gflops": 2 * n**3 / best / 1e9}))
"""

# Vectorised sigmoid (or exp) rates on blocks that stay in L1, one block per thread, so
# that no memory traffic enters: the engine's own sigmoid with derivative (act_block), a
# plain numba loop 1 / (1 + exp(-u)) (fastmath, prange over the threads' blocks), and
# numpy's exp in one Python thread per block (numpy releases the GIL in the loop).
SIGMOID_CODE = """
import json, threading, time
import numpy as np
import numba
from limitdyn.particles import _kernels as kr

@numba.njit(parallel=True, cache=False)
def engine_blocks(u, s, ds, reps):
    for b in numba.prange(u.shape[0]):
        for _ in range(reps):
            kr.act_block(u[b], s[b], ds[b], u.shape[1], 0)

@numba.njit(parallel=True, fastmath=True, cache=False)
def plain_blocks(u, s, reps):
    for b in numba.prange(u.shape[0]):
        for _ in range(reps):
            for i in range(u.shape[1]):
                s[b, i] = 1.0 / (1.0 + np.exp(-u[b, i]))

threads = numba.get_num_threads()
rng = np.random.default_rng(0)

def best_of(f, n_values, reps=7):
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter(); f(); best = min(best, time.perf_counter() - t)
    return n_values / best / 1e9

u = rng.normal(size=(threads, 256)) * 4
s = np.empty_like(u); ds = np.empty_like(u)
engine_blocks(u, s, ds, 10); plain_blocks(u, s, 10)
R = 20000
engine = best_of(lambda: engine_blocks(u, s, ds, R), u.size * R)
plain = best_of(lambda: plain_blocks(u, s, R), u.size * R)

nu = 2048                                            # 16 KiB in, 16 KiB out: in L1
ub = [rng.normal(size=nu) * 4 for _ in range(threads)]
vb = [np.empty(nu) for _ in range(threads)]
RN = 4000

def np_exp(i):
    for _ in range(RN):
        np.exp(ub[i], out=vb[i])

def numpy_threads():
    ts = [threading.Thread(target=np_exp, args=(i,)) for i in range(threads)]
    for t in ts: t.start()
    for t in ts: t.join()

numpy_rate = best_of(numpy_threads, threads * nu * RN, reps=5)
print(json.dumps({"engine": engine, "numba_plain": plain, "numpy_exp": numpy_rate,
                  "threads": threads}))
"""

MEMORY_CODE = """
import json, resource, time
import numpy as np
from limitdyn.particles import WGAN, ring
model = WGAN(n_generator=100_000, n_critic_particles=1000, data_dim=2, latent_dim=2,
             target=ring(8), lr=1e-3, batch=64, clip=0.01, engine="numba", n_eval=256)
t = time.perf_counter()
run = model.run(steps=99, record_every=1, seed=0, progress=False)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"snapshots": int(run.n_snapshots), "peak_bytes": peak,
                  "snapshot_bytes": int(run.generator.nbytes + run.critic.nbytes),
                  "seconds": time.perf_counter() - t}))
"""

FIRST_STEP_CODE = """
import time
t0 = time.perf_counter()
import json
import numpy as np
from limitdyn.particles import WGAN, ring
model = WGAN(n_generator=1000, n_critic_particles=1000, data_dim=2, latent_dim=2,
             target=ring(8), lr=1e-3, batch=256, engine="numba", threads=2, n_eval=0)
t1 = time.perf_counter()
model.run(steps=1, seed=0, progress=False)
t2 = time.perf_counter()
print(json.dumps({"first_step_s": t2 - t0, "run_call_s": t2 - t1}))
"""

# what numba itself costs a fresh process before any of its functions can run: its import
# and the initialisation of its CPU target (which imports scipy.linalg), with numpy
NUMBA_STARTUP_CODE = """
import time
t0 = time.perf_counter()
import json
import numpy as np
import numba
from numba.core.registry import cpu_target
cpu_target.target_context.refresh()
cpu_target.typing_context.refresh()
print(json.dumps({"numba_startup_s": time.perf_counter() - t0}))
"""
FRESH_PROCESSES = 5


def _cpuinfo() -> dict:
    """Vendor, family, model name, clock and vector flags of this machine's CPU."""
    info: dict = {}
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return info
    for line in text.splitlines():
        if ":" not in line:
            if info:
                break  # the first processor's block only
            continue
        key, _, value = (part.strip() for part in line.partition(":"))
        info.setdefault(key, value)
    return info


def physical_limit(threads: int = THREADS) -> dict:
    """Peak FMA rate of ``threads`` cores: cores x FMA units x doubles per FMA x 2 x clock.

    The FMA datapath is not the instruction width: AMD Zen 4 (family 25, model >= 0x10)
    executes AVX-512 on two 256-bit FMA pipes, Zen 5 (family 26) on 512-bit ones; Intel
    cores with AVX-512 are taken with two 512-bit FMA units (some Xeons have one), AVX2
    cores with two 256-bit units. The clock is /proc/cpuinfo's ``cpu MHz`` (a VM reports
    its nominal clock; turbo can exceed it).
    """
    info = _cpuinfo()
    flags = set(info.get("flags", "").split())
    vendor, family = info.get("vendor_id", "?"), int(info.get("cpu family", "0") or 0)
    model = int(info.get("model", "0") or 0)
    isa = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "SSE2"
    if vendor == "AuthenticAMD":
        datapath = 512 if family >= 26 else 256 if (family == 25 or family == 23) else 128
        if family == 23:  # Zen 1 (models < 0x30) has 128-bit pipes, Zen 2 256-bit
            datapath = 256 if model >= 0x30 else 128
    else:
        datapath = 512 if isa == "AVX-512" else 256 if isa == "AVX2" else 128
    fma_units = 2 if "fma" in flags else 0
    ghz = float(info.get("cpu MHz", "0") or 0) / 1e3
    doubles = datapath // 64
    return {
        "cpu": f"{vendor} {info.get('model name', '?')} (family {family}, model {model})",
        "isa": isa + (" + FMA" if "fma" in flags else ""),
        "datapath_bits": datapath,
        "fma_units": fma_units,
        "ghz": ghz,
        "gflops": threads * fma_units * doubles * 2 * ghz,
    }


def _run_script(args: list[str], env: dict, timeout: float = 1200) -> dict:
    out = subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    if out.returncode != 0:
        raise RuntimeError(f"benchmark subprocess {args[:2]} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _peer_env() -> dict:
    env = _env(1, 1)
    # JAX: XLA's CPU thread pool (Eigen) is sized from the CPUs this process may use; the
    # peer pins itself to THREADS CPUs (particle_peers._pin) before importing jax, so the
    # flags below only make the choice explicit
    env["XLA_FLAGS"] = (
        env.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen=true"
        f" intra_op_parallelism_threads={THREADS}"
    ).strip()
    env["TORCHINDUCTOR_CACHE_DIR"] = str(Path(tempfile.gettempdir()) / "limitdyn-inductor")
    return env


def _load() -> str:
    try:
        return " / ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps, no memory test")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-first-step", action="store_true")
    parser.add_argument(
        "--peers",
        default=None,
        help=f"comma-separated peers (default {','.join(PEERS)}; --quick: without torch-old)",
    )
    parser.add_argument(
        "--size",
        nargs=5,
        type=int,
        action="append",
        metavar=("N", "M", "K", "L", "m"),
        help="a size to measure instead of the three of the issue (repeatable)",
    )
    args = parser.parse_args()
    repeats = 2 if args.quick else REPEATS
    default = [p for p in PEERS if p != "torch-old"] if args.quick else PEERS
    wanted = [p for p in args.peers.split(",") if p] if args.peers else default
    unknown = sorted(set(wanted) - set(PEERS))
    if unknown:
        parser.error(f"unknown peers {unknown}; choose from {PEERS}")
    peers = [p for p in wanted if importlib.util.find_spec(PEER_MODULES[p]) is not None]
    missing = sorted({PEER_MODULES[p] for p in wanted if p not in peers})
    if missing:
        print(f"{' and '.join(missing)} not importable in this interpreter: skipping those peers")
        print("(run with /tmp/peervenv/bin/python, see benchmarks/README.md)\n")

    numba_env = _env(1, THREADS)
    print(f"load average at start (1, 5, 15 min): {_load()}")
    phys = physical_limit()
    peak = _run(PEAK_CODE, _env(THREADS, 1))["gflops"]
    sig = _run(SIGMOID_CODE, numba_env)
    rates = {k: sig[k] for k in ("engine", "numba_plain", "numpy_exp")}
    fastest = max(rates, key=lambda k: rates[k])
    sig_rate = rates[fastest] * 1e9
    print(
        f"CPU: {phys['cpu']}, {phys['isa']}, {phys['datapath_bits']}-bit FMA datapath x "
        f"{phys['fma_units']} units, {phys['ghz']:.2f} GHz: physical limit {THREADS} cores x "
        f"{phys['fma_units']} x {phys['datapath_bits'] // 64} doubles x 2 flops x clock = "
        f"{phys['gflops']:.1f} GFLOP/s"
    )
    print(
        f"measured ({THREADS} threads): numpy matmul {peak:.1f} GFLOP/s "
        f"({100 * peak * 1e9 / (phys['gflops'] * 1e9 or 1):.0f} % of the limit); sigmoid in "
        f"L1: engine (value + derivative) {rates['engine']:.2f} G/s, plain numba loop "
        f"{rates['numba_plain']:.2f} G/s, numpy exp {rates['numpy_exp']:.2f} G/s"
    )
    print(
        f"floor: matrix FLOPs at {peak:.1f} GFLOP/s + every sigmoid at {sig_rate / 1e9:.2f} G/s "
        f"({fastest}; both measured again at each size, the floor taking the higher rate); "
        f"the engine's sigmoid = "
        f"{SIGMOID_FLOPS} flops: "
        f"{rates['engine'] * SIGMOID_FLOPS:.1f} GFLOP/s = "
        f"{100 * rates['engine'] * SIGMOID_FLOPS / (phys['gflops'] or float('nan')):.0f} % of "
        f"the peak FMA rate (at the limit: "
        f"{phys['gflops'] / SIGMOID_FLOPS:.2f} G sigmoids/s)\n"
    )

    names = ["run()", "pre-drawn", *peers]
    header = (
        f"{'(N, M, K, L, m)':>24} "
        + " ".join(f"{n:>13}" for n in names)
        + f" {'best peer':>13} {'ld / best':>9} {'floor':>8} {'of floor':>8}"
    )
    print(header)
    print("-" * len(header))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for N, M, K, L, m in args.size or SIZES:
            work = N * K * m
            steps = int(2e8 / (work * (N_CRITIC + 2) * max(1, L / 2)))
            if args.quick:
                steps //= 4
            steps = RNG_BLOCK * max(1, round(steps / RNG_BLOCK))
            ref = str(Path(tmp) / f"ref_{N}_{K}_{L}.npz")
            fmt = dict(N=N, M=M, K=K, L=L, m=m, steps=steps, n_critic=N_CRITIC)
            fmt.update(threads=THREADS, repeats=repeats)
            nb = _run(NUMBA_CODE.format(engine="numba", reference=ref, **fmt), numba_env)
            res: dict = {"run()": nb["steps_per_s"], "pre-drawn": nb["block_steps_per_s"]}
            notes = []
            for peer in peers:
                try:
                    out = _run_script(
                        [
                            str(HERE / "particle_peers.py"),
                            peer,
                            ref,
                            str(steps),
                            str(repeats),
                            str(THREADS),
                        ],
                        _peer_env(),
                    )
                except RuntimeError as err:  # e.g. torch.compile without a working compiler
                    notes.append(f"{peer}: failed ({str(err).strip().splitlines()[-1][:160]})")
                    res[peer] = float("nan")
                    continue
                a = out["agree"]
                agree = (
                    f"state {max(v for k, v in a.items() if '_state' in k):.1e}, update "
                    f"{max(a['generator_update_check'], a['critic_update_check']):.1e}"
                )
                if not out["ok"]:
                    notes.append(f"{peer}: DISAGREES with the engine ({agree}): not timed")
                    res[peer] = float("nan")
                    continue
                res[peer] = out["steps_per_s"]
                notes.append(f"{peer}: agrees ({agree}), cpu/wall {out['cpu_per_wall']:.2f}")
            timed = [p for p in peers if p != "torch-old" and res[p] == res[p]]
            best = max(timed, key=lambda p: res[p]) if timed else None
            # the rates again, next to this size's timings: the host's load drifts
            peak_here = _run(PEAK_CODE, _env(THREADS, 1))["gflops"]
            sig_here = _run(SIGMOID_CODE, numba_env)
            rate_here = max(sig_here[k] for k in ("engine", "numba_plain", "numpy_exp")) * 1e9
            notes.append(
                f"floor rates at this size: matmul {peak_here:.1f} GFLOP/s, sigmoid "
                f"{rate_here / 1e9:.2f} G/s (engine {sig_here['engine']:.2f}, numpy exp "
                f"{sig_here['numpy_exp']:.2f})"
            )
            counts = step_counts(N, M, K, L, m)
            # the higher of the run's first and this size's rates: a rate measured while the
            # host dips would lower the floor below what the machine does (> 100 % of it)
            peak_fl, rate_fl = max(peak, peak_here), max(sig_rate, rate_here)
            floor = 1.0 / (counts["flops"] / (peak_fl * 1e9) + counts["sigmoids"] / rate_fl)
            ratio = res["run()"] / res[best] if best else float("nan")
            rows.append(dict(size=(N, M, K, L, m), floor=floor, best=best, **res, **counts))
            print(
                f"{(N, M, K, L, m)!s:>24} "
                + " ".join(f"{res[n]:13.2f}" for n in names)
                + f" {best or '-':>13} {ratio:8.2f}x {floor:8.2f} "
                f"{100 * res['run()'] / floor:7.1f}%"
            )
            for note in notes:
                print(f"{'':>26}{note}")
    print(
        f"\n(steps/s, best of {repeats}; one step = {N_CRITIC} critic steps + 1 generator step, "
        f"float64, {THREADS} threads; 'run()' = WGAN(engine='numba').run drawing its samples, "
        "'pre-drawn' = the engine's block kernel on pre-drawn samples like the peers; "
        "ld / best = run() / the best peer other than torch-old; 'state' = largest |next "
        "state - engine's| after one step, at the benchmark's step sizes and at the check's "
        "(eta_g = 1, eta_c = 1e-2); 'update' = largest update difference / largest update "
        "at the check's, where the generator's update is resolved)"
    )
    print(f"load average at the end (1, 5, 15 min): {_load()}")

    if args.quick or args.skip_memory:
        return
    mem = _run(MEMORY_CODE, numba_env, timeout=3000)
    print(
        f"\nmemory: N = 1e5 generator particles in 2-D, M = 1e3, {mem['snapshots']} "
        f"snapshots: peak RSS {mem['peak_bytes'] / 2**30:.2f} GiB (snapshots "
        f"{mem['snapshot_bytes'] / 2**30:.2f} GiB, run {mem['seconds']:.1f} s)"
    )
    if args.skip_first_step:
        return
    _run(FIRST_STEP_CODE, numba_env)  # make sure the cache is warm
    firsts, calls, startups = [], [], []
    for _ in range(FRESH_PROCESSES):  # alternated, so that both see the same machine state
        out = _run(FIRST_STEP_CODE, numba_env)
        firsts.append(out["first_step_s"])
        calls.append(out["run_call_s"])
        startups.append(_run(NUMBA_STARTUP_CODE, numba_env)["numba_startup_s"])
    print(
        f"first step in a fresh process, warm cache ({FRESH_PROCESSES} processes, min / median): "
        f"{min(firsts):.2f} / {statistics.median(firsts):.2f} s from interpreter start to the "
        f"end of the first step; of which the run() call {min(calls):.2f} / "
        f"{statistics.median(calls):.2f} s. For comparison, numpy + numba import and "
        f"numba's target initialisation alone: {min(startups):.2f} / "
        f"{statistics.median(startups):.2f} s"
    )


if __name__ == "__main__":
    main()
