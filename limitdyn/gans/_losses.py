"""GAN losses as building blocks: the two players' costs of any small SymPy GAN, as a game.

Sign convention: the discriminator's output ``l = D_psi(x)`` is a *logit* and
``sigmoid(l)`` is the probability that ``x`` is real (Goodfellow et al. 2014). The
minimax value is ``V = E_real log sigmoid(l) + E_fake log(1 - sigmoid(l))``; the
discriminator maximises ``V`` minus its regulariser, the generator minimises ``V``
("minimax"), ``-E_fake log sigmoid(l)`` ("non-saturating") or, for the Wasserstein loss
(where ``l`` is the critic's value), ``V = E_real l - E_fake l``.

References
----------
I. Goodfellow et al., "Generative adversarial nets", NeurIPS 2014 (sec. 3: the
non-saturating loss); M. Arjovsky, L. Bottou, "Towards principled methods for training
GANs", ICLR 2017 (Thm. 2.4: vanishing gradients); M. Arjovsky, S. Chintala, L. Bottou,
"Wasserstein GAN", ICML 2017; L. Mescheder, A. Geiger, S. Nowozin, "Which training
methods for GANs do actually converge?", ICML 2018 (regularisers R1, R2, WGAN-GP,
instance noise); L. Mescheder, S. Nowozin, A. Geiger, "The numerics of GANs", NeurIPS
2017 (consensus optimisation).
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from .._scheme import Scheme, alternating, simultaneous
from ..errors import InputError

__all__ = [
    "LOSSES",
    "ORDERS",
    "REGULARIZERS",
    "gan_game",
    "generator_gradient",
    "log_sigmoid",
]

#: generator losses
LOSSES = ("minimax", "non-saturating", "wasserstein")
#: regularisers of the discriminator (or of both players, for consensus)
REGULARIZERS = ("r1", "r2", "wgan-gp", "consensus", "instance-noise")
#: update orders: both players from the old state, or the generator first (Mescheder 2018)
ORDERS = ("simultaneous", "alternating")
_NEEDS_GAMMA = ("r1", "r2", "wgan-gp", "consensus")


def log_sigmoid(t: sp.Expr) -> sp.Expr:
    """``log sigmoid(t) = -log(1 + exp(-t))``, the log-probability of "real" at logit ``t``.

    Examples
    --------
    >>> import sympy as sp
    >>> log_sigmoid(sp.Integer(0))
    -log(2)
    """
    return -sp.log(1 + sp.exp(-t))


def _choice(value: Any, name: str, valid: tuple[str, ...], *, allow_none: bool = False) -> Any:
    if allow_none and value is None:
        return None
    if not isinstance(value, str) or value not in valid:
        extra = "None, " if allow_none else ""
        plural = f"{name}es" if name.endswith("s") else f"{name}s"
        raise InputError(f"unknown {name} {value!r}; valid {plural}: {extra}{', '.join(valid)}")
    return value


def _positive(value: Any, name: str) -> sp.Expr:
    if isinstance(value, bool) or not isinstance(value, (int, float, sp.Basic)):
        raise InputError(f"{name} must be a positive number or symbol, got {value!r}")
    v = sp.nsimplify(value) if isinstance(value, int) else sp.sympify(value)
    if v.is_positive is False or (v.is_number and not v.is_positive):
        raise InputError(f"{name} must be positive, got {value!r}")
    return v


def _symbols(value: Any, name: str) -> tuple[sp.Symbol, ...]:
    items = (value,) if isinstance(value, sp.Symbol) else tuple(value)
    if not items or not all(isinstance(s, sp.Symbol) for s in items):
        raise InputError(f"{name} must be a Symbol or a non-empty sequence of Symbols")
    return items


def _measure(value: Any, name: str, dim: int) -> list[tuple[tuple[sp.Expr, ...], sp.Expr]]:
    """``[(point, weight)]`` from points (uniform weights) or a ``(points, weights)`` pair."""
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], (list, tuple)):
        points, weights = list(value[0]), [sp.nsimplify(w) for w in value[1]]
        if len(points) != len(weights):
            raise InputError(f"{name}: {len(points)} points but {len(weights)} weights")
    else:
        points = list(value)
        weights = [sp.Rational(1, len(points))] * len(points) if points else []
    if not points:
        raise InputError(f"{name} has no points")
    if any(w.is_negative for w in weights) or sp.simplify(sum(weights) - 1) != 0:
        raise InputError(f"{name}: weights must be non-negative and sum to 1")
    out = []
    for p, w in zip(points, weights):
        coords = tuple(p) if isinstance(p, (list, tuple)) else (p,)
        if len(coords) != dim:
            raise InputError(f"{name}: the point {p!r} has {len(coords)} coordinates, not {dim}")
        out.append((tuple(sp.nsimplify(c) if isinstance(c, int) else c for c in coords), w))
    return out


def _noisy(
    measure: list[tuple[tuple[sp.Expr, ...], sp.Expr]], sigma: sp.Expr
) -> list[tuple[tuple[sp.Expr, ...], sp.Expr]]:
    """Instance noise N(0, sigma^2 I) by the symmetric rule ``x +- sigma sqrt(d) e_k``,
    weights ``1/(2d)``: exact for every moment up to order three (mean 0, covariance
    ``sigma^2 I``), so exact for the linearisation at an equilibrium."""
    out = []
    for point, w in measure:
        d = len(point)
        for k in range(d):
            for sign in (1, -1):
                shifted = tuple(
                    c + sign * sigma * sp.sqrt(d) if i == k else c for i, c in enumerate(point)
                )
                out.append((shifted, w / (2 * d)))
    return out


def gan_game(
    generator: Any,
    discriminator: Any,
    real: Any,
    fake: Any,
    *,
    theta: Any,
    psi: Any,
    x: Any,
    z: Any = (),
    loss: str = "minimax",
    regularizer: str | None = None,
    gamma: Any = None,
    sigma: Any = None,
    order: str = "simultaneous",
    implicit: bool = False,
    rates: Any = None,
) -> Scheme:
    """The training game of a GAN written in SymPy, as a scheme over ``(theta, psi)``.

    Parameters
    ----------
    generator : Expr or sequence of Expr
        ``G_theta(z)``, one entry per data coordinate.
    discriminator : Expr
        ``D_psi(x)``: the logit (minimax, non-saturating) or the critic (Wasserstein).
    real : sequence or (points, weights)
        The data distribution: points (numbers, or tuples for vector data) with uniform
        weights, or a pair of points and weights summing to 1.
    fake : sequence or (points, weights)
        Latent samples ``z_j`` (anything, e.g. ``[0]``, when ``G`` has no latent input).
    theta, psi : Symbol or sequence of Symbol
        The generator's and the discriminator's parameters, the scheme's variables in
        this order.
    x : Symbol or sequence of Symbol
        The data variable(s) of ``discriminator``.
    z : Symbol or sequence of Symbol, optional
        The latent variable(s) of ``generator``.
    loss : {"minimax", "non-saturating", "wasserstein"}
    regularizer : {None, "r1", "r2", "wgan-gp", "consensus", "instance-noise"}
        ``R1 = gamma/2 E_real |grad_x D|^2``, ``R2`` the same on the fakes (Mescheder et
        al. 2018); ``wgan-gp = gamma/2 E (|grad_x D(x^)| - 1)^2`` at the midpoints
        ``x^`` of real/fake pairs (the one-point rule for the interpolates of Gulrajani
        et al. 2017); ``consensus`` adds ``gamma/2 |v|^2`` (``v`` the players' joint
        gradient field) to both costs; ``instance-noise`` adds ``N(0, sigma^2)`` to
        real and fake samples (see ``_noisy``).
    gamma, sigma : number or Symbol
        Strength of the regulariser; standard deviation of the instance noise.
    order : {"simultaneous", "alternating"}
        Both players from the old state, or the generator first and the discriminator
        against the new generator (Mescheder et al. 2018, sec. 2.2).
    implicit : bool
        Proximal (implicit) steps instead of gradient steps.
    rates : sequence, optional
        The players' rates ``(generator, discriminator)``.

    Returns
    -------
    Scheme
        Over the variables ``theta + psi``.

    Raises
    ------
    InputError
        For unknown loss, regulariser or order names (listing the valid ones), a
        regulariser that needs ``gamma`` (or ``sigma``) without it, a strength given
        without its regulariser, or ill-formed measures.

    Examples
    --------
    A one-parameter generator ``G(z) = theta`` against a linear logit ``psi x`` on data
    at 1, with the non-saturating loss:

    >>> import sympy as sp
    >>> import limitdyn as ld
    >>> th, ps, x = sp.symbols("theta psi x", real=True)
    >>> s = gan_game(th, ps * x, [1], [0], theta=th, psi=ps, x=x, loss="non-saturating")
    >>> ld.equilibria(ld.limit_ode(s))
    [{theta: 1, psi: 0}]
    """
    loss = _choice(loss, "loss", LOSSES)
    regularizer = _choice(regularizer, "regularizer", REGULARIZERS, allow_none=True)
    order = _choice(order, "order", ORDERS)
    if regularizer in _NEEDS_GAMMA and gamma is None:
        raise InputError(f"the regularizer {regularizer!r} needs its strength gamma=")
    if regularizer == "instance-noise" and sigma is None:
        raise InputError("the regularizer 'instance-noise' needs its noise level sigma=")
    if gamma is not None and regularizer not in _NEEDS_GAMMA:
        raise InputError(f"gamma= is the strength of {', '.join(_NEEDS_GAMMA)}; not used here")
    if sigma is not None and regularizer != "instance-noise":
        raise InputError("sigma= is the noise level of regularizer='instance-noise'")
    th = _symbols(theta, "theta")
    ps = _symbols(psi, "psi")
    xs = _symbols(x, "x")
    zs = () if z == () else _symbols(z, "z")
    gen = tuple(generator) if isinstance(generator, (list, tuple)) else (generator,)
    if len(gen) != len(xs):
        raise InputError(f"the generator has {len(gen)} outputs for {len(xs)} data variables")
    if not isinstance(discriminator, sp.Expr):
        raise InputError("the discriminator must be a SymPy expression")
    data = _measure(real, "real", len(xs))
    latent = _measure(fake, "fake", len(zs) if zs else 1)
    fakes = [(tuple(g.xreplace(dict(zip(zs, zl))) for g in gen), w) for zl, w in latent]
    if regularizer == "instance-noise":
        s = _positive(sigma, "sigma")
        data, fakes = _noisy(data, s), _noisy(fakes, s)

    def disc(point: tuple[sp.Expr, ...]) -> sp.Expr:
        return discriminator.xreplace(dict(zip(xs, point)))

    def grad_sq(point: tuple[sp.Expr, ...]) -> sp.Expr:
        return sum(sp.diff(discriminator, v) ** 2 for v in xs).xreplace(dict(zip(xs, point)))

    if loss == "wasserstein":
        value = sum(w * disc(p) for p, w in data) - sum(w * disc(p) for p, w in fakes)
        cost_g = value
    else:
        value = sum(w * log_sigmoid(disc(p)) for p, w in data) + sum(
            w * log_sigmoid(-disc(p)) for p, w in fakes
        )
        cost_g = value if loss == "minimax" else -sum(w * log_sigmoid(disc(p)) for p, w in fakes)
    cost_d = -value
    if regularizer in ("r1", "r2", "wgan-gp"):
        g = _positive(gamma, "gamma")
        if regularizer == "r1":
            penalty = sum(w * grad_sq(p) for p, w in data)
        elif regularizer == "r2":
            penalty = sum(w * grad_sq(p) for p, w in fakes)
        else:
            penalty = sum(
                wr * wf * (sp.sqrt(grad_sq(tuple((a + b) / 2 for a, b in zip(pr, pf)))) - 1) ** 2
                for pr, wr in data
                for pf, wf in fakes
            )
        cost_d = cost_d + g / 2 * penalty
    elif regularizer == "consensus":
        g = _positive(gamma, "gamma")
        field_sq = sum(sp.diff(cost_g, v) ** 2 for v in th) + sum(
            sp.diff(cost_d, v) ** 2 for v in ps
        )
        cost_g = cost_g + g / 2 * field_sq
        cost_d = cost_d + g / 2 * field_sq
    blocks = [
        (th, [-sp.diff(cost_g, v) for v in th]),
        (ps, [-sp.diff(cost_d, v) for v in ps]),
    ]
    build = alternating if order == "alternating" else simultaneous
    scheme = build(blocks, rates=rates, implicit=implicit)
    reg = f", {regularizer}" if regularizer else ""
    return Scheme(
        variables=scheme.variables,
        stages=scheme.stages,
        step=scheme.step,
        name=f"GAN ({loss}{reg}, {order}{', implicit' if implicit else ''})",
    )


def generator_gradient(loss: str) -> sp.Expr:
    """``|dL_G/dl| = -dL_G/dl``, the generator loss's slope in the discriminator's logit at a fake
    sample, as a function of ``D = sigmoid(l)``, the probability the discriminator gives
    that the fake is real (for "wasserstein", of the critic's value: constant).

    The minimax generator loss ``log(1 - D)`` has slope ``D``, which vanishes as the
    discriminator rejects the fakes confidently (``D -> 0``); the non-saturating loss
    ``-log D`` has slope ``1 - D`` (Goodfellow et al. 2014, sec. 3; Arjovsky & Bottou
    2017, Thm. 2.4 and sec. 2.2.2).

    Returns
    -------
    Expr
        In the symbol ``D`` (positive).

    Examples
    --------
    >>> [generator_gradient(name) for name in LOSSES]
    [D, 1 - D, 1]
    """
    loss = _choice(loss, "loss", LOSSES)
    logit = sp.Symbol("l", real=True)
    d = sp.Symbol("D", positive=True)
    if loss == "minimax":
        lg = log_sigmoid(-logit)
    elif loss == "non-saturating":
        lg = -log_sigmoid(logit)
    else:
        lg = -logit
    slope = sp.diff(lg, logit).xreplace({logit: sp.log(d / (1 - d))})
    return sp.simplify(-slope)  # every slope is negative: lowering the logit raises L_G
